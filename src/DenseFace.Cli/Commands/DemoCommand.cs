using System.CommandLine;
using System.Diagnostics;
using DenseFace.Evaluation.Datasets;
using DenseFace.FaceModel;
using DenseFace.Fitting;
using DenseFace.Imaging;
using DenseFace.IO;
using DenseFace.Landmarks;
using DenseFace.Pipeline;
using Spectre.Console;

namespace DenseFace.Cli.Commands;

/// <summary>
/// <c>denseface demo</c>: the main job on a default input. It reconstructs a sample photo (the first image of the
/// 300-W HELEN test set, with the landmark network's 68 points, the face found by the detector): fitted head as
/// .glb/.json, overlay and a render of the fitted head; and it builds a random head of the face model, exported as
/// .glb (53 ARKit morph targets), .obj and .ply and rendered from three sides.
/// </summary>
internal static class DemoCommand
{
    public static Command Create()
    {
        var cmd = new Command("demo", "Run the default job: reconstruct a sample photo from its landmarks (mesh, pose, expressions, overlay) and export/render a random head.");
        var image = new Option<string?>("--image") { Description = "Photo to reconstruct (default: the first 300-W HELEN test image of the data root); its 68 landmarks come from the .pts beside it." };
        var output = new Option<DirectoryInfo>("--out") { Description = "Output folder.", DefaultValueFactory = _ => new DirectoryInfo("out/demo") };
        var seed = new Option<int>("--seed") { Description = "Random seed for the identity.", DefaultValueFactory = _ => 7 };
        cmd.Options.Add(output);
        cmd.Options.Add(seed);
        cmd.Options.Add(image);
        cmd.SetAction(parse =>
        {
            var dir = parse.GetValue(output)!.FullName;
            Directory.CreateDirectory(dir);
            var sw = Stopwatch.StartNew();
            var model = MorphableModel.Load();
            AnsiConsole.MarkupLine($"[grey]face model loaded in {sw.ElapsedMilliseconds} ms: {model.VertexCount} vertices, {model.IdentityCount} identity modes, {model.ExpressionCount} expressions[/]");
            var written = new List<string>();
            written.AddRange(ReconstructSample(model, parse.GetValue(image), dir));
            var coeffs = new ShapeCoefficients(model);
            coeffs.RandomizeIdentity(parse.GetValue(seed));
            coeffs.SetExpressions(model, "mouthSmile_L=0.6,mouthSmile_R=0.6,jawOpen=0.15,browInnerUp_L=0.3,browInnerUp_R=0.3");
            foreach (var ext in new[] { ".glb", ".obj", ".ply" })
            {
                var path = Path.Combine(dir, "head" + ext);
                ModelExportCommand.Export(model, coeffs, path);
                written.Add(path);
            }
            var views = new[] { (-50f, 0f), (0f, 0f), (50f, 0f) }
                .Select(v => ModelRenderCommand.Render(model, coeffs, 384, v.Item1, v.Item2, 0))
                .ToArray();
            var sheet = SideBySide(views);
            var png = Path.Combine(dir, "head_views.png");
            ImageIO.Save(sheet, png);
            written.Add(png);
            var table = new Table().AddColumn("output").AddColumn("bytes");
            foreach (var f in written) table.AddRow(Markup.Escape(f), new FileInfo(f).Length.ToString("N0"));
            AnsiConsole.Write(table);
            AnsiConsole.MarkupLine($"done in {sw.Elapsed.TotalSeconds:F1} s");
            return 0;
        });
        return cmd;
    }

