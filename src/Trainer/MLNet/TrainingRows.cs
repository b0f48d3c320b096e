using System.Globalization;
using KappaFace.MLNet.Data;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Image;

namespace KappaFace.MLNet.Trainer.MLNet;

/// <summary>
/// Checks the trainer's input columns and reads the rows into a <see cref="FaceImageSet"/>. Images are
/// brought to the model's size by ML.NET's own <c>ResizeImages</c> (IsoCrop, centre: the same as
/// <c>ApplyFaceEmbedding</c> at inference) and <c>ExtractPixels</c> (RGB planes, bytes).
/// </summary>
// ML.NET names the schema parameter of Fit/GetOutputSchema ("inputSchema") in its schema errors; so do we.
#pragma warning disable CA2208
internal static class TrainingRows
{
    private const string Operation = "FaceRecognitionTrainer";
    private const string PixelColumn = "__KappaFaceTrainingPixels";
    private const string ResizedColumn = "__KappaFaceTrainingResized";
    private const string ExpectedLabel = "a key type (e.g. from MapValueToKey or LoadImageFolder)";

    public static string ExpectedImage(int size) =>
        $"an image (MLImage, e.g. from LoadImages) or Vector<Single, {3 * size * size}> (3 x {size} x {size} RGB planes, values 0..255)";

    /// <summary>Checks a schema shape (GetOutputSchema); returns true when the image column is an image.</summary>
    public static bool Check(SchemaShape schema, string labelColumn, string imageColumn, int size)
    {
        SchemaShape.Column label = Find(schema, "label", labelColumn, ExpectedLabel);
        if (!label.IsKey || label.Kind != SchemaShape.Column.VectorKind.Scalar)
        {
            throw Mismatch("label", labelColumn, ExpectedLabel, Describe(label));
        }

        SchemaShape.Column image = Find(schema, "image", imageColumn, ExpectedImage(size));
        if (image.Kind == SchemaShape.Column.VectorKind.Scalar && image.ItemType is ImageDataViewType)
        {
            return true;
        }

        if (image.Kind == SchemaShape.Column.VectorKind.Vector && image.ItemType == NumberDataViewType.Single && !image.IsKey)
        {
            return false; // the length is not in a schema shape; Fit checks it
        }

        throw Mismatch("image", imageColumn, ExpectedImage(size), Describe(image));
    }

    /// <summary>Checks a schema (Fit); returns true when the image column is an image.</summary>
    public static bool Check(DataViewSchema schema, string labelColumn, string imageColumn, int size)
    {
        DataViewSchema.Column label = schema.GetColumnOrNull(labelColumn) ?? throw Missing("label", labelColumn, ExpectedLabel);
        if (label.Type is not KeyDataViewType)
        {
            throw Mismatch("label", labelColumn, ExpectedLabel, label.Type.ToString() ?? "?");
        }

        DataViewSchema.Column image = schema.GetColumnOrNull(imageColumn) ?? throw Missing("image", imageColumn, ExpectedImage(size));
        switch (image.Type)
        {
            case ImageDataViewType:
                return true;
            case VectorDataViewType vector when vector.ItemType == NumberDataViewType.Single && vector.Size == 3 * size * size:
                return false;
            case VectorDataViewType vector when vector.ItemType == NumberDataViewType.Single:
                throw Mismatch("image", imageColumn, ExpectedImage(size),
                    $"{vector} ({(vector.IsKnownSize ? vector.Size.ToString(CultureInfo.InvariantCulture) : "variable")} values, not {3 * size * size})");
            default:
                throw Mismatch("image", imageColumn, ExpectedImage(size), image.Type.ToString() ?? "?");
        }
    }

