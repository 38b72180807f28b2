using System.CommandLine;
using System.Numerics;
using System.Text.Json;
using DenseFace.Evaluation.Datasets;
using DenseFace.Evaluation.Metrics;
using DenseFace.FaceModel;
using DenseFace.Fitting;
using DenseFace.Geometry;
using DenseFace.Geometry.Export;
using DenseFace.Imaging;
using DenseFace.IO;
using Spectre.Console;

namespace DenseFace.Cli.Commands;

/// <summary>
/// <c>denseface fit --image IMG --landmarks IMG.pts [--sigma S] --out DIR</c> (or <c>--folder DIR</c> for every
/// image with a .pts): fits the ICT-FaceKit model to 68 iBUG landmarks (sliding jaw contour) and writes
/// DIR/&lt;name&gt;.json, DIR/&lt;name&gt;.glb (model space, cm scaled to metres; .obj with --obj) and
/// DIR/&lt;name&gt;_overlay.png (front-facing face wireframe, given points green, fitted points red).
/// </summary>
internal static class FitCommand
{
    public static Command Create()
    {
        var image = new Option<string?>("--image") { Description = "Image (JPEG or PNG)." };
        var landmarks = new Option<string?>("--landmarks") { Description = "iBUG .pts file with 68 points (1-based, as in 300-W); default: the image path with .pts." };
        var folder = new Option<string?>("--folder") { Description = "Fit every image with a .pts file of the same name in this folder (bad files are skipped and reported)." };
        var sigma = new Option<float>("--sigma") { Description = "Landmark standard deviation in pixels.", DefaultValueFactory = _ => 2f };
        var focal = new Option<float?>("--focal") { Description = "Focal length in pixels (default: estimated)." };
        var obj = new Option<bool>("--obj") { Description = "Also write a Wavefront .obj mesh." };
        var noMesh = new Option<bool>("--no-mesh") { Description = "Do not write meshes." };
        var noOverlay = new Option<bool>("--no-overlay") { Description = "Do not write overlays." };
        var fixedJaw = new Option<bool>("--fixed-jaw") { Description = "Fixed jaw correspondences instead of sliding contour points." };
        var output = new Option<string>("--out") { Description = "Output folder.", Required = true };
        var cmd = new Command("fit", "Fit the 3D face model to 68 iBUG landmarks of an image (or a folder of images).")
        {
            image, landmarks, folder, sigma, focal, obj, noMesh, noOverlay, fixedJaw, output,
        };
        cmd.SetAction(parse => CliErrors.Run(() =>
        {
            float s = parse.GetValue(sigma);
            if (!float.IsFinite(s) || s <= 0) throw new InvalidInputException("--sigma", $"{s} must be a positive number of pixels");
            float? f = parse.GetValue(focal);
            if (f is float fv && (!float.IsFinite(fv) || fv <= 0)) throw new InvalidInputException("--focal", $"{fv} must be a positive number of pixels");
            string outDir = parse.GetValue(output)!;
            var opts = new Outputs(parse.GetValue(obj), !parse.GetValue(noMesh), !parse.GetValue(noOverlay));
            var model = MorphableModel.Load();
            var fitter = new FaceFitter(model, FittingLayout.Ibug68(model, slidingContour: !parse.GetValue(fixedJaw)));
            Directory.CreateDirectory(outDir);
            if (parse.GetValue(folder) is string dir)
            {
                if (parse.GetValue(image) is not null) throw new InvalidInputException("--folder", "use either --image or --folder");
                return FitFolder(fitter, dir, s, f, outDir, opts);
            }
            string img = parse.GetValue(image) ?? throw new InvalidInputException("--image", "give --image IMG (with --landmarks IMG.pts) or --folder DIR");
            string pts = parse.GetValue(landmarks) ?? Path.ChangeExtension(img, ".pts");
            var r = FitOne(fitter, img, PtsFile.Read(pts), s, f, outDir, opts);
            AnsiConsole.MarkupLine($"{Markup.Escape(Path.GetFileName(img))}: rms {r.Result.RmsReprojectionPx:F2} px, NME {r.Nme * 100:F2} %, yaw/pitch/roll {r.Pose.Yaw:F1}/{r.Pose.Pitch:F1}/{r.Pose.Roll:F1} deg, focal {r.Result.Cameras[0].Fx:F0} px, {r.Result.Iterations} iterations -> {Markup.Escape(outDir)}");
            return 0;
        }));
        return cmd;
    }

