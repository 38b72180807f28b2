using BenchmarkDotNet.Running;

// BenchmarkDotNet micro-benchmarks: dotnet run -c Release --project bench/DenseFace.Bench -- --filter '*'
// Face-detection evaluation and speed vs ONNX Runtime: dotnet run -c Release --project bench/DenseFace.Bench -- detect [--json OUT]
// Recall by |yaw| on synthetic renders: dotnet run -c Release --project bench/DenseFace.Bench -- detect-synth [--count N] [--json OUT]
// Neural engine vs ONNX Runtime (in-process and onnxruntime-node) and PyTorch (what `denseface bench nn` runs):
//   dotnet run -c Release --project bench/DenseFace.Bench -- nn [--json OUT] [--skip-peers] [--rounds R] [--runs N] [--train-steps N]
// The shipped landmark network exported to ONNX, ONNX Runtime vs ours: ... -- onnx-landmarks [--model DIR] [--onnx FILE] [--json OUT]
if (args.Length > 0 && args[0] == "onnx-landmarks") return DenseFace.Bench.LandmarkOnnxCheck.Run(args[1..]);
if (args.Length > 0 && args[0] == "nn-profile") return DenseFace.Bench.NeuralEngineBenchmark.Profile(args[1..]);
if (args.Length > 0 && args[0] == "nn") return DenseFace.Bench.NeuralEngineBenchmark.Run(args[1..]);
if (args.Length > 0 && args[0] == "detect") return DenseFace.Bench.DetectionEvaluation.Run(args[1..]);
if (args.Length > 0 && args[0] == "detect-synth") return DenseFace.Bench.DetectionYawRecall.Run(args[1..]);
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;
