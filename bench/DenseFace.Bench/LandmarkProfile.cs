using System.Diagnostics;
using System.Drawing;
using DenseFace.Evaluation.Datasets;
using DenseFace.Imaging;
using DenseFace.Landmarks;

namespace DenseFace.Bench;

/// <summary>
/// <c>landmarks-profile [--faces N] [--rounds R]</c>: where one landmark pass spends its time on real photos
/// (helen/testset, box from the ground-truth points): the crop, the network and the decode, timed separately on one
/// thread, each the median over faces x rounds, beside the whole <see cref="LandmarkPredictor.Predict(Image8, RectangleF, PredictionOptions?)"/> call.
/// </summary>
internal static class LandmarkProfile
{
    public static int Run(string[] args)
    {
        int faces = int.Parse(BenchArgs.Arg(args, "--faces") ?? "40"), rounds = int.Parse(BenchArgs.Arg(args, "--rounds") ?? "5");
        string model = BenchArgs.Arg(args, "--model") ?? LandmarkPredictor.DefaultModelDirectory() ?? throw new InvalidInputException("models/landmarks", "no landmark model");
        var predictor = LandmarkPredictor.Load(model);
        var config = LandmarkModelConfig.Load(Path.Combine(model, LandmarkPredictor.ConfigFileName));
        var network = DenseFace.Neural.Network.Create(config.Network with { }, 0);
        network.LoadWeights(Path.Combine(model, LandmarkPredictor.WeightsFileName));
        string dir = Path.Combine(DataRoot.Resolve(), "data/300w/helen/testset");
        var items = Directory.GetFiles(dir, "*.jpg").Order(StringComparer.Ordinal).Take(faces)
            .Select(f => (Image: ImageIO.Load(f), Box: DenseFace.Detection.FaceBox.Tight(PtsFile.Read(Path.ChangeExtension(f, ".pts")).Points).ToRectangle())).ToArray();
        int s = predictor.InputSize;
        var cfg = predictor.Config.Network;
        var plan = network.CompileInference(s, s, 1);
        plan.Compute.MaxDegreeOfParallelism = 1;
        var input = new float[3 * s * s];
        var dense = new PredictedLandmark[predictor.Head.DensePoints];
        var ibug = new PredictedLandmark[LandmarkHead.Ibug68];
        var (crop, net, decode, whole) = (new List<double>(), new List<double>(), new List<double>(), new List<double>());
        var one = new PredictionOptions { Passes = 1 };
        for (int r = -1; r < rounds; r++)
            foreach (var (image, box) in items)
            {
                var roi = FaceRoi.FromBox(box, predictor.Config.RoiScale);
                long t0 = Stopwatch.GetTimestamp();
                LandmarkCrop.Extract(image, roi, s, false, cfg.Mean, cfg.Std, input);
                long t1 = Stopwatch.GetTimestamp();
                var y = plan.Run(input);
                long t2 = Stopwatch.GetTimestamp();
                LandmarkDecoder.Decode(y, predictor.Head, roi, dense, ibug);
                long t3 = Stopwatch.GetTimestamp();
                predictor.Predict(image, box, one);
                long t4 = Stopwatch.GetTimestamp();
                if (r < 0) continue; // warm-up round
                crop.Add(Ms(t0, t1)); net.Add(Ms(t1, t2)); decode.Add(Ms(t2, t3)); whole.Add(Ms(t3, t4));
            }
        Console.WriteLine($"{items.Length} helen/testset faces x {rounds} rounds, one pass, 1 thread; median (min) ms:");
        Console.WriteLine($"  crop     {Median(crop),7:F3} ({crop.Min():F3})");
        Console.WriteLine($"  network  {Median(net),7:F3} ({net.Min():F3})");
        Console.WriteLine($"  decode   {Median(decode),7:F3} ({decode.Min():F3})");
        Console.WriteLine($"  Predict  {Median(whole),7:F3} ({whole.Min():F3})");
        return 0;
    }

