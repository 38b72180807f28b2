using System.CommandLine;
using System.Globalization;
using System.Numerics;
using System.Text;
using System.Text.Json;
using DenseFace.Evaluation.Metrics;
using DenseFace.Imaging;
using DenseFace.Imaging.Video;
using DenseFace.IO;
using DenseFace.Landmarks;
using DenseFace.Pipeline;
using Spectre.Console;

namespace DenseFace.Cli.Commands;

/// <summary>
/// <c>denseface track VIDEO|DIR --out DIR [--no-temporal] [--compare-temporal] [--max-frames N] [--no-video]</c>:
/// <see cref="FaceTracker"/> on every frame of each video (decoded by ffmpeg). Per video: &lt;stem&gt;.frames.jsonl
/// (the reconstruct keys plus "frame" and "time_s"), &lt;stem&gt;.blendshapes.csv (time and the 53 weights per frame),
/// &lt;stem&gt;.overlay.mp4 and &lt;stem&gt;.summary.json (jitter, detections, median stage timings). Each file is
/// written atomically when its video is done; a rerun skips videos whose summary exists; a bad video is skipped.
/// </summary>
internal static class TrackCommand
{
    static readonly string[] VideoExtensions = [".mp4", ".mov", ".mkv", ".avi", ".webm", ".m4v"];

    public static Command Create()
    {
        var input = new Argument<string>("input") { Description = "A video file or a folder of videos." };
        var output = new Option<string>("--out") { Description = "Output folder.", DefaultValueFactory = _ => "out/track" };
        var noTemporal = new Option<bool>("--no-temporal") { Description = "Fit every frame without the temporal term." };
        var compare = new Option<bool>("--compare-temporal") { Description = "Also track without the temporal term and print the jitter of both." };
        var maxFrames = new Option<int>("--max-frames") { Description = "Stop after this many frames per video (0 = all).", DefaultValueFactory = _ => 0 };
        var noVideo = new Option<bool>("--no-video") { Description = "Do not write the overlay video." };
        var focal = new Option<float?>("--focal") { Description = "Focal length in pixels (default: estimated)." };
        var model = new Option<string?>("--model") { Description = "Landmark model folder (default: the shipped models/landmarks)." };
        var cmd = new Command("track", "Track the face through videos: per-frame dense landmarks, pose, expressions (temporal fit), blendshape curves, overlay video.")
        {
            input, output, noTemporal, compare, maxFrames, noVideo, focal, model,
        };
        cmd.SetAction(parse => CliErrors.Run(() =>
        {
            string path = Path.GetFullPath(parse.GetValue(input)!);
            var videos = Directory.Exists(path)
                ? Directory.EnumerateFiles(path).Where(f => VideoExtensions.Contains(Path.GetExtension(f).ToLowerInvariant())).Order(StringComparer.Ordinal).ToList()
                : File.Exists(path) ? [path] : throw new InvalidInputException(path, "no such video or folder");
            if (videos.Count == 0) throw new InvalidInputException(path, $"has no videos ({string.Join(", ", VideoExtensions)})");
            int limit = parse.GetValue(maxFrames);
            if (limit < 0) throw new InvalidInputException("--max-frames", $"{limit} must be 0 (all) or positive");
            string outDir = Path.GetFullPath(parse.GetValue(output)!);
            Directory.CreateDirectory(outDir);
            var reconstructor = FaceReconstructor.Load(new ReconstructionOptions { FocalPx = parse.GetValue(focal) }, parse.GetValue(model));
            bool temporal = !parse.GetValue(noTemporal), writeVideo = !parse.GetValue(noVideo), both = parse.GetValue(compare);
            var problems = new List<(string, string)>();
            var table = new Table().AddColumns("video", "fit", "frames", "tracked", "detector runs", "landmark jitter % (network)", "landmark jitter % (fit)", "pose jitter deg", "blendshape jitter", "ms/frame landmarks + fit");
            foreach (var video in videos)
            {
                string stem = Path.GetFileNameWithoutExtension(video);
                if (File.Exists(Path.Combine(outDir, stem + ".summary.json"))) { Console.WriteLine($"{stem}: done before (summary exists), skipped"); continue; }
                try
                {
                    var runs = new List<(string Name, Run Run)> { (temporal ? "temporal" : "per frame", TrackVideo(reconstructor, video, outDir, stem, temporal, limit, writeVideo, write: true)) };
                    if (both) runs.Add((temporal ? "per frame" : "temporal", TrackVideo(reconstructor, video, outDir, stem, !temporal, limit, false, write: false)));
                    foreach (var (name, r) in runs)
                        table.AddRow(Markup.Escape(stem), name, r.Frames.ToString(), r.Tracked.ToString(), r.Detections.ToString(), $"{100 * r.NetworkJitter:F3}", $"{100 * r.FitJitter:F3}",
                            $"{r.PoseJitter:F3}", $"{r.BlendshapeJitter:F4}", $"{r.LandmarksMs:F2} + {r.FitMs:F2}");
                    var summary = new Dictionary<string, object>
                    {
                        ["video"] = video,
                        ["runs"] = runs.Select(x => x.Run.ToJson(x.Name)).ToList(),
                        ["jitter_definition"] = "mean |x(t+1) - 2x(t) + x(t-1)| over consecutive tracked frames; landmarks: the 68 points in % of sqrt(w*h) of their box (network: as predicted; fit: projections of the fitted model); pose: yaw, pitch, roll in degrees; blendshapes: the 53 weights",
                    };
                    AtomicFile.WriteAllText(Path.Combine(outDir, stem + ".summary.json"), JsonSerializer.Serialize(summary, new JsonSerializerOptions { WriteIndented = true }) + "\n");
                }
                catch (Exception e) when (e is InvalidInputException or IOException) { problems.Add((video, e.Message)); }
            }
            if (table.Rows.Count > 0) AnsiConsole.Write(table);
            foreach (var (v, why) in problems) Console.Error.WriteLine($"skipped {v}: {why}");
            return problems.Count == videos.Count ? 2 : 0;
        }));
        return cmd;
    }

