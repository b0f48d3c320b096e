using System.Globalization;
using KappaFace.MLNet.Benchmarks.Scale;

// Measured limits of one machine for the scale options (docs/scale.md). Prints markdown tables.
// Usage: dotnet run -c Release --project benchmarks/Scale -- [heads] [memory] [pipeline]
//        [--classes 10000,100000,1000000] [--dims 128,512] [--rates 1,0.1] [--steps 3] [--data DIR] [--trainer-steps 6]
// Without a section name all three run. CPU timings here vary several-fold with load: compare within one run.
var sections = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
int[] classes = [10_000, 100_000, 1_000_000];
int[] dims = [128, 512];
double[] rates = [1, 0.1];
int steps = 3, trainerSteps = 6;
string? data = null;
for (int i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--classes": classes = ParseList(args[++i]); break;
        case "--dims": dims = ParseList(args[++i]); break;
        case "--rates": rates = args[++i].Split(',').Select(t => double.Parse(t, CultureInfo.InvariantCulture)).ToArray(); break;
        case "--steps": steps = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--trainer-steps": trainerSteps = int.Parse(args[++i], CultureInfo.InvariantCulture); break;
        case "--data": data = args[++i]; break;
        default: sections.Add(args[i]); break;
    }
}
bool all = sections.Count == 0;
Console.WriteLine($"cores={Environment.ProcessorCount} torch threads={TorchSharp.torch.get_num_threads()} load: {Machine.LoadAverage()}");
if (all || sections.Contains("heads"))
{
    HeadBenchmark.Run(classes, dims, rates, steps);
}
if (all || sections.Contains("memory"))
{
    MemoryBufferBenchmark.Run();
}
if (all || sections.Contains("pipeline"))
{
    PipelineBenchmark.Run(data ?? Machine.FindDataSet("celeba-dev"), trainerSteps);
}

static int[] ParseList(string text) => text.Split(',').Select(t => int.Parse(t, CultureInfo.InvariantCulture)).ToArray();
