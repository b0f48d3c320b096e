using System.Globalization;
using KappaFace.MLNet.Data.Detection;

namespace KappaFace.MLNet.Data.Tests.Detection;

/// <summary>A landmarks.tsv of the shared data (path, score, x1 y1 ... x5 y5) and point-error statistics against it.</summary>
internal static class ReferenceLandmarks
{
    public static List<(string Path, float Score, FacePoint[] Points)> Read(string file) =>
        [.. File.ReadLines(file).Skip(1).Where(l => l.Length > 0).Select(line =>
        {
            string[] f = line.Split('\t');
            var points = new FacePoint[5];
            for (int k = 0; k < 5; k++)
            {
                points[k] = new FacePoint(
                    float.Parse(f[2 + (2 * k)], CultureInfo.InvariantCulture), float.Parse(f[3 + (2 * k)], CultureInfo.InvariantCulture));
            }

            return (f[0], float.Parse(f[1], CultureInfo.InvariantCulture), points);
        })];

    /// <summary>Mean, 95th percentile and maximum of the point distances.</summary>
    public static (double Mean, double P95, double Worst) Statistics(List<double> errors)
    {
        var sorted = errors.Order().ToArray();
        return (sorted.Average(), sorted[(int)Math.Ceiling(0.95 * sorted.Length) - 1], sorted[^1]);
    }

    public static double Distance(FacePoint a, FacePoint b) => Math.Sqrt(Math.Pow(a.X - b.X, 2) + Math.Pow(a.Y - b.Y, 2));
}
