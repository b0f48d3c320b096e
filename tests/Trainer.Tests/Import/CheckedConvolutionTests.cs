using Google.Protobuf;
using KappaFace.MLNet.Trainer.Import;
using KappaFace.MLNet.Trainer.Platform;
using KappaFace.MLNet.Trainer.Training;
using Xunit;
using static TorchSharp.torch;

namespace KappaFace.MLNet.Trainer.Tests.Import;

/// <summary>
/// <see cref="CheckedConvolution"/>: values and gradients right for channel counts libtorch's CPU kernels get wrong.
/// The reference is float64 autograd, which is first checked against plain loops.
/// </summary>
public class CheckedConvolutionTests
{
    [Fact]
    public void The_float64_reference_matches_plain_loops()
    {
        const int n = 2, cin = 4, cout = 6, h = 7, k = 3, ho = h - k + 1;
        var generator = new Generator(11);
        var x = randn([n, cin, h, h], ScalarType.Float64, generator: generator).requires_grad_(true);
        var w = randn([cout, cin, k, k], ScalarType.Float64, generator: generator).requires_grad_(true);
        var g = randn([n, cout, ho, ho], ScalarType.Float64, generator: generator);
        var y = nn.functional.conv2d(x, w);
        (y * g).sum().backward();

        double[] xa = x.detach().data<double>().ToArray(), wa = w.detach().data<double>().ToArray(), ga = g.data<double>().ToArray();
        var expectedY = new double[n * cout * ho * ho];
        var expectedGx = new double[n * cin * h * h];
        var expectedGw = new double[cout * cin * k * k];
        for (int b = 0; b < n; b++)
        {
            for (int o = 0; o < cout; o++)
            {
                for (int i = 0; i < ho; i++)
                {
                    for (int j = 0; j < ho; j++)
                    {
                        int yi = (((b * cout) + o) * ho + i) * ho + j;
                        for (int c = 0; c < cin; c++)
                        {
                            for (int p = 0; p < k; p++)
                            {
                                for (int q = 0; q < k; q++)
                                {
                                    int xi = (((b * cin) + c) * h + i + p) * h + j + q;
                                    int wi = (((o * cin) + c) * k + p) * k + q;
                                    expectedY[yi] += xa[xi] * wa[wi];
                                    expectedGx[xi] += ga[yi] * wa[wi];
                                    expectedGw[wi] += ga[yi] * xa[xi];
                                }
                            }
                        }
                    }
                }
            }
        }

        AssertClose(expectedY, y.detach().data<double>().ToArray());
        AssertClose(expectedGx, x.grad!.data<double>().ToArray());
        AssertClose(expectedGw, w.grad!.data<double>().ToArray());
    }

    [Theory]
    [InlineData(4, 6, 1, 1, 1, 1)]    // wrong input gradient from libtorch 2.10 (oneDNN) with one thread
    [InlineData(24, 40, 2, 1, 1, 1)]  // wrong forward output
    [InlineData(48, 48, 2, 1, 1, 1)]  // wrong input gradient
    [InlineData(3, 40, 2, 1, 1, 1)]   // a stem to an unusual width
    [InlineData(8, 16, 1, 1, 1, 2)]   // grouped, not depthwise
    [InlineData(20, 20, 1, 2, 2, 1)]  // dilated
    [InlineData(64, 128, 2, 1, 1, 1)] // trusted: goes to libtorch unchanged
    public void Values_and_gradients_match_the_float64_reference(int cin, int cout, int stride, int padding, int dilation, int groups)
    {
        var generator = new Generator(5);
        for (int draw = 0; draw < 3; draw++)
        {
            using var scope = NewDisposeScope();
            var x = randn([4, cin, 12, 12], generator: generator);
            var w = randn([cout, cin / groups, 3, 3], generator: generator) * (1 / Math.Sqrt(cin / groups * 9.0));
            var b = randn([cout], generator: generator);
            var actual = Run(x, w, b, ScalarType.Float32, (xi, wi, bi) => CheckedConvolution.Conv2d(
                xi, wi, bi, [stride, stride], [padding, padding], [dilation, dilation], groups));
            var expected = Run(x, w, b, ScalarType.Float64, (xi, wi, bi) => nn.functional.conv2d(
                xi, wi, bi, strides: [stride, stride], padding: [padding, padding], dilation: [dilation, dilation], groups: groups));

            for (int part = 0; part < expected.Length; part++)
            {
                double scale = expected[part].abs().max().item<double>();
                double error = (actual[part] - expected[part]).abs().max().item<double>();
                Assert.True(error <= 1e-4 * scale, $"draw {draw}, part {part} (output, dx, dw, db): max error {error} against max {scale}");
            }
        }
    }

    [Theory]
    [InlineData(64, 128, 3, 1, true)]
    [InlineData(3, 64, 3, 1, true)]
    [InlineData(24, 40, 1, 1, true)]
    [InlineData(40, 40, 3, 40, true)]
    [InlineData(4, 6, 3, 1, false)]
    [InlineData(48, 48, 3, 1, false)]
    [InlineData(3, 40, 3, 1, false)]
    [InlineData(8, 16, 3, 2, false)]
    public void Only_shapes_measured_right_go_to_libtorch_unchanged(int cin, int cout, int kernel, int groups, bool trusted)
    {
        using var w = zeros(cout, cin / groups, kernel, kernel);
        Assert.Equal(trusted, CheckedConvolution.IsTrusted(w, groups));
    }

    [Fact]
    public void An_imported_model_with_four_and_six_channels_gets_finite_gradients()
    {
        // The model whose fine-tuning went NaN when its convolutions ran through libtorch directly.
        using var backbone = ImportedBackbone.FromModel(
            Onnx.Import.FaceModelImporter.Import(ForeignModels.Tiny(batch: null, opset: 13).ToByteArray(), "foreign.onnx", new()).Model, "foreign.onnx");
        FineTuning.TrainMode(backbone, freezeBatchNorm: true);
        var generator = new Generator(3);
        for (int draw = 0; draw < 100; draw++)
        {
            using var scope = NewDisposeScope();
            backbone.zero_grad();
            var x = (rand([8, 3, ForeignModels.Size, ForeignModels.Size], generator: generator) * 2) - 1;
            nn.functional.normalize(backbone.call(x), p: 2, dim: 1).sum().backward();
            var broken = backbone.named_parameters().Where(p => p.parameter.grad is { } g && !g.isfinite().all().item<bool>()).Select(p => p.name).ToList();
            Assert.True(broken.Count == 0, $"draw {draw}: non-finite gradients in {string.Join(", ", broken)}");
        }
    }

    private static Tensor[] Run(Tensor x, Tensor w, Tensor b, ScalarType type, Func<Tensor, Tensor, Tensor, Tensor> convolve)
    {
        var xi = x.to(type).detach().requires_grad_(true);
        var wi = w.to(type).detach().requires_grad_(true);
        var bi = b.to(type).detach().requires_grad_(true);
        var y = convolve(xi, wi, bi);
        var upstream = cos(arange(y.NumberOfElements, type).reshape(y.shape));
        (y * upstream).sum().backward();
        return [.. new[] { y.detach(), xi.grad!, wi.grad!, bi.grad! }.Select(t => t.to(ScalarType.Float64))];
    }

    private static void AssertClose(double[] expected, double[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-9 * Math.Max(1, Math.Abs(expected[i])), $"element {i}: {actual[i]} vs {expected[i]}");
        }
    }
}
