using KappaFace.MLNet.Onnx;
using KappaFace.MLNet.Onnx.Runtime;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace KappaFace.MLNet.Data.Detection;

/// <summary>
/// Finds faces and their five landmarks with a RetinaFace-format ONNX model run by ONNX Runtime (CPU or
/// CUDA, as <see cref="FaceEmbedder"/>). Each image is brought to its detection size (small ones upscaled,
/// large ones downscaled, <see cref="FaceDetectorOptions"/>); images of equal detection size are run as one
/// batch. Faces are returned in the pixel coordinates of the image given, best score first.
/// Thread-safe: any number of threads may call <c>Detect</c> at once; <see cref="Dispose"/> waits for them.
/// </summary>
public sealed class FaceDetector : IDisposable
{
    private static readonly string[] InputNames = [RetinaFaceLayout.InputName];
    private static readonly string[] OutputNames = [RetinaFaceLayout.LocName, RetinaFaceLayout.ConfName, RetinaFaceLayout.LandmarksName];

    private readonly InferenceSession _session;
    private readonly UsageGate _gate = new(nameof(FaceDetector));
    private readonly DetectionSettings _options;
    private readonly (int Height, int Width)? _fixedInput;

    private FaceDetector(InferenceSession session, DetectionSettings options, ProviderChoice provider, string source, (int, int)? fixedInput)
    {
        _session = session;
        _options = options;
        Provider = provider;
        Source = source;
        _fixedInput = fixedInput;
    }

    /// <summary>The model file path, or the source name given for bytes.</summary>
    public string Source { get; }

    /// <summary>The execution provider requested and used (with the fallback reason, if any).</summary>
    public ProviderChoice Provider { get; }

    /// <summary>The thresholds and scales in use (read from the options when opened).</summary>
    public DetectionSettings Settings => _options;

    /// <summary>Opens a detector model file.</summary>
    /// <exception cref="OnnxModelException">The file cannot be loaded or is not a RetinaFace-format detector.</exception>
    /// <exception cref="ExecutionProviderException"><c>cuda</c> was requested and cannot be used.</exception>
    public static FaceDetector Open(string modelPath, FaceDetectorOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(modelPath);
        options ??= new FaceDetectorOptions();
        options.Validate();
        if (!File.Exists(modelPath))
        {
            throw new OnnxModelException(modelPath, "the detector model file does not exist");
        }

        return Create(OnnxSessionFactory.Create(modelPath, options, out var provider), options, provider, modelPath);
    }

    /// <summary>Opens a serialised detector model.</summary>
    /// <exception cref="OnnxModelException">The bytes cannot be loaded or are not a RetinaFace-format detector.</exception>
    /// <exception cref="ExecutionProviderException"><c>cuda</c> was requested and cannot be used.</exception>
    public static FaceDetector Open(byte[] model, FaceDetectorOptions? options = null, string? sourceName = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        options ??= new FaceDetectorOptions();
        options.Validate();
        string source = sourceName ?? "<detector bytes>";
        return Create(OnnxSessionFactory.Create(model, source, options, out var provider), options, provider, source);
    }

    /// <summary>The faces of one image.</summary>
    public IReadOnlyList<DetectedFace> Detect(RgbImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        return Detect([image])[0];
    }

    /// <summary>The faces of each image, in order; equally sized images share ONNX Runtime runs.</summary>
    public IReadOnlyList<IReadOnlyList<DetectedFace>> Detect(IReadOnlyList<RgbImage> images)
    {
        ArgumentNullException.ThrowIfNull(images);
        var results = new IReadOnlyList<DetectedFace>[images.Count];
        var scales = new DetectionScale[images.Count];
        for (int i = 0; i < images.Count; i++)
        {
            ArgumentNullException.ThrowIfNull(images[i], nameof(images));
            scales[i] = ScaleFor(images[i]);
        }

        using (_gate.Enter())
        {
            foreach (var group in Enumerable.Range(0, images.Count).GroupBy(i => (scales[i].Width, scales[i].Height)))
            {
                foreach (int[] chunk in group.Chunk(_options.MaxBatch))
                {
                    var faces = Run([.. chunk.Select(i => images[i])], scales[chunk[0]]);
                    for (int k = 0; k < chunk.Length; k++)
                    {
                        int i = chunk[k];
                        results[i] = [.. faces[k].Select(f => f.Unscaled(scales[i].ScaleX, scales[i].ScaleY))];
                    }
                }
            }
        }

        return results;
    }

    /// <summary>Releases the session after running calls have finished; later calls throw <see cref="ObjectDisposedException"/>.</summary>
    public void Dispose()
    {
        if (_gate.Close())
        {
            _session.Dispose();
        }
    }