    /// <summary>Counts, jitter and median stage timings of one tracking run.</summary>
    sealed record Run(int Frames, int Tracked, int Detections, double NetworkJitter, double FitJitter, double PoseJitter, double BlendshapeJitter,
        double LandmarksMs, double FitMs, double DetectMs, double TotalMs)
    {
        public Dictionary<string, object> ToJson(string name) => new()
        {
            ["fit"] = name, ["frames"] = Frames, ["tracked"] = Tracked, ["detector_runs"] = Detections,
            ["landmark_jitter_network_percent"] = Math.Round(100 * NetworkJitter, 4), ["landmark_jitter_fit_percent"] = Math.Round(100 * FitJitter, 4),
            ["pose_jitter_deg"] = Math.Round(PoseJitter, 4), ["blendshape_jitter"] = Math.Round(BlendshapeJitter, 5),
            ["median_ms"] = new Dictionary<string, double> { ["landmarks"] = Math.Round(LandmarksMs, 3), ["fit"] = Math.Round(FitMs, 3), ["detect_when_run"] = Math.Round(DetectMs, 3), ["total"] = Math.Round(TotalMs, 3) },
        };
    }

    static Run TrackVideo(FaceReconstructor reconstructor, string video, string outDir, string stem, bool temporal, int limit, bool writeVideo, bool write)
    {
        using var reader = new VideoReader(video);
        var info = reader.Info;
        var tracker = new FaceTracker(reconstructor, info.Width, info.Height, new TrackingOptions { TemporalTerm = temporal });
        var model = reconstructor.Model;
        var ibug = reconstructor.Layout.Points[..68].ToArray();
        var lines = new StringBuilder();
        var csv = new StringBuilder("frame,time_s," + string.Join(',', model.ExpressionNames) + "\n");
        var network = new List<Vector2[]?>(); var fitted = new List<Vector2[]?>(); var scale = new List<float>();
        var poses = new List<float[]?>(); var shapes = new List<float[]?>();
        var lmMs = new List<double>(); var fitMs = new List<double>(); var detMs = new List<double>(); var totMs = new List<double>();
        using var writer = writeVideo ? new VideoWriter(Path.Combine(outDir, stem + ".overlay.mp4"), info.Width, info.Height, info.FramesPerSecond) : null;
        int total = limit > 0 ? (info.FrameCount > 0 ? Math.Min(limit, info.FrameCount) : limit) : info.FrameCount;
        void Body(Action step)
        {
            while ((limit == 0 || network.Count < limit) && reader.TryRead(out var frame, out int index))
            {
                double time = index / info.FramesPerSecond;
                var r = tracker.Track(frame, time);
                var f = r.Face;
                var p68 = f?.Landmarks.Landmarks68.Select(p => p.Position).ToArray();
                network.Add(p68);
                fitted.Add(f?.Project(model, ibug));
                scale.Add(f is null ? 1 : MathF.Sqrt(f.Box.Width * f.Box.Height));
                poses.Add(f is null ? null : [f.Pose.Yaw, f.Pose.Pitch, f.Pose.Roll]);
                shapes.Add(f?.Expression);
                if (f is not null) { lmMs.Add(r.Timings.Landmarks); fitMs.Add(r.Timings.Fit); totMs.Add(r.Timings.Total); }
                if (r.Detected) detMs.Add(r.Timings.Detect);
                if (write)
                {
                    var image = new ImageReconstruction(info.Width, info.Height, f is null ? [] : [f], r.Timings);
                    lines.Append(ReconstructionOutput.JsonLine(Path.GetFileName(video), image, model, frame: (index, time))).Append('\n');
                    if (f is not null)
                        csv.Append(index.ToString(CultureInfo.InvariantCulture)).Append(',').Append(time.ToString("F4", CultureInfo.InvariantCulture))
                           .Append(string.Concat(f.Expression.Select(w => "," + w.ToString("F4", CultureInfo.InvariantCulture)))).Append('\n');
                    writer?.Write(ReconstructionOutput.Overlay(frame, image, model));
                }
                step();
            }
        }
        if (Console.IsOutputRedirected) Body(() => { });
        else
            AnsiConsole.Progress().Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
                .Start(ctx =>
                {
                    var task = ctx.AddTask($"{stem} ({(temporal ? "temporal" : "per frame")})", maxValue: Math.Max(1, total));
                    Body(() => task.Increment(1));
                });
        if (write)
        {
            AtomicFile.WriteAllText(Path.Combine(outDir, stem + ".frames.jsonl"), lines.ToString());
            AtomicFile.WriteAllText(Path.Combine(outDir, stem + ".blendshapes.csv"), csv.ToString());
            writer?.Complete();
        }
        return new Run(network.Count, network.Count(p => p is not null), tracker.Detections,
            TemporalJitter.PointAcceleration(network, scale), TemporalJitter.PointAcceleration(fitted, scale),
            TemporalJitter.ValueAcceleration(poses), TemporalJitter.ValueAcceleration(shapes),
            Median(lmMs), Median(fitMs), Median(detMs), Median(totMs));
    }

    static double Median(List<double> v) => v.Count == 0 ? double.NaN : v.Order().ElementAt(v.Count / 2);
}
