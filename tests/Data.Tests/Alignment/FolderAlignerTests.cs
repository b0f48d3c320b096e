using KappaFace.MLNet.Data.Alignment;
using KappaFace.MLNet.Data.Detection;
using KappaFace.MLNet.Data.Tests.Detection;
using KappaFace.MLNet.Tests.Shared;
using SkiaSharp;
using Xunit;

namespace KappaFace.MLNet.Data.Tests.Alignment;

/// <summary>
/// <see cref="FolderAligner"/> with hand-built detectors that see bright blue squares as faces: degenerate
/// landmarks are reported per photo, and the pairs file names only crops that exist.
/// </summary>
public class FolderAlignerTests
{
    /// <summary>Photos: ann has two faces in one.png, one in two.png; bob/none.png has none.</summary>
    internal static TempFolder Photos(string pairs)
    {
        var folder = new TempFolder();
        folder.Image("photos/ann/ann_0001.png", 224, 224, (x, y) => Blue(x, y, 100, 60) || Blue(x, y, 30, 150) ? new SKColor(0, 0, 255) : SKColors.Black);
        folder.Image("photos/ann/ann_0002.png", 224, 224, (x, y) => Blue(x, y, 60, 100) ? new SKColor(0, 0, 255) : SKColors.Black);
        folder.Image("photos/bob/bob_0001.png", 224, 224, (_, _) => SKColors.Black);
        folder.Bytes("photos/pairs.txt", System.Text.Encoding.UTF8.GetBytes(pairs));
        return folder;
    }

    internal static bool Blue(int x, int y, int left, int top) => x >= left && x < left + 10 && y >= top && y < top + 10;

