using System.Globalization;
using KappaFace.MLNet.Transforms.Common;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace KappaFace.MLNet.Transforms.Evaluation;

/// <summary>Reads scores, labels and folds of scored pairs out of an <see cref="IDataView"/>, checking the schema.</summary>
internal static class ScoredPairsReader
{
    private const string ExpectedLabel = "Boolean (true = same identity)";
    private const string ExpectedScore = "Single or Double (the cosine similarity, e.g. from ScoreFacePairs)";
    private const string ExpectedFold = "an integer or key type (the fold of each pair)";

    public static (float[] Scores, bool[] Same) Read(IDataView data, string operation, string labelColumnName, string scoreColumnName)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentException.ThrowIfNullOrWhiteSpace(labelColumnName);
        ArgumentException.ThrowIfNullOrWhiteSpace(scoreColumnName);
        DataViewSchema.Column label = SchemaErrors.Find(data.Schema, operation, "label", labelColumnName, ExpectedLabel);
        if (label.Type != BooleanDataViewType.Instance)
        {
            throw SchemaErrors.Mismatch(operation, "label", labelColumnName, ExpectedLabel, SchemaErrors.Describe(label.Type));
        }

        DataViewSchema.Column score = SchemaErrors.Find(data.Schema, operation, "score", scoreColumnName, ExpectedScore);
        float[] scores;
        if (score.Type == NumberDataViewType.Single)
        {
            scores = [.. data.GetColumn<float>(score)];
        }
        else if (score.Type == NumberDataViewType.Double)
        {
            scores = [.. data.GetColumn<double>(score).Select(v => (float)v)];
        }
        else
        {
            throw SchemaErrors.Mismatch(operation, "score", scoreColumnName, ExpectedScore, SchemaErrors.Describe(score.Type));
        }

        bool[] same = [.. data.GetColumn<bool>(label)];
        return (scores, same);
    }

    public static int[] ReadFolds(IDataView data, string operation, string foldColumnName)
    {
        DataViewSchema.Column fold = SchemaErrors.Find(data.Schema, operation, "fold", foldColumnName, ExpectedFold);
        DataViewType type = fold.Type;
        IEnumerable<long> values;
        if (type == NumberDataViewType.Int32)
        {
            values = data.GetColumn<int>(fold).Select(v => (long)v);
        }
        else if (type == NumberDataViewType.Int64)
        {
            values = data.GetColumn<long>(fold);
        }
        else if (type == NumberDataViewType.Int16)
        {
            values = data.GetColumn<short>(fold).Select(v => (long)v);
        }
        else if (type == NumberDataViewType.SByte)
        {
            values = data.GetColumn<sbyte>(fold).Select(v => (long)v);
        }
        else if (type == NumberDataViewType.Byte || type is KeyDataViewType { RawType: var r1 } && r1 == typeof(byte))
        {
            values = data.GetColumn<byte>(fold).Select(v => (long)v);
        }
        else if (type == NumberDataViewType.UInt16 || type is KeyDataViewType { RawType: var r2 } && r2 == typeof(ushort))
        {
            values = data.GetColumn<ushort>(fold).Select(v => (long)v);
        }
        else if (type == NumberDataViewType.UInt32 || type is KeyDataViewType { RawType: var r3 } && r3 == typeof(uint))
        {
            values = data.GetColumn<uint>(fold).Select(v => (long)v);
        }
        else if (type == NumberDataViewType.UInt64 || type is KeyDataViewType { RawType: var r4 } && r4 == typeof(ulong))
        {
            values = data.GetColumn<ulong>(fold).Select(v => v > long.MaxValue ? -1 : (long)v);
        }
        else
        {
            throw SchemaErrors.Mismatch(operation, "fold", foldColumnName, ExpectedFold, SchemaErrors.Describe(type));
        }

        bool isKey = type is KeyDataViewType;
        var folds = new List<int>();
        int row = 0;
        foreach (long value in values)
        {
            if (value < int.MinValue || value > int.MaxValue || (isKey && value == 0))
            {
                throw new ArgumentException(
                    $"{operation}: fold column '{foldColumnName}' has {(isKey && value == 0 ? "a missing key" : value.ToString(CultureInfo.InvariantCulture))} in row {row}.",
                    nameof(data));
            }

            folds.Add((int)value);
            row++;
        }

        return [.. folds];
    }
}
