using System.Diagnostics;
using DenseFace.Neural;
using DenseFace.Training.Losses;
using DenseFace.Training.Optimization;

namespace DenseFace.Training;

/// <summary>Settings of <see cref="NeuralBenchmark.Run"/> (defaults: the numbers reported in the issue).</summary>
public sealed record NeuralBenchmarkOptions
{
    /// <summary>MobileNetV2 width multiplier.</summary>
    public double WidthMultiplier { get; init; } = 1.0;
    /// <summary>Head outputs (520 landmarks x (x, y, log sigma)).</summary>
    public int Outputs { get; init; } = 1560;
    /// <summary>Input sizes timed for single-image inference.</summary>
    public int[] InferenceSizes { get; init; } = [128, 224];
    public int InferenceThreads { get; init; } = 1;
    /// <summary>Untimed runs first (enough for the JIT to promote the once-per-run code to optimised code).</summary>
    public int InferenceWarmup { get; init; } = 40;
    /// <summary>Timed runs per size (the median is reported).</summary>
    public int InferenceRuns { get; init; } = 20;
    public int TrainSize { get; init; } = 128;
    public int TrainBatch { get; init; } = 32;
    public int TrainThreads { get; init; } = 2;
    public int TrainWarmupSteps { get; init; } = 1;
    public int TrainSteps { get; init; } = 3;
}

/// <summary>
/// One inference timing: wall-clock median and minimum, and the process CPU time per run (on a machine
/// shared with other jobs the CPU time approximates the wall time an idle machine would show).
/// </summary>
public sealed record InferenceTiming(int InputSize, int Threads, double MedianMs, double MinMs, double CpuMsPerRun);

/// <summary>Results of <see cref="NeuralBenchmark.Run"/>.</summary>
public sealed record NeuralBenchmarkResult(
    string Architecture, double WidthMultiplier, int Outputs, string Simd, int ProcessorCount,
    IReadOnlyList<InferenceTiming> Inference,
    int TrainSize, int TrainBatch, int TrainThreads, int TrainSteps, double TrainImagesPerSecond, double TrainStepMs,
    double TrainCpuSecondsPerStep);

/// <summary>
/// Measures the neural engine on MobileNetV2 (random weights, torchvision initialisation): single-image
/// inference latency of the BN-folded plan (median of N runs after warm-up) at each input size, and
/// training throughput (forward, Gaussian NLL loss, backward, AdamW step) in images per second.
/// Timings on a shared machine are noisy; report them with the machine and thread counts (the CPU-time
/// figures are a less load-sensitive estimate).
/// </summary>
public static class NeuralBenchmark
{
    public static NeuralBenchmarkResult Run(NeuralBenchmarkOptions? options = null, TextWriter? log = null)
    {
        var o = options ?? new NeuralBenchmarkOptions();
        var config = new NetworkConfig { WidthMultiplier = o.WidthMultiplier, NumOutputs = o.Outputs, InputSize = o.TrainSize };
        var net = Network.Create(config, 1);
        net.Eval();
        var timings = new List<InferenceTiming>();
        foreach (var size in o.InferenceSizes)
        {
            var plan = net.CompileInference(size, size);
            plan.Compute.MaxDegreeOfParallelism = o.InferenceThreads;
            var x = RandomInput(3 * size * size, 2);
            for (int i = 0; i < o.InferenceWarmup; i++) plan.Run(x);
            var ms = new double[o.InferenceRuns];
            var cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
            for (int i = 0; i < ms.Length; i++)
            {
                long t0 = Stopwatch.GetTimestamp();
                plan.Run(x);
                ms[i] = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
            }
            double cpuMs = (Process.GetCurrentProcess().TotalProcessorTime - cpu0).TotalMilliseconds / ms.Length;
            Array.Sort(ms);
            var timing = new InferenceTiming(size, o.InferenceThreads, ms[ms.Length / 2], ms[0], cpuMs);
            log?.WriteLine($"inference {size}x{size}, {o.InferenceThreads} thread(s): median {timing.MedianMs:F2} ms, min {timing.MinMs:F2} ms, CPU {cpuMs:F2} ms/run");
            timings.Add(timing);
        }

        net.MaxDegreeOfParallelism = o.TrainThreads;
        int b = o.TrainBatch, s = o.TrainSize;
        var images = RandomInput(b * 3 * s * s, 3);
        var targets = RandomInput(b * (o.Outputs / 3) * 2, 4);
        ILoss loss = o.Outputs % 3 == 0 ? new GaussianNllLoss() : new L2Loss();
        if (loss is L2Loss) targets = RandomInput(b * o.Outputs, 4);
        var trainer = new SupervisedTrainer(net, new AdamW(net.TrainableParameters, 1e-4f), loss) { ClipNorm = 5 };
        for (int i = 0; i < o.TrainWarmupSteps; i++) trainer.Step(images, targets, b, s, s);
        var trainCpu0 = Process.GetCurrentProcess().TotalProcessorTime;
        long start = Stopwatch.GetTimestamp();
        for (int i = 0; i < o.TrainSteps; i++) trainer.Step(images, targets, b, s, s);
        double sec = Stopwatch.GetElapsedTime(start).TotalSeconds;
        double cpuPerStep = (Process.GetCurrentProcess().TotalProcessorTime - trainCpu0).TotalSeconds / o.TrainSteps;
        double ips = o.TrainSteps * b / sec;
        log?.WriteLine($"training {s}x{s}, batch {b}, {o.TrainThreads} thread(s): {ips:F1} images/s ({1000 * sec / o.TrainSteps:F0} ms/step, {cpuPerStep:F2} CPU s/step)");
        return new NeuralBenchmarkResult(config.Architecture, o.WidthMultiplier, o.Outputs, DenseFace.Neural.Kernels.Simd.Detected.ToString(),
            Environment.ProcessorCount, timings, s, b, o.TrainThreads, o.TrainSteps, ips, 1000 * sec / o.TrainSteps, cpuPerStep);
    }

    private static float[] RandomInput(int n, ulong seed)
    {
        var rng = new RandomSource(seed);
        var a = new float[n];
        for (int i = 0; i < n; i++) a[i] = rng.Uniform(-2f, 2f);
        return a;
    }
}
