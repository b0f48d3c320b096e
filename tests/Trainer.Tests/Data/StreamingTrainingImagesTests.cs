using KappaFace.MLNet.Tests.Shared;
using KappaFace.MLNet.Trainer.Data;
using KappaFace.MLNet.Trainer.Tests.Training;
using KappaFace.MLNet.Data;
using Xunit;

namespace KappaFace.MLNet.Trainer.Tests.Data;

public sealed class StreamingTrainingImagesTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void Streamed_images_equal_the_loaded_folder_in_order_labels_and_pixels()
    {
        string data = ImageFolderFixture.Write(_folder, TrainingFixtures.SmallSynthetic(identities: 4));
        var loaded = FaceImageSet.LoadFolder(data, 32);
        var streamed = StreamingTrainingImages.FromFolder(data, 32);

        Assert.Equal(loaded.Count, streamed.Count);
        Assert.Equal(loaded.ClassCount, streamed.ClassCount);
        Assert.Equal(loaded.Labels, streamed.Labels);
        Assert.Equal(loaded.Sources, streamed.Sources);
        Assert.Equal(loaded.ClassCounts(), streamed.ClassCounts());
        var pixels = new byte[3 * 32 * 32];
        for (int i = 0; i < streamed.Count; i++)
        {
            streamed.CopyPixels(i, pixels);
            Assert.True(loaded.GetPixels(i).SequenceEqual(pixels), $"image {i} ({streamed.Sources[i]}) differs");
        }
    }

    [Fact]
    public void An_unreadable_file_is_named_when_it_is_decoded()
    {
        string data = ImageFolderFixture.Write(_folder, TrainingFixtures.SmallSynthetic(identities: 2));
        string bad = Directory.GetFiles(Path.Combine(data, Path.GetFileName(Directory.GetDirectories(data)[0])))[1];
        File.WriteAllBytes(bad, [1, 2, 3, 4]);
        var streamed = StreamingTrainingImages.FromFolder(data, 32);
        int index = streamed.Sources.ToList().IndexOf(bad);

        var e = Assert.Throws<FaceDataException>(() => streamed.CopyPixels(index, new byte[3 * 32 * 32]));
        Assert.Equal(bad, e.Path);
    }

    [Fact]
    public void An_identity_without_images_is_rejected_with_its_folder()
    {
        var scan = new ImageFolderScan(_folder.Path, [new ImageFolderIdentity("a", Path.Combine(_folder.Path, "a"), [])], []);
        var e = Assert.Throws<FaceDataException>(() => new StreamingTrainingImages(scan, 32));
        Assert.Equal(Path.Combine(_folder.Path, "a"), e.Path);
    }
}
