using Microsoft.ML;
using Microsoft.ML.Data;

namespace KappaFace.MLNet.Transforms.Common;

/// <summary>
/// Schema errors in ML.NET's style: <see cref="ArgumentOutOfRangeException"/> for the input schema
/// (parameter <c>inputSchema</c>), with a message that names the column and the expected type.
/// </summary>
// ML.NET names the schema parameter of Fit/GetOutputSchema ("inputSchema") in its schema errors; so do we.
#pragma warning disable CA2208
internal static class SchemaErrors
{
    public const string InputSchema = "inputSchema";

    public static ArgumentOutOfRangeException Missing(string operation, string role, string column, string expected) =>
        new(InputSchema, $"{operation}: could not find {role} column '{column}'; expected {expected}.");

    public static ArgumentOutOfRangeException Mismatch(string operation, string role, string column, string expected, string actual) =>
        new(InputSchema, $"{operation}: schema mismatch for {role} column '{column}': expected {expected}, got {actual}.");

    /// <summary>The column's type as ML.NET prints it.</summary>
    public static string Describe(DataViewType type) => type.ToString() ?? type.GetType().Name;

    /// <summary>The kind and item type of a schema-shape column, for messages.</summary>
    public static string Describe(SchemaShape.Column column)
    {
        string item = column.ItemType.ToString() ?? column.ItemType.GetType().Name;
        return column.Kind switch
        {
            SchemaShape.Column.VectorKind.Scalar => column.IsKey ? $"Key<{item}>" : item,
            SchemaShape.Column.VectorKind.Vector => $"Vector<{item}> (known size)",
            _ => $"Vector<{item}> (variable size)",
        };
    }

    /// <summary>Finds a column in a schema shape; throws <see cref="Missing"/> when absent.</summary>
    public static SchemaShape.Column Find(SchemaShape schema, string operation, string role, string column, string expected)
    {
        foreach (SchemaShape.Column candidate in schema)
        {
            if (candidate.Name == column)
            {
                return candidate;
            }
        }

        throw Missing(operation, role, column, expected);
    }

    /// <summary>Finds a visible column in a schema; throws <see cref="Missing"/> when absent.</summary>
    public static DataViewSchema.Column Find(DataViewSchema schema, string operation, string role, string column, string expected) =>
        schema.GetColumnOrNull(column) ?? throw Missing(operation, role, column, expected);
}
#pragma warning restore CA2208
