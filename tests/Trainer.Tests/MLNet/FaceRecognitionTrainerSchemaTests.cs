using KappaFace.MLNet.Trainer.Training;
using KappaFace.MLNet.Trainer.Backbones;
using KappaFace.MLNet.Trainer.MLNet;
using KappaFace.MLNet.Transforms;
using Microsoft.ML;
using Microsoft.ML.Data;
using Xunit;

namespace KappaFace.MLNet.Trainer.Tests.MLNet;

/// <summary>Wrong input schemas fail in Fit and in GetOutputSchema, naming the column and the expected type.</summary>
public class FaceRecognitionTrainerSchemaTests
{
    private const int Size = 32;

    private sealed class TextLabelRow
    {
        public uint Label { get; set; }

        public string Image { get; set; } = "";

        [VectorType(3 * Size * Size)]
        public float[] Pixels { get; set; } = new float[3 * Size * Size];

        [VectorType(3 * 16 * 16)]
        public float[] Small { get; set; } = new float[3 * 16 * 16];

        public float[] Variable { get; set; } = new float[3 * Size * Size];

        [VectorType(3 * Size * Size)]
        public double[] Doubles { get; set; } = new double[3 * Size * Size];
    }

    private static FaceRecognitionTrainer Trainer(MLContext ml, string label = "Label", string image = "Image") =>
        ml.FaceRecognition().Trainers.KappaFace(new FaceRecognitionTrainerOptions
        {
            LabelColumnName = label,
            ImageColumnName = image,
            Training = new FaceTrainerOptions { Backbone = BackboneKind.Tiny, ImageSize = Size, EmbeddingSize = 16, Epochs = 1, BatchSize = 8 },
        });

    private static IDataView Raw(MLContext ml) => ml.Data.LoadFromEnumerable([new TextLabelRow(), new TextLabelRow()]);

    private static void AssertBoth(FaceRecognitionTrainer trainer, IDataView data, params string[] expectedInMessage)
    {
        var fit = Assert.Throws<ArgumentOutOfRangeException>(() => trainer.Fit(data));
        var shape = Assert.Throws<ArgumentOutOfRangeException>(() => trainer.GetOutputSchema(TrainerRows.Shape(data.Schema)));
        foreach (string part in expectedInMessage)
        {
            Assert.Contains(part, fit.Message, StringComparison.Ordinal);
            Assert.Contains(part, shape.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Missing_label_column_is_named()
    {
        var ml = new MLContext(1);
        IDataView data = TrainerRows.Synthetic(ml, Size);
        AssertBoth(Trainer(ml, label: "Person"), data, "label column 'Person'", "key type");
    }

    [Fact]
    public void Non_key_label_is_named_with_its_type()
    {
        var ml = new MLContext(1);
        IDataView data = ml.Transforms.CopyColumns("Image", "Pixels").Fit(Raw(ml)).Transform(Raw(ml));
        AssertBoth(Trainer(ml), data, "label column 'Label'", "expected a key type", "UInt32");
    }

    [Fact]
    public void Missing_image_column_is_named()
    {
        var ml = new MLContext(1);
        IDataView data = TrainerRows.Synthetic(ml, Size);
        AssertBoth(Trainer(ml, image: "Face"), data, "image column 'Face'", $"Vector<Single, {3 * Size * Size}>");
    }

    [Fact]
    public void Text_image_column_is_named_with_its_type()
    {
        var ml = new MLContext(1);
        IDataView data = ml.Transforms.Conversion.MapValueToKey("Label").Fit(Raw(ml)).Transform(Raw(ml));
        AssertBoth(Trainer(ml), data, "image column 'Image'", "MLImage", "String");
    }

    [Fact]
    public void Double_vector_is_rejected()
    {
        var ml = new MLContext(1);
        IDataView data = ml.Transforms.Conversion.MapValueToKey("Label").Fit(Raw(ml)).Transform(Raw(ml));
        AssertBoth(Trainer(ml, image: "Doubles"), data, "image column 'Doubles'", "Double");
    }

    [Fact]
    public void Vector_of_the_wrong_length_is_named_in_Fit()
    {
        var ml = new MLContext(1);
        IDataView data = ml.Transforms.Conversion.MapValueToKey("Label").Fit(Raw(ml)).Transform(Raw(ml));
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => Trainer(ml, image: "Small").Fit(data));
        Assert.Contains("image column 'Small'", e.Message, StringComparison.Ordinal);
        Assert.Contains($"{3 * 16 * 16} values, not {3 * Size * Size}", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Variable_size_vector_is_named()
    {
        var ml = new MLContext(1);
        IDataView data = ml.Transforms.Conversion.MapValueToKey("Label").Fit(Raw(ml)).Transform(Raw(ml));
        AssertBoth(Trainer(ml, image: "Variable"), data, "image column 'Variable'", "variable");
    }

    [Fact]
    public void Output_schema_adds_the_embedding_column_of_D_floats()
    {
        var ml = new MLContext(1);
        IDataView data = TrainerRows.Synthetic(ml, Size);
        SchemaShape output = Trainer(ml).GetOutputSchema(TrainerRows.Shape(data.Schema));
        SchemaShape.Column embedding = Assert.Single(output, c => c.Name == FaceColumnNames.Embedding);
        Assert.Equal(SchemaShape.Column.VectorKind.Vector, embedding.Kind);
        Assert.Equal(NumberDataViewType.Single, embedding.ItemType);
        Assert.Contains(output, c => c.Name == "Label");
        Assert.Contains(output, c => c.Name == "Image");
    }

    [Fact]
    public void Bad_options_are_rejected_when_the_estimator_is_made()
    {
        var ml = new MLContext(1);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => ml.FaceRecognition().Trainers.ArcFace(new FaceRecognitionTrainerOptions { Training = new FaceTrainerOptions { ImageSize = 30 } }));
        Assert.Contains("ImageSize", e.Message, StringComparison.Ordinal);
    }
}
