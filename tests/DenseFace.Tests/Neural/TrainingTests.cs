using DenseFace.Neural;
using DenseFace.Training.Losses;
using DenseFace.Training.Neural;
using DenseFace.Training.Optimization;

namespace DenseFace.Tests.Neural;

[Collection("Simd")]
public class TrainingTests
{
    private static Network Tiny(ulong seed)
    {
        var root = new Sequential(
            InvertedResidual.ConvBnAct(3, 8, 3, 2, 1),
            new InvertedResidual(8, 8, 1, 2),
            new InvertedResidual(8, 16, 2, 2),
            new Sequential(new Conv2d(16, 32, 1, bias: false), new BatchNorm2d(32), new PReLU(32)),
            new GlobalAvgPool(),
            new Linear(32, 10));
        var rng = new RandomSource(seed);
        foreach (var m in root.Modules())
        {
            if (m is Conv2d c) c.InitKaimingFanOut(rng);
            if (m is Linear l) l.InitUniformDefault(rng);
        }
        return new Network(root, new NetworkConfig { InputSize = 12, NumOutputs = 10 });
    }

    [Fact]
    public void TinyNetworkOverfitsSixteenImagesWithAdamW()
    {
        var net = Tiny(1);
        var x = Reference.Random(16 * 3 * 12 * 12, 2);
        var t = Reference.Random(16 * 10, 3);
        var opt = new AdamW(net.TrainableParameters, 1e-2f, weightDecay: 1e-4f);
        var trainer = new SupervisedTrainer(net, opt, new L2Loss()) { Schedule = new WarmupCosineSchedule(1e-2f, 20, 400, 1e-4f), ClipNorm = 10 };
        double first = trainer.Step(x, t, 16, 12, 12), last = first;
        for (int i = 1; i < 400; i++) last = trainer.Step(x, t, 16, 12, 12);
        // Same-batch evaluation in training mode (batch statistics) after the last update.
        var y = net.Forward(x, 16, 12, 12);
        double mse = 0;
        for (int i = 0; i < y.Length; i++) mse += (y[i] - t[i]) * (y[i] - t[i]);
        mse /= y.Length;
        Assert.True(first > 0.2, $"initial loss {first}");
        Assert.True(mse < 1e-3 * first, $"loss {first} -> {mse}");
    }

    private static float[] TrainAndSnapshot(int threads, out float[] outputs)
    {
        var net = Network.Create(new NetworkConfig { WidthMultiplier = 0.35, NumOutputs = 6, InputSize = 32 }, 42);
        net.MaxDegreeOfParallelism = threads;
        var x = Reference.Random(4 * 3 * 32 * 32, 5);
        var t = Reference.Random(4 * 6, 6);
        var trainer = new SupervisedTrainer(net, new AdamW(net.TrainableParameters, 1e-3f), new WingMseLoss()) { ClipNorm = 5, Ema = new WeightEma(net.State, 0.9f) };
        for (int i = 0; i < 3; i++) trainer.Step(x, t, 4, 32, 32);
        net.Eval();
        outputs = net.Forward(x, 4, 32, 32).ToArray();
        return net.State.SelectMany(p => p.Value).ToArray();
    }

    [Fact]
    public void TrainingIsDeterministicForAFixedSeedAndThreadCount()
    {
        foreach (int threads in new[] { 1, 2 })
        {
            var w1 = TrainAndSnapshot(threads, out var o1);
            var w2 = TrainAndSnapshot(threads, out var o2);
            Assert.Equal(w1, w2);
            Assert.Equal(o1, o2);
        }
    }

    [Fact]
    public void ParameterOnlyBackwardGivesTheSameGradients()
    {
        foreach (int threads in new[] { 1, 2 })
        {
            var net = Tiny(7);
            net.MaxDegreeOfParallelism = threads;
            net.Train();
            var tape = new Tape();
            var y = tape.Forward(net, Reference.Random(3 * 3 * 12 * 12, 8), 3, 12, 12).ToArray();
            var r = Reference.Random(y.Length, 9);
            net.ZeroGrad();
            tape.Backward(r);
            var full = net.TrainableParameters.Select(p => (float[])p.Grad!.Clone()).ToList();
            net.ZeroGrad();
            tape.BackwardParameters(r);
            for (int i = 0; i < full.Count; i++) Assert.Equal(full[i], net.TrainableParameters[i].Grad!);
        }
    }

