using BenchmarkDotNet.Running;

// BenchmarkDotNet micro-benchmarks: dotnet run -c Release --project bench/DenseFace.Bench -- --filter '*'
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