    [Fact]
    public void Faces_with_coincident_landmarks_are_a_report_entry_under_skip_and_a_named_error_under_fail()
    {
        using var folder = Photos("ann/ann_0001.png ann/ann_0002.png 1\n");
        using var detector = FaceDetector.Open(TinyRetinaFace.BlueDotDetector(new float[10]), new FaceDetectorOptions { ExecutionProvider = "cpu" });
        string data = Path.Combine(folder.Path, "photos");

        var report = FolderAligner.Run(detector, data, Path.Combine(folder.Path, "out"), new FolderAlignmentOptions { Size = 32, OnNoFace = NoFacePolicy.Skip });

        Assert.Equal(0, report.Aligned);
        Assert.Equal(2, report.DegenerateLandmarks);
        Assert.Equal(1, report.NoFace);
        Assert.Equal(3, report.DroppedFaces.Count);
        Assert.Equal(["ann/ann_0001.png", "ann/ann_0002.png", "bob/bob_0001.png"], report.Skipped.Select(s => s.Path));
        Assert.Equal([PhotoSkipCause.DegenerateLandmarks, PhotoSkipCause.DegenerateLandmarks, PhotoSkipCause.NoFace], report.Skipped.Select(s => s.Cause));
        Assert.Contains("degenerate landmarks", report.Skipped[0].Reason, StringComparison.Ordinal);
        Assert.Equal(PairsFileAction.NotWritten, report.PairsFile!.Action);

        var e = Assert.Throws<NoFaceException>(() => FolderAligner.Run(detector, data, Path.Combine(folder.Path, "out2"), new FolderAlignmentOptions { Size = 32 }));
        Assert.Equal("ann/ann_0001.png", e.Path);
        Assert.Contains("degenerate", e.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void With_all_faces_the_pairs_file_names_each_photos_best_face_crop_and_leaves_out_pairs_without_one()
    {
        using var folder = Photos("ann/ann_0001.png\tann/ann_0002.png\t1\nann/ann_0002.png\tbob/bob_0001.png\t0\n");
        using var detector = Open();
        string output = Path.Combine(folder.Path, "out");

        var report = FolderAligner.Run(detector, Path.Combine(folder.Path, "photos"), output,
            new FolderAlignmentOptions { Size = 32, Faces = FaceSelection.All, OnNoFace = NoFacePolicy.Skip });

        Assert.Equal(3, report.Crops);
        Assert.Equal(PairsFileAction.Rewritten, report.PairsFile!.Action);
        Assert.Equal((1, 1, false), (report.PairsFile.Pairs, report.PairsFile.Dropped, report.PairsFile.FoldsLost));
        Assert.Equal(["ann/ann_0001_face1.png\tann/ann_0002_face1.png\t1"], File.ReadAllLines(Path.Combine(output, "pairs.txt")));
        var read = PairsFile.Read(Path.Combine(output, "pairs.txt"), output);
        Assert.True(File.Exists(read.Pairs[0].PathA) && File.Exists(read.Pairs[0].PathB));
    }

    [Fact]
    public void An_lfw_pairs_file_is_copied_verbatim_while_every_photo_has_its_crop_and_rewritten_with_its_folds_reported_lost_otherwise()
    {
        const string Lfw = "1\t1\nann\t1\t2\nann\t2\tbob\t1\n";
        using var folder = Photos(Lfw);
        using var detector = Open();
        string data = Path.Combine(folder.Path, "photos");
        File.Delete(Path.Combine(data, "bob/bob_0001.png"));
        folder.Image("photos/bob/bob_0001.png", 224, 224, (x, y) => Blue(x, y, 120, 120) ? new SKColor(0, 0, 255) : SKColors.Black);

        var copied = FolderAligner.Run(detector, data, Path.Combine(folder.Path, "best"), new FolderAlignmentOptions { Size = 32 });
        Assert.Equal(PairsFileAction.Copied, copied.PairsFile!.Action);
        Assert.Equal(Lfw, File.ReadAllText(Path.Combine(folder.Path, "best/pairs.txt")));

        var rewritten = FolderAligner.Run(detector, data, Path.Combine(folder.Path, "all"), new FolderAlignmentOptions { Size = 32, Faces = FaceSelection.All });
        Assert.Equal((PairsFileAction.Rewritten, 2, 0, true), (rewritten.PairsFile!.Action, rewritten.PairsFile.Pairs, rewritten.PairsFile.Dropped, rewritten.PairsFile.FoldsLost));
        Assert.Contains("folds are not kept", rewritten.PairsFile.Note, StringComparison.Ordinal);
        Assert.Equal(["ann/ann_0001_face1.png\tann/ann_0002_face1.png\t1", "ann/ann_0002_face1.png\tbob/bob_0001_face1.png\t0"],
            File.ReadAllLines(Path.Combine(folder.Path, "all/pairs.txt")));
    }

    [Fact]
    public void A_skipped_photo_makes_the_pairs_naming_it_go_and_the_rest_stay()
    {
        using var folder = Photos("ann/ann_0001.png ann/ann_0002.png 1\nann/ann_0001.png bob/bob_0001.png 0\n");
        using var detector = Open();
        string output = Path.Combine(folder.Path, "out");

        var report = FolderAligner.Run(detector, Path.Combine(folder.Path, "photos"), output, new FolderAlignmentOptions { Size = 32, OnNoFace = NoFacePolicy.Skip });

        Assert.Equal((PairsFileAction.Rewritten, 1, 1), (report.PairsFile!.Action, report.PairsFile.Pairs, report.PairsFile.Dropped));
        Assert.Equal(["ann/ann_0001.png\tann/ann_0002.png\t1"], File.ReadAllLines(Path.Combine(output, "pairs.txt")));
    }

    [Fact]
    public void On_the_fly_crops_keep_the_order_of_the_photos_and_equal_the_folder_crops()
    {
        using var folder = Photos("ann/ann_0001.png ann/ann_0002.png 1\n");
        using var detector = Open();
        string data = Path.Combine(folder.Path, "photos");
        string[] paths = [Path.Combine(data, "ann/ann_0002.png"), Path.Combine(data, "bob/bob_0001.png"), Path.Combine(data, "ann/ann_0001.png")];
        var options = new FolderAlignmentOptions { Size = 32, OnNoFace = NoFacePolicy.Skip };

        var crops = PhotoFaces.Crops(detector, paths, options);

        Assert.Equal(paths, crops.Select(c => c.Name));
        Assert.Equal(PhotoSkipCause.NoFace, crops[1].Skipped!.Cause);
        Assert.Equal(2, crops[2].FacesFound);
        foreach (int i in new[] { 0, 2 })
        {
            var alone = PhotoFaces.BestCrop(detector, paths[i], 32);
            Assert.Equal(alone.Pixels, crops[i].Faces[0].Crop.Pixels);
        }

        Assert.Throws<ArgumentException>(() => PhotoFaces.Crops(detector, paths, options with { Faces = FaceSelection.All }));
    }

    internal static FaceDetector Open() => FaceDetector.Open(TinyRetinaFace.BlueDotDetector(), new FaceDetectorOptions { ExecutionProvider = "cpu" });
}