    static double Ms(long a, long b) => (b - a) * 1000.0 / Stopwatch.Frequency;
    static double Median(List<double> v) { var o = v.Order().ToArray(); return o[o.Length / 2]; }
}

/// <summary>
/// <c>detect-profile [--images N] [--rounds R] [--long-side S]</c>: the face detector's stages on helen/testset photos,
/// one thread: the resample to the network input (<see cref="DenseFace.Detection.FaceDetector.Preprocess"/>), the YuNet
/// network, and the whole <see cref="DenseFace.Detection.FaceDetector.Detect(Image8)"/> call (decode and NMS included); medians (minima).
/// </summary>
internal static class DetectorProfile
{
    public static int Run(string[] args)
    {
        int images = int.Parse(BenchArgs.Arg(args, "--images") ?? "40"), rounds = int.Parse(BenchArgs.Arg(args, "--rounds") ?? "5");
        int longSide = int.Parse(BenchArgs.Arg(args, "--long-side") ?? "320");
        var network = DenseFace.Neural.Onnx.OnnxNetwork.Load(DenseFace.Detection.FaceDetector.DefaultModelPath);
        var detector = new DenseFace.Detection.FaceDetector(network, new DenseFace.Detection.FaceDetectorOptions { LongSide = longSide });
        var session = network.CreateSession();
        session.Compute.MaxDegreeOfParallelism = 1;
        string dir = Path.Combine(DataRoot.Resolve(), "data/300w/helen/testset");
        var photos = Directory.GetFiles(dir, "*.jpg").Order(StringComparer.Ordinal).Take(images).Select(ImageIO.Load).ToArray();
        var input = new float[3 * 1024 * 1024];
        if (args.Contains("--ops")) return Ops(session, photos[int.Parse(BenchArgs.Arg(args, "--photo") ?? "0")], longSide, input, rounds);
        var (pre, net, whole, prev) = (new List<double>(), new List<double>(), new List<double>(), new List<double>());
        for (int r = -1; r < rounds; r++)
            foreach (var image in photos)
            {
                long t0 = Stopwatch.GetTimestamp();
                DenseFace.Detection.FaceDetector.Preprocess(image, longSide, input, out int w, out int h);
                long t1 = Stopwatch.GetTimestamp();
                session.Run(input.AsSpan(0, 3 * w * h), [1, 3, h, w]);
                long t2 = Stopwatch.GetTimestamp();
                if (args.Contains("--ab"))
                {
                    SetVariant(false);
                    long p0 = Stopwatch.GetTimestamp();
                    session.Run(input.AsSpan(0, 3 * w * h), [1, 3, h, w]);
                    long p1 = Stopwatch.GetTimestamp();
                    SetVariant(true);
                    if (r >= 0) prev.Add(Ms(p0, p1));
                }
                detector.Detect(image);
                long t3 = Stopwatch.GetTimestamp();
                if (r < 0) continue;
                pre.Add(Ms(t0, t1)); net.Add(Ms(t1, t2)); whole.Add(Ms(t2, t3));
            }
        double mp = photos.Average(p => p.Width * (double)p.Height) / 1e6;
        Console.WriteLine($"{photos.Length} helen/testset photos (mean {mp:F2} MP) x {rounds} rounds, long side {longSide}, 1 thread; median (min) ms:");
        Console.WriteLine($"  resample  {Median(pre),7:F3} ({pre.Min():F3})");
        Console.WriteLine($"  network   {Median(net),7:F3} ({net.Min():F3})");
        if (prev.Count > 0)
            Console.WriteLine($"  network, previous kernels {Median(prev),7:F3} ({prev.Min():F3}); median ratio new/previous {Median(net.Zip(prev, (a, b) => a / b).ToList()):F3}");
        Console.WriteLine($"  Detect    {Median(whole),7:F3} ({whole.Min():F3})");
        return 0;
    }

