using Google.Protobuf;
using KappaFace.MLNet.Onnx.Proto;
using KappaFace.MLNet.Onnx.Runtime;
using Microsoft.ML.OnnxRuntime;

namespace KappaFace.MLNet.Onnx.Quantization;

/// <summary>
/// Runs the float model on the calibration images with the planned activations exposed as extra
/// graph outputs, and records what values each one takes: min and max in a first pass, and for
/// percentile ranges a histogram in a second pass over the same images.
/// </summary>
internal sealed class ActivationCalibrator
{
    private readonly ModelProto _model;
    private readonly IReadOnlyList<string> _tensors;
    private readonly Int8QuantizationOptions _options;
    private readonly string _source;

    public ActivationCalibrator(ModelProto model, IReadOnlyList<string> tensors, Int8QuantizationOptions options, string source)
    {
        _model = model;
        _tensors = tensors;
        _options = options;
        _source = source;
    }

    /// <summary>The scale and zero point of each planned activation.</summary>
    public Dictionary<string, (float Scale, int ZeroPoint)> Calibrate(
        IReadOnlyList<float[]> images, int inputSize, IProgress<int>? progress, CancellationToken cancellationToken)
    {
        var probe = _model.Clone();
        foreach (var name in _tensors)
        {
            probe.Graph.Output.Add(new ValueInfoProto
            {
                Name = name,
                Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float } },
            });
        }

        // Basic optimisations only: fusions must not hide the tensors being measured.
        var sessionOptions = new OnnxSessionOptions
        {
            ExecutionProvider = "cpu",
            IntraOpThreads = _options.Threads,
            OptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_BASIC,
        };
        using var session = OnnxSessionFactory.Create(probe.ToByteArray(), _source, sessionOptions, out _);
        var ranges = _tensors.ToDictionary(t => t, _ => new TensorRange(), StringComparer.Ordinal);
        int passes = _options.Method == CalibrationMethod.Percentile ? 2 : 1;
        int done = 0;
        for (int pass = 0; pass < passes; pass++)
        {
            if (pass == 1)
            {
                foreach (var range in ranges.Values)
                {
                    range.StartHistogram(_options.HistogramBins);
                }
            }

            for (int start = 0; start < images.Count; start += _options.CalibrationBatch)
            {
                cancellationToken.ThrowIfCancellationRequested();
                int n = Math.Min(_options.CalibrationBatch, images.Count - start);
                RunBatch(session, images, start, n, inputSize, (name, values) =>
                {
                    if (pass == 0)
                    {
                        ranges[name].AddToMinMax(values);
                    }
                    else
                    {
                        ranges[name].AddToHistogram(values);
                    }
                });
                done += n;
                progress?.Report(done);
            }
        }

        return ranges.ToDictionary(
            p => p.Key,
            p =>
            {
                var (min, max) = _options.Method == CalibrationMethod.Percentile
                    ? p.Value.PercentileRange(_options.Percentile)
                    : (p.Value.Min, p.Value.Max);
                return QuantizationParameters.Affine(min, max, _options.Activations);
            },
            StringComparer.Ordinal);
    }

    private void RunBatch(
        InferenceSession session, IReadOnlyList<float[]> images, int start, int n, int inputSize, Action<string, ReadOnlySpan<float>> record)
    {
        int perImage = ModelContract.Channels * inputSize * inputSize;
        var pixels = new float[n * perImage];
        for (int i = 0; i < n; i++)
        {
            images[start + i].CopyTo(pixels, i * perImage);
        }

        using var input = OrtValue.CreateTensorValueFromMemory(pixels, [n, ModelContract.Channels, inputSize, inputSize]);
        using var runOptions = new RunOptions();
        try
        {
            using var outputs = session.Run(runOptions, [ModelContract.InputName], [input], _tensors.ToArray());
            for (int k = 0; k < _tensors.Count; k++)
            {
                record(_tensors[k], outputs[k].GetTensorDataAsSpan<float>());
            }
        }
        catch (OnnxRuntimeException ex)
        {
            throw new OnnxModelException(_source, $"ONNX Runtime failed to run a calibration batch: {ex.Message}", ex);
        }
    }
}
