using KappaFace.MLNet.Data.Alignment;
using KappaFace.MLNet.Data.Detection;
using Xunit;

namespace KappaFace.MLNet.Data.Tests.Alignment;

/// <summary>Landmarks no alignment can use are named, and the aligner refuses them instead of warping.</summary>
public class LandmarkGeometryTests
{
    [Fact]
    public void The_template_itself_and_a_turned_scaled_copy_are_usable()
    {
        Assert.Null(LandmarkGeometry.Degeneracy(ArcFaceTemplate.For(112)));
        var turned = new SimilarityTransform(3 * Math.Cos(1.2), 3 * Math.Sin(1.2), 500, -40);
        Assert.Null(LandmarkGeometry.Degeneracy([.. ArcFaceTemplate.For(112).Select(p => Map(turned, p))]));
    }

    [Fact]
    public void Coincident_points_are_degenerate()
    {
        FacePoint[] same = [new(50, 60), new(50, 60), new(50, 60), new(50.2f, 60.1f), new(50, 60)];
        Assert.Contains("within", LandmarkGeometry.Degeneracy(same), StringComparison.Ordinal);
    }

    [Fact]
    public void Points_on_one_line_are_degenerate_even_though_a_similarity_can_be_fitted()
    {
        // A sloped line: x and y both vary, so neither axis alone reveals it.
        FacePoint[] line = [.. new[] { 0f, 10f, 20f, 35f, 50f }.Select(t => new FacePoint(100 + t, 40 + (0.5f * t)))];
        Assert.Equal("landmarks on one line", LandmarkGeometry.Degeneracy(line));
    }

    [Fact]
    public void Points_that_are_not_numbers_are_degenerate()
    {
        var points = ArcFaceTemplate.For(112).ToArray();
        points[2] = new FacePoint(float.NaN, 3);
        Assert.Contains("not finite", LandmarkGeometry.Degeneracy(points), StringComparison.Ordinal);
    }

    [Fact]
    public void Points_the_template_fits_only_at_zero_scale_are_degenerate()
    {
        // A spread-out shape orthogonal to the template (and its 90-degree turn) in the least-squares sense:
        // the best similarity without reflection has A = B = 0.
        var t = ArcFaceTemplate.For(112);
        double tx = t.Average(p => p.X), ty = t.Average(p => p.Y);
        double[] u = [.. t.Select(p => p.X - tx)], v = [.. t.Select(p => p.Y - ty)];
        double[] x = [300, -250, 120, -80, -90], y = [-60, 40, 310, -270, -20];
        double norm = u.Select((_, i) => (u[i] * u[i]) + (v[i] * v[i])).Sum();
        double along = u.Select((_, i) => (x[i] * u[i]) + (y[i] * v[i])).Sum() / norm;
        double across = u.Select((_, i) => (x[i] * v[i]) - (y[i] * u[i])).Sum() / norm;
        FacePoint[] points = [.. u.Select((_, i) => new FacePoint(
            (float)(1000 + x[i] - (along * u[i]) - (across * v[i])), (float)(1000 + y[i] - (along * v[i]) + (across * u[i]))))];

        Assert.Contains("zero scale", LandmarkGeometry.Degeneracy(points), StringComparison.Ordinal);
    }

    [Fact]
    public void The_aligner_refuses_degenerate_landmarks_with_the_reason()
    {
        FacePoint[] same = [.. Enumerable.Repeat(new FacePoint(20, 20), 5)];
        var e = Assert.Throws<ArgumentException>(() => FaceAligner.Align(RgbImage.Black(64, 64), same, 32));
        Assert.Contains("within", e.Message, StringComparison.Ordinal);
    }

    private static FacePoint Map(SimilarityTransform t, FacePoint p)
    {
        var (x, y) = t.Apply(p.X, p.Y);
        return new FacePoint((float)x, (float)y);
    }
}
