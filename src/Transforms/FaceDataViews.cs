using KappaFace.MLNet.Data;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace KappaFace.MLNet.Transforms;

/// <summary>Builds the <see cref="IDataView"/>s of the data helpers (rows held in memory).</summary>
internal static class FaceDataViews
{
    /// <summary>ML.NET's annotation kind for the names of a key column's values.</summary>
    private const string KeyValuesAnnotation = "KeyValues";

    /// <summary>ImagePath (text), Label (key over the identities, with their names as key values), Identity (text).</summary>
    public static IDataView ImageFolder(MLContext mlContext, ImageFolderScan scan)
    {
        (string[] files, int[] labels) = scan.LabelledFiles();
        // Key columns hold 1-based values (0 is the missing key), but LoadFromEnumerable reads a key
        // member of a row class as the 0-based index and adds 1 itself (checked in the tests).
        var rows = files.Select((file, i) => new ImageRow
        {
            ImagePath = file, Label = (uint)labels[i], Identity = scan.Identities[labels[i]].Name,
        }).ToList();

        int classes = scan.Identities.Count;
        SchemaDefinition schema = SchemaDefinition.Create(typeof(ImageRow));
        SchemaDefinition.Column labelColumn = schema[nameof(ImageRow.Label)];
        labelColumn.ColumnType = new KeyDataViewType(typeof(uint), classes);
        var names = new VBuffer<ReadOnlyMemory<char>>(
            classes, scan.Identities.Select(identity => identity.Name.AsMemory()).ToArray());
        labelColumn.AddAnnotation(
            KeyValuesAnnotation, names, new VectorDataViewType(TextDataViewType.Instance, classes));
        return mlContext.Data.LoadFromEnumerable(rows, schema);
    }

    /// <summary>ImagePathA, ImagePathB (text), Label (bool), and Fold (int) when the pairs have folds.</summary>
    public static IDataView Pairs(MLContext mlContext, IReadOnlyList<(string PathA, string PathB, bool Same, int? Fold)> pairs, bool withFolds)
    {
        if (withFolds)
        {
            var rows = pairs.Select(p => new FoldedPairRow
            {
                ImagePathA = p.PathA,
                ImagePathB = p.PathB,
                Label = p.Same,
                Fold = p.Fold ?? throw new InvalidOperationException("A pair has no fold."),
            }).ToList();
            return mlContext.Data.LoadFromEnumerable(rows);
        }

        return mlContext.Data.LoadFromEnumerable(
            pairs.Select(p => new PairRow { ImagePathA = p.PathA, ImagePathB = p.PathB, Label = p.Same }).ToList());
    }

    // ML.NET reads these rows by reflection; the property names are the column names.
#pragma warning disable CA1812 // Instantiated above.
    private sealed class ImageRow
    {
        public string ImagePath { get; set; } = string.Empty;

        public uint Label { get; set; }

        public string Identity { get; set; } = string.Empty;
    }

    private sealed class PairRow
    {
        public string ImagePathA { get; set; } = string.Empty;

        public string ImagePathB { get; set; } = string.Empty;

        public bool Label { get; set; }
    }

    private sealed class FoldedPairRow
    {
        public string ImagePathA { get; set; } = string.Empty;

        public string ImagePathB { get; set; } = string.Empty;

        public bool Label { get; set; }

        public int Fold { get; set; }
    }
#pragma warning restore CA1812
}
