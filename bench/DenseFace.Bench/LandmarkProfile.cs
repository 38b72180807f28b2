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
        var (pre, net, whole) = (new List<double>(), new List<double>(), new List<double>());
        for (int r = -1; r < rounds; r++)
            foreach (var image in photos)
            {
                long t0 = Stopwatch.GetTimestamp();
                DenseFace.Detection.FaceDetector.Preprocess(image, longSide, input, out int w, out int h);
                long t1 = Stopwatch.GetTimestamp();
                session.Run(input.AsSpan(0, 3 * w * h), [1, 3, h, w]);
                long t2 = Stopwatch.GetTimestamp();
                detector.Detect(image);
                long t3 = Stopwatch.GetTimestamp();
                if (r < 0) continue;
                pre.Add(Ms(t0, t1)); net.Add(Ms(t1, t2)); whole.Add(Ms(t2, t3));
            }
        double mp = photos.Average(p => p.Width * (double)p.Height) / 1e6;
        Console.WriteLine($"{photos.Length} helen/testset photos (mean {mp:F2} MP) x {rounds} rounds, long side {longSide}, 1 thread; median (min) ms:");
        Console.WriteLine($"  resample  {Median(pre),7:F3} ({pre.Min():F3})");
        Console.WriteLine($"  network   {Median(net),7:F3} ({net.Min():F3})");
        Console.WriteLine($"  Detect    {Median(whole),7:F3} ({whole.Min():F3})");
        return 0;
    }

    static double Ms(long a, long b) => (b - a) * 1000.0 / Stopwatch.Frequency;
    static double Median(List<double> v) { var o = v.Order().ToArray(); return o[o.Length / 2]; }
}
