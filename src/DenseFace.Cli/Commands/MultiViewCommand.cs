using System.CommandLine;
using System.Numerics;
using System.Text.Json;
using DenseFace.Geometry;
using DenseFace.Imaging;
using DenseFace.IO;
using DenseFace.Pipeline;
using Spectre.Console;

namespace DenseFace.Cli.Commands;

/// <summary>
/// <c>denseface multiview A.jpg B.jpg ... --out DIR [--synchronised] [--calibration FILE.json]</c>:
/// <see cref="MultiViewReconstructor"/> on the views of one person. Writes DIR/multiview.jsonl (one reconstruct-style
/// line per view, all with the shared identity), DIR/multiview.json (identity, per-view pose and fit residual,
/// timings), DIR/&lt;view stem&gt;.face0.glb per view (the shared identity with that view's expression) and
/// DIR/&lt;view stem&gt;.overlay.png.
/// </summary>
internal static class MultiViewCommand
{
    public static Command Create()
    {
        var images = new Argument<string[]>("images") { Description = "Two or more photos of the same person.", Arity = ArgumentArity.OneOrMore };
        var output = new Option<string>("--out") { Description = "Output folder.", DefaultValueFactory = _ => "out/multiview" };
        var sync = new Option<bool>("--synchronised") { Description = "The views are one instant seen by several cameras (one expression; camera transforms fitted unless calibrated)." };
        var calibration = new Option<string?>("--calibration") { Description = "JSON {\"views\": [{\"focal_px\", \"cx\", \"cy\", \"rotation_xyzw\": [4], \"translation_cm\": [3]}, ...]} per view in order, transforms from the first camera (implies --synchronised)." };
        var obj = new Option<bool>("--obj") { Description = "Also write .obj meshes (cm)." };
        var model = new Option<string?>("--model") { Description = "Landmark model folder (default: the shipped models/landmarks)." };
        var cmd = new Command("multiview", "Reconstruct one person from several photos: one identity, pose and expression per view (or one expression for a synchronised rig).")
        {
            images, output, sync, calibration, obj, model,
        };
        cmd.SetAction(parse => CliErrors.Run(() =>
        {
            var paths = parse.GetValue(images)!.Select(Path.GetFullPath).ToList();
            if (paths.Count < 2) throw new InvalidInputException("images", "give at least two photos of the person");
            var calib = parse.GetValue(calibration) is string cf ? ReadCalibration(cf, paths.Count) : null;
            var views = paths.Select((p, i) => new FaceView(ImageIO.Load(p), Calibration: calib?[i])).ToList();
            string outDir = Path.GetFullPath(parse.GetValue(output)!);
            Directory.CreateDirectory(outDir);
            var reconstructor = FaceReconstructor.Load(landmarkModelDirectory: parse.GetValue(model));
            var r = new MultiViewReconstructor(reconstructor).Reconstruct(views, parse.GetValue(sync));
            var m = reconstructor.Model;
            var stems = UniqueStems(paths);
            var lines = new List<string>();
            var table = new Table().AddColumns("view", "yaw", "pitch", "roll", "distance cm", "focal px", "rms px");
            for (int v = 0; v < paths.Count; v++)
            {
                var face = r.Views[v];
                var files = ReconstructionOutput.WriteFaceFiles(outDir, stems[v], 0, face, m, parse.GetValue(obj) ? [".obj"] : null);
                var image = new ImageReconstruction(views[v].Image.Width, views[v].Image.Height, [face], v == 0 ? r.Timings : default);
                lines.Add(ReconstructionOutput.JsonLine(Path.GetFileName(paths[v]), image, m, [files]));
                ImageIO.Save(ReconstructionOutput.Overlay(views[v].Image, image, m), Path.Combine(outDir, stems[v] + ".overlay.png"));
                var p = face.Pose;
                table.AddRow(Markup.Escape(Path.GetFileName(paths[v])), $"{p.Yaw:F1}", $"{p.Pitch:F1}", $"{p.Roll:F1}", $"{p.TranslationCm.Length():F1}", $"{p.FocalPx:F0}", $"{face.RmsReprojectionPx:F2}");
            }
            AtomicFile.WriteAllText(Path.Combine(outDir, "multiview.jsonl"), string.Join("\n", lines) + "\n");
            var summary = new Dictionary<string, object>
            {
                ["views"] = paths.Select((p, v) => new Dictionary<string, object>
                {
                    ["file"] = p, ["yaw"] = r.Views[v].Pose.Yaw, ["pitch"] = r.Views[v].Pose.Pitch, ["roll"] = r.Views[v].Pose.Roll,
                    ["focal_px"] = r.Views[v].Pose.FocalPx, ["rms_px"] = r.Views[v].RmsReprojectionPx, ["mesh"] = stems[v] + ".face0.glb",
                }).ToList(),
                ["synchronised"] = r.Synchronised,
                ["identity"] = r.Identity.Select(b => Math.Round(b, 4)).ToArray(),
                ["iterations"] = r.Fit.Iterations,
                ["timing_ms"] = new Dictionary<string, double> { ["detect"] = Math.Round(r.Timings.Detect, 2), ["landmarks"] = Math.Round(r.Timings.Landmarks, 2), ["fit"] = Math.Round(r.Timings.Fit, 2), ["total"] = Math.Round(r.Timings.Total, 2) },
            };
            AtomicFile.WriteAllText(Path.Combine(outDir, "multiview.json"), JsonSerializer.Serialize(summary, new JsonSerializerOptions { WriteIndented = true }) + "\n");
            AnsiConsole.Write(table);
            AnsiConsole.MarkupLine($"one identity from {paths.Count} views ({(r.Synchronised ? "synchronised" : "separate photos")}), fit {r.Timings.Fit:F0} ms -> {Markup.Escape(outDir)}");
            return 0;
        }));
        return cmd;
    }

