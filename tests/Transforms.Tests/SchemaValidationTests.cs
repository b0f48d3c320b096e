using KappaFace.MLNet.Onnx;
using KappaFace.MLNet.Tests.Shared;
using KappaFace.MLNet.Transforms.Embedding;
using KappaFace.MLNet.Transforms.Tests.Embedding;
using KappaFace.MLNet.Transforms.Tests.Evaluation;
using KappaFace.MLNet.Transforms.Tests.Scoring;
using KappaFace.MLNet.Transforms.Tests.Support;
using Microsoft.ML;
using Microsoft.ML.Data;
using Xunit;

namespace KappaFace.MLNet.Transforms.Tests;

/// <summary>Wrong schemas fail as ML.NET's own transforms do, with messages that name the column.</summary>
public sealed class SchemaValidationTests : IDisposable
{
    private readonly TempFolder _temp = new();
    private readonly MLContext _ml = new(seed: 1);
    private readonly ConvModel _model = ConvModel.Create(inputSize: 8, embeddingSize: 4, kernel: 2);
    private readonly string _modelPath;

    public SchemaValidationTests() => _modelPath = _model.Save(_temp.Path);

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Embedding_missing_input_column()
    {
        IDataView data = ApplyFaceEmbeddingTests.PixelRows(_ml, [new float[_model.PixelCount]], _model.PixelCount, "Pixels");
        var estimator = _ml.Transforms.ApplyFaceEmbedding(_modelPath);

        var fit = Assert.Throws<ArgumentOutOfRangeException>(() => estimator.Fit(data));
        var shape = Assert.Throws<ArgumentOutOfRangeException>(() => estimator.GetOutputSchema(Shapes.Of(data.Schema)));

        foreach (var error in new[] { fit, shape })
        {
            Assert.Contains("could not find input column 'Image'", error.Message, StringComparison.Ordinal);
            Assert.Contains("Vector<Single, 192>", error.Message, StringComparison.Ordinal);
            Assert.Equal("inputSchema", error.ParamName);
        }
    }

