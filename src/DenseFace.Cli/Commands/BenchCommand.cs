using System.CommandLine;
using System.Text.Json;
using DenseFace.FaceModel;
using DenseFace.Fitting;
using Spectre.Console;

namespace DenseFace.Cli.Commands;

/// <summary><c>denseface bench ...</c>: synthetic benchmarks of the library's stages.</summary>
internal static class BenchCommand
{
    public static Command Create()
    {
        var cmd = new Command("bench", "Synthetic benchmarks.");
        cmd.Subcommands.Add(CreateFit());
        return cmd;
    }

    /// <summary><c>denseface bench fit --layout ibug68|dense320|dense700 --frames N --json OUT</c>.</summary>
    static Command CreateFit()
    {
        var layout = new Option<string>("--layout") { Description = "Landmark layout: ibug68 (sliding jaw contour), ibug68fixed, dense<N> (e.g. dense320, dense700).", DefaultValueFactory = _ => "ibug68" };
        var frames = new Option<int>("--frames") { Description = "Frames of the tracked synthetic sequence.", DefaultValueFactory = _ => 100 };
        var faces = new Option<int>("--faces") { Description = "Random faces for single-image fits.", DefaultValueFactory = _ => 20 };
        var seed = new Option<int>("--seed") { Description = "Random seed.", DefaultValueFactory = _ => 1 };
        var sigma = new Option<float>("--sigma") { Description = "Landmark noise sigma in pixels.", DefaultValueFactory = _ => 1.5f };
        var ablations = new Option<bool>("--ablations") { Description = "Also run ibug68 vs dense320 vs dense700 and per-landmark vs fixed sigma with half the landmarks 5x noisier." };
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
            var table = new Table().AddColumns("run", "layout", "landmarks", "full fit ms (cpu)", "track ms/frame (cpu)", "vertex mm median", "mean", "procrustes median", "pose deg median", "expr err", "reproj px", "focal err %");
            foreach (var (name, r) in runs)
                table.AddRow(name, r.Layout, $"{r.Landmarks}", $"{r.FullFitMs:F2} ({r.FullFitCpuMs:F2})", $"{r.TrackingMsPerFrame:F3} ({r.TrackingCpuMsPerFrame:F3})", $"{r.FaceVertexErrorMmMedian:F2}", $"{r.FaceVertexErrorMmMean:F2}",
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
                    ["face_vertex_error_procrustes_mm_median"] = main.FaceVertexErrorProcrustesMmMedian,
                    ["pose_error_deg_median"] = main.PoseErrorDegMedian, ["expression_error_mean"] = main.ExpressionErrorMean,
                    ["reprojection_rms_px"] = main.ReprojectionRmsPx, ["focal_error_percent_median"] = main.FocalErrorPercentMedian,
                    ["tracking_pose_error_deg_median"] = main.TrackingPoseErrorDegMedian, ["tracking_vertex_error_mm_median"] = main.TrackingVertexErrorMmMedian,
                    ["tracking_expression_error_mean"] = main.TrackingExpressionErrorMean,
                    ["ablations"] = runs.Skip(1).Select(r => new Dictionary<string, object?>
                    {
                        ["name"] = r.Name, ["layout"] = r.Result.Layout, ["landmarks"] = r.Result.Landmarks, ["full_fit_ms"] = r.Result.FullFitMs, ["full_fit_cpu_ms"] = r.Result.FullFitCpuMs,
                        ["tracking_ms_per_frame"] = r.Result.TrackingMsPerFrame, ["face_vertex_error_mm_median"] = r.Result.FaceVertexErrorMmMedian,
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
