using static DenseFace.Bench.BenchArgs;
using System.Text.Json;
using DenseFace.Detection;
using DenseFace.Evaluation.Datasets;
using DenseFace.Imaging;
using DenseFace.Landmarks;
using DenseFace.Neural;
using Microsoft.ML.OnnxRuntime;

namespace DenseFace.Bench;

/// <summary>
/// <c>dotnet run -c Release --project bench/DenseFace.Bench -- onnx-landmarks [--model DIR] [--onnx FILE] [--faces N] [--json OUT]</c>:
/// exports a landmark model (default: the shipped one) with <see cref="LandmarkPredictor.SaveOnnx"/>, runs the file in
/// ONNX Runtime (NuGet, one thread) and compares with our BN-folded plan, max |ORT - ours| per output section
/// (dense mu, dense log sigma, visibility logits, 68-point mu and log sigma), on real crops (the first N HELEN test
/// photos, ROI from their .pts box; <c>--faces 0</c> skips them) and on one N(0, 1) input.
/// </summary>
internal static class LandmarkOnnxCheck
{
    public static int Run(string[] args)
    {
        string dir = Arg(args, "--model") ?? LandmarkPredictor.DefaultModelDirectory() ?? throw new InvalidInputException("models/landmarks", "no landmark model found");
        string onnx = Arg(args, "--onnx") ?? Path.Combine(Path.GetTempPath(), $"denseface-landmarks-{Environment.ProcessId}.onnx");
        int faces = int.Parse(Arg(args, "--faces") ?? "20");
        var config = LandmarkModelConfig.Load(Path.Combine(dir, LandmarkPredictor.ConfigFileName));
        var layout = config.Validate(dir);
        var head = config.Head(layout);
        var net = Network.Create(config.Network);
        net.LoadWeights(Path.Combine(dir, LandmarkPredictor.WeightsFileName));
        LandmarkPredictor.SaveOnnx(onnx, config, net);
        int s = config.Network.InputSize;
        var plan = net.CompileInference(s, s);
        plan.Compute.MaxDegreeOfParallelism = 1;
        using var options = new SessionOptions { IntraOpNumThreads = 1, InterOpNumThreads = 1, ExecutionMode = ExecutionMode.ORT_SEQUENTIAL };
        using var session = new InferenceSession(onnx, options);

        var inputs = new List<(string Name, float[] X)>();
        var photos = faces > 0 ? Directory.EnumerateFiles(DataRoot.Path("data", "300w", "helen", "testset"), "*.jpg").Order().Take(faces) : [];
        foreach (var photo in photos)
        {
            var pts = PtsFile.Read(Path.ChangeExtension(photo, ".pts"));
            var roi = FaceRoi.FromBox(FaceBox.Tight(pts.Points).ToRectangle(), config.RoiScale);
            var x = new float[3 * s * s];
            LandmarkCrop.Extract(ImageIO.Load(photo), roi, s, false, config.Network.Mean, config.Network.Std, x);
            inputs.Add((Path.GetFileName(photo), x));
        }
        var rng = new RandomSource(5);
        var noise = new float[3 * s * s];
        for (int i = 0; i < noise.Length; i++) noise[i] = (float)rng.NextGaussian();
        inputs.Add(("N(0,1) input", noise));

        // sections of the output vector (LandmarkHead)
        var sections = new (string Name, Func<int, bool> Contains)[]
        {
            ("dense_mu", i => i < head.Visibility(0) && i % 3 != 2),
            ("dense_log_sigma", i => i < head.Visibility(0) && i % 3 == 2),
            ("visibility_logit", i => i >= head.Visibility(0) && i < head.Ibug(0)),
            ("ibug68_mu", i => i >= head.Ibug(0) && (i - head.Ibug(0)) % 3 != 2),
            ("ibug68_log_sigma", i => i >= head.Ibug(0) && (i - head.Ibug(0)) % 3 == 2),
        };
        var worst = sections.ToDictionary(t => t.Name, _ => 0.0);
        double worstNoise = 0, maxMagnitude = 0;
        foreach (var (name, x) in inputs)
        {
            var ours = plan.Run(x).ToArray();
            using var results = session.Run([NamedOnnxValue.CreateFromTensor("input", new Microsoft.ML.OnnxRuntime.Tensors.DenseTensor<float>(x, [1, 3, s, s]))]);
            var ort = results.First().AsEnumerable<float>().ToArray();
            double all = 0;
            for (int i = 0; i < ours.Length; i++)
            {
                double d = Math.Abs(ours[i] - ort[i]);
                all = Math.Max(all, d);
                maxMagnitude = Math.Max(maxMagnitude, Math.Abs(ours[i]));
                if (name.StartsWith("N(0")) continue;
                foreach (var (sec, contains) in sections)
                    if (contains(i)) worst[sec] = Math.Max(worst[sec], d);
            }
            if (name.StartsWith("N(0")) worstNoise = all;
        }
        var report = new Dictionary<string, object>
        {
            ["model"] = dir, ["onnx"] = onnx, ["onnx_bytes"] = new FileInfo(onnx).Length,
            ["real_crops"] = inputs.Count - 1, ["max_abs_diff_real_crops_by_section"] = worst,
            ["max_abs_diff_real_crops"] = worst.Values.Max(), ["max_abs_diff_noise_input"] = worstNoise,
            ["max_abs_output"] = maxMagnitude,
            ["onnxruntime"] = typeof(InferenceSession).Assembly.GetName().Version?.ToString() ?? "",
        };
        string text = JsonSerializer.Serialize(report, new JsonSerializerOptions { WriteIndented = true });
        Console.WriteLine(text);
        if (Arg(args, "--json") is { } json) DenseFace.IO.AtomicFile.WriteAllText(json, text + "\n");
        if (Arg(args, "--onnx") == null) File.Delete(onnx);
        return 0;
    }
}