    [Fact]
    public void Embedding_input_of_the_wrong_type()
    {
        IDataView text = _ml.Data.LoadFromEnumerable([new PathRow { ImagePath = "x.png" }]);
        var estimator = _ml.Transforms.ApplyFaceEmbedding(FaceColumnNames.Embedding, FaceColumnNames.ImagePath, _modelPath);

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => estimator.Fit(text));
        Assert.Contains("schema mismatch for input column 'ImagePath'", error.Message, StringComparison.Ordinal);
        Assert.Contains("got String", error.Message, StringComparison.Ordinal);
        Assert.Contains("image (MLImage", error.Message, StringComparison.Ordinal);
        error = Assert.Throws<ArgumentOutOfRangeException>(() => estimator.GetOutputSchema(Shapes.Of(text.Schema)));
        Assert.Contains("'ImagePath'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Embedding_pixel_vector_of_the_wrong_length_or_kind()
    {
        IDataView shortVector = ApplyFaceEmbeddingTests.PixelRows(_ml, [new float[100]], 100, "Pixels");
        IDataView variable = _ml.Data.LoadFromEnumerable([new VariablePixels { Pixels = new float[_model.PixelCount] }]);
        IDataView bytes = _ml.Data.LoadFromEnumerable([new BytePixels { Pixels = new byte[_model.PixelCount] }]);
        var estimator = _ml.Transforms.ApplyFaceEmbedding("Embedding", "Pixels", _modelPath);

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => estimator.Fit(shortVector));
        Assert.Contains("input column 'Pixels'", error.Message, StringComparison.Ordinal);
        Assert.Contains("expected an image (MLImage, e.g. from LoadImages; resized to 8x8) or Vector<Single, 192>", error.Message, StringComparison.Ordinal);
        Assert.Contains("got Vector<Single, 100> (100 values, not 192)", error.Message, StringComparison.Ordinal);

        error = Assert.Throws<ArgumentOutOfRangeException>(() => estimator.Fit(variable));
        Assert.Contains("input column 'Pixels'", error.Message, StringComparison.Ordinal);
        Assert.Contains("got Vector<Single>", error.Message, StringComparison.Ordinal);
        error = Assert.Throws<ArgumentOutOfRangeException>(() => estimator.GetOutputSchema(Shapes.Of(variable.Schema)));
        Assert.Contains("'Pixels'", error.Message, StringComparison.Ordinal);

        error = Assert.Throws<ArgumentOutOfRangeException>(() => estimator.Fit(bytes));
        Assert.Contains("got Vector<Byte, 8, 8, 3>", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Embedding_refuses_to_hide_a_column_named_like_an_onnx_tensor()
    {
        IDataView data = ApplyFaceEmbeddingTests.PixelRows(_ml, [new float[_model.PixelCount]], _model.PixelCount, "Pixels");
        IDataView clash = _ml.Transforms.CopyColumns("embedding", "Pixels").Fit(data).Transform(data);

        var error = Assert.Throws<InvalidOperationException>(() => _ml.Transforms.ApplyFaceEmbedding("Embedding", "Pixels", _modelPath).Fit(clash));

        Assert.Contains("column 'embedding'", error.Message, StringComparison.Ordinal);
        // The ONNX input name itself is a fine name for the pixel column.
        IDataView named = _ml.Transforms.CopyColumns("input", "Pixels").Fit(data).Transform(data);
        Assert.Single(Faces.Column(_ml.Transforms.ApplyFaceEmbedding("Embedding", "input", _modelPath).Fit(named).Transform(named), "Embedding"));
    }

    [Fact]
    public void Embedding_models_that_break_the_contract_are_refused_when_the_transform_is_made()
    {
        string bgr = _model.Save(_temp.Path, "bgr.onnx", _model.Card() with { ColorOrder = "BGR" });
        var error = Assert.Throws<OnnxModelException>(() => _ml.Transforms.ApplyFaceEmbedding(bgr));
        Assert.Contains("input.color_order=BGR", error.Message, StringComparison.Ordinal);

        string wrongSize = _model.Save(_temp.Path, "size.onnx", _model.Card() with { InputSize = 9 });
        Assert.Contains("input size 9", Assert.Throws<OnnxModelException>(() => _ml.Transforms.ApplyFaceEmbedding(wrongSize)).Message, StringComparison.Ordinal);
        Assert.Throws<OnnxModelException>(() => _ml.Transforms.ApplyFaceEmbedding(Path.Combine(_temp.Path, "missing.onnx")));
        Assert.Throws<ArgumentException>(() => _ml.Transforms.ApplyFaceEmbedding(new FaceEmbeddingOptions()));
        Assert.Throws<ArgumentException>(() => _ml.Transforms.ApplyFaceEmbedding(new FaceEmbeddingOptions { ModelFile = _modelPath, OutputColumnName = "input" }));
    }

    [Fact]
    public void Scoring_missing_or_non_vector_embedding_columns()
    {
        IDataView data = EmbeddingPair.Rows(_ml, ScoreFacePairsTests.RandomPairs(3, 4, seed: 1), dimension: 4);
        IDataView scalar = _ml.Data.LoadFromEnumerable([new ScalarEmbeddings { EmbeddingA = 1, EmbeddingB = 2 }]);

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => _ml.Transforms.ScoreFacePairs("EmbeddingA", "Missing").Fit(data));
        Assert.Contains("could not find embedding column 'Missing'", error.Message, StringComparison.Ordinal);
        error = Assert.Throws<ArgumentOutOfRangeException>(() => _ml.Transforms.ScoreFacePairs("Nope", "EmbeddingB").GetOutputSchema(Shapes.Of(data.Schema)));
        Assert.Contains("'Nope'", error.Message, StringComparison.Ordinal);

        error = Assert.Throws<ArgumentOutOfRangeException>(() => _ml.Transforms.ScoreFacePairs().Fit(scalar));
        Assert.Contains("schema mismatch for embedding column 'EmbeddingA'", error.Message, StringComparison.Ordinal);
        Assert.Contains("got Single", error.Message, StringComparison.Ordinal);
        error = Assert.Throws<ArgumentOutOfRangeException>(() => _ml.Transforms.ScoreFacePairs().GetOutputSchema(Shapes.Of(scalar.Schema)));
        Assert.Contains("'EmbeddingA'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Scoring_embeddings_of_different_sizes()
    {
        IDataView data = EmbeddingPair.Rows(_ml, ScoreFacePairsTests.RandomPairs(3, 4, seed: 1), dimension: 4);
        IDataView wider = _ml.Transforms.Concatenate("Wide", "EmbeddingA", "EmbeddingA").Fit(data).Transform(data);

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => _ml.Transforms.ScoreFacePairs("EmbeddingA", "Wide").Fit(wider));
        Assert.Contains("embedding column 'Wide'", error.Message, StringComparison.Ordinal);
        Assert.Contains("4 values, like embedding column 'EmbeddingA'", error.Message, StringComparison.Ordinal);
        Assert.Contains("got Vector<Single, 8>", error.Message, StringComparison.Ordinal);

        var card = new ModelCard { LibraryVersion = "t", InputSize = 8, EmbeddingSize = 16, VerificationThreshold = 0.3 };
        error = Assert.Throws<ArgumentOutOfRangeException>(() => _ml.Transforms.ScoreFacePairs(card).Fit(data));
        Assert.Contains("embedding column 'EmbeddingA'", error.Message, StringComparison.Ordinal);
        Assert.Contains("16 values (the model card's embedding size)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Evaluation_missing_or_mistyped_label_score_and_fold_columns()
    {
        IDataView scored = ScoredRows.Create(_ml, [0.9f, 0.1f, 0.8f, 0.2f], [true, false, true, false]);
        IDataView floatLabels = _ml.Data.LoadFromEnumerable([new FloatLabel { Label = 1, Score = 0.5f }]);
        IDataView textScores = _ml.Data.LoadFromEnumerable([new TextScore { Label = true, Score = "high" }]);
        var catalog = _ml.FaceRecognition();

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => catalog.Evaluate(scored, labelColumnName: "Same"));
        Assert.Contains("could not find label column 'Same'", error.Message, StringComparison.Ordinal);
        error = Assert.Throws<ArgumentOutOfRangeException>(() => catalog.Evaluate(floatLabels));
        Assert.Contains("schema mismatch for label column 'Label': expected Boolean (true = same identity), got Single", error.Message, StringComparison.Ordinal);
        error = Assert.Throws<ArgumentOutOfRangeException>(() => catalog.CalibrateThreshold(textScores, 0.5));
        Assert.Contains("CalibrateThreshold: schema mismatch for score column 'Score'", error.Message, StringComparison.Ordinal);
        Assert.Contains("got String", error.Message, StringComparison.Ordinal);
        error = Assert.Throws<ArgumentOutOfRangeException>(() => catalog.CalibrateThresholdForAccuracy(scored, scoreColumnName: "Similarity"));
        Assert.Contains("could not find score column 'Similarity'", error.Message, StringComparison.Ordinal);
        error = Assert.Throws<ArgumentOutOfRangeException>(() => catalog.Evaluate(scored, foldColumnName: "Fold"));
        Assert.Contains("could not find fold column 'Fold'", error.Message, StringComparison.Ordinal);
        error = Assert.Throws<ArgumentOutOfRangeException>(() => catalog.Evaluate(scored, foldColumnName: "Score"));
        Assert.Contains("schema mismatch for fold column 'Score'", error.Message, StringComparison.Ordinal);
    }

    public sealed class VariablePixels
    {
        public float[] Pixels { get; set; } = [];
    }

    public sealed class BytePixels
    {
        [VectorType(8, 8, 3)]
        public byte[] Pixels { get; set; } = [];
    }

    public sealed class ScalarEmbeddings
    {
        public float EmbeddingA { get; set; }

        public float EmbeddingB { get; set; }
    }

    public sealed class FloatLabel
    {
        public float Label { get; set; }

        public float Score { get; set; }
    }

    public sealed class TextScore
    {
        public bool Label { get; set; }

        public string Score { get; set; } = string.Empty;
    }
}
