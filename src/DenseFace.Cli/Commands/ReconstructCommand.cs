using System.CommandLine;
using System.Drawing;
using DenseFace.Imaging;
using DenseFace.IO;
using DenseFace.Landmarks;
using DenseFace.Pipeline;

namespace DenseFace.Cli.Commands;

/// <summary>
/// <c>denseface reconstruct IMAGE|DIR|LIST.txt [--out DIR] [--jsonl OUT] [--box x,y,w,h | --boxes FILE] [--threads N]
/// [--shard K/N]</c>: <see cref="FaceReconstructor"/> on every image; per image DIR/&lt;key&gt;.json (the JSON line of
/// <see cref="ReconstructionOutput"/>), per face a .glb with the 53 named morph targets (.obj/.ply on request) and a UV
/// texture, an overlay per image; one line per image in the JSONL. Reruns resume.
/// </summary>
internal static class ReconstructCommand
{
    public static Command Create()
    {
        var input = new Argument<string>("input") { Description = "An image, a folder of images (recursive), or a list file (.txt/.lst, one path per line)." };
        var output = new Option<string>("--out") { Description = "Output folder.", DefaultValueFactory = _ => "out/reconstruct" };
        var jsonl = new Option<string?>("--jsonl") { Description = "JSONL with one line per image (default: OUT/reconstruct.jsonl, or reconstruct.K-of-N.jsonl with --shard)." };
        var box = new Option<string?>("--box") { Description = "Face box x,y,w,h in pixels (tight box of the 68 landmarks) for a single image; default: the face detector." };
        var boxes = new Option<string?>("--boxes") { Description = "JSONL of {\"file\", \"box\": [x,y,w,h]} lines, several per file allowed (paths absolute or relative to the input folder)." };
        var threads = new Option<int>("--threads") { Description = "Images in parallel (-1 = all cores).", DefaultValueFactory = _ => 2 };
        var shard = new Option<string?>("--shard") { Description = "Process only shard K of N (1-based, e.g. 3/8): deterministic slices by file path, for cluster job arrays; the shards' JSONL files concatenate into the whole." };
        var obj = new Option<bool>("--obj") { Description = "Also write each face as Wavefront .obj (cm)." };
        var ply = new Option<bool>("--ply") { Description = "Also write each face as .ply (cm)." };
        var textureSize = new Option<int>("--texture-size") { Description = "UV texture side in texels (0 = no texture).", DefaultValueFactory = _ => 512 };
        var noOverlay = new Option<bool>("--no-overlay") { Description = "Do not write overlay pictures." };
        var passes = new Option<int>("--passes") { Description = "Landmark network passes: 1, or 2 to refine the ROI.", DefaultValueFactory = _ => 2 };
        var flip = new Option<bool>("--flip") { Description = "Average the landmark network with a pass on the mirrored crop." };
        var focal = new Option<float?>("--focal") { Description = "Focal length in pixels (default: estimated per image)." };
        var model = new Option<string?>("--model") { Description = "Landmark model folder (default: the shipped models/landmarks)." };
        var cmd = new Command("reconstruct", "Reconstruct every face in photos: dense landmarks with sigma, fitted 3D head (mesh with ARKit morph targets), pose, expressions, texture.")
        {
            input, output, jsonl, box, boxes, threads, shard, obj, ply, textureSize, noOverlay, passes, flip, focal, model,
        };
        cmd.SetAction(parse => CliErrors.Run(() =>
        {
            var collection = ImageCollection.Open(parse.GetValue(input)!);
            var slice = parse.GetValue(shard) is string s ? Shard.Parse(s) : Shard.All;
            var items = collection.Select(slice);
            string outDir = Path.GetFullPath(parse.GetValue(output)!);
            string jsonlPath = Path.GetFullPath(parse.GetValue(jsonl) ?? Path.Combine(outDir, slice.Count == 1 ? "reconstruct.jsonl" : $"reconstruct.{slice.Index}-of-{slice.Count}.jsonl"));
            var given = GivenBoxes(parse.GetValue(box), parse.GetValue(boxes), collection);
            var options = new ReconstructionOptions
            {
                Landmarks = new PredictionOptions { Passes = parse.GetValue(passes), FlipAveraging = parse.GetValue(flip) },
                FocalPx = parse.GetValue(focal),
                TextureSize = parse.GetValue(textureSize),
            };
            var extra = new List<string>();
            if (parse.GetValue(obj)) extra.Add(".obj");
            if (parse.GetValue(ply)) extra.Add(".ply");
            bool overlay = !parse.GetValue(noOverlay);
            var reconstructor = FaceReconstructor.Load(options, parse.GetValue(model), withDetector: given is null || items.Any(i => !given.ContainsKey(i.Key)));
            Directory.CreateDirectory(outDir);
            if (slice.Count > 1) Console.WriteLine($"shard {slice}: {items.Count} of {collection.Items.Count} images");
            var summary = ImageBatch.Run("reconstructing", items, jsonlPath, parse.GetValue(threads), item =>
            {
                var image = LoadTimed(item.Path, out double decodeMs);
                IReadOnlyList<RectangleF>? faceBoxes = given is not null && given.TryGetValue(item.Key, out var list) ? list : null;
                var r = reconstructor.Reconstruct(image, faceBoxes);
                r = r with { Timings = r.Timings with { Decode = decodeMs, Total = r.Timings.Total + decodeMs } };
                string stem = Path.ChangeExtension(item.Key, null);
                var files = r.Faces.Select((f, i) => (FaceFiles?)ReconstructionOutput.WriteFaceFiles(outDir, stem, i, f, reconstructor.Model, extra)).ToList();
                var line = ReconstructionOutput.JsonLine(item.Key, r, reconstructor.Model, files);
                AtomicFile.WriteAllText(ReconstructionOutput.InsideFolder(outDir, stem + ".json"), line + "\n");
                if (overlay) ImageIO.Save(ReconstructionOutput.Overlay(image, r, reconstructor.Model), ReconstructionOutput.InsideFolder(outDir, stem + ".overlay.png"));
                if (collection.IsSingleImage) PrintFaces(item.Key, r, files, reconstructor.Model);
                return new ImageBatch.Outcome(line, r.Faces.Count);
            });
            return summary.Written + summary.Resumed == 0 && items.Count > 0 ? 2 : 0;
        }));
        return cmd;
    }

