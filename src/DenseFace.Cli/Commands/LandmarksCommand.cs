using System.CommandLine;
using System.Diagnostics;
using System.Drawing;
using System.Globalization;
using System.Text.Json;
using DenseFace.Evaluation.Datasets;
using DenseFace.Imaging;
using DenseFace.Landmarks;
using DenseFace.Pipeline;

namespace DenseFace.Cli.Commands;

/// <summary>
/// <c>denseface landmarks IMAGE|DIR [--box x,y,w,h | --boxes FILE.jsonl] --jsonl OUT [--out DIR] [--threads N]</c>:
/// dense landmarks with σ and visibility per face (<see cref="LandmarkPredictor"/>), one JSON line per image
/// (<see cref="LandmarkOutput.JsonLine"/>). A face box is the tight box of its 68 landmarks; without --box/--boxes
/// the face detector finds every face (its boxes converted to 68-point boxes), or with --pts-boxes an iBUG .pts
/// file beside each image gives its box. A bad file is reported and skipped; a rerun skips the files already in
/// OUT and appends the rest.
/// </summary>
internal static class LandmarksCommand
{
    public static Command Create()
    {
        var input = new Argument<string>("input") { Description = "An image, a folder of images (recursive), or a list file (.txt/.lst, one path per line)." };
        var box = new Option<string?>("--box") { Description = "Face box x,y,w,h in pixels (tight box of the 68 landmarks) for a single image." };
        var boxes = new Option<string?>("--boxes") { Description = "JSONL of {\"file\", \"box\": [x,y,w,h]} lines (paths absolute or relative to the folder)." };
        var jsonl = new Option<string>("--jsonl") { Description = "Output JSONL, one line per image.", Required = true };
        var output = new Option<string?>("--out") { Description = "Folder for overlays (<name>_landmarks.png: points coloured by sigma)." };
        var threads = new Option<int>("--threads") { Description = "Images in parallel (-1 = all cores).", DefaultValueFactory = _ => 2 };
        var passes = new Option<int>("--passes") { Description = "1, or 2 to refine the ROI from the first pass.", DefaultValueFactory = _ => 2 };
        var flip = new Option<bool>("--flip") { Description = "Average with a pass on the mirrored crop." };
        var model = new Option<string?>("--model") { Description = "Model folder (default: the shipped models/landmarks)." };
        var ptsBoxes = new Option<bool>("--pts-boxes") { Description = "Take each image's face box from the iBUG .pts file beside it instead of the face detector." };
        var cmd = new Command("landmarks", "Predict dense landmarks (with sigma and visibility) and both 68-point sets for faces in images.")
        {
            input, box, boxes, jsonl, output, threads, passes, flip, model, ptsBoxes,
        };
        cmd.SetAction(parse => CliErrors.Run(() =>
        {
            var collection = ImageCollection.Open(parse.GetValue(input)!);
            var given = ReconstructCommand.GivenBoxes(parse.GetValue(box), parse.GetValue(boxes), collection);
            var options = new PredictionOptions { Passes = parse.GetValue(passes), FlipAveraging = parse.GetValue(flip) };
            var predictor = LandmarkPredictor.Load(parse.GetValue(model));
            bool fromPts = parse.GetValue(ptsBoxes);
            var detector = given is null && !fromPts ? DenseFace.Detection.FaceDetector.Load() : null;
            string outJsonl = Path.GetFullPath(parse.GetValue(jsonl)!);
            string? overlayDir = parse.GetValue(output) is string o ? Path.GetFullPath(o) : null;
            if (overlayDir != null) Directory.CreateDirectory(overlayDir);
            var summary = ImageBatch.Run("landmarks", collection.Items, outJsonl, parse.GetValue(threads), item =>
            {
                long t0 = Stopwatch.GetTimestamp();
                var image = ImageIO.Load(item.Path);
                if (image.Channels != 3) image = image.ConvertTo(3);
                double decode = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
                long t1 = Stopwatch.GetTimestamp();
                // one face per image from --box/--boxes (the last line for a file wins)
                List<RectangleF> faceBoxes = given is not null && given.TryGetValue(item.Key, out var gb) ? [gb[^1]]
                    : detector is null ? [BoxFromPts(item.Path)]
                    : detector.Detect(image).Select(d => d.Box68.ToRectangle()).ToList();
                double detect = Stopwatch.GetElapsedTime(t1).TotalMilliseconds;
                var faces = faceBoxes.Select(fb => (fb, predictor.Predict(image, fb, options))).ToList();
                var timing = new Dictionary<string, double> { ["decode"] = decode };
                if (detector != null) timing["detect"] = detect;
                timing["landmarks"] = faces.Sum(f => f.Item2.Milliseconds);
                timing["total"] = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
                var line = LandmarkOutput.JsonLine(item.Key, image.Width, image.Height, faces, timing);
                if (overlayDir != null)
                    ImageIO.Save(LandmarkOutput.Overlay(image, faces.Select(f => f.Item2)), Path.Combine(overlayDir, Path.GetFileNameWithoutExtension(item.Path) + "_landmarks.png"));
                return new ImageBatch.Outcome(line, faces.Count);
            });
            return summary.Skipped.Count > 0 && summary.Written == 0 && summary.Resumed == 0 ? 2 : 0;
        }));
        return cmd;
    }



    static RectangleF BoxFromPts(string image)
    {
        var pts = Path.ChangeExtension(image, ".pts");
        if (!File.Exists(pts)) throw new InvalidInputException(image, "no face box: pass --box/--boxes or put an iBUG .pts file beside the image");
        return DenseFace.Detection.FaceBox.Tight(PtsFile.Read(pts).Points).ToRectangle();
    }

    internal static RectangleF ParseBox(string text, string source)
    {
        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        if (parts.Length != 4 || !parts.All(s => float.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out _)))
            throw new InvalidInputException(source, $"'{text}' is not x,y,w,h");
        var v = parts.Select(s => float.Parse(s, CultureInfo.InvariantCulture)).ToArray();
        if (!(v[2] > 0 && v[3] > 0) || v.Any(x => !float.IsFinite(x))) throw new InvalidInputException(source, $"'{text}' has no positive finite size");
        return new RectangleF(v[0], v[1], v[2], v[3]);
    }

    internal static IEnumerable<(string, RectangleF)> ReadBoxes(string file, string root)
    {
        if (!File.Exists(file)) throw new InvalidInputException(file, "boxes file not found");
        int n = 0;
        foreach (var line in File.ReadLines(file))
        {
            n++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            string name; float[] v;
            try
            {
                using var d = JsonDocument.Parse(line);
                name = d.RootElement.GetProperty("file").GetString() ?? throw new InvalidInputException($"{file}:{n}", "\"file\" is null");
                v = d.RootElement.GetProperty("box").EnumerateArray().Select(e => e.GetSingle()).ToArray();
            }
            catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
            {
                throw new InvalidInputException($"{file}:{n}", $"not a {{\"file\", \"box\"}} line: {e.Message}");
            }
            if (v.Length != 4 || !(v[2] > 0 && v[3] > 0)) throw new InvalidInputException($"{file}:{n}", "box must be [x, y, w, h] with positive size");
            yield return (Path.GetFullPath(name, root), new RectangleF(v[0], v[1], v[2], v[3]));
        }
    }
}
