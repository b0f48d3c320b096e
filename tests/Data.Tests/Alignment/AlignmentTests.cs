using KappaFace.MLNet.Data.Alignment;
using KappaFace.MLNet.Data.Detection;
using Xunit;

namespace KappaFace.MLNet.Data.Tests.Alignment;

/// <summary>Known answers for the similarity estimate, the template and the warp.</summary>
public class AlignmentTests
{
    [Fact]
    public void A_known_similarity_is_recovered_exactly_from_five_points()
    {
        var truth = new SimilarityTransform(1.7 * Math.Cos(0.3), 1.7 * Math.Sin(0.3), -12.5, 40.25);
        var random = new Random(1);
        var source = Enumerable.Range(0, 5).Select(_ => new FacePoint((float)(random.NextDouble() * 200), (float)(random.NextDouble() * 200))).ToArray();
        var target = source.Select(p => truth.Apply(p.X, p.Y)).Select(q => new FacePoint((float)q.X, (float)q.Y)).ToArray();

        var estimate = SimilarityTransform.Estimate(source, target);

        Assert.Equal(1.7, estimate.Scale, 4);
        Assert.Equal(0.3, estimate.Angle, 5);
        Assert.Equal(-12.5, estimate.Tx, 3);
        Assert.Equal(40.25, estimate.Ty, 3);
    }

    [Fact]
    public void The_estimate_is_the_least_squares_solution_of_the_normal_equations()
    {
        // Noisy points: compare with a naive 4 x 4 normal-equation solve for (A, B, Tx, Ty).
        var random = new Random(7);
        var source = Enumerable.Range(0, 5).Select(_ => new FacePoint((float)(random.NextDouble() * 100), (float)(random.NextDouble() * 100))).ToArray();
        var target = source.Select(p => new FacePoint((float)((0.8 * p.X) - (0.2 * p.Y) + 5 + random.NextDouble()), (float)((0.2 * p.X) + (0.8 * p.Y) - 3 + random.NextDouble()))).ToArray();
        var m = new double[4, 5];
        for (int i = 0; i < source.Length; i++)
        {
            double x = source[i].X, y = source[i].Y;
            double[][] rows = [[x, -y, 1, 0, target[i].X], [y, x, 0, 1, target[i].Y]];
            foreach (var r in rows)
            {
                for (int a = 0; a < 4; a++)
                {
                    for (int b = 0; b < 5; b++)
                    {
                        m[a, b] += r[a] * r[b];
                    }
                }
            }
        }

        double[] naive = Solve(m);
        var estimate = SimilarityTransform.Estimate(source, target);
        Assert.Equal(naive[0], estimate.A, 9);
        Assert.Equal(naive[1], estimate.B, 9);
        Assert.Equal(naive[2], estimate.Tx, 7);
        Assert.Equal(naive[3], estimate.Ty, 7);
    }

    [Fact]
    public void The_inverse_undoes_the_transform_and_degenerate_points_are_refused()
    {
        var t = new SimilarityTransform(0.5, -1.25, 3, -7);
        var (x, y) = t.Apply(11, -4);
        var (bx, by) = t.Inverse().Apply(x, y);
        Assert.Equal(11, bx, 9);
        Assert.Equal(-4, by, 9);
        var same = Enumerable.Repeat(new FacePoint(3, 3), 5).ToArray();
        Assert.Throws<ArgumentException>(() => SimilarityTransform.Estimate(same, ArcFaceTemplate.For(112)));
    }

    [Fact]
    public void The_template_is_the_arcface_one_and_scales_with_the_crop()
    {
        var t112 = ArcFaceTemplate.For(112);
        Assert.Equal(new FacePoint(38.2946f, 51.6963f), t112[0]);
        Assert.Equal(new FacePoint(70.7299f, 92.2041f), t112[4]);
        var t224 = ArcFaceTemplate.For(224);
        Assert.Equal(2 * t112[2].X, t224[2].X, 4);
        Assert.Equal(2 * t112[2].Y, t224[2].Y, 4);
    }

