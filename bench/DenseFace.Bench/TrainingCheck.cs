using System.Diagnostics;
using System.Security.Cryptography;
using DenseFace.Landmarks;
using DenseFace.Neural;
using DenseFace.Training.Landmarks;
using DenseFace.Training.Losses;
using DenseFace.Training.Optimization;

namespace DenseFace.Bench;

/// <summary>
/// <c>train-check</c>: a fixed, seeded training fingerprint and the training step time, for refactors of the
/// backward pass that must not change a bit (issue 12: the training tape).
/// <list type="bullet">
/// <item><c>train-check [--out FILE]</c>: 3 steps each of a MobileNetV2-0.5 (64 x 64, Wing + MSE, clipping, EMA,
/// dropout reseeded per step), a ResNet-18 (32 x 32, L2; basic blocks and max pooling) and the landmark network
/// (MobileNetV2-1.0, 128 x 128, 3,016 outputs, <see cref="LandmarkLoss"/>), at 1 and 2 threads, on seeded random
/// data. Prints per step the loss bits and SHA-256 prefixes of all weights and buffers and of all gradients, then a
/// hash of the evaluation-mode outputs; two builds that print the same lines compute the same bits.</item>
/// <item><c>train-check --time N [--threads T] [--batch B]</c>: the landmark network's training step (batch 32,
/// 2 threads by default), 2 untimed steps then N timed; prints each step's wall and process CPU time and their medians in ms.</item>
/// </list>
/// </summary>
internal static class TrainingCheck
{
    public static int Run(string[] args)
    {
        if (BenchArgs.Arg(args, "--time") is string n) return Time(int.Parse(n), int.Parse(BenchArgs.Arg(args, "--threads") ?? "2"), int.Parse(BenchArgs.Arg(args, "--batch") ?? "32"));
        var lines = new List<string>();
        foreach (int threads in new[] { 1, 2 })
        {
            Fingerprint(lines, $"mobilenet_v2-0.5 t{threads}", new NetworkConfig { WidthMultiplier = 0.5, NumOutputs = 10, InputSize = 64 }, 4, threads, _ => new WingMseLoss(), 5);
            Fingerprint(lines, $"resnet18 t{threads}", new NetworkConfig { Architecture = "resnet18", NumOutputs = 6, InputSize = 32 }, 3, threads, _ => new L2Loss(), 0);
            Fingerprint(lines, $"landmarks t{threads}", LandmarkConfig(), 4, threads, h => new LandmarkLoss(h), 5);
        }
        foreach (var l in lines) Console.WriteLine(l);
        if (BenchArgs.Arg(args, "--out") is string path) File.WriteAllLines(path, lines);
        return 0;
    }

    private static NetworkConfig LandmarkConfig() => new() { WidthMultiplier = 1.0, NumOutputs = new LandmarkHead(703).OutputCount, InputSize = 128 };

    private static void Fingerprint(List<string> lines, string name, NetworkConfig config, int batch, int threads, Func<LandmarkHead, ILoss> makeLoss, double clip)
    {
        var net = Network.Create(config, 42);
        net.MaxDegreeOfParallelism = threads;
        int size = config.InputSize;
        var head = new LandmarkHead(703);
        var loss = makeLoss(head);
        int targetsPer = loss is LandmarkLoss ? LandmarkTargets.PerSample(head) : config.NumOutputs;
        var rng = new RandomSource(7);
        var images = new float[batch * 3 * size * size];
        var targets = new float[batch * targetsPer];
        var trainer = new SupervisedTrainer(net, new AdamW(net.TrainableParameters, 1e-3f, weightDecay: 0.01f), loss)
            { ClipNorm = clip, Ema = new WeightEma(net.State, 0.9f), Schedule = new WarmupCosineSchedule(1e-3f, 2, 10, 1e-5f) };
        var dropouts = net.Root.Modules().OfType<Dropout>().ToArray();
        for (int step = 0; step < 3; step++)
        {
            for (int i = 0; i < images.Length; i++) images[i] = (float)rng.NextGaussian();
            for (int i = 0; i < targets.Length; i++) targets[i] = (float)rng.NextDouble();
            foreach (var d in dropouts) d.Reseed(1000 + (ulong)step);
            double l = trainer.Step(images, targets, batch, size, size);
            lines.Add($"{name} step {step}: loss {BitConverter.DoubleToInt64Bits(l):x16} ({l:G6}) weights {Hash(net.State.Select(p => p.Value))} grads {Hash(net.TrainableParameters.Select(p => p.Grad!))}");
        }
        net.Eval();
        lines.Add($"{name} eval outputs {Hash([net.Forward(images, batch, size, size).ToArray()])}");
    }

    private static string Hash(IEnumerable<float[]> arrays)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var a in arrays) sha.AppendData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(a.AsSpan()));
        return Convert.ToHexString(sha.GetHashAndReset())[..16];
    }

    private static int Time(int steps, int threads, int batch)
    {
        var config = LandmarkConfig();
        var net = Network.Create(config, 1);
        net.MaxDegreeOfParallelism = threads;
        var head = new LandmarkHead(703);
        var rng = new RandomSource(3);
        var images = new float[batch * 3 * 128 * 128];
        var targets = new float[batch * LandmarkTargets.PerSample(head)];
        for (int i = 0; i < images.Length; i++) images[i] = (float)rng.NextGaussian();
        for (int i = 0; i < targets.Length; i++) targets[i] = (float)rng.NextDouble();
        var trainer = new SupervisedTrainer(net, new AdamW(net.TrainableParameters, 1e-4f, weightDecay: 0.01f), new LandmarkLoss(head)) { ClipNorm = 5 };
        for (int i = 0; i < 2; i++) trainer.Step(images, targets, batch, 128, 128);
        var ms = new List<double>();
        var cpu = new List<double>();
        using var process = Process.GetCurrentProcess();
        for (int i = 0; i < steps; i++)
        {
            process.Refresh();
            var c0 = process.TotalProcessorTime;
            long t0 = Stopwatch.GetTimestamp();
            trainer.Step(images, targets, batch, 128, 128);
            ms.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
            process.Refresh();
            cpu.Add((process.TotalProcessorTime - c0).TotalMilliseconds);
        }
        Console.WriteLine($"steps wall ms: {string.Join(" ", ms.Select(v => v.ToString("F0")))}; cpu ms: {string.Join(" ", cpu.Select(v => v.ToString("F0")))}");
        ms.Sort(); cpu.Sort();
        Console.WriteLine($"median step {ms[ms.Count / 2]:F1} ms wall, {cpu[cpu.Count / 2]:F1} ms CPU (batch {batch}, {threads} threads, {steps} steps)");
        return 0;
    }
}
