using DenseFace.Training.Fitting;
using System.CommandLine;
using System.Text.Json;
using DenseFace.FaceModel;
using DenseFace.Fitting;
using Spectre.Console;

namespace DenseFace.Cli.Commands;

/// <summary><c>denseface bench ...</c>: benchmarks of the library's stages (fit, nn), printed and written as JSON.</summary>
internal static class BenchCommand
{
    public static Command Create()
    {
        var cmd = new Command("bench", "Benchmarks (accuracy and speed), printed and written as JSON.");
        cmd.Subcommands.Add(CreateFit());
        cmd.Subcommands.Add(BenchNnCommand.Create());
        cmd.Subcommands.Add(CreateLandmarks());
        cmd.Subcommands.Add(CreatePipeline());
        cmd.Subcommands.Add(CreateTrack());
        cmd.Subcommands.Add(CreateLocalise());
        return cmd;
    }

    /// <summary><c>denseface bench localise --faces N --seed K</c>: detector recall per |yaw| bin with and without the landmark-network window search, and its false alarms.</summary>
    static Command CreateLocalise()
    {
        var faces = new Option<int>("--faces") { Description = "Synthetic renders (|yaw| up to 90).", DefaultValueFactory = _ => 120 };
        var seed = new Option<int>("--seed") { Description = "Generator seed.", DefaultValueFactory = _ => 7000 };
        var sigma = new Option<float>("--max-sigma") { Description = "Acceptance threshold: median 68-point sigma over the ROI side.", DefaultValueFactory = _ => 0.03f };
        var cmd = new Command("localise", "Face localisation: the detector's recall per |yaw| bin, the landmark-network window search as its fallback, false alarms on face-free crops.") { faces, seed, sigma };
        cmd.SetAction(parse => CliErrors.Run(() =>
        {
            int n = parse.GetValue(faces);
            if (n is < 1 or > 100_000) throw new InvalidInputException("--faces", $"{n} is outside 1..100000");
            var r0 = DenseFace.Pipeline.FaceReconstructor.Load();
            var r = DenseFace.Training.Landmarks.LocalisationBenchmark.Run(r0.Model, r0, n, parse.GetValue(seed), parse.GetValue(sigma), i => Console.Error.Write($"\rbench localise: {i}/{n}   "));
            Console.Error.WriteLine();
            string[] bins = ["0-30", "30-60", "60-90"];
            for (int b = 0; b < 3; b++)
                Console.WriteLine($"|yaw| {bins[b]}: {r.Faces[b]} faces, detector {r.DetectorFound[b]} ({100.0 * r.DetectorFound[b] / Math.Max(1, r.Faces[b]):F1} %), with the fallback {r.DetectorFound[b] + r.FallbackFound[b]} ({100.0 * (r.DetectorFound[b] + r.FallbackFound[b]) / Math.Max(1, r.Faces[b]):F1} %)");
            Console.WriteLine($"fallback ran on {r.FallbackTried} renders; false alarms on face-free crops: {r.NonFaceFalseAlarms} of {r.NonFaceImages}");
            static string Q(double[] v) => v.Length == 0 ? "-" : $"{v[0]:F4} / {v[v.Length / 4]:F4} / {v[v.Length / 2]:F4} / {v[3 * v.Length / 4]:F4} / {v[^1]:F4}";
            Console.WriteLine($"winning window's relative sigma (min / q1 / median / q3 / max): missed faces {Q(r.FaceWinnerSigma)}; face-free crops {Q(r.NonFaceWinnerSigma)}");
            return 0;
        }));
        return cmd;
    }