    /// <summary>Reconstructs the sample photo (<see cref="FaceReconstructor"/>) and renders the fitted head beside the overlay; returns the files written.</summary>
    static IEnumerable<string> ReconstructSample(MorphableModel model, string? imagePath, string dir)
    {
        if (imagePath is null)
        {
            var scan = DatasetScanner.Scan(DataRoot.Path("data", "300w", "helen", "testset"), expectedPointCount: 68);
            if (scan.Items.Count == 0) throw new InvalidInputException("data/300w/helen/testset", "no image with a .pts file found");
            imagePath = scan.Items[0].ImagePath;
        }
        // the full pipeline (detector, landmark network, fit to the dense points with their sigma); the demo reports
        // the face that is the annotated one (best overlap with its 68-point box), so it can be scored
        var truth = PtsFile.Read(Path.ChangeExtension(imagePath, ".pts"));
        var photo = ImageIO.Load(imagePath);
        var reconstructor = new FaceReconstructor(model, LandmarkPredictor.Load(), DenseFace.Detection.FaceDetector.Load(), new ReconstructionOptions { TextureSize = 512 });
        var r = reconstructor.Reconstruct(photo);
        if (r.Faces.Count == 0) throw new InvalidInputException(imagePath, "the face detector found no face");
        var annotated = DenseFace.Detection.FaceBox.Tight(truth.Points);
        var face = r.Faces.MaxBy(f => DenseFace.Detection.FaceBox.IoU(DenseFace.Detection.FaceBox.From(f.Box), annotated))!;
        var predicted = face.Landmarks.Landmarks68.Select(p => p.Position).ToArray();
        double predictionNme = DenseFace.Evaluation.Metrics.LandmarkMetrics.NmeInterOcular(predicted, truth.Points, imagePath);
        var stem = Path.GetFileNameWithoutExtension(imagePath);
        var files = r.Faces.Select((f, i) => (FaceFiles?)ReconstructionOutput.WriteFaceFiles(dir, stem, i, f, model)).ToList();
        var json = Path.Combine(dir, stem + ".json");
        AtomicFile.WriteAllText(json, ReconstructionOutput.JsonLine(Path.GetFileName(imagePath), r, model, files) + "\n");
        var overlay = ReconstructionOutput.Overlay(photo, r, model);
        var overlayPath = Path.Combine(dir, stem + ".overlay.png");
        ImageIO.Save(overlay, overlayPath);
        var pose = face.Pose;
        var coeffs = new ShapeCoefficients(model);
        face.Identity.CopyTo(coeffs.Identity, 0);
        face.Expression.CopyTo(coeffs.Expression, 0);
        var render = ModelRenderCommand.Render(model, coeffs, overlay.Height, pose.Yaw, pose.Pitch, pose.Roll);
        var sheet = Path.Combine(dir, stem + "_reconstruction.png");
        ImageIO.Save(SideBySide([overlay.Channels == render.Channels ? overlay : overlay.ConvertTo(render.Channels), render]), sheet);
        var t = r.Timings;
        AnsiConsole.MarkupLine($"[bold]{Markup.Escape(Path.GetFileName(imagePath))}[/]: {r.Faces.Count} faces; the annotated one: {face.Landmarks.Points.Length} {face.Landmarks.Layout} points with sigma, 68-point NME against the annotation {predictionNme * 100:F2} %");
        AnsiConsole.MarkupLine($"fitted head: yaw/pitch/roll {pose.Yaw:F1}/{pose.Pitch:F1}/{pose.Roll:F1} deg, {pose.TranslationCm.Length():F0} cm away, focal {pose.FocalPx:F0} px, fit rms {face.RmsReprojectionPx:F2} px; detect {t.Detect:F0} ms, landmarks {t.Landmarks:F0} ms, fit {t.Fit:F0} ms, texture {t.Texture:F0} ms");
        var written = new List<string> { json, overlayPath, sheet };
        foreach (var f in files) { written.Add(Path.Combine(dir, f!.Mesh!)); if (f.Texture is not null) written.Add(Path.Combine(dir, f.Texture)); }
        return written;
    }

    /// <summary>Places equally tall images left to right.</summary>
    internal static Image8 SideBySide(IReadOnlyList<Image8> images)
    {
        int h = images[0].Height, c = images[0].Channels, w = images.Sum(i => i.Width);
        var dst = new Image8(w, h, c);
        int x0 = 0;
        foreach (var img in images)
        {
            if (img.Height != h || img.Channels != c) throw new ArgumentException("images must share height and channel count");
            for (int y = 0; y < h; y++)
                img.Row(y).CopyTo(dst.Row(y).Slice(x0 * c));
            x0 += img.Width;
        }
        return dst;
    }
}
