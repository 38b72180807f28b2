using static DenseFace.Bench.BenchArgs;
using System.Diagnostics;
using System.Text.Json;
using DenseFace.Detection;
using DenseFace.Evaluation.Datasets;
using DenseFace.Imaging;
using DenseFace.Neural.Onnx;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace DenseFace.Bench;

/// <summary>
/// <c>dotnet run -c Release --project bench/DenseFace.Bench -- detect [--json OUT] [--fit-box68 FILE] [--sheet PNG] [--speed-images N] [--speed-only] [--ab]</c>:
/// (1) fits the YuNet -> 68-point box regression on the 300-W training photos (afw, helen/trainset, lfpw/trainset) and
/// optionally writes it (the shipped models/detection/box68_regression.json); (2) checks it on helen/testset (mean IoU,
/// centre and scale error); (3) recall and unannotated detections on afw and helen/testset; (4) one-thread speed of our
/// engine vs ONNX Runtime on the same inputs at long side 320 and 640 (medians, alternated in one run).
/// Matching rule: an annotated face (tight box of its 68 points) is found when a detection's 68-point box estimate
/// overlaps it by IoU &gt;= 0.5. 300-W stores one copy of a photo per annotated face (NAME_1.jpg, NAME_2.jpg, ...): the
/// copies are grouped by photo, every annotated face of the photo counts, and a detection matching none of them is
/// "unannotated" (another person in the photo, or a false detection: the contact sheet tells them apart).
/// </summary>
internal static class DetectionEvaluation
{
    private sealed record Photo(string Key, string ImagePath, List<FaceBox> Faces);

    public static int Run(string[] args)
    {
        string? json = Arg(args, "--json"), fitOut = Arg(args, "--fit-box68"), sheet = Arg(args, "--sheet");
        int speedImages = int.Parse(Arg(args, "--speed-images") ?? "20");
        bool speedOnly = args.Contains("--speed-only");
        string modelPath = FaceDetector.DefaultModelPath;
        var net = OnnxNetwork.Load(modelPath);
        var report = new Dictionary<string, object>
        {
            ["date_utc"] = DateTime.UtcNow.ToString("u"), ["machine"] = $"{Environment.ProcessorCount} CPUs",
            ["model"] = Path.GetFileName(modelPath),
        };

        if (speedOnly)
        {
            report["speed_ms_1thread"] = Speed(net, modelPath, Photos("helen/testset").Take(speedImages).ToList(), args.Contains("--ab"));
            if (json != null) DenseFace.IO.AtomicFile.WriteAllText(json, JsonSerializer.Serialize(report, new JsonSerializerOptions { WriteIndented = true }) + "\n");
            return 0;
        }

        // (1) fit: detections at the default setting, paired with the annotated face they overlap most (IoU of YuNet's box >= 0.3)
        var raw = new FaceDetector(net, new FaceDetectorOptions(), new Box68Regression(new double[48]));
        var train = Photos("afw", "helen/trainset", "lfpw/trainset");
        var samples = new List<(FaceBox, Keypoints5, FaceBox)>();
        var clock = Stopwatch.StartNew();
        var perPhoto = Detect(raw, train);
        foreach (var (photo, faces) in perPhoto)
            foreach (var gt in photo.Faces)
            {
                var best = faces.Select(f => (f, iou: FaceBox.IoU(f.Box, gt))).OrderByDescending(t => t.iou).FirstOrDefault();
                if (best.iou >= 0.3f) samples.Add((best.f.Box, best.f.Keypoints, gt));
            }
        int trainFaces = train.Sum(p => p.Faces.Count);
        var box68 = Box68Regression.Fit(samples);
        Console.WriteLine($"fit: {samples.Count} of {trainFaces} training faces paired ({train.Count} photos, {clock.Elapsed.TotalSeconds:F0} s)");
        report["box68_fit"] = new { training_faces = trainFaces, training_photos = train.Count, paired = samples.Count };
        if (fitOut != null)
            DenseFace.IO.AtomicFile.WriteAllText(fitOut, box68.ToJson(new Dictionary<string, object>
            {
                ["fitted_on"] = $"{samples.Count} YuNet detections (long side 320, score >= 0.6) paired with 300-W training faces (afw, helen/trainset, lfpw/trainset); ridge 1e-3",
                ["reproduce"] = "dotnet run -c Release --project bench/DenseFace.Bench -- detect --fit-box68 models/detection/box68_regression.json",
            }) + "\n");

        // (2) + (3): with the fitted regression
        var detectors = new Dictionary<string, FaceDetector>
        {
            ["320"] = new(net, new FaceDetectorOptions(), box68),
            ["640"] = new(net, new FaceDetectorOptions { LongSide = 640 }, box68),
        };
        var recall = new Dictionary<string, object>();
        var unmatchedCrops = new List<(Photo, FaceBox)>();
        foreach (var set in new[] { "helen/testset", "afw" })
        {
            var photos = Photos(set);
            foreach (var (name, det) in detectors)
            {
                var results = Detect(det, photos);
                int faces = 0, found = 0, unmatched = 0, detections = 0;
                var ious = new List<double>();
                var centre = new List<double>();
                var scale = new List<double>();
                foreach (var (photo, dets) in results)
                {
                    detections += dets.Count;
                    faces += photo.Faces.Count;
                    foreach (var gt in photo.Faces)
                    {
                        var best = dets.Select(f => (f, iou: FaceBox.IoU(f.Box68, gt))).OrderByDescending(t => t.iou).FirstOrDefault();
                        if (best.iou < 0.5f) continue;
                        found++;
                        double s = Math.Sqrt(gt.Width * gt.Height);
                        ious.Add(best.iou);
                        centre.Add((best.f.Box68.Centre - gt.Centre).Length() / s);
                        scale.Add(Math.Log(Math.Sqrt(best.f.Box68.Width * best.f.Box68.Height) / s));
                    }
                    foreach (var d in dets)
                        if (!photo.Faces.Any(gt => FaceBox.IoU(d.Box68, gt) >= 0.5f))
                        {
                            unmatched++;
                            if (name == "320") unmatchedCrops.Add((photo, d.Box));
                        }
                }
                // box accuracy over every annotated face, with the best-overlapping detection (also those under 0.5)
                var all = results.SelectMany(r => r.Item1.Faces.Select(gt => r.Item2.Select(f => FaceBox.IoU(f.Box68, gt)).DefaultIfEmpty(0).Max())).ToList();
                var entry = new
                {
                    photos = photos.Count, annotated_faces = faces, found, recall = Math.Round((double)found / faces, 4),
                    detections, unannotated_detections = unmatched,
                    box68_mean_iou_found = Math.Round(ious.DefaultIfEmpty(0).Average(), 4),
                    box68_mean_iou_all = Math.Round(all.Average(), 4),
                    box68_centre_error_mean = Math.Round(centre.DefaultIfEmpty(0).Average(), 4),
                    box68_centre_error_median = Math.Round(Median(centre), 4),
                    box68_scale_error_mean_abs_log = Math.Round(scale.Select(Math.Abs).DefaultIfEmpty(0).Average(), 4),
                    box68_scale_bias_log = Math.Round(scale.DefaultIfEmpty(0).Average(), 4),
                };
                recall[$"{set}@{name}"] = entry;
                Console.WriteLine($"{set} @ {name}: {JsonSerializer.Serialize(entry)}");
            }
        }
        report["accuracy"] = recall;
        if (sheet != null) ContactSheet(unmatchedCrops, sheet);

        // (4) speed
        report["speed_ms_1thread"] = Speed(net, modelPath, Photos("helen/testset").Take(speedImages).ToList(), args.Contains("--ab"));
        if (json != null) DenseFace.IO.AtomicFile.WriteAllText(json, JsonSerializer.Serialize(report, new JsonSerializerOptions { WriteIndented = true }) + "\n");
        return 0;
    }

