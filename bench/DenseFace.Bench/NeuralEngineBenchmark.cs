using static DenseFace.Bench.BenchArgs;
using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using DenseFace.Detection;
using DenseFace.Evaluation.Datasets;
using DenseFace.Imaging;
using DenseFace.IO;
using DenseFace.Landmarks;
using DenseFace.Neural;
using DenseFace.Neural.Onnx;
using DenseFace.Training.Losses;
using DenseFace.Training.Optimization;
using Microsoft.ML.OnnxRuntime;

namespace DenseFace.Bench;

/// <summary>
/// The neural-engine benchmark behind <c>denseface bench nn</c> (the CLI starts this project, so ONNX Runtime stays out
/// of the runtime library and the CLI):
/// <c>dotnet run -c Release --project bench/DenseFace.Bench -- nn [--json OUT] [--skip-peers] [--rounds R] [--runs N] [--train-steps N]</c>.
/// <para>
/// Model: torchvision MobileNetV2-1.0 with a 1,560-output head; the weights PyTorch exported (bench/peers) when present,
/// else seeded random ones with randomised BN statistics. Per round: bench/peers/run.sh (PyTorch and onnxruntime-node,
/// separate processes), then in this process our BN-folded plan and ONNX Runtime from NuGet on the ONNX file our
/// exporter writes from the same network, fed the same input tensors, alternated run by run (batch 1, one thread, at
/// 128 and 224; batch 8, two threads, at 128), then training (batch 32, 128 x 128, two threads, forward + MSE on random
/// targets + backward + global-norm clipping at 5 + AdamW(lr 1e-3, wd 0.01); the PyTorch peer uses the same settings):
/// median step time after the same 3 warm-up steps. Reported: medians over all rounds (in-process runs pooled, the
/// peers' per-round medians), minima, and ratios of medians plus the median of per-pair ratios (robust to load drift).
/// </para>
/// </summary>
internal static class NeuralEngineBenchmark
{
    private const int Outputs = 1560, TrainBatch = 32, TrainSize = 128, TrainWarmup = 3, Warmup = 40;
    private static readonly int[] Sizes = [128, 224];

