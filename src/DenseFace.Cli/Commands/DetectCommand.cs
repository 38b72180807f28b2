using System.CommandLine;
using System.Diagnostics;
using System.Text;
using DenseFace.Detection;
using DenseFace.Evaluation.Datasets;
using DenseFace.Imaging;
using DenseFace.IO;
using Spectre.Console;

namespace DenseFace.Cli.Commands;

/// <summary>
/// <c>denseface detect IMAGE|DIR --jsonl OUT [--out DIR]</c>: finds every face with the YuNet detector and writes one
/// JSON line per image (<see cref="DetectionReport.JsonLine"/>), written atomically at the end; with --out, overlays
/// DIR/&lt;name&gt;_faces.png. A folder is scanned at its top level for images (sorted by name); unreadable images are
/// reported and skipped.
/// </summary>
internal static class DetectCommand
{
    public static Command Create()
    {
        var input = new Argument<string>("input") { Description = "An image or a folder of images." };
        var jsonl = new Option<string>("--jsonl") { Description = "Output JSON Lines file (one line per image).", Required = true };
        var output = new Option<string?>("--out") { Description = "Folder for overlays (YuNet box yellow, 68-point box estimate green, key points red)." };
        var longSide = new Option<int>("--long-side") { Description = "Scale images so their long side is this many pixels (0 = full resolution).", DefaultValueFactory = _ => 320 };
        var fine = new Option<int>("--fine") { Description = "Second, finer pass at this long side for small faces (e.g. 640; 0 = off).", DefaultValueFactory = _ => 0 };
        var score = new Option<float>("--score") { Description = "Minimum detection score.", DefaultValueFactory = _ => 0.6f };
        var model = new Option<string?>("--model") { Description = "YuNet ONNX file (default: models/yunet/yunet_n_dynamic.onnx under the data root)." };
        var cmd = new Command("detect", "Detect faces (YuNet run by our engine): boxes, scores, 5 key points, 68-point box estimates.")
        {
            input, jsonl, output, longSide, fine, score, model,
        };
        cmd.SetAction(parse => CliErrors.Run(() =>
        {
            var options = new FaceDetectorOptions { LongSide = parse.GetValue(longSide), FineLongSide = parse.GetValue(fine), ScoreThreshold = parse.GetValue(score) };
            string path = parse.GetValue(input)!;
            string[] files = Directory.Exists(path)
                ? Directory.GetFiles(path).Where(f => DatasetScanner.ImageExtensions.Contains(Path.GetExtension(f).ToLowerInvariant())).Order(StringComparer.Ordinal).ToArray()
                : File.Exists(path) ? [path] : throw new InvalidInputException(path, "no such image or folder");
            if (files.Length == 0) throw new InvalidInputException(path, "the folder holds no images");
            var detector = FaceDetector.Load(parse.GetValue(model), options);
            string? overlays = parse.GetValue(output);
            var lines = new StringBuilder();
            var faces = new List<DetectedFace>();
            int found = 0, skipped = 0;
            foreach (var file in files)
            {
                Image8 image;
                try { image = ImageIO.Load(file); }
                catch (InvalidInputException e) when (files.Length > 1) { Console.Error.WriteLine($"skipped: {e.Message}"); skipped++; continue; }
                var clock = Stopwatch.StartNew();
                detector.Detect(image, faces);
                double ms = clock.Elapsed.TotalMilliseconds;
                found += faces.Count;
                lines.Append(DetectionReport.JsonLine(file, image.Width, image.Height, faces, ms)).Append('\n');
                if (overlays != null)
                    ImageIO.Save(DetectionReport.Overlay(image, faces), Path.Combine(overlays, Path.GetFileNameWithoutExtension(file) + "_faces.png"));
            }
            string outPath = parse.GetValue(jsonl)!;
            AtomicFile.WriteAllText(outPath, lines.ToString());
            AnsiConsole.MarkupLine($"{files.Length - skipped} image(s), {found} face(s){(skipped > 0 ? $", {skipped} skipped" : "")} -> {Markup.Escape(outPath)}");
            return 0;
        }));
        return cmd;
    }
}
