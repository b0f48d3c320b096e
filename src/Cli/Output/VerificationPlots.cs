using System.Globalization;
using KappaFace.MLNet.Transforms.Evaluation;
using SkiaSharp;

namespace KappaFace.MLNet.Cli.Output;

/// <summary>
/// The <c>evaluate --plot DIR</c> charts as PNG files: the ROC curve and the score histograms of same- and
/// different-identity pairs. Drawn with SkiaSharp 2.88 directly: the only ScottPlot served here (5.1.59)
/// needs SkiaSharp 3.119, which breaks the 2.88 line ML.NET's ImageAnalytics (<c>MLImage</c>) is built for.
/// </summary>
internal static class VerificationPlots
{
    /// <summary>File name of the ROC curve chart.</summary>
    public const string RocFile = "roc.png";

    /// <summary>File name of the score histogram chart.</summary>
    public const string HistogramFile = "score-histogram.png";

    private const int Width = 800;
    private const int Height = 600;
    private const float Left = 80;
    private const float Right = 30;
    private const float Top = 50;
    private const float Bottom = 70;
    private const int Bins = 40;

    private static readonly SKColor SameColour = new(31, 119, 180);
    private static readonly SKColor DifferentColour = new(214, 39, 40);

    /// <summary>Writes both charts into <paramref name="folder"/> (created when missing); returns their paths.</summary>
    public static IReadOnlyList<string> Write(string folder, VerificationMetrics metrics, ReadOnlySpan<float> scores, ReadOnlySpan<bool> same)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        Directory.CreateDirectory(folder);
        string roc = Path.Combine(folder, RocFile);
        string histogram = Path.Combine(folder, HistogramFile);
        Save(roc, canvas => DrawRoc(canvas, metrics));
        var sameScores = new List<float>();
        var differentScores = new List<float>();
        for (int i = 0; i < scores.Length; i++)
        {
            (same[i] ? sameScores : differentScores).Add(scores[i]);
        }