    private static double Median(IEnumerable<double> values)
    {
        var v = values.Order().ToArray();
        return v.Length == 0 ? double.NaN : v.Length % 2 == 1 ? v[v.Length / 2] : (v[v.Length / 2 - 1] + v[v.Length / 2]) / 2;
    }

    /// <summary>The photos of 300-W folders, copies of one photo (NAME_k) grouped with all their annotated faces.</summary>
    private static List<Photo> Photos(params string[] sets)
    {
        var photos = new List<Photo>();
        foreach (var set in sets)
        {
            var scan = DatasetScanner.Scan(DataRoot.Path(["data", "300w", .. set.Split('/')]), expectedPointCount: 68);
            foreach (var g in scan.Items.GroupBy(i => GroupKey(i.ImagePath)))
                photos.Add(new Photo(set + "/" + g.Key, g.First().ImagePath, g.Select(i => FaceBox.Tight(i.Landmarks.Points)).ToList()));
        }
        return photos;
    }

    private static string GroupKey(string path)
    {
        var stem = Path.GetFileNameWithoutExtension(path);
        int u = stem.LastIndexOf('_');
        // afw / helen: DIGITS_k (k = face number); lfpw's image_0001 is one photo per file
        return u > 0 && stem[..u].All(char.IsAsciiDigit) && int.TryParse(stem[(u + 1)..], out _) ? stem[..u] : stem;
    }

    private static List<(Photo, List<DetectedFace>)> Detect(FaceDetector detector, List<Photo> photos)
    {
        var results = new (Photo, List<DetectedFace>)[photos.Count];
        Parallel.For(0, photos.Count, new ParallelOptions { MaxDegreeOfParallelism = 2 }, i =>
            results[i] = (photos[i], detector.Detect(ImageIO.Load(photos[i].ImagePath))));
        return results.ToList();
    }

