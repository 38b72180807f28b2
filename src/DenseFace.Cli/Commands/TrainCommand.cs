using System.CommandLine;
using DenseFace.Training.Landmarks;

namespace DenseFace.Cli.Commands;

/// <summary>
/// <c>denseface train --config FILE.json --out DIR [--resume]</c>: trains the dense landmark network
/// (<see cref="LandmarkTrainer"/>) with a progress line (step, loss, images/s, ETA, development NME). Ctrl+C or SIGTERM
/// writes a checkpoint before stopping; <c>--resume</c> continues from it.
/// </summary>
internal static class TrainCommand
{
    public static Command Create()
    {
        var config = new Option<string>("--config") { Description = "Training config JSON (see models/landmarks/train.json).", Required = true };
        var output = new Option<string>("--out") { Description = "Output folder (checkpoint/, best/, log.csv, dev.csv).", Required = true };
        var resume = new Option<bool>("--resume") { Description = "Continue from DIR/checkpoint when it exists." };
        var cmd = new Command("train", "Train the dense landmark network on synthetic renders and annotated photos.") { config, output, resume };
        cmd.SetAction(parse => CliErrors.Run(() =>
        {
            var cfg = LandmarkTrainingConfig.Load(parse.GetValue(config)!);
            var trainer = new LandmarkTrainer(cfg, parse.GetValue(output)!);
            using var cts = new CancellationTokenSource();
            void Stop() { cts.Cancel(); Console.Error.WriteLine("stopping after this step (checkpoint follows)..."); }
            Console.CancelKeyPress += (_, e) => { e.Cancel = true; Stop(); };
            // SIGTERM (kill, job schedulers; SIGINT is ignored by background jobs) also ends with a checkpoint.
            using var term = System.Runtime.InteropServices.PosixSignalRegistration.Create(
                System.Runtime.InteropServices.PosixSignal.SIGTERM, c => { c.Cancel = true; Stop(); });
            var started = DateTime.UtcNow; int firstStep = -1;
            var progress = new SynchronousProgress<TrainingProgress>(p =>
            {
                if (p.Message is string m) { Console.WriteLine(m); return; }
                if (firstStep < 0) firstStep = p.Step;
                double secs = (DateTime.UtcNow - started).TotalSeconds;
                double rate = (p.Step - firstStep) / Math.Max(1e-9, secs);
                var eta = rate > 0 ? TimeSpan.FromSeconds((p.TotalSteps - p.Step) / rate) : TimeSpan.Zero;
                string dev = p.BestDevNme is double b ? $"  best dev score {b:P2}" : "";
                Console.WriteLine($"[{Bar(p.Step, p.TotalSteps)}] step {p.Step}/{p.TotalSteps}  loss {p.Loss:F4}  {p.ImagesPerSecond:F1} img/s  ETA {eta:hh\\:mm\\:ss}{dev}");
            });
            trainer.Run(parse.GetValue(resume), progress, cts.Token);
            return 0;
        }));
        cmd.Subcommands.Add(CreateExport());
        return cmd;
    }

    /// <summary>
    /// <c>train export --from DIR [--out DIR] [--fp32] [--onnx FILE]</c>: copies a trained model folder (e.g. OUT/best) as the
    /// shipped model, fp16 by default, and/or writes the network as an ONNX file (BN folded, float32) for other runtimes.
    /// </summary>
    static Command CreateExport()
    {
        var from = new Option<string>("--from") { Description = "Model folder with landmarks.json + landmarks.safetensors (e.g. the run's best/, or models/landmarks).", Required = true };
        var to = new Option<string?>("--out") { Description = "Destination model folder (e.g. models/landmarks)." };
        var fp32 = new Option<bool>("--fp32") { Description = "Keep float32 weights in --out (default: float16 storage)." };
        var onnx = new Option<string?>("--onnx") { Description = "Also (or only) write the network as ONNX here: input [batch, 3, S, S] normalised RGB, output [batch, outputs] (see models/landmarks/README.md)." };
        var cmd = new Command("export", "Write a trained model folder as a shipped model (fp16 weights by default) and/or as an ONNX file.") { from, to, fp32, onnx };
        cmd.SetAction(parse => CliErrors.Run(() =>
        {
            string src = parse.GetValue(from)!;
            string? dst = parse.GetValue(to), onnxPath = parse.GetValue(onnx);
            if (dst == null && onnxPath == null) throw new InvalidInputException("train export", "give --out DIR, --onnx FILE or both");
            var config = DenseFace.Landmarks.LandmarkModelConfig.Load(Path.Combine(src, DenseFace.Landmarks.LandmarkPredictor.ConfigFileName));
            var net = DenseFace.Neural.Network.Create(config.Network);
            net.LoadWeights(Path.Combine(src, DenseFace.Landmarks.LandmarkPredictor.WeightsFileName));
            if (dst != null)
            {
                DenseFace.Landmarks.LandmarkPredictor.Save(dst, config, net, parse.GetValue(fp32) ? DenseFace.Neural.SafetensorsDType.F32 : DenseFace.Neural.SafetensorsDType.F16);
                Console.WriteLine($"wrote {dst} ({new FileInfo(Path.Combine(dst, DenseFace.Landmarks.LandmarkPredictor.WeightsFileName)).Length / 1e6:F1} MB weights)");
            }
            if (onnxPath != null)
            {
                DenseFace.Landmarks.LandmarkPredictor.SaveOnnx(onnxPath, config, net);
                int s = config.Network.InputSize;
                Console.WriteLine($"wrote {onnxPath} ({new FileInfo(onnxPath).Length / 1e6:F1} MB, opset {DenseFace.Neural.Onnx.OnnxExporter.Opset}; input 'input' [batch, 3, {s}, {s}], output 'output' [batch, {config.Network.NumOutputs}])");
            }
            return 0;
        }));
        return cmd;
    }

    static string Bar(int done, int total)
    {
        const int width = 24;
        int n = total > 0 ? (int)((long)done * width / total) : 0;
        return new string('#', n) + new string('.', width - n);
    }

    /// <summary>IProgress that reports on the calling thread (Progress&lt;T&gt; would post to the thread pool out of order).</summary>
    sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