        Save(histogram, canvas => DrawHistograms(canvas, sameScores, differentScores, metrics.BestThreshold));
        return [roc, histogram];
    }

    private static void Save(string path, Action<SKCanvas> draw)
    {
        using var surface = SKSurface.Create(new SKImageInfo(Width, Height, SKColorType.Rgba8888, SKAlphaType.Premul))
            ?? throw new InvalidOperationException("SkiaSharp could not create a drawing surface.");
        surface.Canvas.Clear(SKColors.White);
        draw(surface.Canvas);
        using var image = surface.Snapshot();
        using var png = image.Encode(SKEncodedImageFormat.Png, 100)
            ?? throw new InvalidOperationException("SkiaSharp could not encode the chart as PNG.");
        using var file = File.Create(path);
        png.SaveTo(file);
    }

    private static void DrawRoc(SKCanvas canvas, VerificationMetrics metrics)
    {
        var frame = new Frame(0, 1, 0, 1);
        DrawAxes(canvas, frame, string.Create(CultureInfo.InvariantCulture, $"ROC (AUC {metrics.Auc:F4}, EER {metrics.Eer:F4})"),
            "false accept rate", "true accept rate");
        using var diagonal = new SKPaint { Color = SKColors.Gray, StrokeWidth = 1, IsAntialias = true, Style = SKPaintStyle.Stroke, PathEffect = SKPathEffect.CreateDash([6, 6], 0) };
        canvas.DrawLine(frame.X(0), frame.Y(0), frame.X(1), frame.Y(1), diagonal);
        using var curve = new SKPath();
        var points = metrics.Roc.OrderBy(p => p.FalseAcceptRate).ThenBy(p => p.TrueAcceptRate).ToArray();
        curve.MoveTo(frame.X(0), frame.Y(0));
        foreach (var point in points)
        {
            curve.LineTo(frame.X(point.FalseAcceptRate), frame.Y(point.TrueAcceptRate));
        }

        curve.LineTo(frame.X(1), frame.Y(1));
        using var line = new SKPaint { Color = SameColour, StrokeWidth = 2.5f, IsAntialias = true, Style = SKPaintStyle.Stroke };
        canvas.DrawPath(curve, line);
    }

    private static void DrawHistograms(SKCanvas canvas, List<float> sameScores, List<float> differentScores, float threshold)
    {
        float low = Math.Min(-1f, sameScores.Concat(differentScores).DefaultIfEmpty(-1f).Min());
        float high = Math.Max(1f, sameScores.Concat(differentScores).DefaultIfEmpty(1f).Max());
        double[] sameShare = Histogram(sameScores, low, high);
        double[] differentShare = Histogram(differentScores, low, high);
        double top = Math.Max(sameShare.Concat(differentShare).DefaultIfEmpty(0).Max(), 1e-9) * 1.1;
        var frame = new Frame(low, high, 0, top);
        DrawAxes(canvas, frame, string.Create(CultureInfo.InvariantCulture,
            $"Cosine scores: {sameScores.Count} same, {differentScores.Count} different pairs"), "score", "share of pairs");
        DrawBars(canvas, frame, sameShare, low, high, SameColour);
        DrawBars(canvas, frame, differentShare, low, high, DifferentColour);

        using var marker = new SKPaint { Color = SKColors.Black, StrokeWidth = 1.5f, IsAntialias = true, Style = SKPaintStyle.Stroke, PathEffect = SKPathEffect.CreateDash([4, 4], 0) };
        canvas.DrawLine(frame.X(threshold), frame.Y(0), frame.X(threshold), frame.Y(top), marker);
        Legend(canvas, [("same identity", SameColour), ("different identity", DifferentColour),
            (string.Create(CultureInfo.InvariantCulture, $"best threshold {threshold:F3}"), SKColors.Black)]);
    }

    /// <summary>Shares (counts / total) of <paramref name="values"/> in <see cref="Bins"/> equal bins over [low, high].</summary>
    private static double[] Histogram(List<float> values, float low, float high)
    {
        var shares = new double[Bins];
        foreach (float v in values)
        {
            int bin = Math.Clamp((int)((v - low) / (high - low) * Bins), 0, Bins - 1);
            shares[bin] += 1.0 / values.Count;
        }

        return shares;
    }

    private static void DrawBars(SKCanvas canvas, Frame frame, double[] shares, float low, float high, SKColor colour)
    {
        using var fill = new SKPaint { Color = colour.WithAlpha(110), Style = SKPaintStyle.Fill };
        using var edge = new SKPaint { Color = colour, Style = SKPaintStyle.Stroke, StrokeWidth = 1 };
        double width = (high - low) / shares.Length;
        for (int b = 0; b < shares.Length; b++)
        {
            if (shares[b] <= 0)
            {
                continue;
            }

            var rect = new SKRect(frame.X(low + (b * width)), frame.Y(shares[b]), frame.X(low + ((b + 1) * width)), frame.Y(0));
            canvas.DrawRect(rect, fill);
            canvas.DrawRect(rect, edge);
        }
    }

    private static void DrawAxes(SKCanvas canvas, Frame frame, string title, string xLabel, string yLabel)
    {
        using var axis = new SKPaint { Color = SKColors.Black, StrokeWidth = 1.5f, IsAntialias = true, Style = SKPaintStyle.Stroke };
        using var grid = new SKPaint { Color = new SKColor(225, 225, 225), StrokeWidth = 1, Style = SKPaintStyle.Stroke };
        using var text = new SKPaint { Color = SKColors.Black, TextSize = 14, IsAntialias = true };
        using var yTicks = new SKPaint { Color = SKColors.Black, TextSize = 14, IsAntialias = true, TextAlign = SKTextAlign.Right };
        using var big = new SKPaint { Color = SKColors.Black, TextSize = 18, IsAntialias = true, TextAlign = SKTextAlign.Center };
        for (int t = 0; t <= 5; t++)
        {
            double x = frame.XMin + ((frame.XMax - frame.XMin) * t / 5);
            double y = frame.YMin + ((frame.YMax - frame.YMin) * t / 5);
            canvas.DrawLine(frame.X(x), frame.Y(frame.YMin), frame.X(x), frame.Y(frame.YMax), grid);
            canvas.DrawLine(frame.X(frame.XMin), frame.Y(y), frame.X(frame.XMax), frame.Y(y), grid);
            canvas.DrawText(x.ToString("0.##", CultureInfo.InvariantCulture), frame.X(x) - 12, Height - Bottom + 20, text);
            canvas.DrawText(y.ToString("0.###", CultureInfo.InvariantCulture), Left - 6, frame.Y(y) + 5, yTicks);
        }

        canvas.DrawRect(new SKRect(Left, Top, Width - Right, Height - Bottom), axis);
        canvas.DrawText(title, Width / 2f, Top - 18, big);
        canvas.DrawText(xLabel, Width / 2f, Height - 20, big);
        canvas.Save();
        canvas.RotateDegrees(-90, 18, Height / 2f);
        canvas.DrawText(yLabel, 18, (Height / 2f) + 6, big);
        canvas.Restore();
    }

    private static void Legend(SKCanvas canvas, (string Text, SKColor Colour)[] entries)
    {
        using var text = new SKPaint { Color = SKColors.Black, TextSize = 14, IsAntialias = true };
        for (int i = 0; i < entries.Length; i++)
        {
            float y = Top + 20 + (i * 22);
            using var swatch = new SKPaint { Color = entries[i].Colour, Style = SKPaintStyle.Fill };
            canvas.DrawRect(new SKRect(Left + 15, y - 11, Left + 31, y + 3), swatch);
            canvas.DrawText(entries[i].Text, Left + 38, y, text);
        }
    }

    /// <summary>Maps data coordinates to pixels inside the plot margins.</summary>
    private readonly record struct Frame(double XMin, double XMax, double YMin, double YMax)
    {
        public float X(double x) => (float)(Left + ((x - XMin) / (XMax - XMin) * (Width - Left - Right)));

        public float Y(double y) => (float)(Height - Bottom - ((y - YMin) / (YMax - YMin) * (Height - Top - Bottom)));
    }
}