    /// <summary>Reads the rows with a label into an image set; rows with a missing key are skipped.</summary>
    public static (FaceImageSet Set, int Skipped) Read(MLContext mlContext, IDataView data, string labelColumn, string imageColumn, int size)
    {
        bool image = Check(data.Schema, labelColumn, imageColumn, size);
        int perImage = 3 * size * size;
        IDataView view = data;
        string pixelColumn = imageColumn;
        if (image)
        {
            var extract = mlContext.Transforms.ResizeImages(ResizedColumn, size, size, imageColumn,
                    ImageResizingEstimator.ResizingKind.IsoCrop, ImageResizingEstimator.Anchor.Center)
                .Append(mlContext.Transforms.ExtractPixels(PixelColumn, ResizedColumn,
                    colorsToExtract: ImagePixelExtractingEstimator.ColorBits.Rgb,
                    orderOfExtraction: ImagePixelExtractingEstimator.ColorsOrder.ARGB,
                    interleavePixelColors: false, offsetImage: 0f, scaleImage: 1f, outputAsFloatArray: false));
            view = extract.Fit(data).Transform(data);
            pixelColumn = PixelColumn;
        }

        var keyType = (KeyDataViewType)data.Schema[labelColumn].Type;
        string[] names = KeyNames(data.Schema[labelColumn]);
        var keys = new List<int>();
        using var pixels = new MemoryStream();
        byte[] rowPixels = new byte[perImage];
        var sources = new List<string>();
        int skipped = 0;
        DataViewSchema.Column labelCol = view.Schema[labelColumn];
        DataViewSchema.Column pixelCol = view.Schema[pixelColumn];
        using (DataViewRowCursor cursor = view.GetRowCursor([labelCol, pixelCol]))
        {
            Func<long> key = KeyGetter(cursor, labelCol, keyType);
            ValueGetter<VBuffer<byte>>? bytes = image ? cursor.GetGetter<VBuffer<byte>>(pixelCol) : null;
            ValueGetter<VBuffer<float>>? floats = image ? null : cursor.GetGetter<VBuffer<float>>(pixelCol);
            VBuffer<byte> byteBuffer = default;
            VBuffer<float> floatBuffer = default;
            long row = 0;
            while (cursor.MoveNext())
            {
                long k = key();
                row++;
                if (k == 0)
                {
                    skipped++;
                    continue;
                }

                if (bytes is not null)
                {
                    bytes(ref byteBuffer);
                    byteBuffer.CopyTo(rowPixels);
                }
                else
                {
                    floats!(ref floatBuffer);
                    int i = 0;
                    foreach (float f in floatBuffer.DenseValues())
                    {
                        rowPixels[i++] = ToByte(f, imageColumn, row);
                    }
                }

                pixels.Write(rowPixels);
                keys.Add((int)(k - 1));
                sources.Add($"row/{(row - 1).ToString(CultureInfo.InvariantCulture)}");
            }
        }

        // Only the keys that occur become classes (FaceImageSet needs an image in every class), in key order.
        int[] present = [.. keys.Distinct().Order()];
        var index = new Dictionary<int, int>(present.Length);
        for (int i = 0; i < present.Length; i++)
        {
            index[present[i]] = i;
        }

        string[] classNames = [.. present.Select(k => names.Length > k ? names[k] : $"class{(k + 1).ToString(CultureInfo.InvariantCulture)}")];
        if (classNames.Distinct(StringComparer.Ordinal).Count() != classNames.Length)
        {
            classNames = [.. present.Select(k => $"class{(k + 1).ToString(CultureInfo.InvariantCulture)}")];
        }

        int[] labels = [.. keys.Select(k => index[k])];
        return (FaceImageSet.FromPixels(size, pixels.GetBuffer().AsSpan(0, (int)pixels.Length), labels, classNames, sources), skipped);
    }

    private static byte ToByte(float value, string column, long row)
    {
        if (!float.IsFinite(value))
        {
            throw new InvalidOperationException($"{Operation}: image column '{column}' has a non-finite value in row {row}.");
        }

        return (byte)Math.Clamp(MathF.Round(value), 0f, 255f);
    }

    private static string[] KeyNames(DataViewSchema.Column column)
    {
        if (column.Annotations.Schema.GetColumnOrNull("KeyValues") is { Type: VectorDataViewType { ItemType: TextDataViewType } })
        {
            VBuffer<ReadOnlyMemory<char>> values = default;
            column.GetKeyValues(ref values);
            return [.. values.DenseValues().Select(v => v.ToString())];
        }

        return [];
    }

    private static Func<long> KeyGetter(DataViewRowCursor cursor, DataViewSchema.Column column, KeyDataViewType type)
    {
        if (type.RawType == typeof(uint))
        {
            ValueGetter<uint> g = cursor.GetGetter<uint>(column);
            return () => { uint v = 0; g(ref v); return v; };
        }

        if (type.RawType == typeof(ulong))
        {
            ValueGetter<ulong> g = cursor.GetGetter<ulong>(column);
            return () => { ulong v = 0; g(ref v); return checked((long)v); };
        }

        if (type.RawType == typeof(ushort))
        {
            ValueGetter<ushort> g = cursor.GetGetter<ushort>(column);
            return () => { ushort v = 0; g(ref v); return v; };
        }

        ValueGetter<byte> b = cursor.GetGetter<byte>(column);
        return () => { byte v = 0; b(ref v); return v; };
    }

    private static SchemaShape.Column Find(SchemaShape schema, string role, string column, string expected)
    {
        foreach (SchemaShape.Column candidate in schema)
        {
            if (candidate.Name == column)
            {
                return candidate;
            }
        }

        throw Missing(role, column, expected);
    }

    private static string Describe(SchemaShape.Column column)
    {
        string item = column.ItemType.ToString() ?? column.ItemType.GetType().Name;
        return column.Kind switch
        {
            SchemaShape.Column.VectorKind.Scalar => column.IsKey ? $"Key<{item}>" : item,
            SchemaShape.Column.VectorKind.Vector => $"Vector<{item}> (known size)",
            _ => $"Vector<{item}> (variable size)",
        };
    }

    private static ArgumentOutOfRangeException Missing(string role, string column, string expected) =>
        new("inputSchema", $"{Operation}: could not find {role} column '{column}'; expected {expected}.");

    private static ArgumentOutOfRangeException Mismatch(string role, string column, string expected, string actual) =>
        new("inputSchema", $"{Operation}: schema mismatch for {role} column '{column}': expected {expected}, got {actual}.");
}
#pragma warning restore CA2208