    /// <summary>Crops of unannotated detections (YuNet box enlarged 1.5x, 96 px tiles), to look at.</summary>
    private static void ContactSheet(List<(Photo Photo, FaceBox Box)> crops, string path)
    {
        const int tile = 96, cols = 16;
        int n = Math.Min(crops.Count, 256), rows = Math.Max(1, (n + cols - 1) / cols);
        var sheet = new Image8(cols * tile, rows * tile, 3);
        for (int k = 0; k < n; k++)
        {
            var (photo, b) = crops[k];
            var img = ImageIO.Load(photo.ImagePath);
            if (img.Channels != 3) img = img.ConvertTo(3);
            var c = b.Centre;
            var map = DenseFace.Geometry.AffineTransform2D.SimilarityFromBox(c.X, c.Y, 1.5 * Math.Max(b.Width, b.Height), tile);
            var t = ImageWarp.WarpAffine(img, map, tile, tile, WarpFilter.Area);
            for (int y = 0; y < tile; y++)
                Array.Copy(t.Pixels, y * tile * 3, sheet.Pixels, (((k / cols) * tile + y) * sheet.Width + (k % cols) * tile) * 3, tile * 3);
        }
        ImageIO.Save(sheet, path);
        Console.WriteLine($"{crops.Count} unannotated detections, first {n} in {path}");
    }

    /// <summary>Median network time (and our full Detect) per long side, ours and ONNX Runtime alternated on the same inputs.</summary>
    private static Dictionary<string, object> Speed(OnnxNetwork net, string modelPath, List<Photo> photos, bool ab)
    {
        var result = new Dictionary<string, object>();
        var session = net.CreateSession();
        using var ort = new InferenceSession(modelPath, new SessionOptions
        {
            IntraOpNumThreads = 1, InterOpNumThreads = 1, ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
        });
        var images = photos.Select(p => ImageIO.Load(p.ImagePath)).ToList();
        foreach (int side in new[] { 320, 640 })
        {
            var ours = new List<double>();
            var theirs = new List<double>();
            var full = new List<double>();
            var previous = new List<double>();
            var detector = new FaceDetector(net, new FaceDetectorOptions { LongSide = side });
            var faces = new List<DetectedFace>();
            string shape = "";
            foreach (var image in images)
            {
                var (pw, ph, _) = FaceDetector.InputSize(image.Width, image.Height, side);
                shape = $"{pw}x{ph}";
                var input = new float[3 * pw * ph];
                FaceDetector.Preprocess(image, side, input, out _, out _);
                int[] dims = [1, 3, ph, pw];
                var tensor = new DenseTensor<float>(input, dims);
                var feeds = new[] { NamedOnnxValue.CreateFromTensor("input", tensor) };
                for (int r = 0; r < 13; r++)
                {
                    // With --ab, the same network with the previous kernels (DetectorProfile.SetVariant) runs too; the
                    // order of the two variants flips every run so neither always follows ONNX Runtime.
                    double d = 0;
                    var sw = Stopwatch.StartNew();
                    if (ab && r % 2 == 1) d = RunPrevious();
                    sw.Restart();
                    session.Run(input, dims);
                    double a = sw.Elapsed.TotalMilliseconds;
                    sw.Restart();
                    using (var outs = ort.Run(feeds)) { }
                    double b = sw.Elapsed.TotalMilliseconds;
                    if (ab && r % 2 == 0) d = RunPrevious();
                    sw.Restart();
                    detector.Detect(image, faces);
                    double c = sw.Elapsed.TotalMilliseconds;
                    if (r < 3) continue; // warm-up
                    ours.Add(a); theirs.Add(b); full.Add(c); previous.Add(d);
                }

                double RunPrevious()
                {
                    DetectorProfile.SetVariant(false);
                    var t = Stopwatch.StartNew();
                    session.Run(input, dims);
                    double ms = t.Elapsed.TotalMilliseconds;
                    DetectorProfile.SetVariant(true);
                    return ms;
                }
            }
            var entry = new
            {
                images = images.Count, runs_per_image = 10, input_example = shape,
                ours_network_median = Math.Round(Median(ours), 3), onnxruntime_network_median = Math.Round(Median(theirs), 3),
                ours_network_min = Math.Round(ours.Min(), 3), onnxruntime_network_min = Math.Round(theirs.Min(), 3),
                ours_over_onnxruntime_median_ratio = Math.Round(Median(ours.Zip(theirs, (a, b) => a / b).ToList()), 3),
                ours_detect_median = Math.Round(Median(full), 3),
                previous_kernels_network_median = ab ? Math.Round(Median(previous), 3) : (double?)null,
                previous_kernels_network_min = ab ? Math.Round(previous.Min(), 3) : (double?)null,
                ours_over_previous_median_ratio = ab ? Math.Round(Median(ours.Zip(previous, (a, b) => a / b).ToList()), 3) : (double?)null,
                onnxruntime_version = typeof(InferenceSession).Assembly.GetName().Version?.ToString(),
            };
            result[side.ToString()] = entry;
            Console.WriteLine($"speed @ {side}: {JsonSerializer.Serialize(entry)}");
        }
        return result;
    }
}
