using System.CommandLine;
using DenseFace.FaceModel;
using DenseFace.FaceModel.Layouts;
using DenseFace.Imaging;
using DenseFace.Rendering;
using DenseFace.Training.PseudoLabels;

namespace DenseFace.Cli.Commands;

/// <summary>
/// <c>denseface pseudolabel --images DIR [--images DIR ...] --out DIR [--layouts ibug68,dense520,full703]</c>:
/// fits the model to every photo's 68 annotated points and writes its dense labels (<see cref="PseudoLabeler"/>)
/// to DIR/index.jsonl in the format of <c>denseface synth</c> (image, box, layouts, beta, psi, pose, focal) plus
/// nme, rms_px and pts. "image" is the absolute path of the source photo: licensed photos are never copied. With
/// --rotate, turned views are rendered into DIR/images/ and get extra lines whose "image" is relative to DIR, plus
/// source and turned_yaw (DIR is run-time output; never commit it). Fits
/// with an inter-ocular NME above --max-nme are skipped and reported (DIR/skipped.jsonl). Resumable.
/// </summary>
internal static class PseudoLabelCommand
{
    public static Command Create()
    {
        var images = new Option<string[]>("--images") { Description = "Folder of photos with iBUG .pts files (repeatable).", Required = true, AllowMultipleArgumentsPerToken = true };
        var output = new Option<string>("--out") { Description = "Output folder (index.jsonl, one record per photo).", Required = true };
        var layouts = new Option<string>("--layouts") { Description = $"Comma-separated layouts ({string.Join(", ", LandmarkLayouts.Names)}).", DefaultValueFactory = _ => "ibug68,dense520,full703" };
        var maxNme = new Option<double>("--max-nme") { Description = "Skip fits whose 68-point reprojection error exceeds this fraction of the inter-ocular distance.", DefaultValueFactory = _ => 0.08 };
        var sigma = new Option<float>("--sigma") { Description = "Landmark standard deviation for the fit, pixels.", DefaultValueFactory = _ => 2f };
        var limit = new Option<int?>("--limit") { Description = "Process at most this many photos." };
        var overlays = new Option<bool>("--overlays") { Description = "Also write DIR/<key>_overlay.png: the photo with the labels of the last layout (visible green, hidden red)." };
        var rotate = new Option<string?>("--rotate") { Description = "Comma-separated yaw offsets in degrees (e.g. 30,-30): also render the fitted head, wearing the photo's extracted texture, turned by each over the photo with its head region filled (300W-LP style), into DIR/images/." };
        var threads = new Option<int>("--threads") { Description = "Photos fitted in parallel (-1 = all cores).", DefaultValueFactory = _ => 2 };
        var cmd = new Command("pseudolabel", "Fit the model to annotated photos and write dense pseudo-labels (index.jsonl in the synth format).")
        {
            images, output, layouts, maxNme, sigma, limit, threads, overlays, rotate,
        };
        cmd.SetAction(parse => CliErrors.Run(() =>
        {
            double max = parse.GetValue(maxNme);
            if (!(max > 0)) throw new InvalidInputException("--max-nme", $"{max} must be positive");
            float s = parse.GetValue(sigma);
            if (!float.IsFinite(s) || s <= 0) throw new InvalidInputException("--sigma", $"{s} must be a positive number of pixels");
            var names = (parse.GetValue(layouts) ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Distinct().ToArray();
            if (names.Length == 0) throw new InvalidInputException("--layouts", "no layout named");
            var chosen = names.Select(LandmarkLayouts.Load).ToArray();
            var problems = new List<(string, string)>();
            var items = PhotoBatch.Scan(parse.GetValue(images) ?? [], parse.GetValue(limit), problems);
            var model = MorphableModel.Load();
            var labeler = new PseudoLabeler(model, chosen);
            var turns = ParseYaws(parse.GetValue(rotate));
            var views = new RotatedView(model, labeler);
            string outDir = Path.GetFullPath(parse.GetValue(output)!);
            int n = PhotoBatch.Run("pseudo-labelling", outDir, model, items, problems, parse.GetValue(threads), (fitter, item) =>
            {
                var photo = ImageIO.Load(item.ImagePath);
                var fit = PhotoFit.Fit(fitter, item.Points, photo.Width, photo.Height, s);
                if (!(fit.Nme <= max)) throw new InvalidInputException(item.ImagePath, $"fit NME {fit.Nme:P2} exceeds --max-nme {max:P2}");
                var extractor = new TextureExtractor(model, fit.Positions, fit.Camera, fit.Pose, photo);
                var sample = labeler.Label(0, photo, fit, extractor.Visibility);
                if (parse.GetValue(overlays)) ImageIO.Save(Overlay(sample), Path.Combine(outDir, item.Key + "_overlay.png"));
                var lines = new List<string> { Line(item.ImagePath, sample, null) };
                if (turns.Length > 0)
                {
                    var face = extractor.Extract(TextureTile.Face).Color;
                    var head = extractor.Extract(TextureTile.Head, new TextureExtractionOptions { Size = 256 }).Color;
                    var background = RotatedView.RemoveHead(photo, extractor.Visibility, Math.Max(2, (int)(0.04f * Math.Max(sample.Box.Width, sample.Box.Height))));
                    Directory.CreateDirectory(Path.Combine(outDir, "images"));
                    foreach (float yaw in turns)
                    {
                        if (MathF.Abs(fit.HeadPose.Yaw + yaw) > 90) continue;
                        var view = views.Render(0, background, fit, face, head, yaw);
                        var name = $"images/{item.Key}_yaw{yaw:+0;-0}.jpg";
                        ImageIO.Save(view.Image, Path.Combine(outDir, name), jpegQuality: 92);
                        if (parse.GetValue(overlays)) ImageIO.Save(Overlay(view), Path.Combine(outDir, $"{item.Key}_yaw{yaw:+0;-0}_overlay.png"));
                        lines.Add(Line(name, view, yaw));
                    }
                }
                return string.Join("\n", lines);

                string Line(string image, DenseFace.Training.Synthesis.Sample s, float? turned) => SynthCommand.JsonLine(image, s, model.ExpressionNames, w =>
                {
                    w.WriteNumber("nme", Math.Round(fit.Nme, 5));
                    w.WriteNumber("rms_px", Math.Round(fit.Result.RmsReprojectionPx, 3));
                    w.WriteString("pts", item.PtsPath);
                    if (turned is float t) { w.WriteString("source", item.ImagePath); w.WriteNumber("turned_yaw", t); }
                });
            });
            return n > 0 ? 0 : 2;
        }));
        return cmd;
    }

    static float[] ParseYaws(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return [];
        return text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(t =>
            float.TryParse(t, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out float v) && float.IsFinite(v) && v != 0 && MathF.Abs(v) <= 90
                ? v : throw new InvalidInputException("--rotate", $"'{t}' is not a non-zero yaw offset in [-90, 90] degrees")).Distinct().ToArray();
    }

    /// <summary>A copy of the photo with the last layout's points: visible green, hidden red.</summary>
    static Image8 Overlay(DenseFace.Training.Synthesis.Sample s)
    {
        var img = s.Image.ConvertTo(3);
        var l = s.Layouts[^1];
        float r = MathF.Max(1.5f, Math.Max(img.Width, img.Height) / 400f);
        for (int i = 0; i < l.Points.Length; i++) Draw.Disc(img, l.Points[i], r, l.Visible[i] ? Rgba.Green : Rgba.Red);
        return img;
    }
}