    internal sealed record Outputs(bool Obj, bool Mesh, bool Overlay);
    internal sealed record Fitted(FitResult Result, double Nme, (float Yaw, float Pitch, float Roll) Pose);

    static int FitFolder(FaceFitter fitter, string dir, float sigma, float? focal, string outDir, Outputs opts)
    {
        var scan = DatasetScanner.Scan(dir, expectedPointCount: 68);
        var rows = new List<Dictionary<string, object?>>();
        var problems = scan.Problems.Select(p => (p.Path, p.Problem)).ToList();
        var nmes = new List<double>();
        AnsiConsole.Progress().Start(ctx =>
        {
            var task = ctx.AddTask($"fitting {scan.Items.Count} images", maxValue: Math.Max(1, scan.Items.Count));
            foreach (var item in scan.Items)
            {
                try
                {
                    var r = FitOne(fitter, item.ImagePath, item.Landmarks, sigma, focal, outDir, opts);
                    nmes.Add(r.Nme);
                    rows.Add(new() { ["image"] = Path.GetFileName(item.ImagePath), ["nme"] = r.Nme, ["rms_px"] = r.Result.RmsReprojectionPx, ["yaw"] = r.Pose.Yaw });
                }
                catch (InvalidInputException e) { problems.Add((item.ImagePath, e.Message)); }
                task.Increment(1);
            }
        });
        nmes.Sort();
        double mean = nmes.Count > 0 ? nmes.Average() : double.NaN, median = nmes.Count > 0 ? nmes[nmes.Count / 2] : double.NaN;
        var summary = new Dictionary<string, object?>
        {
            ["folder"] = Path.GetFullPath(dir), ["fitted"] = nmes.Count, ["skipped"] = problems.Count,
            ["nme_mean"] = mean, ["nme_median"] = median, ["nme_normalisation"] = "outer eye corners (points 36 and 45)",
            ["images"] = rows, ["problems"] = problems.Select(p => new Dictionary<string, string> { ["path"] = p.Item1, ["problem"] = p.Item2 }).ToList(),
        };
        AtomicFile.WriteAllText(Path.Combine(outDir, "summary.json"), JsonSerializer.Serialize(summary, new JsonSerializerOptions { WriteIndented = true }));
        foreach (var (path, problem) in problems) AnsiConsole.MarkupLine($"[yellow]skipped[/] {Markup.Escape(path)}: {Markup.Escape(problem)}");
        AnsiConsole.MarkupLine($"fitted {nmes.Count} images, skipped {problems.Count}; reprojection NME (inter-ocular) mean {mean * 100:F2} %, median {median * 100:F2} %");
        return nmes.Count > 0 ? 0 : 2;
    }