    /// <summary>One line per face of a single-image run: where it is, the pose, the strongest expressions, the mesh.</summary>
    static void PrintFaces(string file, ImageReconstruction r, IReadOnlyList<FaceFiles?> files, DenseFace.FaceModel.MorphableModel model)
    {
        var t = r.Timings;
        Console.WriteLine($"{file}: {r.Faces.Count} face(s); decode {t.Decode:F1} ms, detect {t.Detect:F1} ms, landmarks {t.Landmarks:F1} ms, fit {t.Fit:F1} ms, texture {t.Texture:F1} ms");
        for (int i = 0; i < r.Faces.Count; i++)
        {
            var f = r.Faces[i]; var p = f.Pose;
            var top = f.Expression.Select((w, e) => (w, e)).OrderByDescending(x => x.w).Take(3).Where(x => x.w >= 0.1f)
                .Select(x => $"{model.ExpressionNames[x.e]} {x.w:F2}");
            Console.WriteLine($"  face {i}: box {f.Box.X:F0},{f.Box.Y:F0} {f.Box.Width:F0}x{f.Box.Height:F0}, yaw/pitch/roll {p.Yaw:F1}/{p.Pitch:F1}/{p.Roll:F1} deg, " +
                $"{p.TranslationCm.Length():F0} cm away, focal {p.FocalPx:F0} px, fit rms {f.RmsReprojectionPx:F2} px; {string.Join(", ", top)} -> {files[i]?.Mesh}");
        }
    }

    /// <summary>Decodes an image, timing it.</summary>
    static Image8 LoadTimed(string path, out double ms)
    {
        long t0 = System.Diagnostics.Stopwatch.GetTimestamp();
        var image = ImageIO.Load(path);
        ms = System.Diagnostics.Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
        return image;
    }

    /// <summary>Boxes by image key from --box (single image) or --boxes; null when neither is given.</summary>
    internal static Dictionary<string, List<RectangleF>>? GivenBoxes(string? box, string? boxesFile, ImageCollection collection)
    {
        if (box is null && boxesFile is null) return null;
        var given = new Dictionary<string, List<RectangleF>>(StringComparer.Ordinal);
        if (box is not null)
        {
            if (!collection.IsSingleImage) throw new InvalidInputException("--box", "applies to a single image; use --boxes for a folder or list");
            given[collection.Items[0].Key] = [LandmarksCommand.ParseBox(box, "--box")];
        }
        if (boxesFile is not null)
            foreach (var (file, r) in LandmarksCommand.ReadBoxes(boxesFile, collection.Root))
            {
                var key = ImageCollection.Key(collection.Root, file);
                if (!given.TryGetValue(key, out var list)) given[key] = list = [];
                list.Add(r);
            }
        return given;
    }
}
