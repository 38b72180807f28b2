using System.Buffers.Binary;
using System.Text;
using DenseFace.Neural;

namespace DenseFace.Tests.Neural;

public class NetworkTests
{
    private static Network Mobile(int outputs = 1560, double width = 1.0, ulong seed = 0)
        => Network.Create(new NetworkConfig { Architecture = "mobilenet_v2", NumOutputs = outputs, WidthMultiplier = width, InputSize = 64 }, seed);

    [Fact]
    public void MobileNetV2MatchesTorchvisionNamesAndShapes()
    {
        var net = Mobile();
        Assert.Equal(314, net.State.Count); // torchvision mobilenet_v2 state_dict size
        // torchvision mobilenet_v2 has 3,504,872 parameters with 1000 classes; the head here has 1560.
        Assert.Equal(3_504_872 - (1280 * 1000 + 1000) + (1280 * 1560 + 1560), net.TrainableParameters.Sum(p => (long)p.Length));
        var shapes = net.State.ToDictionary(p => p.Name, p => string.Join(",", p.Shape));
        Assert.Equal("32,3,3,3", shapes["features.0.0.weight"]);
        Assert.Equal("32", shapes["features.0.1.running_var"]);
        Assert.Equal("", shapes["features.0.1.num_batches_tracked"]);
        Assert.Equal("32,1,3,3", shapes["features.1.conv.0.0.weight"]);
        Assert.Equal("16,32,1,1", shapes["features.1.conv.1.weight"]);
        Assert.Equal("16", shapes["features.1.conv.2.bias"]);
        Assert.Equal("96,16,1,1", shapes["features.2.conv.0.0.weight"]);
        Assert.Equal("96,1,3,3", shapes["features.2.conv.1.0.weight"]);
        Assert.Equal("24,96,1,1", shapes["features.2.conv.2.weight"]);
        Assert.Equal("24", shapes["features.2.conv.3.running_mean"]);
        Assert.Equal("1280,320,1,1", shapes["features.18.0.weight"]);
        Assert.Equal("1560,1280", shapes["classifier.1.weight"]);
        Assert.Equal("1560", shapes["classifier.1.bias"]);
        Assert.Equal("features.0.0.weight", net.State[0].Name);
    }

    [Fact]
    public void WidthMultiplierFollowsMakeDivisible()
    {
        Assert.Equal(16, Architectures.MakeDivisible(32 * 0.5));
        Assert.Equal(16, Architectures.MakeDivisible(24 * 0.5));
        Assert.Equal(8, Architectures.MakeDivisible(16 * 0.35));
        Assert.Equal(1280, Architectures.MakeDivisible(1280 * 1.0));
        var net = Mobile(10, 0.5);
        var shapes = net.State.ToDictionary(p => p.Name, p => string.Join(",", p.Shape));
        Assert.Equal("16,3,3,3", shapes["features.0.0.weight"]);
        Assert.Equal("8,16,1,1", shapes["features.1.conv.1.weight"]);
        Assert.Equal("1280,160,1,1", shapes["features.18.0.weight"]);
        Assert.Equal("10,1280", shapes["classifier.1.weight"]);
    }

    [Fact]
    public void ResNet18MatchesTorchvisionNames()
    {
        var net = Network.Create(new NetworkConfig { Architecture = "resnet18", NumOutputs = 1000 });
        Assert.Equal(122, net.State.Count);
        Assert.Equal(11_689_512, net.TrainableParameters.Sum(p => (long)p.Length)); // torchvision resnet18
        var shapes = net.State.ToDictionary(p => p.Name, p => string.Join(",", p.Shape));
        Assert.Equal("64,3,7,7", shapes["conv1.weight"]);
        Assert.Equal("64", shapes["bn1.running_mean"]);
        Assert.Equal("64,64,3,3", shapes["layer1.0.conv1.weight"]);
        Assert.Equal("128,64,1,1", shapes["layer2.0.downsample.0.weight"]);
        Assert.Equal("128", shapes["layer2.0.downsample.1.running_var"]);
        Assert.Equal("512,512,3,3", shapes["layer4.1.conv2.weight"]);
        Assert.Equal("1000,512", shapes["fc.weight"]);
    }

