using KappaFace.MLNet.Trainer.Backbones;
using TorchSharp;
using TorchSharp.Modules;
using Xunit;
using static TorchSharp.torch;

namespace KappaFace.MLNet.Trainer.Tests.Heads;

/// <summary>A test-only backbone: conv + BatchNorm + ReLU + flatten + linear, small enough for exact checks.</summary>
internal sealed class TinyTestBackbone : FaceBackbone
{
    /// <summary>The smallest side a backbone accepts (a multiple of 16).</summary>
    public const int Side = FaceBackbone.SizeDivisor;

    private readonly Conv2d conv;
    private readonly BatchNorm2d bn;
    private readonly Linear fc;

    public TinyTestBackbone(int embeddingSize = 6, int inputSize = Side)
        : base("tiny_test_backbone", BackboneKind.Tiny, inputSize, embeddingSize)
    {
        conv = nn.Conv2d(3, 2, 3, padding: 1);
        bn = nn.BatchNorm2d(2);
        fc = nn.Linear(2 * inputSize * inputSize, embeddingSize);
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        using var scope = torch.NewDisposeScope();
        var hidden = nn.functional.relu(bn.call(conv.call(input))).flatten(1);
        return fc.call(hidden).MoveToOuterDisposeScope();
    }
}

/// <summary>Plain-C# data helpers: inputs are drawn here, so the naive re-computations know them exactly.</summary>
internal static class TestData
{
    public static double[][] Gaussian(Random random, int rows, int columns, double std = 1)
    {
        var result = new double[rows][];
        for (var i = 0; i < rows; i++)
        {
            result[i] = new double[columns];
            for (var j = 0; j < columns; j++)
            {
                // Box-Muller: System.Random has no normal sampler.
                var u1 = 1 - random.NextDouble();
                var u2 = random.NextDouble();
                result[i][j] = std * Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
            }
        }

        return result;
    }

    public static double[] Normalised(double[] v)
    {
        var norm = Math.Sqrt(v.Sum(x => x * x));
        return v.Select(x => x / norm).ToArray();
    }

    public static double[][] UnitRows(Random random, int rows, int columns)
        => Gaussian(random, rows, columns).Select(Normalised).ToArray();

    public static double Dot(double[] a, double[] b)
    {
        var sum = 0.0;
        for (var i = 0; i < a.Length; i++)
        {
            sum += a[i] * b[i];
        }

        return sum;
    }

    public static Tensor ToTensor(double[][] rows, ScalarType dtype = ScalarType.Float64)
        => torch.tensor(rows.SelectMany(r => r).ToArray(), new long[] { rows.Length, rows[0].Length }, dtype);

    public static double[][] ToRows(Tensor t)
    {
        using var asDouble = t.detach().to(ScalarType.Float64).cpu().contiguous();
        var flat = asDouble.data<double>().ToArray();
        var columns = (int)t.shape[1];
        return Enumerable.Range(0, (int)t.shape[0]).Select(i => flat.AsSpan(i * columns, columns).ToArray()).ToArray();
    }

    public static double[] ToVector(Tensor t)
    {
        using var asDouble = t.detach().to(ScalarType.Float64).cpu().contiguous();
        return asDouble.data<double>().ToArray();
    }

    public static Tensor Labels(params long[] labels) => torch.tensor(labels, ScalarType.Int64);
}

/// <summary>Tolerance assertions that name the element that failed.</summary>
internal static class Close
{
    public static void Equal(double expected, double actual, double tolerance, string what = "value")
    {
        if (!(Math.Abs(expected - actual) <= tolerance))
        {
            Assert.Fail($"{what}: expected {expected:R}, got {actual:R} (|diff| {Math.Abs(expected - actual):E2} > {tolerance:E2}).");
        }
    }

    public static void Equal(IReadOnlyList<double> expected, IReadOnlyList<double> actual, double tolerance, string what = "values")
    {
        Assert.Equal(expected.Count, actual.Count);
        for (var i = 0; i < expected.Count; i++)
        {
            Equal(expected[i], actual[i], tolerance, $"{what}[{i}]");
        }
    }

    /// <summary>|expected - actual| &lt;= tolerance * max(1, |expected|): relative for large values, absolute for small ones.</summary>
    public static void Relative(IReadOnlyList<double> expected, IReadOnlyList<double> actual, double tolerance, string what = "values")
    {
        Assert.Equal(expected.Count, actual.Count);
        for (var i = 0; i < expected.Count; i++)
        {
            Equal(expected[i], actual[i], tolerance * Math.Max(1, Math.Abs(expected[i])), $"{what}[{i}]");
        }
    }

    public static void Rows(double[][] expected, double[][] actual, double tolerance, string what = "rows")
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            Equal(expected[i], actual[i], tolerance, $"{what}[{i}]");
        }
    }

    public static void RowsRelative(double[][] expected, double[][] actual, double tolerance, string what = "rows")
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            Relative(expected[i], actual[i], tolerance, $"{what}[{i}]");
        }
    }
}
