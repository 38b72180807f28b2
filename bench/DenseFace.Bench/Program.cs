using BenchmarkDotNet.Running;

// BenchmarkDotNet micro-benchmarks: dotnet run -c Release --project bench/DenseFace.Bench -- --filter '*'
// Face-detection evaluation and speed vs ONNX Runtime: dotnet run -c Release --project bench/DenseFace.Bench -- detect [--json OUT]
// Recall by |yaw| on synthetic renders: dotnet run -c Release --project bench/DenseFace.Bench -- detect-synth [--count N] [--json OUT]
// Neural engine vs ONNX Runtime (in-process and onnxruntime-node) and PyTorch (what `denseface bench nn` runs):
//   dotnet run -c Release --project bench/DenseFace.Bench -- nn [--json OUT] [--skip-peers] [--rounds R] [--runs N] [--train-steps N]
// Where the inference plan's time goes: ... -- nn-profile [--size S] [--runs N] [--batch B] [--threads T]
// Where one landmark pass spends its time (crop, network, decode) on helen photos: ... -- landmarks-profile [--faces N] [--rounds R] [--model DIR]
// The face detector's stages (resample, network, whole call) on helen photos: ... -- detect-profile [--images N] [--rounds R] [--long-side S]
// Batch-level parallelism vs layer split vs ONNX Runtime, alternated: ... -- nn-batch [--batch B] [--threads T] [--runs N] [--size S]
// Training fingerprint (per-step loss, weight and gradient hashes) and step time: ... -- train-check [--out FILE] | --time N [--threads T] [--batch B]
// The shipped landmark network with its fp16 vs fp32 head vs ONNX Runtime, alternated; head alone; Predict per face: ... -- nn-fp16 [--faces N] [--runs N] [--rounds R] [--batch B] [--threads T] [--json OUT]
// The shipped landmark network exported to ONNX, ONNX Runtime vs ours: ... -- onnx-landmarks [--model DIR] [--onnx FILE] [--faces N] [--json OUT]
Func<string[], int>? command = args.Length == 0 ? null : args[0] switch
{
    "train-check" => DenseFace.Bench.TrainingCheck.Run,
    "onnx-landmarks" => DenseFace.Bench.LandmarkOnnxCheck.Run,
    "landmarks-profile" => DenseFace.Bench.LandmarkProfile.Run,
    "detect-profile" => DenseFace.Bench.DetectorProfile.Run,
    "nn-profile" => DenseFace.Bench.NeuralEngineBenchmark.Profile,
    "nn-batch" => DenseFace.Bench.NeuralEngineBenchmark.Batch,
    "nn-fp16" => DenseFace.Bench.NeuralEngineBenchmark.Fp16,
    "nn" => DenseFace.Bench.NeuralEngineBenchmark.Run,
    "detect" => DenseFace.Bench.DetectionEvaluation.Run,
    "detect-synth" => DenseFace.Bench.DetectionYawRecall.Run,
    _ => null,
};
if (command == null)
{
    BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
    return 0;
}
try { return command(args[1..]); }
catch (DenseFace.InvalidInputException e)
{
    Console.Error.WriteLine($"error: {e.Message}");
    return 2;
}