    /// <summary>
    /// Writes an image as the detector input: BGR planes minus the means of <see cref="RetinaFaceLayout.BgrMean"/>,
    /// into the top-left of a height x width plane (the rest stays 0: the mean colour).
    /// </summary>
    internal static void WriteInput(RgbImage image, Span<float> destination, int height, int width)
    {
        int plane = height * width;
        float meanB = RetinaFaceLayout.BgrMean[0], meanG = RetinaFaceLayout.BgrMean[1], meanR = RetinaFaceLayout.BgrMean[2];
        for (int y = 0; y < image.Height; y++)
        {
            for (int x = 0; x < image.Width; x++)
            {
                int from = 3 * ((y * image.Width) + x);
                int to = (y * width) + x;
                destination[to] = image.Pixels[from + 2] - meanB;
                destination[plane + to] = image.Pixels[from + 1] - meanG;
                destination[(2 * plane) + to] = image.Pixels[from] - meanR;
            }
        }
    }

    private static FaceDetector Create(InferenceSession session, FaceDetectorOptions options, ProviderChoice provider, string source)
    {
        try
        {
            var fixedInput = RetinaFaceContract.Check(session, source);
            var settings = new DetectionSettings(
                options.MinScore, options.NmsThreshold, options.MinimumDetectionSide, options.MaximumDetectionSide, options.MaxBatch);
            return new FaceDetector(session, settings, provider, source, fixedInput);
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    private DetectionScale ScaleFor(RgbImage image)
    {
        if (_fixedInput is not { } input)
        {
            return DetectionScale.For(image.Width, image.Height, _options.MinimumDetectionSide, _options.MaximumDetectionSide);
        }

        // A graph with a fixed input size: fit the image inside it, keeping the aspect ratio.
        double scale = Math.Min((double)input.Width / image.Width, (double)input.Height / image.Height);
        int w = Math.Clamp((int)Math.Round(image.Width * scale), 1, input.Width);
        int h = Math.Clamp((int)Math.Round(image.Height * scale), 1, input.Height);
        return new DetectionScale(w, h, (double)w / image.Width, (double)h / image.Height);
    }

    private List<IReadOnlyList<DetectedFace>> Run(RgbImage[] images, DetectionScale scale)
    {
        int height = _fixedInput?.Height ?? scale.Height;
        int width = _fixedInput?.Width ?? scale.Width;
        int perImage = 3 * height * width;
        var input = new float[(long)images.Length * perImage];
        for (int k = 0; k < images.Length; k++)
        {
            WriteInput(ImageScaler.Resize(images[k], scale.Width, scale.Height), input.AsSpan(k * perImage, perImage), height, width);
        }

        using var inputValue = OrtValue.CreateTensorValueFromMemory(input, [images.Length, 3, height, width]);
        using var runOptions = new RunOptions();
        IDisposableReadOnlyCollection<OrtValue> outputs;
        try
        {
            outputs = _session.Run(runOptions, InputNames, [inputValue], OutputNames);
        }
        catch (OnnxRuntimeException ex)
        {
            throw new OnnxModelException(Source, $"ONNX Runtime failed to run a batch of {images.Length} {width}x{height} images: {ex.Message}", ex);
        }

        using (outputs)
        {
            int[] perPrior = [4, 2, 10];
            for (int o = 0; o < 3; o++)
            {
                var info = outputs[o].GetTensorTypeAndShape();
                if (info.ElementDataType != TensorElementType.Float)
                {
                    throw new OnnxModelException(Source, $"output '{OutputNames[o]}' is {info.ElementDataType}, not float32");
                }

                RetinaFaceContract.CheckRunShape(Source, OutputNames[o], info.Shape, images.Length, height, width, perPrior[o]);
            }

            var loc = outputs[0].GetTensorDataAsSpan<float>();
            var conf = outputs[1].GetTensorDataAsSpan<float>();
            var landms = outputs[2].GetTensorDataAsSpan<float>();
            float[] grid = RetinaFaceLayout.Priors(height, width);
            int priors = grid.Length / 4;
            var result = new List<IReadOnlyList<DetectedFace>>(images.Length);
            for (int k = 0; k < images.Length; k++)
            {
                result.Add(RetinaFaceDecoder.Decode(
                    loc.Slice(k * priors * 4, priors * 4),
                    conf.Slice(k * priors * 2, priors * 2),
                    landms.Slice(k * priors * 10, priors * 10),
                    grid,
                    height,
                    width,
                    _options.MinScore,
                    _options.NmsThreshold));
            }

            return result;
        }
    }
}

/// <summary>The detection settings a <see cref="FaceDetector"/> was opened with (see <see cref="FaceDetectorOptions"/>).</summary>
/// <param name="MinScore">Score threshold.</param>
/// <param name="NmsThreshold">Non-maximum suppression IoU.</param>
/// <param name="MinimumDetectionSide">Shorter longer sides are upscaled to this.</param>
/// <param name="MaximumDetectionSide">Longer longer sides are downscaled to this.</param>
/// <param name="MaxBatch">Images per ONNX Runtime run.</param>
public readonly record struct DetectionSettings(float MinScore, float NmsThreshold, int MinimumDetectionSide, int MaximumDetectionSide, int MaxBatch);