    /// <summary><c>denseface bench track --sequences N --frames T --seed K --json OUT</c>: tracking on animated synthetic heads with known ground truth, with and without the temporal term.</summary>
    static Command CreateTrack()
    {
        var sequences = new Option<int>("--sequences") { Description = "Animated heads (scenes 0..N-1).", DefaultValueFactory = _ => 3 };
        var frames = new Option<int>("--frames") { Description = "Frames per sequence.", DefaultValueFactory = _ => 60 };
        var seed = new Option<int>("--seed") { Description = "Generator seed (training used 1 to 4).", DefaultValueFactory = _ => 3000 };
        var json = new Option<string?>("--json") { Description = "Write the results as JSON to this file." };
        var cmd = new Command("track", "Tracking accuracy on rendered animated heads with known ground truth: pose, landmarks, velocity error, expressions, jitter; with and without the temporal term.") { sequences, frames, seed, json };
        cmd.SetAction(parse => CliErrors.Run(() =>
        {
            int q = parse.GetValue(sequences), t = parse.GetValue(frames);
            if (q is < 1 or > 1000) throw new InvalidInputException("--sequences", $"{q} is outside 1..1000");
            if (t is < 3 or > 10_000) throw new InvalidInputException("--frames", $"{t} is outside 3..10000");
            var reconstructor = DenseFace.Pipeline.FaceReconstructor.Load();
            var r = DenseFace.Training.Landmarks.SyntheticTrackingBenchmark.Run(reconstructor, q, t, parse.GetValue(seed), i => Console.Error.Write($"\rbench track: {i}/{q * t} frames   "));
            Console.Error.WriteLine();
            var table = new Table().AddColumns("fit", "tracked", "rotation deg mean / median", "68-point error %", "velocity error %", "expression error", "jitter % (truth)");
            foreach (var (name, x) in r)
                table.AddRow(name, $"{x.Tracked}/{x.Frames}", $"{x.RotationDegMean:F2} / {x.RotationDegMedian:F2}", $"{x.LandmarkErrorPercent:F2}", $"{x.VelocityErrorPercent:F3}", $"{x.ExpressionError:F3}", $"{x.JitterPercent:F3} ({x.TruthJitterPercent:F3})");
            AnsiConsole.Write(table);
            if (parse.GetValue(json) is string path)
                DenseFace.IO.AtomicFile.WriteAllText(path, JsonSerializer.Serialize(new Dictionary<string, object>
                {
                    ["sequences"] = q, ["frames"] = t, ["seed"] = parse.GetValue(seed),
                    ["runs"] = r.ToDictionary(kv => kv.Key, kv => kv.Value),
                }, new JsonSerializerOptions { WriteIndented = true }) + "\n");
            return 0;
        }));
        return cmd;
    }

    /// <summary>
    /// <c>denseface bench pipeline --images N --json OUT</c>: one thread, photo end to end at 640 px (JPEG decode +
    /// detect + landmarks + fit) with 2 and with 1 landmark pass, interleaved per photo, and a tracking frame
    /// (landmarks + fit, decode excluded) on a video; medians per stage.
    /// </summary>
    static Command CreatePipeline()
    {
        var images = new Option<int>("--images") { Description = "HELEN test photos (resized to 640 px on the long side, JPEG q90 in memory).", DefaultValueFactory = _ => 40 };
        var video = new Option<string?>("--video") { Description = "Video for the tracking frames (default: data/video/obama.mp4)." };
        var json = new Option<string?>("--json") { Description = "Write the results as JSON to this file." };
        var peer = new Option<string?>("--peer") { Description = "Also time a peer on the same photos, one thread: mediapipe." };
        var peerDir = new Option<string?>("--peer-dir") { Description = "The peer's installed folder (default: DATA/tools/peers/mediapipe-facemesh)." };
        var cmd = new Command("pipeline", "End-to-end speed, one thread: photo at 640 px (decode + detect + landmarks + fit) and tracking frame (landmarks + fit).") { images, video, json, peer, peerDir };
        cmd.SetAction(parse => CliErrors.Run(() =>
        {
            int n = parse.GetValue(images);
            if (n is < 1 or > 10_000) throw new InvalidInputException("--images", $"{n} is outside 1..10000");
            string? peerFolder = parse.GetValue(peer) switch
            {
                null => null,
                "mediapipe" => parse.GetValue(peerDir) ?? "",
                var other => throw new InvalidInputException("--peer", $"'{other}' is not a known peer (mediapipe)"),
            };
            var r = DenseFace.Evaluation.Benchmarks.PipelineBenchmark.Run(n, parse.GetValue(video), i => Console.Error.Write($"\rbench pipeline: {i}   "), peerFolder);
            Console.Error.WriteLine();
            var table = new Table().AddColumns("run", "frames", "decode", "detect", "landmarks", "fit", "total (median ms)");
            foreach (var (name, st) in r.Runs)
                table.AddRow(Markup.Escape(name), st.Count.ToString(), $"{st.Decode:F2}", $"{st.Detect:F2}", $"{st.Landmarks:F2}", $"{st.Fit:F2}", $"{st.Total:F2}");
            AnsiConsole.Write(table);
            if (r.Peer is not null) AnsiConsole.MarkupLine($"peer {Markup.Escape(r.Peer)}: {r.PeerMedianMs:F2} ms median per photo (its detector + mesh + iris, one thread, {r.PeerPhotos} photos; no fit)");
            if (parse.GetValue(json) is string path)
            {
                var doc = r.Runs.ToDictionary(kv => kv.Key, kv => new Dictionary<string, double>
                {
                    ["count"] = kv.Value.Count, ["decode_ms"] = kv.Value.Decode, ["detect_ms"] = kv.Value.Detect, ["landmarks_ms"] = kv.Value.Landmarks,
                    ["fit_ms"] = kv.Value.Fit, ["total_ms"] = kv.Value.Total,
                });
                if (r.Peer is not null) doc["peer " + r.Peer] = new() { ["count"] = r.PeerPhotos, ["total_ms"] = r.PeerMedianMs };
                DenseFace.IO.AtomicFile.WriteAllText(path, JsonSerializer.Serialize(doc, new JsonSerializerOptions { WriteIndented = true }) + "\n");
            }
            return 0;
        }));
        return cmd;
    }

