using Google.Protobuf;
using KappaFace.MLNet.Onnx.Proto;

namespace KappaFace.MLNet.Onnx.Tests;

/// <summary>
/// Seeded fuzzing of the model-file and model-card readers: mutated and random bytes, random metadata.
/// Only <see cref="OnnxModelException"/> may escape; anything else fails with the seed and the input.
/// </summary>
public class FuzzTests
{
    private const int Iterations = 400;

    private static readonly string[] Values =
    [
        "", "0", "1", "-1", "112", "2147483647", "2147483648", "9223372036854775807", "9223372036854775808", "1e999", "NaN",
        "Infinity", "-0", "0.5", "1,5", " 7", "0x10", "RGB", "\0", "\uFFFD", "é", "+3", "1e-400", "3.4e38",
    ];

    [Fact]
    public void Mutated_model_bytes_give_only_onnx_model_exceptions()
    {
        using var dir = new TempDir();
        byte[] good = File.ReadAllBytes(TinyModel.Create().Save(dir));
        int parsed = 0;
        for (int seed = 0; seed < Iterations; seed++)
        {
            var random = new Random(seed);
            byte[] bytes = Mutate(random, good);
            try
            {
                ModelCard.FromMetadata(OnnxModelFile.ReadHeader(bytes, "fuzz").Metadata, "fuzz");
                OnnxModelFile.Parse(bytes, "fuzz");
                parsed++;
            }
            catch (OnnxModelException e)
            {
                Assert.True(e.ModelPath == "fuzz", $"seed {seed}: the error does not name the source: {e.Message}");
            }
            catch (Exception e)
            {
                Assert.Fail($"seed {seed}: {e.GetType().Name}: {e.Message}\ninput: {Convert.ToHexString(bytes)}\n{e}");
            }
        }

        // Not vacuous: some mutations leave a readable model (e.g. a flipped weight bit), most do not.
        Assert.InRange(parsed, 1, Iterations - 1);
    }

    [Fact]
    public void Random_files_give_only_onnx_model_exceptions_naming_the_file()
    {
        using var dir = new TempDir();
        string path = dir.File("random.onnx");
        for (int seed = 0; seed < Iterations / 4; seed++)
        {
            var random = new Random(seed);
            var bytes = new byte[random.Next(0, 300)];
            random.NextBytes(bytes);
            File.WriteAllBytes(path, bytes);
            try
            {
                ModelCard.ReadFrom(path);
                Assert.Fail($"seed {seed}: random bytes read as a model card: {Convert.ToHexString(bytes)}");
            }
            catch (OnnxModelException e)
            {
                Assert.Equal(path, e.ModelPath);
            }
            catch (Exception e)
            {
                Assert.Fail($"seed {seed}: {e.GetType().Name}: {e.Message}\ninput: {Convert.ToHexString(bytes)}\n{e}");
            }
        }
    }

    [Fact]
    public void Random_metadata_reads_as_a_card_that_round_trips_or_as_an_onnx_model_exception()
    {
        string[] keys = [.. ModelCardKeys.Known, ModelCardKeys.LossParameterPrefix, ModelCardKeys.LossParameterPrefix + "s", "custom.key", ""];
        int cards = 0;
        for (int seed = 0; seed < Iterations; seed++)
        {
            var random = new Random(seed);
            var metadata = new List<KeyValuePair<string, string>>();
            foreach (string required in ModelCardKeys.Required.Where(_ => random.Next(8) != 0))
            {
                metadata.Add(new(required, required.EndsWith("size", StringComparison.Ordinal) ? "16" : "x"));
            }

            for (int k = random.Next(0, 6); k > 0; k--)
            {
                metadata.Add(new(keys[random.Next(keys.Length)], Values[random.Next(Values.Length)]));
            }

            try
            {
                ModelCard card = ModelCard.FromMetadata(metadata, "fuzz");
                Assert.Equal(card, ModelCard.FromMetadata(card.ToMetadata(), "again"));
                cards++;
            }
            catch (OnnxModelException e)
            {
                Assert.Equal("fuzz", e.ModelPath);
            }
            catch (Exception e)
            {
                Assert.Fail($"seed {seed}: {e.GetType().Name}: {e.Message}\ninput: {string.Join(", ", metadata.Select(p => $"[{p.Key}]=[{p.Value}]"))}\n{e}");
            }
        }

        Assert.InRange(cards, 1, Iterations - 1);
    }

    [Fact]
    public void Metadata_with_bytes_that_are_not_utf8_reads_without_crashing()
    {
        // A model card written by another tool may hold any bytes in its strings.
        var model = TinyModel.Create().Build();
        byte[] bytes = model.ToByteArray();
        byte[] marker = System.Text.Encoding.UTF8.GetBytes(TinyModel.Card().Backbone!);
        int at = bytes.AsSpan().IndexOf(marker);
        Assert.True(at > 0);
        bytes[at] = 0xFF; // not valid UTF-8 anywhere

        try
        {
            ModelCard card = ModelCard.FromMetadata(OnnxModelFile.ReadHeader(bytes, "fuzz").Metadata, "fuzz");
            Assert.NotEqual(TinyModel.Card().Backbone, card.Backbone);
        }
        catch (OnnxModelException e)
        {
            Assert.Equal("fuzz", e.ModelPath);
        }
    }

    private static byte[] Mutate(Random random, byte[] good)
    {
        byte[] bytes = good.ToArray();
        switch (random.Next(5))
        {
            case 0:
                return bytes[..random.Next(0, bytes.Length)];
            case 1:
                for (int flips = random.Next(1, 4); flips > 0; flips--)
                {
                    bytes[random.Next(bytes.Length)] ^= (byte)(1 << random.Next(8));
                }

                return bytes;
            case 2:
                for (int writes = random.Next(1, 8); writes > 0; writes--)
                {
                    bytes[random.Next(bytes.Length)] = (byte)random.Next(256);
                }

                return bytes;
            case 3:
            {
                int at = random.Next(bytes.Length);
                var junk = new byte[random.Next(1, 16)];
                random.NextBytes(junk);
                return [.. bytes[..at], .. junk, .. bytes[at..]];
            }

            default:
            {
                int start = random.Next(bytes.Length);
                int length = random.Next(1, Math.Min(64, bytes.Length - start) + 1);
                return [.. bytes, .. bytes.AsSpan(start, length)];
            }
        }
    }
}
