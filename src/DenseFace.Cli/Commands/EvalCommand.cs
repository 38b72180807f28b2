using System.CommandLine;
using System.Text.Json;
using DenseFace.Evaluation.Protocols;
using DenseFace.IO;
using DenseFace.Landmarks;

namespace DenseFace.Cli.Commands;

/// <summary><c>denseface eval 300w --data DIR --json OUT</c>: the 300-W ground-truth-box protocol (<see cref="Landmarks300W"/>).</summary>
internal static class EvalCommand
{
    public static Command Create()
    {
        var cmd = new Command("eval", "Benchmark protocols: accuracy of the shipped (or given) landmark model.");
        var data = new Option<string>("--data") { Description = "Folder of images with iBUG .pts files (e.g. ../shared/data/300w/helen/testset).", Required = true };
        var json = new Option<string?>("--json") { Description = "Write the results as JSON (NME in percent)." };
        var passes = new Option<int>("--passes") { Description = "1, or 2 to refine the ROI from the first pass.", DefaultValueFactory = _ => 2 };
        var flip = new Option<bool>("--flip") { Description = "Average with a pass on the mirrored crop." };
        var model = new Option<string?>("--model") { Description = "Model folder (default: the shipped models/landmarks)." };
        var threads = new Option<int>("--threads") { Description = "Images in parallel (each on one thread).", DefaultValueFactory = _ => 1 };
        var w300 = new Command("300w", "300-W style folder, boxes from the ground-truth 68 points; 2D annotation convention.") { data, json, passes, flip, model, threads };
        w300.SetAction(parse => CliErrors.Run(() =>
        {
            var predictor = LandmarkPredictor.Load(parse.GetValue(model));
            var options = new PredictionOptions { Passes = parse.GetValue(passes), FlipAveraging = parse.GetValue(flip) };
            var r = Landmarks300W.Evaluate(predictor, Path.GetFullPath(parse.GetValue(data)!), options, Math.Max(1, parse.GetValue(threads)),
                (d, n) => { if (d % 25 == 0 || d == n) Console.Error.Write($"\reval 300w: {d}/{n}   "); });
            Console.Error.WriteLine();
            Console.WriteLine($"images {r.Images} (missing {r.Missing}), passes {options.Passes}{(options.FlipAveraging ? " + flip" : "")}");
            Console.WriteLine($"NME inter-ocular {100 * r.NmeIo:F2} %   NME box {100 * r.NmeBox:F2} %   FR@10% {100 * r.Fr10Io:F2} %   AUC@10% {r.Auc10Io:F4}");
            Console.WriteLine($"sigma calibration: {100 * r.WithinOneSigma:F1} % within 1 sigma, {100 * r.WithinTwoSigma:F1} % within 2 sigma (Gaussian: 39.3 / 86.5)");
            Console.WriteLine($"median {r.MedianMsPerFace:F2} ms per face (one thread)");
            if (parse.GetValue(json) is string path)
                AtomicFile.WriteAllText(path, JsonSerializer.Serialize(new Dictionary<string, object>
                {
                    ["images"] = r.Images, ["missing"] = r.Missing, ["nme_io"] = Math.Round(100 * r.NmeIo, 4), ["nme_box"] = Math.Round(100 * r.NmeBox, 4),
                    ["fr10_io"] = Math.Round(100 * r.Fr10Io, 4), ["auc10_io"] = Math.Round(r.Auc10Io, 5), ["within_1_sigma"] = Math.Round(r.WithinOneSigma, 4),
                    ["within_2_sigma"] = Math.Round(r.WithinTwoSigma, 4), ["median_ms_per_face"] = Math.Round(r.MedianMsPerFace, 3),
                    ["passes"] = options.Passes, ["flip"] = options.FlipAveraging,
                }, new JsonSerializerOptions { WriteIndented = true }) + "\n");
            return 0;
        }));
        cmd.Subcommands.Add(w300);
        return cmd;
    }
}
