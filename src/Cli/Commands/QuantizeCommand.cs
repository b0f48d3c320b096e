using System.CommandLine;
using System.Globalization;
using KappaFace.MLNet.Onnx;
using KappaFace.MLNet.Onnx.Quantization;
using KappaFace.MLNet.Data;

namespace KappaFace.MLNet.Cli.Commands;

/// <summary>
/// <c>kappaface quantize</c>: writes a statically quantised int8 copy of a model (<see cref="Int8Quantizer"/>),
/// calibrated on images from a folder decoded as the embedder's callers decode them (<see cref="FaceImageSample"/>).
/// </summary>
internal static class QuantizeCommand
{
    public static Command Create()
    {
        var defaults = new Int8QuantizationOptions();
        var model = new Option<FileInfo>("--model") { Description = "The float32 ONNX embedding model.", Required = true };
        var calibration = new Option<DirectoryInfo>("--calibration") { Description = "Folder of face images (any depth) to calibrate activation ranges on.", Required = true };
        var output = new Option<FileInfo>("--out") { Description = "Where to write the int8 model.", Required = true };
        var images = new Option<int>("--images") { Description = "Calibration images taken, spread evenly over the folder.", DefaultValueFactory = _ => 200 };
        var method = new Option<string>("--method") { Description = "Activation ranges: percentile or minmax.", DefaultValueFactory = _ => "percentile" };
        var percentile = new Option<double>("--percentile") { Description = "Share of values (percent) the percentile range holds.", DefaultValueFactory = _ => defaults.Percentile };
        var activations = new Option<string>("--activations") { Description = "Activation type: u8 (fastest on x86) or s8.", DefaultValueFactory = _ => "u8" };
        var command = new Command("quantize", "Write a statically quantised int8 (QDQ) copy of a model, calibrated on images.")
        {
            model, calibration, output, images, method, percentile, activations,
        };
        command.SetAction((parse, token) => CommandRunner.RunAsync(cancel =>
        {
            string modelPath = parse.GetValue(model)!.FullName;
            var options = defaults with
            {
                Method = ParseMethod(parse.GetValue(method)!),
                Percentile = parse.GetValue(percentile),
                Activations = ParseActivations(parse.GetValue(activations)!),
            };
            int count = parse.GetValue(images);
            if (count <= 0)
            {
                throw new ArgumentException($"--images must be positive, got {count}.");
            }

            var floatModel = OnnxModelFile.Load(modelPath);
            var card = ModelCard.ReadFrom(floatModel, modelPath);
            var sample = FaceImageSample.Load(parse.GetValue(calibration)!.FullName, card.InputSize, count, out var skipped);
            foreach (var issue in skipped)
            {
                Console.Error.WriteLine($"kappaface: skipped {issue.Path}: {issue.Reason}");
            }

            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Calibrating on {sample.Count} images ..."));
            var result = Int8Quantizer.Quantize(floatModel, sample, options, modelPath, cancellationToken: cancel);
            string target = parse.GetValue(output)!.FullName;
            OnnxModelFile.Save(result.Model, target);
            Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{target}: {result.QuantizedNodes} nodes in int8 ({result.QuantizedWeights} weight tensors, {result.QuantizedActivations} activations, " +
                $"{result.FoldedRelus} Relu/Clip folded, {result.FoldedBatchNorms} BatchNormalization folded into Conv, {result.ConvertedBatchNorms} as depthwise Conv), calibrated on {result.CalibrationImages} images; " +
                $"cosine to float32 on {Math.Min(16, result.CalibrationImages)} of them: min {result.MinimumCosine:F4}, mean {result.MeanCosine:F4}"));
            return CommandRunner.Ok;
        }, token));
        return command;
    }

    private static CalibrationMethod ParseMethod(string text) => text.ToLowerInvariant() switch
    {
        "percentile" => CalibrationMethod.Percentile,
        "minmax" => CalibrationMethod.MinMax,
        _ => throw new ArgumentException($"--method must be percentile or minmax, got '{text}'."),
    };

    private static ActivationType ParseActivations(string text) => text.ToLowerInvariant() switch
    {
        "u8" => ActivationType.U8,
        "s8" => ActivationType.S8,
        _ => throw new ArgumentException($"--activations must be u8 or s8, got '{text}'."),
    };
}