    /// <summary><c>denseface bench landmarks --faces N --seed K --json OUT</c>: the landmark network on held-out synthetic renders.</summary>
    static Command CreateLandmarks()
    {
        var faces = new Option<int>("--faces") { Description = "Synthetic renders.", DefaultValueFactory = _ => 100 };
        var seed = new Option<int>("--seed") { Description = "Generator seed (training used 1 and 2).", DefaultValueFactory = _ => 1000 };
        var passes = new Option<int>("--passes") { Description = "Network passes (1 or 2).", DefaultValueFactory = _ => 2 };
        var model = new Option<string?>("--model") { Description = "Model folder (default: the shipped models/landmarks)." };
        var json = new Option<string?>("--json") { Description = "Write the results as JSON to this file." };
        var sweep = new Option<bool>("--fit-sweep") { Description = "Also fit with sigma scaled by 1, 2, 4, 8 and 16, with a constant sigma (the face's median, x1 and x4), and with faster fit settings." };
        var cmd = new Command("landmarks", "Landmark network on held-out synthetic renders: error per face part, visibility accuracy, fit from predicted points vs exact ones.") { faces, seed, passes, model, json, sweep };
        cmd.SetAction(parse => CliErrors.Run(() =>
        {
            int n = parse.GetValue(faces);
            if (n is < 1 or > 100_000) throw new InvalidInputException("--faces", $"{n} is outside 1..100000");
            var m = MorphableModel.Load();
            var predictor = DenseFace.Landmarks.LandmarkPredictor.Load(parse.GetValue(model));
            var r = DenseFace.Training.Landmarks.SyntheticLandmarkBenchmark.Run(m, predictor, n, parse.GetValue(seed), new DenseFace.Landmarks.PredictionOptions { Passes = parse.GetValue(passes) },
                i => { if (i % 10 == 0 || i == n) Console.Error.Write($"\rbench landmarks: {i}/{n}   "); },
                parse.GetValue(sweep) ? FitSweep() : null);
            Console.Error.WriteLine();
            var table = new Table().AddColumns("part", "error % of sqrt(w h) of the 68-point box");
            foreach (var (k, v) in r.ErrorByPart) table.AddRow(k, $"{v:F2}");
            table.AddRow("68 (2D convention)", $"{r.Ibug68Nme:F2}");
            AnsiConsole.Write(table);
            AnsiConsole.MarkupLine($"visibility accuracy {100 * r.VisibilityAccuracy:F1} %; face vertex error of the fit: from predicted points with sigma {r.FitFromPredictedMm:F2} mm, from exact points {r.FitFromExactMm:F2} mm, mean face {r.MeanFaceMm:F2} mm");
            foreach (var (k, v) in r.FitVariants) AnsiConsole.MarkupLine($"  fit variant {Markup.Escape(k)}: vertex {v.VertexMm:F2} mm, rotation mean {v.RotationDeg:F2} / median {v.RotationDegMedian:F2} deg, expression {v.ExpressionError:F3}, fit {v.FitMsMedian:F1} ms");
            if (parse.GetValue(json) is string path)
                DenseFace.IO.AtomicFile.WriteAllText(path, JsonSerializer.Serialize(new Dictionary<string, object>
                {
                    ["faces"] = r.Faces, ["seed"] = parse.GetValue(seed), ["error_percent_by_part"] = r.ErrorByPart, ["ibug68_nme_box_percent"] = r.Ibug68Nme,
                    ["visibility_accuracy"] = r.VisibilityAccuracy, ["fit_vertex_error_mm_predicted"] = r.FitFromPredictedMm,
                    ["fit_vertex_error_mm_exact"] = r.FitFromExactMm, ["mean_face_vertex_error_mm"] = r.MeanFaceMm, ["fit_variants"] = r.FitVariants.ToDictionary(kv => kv.Key, kv => new Dictionary<string, double> { ["vertex_mm"] = kv.Value.VertexMm, ["rotation_deg_mean"] = kv.Value.RotationDeg, ["rotation_deg_median"] = kv.Value.RotationDegMedian, ["expression_error"] = kv.Value.ExpressionError, ["fit_ms_median"] = kv.Value.FitMsMedian }),
                }, new JsonSerializerOptions { WriteIndented = true }) + "\n");
            return 0;
        }));
        return cmd;
    }

