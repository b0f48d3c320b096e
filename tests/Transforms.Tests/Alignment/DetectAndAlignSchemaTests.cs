using KappaFace.MLNet.Data.Alignment;
using KappaFace.MLNet.Onnx;
using KappaFace.MLNet.Tests.Shared;
using KappaFace.MLNet.Transforms.Alignment;
using KappaFace.MLNet.Transforms.Tests.Support;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Image;
using Xunit;

namespace KappaFace.MLNet.Transforms.Tests.Alignment;

/// <summary>DetectAndAlignFaces refuses wrong schemas and options as ML.NET's own transforms do, naming the column or option.</summary>
public sealed class DetectAndAlignSchemaTests : IDisposable
{
    private readonly TempFolder _temp = new();
    private readonly MLContext _ml = new(seed: 1);

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void A_missing_input_column_is_named()
    {
        IDataView data = Faces.PathRows(_ml, ["a.png"]);
        var estimator = _ml.FaceRecognition().DetectAndAlignFaces(BlueDotPhotos.Options() with { InputColumnName = "Photo" });

        var fit = Assert.Throws<ArgumentOutOfRangeException>(() => estimator.Fit(data));
        var shape = Assert.Throws<ArgumentOutOfRangeException>(() => estimator.GetOutputSchema(Shapes.Of(data.Schema)));

        foreach (var error in new[] { fit, shape })
        {
            Assert.Equal("inputSchema", error.ParamName);
            Assert.Contains("DetectAndAlignFaces: could not find input column 'Photo'", error.Message, StringComparison.Ordinal);
            Assert.Contains("a text column holding an image file path", error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void A_column_of_the_wrong_type_is_named_with_its_type()
    {
        IDataView data = _ml.Data.LoadFromEnumerable(new[] { new NumberRow { ImagePath = 3f } });
        var estimator = _ml.FaceRecognition().DetectAndAlignFaces(BlueDotPhotos.Options());

        var fit = Assert.Throws<ArgumentOutOfRangeException>(() => estimator.Fit(data));
        var shape = Assert.Throws<ArgumentOutOfRangeException>(() => estimator.GetOutputSchema(Shapes.Of(data.Schema)));

        Assert.Contains("schema mismatch for input column 'ImagePath'", fit.Message, StringComparison.Ordinal);
        Assert.Contains("got Single", fit.Message, StringComparison.Ordinal);
        Assert.Contains("schema mismatch for input column 'ImagePath'", shape.Message, StringComparison.Ordinal);
        Assert.Contains("got Single", shape.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_MLImage_column_is_refused_with_a_pointer_to_the_path_column()
    {
        string photo = BlueDotPhotos.Write(_temp, "a.png", 32, 32);
        IDataView rows = Faces.PathRows(_ml, [photo]);
        IDataView images = _ml.Transforms.LoadImages(FaceColumnNames.Image, null, FaceColumnNames.ImagePath).Fit(rows).Transform(rows);
        var estimator = _ml.FaceRecognition().DetectAndAlignFaces(BlueDotPhotos.Options() with { InputColumnName = FaceColumnNames.Image });

        var fit = Assert.Throws<ArgumentOutOfRangeException>(() => estimator.Fit(images));
        var shape = Assert.Throws<ArgumentOutOfRangeException>(() => estimator.GetOutputSchema(Shapes.Of(images.Schema)));

        foreach (var error in new[] { fit, shape })
        {
            Assert.Equal("inputSchema", error.ParamName);
            Assert.Contains("schema mismatch for input column 'Image'", error.Message, StringComparison.Ordinal);
            Assert.Contains("give the path column instead", error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void ML_NET_refuses_LoadImages_columns_for_an_image_input_of_a_CustomMapping_which_is_why_image_input_is_refused()
    {
        // If a later ML.NET accepts this, an MLImage input mapping becomes possible (docs/alignment.md).
        string photo = BlueDotPhotos.Write(_temp, "a.png", 32, 32);
        IDataView rows = Faces.PathRows(_ml, [photo]);
        var pipeline = _ml.Transforms.LoadImages(FaceColumnNames.Image, null, FaceColumnNames.ImagePath)
            .Append(_ml.Transforms.CustomMapping<ImageInputRow, SideRow>((input, output) => output.Side = input.Image?.Width ?? 0, contractName: null));

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => pipeline.Fit(rows));

        Assert.Contains("expected Image, got Image", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_input_column_with_an_internal_name_is_refused()
    {
        IDataView data = _ml.Data.LoadFromEnumerable(new[] { new ClashRow() });

        var error = Assert.Throws<InvalidOperationException>(() => _ml.FaceRecognition().DetectAndAlignFaces(BlueDotPhotos.Options()).Fit(data));

        Assert.Contains(FaceAlignmentContract.PayloadColumn, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_output_schema_has_the_four_columns_and_no_internal_one()
    {
        IDataView data = Faces.PathRows(_ml, ["a.png"]);
        var estimator = _ml.FaceRecognition().DetectAndAlignFaces(BlueDotPhotos.Options());

        SchemaShape shape = estimator.GetOutputSchema(Shapes.Of(data.Schema));
        DataViewSchema schema = estimator.Fit(data).GetOutputSchema(data.Schema);

        Assert.IsType<ImageDataViewType>(shape.Single(c => c.Name == FaceColumnNames.FaceImage).ItemType);
        Assert.IsType<ImageDataViewType>(schema[FaceColumnNames.FaceImage].Type);
        Assert.Equal(NumberDataViewType.Single, schema[FaceColumnNames.FaceScore].Type);
        var landmarks = Assert.IsType<VectorDataViewType>(schema[FaceColumnNames.FaceLandmarks].Type);
        Assert.Equal(NumberDataViewType.Single, landmarks.ItemType);
        Assert.Equal(10, landmarks.Size);
        Assert.Equal(BooleanDataViewType.Instance, schema[FaceColumnNames.FaceFound].Type);
        foreach (string name in FaceAlignmentContract.InternalColumns)
        {
            Assert.Null(schema.GetColumnOrNull(name));
            Assert.DoesNotContain(shape, c => c.Name == name);
        }
    }

    [Fact]
    public void Bad_options_are_refused_when_the_estimator_is_made()
    {
        var catalog = _ml.FaceRecognition();
        var options = BlueDotPhotos.Options();

        Assert.Contains("Faces = All", Assert.Throws<ArgumentException>(() => catalog.DetectAndAlignFaces(options with { Faces = FaceSelection.All })).Message, StringComparison.Ordinal);
        Assert.Contains("exactly one", Assert.Throws<ArgumentException>(() => catalog.DetectAndAlignFaces(options with { DetectorFile = "d.onnx" })).Message, StringComparison.Ordinal);
        Assert.Contains("four different names", Assert.Throws<ArgumentException>(() => catalog.DetectAndAlignFaces(options with { ScoreColumnName = FaceColumnNames.FaceImage })).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => catalog.DetectAndAlignFaces(options with { MinScore = 2f }));
        Assert.Throws<ArgumentOutOfRangeException>(() => catalog.DetectAndAlignFaces(options with { GpuDeviceId = -1 }));

        string missing = Path.Combine(_temp.Path, "missing.onnx");
        var noFile = Assert.Throws<OnnxModelException>(() => catalog.DetectAndAlignFaces(missing));
        Assert.Contains(missing, noFile.Message, StringComparison.Ordinal);

        // An embedding model is ONNX but not a RetinaFace-layout detector.
        string embedder = ConvModel.Create(inputSize: 8, embeddingSize: 4, kernel: 2).Save(_temp.Path);
        Assert.Throws<OnnxModelException>(() => catalog.DetectAndAlignFaces(embedder));
    }

    [Theory]
    [InlineData(null, false, "cpu")]
    [InlineData(0, false, "cuda")]
    [InlineData(1, false, "cuda:1")]
    [InlineData(0, true, "auto")]
    [InlineData(2, true, "auto:2")]
    public void The_device_follows_ML_NET_settings(int? gpuDeviceId, bool fallbackToCpu, string expected)
    {
        Assert.Equal(expected, Onnx.Runtime.ExecutionProviderSpec.Parse(FaceAlignmentEstimator.ExecutionProviderFor(gpuDeviceId, fallbackToCpu)).ToString());

        // The context's settings count when the options leave the device open (the device is only used on the first row).
        var ml = new MLContext(seed: 1) { GpuDeviceId = gpuDeviceId, FallbackToCpu = fallbackToCpu };
        var estimator = ml.FaceRecognition().DetectAndAlignFaces(BlueDotPhotos.Options());
        Assert.Equal(expected, Onnx.Runtime.ExecutionProviderSpec.Parse(estimator.ExecutionProvider).ToString());
    }

    public sealed class ImageInputRow
    {
        [AnySizeImage]
        public MLImage? Image { get; set; }
    }

    public sealed class SideRow
    {
        public int Side { get; set; }
    }

    public sealed class NumberRow
    {
        public float ImagePath { get; set; }
    }

    public sealed class ClashRow
    {
        public string ImagePath { get; set; } = "a.png";

        [ColumnName(FaceAlignmentContract.PayloadColumn)]
        public float Payload { get; set; }
    }
}
