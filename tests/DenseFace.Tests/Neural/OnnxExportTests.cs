using DenseFace.Landmarks;
using DenseFace.Neural;
using DenseFace.Neural.Onnx;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace DenseFace.Tests.Neural;

/// <summary>
/// ONNX export: the written file runs in ONNX Runtime (an independent engine, test-only NuGet dependency) with outputs
/// equal to ours within 1e-4, and our own importer reads it back to the same outputs.
/// </summary>
public class OnnxExportTests
{
    /// <summary>Gives every BatchNorm2d non-trivial statistics and affine parameters, so folding is actually exercised.</summary>
    internal static void RandomizeBatchNorm(Network net, ulong seed)
    {
        var rng = new RandomSource(seed);
        foreach (var bn in net.Root.Modules().OfType<BatchNorm2d>())
            for (int c = 0; c < bn.Channels; c++)
            {
                bn.Weight.Value[c] = rng.Uniform(0.5f, 1.2f);
                bn.Bias.Value[c] = rng.Uniform(-0.2f, 0.2f);
                bn.RunningMean.Value[c] = rng.Uniform(-0.2f, 0.2f);
                bn.RunningVar.Value[c] = rng.Uniform(0.5f, 2f);
            }
    }

    internal static float[] RandomInput(int length, ulong seed)
    {
        var rng = new RandomSource(seed);
        var x = new float[length];
        for (int i = 0; i < x.Length; i++) x[i] = (float)rng.NextGaussian();
        return x;
    }

    /// <summary>Runs an ONNX file in ONNX Runtime on one thread; returns the first output.</summary>
    internal static float[] RunOrt(byte[] model, float[] input, int[] shape)
    {
        using var options = new SessionOptions { IntraOpNumThreads = 1, InterOpNumThreads = 1, ExecutionMode = ExecutionMode.ORT_SEQUENTIAL };
        using var session = new InferenceSession(model, options);
        var tensor = new DenseTensor<float>(input, shape);
        using var results = session.Run([NamedOnnxValue.CreateFromTensor(session.InputMetadata.Keys.Single(), tensor)]);
        return results.First().AsEnumerable<float>().ToArray();
    }

    private static double MaxAbsDiff(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        Assert.Equal(a.Length, b.Length);
        double m = 0;
        for (int i = 0; i < a.Length; i++) m = Math.Max(m, Math.Abs(a[i] - b[i]));
        return m;
    }

    /// <summary>Export, then compare ONNX Runtime and our importer with the module graph and the folded plan at batch 2.</summary>
    private static void CheckAgainstOrt(Network net, int size)
    {
        const int batch = 2;
        var onnx = OnnxExporter.Export(net);
        var x = RandomInput(batch * 3 * size * size, 11);
        var graph = net.Forward(x, batch, size, size).ToArray();
        var plan = net.CompileInference(size, size, batch).Run(x).ToArray();
        var ort = RunOrt(onnx, x, [batch, 3, size, size]);
        Assert.True(graph.Select(MathF.Abs).Max() > 0.01f, "outputs are too small for the comparison to mean anything");
        Assert.True(MaxAbsDiff(ort, graph) <= 1e-4, $"ORT vs module graph {MaxAbsDiff(ort, graph)}");
        Assert.True(MaxAbsDiff(ort, plan) <= 1e-4, $"ORT vs plan {MaxAbsDiff(ort, plan)}");

        // round trip through our importer
        var imported = new OnnxNetwork(OnnxModel.Parse(onnx, "exported.onnx"), "exported.onnx");
        var session = imported.CreateSession();
        session.Run(x, [batch, 3, size, size]);
        var back = session.Output("output").Span;
        Assert.True(MaxAbsDiff(back, plan) <= 1e-5, $"re-imported vs plan {MaxAbsDiff(back, plan)}");
    }

    [Fact]
    public void MobileNetV2RunsInOnnxRuntimeLikeOurs()
    {
        var net = Network.Create(new NetworkConfig { Architecture = "mobilenet_v2", WidthMultiplier = 0.5, NumOutputs = 24, InputSize = 64 }, 3);
        RandomizeBatchNorm(net, 4);
        // a larger head init than torchvision's N(0, 0.01), so outputs are O(1)
        foreach (ref var v in net.GetParameter("classifier.1.weight").Value.AsSpan()) v *= 30;
        CheckAgainstOrt(net, 64);
    }

    [Fact]
    public void ResNet18WithLandmarkHeadRunsInOnnxRuntimeLikeOurs()
    {
        var head = new LandmarkHead(20);
        var net = Network.Create(new NetworkConfig { Architecture = "resnet18", NumOutputs = head.OutputCount, InputSize = 64 }, 5);
        RandomizeBatchNorm(net, 6);
        CheckAgainstOrt(net, 64);
    }