    private static void RandomiseBatchNorm(Network net, ulong seed)
    {
        var rng = new RandomSource(seed);
        foreach (var bn in net.Root.Modules().OfType<BatchNorm2d>())
            for (int c = 0; c < bn.Channels; c++)
            {
                bn.Weight.Value[c] = rng.Uniform(0.5f, 1.5f);
                bn.Bias.Value[c] = rng.Uniform(-0.2f, 0.2f);
                bn.RunningMean.Value[c] = rng.Uniform(-0.2f, 0.2f);
                bn.RunningVar.Value[c] = rng.Uniform(0.5f, 2f);
            }
    }

    [Theory]
    [InlineData("mobilenet_v2", 0.35, 64, 48)]
    [InlineData("resnet18", 1.0, 40, 36)]
    public void FoldedInferencePlanMatchesEvalModeGraph(string arch, double width, int h, int w)
    {
        var net = Network.Create(new NetworkConfig { Architecture = arch, WidthMultiplier = width, NumOutputs = 12 }, 3);
        RandomiseBatchNorm(net, 4);
        foreach (var p in net.State.Where(p => p.Name.EndsWith("1.bias") || p.Name == "fc.bias")) Reference.Random(p.Length, 5).CopyTo(p.Value, 0);
        net.Eval();
        var x = Reference.Random(2 * 3 * h * w, 6);
        var expect = net.Forward(x, 2, h, w).ToArray();
        var plan = net.CompileInference(h, w, 2);
        var got = plan.Run(x).ToArray();
        double scale = expect.Max(Math.Abs);
        Assert.True(scale > 1e-3);
        Assert.True(Reference.MaxAbsDiff(got, expect) <= 1e-4 * scale, $"max diff {Reference.MaxAbsDiff(got, expect)} vs scale {scale}");
        // Two threads give the same answer.
        plan.Compute.MaxDegreeOfParallelism = 2;
        Assert.True(Reference.MaxAbsDiff(plan.Run(x), expect) <= 1e-4 * scale);
    }

    [Fact]
    public void BatchShardsGiveTheLayerSplitPlansBits()
    {
        // Batch >= threads: each thread runs its images one at a time through its own batch-1 plan, then the head runs
        // once for the whole batch; the bits are those of the plan that splits every layer (and of one thread).
        foreach (var arch in new[] { "mobilenet_v2", "resnet18" })
        {
            var net = arch == "mobilenet_v2" ? Mobile(10, 0.35) : Network.Create(new NetworkConfig { Architecture = arch, NumOutputs = 10 }, 3);
            RandomiseBatchNorm(net, 8);
            net.Eval();
            const int h = 32, w = 32;
            foreach (var (batch, threads) in new[] { (4, 2), (8, 2), (5, 2), (2, 2), (3, 3), (6, 4) })
            {
                var x = Reference.Random(batch * 3 * h * w, (ulong)(batch * 10 + threads));
                var serial = net.CompileInference(h, w, batch);
                serial.Compute.MaxDegreeOfParallelism = 1;
                var expect = serial.Run(x).ToArray();
                var plan = net.CompileInference(h, w, batch);
                plan.Compute.MaxDegreeOfParallelism = threads;
                Assert.Equal(expect, plan.Run(x).ToArray());
                Assert.Equal(expect, plan.Run(x).ToArray()); // a second run (shards reused)
                plan.BatchShards = false;
                Assert.Equal(expect, plan.Run(x).ToArray());
            }
        }
    }

