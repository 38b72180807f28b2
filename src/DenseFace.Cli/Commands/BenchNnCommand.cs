using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using DenseFace.IO;
using DenseFace.Neural;
using DenseFace.Training;
using Spectre.Console;

namespace DenseFace.Cli.Commands;

/// <summary>
/// <c>denseface bench nn</c>: MobileNetV2-1.0 with a 1,560-output head, our engine side by side with ONNX Runtime
/// and PyTorch (bench/peers/run.sh, which installs the peers) in one run; also checks that our engine reproduces
/// PyTorch's outputs on the weights and reference inputs PyTorch exported.
/// </summary>
internal static class BenchNnCommand
{
    public static Command Create()
    {
        var cmd = new Command("nn", "Benchmark the neural engine (MobileNetV2-1.0, 1,560 outputs) against ONNX Runtime and PyTorch on this machine.");
        var json = new Option<FileInfo?>("--json") { Description = "Write the results as JSON here." };
        var skipPeers = new Option<bool>("--skip-peers") { Description = "Do not run ONNX Runtime / PyTorch (their values are null)." };
        var runs = new Option<int>("--runs") { Description = "Timed inference runs per size (median reported).", DefaultValueFactory = _ => 50 };
        var steps = new Option<int>("--train-steps") { Description = "Timed training steps (batch 32).", DefaultValueFactory = _ => 5 };
        cmd.Options.Add(json); cmd.Options.Add(skipPeers); cmd.Options.Add(runs); cmd.Options.Add(steps);
        cmd.SetAction(parse =>
        {
            var repo = RepositoryRoot();
            JsonNode? peers = null;
            if (!parse.GetValue(skipPeers))
                peers = RunPeers(repo);
            AnsiConsole.MarkupLine("[grey]measuring our engine...[/]");
            var ours = NeuralBenchmark.Run(new NeuralBenchmarkOptions { InferenceRuns = parse.GetValue(runs), TrainSteps = parse.GetValue(steps) }, Console.Out);
            var agreement = CompareWithPyTorch(Path.Combine(repo, "artifacts", "peers"));

            double Ours(int size) => ours.Inference.First(t => t.InputSize == size).MedianMs;
            double? Peer(string engine, string size) => peers?["infer_ms_1thread"]?[engine]?[size]?.GetValue<double>();
            double? torchTrain = peers?["train_images_per_s_2threads"]?["pytorch"]?.GetValue<double>();
            var result = new JsonObject
            {
                ["model"] = "mobilenet_v2 width 1.0, 1560 outputs, batch 1 inference at 128x128 (224x224 in *_224)",
                ["infer_ms_1thread"] = new JsonObject { ["ours"] = Ours(128), ["onnxruntime"] = Peer("onnxruntime", "128"), ["pytorch"] = Peer("pytorch", "128") },
                ["infer_ms_1thread_224"] = new JsonObject { ["ours"] = Ours(224), ["onnxruntime"] = Peer("onnxruntime", "224"), ["pytorch"] = Peer("pytorch", "224") },
                ["train_images_per_s_2threads"] = new JsonObject { ["ours"] = ours.TrainImagesPerSecond, ["pytorch"] = torchTrain },
                ["ratios"] = new JsonObject
                {
                    ["infer_128_ours_over_onnxruntime"] = Peer("onnxruntime", "128") is double o128 ? Ours(128) / o128 : null,
                    ["infer_128_pytorch_over_ours"] = Peer("pytorch", "128") is double p128 ? p128 / Ours(128) : null,
                    ["train_ours_over_pytorch"] = torchTrain is double t ? ours.TrainImagesPerSecond / t : null,
                },
                ["agreement_with_pytorch_max_abs_diff"] = agreement,
                ["ours_detail"] = JsonSerializer.SerializeToNode(ours),
                ["peers_detail"] = peers?.DeepClone(),
                ["machine"] = $"{Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}",
                ["date_utc"] = DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ"),
            };
            var table = new Table().AddColumn("").AddColumn("ours").AddColumn("ONNX Runtime").AddColumn("PyTorch");
            string F(double? v, string f = "F2") => v is double d ? d.ToString(f) : "-";
            table.AddRow("inference 128x128, 1 thread (ms, median)", F(Ours(128)), F(Peer("onnxruntime", "128")), F(Peer("pytorch", "128")));
            table.AddRow("inference 224x224, 1 thread (ms, median)", F(Ours(224)), F(Peer("onnxruntime", "224")), F(Peer("pytorch", "224")));
            table.AddRow("training 128x128 batch 32, 2 threads (images/s)", F(ours.TrainImagesPerSecond, "F1"), "-", F(torchTrain, "F1"));
            AnsiConsole.Write(table);
            if (agreement is not null) AnsiConsole.MarkupLine($"agreement with PyTorch (max |ours - torch| on its reference inputs): {Markup.Escape(agreement.ToJsonString())}");
            if (parse.GetValue(json) is { } file)
            {
                AtomicFile.WriteAllText(file.FullName, result.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
                Console.WriteLine($"wrote {file.FullName}");
            }
            return 0;
        });
        return cmd;
    }

    static string RepositoryRoot() => DataRoot.FindRepositoryRoot()
        ?? throw new InvalidInputException("bench nn", "run it from inside the DenseFace repository (bench/peers/ is needed)");

    /// <summary>Runs bench/peers/run.sh (installs PyTorch and ONNX Runtime if needed) and reads its JSON; null when it fails.</summary>
    static JsonNode? RunPeers(string repo)
    {
        var output = Path.Combine(repo, "artifacts", "peers.json");
        AnsiConsole.MarkupLine("[grey]running the peers (bench/peers/run.sh: PyTorch export + timing, ONNX Runtime timing)...[/]");
        var psi = new ProcessStartInfo("bash", [Path.Combine(repo, "bench", "peers", "run.sh"), output]) { WorkingDirectory = repo };
        using var p = Process.Start(psi) ?? throw new InvalidInputException("bench/peers/run.sh", "could not start bash");
        p.WaitForExit();
        if (p.ExitCode != 0 || !File.Exists(output))
        {
            AnsiConsole.MarkupLine($"[yellow]peers failed (exit {p.ExitCode}); their values are null[/]");
            return null;
        }
        return JsonNode.Parse(File.ReadAllText(output));
    }

    /// <summary>
    /// Loads the weights PyTorch exported (torchvision mobilenet_v2, randomised BN statistics) into our engine and
    /// returns max |ours - PyTorch| on PyTorch's reference inputs per input size; null when the files are absent.
    /// </summary>
    static JsonObject? CompareWithPyTorch(string dir)
    {
        var weights = Path.Combine(dir, "mobilenet_v2.safetensors");
        if (!File.Exists(weights)) return null;
        var result = new JsonObject();
        var net = Network.Create(new NetworkConfig { NumOutputs = 1560, InputSize = 128 }, 0);
        net.LoadWeights(weights);
        net.Eval();
        foreach (var size in new[] { 128, 224 })
        {
            var inPath = Path.Combine(dir, $"reference_input_{size}.npy");
            var outPath = Path.Combine(dir, $"reference_output_{size}.npy");
            if (!File.Exists(inPath) || !File.Exists(outPath)) continue;
            var input = NpyArray.Read(inPath);
            var expected = NpyArray.Read(outPath).ToFloatArray();
            int batch = input.Shape[0];
            var x = input.ToFloatArray();
            var graph = net.Forward(x, batch, size, size).ToArray();
            var plan = net.CompileInference(size, size, batch);
            var folded = plan.Run(x).ToArray();
            result[$"graph_{size}"] = MaxAbsDiff(graph, expected);
            result[$"folded_plan_{size}"] = MaxAbsDiff(folded, expected);
        }
        return result;
    }

    static double MaxAbsDiff(float[] a, float[] b)
    {
        if (a.Length != b.Length) throw new InvalidInputException("reference output", $"length {b.Length}, ours {a.Length}");
        double m = 0;
        for (int i = 0; i < a.Length; i++) m = Math.Max(m, Math.Abs(a[i] - b[i]));
        return m;
    }
}
