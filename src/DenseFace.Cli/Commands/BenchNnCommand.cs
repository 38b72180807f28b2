using System.CommandLine;
using System.Diagnostics;

namespace DenseFace.Cli.Commands;

/// <summary>
/// <c>denseface bench nn</c>: MobileNetV2-1.0 with a 1,560-output head, our engine beside ONNX Runtime (in-process from
/// NuGet, and onnxruntime-node) and PyTorch, interleaved in one run. The measurement lives in the bench project
/// (bench/DenseFace.Bench, <c>NeuralEngineBenchmark</c>), which may reference ONNX Runtime; this command builds and starts
/// it with the same options, so neither the CLI nor the runtime library depends on a peer.
/// </summary>
internal static class BenchNnCommand
{
    public static Command Create()
    {
        var cmd = new Command("nn", "Benchmark the neural engine (MobileNetV2-1.0, 1,560 outputs) against ONNX Runtime and PyTorch on this machine (runs bench/DenseFace.Bench).");
        var json = new Option<FileInfo?>("--json") { Description = "Write the results as JSON here." };
        var skipPeers = new Option<bool>("--skip-peers") { Description = "Do not run onnxruntime-node / PyTorch (their values are null); ONNX Runtime in-process still runs." };
        var rounds = new Option<int>("--rounds") { Description = "Rounds of (peers, ours + in-process ONNX Runtime, training); medians over all.", DefaultValueFactory = _ => 3 };
        var runs = new Option<int>("--runs") { Description = "Timed inference runs per size and round (ours and ONNX Runtime alternated).", DefaultValueFactory = _ => 100 };
        var steps = new Option<int>("--train-steps") { Description = "Timed training steps per round (batch 32, after 3 warm-up steps).", DefaultValueFactory = _ => 10 };
        cmd.Options.Add(json); cmd.Options.Add(skipPeers); cmd.Options.Add(rounds); cmd.Options.Add(runs); cmd.Options.Add(steps);
        cmd.SetAction(parse => CliErrors.Run(() =>
        {
            var repo = DataRoot.FindRepositoryRoot()
                ?? throw new InvalidInputException("bench nn", "run it from inside the DenseFace repository (bench/DenseFace.Bench and bench/peers/ are needed)");
            var args = new List<string> { "run", "-c", "Release", "--project", Path.Combine(repo, "bench", "DenseFace.Bench"), "--", "nn",
                "--rounds", parse.GetValue(rounds).ToString(), "--runs", parse.GetValue(runs).ToString(), "--train-steps", parse.GetValue(steps).ToString() };
            if (parse.GetValue(json) is { } file) { args.Add("--json"); args.Add(file.FullName); }
            if (parse.GetValue(skipPeers)) args.Add("--skip-peers");
            using var p = Process.Start(new ProcessStartInfo("dotnet", args) { WorkingDirectory = repo })
                ?? throw new InvalidInputException("dotnet", "could not start the .NET SDK to run bench/DenseFace.Bench");
            p.WaitForExit();
            return p.ExitCode;
        }));
        return cmd;
    }
}
