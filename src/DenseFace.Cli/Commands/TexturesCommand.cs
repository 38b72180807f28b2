using System.CommandLine;
using System.Text.Json;
using DenseFace.FaceModel;
using DenseFace.Imaging;
using DenseFace.IO;
using DenseFace.Rendering;
using DenseFace.Training.PseudoLabels;

namespace DenseFace.Cli.Commands;

/// <summary>
/// <c>denseface textures extract --images DIR [--images DIR ...] --out DIR [--limit N] [--size 512]</c>: fits the
/// model to every photo's 68 annotated points (<see cref="PhotoFit"/>) and extracts mirror-filled textures
/// (<see cref="TextureExtractor"/>): DIR/&lt;key&gt;.png (face, UV tile 0) and DIR/&lt;key&gt;.head.png (head, tile 1),
/// and DIR/index.jsonl with one record per texture (name, texture, head_texture, image, nme, yaw, pitch, roll,
/// coverage, mirrored_coverage, head_coverage). Photos whose fit is poor (NME), too turned (yaw) or too little
/// seen (coverage) are skipped and reported. Resumable. The textures derive from the photos: keep DIR out of git.
/// </summary>
internal static class TexturesCommand
{
    public static Command Create()
    {
        var images = new Option<string[]>("--images") { Description = "Folder of photos with iBUG .pts files (repeatable).", Required = true, AllowMultipleArgumentsPerToken = true };
        var output = new Option<string>("--out") { Description = "Output folder for the textures and index.jsonl (git-ignored, e.g. artifacts/textures).", Required = true };
        var size = new Option<int>("--size") { Description = "Texture width and height in texels.", DefaultValueFactory = _ => 512 };
        var maxNme = new Option<double>("--max-nme") { Description = "Skip fits whose 68-point reprojection error exceeds this fraction of the inter-ocular distance.", DefaultValueFactory = _ => 0.06 };
        var maxYaw = new Option<float>("--max-yaw") { Description = "Skip photos whose fitted |yaw| exceeds this, degrees.", DefaultValueFactory = _ => 50f };
        var minCoverage = new Option<double>("--min-coverage") { Description = "Skip photos showing less than this fraction of the face texture.", DefaultValueFactory = _ => 0.3 };
        var limit = new Option<int?>("--limit") { Description = "Process at most this many photos." };
        var threads = new Option<int>("--threads") { Description = "Photos processed in parallel (-1 = all cores).", DefaultValueFactory = _ => 2 };
        var extract = new Command("extract", "Fit annotated photos and extract mirror-filled UV textures (face and head tiles).")
        {
            images, output, size, maxNme, maxYaw, minCoverage, limit, threads,
        };
        extract.SetAction(parse => CliErrors.Run(() =>
        {
            double nmeLimit = parse.GetValue(maxNme), coverageLimit = parse.GetValue(minCoverage);
            float yawLimit = parse.GetValue(maxYaw);
            if (!(nmeLimit > 0)) throw new InvalidInputException("--max-nme", $"{nmeLimit} must be positive");
            if (!(yawLimit is > 0 and <= 90)) throw new InvalidInputException("--max-yaw", $"{yawLimit} is outside (0, 90]");
            if (!(coverageLimit is >= 0 and < 1)) throw new InvalidInputException("--min-coverage", $"{coverageLimit} is outside [0, 1)");
            var options = new TextureExtractionOptions { Size = parse.GetValue(size) };
            var problems = new List<(string, string)>();
            var items = PhotoBatch.Scan(parse.GetValue(images) ?? [], parse.GetValue(limit), problems);
            var model = MorphableModel.Load();
            string outDir = Path.GetFullPath(parse.GetValue(output)!);
            int n = PhotoBatch.Run("extracting textures", outDir, model, items, problems, parse.GetValue(threads), (fitter, item) =>
            {
                var photo = ImageIO.Load(item.ImagePath);
                var fit = PhotoFit.Fit(fitter, item.Points, photo.Width, photo.Height);
                var (yaw, pitch, roll) = fit.HeadPose;
                if (!(fit.Nme <= nmeLimit)) throw new InvalidInputException(item.ImagePath, $"fit NME {fit.Nme:P2} exceeds --max-nme {nmeLimit:P2}");
                if (!(MathF.Abs(yaw) <= yawLimit)) throw new InvalidInputException(item.ImagePath, $"fitted yaw {yaw:F0} deg exceeds --max-yaw {yawLimit}");
                var extractor = new TextureExtractor(model, fit.Positions, fit.Camera, fit.Pose, photo);
                var face = extractor.Extract(TextureTile.Face, options);
                if (face.Coverage < coverageLimit) throw new InvalidInputException(item.ImagePath, $"only {face.Coverage:P0} of the face texture is seen (--min-coverage {coverageLimit:P0})");
                var head = extractor.Extract(TextureTile.Head, options with { Size = Math.Max(16, options.Size / 2) });
                ImageIO.Save(face.Color, Path.Combine(outDir, item.Key + ".png"));
                ImageIO.Save(head.Color, Path.Combine(outDir, item.Key + ".head.png"));
                return JsonSerializer.Serialize(new Dictionary<string, object>
                {
                    ["name"] = item.Key, ["texture"] = item.Key + ".png", ["head_texture"] = item.Key + ".head.png", ["image"] = item.ImagePath,
                    ["nme"] = Math.Round(fit.Nme, 5), ["yaw"] = Math.Round(yaw, 2), ["pitch"] = Math.Round(pitch, 2), ["roll"] = Math.Round(roll, 2),
                    ["coverage"] = Math.Round(face.Coverage, 4), ["mirrored_coverage"] = Math.Round(face.MirroredCoverage, 4), ["head_coverage"] = Math.Round(head.Coverage, 4),
                });
            });
            return n > 0 ? 0 : 2;
        }));
        return new Command("textures", "Real-photo UV textures for synthesis.") { extract };
    }
}
