using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using DenseFace.Neural;
using DenseFace.Training.Losses;
using DenseFace.Training.Optimization;

namespace DenseFace.Bench;

/// <summary>
/// MobileNetV2-1.0 with a 1,560-output head, BN-folded inference plan, batch 1, one thread.
/// Run: <c>dotnet run -c Release --project bench/DenseFace.Bench -- --filter '*MobileNetV2Inference*'</c>.
/// </summary>
[SimpleJob(launchCount: 1, warmupCount: 3, iterationCount: 20)]
public class MobileNetV2InferenceBenchmark
{
    private InferencePlan _plan = null!;
    private float[] _input = [];

    [Params(128, 224)]
    public int Size { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var net = Network.Create(new NetworkConfig { NumOutputs = 1560, InputSize = Size }, 1);
        _plan = net.CompileInference(Size, Size);
        _plan.Compute.MaxDegreeOfParallelism = 1;
        _input = new float[3 * Size * Size];
        var rng = new RandomSource(2);
        for (int i = 0; i < _input.Length; i++) _input[i] = rng.Uniform(-2f, 2f);
    }

    [Benchmark]
    public float Forward() => _plan.Run(_input)[0];
}

/// <summary>
/// One training step of MobileNetV2-1.0 (1,560 outputs, Gaussian NLL, AdamW) at 128 x 128, batch 32, two
/// threads; images/s = 32 / mean step time. Run with <c>--filter '*MobileNetV2Training*'</c>.
/// </summary>
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 1, iterationCount: 3)]
public class MobileNetV2TrainingBenchmark
{
    private const int Batch = 32, Size = 128;
    private SupervisedTrainer _trainer = null!;
    private float[] _images = [], _targets = [];

    [GlobalSetup]
    public void Setup()
    {
        var net = Network.Create(new NetworkConfig { NumOutputs = 1560, InputSize = Size }, 1);
        net.MaxDegreeOfParallelism = 2;
        _trainer = new SupervisedTrainer(net, new AdamW(net.TrainableParameters, 1e-4f), new GaussianNllLoss()) { ClipNorm = 5 };
        var rng = new RandomSource(3);
        _images = new float[Batch * 3 * Size * Size];
        for (int i = 0; i < _images.Length; i++) _images[i] = rng.Uniform(-2f, 2f);
        _targets = new float[Batch * 520 * 2];
        for (int i = 0; i < _targets.Length; i++) _targets[i] = rng.Uniform(-1f, 1f);
    }

    [Benchmark]
    public double Step() => _trainer.Step(_images, _targets, Batch, Size, Size);
}