    [Fact]
    public void Warping_a_linear_ramp_gives_the_ramp_at_each_mapped_point()
    {
        // Bilinear interpolation reproduces a linear image exactly: each crop pixel is the ramp's value at the
        // source point the transform maps it to (up to rounding to bytes).
        const int w = 80, h = 60;
        double Ramp(double x, double y, int c) => 20 + (1.5 * x) + (0.9 * y) + (10 * c);
        var pixels = new byte[3 * w * h];
        for (int y = 0; y < h; y++)
        {
            for (int x = 0; x < w; x++)
            {
                for (int c = 0; c < 3; c++)
                {
                    pixels[(3 * ((y * w) + x)) + c] = (byte)Ramp(x, y, c);
                }
            }
        }

        // Integer ramp values, so the image is exactly linear.
        var image = new RgbImage(w, h, pixels);
        var cropToSource = new SimilarityTransform(0.6 * Math.Cos(0.4), 0.6 * Math.Sin(0.4), 20.3, 10.7);
        var crop = FaceAligner.Warp(image, cropToSource, 40, 40);

        for (int y = 0; y < 40; y++)
        {
            for (int x = 0; x < 40; x++)
            {
                var (sx, sy) = cropToSource.Apply(x, y);
                if (sx is < 0 or > w - 1 || sy is < 0 or > h - 1)
                {
                    continue;
                }

                for (int c = 0; c < 3; c++)
                {
                    // Ramp values are truncated to bytes: 1.5 x + 0.9 y loses at most 1 in the source.
                    Assert.InRange(crop.Pixels[(3 * ((y * 40) + x)) + c], Ramp(sx, sy, c) - 1.51, Ramp(sx, sy, c) + 0.51);
                }
            }
        }
    }

    [Fact]
    public void Samples_outside_the_image_repeat_the_nearest_edge_pixel()
    {
        var image = new RgbImage(2, 2, [10, 10, 10, 20, 20, 20, 30, 30, 30, 40, 40, 40]);
        // Shift by (-5, -5): crop (0, 0) samples (-5, -5) -> the top-left pixel; (9, 2) samples (4, -3) -> top-right.
        var crop = FaceAligner.Warp(image, new SimilarityTransform(1, 0, -5, -5), 10, 10);
        Assert.Equal(10, crop.Pixels[0]);
        Assert.Equal(20, crop.Pixels[3 * ((2 * 10) + 9)]);
        Assert.Equal(30, crop.Pixels[3 * ((9 * 10) + 0)]);
        Assert.Equal(40, crop.Pixels[3 * ((9 * 10) + 9)]);
    }

    [Fact]
    public void Landmarks_already_on_the_template_give_the_image_back_unchanged()
    {
        var random = new Random(3);
        var pixels = new byte[3 * 112 * 112];
        random.NextBytes(pixels);
        var image = new RgbImage(112, 112, pixels);
        var crop = FaceAligner.Align(image, ArcFaceTemplate.For(112), 112);
        Assert.Equal(pixels, crop.Pixels);
    }

    [Fact]
    public void A_face_rotated_and_scaled_in_the_photo_comes_back_upright_at_template_size()
    {
        // Render the template points as dots into a photo through a known similarity, align with the mapped
        // points, and find the dots in the crop at the template positions.
        var photoFromCrop = new SimilarityTransform(2.5 * Math.Cos(-0.5), 2.5 * Math.Sin(-0.5), 40, 120);
        var template = ArcFaceTemplate.For(112);
        var marks = template.Select(p => photoFromCrop.Apply(p.X, p.Y)).ToArray();
        const int w = 400, h = 360;
        var pixels = new byte[3 * w * h];
        foreach (var (mx, my) in marks)
        {
            for (int y = (int)my - 3; y <= (int)my + 3; y++)
            {
                for (int x = (int)mx - 3; x <= (int)mx + 3; x++)
                {
                    double d = Math.Sqrt(((x - mx) * (x - mx)) + ((y - my) * (y - my)));
                    pixels[3 * ((y * w) + x)] = (byte)Math.Max(pixels[3 * ((y * w) + x)], Math.Max(0, 255 - (80 * d)));
                }
            }
        }

        var crop = FaceAligner.Align(new RgbImage(w, h, pixels), [.. marks.Select(m => new FacePoint((float)m.X, (float)m.Y))], 112);

        foreach (var p in template)
        {
            // The brightest red pixel near each template point is within a pixel of it.
            var (bx, by) = Enumerable.Range(-4, 9).SelectMany(dy => Enumerable.Range(-4, 9).Select(dx => ((int)Math.Round(p.X) + dx, (int)Math.Round(p.Y) + dy)))
                .MaxBy(q => crop.Pixels[3 * ((q.Item2 * 112) + q.Item1)]);
            Assert.InRange(bx, p.X - 1, p.X + 1);
            Assert.InRange(by, p.Y - 1, p.Y + 1);
        }
    }

    private static double[] Solve(double[,] m)
    {
        int n = 4;
        for (int col = 0; col < n; col++)
        {
            int pivot = Enumerable.Range(col, n - col).MaxBy(r => Math.Abs(m[r, col]));
            for (int k = 0; k <= n; k++)
            {
                (m[col, k], m[pivot, k]) = (m[pivot, k], m[col, k]);
            }

            for (int r = 0; r < n; r++)
            {
                if (r == col)
                {
                    continue;
                }

                double f = m[r, col] / m[col, col];
                for (int k = 0; k <= n; k++)
                {
                    m[r, k] -= f * m[col, k];
                }
            }
        }

        return [.. Enumerable.Range(0, n).Select(r => m[r, n] / m[r, r])];
    }
}
