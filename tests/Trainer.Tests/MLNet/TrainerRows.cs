using System.Reflection;
using KappaFace.MLNet.Data;
using KappaFace.MLNet.Synthetic;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace KappaFace.MLNet.Trainer.Tests.MLNet;

/// <summary>Small in-memory data views for the estimator tests: synthetic faces as pixel vectors with key labels.</summary>
internal static class TrainerRows
{
    public sealed class PixelRow
    {
        public string Identity { get; set; } = "";

        public float[] Image { get; set; } = [];
    }

    /// <summary>Synthetic faces as rows: <c>Identity</c> (text), <c>Image</c> (Vector&lt;Single, 3*S*S&gt;), <c>Label</c> (key with the names).</summary>
    public static IDataView Synthetic(MLContext ml, int size, int identities = 4, int seed = 1)
    {
        FaceImageSet set = SyntheticFaces.Generate(new SyntheticFaceOptions
        {
            Identities = identities, ImageSize = size, MinImagesPerIdentity = 6, MaxImagesPerIdentity = 6, Seed = seed,
        });
        var rows = Enumerable.Range(0, set.Count).Select(i => new PixelRow
        {
            Identity = set.ClassNames[set.Labels[i]],
            Image = [.. set.GetPixels(i).ToArray().Select(b => (float)b)],
        }).ToList();
        var schema = SchemaDefinition.Create(typeof(PixelRow));
        schema[nameof(PixelRow.Image)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, 3 * size * size);
        IDataView data = ml.Data.LoadFromEnumerable(rows, schema);
        return ml.Transforms.Conversion.MapValueToKey("Label", nameof(PixelRow.Identity)).Fit(data).Transform(data);
    }

    /// <summary>ML.NET builds a <see cref="SchemaShape"/> from a schema internally only (as tests/Transforms.Tests/Support/Shapes.cs).</summary>
    public static SchemaShape Shape(DataViewSchema schema) =>
        (SchemaShape)typeof(SchemaShape).GetMethod("Create", BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic, [typeof(DataViewSchema)])!
            .Invoke(null, [schema])!;

    /// <summary>The embedding column as arrays.</summary>
    public static float[][] Embeddings(IDataView data, string column = "Embedding")
    {
        var result = new List<float[]>();
        using DataViewRowCursor cursor = data.GetRowCursor([data.Schema[column]]);
        ValueGetter<VBuffer<float>> getter = cursor.GetGetter<VBuffer<float>>(data.Schema[column]);
        VBuffer<float> buffer = default;
        while (cursor.MoveNext())
        {
            getter(ref buffer);
            result.Add(buffer.DenseValues().ToArray());
        }

        return [.. result];
    }
}