    /// <summary><c>--ops</c>: minimum per network step (<see cref="DenseFace.Neural.Onnx.OnnxSession.Profile"/>) over 20 x rounds runs on the first photo, grouped by kind.</summary>
    static int Ops(DenseFace.Neural.Onnx.OnnxSession session, Image8 image, int longSide, float[] input, int rounds)
    {
        DenseFace.Detection.FaceDetector.Preprocess(image, longSide, input, out int w, out int h);
        // --ab: alternate the new kernels (A) and the previous ones (B) run by run in this process.
        bool ab = Environment.GetCommandLineArgs().Contains("--ab");
        int variants = ab ? 2 : 1;
        var min = new double[variants][];
        var totals = new List<double>[] { new(), new() };
        string[] labels = [];
        for (int r = 0; r < 20 * rounds; r++)
            for (int v = 0; v < variants; v++)
            {
                SetVariant(v == 0);
                var steps = session.Profile(input.AsSpan(0, 3 * w * h), [1, 3, h, w]);
                totals[v].Add(steps.Sum(s => s.Milliseconds));
                if (min[v] == null) { min[v] = steps.Select(s => s.Milliseconds).ToArray(); labels = steps.Select(s => s.Step).ToArray(); }
                else for (int i = 0; i < min[v].Length; i++) min[v][i] = Math.Min(min[v][i], steps[i].Milliseconds);
            }
        SetVariant(true);
        Console.WriteLine($"{w} x {h}, minimum per step over {20 * rounds} runs, ms{(ab ? " (new | previous kernels)" : "")}:");
        for (int i = 0; i < labels.Length; i++) Console.WriteLine($"  {min[0][i],7:F4}{(ab ? $" | {min[1][i],7:F4}" : "")}  {labels[i]}");
        string Kind(string l) => l.StartsWith("Conv k1 g1") ? "1x1" : l.StartsWith("Conv k3 g1 3->") ? "stem" : l.StartsWith("Conv k3") ? "depthwise" : l.Split(' ')[0];
        foreach (var g in labels.Select((l, i) => (Kind: Kind(l), I: i)).GroupBy(t => t.Kind))
            Console.WriteLine($"  {g.Key,-12} {g.Sum(t => min[0][t.I]),7:F3}{(ab ? $" | {g.Sum(t => min[1][t.I]),7:F3}" : "")} ms ({g.Count()} steps)");
        Console.WriteLine($"  total        {min[0].Sum(),7:F3}{(ab ? $" | {min[1].Sum(),7:F3}" : "")} ms (sum of minima); median of the per-run totals {Median(totals[0]):F3}{(ab ? $" | {Median(totals[1]):F3}, median ratio new/previous {Median(totals[0].Zip(totals[1], (a, b) => a / b).ToList()):F3}" : "")}");
        return 0;
    }

    /// <summary>A/B switch: true selects the new kernels, false the previous ones.</summary>
    internal static void SetVariant(bool current)
    {
        // AB_FLAGS (comma list of pointwise, rowpairs, fuse, prefetch, widek) limits the switch to some kernels; default all.
        // Each switch is on by default, so "current" is the library's default state.
        var only = Environment.GetEnvironmentVariable("AB_FLAGS")?.Split(',');
        bool On(string name) => current || (only != null && !only.Contains(name));
        DenseFace.Neural.Kernels.PointwiseConv.Enabled = On("pointwise");
        DenseFace.Neural.Kernels.DepthwiseConv.RowPairs = On("rowpairs");
        DenseFace.Neural.Kernels.PointwiseDepthwise.Enabled = On("fuse");
        DenseFace.Neural.Kernels.PointwiseConv.Prefetch = On("prefetch");
        DenseFace.Neural.Kernels.PointwiseConv.WideK = On("widek");
    }

    static double Ms(long a, long b) => (b - a) * 1000.0 / Stopwatch.Frequency;
    static double Median(List<double> v) { var o = v.Order().ToArray(); return o[o.Length / 2]; }
}