    internal static Fitted FitOne(FaceFitter fitter, string imagePath, LandmarkSet points, float sigma, float? focal, string outDir, Outputs opts)
    {
        if (points.Count != fitter.Layout.Count)
            throw new InvalidInputException(points.SourceName, $"has {points.Count} points; the fitter needs {fitter.Layout.Count} (iBUG 68)");
        var img = ImageIO.Load(imagePath);
        var lms = points.Points.Select(p => new Landmark2D(p.X, p.Y, sigma)).ToArray();
        var r = fitter.FitImage(lms, new CameraSpec(img.Width, img.Height, focal));
        var model = fitter.Model;
        var positions = model.Evaluate(r.Identity, r.Frames[0].Expression);
        var fitted = r.ProjectedLandmarksPx;
        double nme = LandmarkMetrics.NmeInterOcular(fitted, points.Points, imagePath);
        var pose = r.Frames[0].HeadPoseDegrees;
        string name = Path.GetFileNameWithoutExtension(imagePath);

        var expr = new Dictionary<string, float>();
        for (int e = 0; e < model.ExpressionCount; e++) expr[model.ExpressionNames[e]] = r.Frames[0].Expression[e];
        var t = r.Frames[0].Pose.Translation;
        var q = r.Frames[0].Pose.Rotation;
        var doc = new Dictionary<string, object?>
        {
            ["image"] = Path.GetFullPath(imagePath), ["width"] = img.Width, ["height"] = img.Height, ["layout"] = fitter.Layout.Name,
            ["identity"] = r.Identity, ["expressions"] = expr,
            ["yaw_deg"] = pose.Yaw, ["pitch_deg"] = pose.Pitch, ["roll_deg"] = pose.Roll,
            ["rotation_quaternion_xyzw"] = new[] { q.X, q.Y, q.Z, q.W },
            ["translation_cm"] = new[] { t.X, t.Y, t.Z },
            ["focal_px"] = r.Cameras[0].Fx, ["principal_point_px"] = new[] { r.Cameras[0].Cx, r.Cameras[0].Cy },
            ["pose_convention"] = "model (y up, cm) to OpenCV camera: p_cam = R p + t; yaw/pitch/roll as DenseFace.Geometry.RigidTransform",
            ["rms_reprojection_px"] = r.RmsReprojectionPx, ["nme_interocular"] = nme,
            ["residuals_px"] = r.ReprojectionErrorsPx, ["fitted_landmarks_px"] = fitted.Select(p => new[] { p.X, p.Y }).ToArray(),
            ["energy"] = new Dictionary<string, double> { ["landmarks"] = r.LandmarkEnergy, ["identity"] = r.IdentityEnergy, ["expression"] = r.ExpressionEnergy },
            ["iterations"] = r.Iterations, ["sigma_px"] = sigma,
        };
        AtomicFile.WriteAllText(Path.Combine(outDir, name + ".json"), JsonSerializer.Serialize(doc, new JsonSerializerOptions { WriteIndented = true }));
        if (opts.Mesh)
        {
            var mesh = model.ToMesh(positions);
            GltfWriter.WriteGlb(Path.Combine(outDir, name + ".glb"), mesh);
            if (opts.Obj) ObjWriter.Write(Path.Combine(outDir, name + ".obj"), mesh);
        }
        if (opts.Overlay)
        {
            var canvas = img.ConvertTo(3);
            DrawWireframe(canvas, model, positions, r.Frames[0].Pose, r.Cameras[0]);
            foreach (var p in points.Points) Draw.Disc(canvas, p, 2.5f, Rgba.Green);
            foreach (var p in fitted) Draw.Disc(canvas, p, 1.8f, Rgba.Red);
            ImageIO.Save(canvas, Path.Combine(outDir, name + "_overlay.png"));
        }
        return new Fitted(r, nme, pose);
    }

    /// <summary>Edges of the front-facing triangles of the narrow face area, projected with the fitted pose and camera.</summary>
    static void DrawWireframe(Image8 canvas, MorphableModel model, Vector3[] positions, RigidTransform pose, PinholeCamera cam)
    {
        var range = model.TriangleRange(FaceSubArea.NarrowFace);
        var tris = model.Triangles;
        var color = new Rgba(80, 200, 255, 60);
        for (int t = range.Start; t < range.End; t++)
        {
            var a = pose.Apply(positions[tris[3 * t]]); var b = pose.Apply(positions[tris[3 * t + 1]]); var c = pose.Apply(positions[tris[3 * t + 2]]);
            if (a.Z <= 0 || b.Z <= 0 || c.Z <= 0) continue;
            // front-facing: the outward normal points toward the camera centre
            if (Vector3.Dot(Vector3.Cross(b - a, c - a), a) >= 0) continue;
            Vector2 pa = cam.Project(a), pb = cam.Project(b), pc = cam.Project(c);
            Draw.Line(canvas, pa, pb, color); Draw.Line(canvas, pb, pc, color); Draw.Line(canvas, pc, pa, color);
        }
    }
}