    public static int Run(string[] args)
    {
        string? json = Arg(args, "--json");
        bool skipPeers = args.Contains("--skip-peers");
        int rounds = int.Parse(Arg(args, "--rounds") ?? "3"), runs = int.Parse(Arg(args, "--runs") ?? "100"), trainSteps = int.Parse(Arg(args, "--train-steps") ?? "10");
        if (rounds < 1 || runs < 1 || trainSteps < 1) throw new InvalidInputException("bench nn", "--rounds, --runs and --train-steps must be at least 1");
        string repo = DataRoot.FindRepositoryRoot() ?? throw new InvalidInputException("bench nn", "run it from inside the DenseFace repository (bench/peers/ is needed)");
        string peerDir = Path.Combine(repo, "artifacts", "peers");

        var peerRounds = new List<JsonNode>();
        var infer = Sizes.ToDictionary(s => s, _ => (Ours: new List<double>(), Ort: new List<double>()));
        var batch8 = (Ours: new List<double>(), Ort: new List<double>());
        var train = new List<double>();
        JsonObject? agreement = null;
        for (int r = 0; r < rounds; r++)
        {
            Console.WriteLine($"== round {r + 1}/{rounds}");
            if (!skipPeers && RunPeers(repo, Path.Combine(repo, "artifacts", $"peers_round{r + 1}.json")) is { } p) peerRounds.Add(p);
            var net = CreateNetwork(peerDir);
            agreement ??= Agreement(net, peerDir);
            foreach (int s in Sizes)
            {
                var (a, b) = Interleaved(net, s, 1, 1, Input(peerDir, s, 1), runs);
                infer[s].Ours.AddRange(a); infer[s].Ort.AddRange(b);
                Console.WriteLine($"inference {s}x{s}, batch 1, 1 thread: ours {Median(a):F3} ms, ONNX Runtime (NuGet) {Median(b):F3} ms (medians of {runs})");
            }
            {
                var (a, b) = Interleaved(net, 128, 8, 2, Input(peerDir, 128, 8), Math.Max(10, runs / 4));
                batch8.Ours.AddRange(a); batch8.Ort.AddRange(b);
                Console.WriteLine($"inference 128x128, batch 8, 2 threads: ours {Median(a):F2} ms, ONNX Runtime (NuGet) {Median(b):F2} ms");
            }
            var steps = TrainSteps(net, trainSteps);
            train.AddRange(steps);
            Console.WriteLine($"training 128x128, batch 32, 2 threads: median step {Median(steps):F0} ms = {TrainBatch * 1000 / Median(steps):F1} images/s");
        }

        double? Peer(string engine, string key) => MedianOrNull(peerRounds.Select(p => p["infer_ms_1thread"]?[engine]?[key]?.GetValue<double>()));
        double? torchTrain = MedianOrNull(peerRounds.Select(p => p["train_images_per_s_2threads"]?["pytorch"]?.GetValue<double>()));
        double oursTrain = TrainBatch * 1000 / Median(train);
        JsonObject InferEntry(int s) => new()
        {
            ["ours"] = R(Median(infer[s].Ours)), ["onnxruntime"] = Peer("onnxruntime", s.ToString()), ["pytorch"] = Peer("pytorch", s.ToString()),
            ["onnxruntime_nuget"] = R(Median(infer[s].Ort)),
        };
        JsonObject Detail(List<double> ours, List<double> ort) => new()
        {
            ["ours_median_ms"] = R(Median(ours)), ["ours_min_ms"] = R(ours.Min()),
            ["onnxruntime_nuget_median_ms"] = R(Median(ort)), ["onnxruntime_nuget_min_ms"] = R(ort.Min()),
            ["ours_over_onnxruntime_nuget_medians"] = R(Median(ours) / Median(ort)),
            ["ours_over_onnxruntime_nuget_median_of_pairs"] = R(Median(ours.Zip(ort, (a, b) => a / b).ToList())),
            ["runs"] = ours.Count,
        };
        var result = new JsonObject
        {
            ["model"] = $"mobilenet_v2 width 1.0, {Outputs} outputs ({(File.Exists(Path.Combine(peerDir, "mobilenet_v2.safetensors")) ? "PyTorch's exported weights" : "seeded random weights")}); batch 1 inference at 128x128 (224x224 in *_224)",
            ["infer_ms_1thread"] = InferEntry(128),
            ["infer_ms_1thread_224"] = InferEntry(224),
            ["infer_ms_batch8_2threads"] = new JsonObject { ["ours"] = R(Median(batch8.Ours)), ["onnxruntime_nuget"] = R(Median(batch8.Ort)) },
            ["train_images_per_s_2threads"] = new JsonObject { ["ours"] = R(oursTrain), ["pytorch"] = torchTrain },
            ["ratios"] = new JsonObject
            {
                ["infer_128_ours_over_onnxruntime_nuget"] = R(Median(infer[128].Ours) / Median(infer[128].Ort)),
                ["infer_224_ours_over_onnxruntime_nuget"] = R(Median(infer[224].Ours) / Median(infer[224].Ort)),
                ["infer_128_ours_over_onnxruntime_node"] = Peer("onnxruntime", "128") is double o128 ? R(Median(infer[128].Ours) / o128) : null,
                ["infer_224_ours_over_onnxruntime_node"] = Peer("onnxruntime", "224") is double o224 ? R(Median(infer[224].Ours) / o224) : null,
                ["infer_128_pytorch_over_ours"] = Peer("pytorch", "128") is double p128 ? R(p128 / Median(infer[128].Ours)) : null,
                ["batch8_ours_over_onnxruntime_nuget"] = R(Median(batch8.Ours) / Median(batch8.Ort)),
                ["train_ours_over_pytorch"] = torchTrain is double t ? R(oursTrain / t) : null,
            },
            ["detail"] = new JsonObject
            {
                ["infer_128"] = Detail(infer[128].Ours, infer[128].Ort),
                ["infer_224"] = Detail(infer[224].Ours, infer[224].Ort),
                ["batch8_2threads_128"] = Detail(batch8.Ours, batch8.Ort),
                ["train"] = new JsonObject
                {
                    ["loss"] = "MSE (mean over all outputs)", ["clip_global_norm"] = 5, ["optimizer"] = "AdamW(lr=1e-3, weight_decay=0.01)",
                    ["warmup_steps_per_round"] = TrainWarmup, ["median_step_ms"] = R(Median(train)), ["min_step_ms"] = R(train.Min()), ["steps"] = train.Count,
                },
                ["method"] = "per round: peers (separate processes), then ours and ONNX Runtime (NuGet, in-process, IntraOpNumThreads=1 / 2 for batch 8, "
                    + "ORT_ENABLE_ALL, sequential) alternated run by run on the same input tensors, then training; medians over all rounds",
            },
            ["agreement_max_abs_diff"] = agreement,
            ["peers_rounds"] = new JsonArray(peerRounds.Select(p => p.DeepClone()).ToArray()),
            ["versions"] = new JsonObject
            {
                ["onnxruntime_nuget"] = typeof(InferenceSession).Assembly.GetName().Version?.ToString(),
                ["dotnet"] = Environment.Version.ToString(), ["simd"] = DenseFace.Simd.Detected.ToString(),
            },
            ["machine"] = $"{Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}, load average at the end {File.ReadAllText("/proc/loadavg").Trim()}",
            ["date_utc"] = DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ"),
        };
        Console.WriteLine(result.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        if (json != null)
        {
            AtomicFile.WriteAllText(json, result.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
            Console.WriteLine($"wrote {json}");
        }
        return 0;
    }

    /// <summary>
    /// <c>nn-profile [--size S] [--runs N] [--batch B] [--threads T] [--model DIR] [--fp32-head] [--ab]</c>: minimum time per plan step over N profiled
    /// runs (default batch 1, one thread), the steps sorted by time and summed per kind (conv kernel/stride/groups, linear, pooling);
    /// <c>--model</c> profiles a landmark model folder instead of the benchmark's MobileNetV2, <c>--fp32-head</c> keeps its head fp32;
    /// with <c>--ab</c> first whole runs with the new and the previous kernels alternated (bench detect-profile's switch).
    /// </summary>
    public static int Profile(string[] args)
    {
        int size = int.Parse(Arg(args, "--size") ?? "128"), runs = int.Parse(Arg(args, "--runs") ?? "50");
        int batch = int.Parse(Arg(args, "--batch") ?? "1"), threads = int.Parse(Arg(args, "--threads") ?? "1");
        string repo = DataRoot.FindRepositoryRoot() ?? ".";
        Network net;
        if (Arg(args, "--model") is { } model)
        {
            // a landmark model folder (landmarks.json + landmarks.safetensors), e.g. models/landmarks
            net = Network.Create(LandmarkModelConfig.Load(Path.Combine(model, LandmarkPredictor.ConfigFileName)).Network);
            net.LoadWeights(Path.Combine(model, LandmarkPredictor.WeightsFileName));
            net.Eval();
        }
        else net = CreateNetwork(Path.Combine(repo, "artifacts", "peers"));
        var plan = net.CompileInference(size, size, batch, halfHead: !args.Contains("--fp32-head"));
        plan.Compute.MaxDegreeOfParallelism = threads;
        var x = Input(Path.Combine(repo, "artifacts", "peers"), size, batch);
        for (int i = 0; i < Warmup; i++) plan.Run(x);
        string[] labels = plan.Profile(x).Select(t => t.Step).ToArray();
        var best = Enumerable.Repeat(double.MaxValue, labels.Length).ToArray();
        if (args.Contains("--ab"))
        {
            // Whole runs with the new and the previous kernels (DetectorProfile.SetVariant), alternated, order flipped every run.
            var (cur, prev) = (new List<double>(), new List<double>());
            double Timed(bool current)
            {
                DetectorProfile.SetVariant(current);
                long t0 = System.Diagnostics.Stopwatch.GetTimestamp();
                plan.Run(x);
                double ms = System.Diagnostics.Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
                DetectorProfile.SetVariant(true);
                return ms;
            }
            for (int r = 0; r < runs; r++)
            {
                if (r % 2 == 0) { cur.Add(Timed(true)); prev.Add(Timed(false)); }
                else { prev.Add(Timed(false)); cur.Add(Timed(true)); }
            }
            static double Med(IEnumerable<double> v) { var o = v.Order().ToArray(); return o[o.Length / 2]; }
            Console.WriteLine($"{size}x{size}, batch {batch}, {threads} thread(s), {runs} runs each: new kernels median {Med(cur):F3} ms (min {cur.Min():F3}), " +
                $"previous {Med(prev):F3} ms (min {prev.Min():F3}), median ratio new/previous {Med(cur.Zip(prev, (a, b) => a / b)):F3}");
        }
        for (int r = 0; r < runs; r++)
        {
            var steps = plan.Profile(x);
            for (int i = 0; i < steps.Count; i++) best[i] = Math.Min(best[i], steps[i].Milliseconds);
        }
        Console.WriteLine($"{size}x{size}, batch {batch}, {threads} thread(s): sum of per-step minima {best.Sum():F3} ms over {labels.Length} steps");
        static string Kind(string label)
        {
            var parts = label.Split(' ');
            return parts[0] == "conv" ? $"conv {string.Join(' ', parts.Skip(3).Take(3))}" : parts[0] == "linear" ? string.Join(' ', parts.Where((p, i) => i == 0 || p == "fp16")) : parts[0];
        }
        foreach (var g in labels.Select((l, i) => (Kind: Kind(l), Ms: best[i])).GroupBy(t => t.Kind).OrderByDescending(g => g.Sum(t => t.Ms)))
            Console.WriteLine($"  {g.Key,-22} {g.Sum(t => t.Ms),8:F3} ms  ({g.Count()} steps)");
        foreach (var (l, ms) in labels.Zip(best).OrderByDescending(t => t.Second).Take(25))
            Console.WriteLine($"  {ms,8:F3} ms  {l}");
        return 0;
    }

    /// <summary>
    /// <c>nn-batch [--batch B] [--threads T] [--runs N] [--size S]</c>: batch-level parallelism (each thread its own images) vs
    /// every layer split over the threads vs ONNX Runtime, the three alternated run by run in one process (defaults: batch 8,
    /// 2 threads, 200 runs, 128 x 128); medians, minima and the median of the run-by-run ratios.
    /// </summary>
    public static int Batch(string[] args)
    {
        int size = int.Parse(Arg(args, "--size") ?? "128"), runs = int.Parse(Arg(args, "--runs") ?? "200");
        int batch = int.Parse(Arg(args, "--batch") ?? "8"), threads = int.Parse(Arg(args, "--threads") ?? "2");
        string peerDir = Path.Combine(DataRoot.FindRepositoryRoot() ?? ".", "artifacts", "peers");
        var net = CreateNetwork(peerDir);
        var x = Input(peerDir, size, batch);
        var shards = net.CompileInference(size, size, batch);
        var split = net.CompileInference(size, size, batch);
        shards.Compute.MaxDegreeOfParallelism = split.Compute.MaxDegreeOfParallelism = threads;
        split.BatchShards = false;
        using var ort = new OrtRunner(OnnxExporter.Export(net, new OnnxExportOptions { Height = size, Width = size }), x, [batch, 3, size, size], Outputs * batch, threads);
        for (int i = 0; i < Warmup / 4; i++) { shards.Run(x); split.Run(x); ort.Run(); }
        var (a, b, c) = (new List<double>(runs), new List<double>(runs), new List<double>(runs));
        for (int i = 0; i < runs; i++)
        {
            long t0 = Stopwatch.GetTimestamp(); shards.Run(x); a.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
            t0 = Stopwatch.GetTimestamp(); split.Run(x); b.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
            t0 = Stopwatch.GetTimestamp(); ort.Run(); c.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
        }
        double PairRatio(List<double> p, List<double> q) => Median(p.Zip(q, (u, v) => u / v).ToList());
        Console.WriteLine($"{size}x{size}, batch {batch}, {threads} threads, {runs} runs alternated: median (min) ms");
        Console.WriteLine($"  batch shards  {Median(a),7:F2} ({a.Min():F2})   / ORT {Median(a) / Median(c):F2} (pairs {PairRatio(a, c):F2})");
        Console.WriteLine($"  layer split   {Median(b),7:F2} ({b.Min():F2})   / ORT {Median(b) / Median(c):F2} (pairs {PairRatio(b, c):F2})");
        Console.WriteLine($"  ONNX Runtime  {Median(c),7:F2} ({c.Min():F2})");
        Console.WriteLine($"  shards / split {Median(a) / Median(b):F2} (pairs {PairRatio(a, b):F2})");
        return 0;
    }

    /// <summary>
    /// <c>nn-fp16 [--model DIR] [--faces N] [--runs N] [--rounds R] [--batch B] [--threads T] [--json OUT]</c>: the shipped landmark network (default
    /// models/landmarks) at batch 1, one thread (or <c>--batch</c>, <c>--threads</c>), with its fully connected head stored as fp16 (the default plan) and as fp32,
    /// and ONNX Runtime (NuGet, one thread, our export of the same network), the three alternated run by run in one process
    /// (the six orders in turn) on the crops of the first N helen/testset faces (ROI from their .pts box); then the head step
    /// alone (fp16 vs fp32, alternated) and <see cref="LandmarkPredictor.Predict(Image8, System.Drawing.RectangleF, PredictionOptions?)"/>
    /// per face (one pass, fp16 vs fp32 head predictors on the same network, alternated face by face, R rounds). Medians,
    /// minima, and the median of the run-by-run ratios; also checks fp16 vs fp32 outputs are bit-identical. Predict only at batch 1, one thread.
    /// </summary>
    private static readonly int[][] Orders = [[0, 1, 2], [0, 2, 1], [1, 0, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0]];

    public static int Fp16(string[] args)
    {
        string dir = Arg(args, "--model") ?? LandmarkPredictor.DefaultModelDirectory() ?? throw new InvalidInputException("models/landmarks", "no landmark model found");
        int faces = int.Parse(Arg(args, "--faces") ?? "20"), runs = int.Parse(Arg(args, "--runs") ?? "300"), rounds = int.Parse(Arg(args, "--rounds") ?? "5");
        int batch = int.Parse(Arg(args, "--batch") ?? "1"), threads = int.Parse(Arg(args, "--threads") ?? "1");
        var config = LandmarkModelConfig.Load(Path.Combine(dir, LandmarkPredictor.ConfigFileName));
        var net = Network.Create(config.Network);
        net.LoadWeights(Path.Combine(dir, LandmarkPredictor.WeightsFileName));
        net.Eval();
        int s = config.Network.InputSize, outputs = config.Network.NumOutputs;
        var items = Directory.EnumerateFiles(DataRoot.Path("data", "300w", "helen", "testset"), "*.jpg").Order(StringComparer.Ordinal).Take(faces)
            .Select(f => (Image: ImageIO.Load(f), Box: FaceBox.Tight(PtsFile.Read(Path.ChangeExtension(f, ".pts")).Points).ToRectangle())).ToArray();
        var single = items.Select(it =>
        {
            var x = new float[3 * s * s];
            LandmarkCrop.Extract(it.Image, FaceRoi.FromBox(it.Box, config.RoiScale), s, false, config.Network.Mean, config.Network.Std, x);
            return x;
        }).ToArray();
        // one input per face: that crop and the following ones, as many as the batch holds
        var crops = single.Select((_, i) => Enumerable.Range(0, batch).SelectMany(b => single[(i + b) % single.Length]).ToArray()).ToArray();

        // plan compile time with and without the fp16 check and copy (minimum of 5 each, alternated, after one of each)
        InferencePlan half = null!, full = null!;
        double compileHalf = double.MaxValue, compileFull = double.MaxValue;
        for (int i = 0; i < 6; i++)
        {
            long c0 = Stopwatch.GetTimestamp();
            half = net.CompileInference(s, s, batch);
            if (i > 0) compileHalf = Math.Min(compileHalf, Stopwatch.GetElapsedTime(c0).TotalMilliseconds);
            c0 = Stopwatch.GetTimestamp();
            full = net.CompileInference(s, s, batch, halfHead: false);
            if (i > 0) compileFull = Math.Min(compileFull, Stopwatch.GetElapsedTime(c0).TotalMilliseconds);
        }
        half.Compute.MaxDegreeOfParallelism = full.Compute.MaxDegreeOfParallelism = threads;
        // the narrowing alone (and the panel packing of batches above 2), minimum of 5
        var fcWeight = net.Root.Modules().OfType<Linear>().Last();
        double narrow = double.MaxValue, pack = double.MaxValue;
        for (int i = 0; i < 5; i++)
        {
            long c0 = Stopwatch.GetTimestamp();
            var h = DenseFace.Neural.Kernels.HalfConvert.TryNarrowExact(fcWeight.Weight.Value)!;
            narrow = Math.Min(narrow, Stopwatch.GetElapsedTime(c0).TotalMilliseconds);
            c0 = Stopwatch.GetTimestamp();
            DenseFace.Neural.Kernels.HalfGemm.Pack(h, fcWeight.OutFeatures, fcWeight.InFeatures);
            pack = Math.Min(pack, Stopwatch.GetElapsedTime(c0).TotalMilliseconds);
        }
        Console.WriteLine($"head {fcWeight.InFeatures} -> {fcWeight.OutFeatures}: fp16 narrowing check + copy {narrow:F1} ms, panel packing {pack:F1} ms (min of 5)");
        if (half.HalfLinearLayers != 1) throw new InvalidInputException(dir, $"the head is not fp16-exact ({half.HalfLinearLayers} fp16 layers)");
        var xbuf = new float[batch * 3 * s * s];
        using var ort = new OrtRunner(OnnxExporter.Export(net, new OnnxExportOptions { Height = s, Width = s }), xbuf, [batch, 3, s, s], outputs * batch, threads);

        // agreement: fp16 head vs fp32 head bit for bit, ours vs ONNX Runtime
        int identical = 0;
        double vsOrt = 0;
        foreach (var x in crops)
        {
            var a = half.Run(x).ToArray();
            var b = full.Run(x).ToArray();
            if (a.AsSpan().SequenceEqual(b)) identical++;
            x.CopyTo(xbuf, 0);
            ort.Run();
            vsOrt = Math.Max(vsOrt, MaxAbsDiff(a, ort.Output));
        }
        Console.WriteLine($"{Path.GetFileName(dir)}: {crops.Length} helen crops, fp16 head == fp32 head bit for bit on {identical}; max |ours - ORT| {vsOrt:E2}; plan compile (min of 5) fp16 head {compileHalf:F1} ms, fp32 head {compileFull:F1} ms");

        var headHalf = (InferencePlan.LinearOp)half.Ops[^1];
        var headFull = (InferencePlan.LinearOp)full.Ops[^1];
        var (tHalf, tFull, tOrt, hHalf, hFull) = (new List<double>(runs), new List<double>(runs), new List<double>(runs), new List<double>(runs), new List<double>(runs));
        var engines = new Action[] { () => half.Run(xbuf), () => full.Run(xbuf), ort.Run };
        var lists = new[] { tHalf, tFull, tOrt };
        for (int i = -Warmup; i < runs; i++)
        {
            crops[(i + Warmup) % crops.Length].CopyTo(xbuf, 0);
            for (int j = 0; j < 3; j++)
            {
                // all six orders in turn, so each engine follows each other one equally often (ONNX Runtime's idle
                // threads spin for a while after a multi-threaded run and slow whatever runs right after it)
                int e = Orders[(i + Warmup) % 6][j];
                long t0 = Stopwatch.GetTimestamp();
                engines[e]();
                double ms = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
                if (i >= 0) lists[e].Add(ms);
            }
            // the head step alone, inputs left by the runs above
            for (int j = 0; j < 2; j++)
            {
                bool first = ((i + j) & 1) == 0;
                var op = first ? headHalf : headFull;
                long t0 = Stopwatch.GetTimestamp();
                op.Run(half.Compute);
                double ms = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
                if (i >= 0) (first ? hHalf : hFull).Add(ms);
            }
        }
        double Pairs(List<double> p, List<double> q) => Median(p.Zip(q, (u, v) => u / v).ToList());
        Console.WriteLine($"{s}x{s}, batch {batch}, {threads} thread(s), {runs} runs alternated (all six orders in turn): median (min) ms");
        Console.WriteLine($"  fp16 head     {Median(tHalf),7:F3} ({tHalf.Min():F3})");
        Console.WriteLine($"  fp32 head     {Median(tFull),7:F3} ({tFull.Min():F3})");
        Console.WriteLine($"  ONNX Runtime  {Median(tOrt),7:F3} ({tOrt.Min():F3})");
        Console.WriteLine($"  fp16 / fp32 {Median(tHalf) / Median(tFull):F3} (pairs {Pairs(tHalf, tFull):F3}); fp16 / ORT {Median(tHalf) / Median(tOrt):F3} (pairs {Pairs(tHalf, tOrt):F3}); fp32 / ORT {Median(tFull) / Median(tOrt):F3} (pairs {Pairs(tFull, tOrt):F3})");
        Console.WriteLine($"  head step alone: fp16 {Median(hHalf):F3} ({hHalf.Min():F3}), fp32 {Median(hFull):F3} ({hFull.Min():F3}); fp16 / fp32 {Median(hHalf) / Median(hFull):F3} (pairs {Pairs(hHalf, hFull):F3})");

        // end to end per face (batch 1, one thread): crop + network + decode, one pass
        var (eHalf, eFull) = (new List<double>(), new List<double>());
        if (batch == 1 && threads == 1)
        {
            var pHalf = new LandmarkPredictor(config, net, halfHead: true);
            var pFull = new LandmarkPredictor(config, net, halfHead: false);
            var one = new PredictionOptions { Passes = 1 };
            for (int r = -1; r < rounds; r++)
                for (int f = 0; f < items.Length; f++)
                    for (int j = 0; j < 2; j++)
                    {
                        bool first = ((f + r + j) & 1) == 0;
                        long t0 = Stopwatch.GetTimestamp();
                        (first ? pHalf : pFull).Predict(items[f].Image, items[f].Box, one);
                        double ms = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
                        if (r >= 0) (first ? eHalf : eFull).Add(ms);
                    }
            Console.WriteLine($"  LandmarkPredictor.Predict, 1 pass, {items.Length} faces x {rounds} rounds: fp16 {Median(eHalf):F3} ({eHalf.Min():F3}), fp32 {Median(eFull):F3} ({eFull.Min():F3}); fp16 / fp32 {Median(eHalf) / Median(eFull):F3} (pairs {Pairs(eHalf, eFull):F3})");
        }

        if (Arg(args, "--json") is { } json)
        {
            JsonObject Stat(List<double> v) => new() { ["median_ms"] = R(Median(v)), ["min_ms"] = R(v.Min()), ["runs"] = v.Count };
            var report = new JsonObject
            {
                ["model"] = dir, ["input_size"] = s, ["outputs"] = outputs, ["helen_crops"] = crops.Length,
                ["fp16_bit_identical_crops"] = identical, ["compile_fp16_head_min_ms"] = R(compileHalf), ["compile_fp32_head_min_ms"] = R(compileFull),
                ["narrow_min_ms"] = R(narrow), ["pack_panels_min_ms"] = R(pack),
                ["max_abs_ours_vs_onnxruntime"] = vsOrt,
                ["network_fp16_head"] = Stat(tHalf), ["network_fp32_head"] = Stat(tFull), ["onnxruntime_nuget"] = Stat(tOrt),
                ["fp16_over_fp32_median_of_pairs"] = R(Pairs(tHalf, tFull)), ["fp16_over_onnxruntime_median_of_pairs"] = R(Pairs(tHalf, tOrt)),
                ["fp32_over_onnxruntime_median_of_pairs"] = R(Pairs(tFull, tOrt)),
                ["head_fp16"] = Stat(hHalf), ["head_fp32"] = Stat(hFull), ["head_fp16_over_fp32_median_of_pairs"] = R(Pairs(hHalf, hFull)),
                ["predict_fp16"] = eHalf.Count > 0 ? Stat(eHalf) : null, ["predict_fp32"] = eFull.Count > 0 ? Stat(eFull) : null,
                ["predict_fp16_over_fp32_median_of_pairs"] = eHalf.Count > 0 ? R(Pairs(eHalf, eFull)) : null,
                ["batch"] = batch, ["threads"] = threads,
                ["onnxruntime"] = typeof(InferenceSession).Assembly.GetName().Version?.ToString(),
                ["date_utc"] = DateTime.UtcNow.ToString("u"),
            };
            AtomicFile.WriteAllText(json, report.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
        }
        return 0;
    }

    /// <summary>MobileNetV2-1.0: PyTorch's exported weights when bench/peers wrote them, else seeded weights with randomised BN.</summary>
    private static Network CreateNetwork(string peerDir)
    {
        var net = Network.Create(new NetworkConfig { NumOutputs = Outputs, InputSize = 128 }, 1);
        var weights = Path.Combine(peerDir, "mobilenet_v2.safetensors");
        if (File.Exists(weights)) net.LoadWeights(weights);
        else
        {
            var rng = new RandomSource(7);
            foreach (var bn in net.Root.Modules().OfType<BatchNorm2d>())
                for (int c = 0; c < bn.Channels; c++)
                {
                    bn.Weight.Value[c] = rng.Uniform(0.5f, 1.5f);
                    bn.RunningVar.Value[c] = rng.Uniform(0.5f, 2f);
                }
        }
        net.Eval();
        return net;
    }

    /// <summary>PyTorch's reference input at <paramref name="size"/> (repeated for a batch) when present, else seeded N(0, 1).</summary>
    private static float[] Input(string peerDir, int size, int batch)
    {
        var x = new float[batch * 3 * size * size];
        var path = Path.Combine(peerDir, $"reference_input_{size}.npy");
        if (File.Exists(path))
        {
            var one = NpyArray.Read(path).ToFloatArray();
            for (int b = 0; b < batch; b++) one.AsSpan(0, 3 * size * size).CopyTo(x.AsSpan(b * 3 * size * size));
            return x;
        }
        var rng = new RandomSource((ulong)(size * 31 + batch));
        for (int i = 0; i < x.Length; i++) x[i] = (float)rng.NextGaussian();
        return x;
    }

    /// <summary>Ours and ONNX Runtime (our exported file of the same network) alternated run by run after a warm-up; per-run milliseconds.</summary>
    private static (List<double> Ours, List<double> Ort) Interleaved(Network net, int size, int batch, int threads, float[] x, int runs)
    {
        var plan = net.CompileInference(size, size, batch);
        plan.Compute.MaxDegreeOfParallelism = threads;
        using var ort = new OrtRunner(OnnxExporter.Export(net, new OnnxExportOptions { Height = size, Width = size }), x, [batch, 3, size, size], Outputs * batch, threads);
        for (int i = 0; i < Warmup; i++) { plan.Run(x); ort.Run(); }
        var a = new List<double>(runs);
        var b = new List<double>(runs);
        for (int i = 0; i < runs; i++)
        {
            long t0 = Stopwatch.GetTimestamp();
            plan.Run(x);
            a.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
            t0 = Stopwatch.GetTimestamp();
            ort.Run();
            b.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
        }
        return (a, b);
    }

    /// <summary>max |ours - ORT| on our export, and |ours - PyTorch| on PyTorch's reference outputs when present.</summary>
    private static JsonObject Agreement(Network net, string peerDir)
    {
        var result = new JsonObject();
        foreach (int s in Sizes)
        {
            var x = Input(peerDir, s, 1);
            var ours = net.CompileInference(s, s).Run(x).ToArray();
            using (var ort = new OrtRunner(OnnxExporter.Export(net, new OnnxExportOptions { Height = s, Width = s }), x, [1, 3, s, s], Outputs, 1))
            {
                ort.Run();
                result[$"ours_vs_onnxruntime_nuget_{s}"] = MaxAbsDiff(ours, ort.Output);
            }
            var reference = Path.Combine(peerDir, $"reference_output_{s}.npy");
            if (File.Exists(reference) && File.Exists(Path.Combine(peerDir, "mobilenet_v2.safetensors")))
            {
                var expected = NpyArray.Read(reference).ToFloatArray();
                result[$"folded_plan_vs_pytorch_{s}"] = MaxAbsDiff(ours, expected);
                result[$"graph_vs_pytorch_{s}"] = MaxAbsDiff(net.Forward(x, 1, s, s).ToArray(), expected);
            }
        }
        return result;
    }

    /// <summary>Step times (ms) of <paramref name="steps"/> training steps after <see cref="TrainWarmup"/> untimed ones, on a copy of the weights.</summary>
    private static List<double> TrainSteps(Network source, int steps)
    {
        var net = Network.Create(source.Config, 1);
        for (int i = 0; i < net.State.Count; i++) source.State[i].Value.CopyTo(net.State[i].Value, 0);
        net.MaxDegreeOfParallelism = 2;
        var rng = new RandomSource(3);
        var images = new float[TrainBatch * 3 * TrainSize * TrainSize];
        var targets = new float[TrainBatch * Outputs];
        for (int i = 0; i < images.Length; i++) images[i] = (float)rng.NextGaussian();
        for (int i = 0; i < targets.Length; i++) targets[i] = (float)rng.NextGaussian();
        var trainer = new SupervisedTrainer(net, new AdamW(net.TrainableParameters, 1e-3f, weightDecay: 0.01f), new L2Loss()) { ClipNorm = 5 };
        for (int i = 0; i < TrainWarmup; i++) trainer.Step(images, targets, TrainBatch, TrainSize, TrainSize);
        var ms = new List<double>(steps);
        for (int i = 0; i < steps; i++)
        {
            long t0 = Stopwatch.GetTimestamp();
            trainer.Step(images, targets, TrainBatch, TrainSize, TrainSize);
            ms.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
        }
        return ms;
    }

    /// <summary>Runs bench/peers/run.sh (installs PyTorch and onnxruntime-node if needed) and reads its JSON; null when it fails.</summary>
    private static JsonNode? RunPeers(string repo, string output)
    {
        Console.WriteLine("running the peers (bench/peers/run.sh: PyTorch export + timing + training, onnxruntime-node timing)...");
        var psi = new ProcessStartInfo("bash", [Path.Combine(repo, "bench", "peers", "run.sh"), output]) { WorkingDirectory = repo, RedirectStandardOutput = true };
        using var p = Process.Start(psi) ?? throw new InvalidInputException("bench/peers/run.sh", "could not start bash");
        p.StandardOutput.ReadToEnd(); // the merged JSON, read from the file below
        p.WaitForExit();
        if (p.ExitCode == 0 && File.Exists(output)) return JsonNode.Parse(File.ReadAllText(output));
        Console.WriteLine($"peers failed (exit {p.ExitCode}); their values are null");
        return null;
    }

    private static double Median(List<double> v)
    {
        var s = v.Order().ToArray();
        return s.Length % 2 == 1 ? s[s.Length / 2] : (s[s.Length / 2 - 1] + s[s.Length / 2]) / 2;
    }

    private static double? MedianOrNull(IEnumerable<double?> values)
    {
        var list = values.Where(v => v.HasValue).Select(v => v!.Value).ToList();
        return list.Count == 0 ? null : R(Median(list));
    }

    private static double R(double v) => Math.Round(v, 4);

    /// <summary>ONNX Runtime session with its input and output bound to fixed buffers (no per-run allocation of tensors).</summary>
    private sealed class OrtRunner : IDisposable
    {
        private readonly InferenceSession _session;
        private readonly OrtValue _in, _out;
        private readonly OrtValue[] _ins, _outs;
        private readonly RunOptions _options = new();
        private readonly string[] _inNames, _outNames;
        private readonly float[] _output;

        public OrtRunner(byte[] model, float[] input, long[] shape, int outputs, int threads)
        {
            using var so = new SessionOptions
            {
                IntraOpNumThreads = threads, InterOpNumThreads = 1, ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
                GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            };
            _session = new InferenceSession(model, so);
            _output = new float[outputs];
            _in = OrtValue.CreateTensorValueFromMemory(input, shape);
            _out = OrtValue.CreateTensorValueFromMemory(_output, [shape[0], outputs / shape[0]]);
            _ins = [_in];
            _outs = [_out];
            _inNames = [_session.InputMetadata.Keys.Single()];
            _outNames = [_session.OutputMetadata.Keys.Single()];
        }

        /// <summary>Output of the last run.</summary>
        public float[] Output => _output;

        public void Run() => _session.Run(_options, _inNames, _ins, _outNames, _outs);

        public void Dispose()
        {
            _in.Dispose(); _out.Dispose(); _options.Dispose(); _session.Dispose();
        }
    }
}
