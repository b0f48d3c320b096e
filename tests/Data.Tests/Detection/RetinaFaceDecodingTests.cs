using KappaFace.MLNet.Data.Detection;
using Xunit;

namespace KappaFace.MLNet.Data.Tests.Detection;

/// <summary>Priors, decoding and suppression on hand-made tensors (no model).</summary>
public class RetinaFaceDecodingTests
{
    [Fact]
    public void Priors_follow_stride_row_column_anchor_order_with_ceil_grids()
    {
        // 20 x 36: stride 8 gives 3 x 5 cells, 16 gives 2 x 3, 32 gives 1 x 2.
        Assert.Equal(2 * ((3 * 5) + (2 * 3) + (1 * 2)), RetinaFaceLayout.PriorCount(20, 36));
        float[] p = RetinaFaceLayout.Priors(20, 36);
        Assert.Equal(4 * RetinaFaceLayout.PriorCount(20, 36), p.Length);
        // First cell, both anchors (16 and 32 px).
        Assert.Equal([4f / 36, 4f / 20, 16f / 36, 16f / 20], p[0..4]);
        Assert.Equal([4f / 36, 4f / 20, 32f / 36, 32f / 20], p[4..8]);
        // Second column of the first row.
        Assert.Equal(12f / 36, p[8]);
        // First prior of row 1 (after 5 columns x 2 anchors).
        Assert.Equal(4f / 36, p[40]);
        Assert.Equal(12f / 20, p[41]);
        // First stride-16 prior: centre (8, 8), anchor 64.
        int first16 = 4 * 2 * 15;
        Assert.Equal([8f / 36, 8f / 20, 64f / 36, 64f / 20], p[first16..(first16 + 4)]);
        // Last prior: stride 32, cell (0, 1), anchor 512.
        Assert.Equal([48f / 36, 16f / 20, 512f / 36, 512f / 20], p[^4..]);
    }

    [Fact]
    public void One_scored_prior_decodes_to_the_hand_computed_box_and_landmarks()
    {
        const int h = 16, w = 16;
        int count = RetinaFaceLayout.PriorCount(h, w);
        var loc = new float[4 * count];
        var conf = new float[2 * count];
        var landms = new float[10 * count];
        // Prior 3: stride 8, cell (row 0, column 1), anchor 32: centre (12, 4), size 32 x 32.
        const int p = 3;
        conf[(2 * p) + 1] = 0.9f;
        loc[4 * p] = 1f;          // centre x += 0.1 * 1 * 32 = 3.2
        loc[(4 * p) + 1] = -2f;   // centre y += 0.1 * -2 * 32 = -6.4
        loc[(4 * p) + 2] = 0f;    // width 32
        loc[(4 * p) + 3] = 5f;    // height 32 * e^(0.2 * 5) = 32e
        for (int k = 0; k < 5; k++)
        {
            landms[(10 * p) + (2 * k)] = k;        // x = 12 + 3.2 k
            landms[(10 * p) + (2 * k) + 1] = -k;   // y = 4 - 3.2 k
        }

        var faces = RetinaFaceDecoder.Decode(loc, conf, landms, h, w, minScore: 0.5f, nmsThreshold: 0.4f);

        var face = Assert.Single(faces);
        Assert.Equal(0.9f, face.Score);
        float height = 32f * MathF.E;
        AssertClose(15.2f - 16f, face.Box.X1);
        AssertClose(-2.4f - (height / 2), face.Box.Y1);
        AssertClose(15.2f + 16f, face.Box.X2);
        AssertClose(-2.4f + (height / 2), face.Box.Y2);
        for (int k = 0; k < 5; k++)
        {
            AssertClose(12f + (3.2f * k), face.Landmarks[k].X);
            AssertClose(4f - (3.2f * k), face.Landmarks[k].Y);
        }
    }

    [Fact]
    public void Scores_below_the_threshold_are_dropped_and_the_threshold_itself_is_kept()
    {
        const int h = 8, w = 8;
        int count = RetinaFaceLayout.PriorCount(h, w);
        var conf = new float[2 * count];
        conf[1] = 0.5f;
        conf[3] = 0.4999f;
        var faces = RetinaFaceDecoder.Decode(new float[4 * count], conf, new float[10 * count], h, w, 0.5f, 0.4f);
        Assert.Equal(0.5f, Assert.Single(faces).Score);
    }

    [Fact]
    public void Wrong_tensor_lengths_are_refused_with_the_expected_counts()
    {
        var ex = Assert.Throws<ArgumentException>(() => RetinaFaceDecoder.Decode(new float[4], new float[2], new float[10], 8, 8, 0.5f, 0.4f));
        Assert.Contains($"{RetinaFaceLayout.PriorCount(8, 8)} priors", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Suppression_keeps_the_best_of_overlapping_faces_and_every_separate_face()
    {
        var best = Face(0, 0, 10, 10, 0.9f);
        var overlapping = Face(1, 0, 11, 10, 0.8f);     // IoU 90/110 = 0.82
        var touching = Face(6, 0, 16, 10, 0.7f);        // IoU with best 40/160 = 0.25: kept
        var separate = Face(50, 50, 60, 60, 0.6f);
        var kept = NonMaximumSuppression.Apply([separate, overlapping, touching, best], 0.4f);
        Assert.Equal([best, touching, separate], kept);

        // IoU exactly at the threshold is kept (only "more than" suppresses).
        var half = Face(0, 0, 10, 10, 0.5f);
        var third = Face(5, 0, 15, 10, 0.4f);           // IoU 50/150 = 1/3
        Assert.Equal(2, NonMaximumSuppression.Apply([half, third], 1f / 3).Count);
        Assert.Single(NonMaximumSuppression.Apply([half, third], 0.3f));
    }

    [Fact]
    public void Border_crossing_is_seen_on_each_side()
    {
        Assert.False(new FaceBox(0, 0, 10, 10).CrossesBorder(10, 10));
        Assert.True(new FaceBox(-1, 0, 5, 5).CrossesBorder(10, 10));
        Assert.True(new FaceBox(0, -0.5f, 5, 5).CrossesBorder(10, 10));
        Assert.True(new FaceBox(0, 0, 10.5f, 5).CrossesBorder(10, 10));
        Assert.True(new FaceBox(0, 0, 5, 11).CrossesBorder(10, 10));
    }

    private static DetectedFace Face(float x1, float y1, float x2, float y2, float score) =>
        new(new FaceBox(x1, y1, x2, y2), score, [.. Enumerable.Repeat(new FacePoint(x1, y1), 5)]);

    private static void AssertClose(float expected, float actual) => Assert.InRange(actual, expected - 1e-4f, expected + 1e-4f);
}
