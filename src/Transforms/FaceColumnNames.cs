namespace KappaFace.MLNet.Transforms;

/// <summary>
/// The default column names of the face recognition transforms and data helpers. Verification columns
/// follow ML.NET's binary classification names (<c>Label</c>, <c>Score</c>, <c>PredictedLabel</c>), so
/// <c>BinaryClassification.EvaluateNonCalibrated</c> works on scored pairs.
/// </summary>
public static class FaceColumnNames
{
    /// <summary>An image (<c>MLImage</c>, from ML.NET's <c>LoadImages</c>).</summary>
    public const string Image = "Image";

    /// <summary>The first image of a pair.</summary>
    public const string ImageA = "ImageA";

    /// <summary>The second image of a pair.</summary>
    public const string ImageB = "ImageB";

    /// <summary>The full path of an image file.</summary>
    public const string ImagePath = "ImagePath";

    /// <summary>The full path of the first image of a pair.</summary>
    public const string ImagePathA = "ImagePathA";

    /// <summary>The full path of the second image of a pair.</summary>
    public const string ImagePathB = "ImagePathB";

    /// <summary>
    /// Ground truth: the identity as a key (image folders), or true for a same-identity pair (pairs).
    /// </summary>
    public const string Label = "Label";

    /// <summary>The identity (folder) name of an image.</summary>
    public const string Identity = "Identity";

    /// <summary>A face embedding: D floats, L2-normalised.</summary>
    public const string Embedding = "Embedding";

    /// <summary>The embedding of the first image of a pair.</summary>
    public const string EmbeddingA = "EmbeddingA";

    /// <summary>The embedding of the second image of a pair.</summary>
    public const string EmbeddingB = "EmbeddingB";

    /// <summary>The pre-normalisation norm of an embedding (a quality signal), when asked for.</summary>
    public const string EmbeddingNorm = "EmbeddingNorm";

    /// <summary>The verification score: cosine similarity of two embeddings, in [-1, 1].</summary>
    public const string Score = "Score";

    /// <summary>The decision: true (same identity) iff Score &gt;= threshold.</summary>
    public const string PredictedLabel = "PredictedLabel";

    /// <summary>An aligned face crop (<c>MLImage</c>, S x S), from <c>DetectAndAlignFaces</c>.</summary>
    public const string FaceImage = "FaceImage";

    /// <summary>The detection score of the aligned face (0 when none was found).</summary>
    public const string FaceScore = "FaceScore";

    /// <summary>The five landmarks of the aligned face in the photo's pixels: 10 floats (x, y per point).</summary>
    public const string FaceLandmarks = "FaceLandmarks";

    /// <summary>Whether a face was found in the photo.</summary>
    public const string FaceFound = "FaceFound";

    /// <summary>The fold (set) of a pair in an LFW-format pairs file, 0-based.</summary>
    public const string Fold = "Fold";
}