    /// <summary>File stems, made unique with the view index where two photos share a name.</summary>
    static List<string> UniqueStems(List<string> paths)
    {
        var stems = paths.Select(p => Path.GetFileNameWithoutExtension(p)).ToList();
        return stems.Select((s, i) => stems.Count(x => x == s) > 1 ? $"{s}_{i}" : s).ToList();
    }

    static ViewCalibration[] ReadCalibration(string file, int views)
    {
        if (!File.Exists(file)) throw new InvalidInputException(file, "calibration file not found");
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(file));
            var list = doc.RootElement.GetProperty("views");
            if (list.GetArrayLength() != views) throw new InvalidInputException(file, $"has {list.GetArrayLength()} views for {views} images");
            var result = new ViewCalibration[views];
            for (int v = 0; v < views; v++)
            {
                var e = list[v];
                float? F(string name) => e.TryGetProperty(name, out var x) && x.ValueKind == JsonValueKind.Number ? x.GetSingle() : null;
                RigidTransform? t = null;
                if (e.TryGetProperty("rotation_xyzw", out var q) && e.TryGetProperty("translation_cm", out var tr))
                {
                    var qa = q.EnumerateArray().Select(x => x.GetSingle()).ToArray();
                    var ta = tr.EnumerateArray().Select(x => x.GetSingle()).ToArray();
                    if (qa.Length != 4 || ta.Length != 3) throw new InvalidInputException($"{file} view {v}", "rotation_xyzw needs 4 numbers and translation_cm 3");
                    var quat = new Quaternion(qa[0], qa[1], qa[2], qa[3]);
                    if (!(quat.Length() > 0.5f)) throw new InvalidInputException($"{file} view {v}", "rotation_xyzw is not a rotation quaternion");
                    t = new RigidTransform(Quaternion.Normalize(quat), new Vector3(ta[0], ta[1], ta[2]));
                }
                result[v] = new ViewCalibration(F("focal_px"), F("cx"), F("cy"), t);
            }
            return result;
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new InvalidInputException(file, $"not a calibration file ({e.Message})");
        }
    }
}
