namespace KappaFace.MLNet.Data;

/// <summary>One identity folder and its image files.</summary>
/// <param name="Name">The folder name, used as the class name.</param>
/// <param name="Directory">The full path of the identity folder.</param>
/// <param name="Images">The full paths of its image files, sorted ordinally.</param>
public sealed record ImageFolderIdentity(string Name, string Directory, IReadOnlyList<string> Images);
