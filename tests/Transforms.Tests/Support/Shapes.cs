using System.Reflection;
using Microsoft.ML;

namespace KappaFace.MLNet.Transforms.Tests.Support;

/// <summary>ML.NET builds a <see cref="SchemaShape"/> from a schema internally only; tests reach it by reflection.</summary>
internal static class Shapes
{
    private static readonly MethodInfo CreateMethod =
        typeof(SchemaShape).GetMethod("Create", BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic, [typeof(DataViewSchema)])
        ?? throw new InvalidOperationException("SchemaShape.Create(DataViewSchema) not found.");

    public static SchemaShape Of(DataViewSchema schema) => (SchemaShape)CreateMethod.Invoke(null, [schema])!;
}
