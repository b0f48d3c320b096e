namespace KappaFace.MLNet.Data.Detection;

/// <summary>The size an image is detected at: longer side raised to the minimum or lowered to the maximum.</summary>
/// <param name="Width">Detection width.</param>
/// <param name="Height">Detection height.</param>
/// <param name="ScaleX">Detection width / source width.</param>
/// <param name="ScaleY">Detection height / source height.</param>
internal readonly record struct DetectionScale(int Width, int Height, double ScaleX, double ScaleY)
{
    public static DetectionScale For(int width, int height, int minimumSide, int maximumSide)
    {
        int longer = Math.Max(width, height);
        double scale = longer < minimumSide ? (double)minimumSide / longer
            : longer > maximumSide ? (double)maximumSide / longer
            : 1.0;
        int w = Math.Max(1, (int)Math.Round(width * scale));
        int h = Math.Max(1, (int)Math.Round(height * scale));
        return new DetectionScale(w, h, (double)w / width, (double)h / height);
    }

    public bool IsIdentity => ScaleX == 1.0 && ScaleY == 1.0;
}
