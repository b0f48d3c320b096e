using System.Reflection;

namespace KappaFace.MLNet.Onnx;

/// <summary>The producer name and version written into every model this library creates (exported or imported).</summary>
public static class LibraryInfo
{
    /// <summary>The <c>producer_name</c> of written models.</summary>
    public const string ProducerName = "KappaFace.MLNet";

    /// <summary>The version of this library (the assembly's informational version, e.g. <c>0.1.0+commit</c>).</summary>
    public static string Version { get; } =
        typeof(LibraryInfo).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? typeof(LibraryInfo).Assembly.GetName().Version?.ToString()
        ?? "unknown";
}