    [Fact]
    public void HalfHeadGivesTheFp32PlansBits()
    {
        // Head weights exactly representable in fp16 (rounded here, as the shipped model's are by its fp16 file) are
        // stored as fp16 and give the fp32 plan's bits at any batch and thread count (batch 1 and 2: matrix-vector products;
        // larger batches: packed fp16 panels at Vector512, the batch-shard plan's head included).
        var net = Mobile(1560, 0.35, 4);
        RandomiseBatchNorm(net, 9);
        var fc = net.GetParameter("classifier.1.weight").Value;
        for (int i = 0; i < fc.Length; i++) fc[i] = (float)(Half)fc[i];
        net.Eval();
        const int s = 64;
        foreach (var (batch, threads) in new[] { (1, 1), (1, 2), (2, 1), (2, 2), (3, 1), (8, 1), (8, 2), (5, 2) })
        {
            var x = Reference.Random(batch * 3 * s * s, (ulong)(batch * 10 + threads));
            var fp32 = net.CompileInference(s, s, batch, halfHead: false);
            var fp16 = net.CompileInference(s, s, batch);
            fp32.Compute.MaxDegreeOfParallelism = fp16.Compute.MaxDegreeOfParallelism = threads;
            Assert.Equal(0, fp32.HalfLinearLayers);
            Assert.Equal(batch <= 2 || Simd.Level == SimdLevel.Vector512 ? 1 : 0, fp16.HalfLinearLayers);
            Assert.Equal(fp32.Run(x).ToArray(), fp16.Run(x).ToArray());
        }
        // the fp16 plan allocates nothing per run at one thread either
        var plan = net.CompileInference(s, s);
        var input = Reference.Random(3 * s * s, 3);
        plan.Run(input); plan.Run(input);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 3; i++) plan.Run(input);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        // one weight off the fp16 grid: the whole layer stays fp32
        fc[17] += 1e-6f;
        Assert.Equal(0, net.CompileInference(s, s).HalfLinearLayers);
        Assert.Equal(0, Mobile(40, 0.35).CompileInference(s, s).HalfLinearLayers); // seeded fp32 weights
    }

    [Fact]
    public void ShippedLandmarkModelHalfHeadGivesTheFp32PlansBits()
    {
        var dir = DenseFace.Landmarks.LandmarkPredictor.DefaultModelDirectory();
        Assert.NotNull(dir);
        var config = DenseFace.Landmarks.LandmarkModelConfig.Load(Path.Combine(dir, DenseFace.Landmarks.LandmarkPredictor.ConfigFileName));
        var net = Network.Create(config.Network);
        net.LoadWeights(Path.Combine(dir, DenseFace.Landmarks.LandmarkPredictor.WeightsFileName));
        int s = config.Network.InputSize;
        var fp16 = net.CompileInference(s, s);
        var fp32 = net.CompileInference(s, s, halfHead: false);
        Assert.Equal(1, fp16.HalfLinearLayers);
        foreach (ulong seed in new ulong[] { 1, 2, 3 })
        {
            var x = Reference.Random(3 * s * s, seed);
            Assert.Equal(fp32.Run(x).ToArray(), fp16.Run(x).ToArray());
        }
    }

    [Fact]
    public void AnyInputSizeWorks()
    {
        var net = Mobile(7, 0.35);
        net.Eval();
        foreach (var (h, w) in new[] { (32, 32), (33, 47), (96, 64) })
            Assert.Equal(7, net.Forward(Reference.Random(3 * h * w, 1), 1, h, w).Length);
    }

    [Fact]
    public void OneThreadPlanRunAllocatesNothing()
    {
        // Batch-1 inference at one thread must not allocate per run (closures, delegates, scratch).
        var plan = Mobile(40, 1.0).CompileInference(128, 128);
        var input = Reference.Random(3 * 128 * 128, 9);
        plan.Run(input); plan.Run(input); // warm-up: thread-local scratch and tables are created once
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 3; i++) plan.Run(input);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void ForwardRejectsWrongInputLength()
    {
        var net = Mobile(7, 0.35);
        Assert.Throws<InvalidInputException>(() => net.Forward(new float[100], 1, 64, 64));
        Assert.Contains("expects 3", Assert.Throws<InvalidInputException>(() => net.Forward(new float[2 * 64 * 64], 1, 64, 64)).Message);
        Assert.Throws<InvalidInputException>(() => net.Forward(new float[3 * 64 * 64], 0, 64, 64));
        Assert.Throws<InvalidInputException>(() => net.CompileInference(64, 64).Run(new float[10]));
    }

    [Fact]
    public void SafetensorsRoundTripF32IsBitExactAndF16WithinHalfPrecision()
    {
        var dir = Directory.CreateTempSubdirectory("nn-st").FullName;
        try
        {
            var net = Mobile(20, 0.5, 1);
            RandomiseBatchNorm(net, 2);
            net.State.First(p => p.IsInteger).Value[0] = 1234;
            var cfgPath = Path.Combine(dir, "model.json");
            net.Config.Save(cfgPath);
            var f32 = Path.Combine(dir, "model.safetensors");
            net.SaveWeights(f32);
            var loaded = Network.Load(cfgPath, f32);
            Assert.Equal(net.Config.WidthMultiplier, loaded.Config.WidthMultiplier);
            for (int i = 0; i < net.State.Count; i++) Assert.Equal(net.State[i].Value, loaded.State[i].Value);
            Assert.Equal(1234f, loaded.State.First(p => p.IsInteger).Value[0]);

            var f16 = Path.Combine(dir, "model16.safetensors");
            net.SaveWeights(f16, SafetensorsDType.F16);
            Assert.True(new FileInfo(f16).Length < new FileInfo(f32).Length * 0.6);
            var half = Network.Create(net.Config, 99);
            half.LoadWeights(f16);
            for (int i = 0; i < net.State.Count; i++)
                for (int j = 0; j < net.State[i].Length; j++)
                {
                    float a = net.State[i].Value[j], b = half.State[i].Value[j];
                    Assert.True(Math.Abs(a - b) <= Math.Max(1e-3 * Math.Abs(a), 6e-8), $"{net.State[i].Name}[{j}] {a} vs {b}");
                }
            var tensors = Safetensors.Read(f16);
            Assert.Equal(SafetensorsDType.I64, tensors["features.0.1.num_batches_tracked"].DType);
            Assert.Equal(SafetensorsDType.F16, tensors["features.0.0.weight"].DType);
        }
        finally { Directory.Delete(dir, true); }
    }

    /// <summary>Builds a safetensors file from a header JSON and a data section.</summary>
    private static byte[] Build(string header, byte[] data)
    {
        var h = Encoding.UTF8.GetBytes(header);
        var bytes = new byte[8 + h.Length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)h.Length);
        h.CopyTo(bytes, 8);
        data.CopyTo(bytes, 8 + h.Length);
        return bytes;
    }

    [Fact]
    public void ReadsBf16AndF16()
    {
        // bf16 1.0 = 0x3F80, -2.5 = 0xC020; f16 0.5 = 0x3800.
        var data = new byte[] { 0x80, 0x3F, 0x20, 0xC0, 0x00, 0x38 };
        var t = Safetensors.Parse(Build("{\"a\":{\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[0,4]},\"b\":{\"dtype\":\"F16\",\"shape\":[1,1],\"data_offsets\":[4,6]},\"__metadata__\":{\"format\":\"pt\"}}", data), "mem");
        Assert.Equal([1f, -2.5f], t["a"].Data);
        Assert.Equal([0.5f], t["b"].Data);
        Assert.Equal([1, 1], t["b"].Shape);
    }

    [Theory]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8, "overlaps")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}", 8, "outside")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", 8, "expected 12")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,8]}}", 8, "non-negative")]
    [InlineData("{\"a\":{\"dtype\":\"I8\",\"shape\":[8],\"data_offsets\":[0,8]}}", 8, "unsupported dtype")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[2]}}", 8, "data_offsets")]
    [InlineData("{not json", 8, "JSON")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[\"0\",8]}}", 8, "not integers")] // these three threw InvalidOperationException
    [InlineData("{\"a\\ud800\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8, "not valid Unicode")] // \u escape of a lone surrogate
    [InlineData("{\"b\":{\"dtype\":\"\\udc00\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8, "not valid Unicode")]
    public void MalformedHeadersAreRejected(string header, int dataBytes, string problem)
    {
        var e = Assert.Throws<InvalidInputException>(() => Safetensors.Parse(Build(header, new byte[dataBytes]), "bad.safetensors"));
        Assert.Contains("bad.safetensors", e.Message);
        Assert.Contains(problem, e.Message);
        if (header.StartsWith("{\"a\"") && problem != "overlaps") Assert.Contains("'a'", e.Message);
    }

    [Fact]
    public void HeaderThatIsNotUtf8IsRejected()
    {
        // Found by fuzzing (docs/fuzzing.md): JsonDocument accepts invalid UTF-8 inside strings and fails only when the
        // string is read, with InvalidOperationException.
        var good = Build("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", new byte[8]);
        good[8 + 2] = 0xC3; // the tensor name's 'a' becomes a lead byte with no continuation
        var e = Assert.Throws<InvalidInputException>(() => Safetensors.Parse(good, "utf8.safetensors"));
        Assert.Equal("utf8.safetensors", e.InputName);
        Assert.Contains("UTF-8", e.Problem);
    }

    [Fact]
    public void TruncatedAndAbsurdFilesAreRejected()
    {
        var good = Build("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", new byte[8]);
        Assert.Single(Safetensors.Parse(good, "ok"));
        Assert.Throws<InvalidInputException>(() => Safetensors.Parse(good.AsSpan(0, 5), "t"));
        var e = Assert.Throws<InvalidInputException>(() => Safetensors.Parse(good.AsSpan(0, good.Length - 3), "t"));
        Assert.Contains("'a'", e.Message);
        var absurd = (byte[])good.Clone();
        BinaryPrimitives.WriteUInt64LittleEndian(absurd, ulong.MaxValue - 3);
        Assert.Contains("header length", Assert.Throws<InvalidInputException>(() => Safetensors.Parse(absurd, "t")).Message);
    }

    [Fact]
    public void MissingOrMisshapedTensorNamesTheFileAndTensor()
    {
        var dir = Directory.CreateTempSubdirectory("nn-st").FullName;
        try
        {
            var net = Mobile(5, 0.35);
            var path = Path.Combine(dir, "w.safetensors");
            Safetensors.Write(path, net.State.Where(p => p.Name != "features.3.conv.1.1.bias").Select(p => (p.Name, p.Shape, p.Value, p.IsInteger)));
            var e = Assert.Throws<InvalidInputException>(() => net.LoadWeights(path));
            Assert.Contains(path, e.Message);
            Assert.Contains("features.3.conv.1.1.bias", e.Message);
            Safetensors.Write(path, net.State.Select(p => (p.Name, p.Name == "classifier.1.bias" ? new[] { 1, p.Length } : p.Shape, p.Value, p.IsInteger)));
            e = Assert.Throws<InvalidInputException>(() => net.LoadWeights(path));
            Assert.Contains("classifier.1.bias", e.Message);
            Assert.Contains("shape", e.Message);
            Assert.Throws<InvalidInputException>(() => net.LoadWeights(Path.Combine(dir, "absent.safetensors")));
            Safetensors.Write(path, net.State.Select(p => (p.Name, p.Shape, p.Name == "features.2.conv.1.0.weight" ? Enumerable.Repeat(float.NaN, p.Length).ToArray() : p.Value, p.IsInteger)));
            Assert.Contains("features.2.conv.1.0.weight", Assert.Throws<InvalidInputException>(() => net.LoadWeights(path)).Message);
            Safetensors.Write(path, net.State.Select(p => (p.Name, p.Shape, p.Value, p.IsInteger)).Append(("extra.weight", new[] { 1 }, new float[1], false)));
            Assert.Contains("extra.weight", Assert.Throws<InvalidInputException>(() => net.LoadWeights(path)).Message);
            var cfg = Path.Combine(dir, "c.json");
            File.WriteAllText(cfg, "{\"architecture\":\"vgg\"}");
            Assert.Contains("vgg", Assert.Throws<InvalidInputException>(() => NetworkConfig.Load(cfg)).Message);
        }
        finally { Directory.Delete(dir, true); }
    }
}
