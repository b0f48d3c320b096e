using KappaFace.MLNet.Data.Alignment;
using KappaFace.MLNet.Data.Detection;
using Xunit;

namespace KappaFace.MLNet.Data.Tests.Alignment;

/// <summary>Which faces of a photo are kept, and the border flag.</summary>
public class FaceCropperTests
{
    private static readonly DetectedFace SmallSharp = Face(10, 10, 30, 30, 0.99f);
    private static readonly DetectedFace LargeBlurry = Face(40, 10, 100, 70, 0.7f);
    private static readonly DetectedFace Cut = Face(-10, 50, 20, 80, 0.8f);

    [Fact]
    public void Best_largest_and_all_pick_by_score_area_and_score_order()
    {
        DetectedFace[] faces = [LargeBlurry, SmallSharp, Cut];
        Assert.Equal([SmallSharp], FaceCropper.Select(faces, FaceSelection.Best));
        Assert.Equal([LargeBlurry], FaceCropper.Select(faces, FaceSelection.Largest));
        Assert.Equal([SmallSharp, Cut, LargeBlurry], FaceCropper.Select(faces, FaceSelection.All));
        Assert.Empty(FaceCropper.Select([], FaceSelection.Best));
    }

    [Fact]
    public void Every_kept_face_is_aligned_and_a_face_across_the_border_is_flagged()
    {
        var photo = RgbImage.Black(120, 100);
        var crops = FaceCropper.Align(photo, [LargeBlurry, SmallSharp, Cut], FaceSelection.All, 56);
        Assert.Equal(3, crops.Count);
        Assert.All(crops, c => Assert.Equal((56, 56), (c.Crop.Width, c.Crop.Height)));
        Assert.Equal([false, true, false], crops.Select(c => c.CutByBorder));
    }

    private static DetectedFace Face(float x1, float y1, float x2, float y2, float score)
    {
        float w = x2 - x1, h = y2 - y1;
        return new DetectedFace(new FaceBox(x1, y1, x2, y2), score,
        [
            new(x1 + (0.3f * w), y1 + (0.4f * h)), new(x1 + (0.7f * w), y1 + (0.4f * h)), new(x1 + (0.5f * w), y1 + (0.6f * h)),
            new(x1 + (0.35f * w), y1 + (0.8f * h)), new(x1 + (0.65f * w), y1 + (0.8f * h)),
        ]);
    }
}