    [Fact]
    public void NetworkBackwardMatchesFiniteDifferencesThroughTheWholeGraph()
    {
        var net = Tiny(7);
        net.Train();
        var x = Reference.Random(3 * 3 * 12 * 12, 8);
        var tape = new Tape();
        var y = tape.Forward(net, x, 3, 12, 12).ToArray();
        var r = Reference.Random(y.Length, 9);
        net.ZeroGrad();
        tape.Backward(r);
        var head = net.TrainableParameters.Last();
        var w = net.TrainableParameters.First();
        foreach (var (p, i) in new[] { (head, 3), (w, 5), (w, 100) })
        {
            double L(float v)
            {
                float old = p.Value[i]; p.Value[i] = v;
                var o = net.Forward(x, 3, 12, 12);
                p.Value[i] = old;
                double s = 0;
                for (int j = 0; j < o.Length; j++) s += (double)r[j] * o[j];
                return s;
            }
            double h = 1e-3, num = (L(p.Value[i] + (float)h) - L(p.Value[i] - (float)h)) / (2 * h);
            Assert.True(Math.Abs(num - p.Grad![i]) < 5e-3 + 5e-2 * Math.Abs(num), $"{p.Name}[{i}]: {num} vs {p.Grad[i]}");
        }
    }

    [Fact]
    public void AdamWMatchesTheReferenceUpdate()
    {
        var lin = new Linear(1, 1);
        var net = new Network(lin);
        lin.Weight.Value[0] = 1f; lin.Bias.Value[0] = 0.5f;
        var opt = new AdamW(net.TrainableParameters, 0.1f, 0.9f, 0.999f, 1e-8f, 0.1f);
        net.ZeroGrad();
        lin.Weight.Grad![0] = 2f; lin.Bias.Grad![0] = -1f;
        opt.Step();
        // Step 1: m̂ = g, v̂ = g², update = lr * sign(g) (up to eps); decay only on the weight.
        Assert.Equal(1f * (1 - 0.1f * 0.1f) - 0.1f, lin.Weight.Value[0], 5);
        Assert.Equal(0.5f + 0.1f, lin.Bias.Value[0], 5);
        var ema = new WeightEma(net.State, 0.9f);
        float w0 = lin.Weight.Value[0];
        lin.Weight.Value[0] = w0 + 1f;
        ema.Update();
        Assert.Equal(w0 + 0.1f, ema.Shadow(0)[0], 5);
        var copy = new Network(new Linear(1, 1));
        ema.CopyTo(copy);
        Assert.Equal(w0 + 0.1f, copy.GetParameter("weight").Value[0], 5);
        var s = new WarmupCosineSchedule(1f, 10, 110, 0.1f);
        Assert.Equal(0.1f, s.RateAt(0), 5);
        Assert.Equal(1f, s.RateAt(9), 5);
        Assert.Equal(0.55f, s.RateAt(60), 4);
        Assert.Equal(0.1f, s.RateAt(500), 5);
    }

    [Fact]
    public void AdamWLongParametersMatchTheScalarFormulaExactly()
    {
        // 37 weights: vector body plus scalar tail; two steps with decay, compared bit for bit with the PyTorch formula in float.
        var lin = new Linear(37, 1);
        var net = new Network(lin);
        var w = Reference.Random(37, 5); w.CopyTo(lin.Weight.Value, 0);
        var opt = new AdamW(net.TrainableParameters, 0.01f, 0.9f, 0.999f, 1e-8f, 0.05f);
        var m = new float[37]; var v = new float[37];
        for (int t = 1; t <= 2; t++)
        {
            net.ZeroGrad();
            var g = Reference.Random(37, (ulong)(10 + t));
            g.CopyTo(lin.Weight.Grad!, 0);
            opt.Step();
            float bc1 = 1f / (1f - MathF.Pow(0.9f, t)), bc2 = 1f / (1f - MathF.Pow(0.999f, t)), decay = 1f - 0.01f * 0.05f;
            for (int i = 0; i < 37; i++)
            {
                m[i] = 0.9f * m[i] + (1f - 0.9f) * g[i];
                v[i] = 0.999f * v[i] + (1f - 0.999f) * g[i] * g[i];
                w[i] = w[i] * decay - 0.01f * (m[i] * bc1) / (MathF.Sqrt(v[i] * bc2) + 1e-8f);
            }
            Assert.Equal(w, lin.Weight.Value);
        }
    }

    [Fact]
    public void GlobalNormClippingScalesAllGradients()
    {
        var lin = new Linear(2, 1);
        var net = new Network(lin);
        net.ZeroGrad();
        lin.Weight.Grad![0] = 3f; lin.Weight.Grad[1] = 0f; lin.Bias.Grad![0] = 4f;
        Assert.Equal(5.0, GradientClipping.ClipGlobalNorm(net.TrainableParameters, 1.0), 5);
        Assert.Equal(0.6f, lin.Weight.Grad[0], 4);
        Assert.Equal(0.8f, lin.Bias.Grad[0], 4);
    }
}