    [Fact]
    public void ExportedGraphIsFoldedAndDescribed()
    {
        var net = Network.Create(new NetworkConfig { Architecture = "mobilenet_v2", WidthMultiplier = 0.35, NumOutputs = 7, InputSize = 96 }, 1);
        var model = OnnxModel.Parse(OnnxExporter.Export(net, new OnnxExportOptions { Height = 64, Width = 80 }), "m.onnx");
        Assert.Equal(OnnxExporter.Opset, model.Opset);
        Assert.Equal("DenseFace", model.Producer);
        Assert.Equal([-1, 3, 64, 80], model.Inputs.Single().Dims!);
        Assert.Equal([-1, 7], model.Outputs.Single().Dims!);
        var ops = model.Nodes.Select(n => n.OpType).ToHashSet();
        Assert.DoesNotContain("BatchNormalization", ops);
        Assert.Subset(new HashSet<string> { "Conv", "Clip", "Add", "GlobalAveragePool", "Flatten", "Gemm" }, ops);
        Assert.Equal(net.Root.Modules().OfType<Conv2d>().Count(), model.Nodes.Count(n => n.OpType == "Conv"));
        // MobileNetV2 has 10 residual blocks
        Assert.Equal(10, model.Nodes.Count(n => n.OpType == "Add"));
        Assert.Contains("features.0.0.weight", model.Initializers.Keys);
        Assert.Contains("classifier.1.weight", model.Initializers.Keys);
        // the folded weight is the plan's, not the raw one
        var (folded, _) = InferencePlan.Fold((Conv2d)net.Root.Modules().First(m => m.Name == "features.0.0"), (BatchNorm2d)net.Root.Modules().First(m => m.Name == "features.0.1"));
        Assert.Equal(folded, model.Initializers["features.0.0.weight"].Floats);

        var fixedBatch = OnnxModel.Parse(OnnxExporter.Export(net, new OnnxExportOptions { DynamicBatch = false, InputName = "x", OutputName = "y" }), "m.onnx");
        Assert.Equal([1, 3, 96, 96], fixedBatch.Inputs.Single().Dims!);
        Assert.Equal("x", fixedBatch.Inputs.Single().Name);
        Assert.Equal("y", fixedBatch.Outputs.Single().Name);
    }

    [Fact]
    public void UnsupportedLayerIsNamed()
    {
        var net = new Network(new Sequential(("conv", new Conv2d(3, 4, 3, 1, 1)), ("act", new PReLU()), ("pool", new GlobalAvgPool()), ("fc", new Linear(4, 2))));
        var e = Assert.Throws<InvalidInputException>(() => OnnxExporter.Export(net, new OnnxExportOptions { Height = 8, Width = 8 }));
        Assert.Contains("'act'", e.Message);
        Assert.Contains("PReLU", e.Message);
    }

    /// <summary>The shipped landmark network exported by <c>train export --onnx</c>: ONNX Runtime vs our folded plan.</summary>
    [Fact]
    public void ShippedLandmarkModelRunsInOnnxRuntimeLikeOurs()
    {
        var dir = LandmarkPredictor.DefaultModelDirectory();
        Assert.NotNull(dir);
        var config = LandmarkModelConfig.Load(Path.Combine(dir, LandmarkPredictor.ConfigFileName));
        var net = Network.Create(config.Network);
        net.LoadWeights(Path.Combine(dir, LandmarkPredictor.WeightsFileName));
        var path = Path.Combine(Path.GetTempPath(), $"denseface-landmarks-{Guid.NewGuid():N}.onnx");
        try
        {
            Assert.Equal(0, DenseFace.Cli.Commands.TrainCommand.Create().Parse(["export", "--from", dir, "--onnx", path]).Invoke());
            var model = OnnxModel.Load(path);
            Assert.Equal(config.Layout, ReadMetadata(File.ReadAllBytes(path))["layout"]);
            Assert.Contains(model.Nodes, n => n.OpType == "Gemm");
            int s = config.Network.InputSize;
            var x = RandomInput(3 * s * s, 21);
            var ours = net.CompileInference(s, s).Run(x).ToArray();
            var ort = RunOrt(File.ReadAllBytes(path), x, [1, 3, s, s]);
            Assert.True(MaxAbsDiff(ort, ours) <= 1e-4, $"shipped model: max |ORT - ours| = {MaxAbsDiff(ort, ours)}");
        }
        finally { File.Delete(path); }
        // neither --out nor --onnx: a usage error (exit code 2)
        Assert.Equal(2, DenseFace.Cli.Commands.TrainCommand.Create().Parse(["export", "--from", dir]).Invoke());
    }

    private static Dictionary<string, string> ReadMetadata(byte[] model)
    {
        using var session = new InferenceSession(model);
        return session.ModelMetadata.CustomMetadataMap;
    }
}