    /// <summary>The variants of <c>bench landmarks --fit-sweep</c>.</summary>
    static IReadOnlyList<DenseFace.Training.Landmarks.FitVariant> FitSweep()
    {
        var d = DenseFace.Pipeline.ReconstructionOptions.Default;
        var list = new List<DenseFace.Training.Landmarks.FitVariant>();
        foreach (float s in new[] { 1f, 2f, 4f, 8f, 16f }) list.Add(new($"sigma x{s}", d with { SigmaScale = s }));
        list.Add(new("constant sigma (median)", d, ConstantSigma: true));
        list.Add(new("constant sigma (median) x4", d with { SigmaScale = 4 }, ConstantSigma: true));
        var full = new DenseFace.Fitting.FitOptions();
        list.Add(new("x8, 60 identity modes, 5 focal lengths, 60 iterations (FitOptions defaults)", d with { Fit = full }));
        list.Add(new("x8, 60 identity modes", d with { Fit = d.Fit with { IdentityModes = 60 } }));
        return list;
    }

    /// <summary><c>denseface bench fit --layout ibug68|rt320|dense520|full703 --frames N --json OUT</c>.</summary>
    static Command CreateFit()
    {
        var layout = new Option<string>("--layout") { Description = "Landmark layout: ibug68 (sliding jaw contour), ibug68fixed, rt320, dense520, full703, or dense<N> (N farthest-point face vertices).", DefaultValueFactory = _ => "ibug68" };
        var frames = new Option<int>("--frames") { Description = "Frames of the tracked synthetic sequence.", DefaultValueFactory = _ => 100 };
        var faces = new Option<int>("--faces") { Description = "Random faces for single-image fits.", DefaultValueFactory = _ => 20 };
        var seed = new Option<int>("--seed") { Description = "Random seed.", DefaultValueFactory = _ => 1 };
        var sigma = new Option<float>("--sigma") { Description = "Landmark noise sigma in pixels.", DefaultValueFactory = _ => 1.5f };
        var ablations = new Option<bool>("--ablations") { Description = "Also run ibug68 vs rt320 vs dense520 vs full703 and per-landmark vs fixed sigma with half the landmarks 5x noisier." };
        var json = new Option<string?>("--json") { Description = "Write the results as JSON to this file." };
        var cmd = new Command("fit", "Fit the face model to synthetic noisy landmarks: accuracy and speed (single thread).")
        {
            layout, frames, faces, seed, sigma, ablations, json,
        };
        cmd.SetAction(parse => CliErrors.Run(() =>
        {
            AnsiConsole.Profile.Width = Math.Max(AnsiConsole.Profile.Width, 200);
            var model = MorphableModel.Load();
            var settings = new FitBenchmarkSettings
            {
                Layout = parse.GetValue(layout)!, Frames = parse.GetValue(frames), Faces = parse.GetValue(faces), Seed = parse.GetValue(seed),
                Synthetic = new SyntheticFaceOptions { Sigma = parse.GetValue(sigma) },
            };
            if (!(settings.Synthetic.Sigma > 0) || !float.IsFinite(settings.Synthetic.Sigma)) throw new InvalidInputException("--sigma", "must be a positive number of pixels");
            var runs = new List<(string Name, FitBenchmarkResult Result)> { ("main", FitBenchmark.Run(model, settings)) };
            if (parse.GetValue(ablations)) runs.AddRange(FitBenchmark.RunAblations(model, settings));
            var table = new Table().AddColumns("run", "layout", "landmarks", "full fit ms (cpu)", "track ms/frame (cpu)", "vertex mm median (mean face)", "mean", "procrustes median", "pose deg median", "expr err", "reproj px", "focal err %");
            foreach (var (name, r) in runs)
                table.AddRow(name, r.Layout, $"{r.Landmarks}", $"{r.FullFitMs:F2} ({r.FullFitCpuMs:F2})", $"{r.TrackingMsPerFrame:F3} ({r.TrackingCpuMsPerFrame:F3})", $"{r.FaceVertexErrorMmMedian:F2} ({r.MeanFaceVertexErrorMmMedian:F2})", $"{r.FaceVertexErrorMmMean:F2}",
                    $"{r.FaceVertexErrorProcrustesMmMedian:F2}", $"{r.PoseErrorDegMedian:F2}", $"{r.ExpressionErrorMean:F3}", $"{r.ReprojectionRmsPx:F2}", $"{r.FocalErrorPercentMedian:F1}");
            AnsiConsole.Write(table);
            var main = runs[0].Result;
            AnsiConsole.MarkupLine($"tracking: pose error median {main.TrackingPoseErrorDegMedian:F2} deg, vertex error median {main.TrackingVertexErrorMmMedian:F2} mm, expression error {main.TrackingExpressionErrorMean:F3}; {main.MeanActiveExpressionsPerLandmark:F1} expressions per landmark on average");
            if (parse.GetValue(json) is string path)
            {
                var doc = new Dictionary<string, object?>
                {
                    ["layout"] = main.Layout, ["landmarks"] = main.Landmarks, ["frames"] = main.Frames, ["faces"] = main.Faces,
                    ["tracking_ms_per_frame"] = main.TrackingMsPerFrame, ["full_fit_ms"] = main.FullFitMs,
                    ["tracking_cpu_ms_per_frame"] = main.TrackingCpuMsPerFrame, ["full_fit_cpu_ms"] = main.FullFitCpuMs,
                    ["face_vertex_error_mm_median"] = main.FaceVertexErrorMmMedian, ["face_vertex_error_mm_mean"] = main.FaceVertexErrorMmMean,
                    ["mean_face_vertex_error_mm_median"] = main.MeanFaceVertexErrorMmMedian,
                    ["face_vertex_error_procrustes_mm_median"] = main.FaceVertexErrorProcrustesMmMedian,
                    ["pose_error_deg_median"] = main.PoseErrorDegMedian, ["expression_error_mean"] = main.ExpressionErrorMean,
                    ["reprojection_rms_px"] = main.ReprojectionRmsPx, ["focal_error_percent_median"] = main.FocalErrorPercentMedian,
                    ["tracking_pose_error_deg_median"] = main.TrackingPoseErrorDegMedian, ["tracking_vertex_error_mm_median"] = main.TrackingVertexErrorMmMedian,
                    ["tracking_expression_error_mean"] = main.TrackingExpressionErrorMean,
                    ["ablations"] = runs.Skip(1).Select(r => new Dictionary<string, object?>
                    {
                        ["name"] = r.Name, ["layout"] = r.Result.Layout, ["landmarks"] = r.Result.Landmarks, ["full_fit_ms"] = r.Result.FullFitMs, ["full_fit_cpu_ms"] = r.Result.FullFitCpuMs,
                        ["tracking_ms_per_frame"] = r.Result.TrackingMsPerFrame, ["face_vertex_error_mm_median"] = r.Result.FaceVertexErrorMmMedian, ["mean_face_vertex_error_mm_median"] = r.Result.MeanFaceVertexErrorMmMedian,
                        ["face_vertex_error_procrustes_mm_median"] = r.Result.FaceVertexErrorProcrustesMmMedian, ["pose_error_deg_median"] = r.Result.PoseErrorDegMedian,
                        ["expression_error_mean"] = r.Result.ExpressionErrorMean, ["reprojection_rms_px"] = r.Result.ReprojectionRmsPx,
                    }).ToList(),
                };
                var dir = Path.GetDirectoryName(Path.GetFullPath(path));
                if (dir is not null) Directory.CreateDirectory(dir);
                File.WriteAllText(path, JsonSerializer.Serialize(doc, new JsonSerializerOptions { WriteIndented = true }));
            }
            return 0;
        }));
        return cmd;
    }
}
