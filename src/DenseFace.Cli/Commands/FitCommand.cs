using System.CommandLine;
using System.Numerics;
using System.Text.Json;
using DenseFace.Evaluation.Datasets;
using DenseFace.FaceModel;
using DenseFace.Fitting;
using DenseFace.Imaging;
using DenseFace.IO;
using DenseFace.Evaluation.Metrics;
using DenseFace.Pipeline;
using Spectre.Console;

namespace DenseFace.Cli.Commands;

/// <summary>
/// <c>denseface fit --image IMG --landmarks IMG.pts [--sigma S] --out DIR</c> (or <c>--folder DIR</c> for every
/// image with a .pts, threaded and resumable): fits the ICT-FaceKit model to 68 annotated iBUG landmarks
/// (<see cref="AnnotationFitter"/>, sliding jaw contour) and writes DIR/&lt;name&gt;.json (the reconstruct JSON line
/// plus the fitting residual), DIR/&lt;name&gt;.face0.glb (.obj with --obj) and DIR/&lt;name&gt;.overlay.png (wireframe,
/// given points, fitted points red).
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
        var threads = new Option<int>("--threads") { Description = "Photos fitted in parallel with --folder (-1 = all cores).", DefaultValueFactory = _ => 2 };
        var cmd = new Command("fit", "Fit the 3D face model to 68 iBUG landmarks of an image (or a folder of images).")
        {
            image, landmarks, folder, sigma, focal, obj, noMesh, noOverlay, fixedJaw, output, threads,
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
            bool sliding = !parse.GetValue(fixedJaw);
            Directory.CreateDirectory(outDir);
            if (parse.GetValue(folder) is string dir)
            {
                if (parse.GetValue(image) is not null) throw new InvalidInputException("--folder", "use either --image or --folder");
                return FitFolder(model, sliding, dir, s, f, outDir, opts, parse.GetValue(threads));
            }
            string img = parse.GetValue(image) ?? throw new InvalidInputException("--image", "give --image IMG (with --landmarks IMG.pts) or --folder DIR");
            string pts = parse.GetValue(landmarks) ?? Path.ChangeExtension(img, ".pts");
            var fitter = new AnnotationFitter(model, sliding);
            var r = FitOne(fitter, img, Path.GetFileNameWithoutExtension(img), PtsFile.Read(pts).Points, s, f, outDir, opts);
            var pose = r.Face.Pose;
            AnsiConsole.MarkupLine($"{Markup.Escape(Path.GetFileName(img))}: fit residual rms {r.Face.RmsReprojectionPx:F2} px, {r.ResidualNme * 100:F2} % of the inter-ocular distance, yaw/pitch/roll {pose.Yaw:F1}/{pose.Pitch:F1}/{pose.Roll:F1} deg, focal {pose.FocalPx:F0} px -> {Markup.Escape(outDir)}");
            return 0;
        }));
        return cmd;
    }

    internal sealed record Outputs(bool Obj, bool Mesh, bool Overlay);

    /// <summary>A fitted photo: the face, its JSON line, and the fitting residual (mean distance of fitted to given points over the outer-eye-corner distance).</summary>
    internal sealed record Fitted(ReconstructedFace Face, string Line, double ResidualNme);

    /// <summary>Every image with a .pts in <paramref name="dir"/> on the threaded, resumable <see cref="PhotoBatch"/> runner; summary.json with the residuals.</summary>
    static int FitFolder(MorphableModel model, bool sliding, string dir, float sigma, float? focal, string outDir, Outputs opts, int threads)
    {
        var problems = new List<(string Path, string Problem)>();
        var items = PhotoBatch.Scan([dir], null, problems);
        var fitters = new System.Collections.Concurrent.ConcurrentDictionary<FaceFitter, AnnotationFitter>();
        int n = PhotoBatch.Run("fitting", outDir, model, items, problems, threads, (fitter, item) =>
            FitOne(fitters.GetOrAdd(fitter, x => new AnnotationFitter(x)), item.ImagePath, item.Key, item.Points, sigma, focal, outDir, opts).Line,
            sliding ? null : m => FittingLayout.Ibug68(m, slidingContour: false));
        var residuals = File.ReadLines(Path.Combine(outDir, "index.jsonl"))
            .Select(l => JsonDocument.Parse(l).RootElement.GetProperty("fit_residual_nme_interocular").GetDouble()).Order().ToList();
        double mean = residuals.Count > 0 ? residuals.Average() : double.NaN, median = residuals.Count > 0 ? residuals[residuals.Count / 2] : double.NaN;
        var summary = new Dictionary<string, object?>
        {
            ["folder"] = Path.GetFullPath(dir), ["fitted"] = n, ["skipped"] = problems.Count,
            ["fit_residual_nme_mean"] = mean, ["fit_residual_nme_median"] = median,
            ["definition"] = "fitting residual: mean distance of the fitted model's 68 projections to the given points, over the outer-eye-corner distance (not a landmark detection error)",
        };
        AtomicFile.WriteAllText(Path.Combine(outDir, "summary.json"), JsonSerializer.Serialize(summary, new JsonSerializerOptions { WriteIndented = true }));
        AnsiConsole.MarkupLine($"fitted {n} images; fit residual (inter-ocular) mean {mean * 100:F2} %, median {median * 100:F2} %");
        return n > 0 ? 0 : 2;
    }

    /// <summary>Fits one photo's 68 points and writes &lt;stem&gt;.json, &lt;stem&gt;.face0.glb (.obj) and &lt;stem&gt;.overlay.png under <paramref name="outDir"/>.</summary>
    internal static Fitted FitOne(AnnotationFitter fitter, string imagePath, string stem, ReadOnlySpan<Vector2> points, float sigma, float? focal, string outDir, Outputs opts)
    {
        if (points.Length != 68) throw new InvalidInputException(imagePath, $"has {points.Length} annotated points; the fitter needs the 68 iBUG points");
        var img = ImageIO.Load(imagePath);
        var face = fitter.Fit(points, img.Width, img.Height, sigma, focal);
        var model = fitter.Fitter.Model;
        var fitted = face.Fit!.ProjectedLandmarksPx;
        double nme = LandmarkMetrics.NmeInterOcular(fitted, points, imagePath);
        var files = opts.Mesh ? ReconstructionOutput.WriteFaceFiles(outDir, stem, 0, face, model, opts.Obj ? [".obj"] : null) : null;
        var image = new ImageReconstruction(img.Width, img.Height, [face], new StageTimings(0, 0, 0, 0, 0, 0));
        var line = ReconstructionOutput.JsonLine(Path.GetFullPath(imagePath), image, model, [files], extra: w =>
        {
            w.WriteNumber("fit_residual_nme_interocular", Math.Round(nme, 6));
            w.WriteNumber("sigma_px", sigma);
            w.WriteString("layout", fitter.Fitter.Layout.Name);
        });
        AtomicFile.WriteAllText(Path.Combine(outDir, stem + ".json"), line + "\n");
        if (opts.Overlay)
        {
            var canvas = ReconstructionOutput.Overlay(img, image, model);
            foreach (var p in fitted) Draw.Disc(canvas, p, 1.8f, Rgba.Red);
            ImageIO.Save(canvas, Path.Combine(outDir, stem + ".overlay.png"));
        }
        return new Fitted(face, line, nme);
    }
}
