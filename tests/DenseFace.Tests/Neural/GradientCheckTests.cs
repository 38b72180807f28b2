using DenseFace.Neural;
using DenseFace.Training.Neural;

namespace DenseFace.Tests.Neural;

/// <summary>
/// Central-difference gradient checks: L = Σ r_i y_i (r random, accumulated in double) is perturbed by ±h
/// on sampled inputs and parameters, and (L+ - L-) / 2h is compared with the backward pass.
/// </summary>
[Collection("Simd")]
public class GradientCheckTests
{
    internal static void Check(Module m, Tensor x, bool training, ulong seed, double h = 1e-2, double rtol = 1e-2, double atol = 1e-3, int threads = 1)
    {
        var net = new Network(m) { MaxDegreeOfParallelism = threads };
        if (training) net.Train(); else net.Eval();
        var tape = new Tape();
        var y = tape.Forward(m, x);
        var r = Reference.Random(y.Length, seed);
        net.ZeroGrad();
        var dx = tape.Backward(r).Span.ToArray();
        double Loss()
        {
            var o = m.Forward(x);
            double s = 0;
            for (int i = 0; i < o.Length; i++) s += (double)r[i] * o.Data[i];
            return s;
        }
        var rng = new RandomSource(seed + 1);
        void Compare(float[] values, float[] analytic, string what)
        {
            int count = Math.Min(values.Length, 24);
            for (int s = 0; s < count; s++)
            {
                int i = values.Length <= 24 ? s : (int)(rng.NextUInt64() % (ulong)values.Length);
                float old = values[i];
                values[i] = (float)(old + h); double lp = Loss();
                values[i] = (float)(old - h); double lm = Loss();
                values[i] = old;
                double num = (lp - lm) / (2 * h);
                Assert.True(Math.Abs(num - analytic[i]) <= atol + rtol * Math.Abs(num),
                    $"{m.GetType().Name} {what}[{i}]: numeric {num}, analytic {analytic[i]}");
            }
        }
        Compare(x.Data, dx, "input");
        foreach (var p in net.TrainableParameters) Compare(p.Value, p.Grad!, p.Name);
    }

    private static Tensor Input(ulong seed, params int[] shape)
    {
        var t = new Tensor(shape);
        Reference.Random(t.Length, seed).CopyTo(t.Data, 0);
        return t;
    }

    private static void Randomise(Module m, ulong seed)
    {
        foreach (var p in m.Parameters().Where(p => !p.IsBuffer)) Reference.Random(p.Length, seed++, 0.5f).CopyTo(p.Value, 0);
    }

    [Theory]
    [InlineData(3, 4, 3, 2, 1, 1, true)]   // stem-like, strided, bias
    [InlineData(6, 6, 3, 1, 1, 6, false)]  // depthwise stride 1
    [InlineData(6, 6, 3, 2, 1, 6, true)]   // depthwise stride 2
    [InlineData(4, 6, 3, 1, 1, 2, true)]   // grouped
    [InlineData(5, 7, 1, 1, 0, 1, false)]  // pointwise
    [InlineData(4, 3, 1, 2, 0, 1, false)]  // strided 1x1 (ResNet downsample)
    [InlineData(3, 2, 7, 2, 3, 1, false)]  // 7x7 (ResNet stem)
    public void Conv2dGradients(int cin, int cout, int k, int s, int p, int groups, bool bias)
    {
        var old = DenseFace.Simd.Level;
        try
        {
            // Every SIMD level this machine offers (the vectorised depthwise paths have scalar fallbacks).
            foreach (var level in SimdLevels.Available)
                foreach (int threads in new[] { 1, 2 })
                {
                    DenseFace.Simd.Level = level;
                    var conv = new Conv2d(cin, cout, k, s, p, groups, bias);
                    Randomise(conv, 7);
                    Check(conv, Input(11, 3, cin, 9, 8), training: true, seed: 3, threads: threads);
                    Check(conv, Input(12, 2, cin, 19, 21), training: true, seed: 4, threads: threads);
                }
        }
        finally { DenseFace.Simd.Level = old; }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void BatchNormGradients(bool training)
    {
        var bn = new BatchNorm2d(3);
        Randomise(bn, 5);
        Reference.Random(3, 9).CopyTo(bn.RunningMean.Value, 0);
        for (int i = 0; i < 3; i++) bn.RunningVar.Value[i] = 0.5f + i;
        Check(bn, Input(12, 2, 3, 4, 5), training, seed: 4, h: 1e-2, rtol: 2e-2, atol: 2e-3);
    }

    private static Tensor AwayFromKinks(ulong seed, float scale, params int[] shape)
    {
        var t = Input(seed, shape);
        for (int i = 0; i < t.Length; i++)
        {
            float v = t.Data[i] * scale;
            if (Math.Abs(v) < 0.1f) v += v < 0 ? -0.1f : 0.1f;
            if (Math.Abs(v - 6f) < 0.1f) v += 0.2f;
            t.Data[i] = v;
        }
        return t;
    }

    [Fact]
    public void ActivationGradients()
    {
        Check(new ReLU(), AwayFromKinks(1, 2f, 2, 3, 4, 4), true, 1);
        Check(new ReLU6(), AwayFromKinks(2, 8f, 2, 3, 4, 4), true, 2);
        var prelu = new PReLU(3);
        Randomise(prelu, 3);
        Check(prelu, AwayFromKinks(3, 2f, 2, 3, 4, 4), true, 3);
        Check(new PReLU(1), AwayFromKinks(4, 2f, 2, 3, 4, 4), true, 4);
    }

    [Fact]
    public void PoolingAndLinearGradients()
    {
        Check(new GlobalAvgPool(), Input(5, 2, 3, 4, 5), true, 5);
        var lin = new Linear(7, 5);
        Randomise(lin, 6);
        Check(lin, Input(6, 3, 7), true, 6);
        var t = Input(7, 2, 2, 7, 6);
        for (int i = 0; i < t.Length; i++) t.Data[i] = i * 0.37f % 5f; // distinct values: no ties within a window
        Check(new MaxPool2d(3, 2, 1), t, true, 7, h: 1e-3);
    }

    [Theory]
    [InlineData(4, 4, 1)]
    [InlineData(8, 8, 1)]
    [InlineData(16, 16, 1)]
    [InlineData(9, 8, 2)]
    [InlineData(32, 32, 2)]
    [InlineData(64, 64, 2)]
    public void DepthwiseBackwardFastPathsMatchTheGenericLoop(int h, int w, int stride)
    {
        (float[] Dx, float[] Dw) Run(DenseFace.SimdLevel level)
        {
            var old = DenseFace.Simd.Level;
            DenseFace.Simd.Level = level;
            try
            {
                var conv = new Conv2d(3, 3, 3, stride, 1, 3, bias: false);
                Randomise(conv, 31);
                var net = new Network(conv);
                net.Train();
                var tape = new Tape();
                var y = tape.Forward(conv, Input(32, 2, 3, h, w));
                net.ZeroGrad();
                var dx = tape.Backward(Reference.Random(y.Length, 33)).Span.ToArray();
                return (dx, (float[])conv.Weight.Grad!.Clone());
            }
            finally { DenseFace.Simd.Level = old; }
        }
        var fast = Run(DenseFace.Simd.Detected);
        var generic = Run(DenseFace.SimdLevel.Scalar);
        for (int i = 0; i < fast.Dx.Length; i++) Assert.True(Math.Abs(fast.Dx[i] - generic.Dx[i]) <= 1e-5f, $"dx[{i}]: {fast.Dx[i]} vs {generic.Dx[i]}");
        for (int i = 0; i < fast.Dw.Length; i++) Assert.True(Math.Abs(fast.Dw[i] - generic.Dw[i]) <= 1e-4f * (1 + Math.Abs(generic.Dw[i])), $"dw[{i}]: {fast.Dw[i]} vs {generic.Dw[i]}");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void FusedBatchNormActivationBackwardEqualsSeparatePasses(bool relu6)
    {
        var old = DenseFace.Simd.Level;
        try
        {
            foreach (var level in SimdLevels.Available)
            {
                DenseFace.Simd.Level = level;
                var bn = new BatchNorm2d(5);
                Module act = relu6 ? new ReLU6() : new ReLU();
                var seq = new Sequential(bn, act);
                Reference.Random(5, 21, 4f).CopyTo(bn.Weight.Value, 0);
                Reference.Random(5, 22, 3f).CopyTo(bn.Bias.Value, 0);
                var net = new Network(seq);
                net.Train();
                var x = Input(23, 2, 5, 7, 9); // 63-pixel planes: vector bodies and scalar tails
                var tape = new Tape();
                var y = tape.Forward(seq, x).Span.ToArray();
                Assert.Contains(0f, y); // both sides of the mask occur
                if (relu6) Assert.Contains(6f, y);
                var g = new Tensor(Reference.Random(y.Length, 24), 2, 5, 7, 9);
                net.ZeroGrad();
                var fused = tape.Backward(g.Span).Span.ToArray();
                var gw = (float[])bn.Weight.Grad!.Clone(); var gb = (float[])bn.Bias.Grad!.Clone();
                // The same layers recorded one at a time (no fusion): BN's backward of the activation's backward.
                net.ZeroGrad();
                var bnTape = new Tape(); var actTape = new Tape();
                Assert.Equal(y, actTape.Forward(act, bnTape.Forward(bn, x)).Span.ToArray());
                var separate = bnTape.Backward(actTape.Backward(g.Span).Span).Span.ToArray();
                Assert.Equal(separate, fused);
                Assert.Equal(bn.Weight.Grad!, gw);
                Assert.Equal(bn.Bias.Grad!, gb);
            }
        }
        finally { DenseFace.Simd.Level = old; }
    }

    [Fact]
    public void ResidualBlockGradients()
    {
        var ir = new InvertedResidual(4, 4, 1, 3); // expand, depthwise, project, residual add
        Assert.True(ir.UseResidual);
        Randomise(ir, 8);
        Check(ir, Input(8, 2, 4, 5, 5), training: true, seed: 8, h: 1e-4, rtol: 3e-2, atol: 1e-2);
        var bb = new BasicBlock(3, 4, 2); // downsample shortcut
        Randomise(bb, 9);
        Check(bb, Input(9, 2, 3, 6, 6), training: true, seed: 9, h: 1e-3, rtol: 3e-2, atol: 3e-3);
    }

    [Fact]
    public void DropoutBackwardUsesTheForwardMask()
    {
        var d = new Dropout(0.5f, 3);
        var net = new Network(d);
        net.Train();
        var x = Input(1, 4, 100);
        var tape = new Tape();
        var y = tape.Forward(d, x).Span.ToArray();
        int zeros = y.Count(v => v == 0f);
        Assert.InRange(zeros, 120, 280);
        var g = tape.Backward(Enumerable.Repeat(1f, 400).ToArray()).Span.ToArray();
        for (int i = 0; i < 400; i++) Assert.Equal(y[i] == 0f ? 0f : 2f, g[i]);
        net.Eval();
        Assert.Same(x, d.Forward(x));
    }

    [Fact]
    public void GridSamplerGradientsWrtInputAndTheta()
    {
        var x = Input(20, 2, 2, 6, 7);
        float[] theta = [0.8f, 0.15f, 0.05f, -0.1f, 0.9f, -0.07f, 1.1f, -0.2f, 0.1f, 0.25f, 0.7f, 0.12f];
        var y = new Tensor(2, 2, 5, 4);
        var r = Reference.Random(y.Length, 21);
        double Loss()
        {
            AffineGridSampler.Forward(x, theta, y);
            double s = 0;
            for (int i = 0; i < y.Length; i++) s += (double)r[i] * y.Data[i];
            return s;
        }
        Loss();
        var gx = new Tensor(x.Shape.ToArray());
        var gt = new float[12];
        GridSamplerBackward.Backward(x, theta, new Tensor(r, y.Shape.ToArray()), gx, gt);
        double h = 1e-3;
        for (int i = 0; i < x.Length; i += 3)
        {
            float old = x.Data[i];
            x.Data[i] = (float)(old + h); double lp = Loss();
            x.Data[i] = (float)(old - h); double lm = Loss();
            x.Data[i] = old;
            Assert.True(Math.Abs((lp - lm) / (2 * h) - gx.Data[i]) < 1e-3, $"input[{i}]");
        }
        for (int i = 0; i < 12; i++)
        {
            float old = theta[i];
            theta[i] = (float)(old + h); double lp = Loss();
            theta[i] = (float)(old - h); double lm = Loss();
            theta[i] = old;
            double num = (lp - lm) / (2 * h);
            Assert.True(Math.Abs(num - gt[i]) < 2e-2 + 2e-2 * Math.Abs(num), $"theta[{i}]: numeric {num}, analytic {gt[i]}");
        }
    }

    [Fact]
    public void GridSamplerFollowsAlignCornersFalse()
    {
        // Zoom 2x on a 4x4 ramp x[iy, ix] = 10 iy + ix: output pixel (0, 0) has xs = ys = -0.75, so
        // gx = gy = -0.375 and the input is read at ((gx + 1) * 4 - 1) / 2 = 0.75 in both axes.
        var x = new Tensor(1, 1, 4, 4);
        for (int i = 0; i < 16; i++) x.Data[i] = 10 * (i / 4) + i % 4;
        var y = new Tensor(1, 1, 4, 4);
        AffineGridSampler.Forward(x, [0.5f, 0, 0, 0, 0.5f, 0], y);
        Assert.Equal(10 * 0.75f + 0.75f, y.Data[0], 4);
        Assert.Equal(10 * 2.25f + 2.25f, y.Data[15], 4);
        // Outside the image the result is zero-padded: reading at x = -0.5 blends pixel 0 with a zero.
        AffineGridSampler.Forward(x, [1, 0, -0.25f, 0, 1, 0], y); // shift by half a pixel to the left
        Assert.Equal(0.5f * (10 * 0 + 0) + 0.5f * 0f, y.Data[0], 4);
        Assert.Equal(0.5f * (10 + 0) + 0.5f * 0f, y.Data[4], 4);
    }

    [Fact]
    public void GridSamplerIdentityThetaReproducesTheInput()
    {
        var x = Input(30, 1, 3, 5, 6);
        var y = new Tensor(1, 3, 5, 6);
        AffineGridSampler.Forward(x, [1, 0, 0, 0, 1, 0], y);
        Assert.True(Reference.MaxAbsDiff(y.Span, x.Span) < 1e-5);
        // A shift by one pixel to the right in normalised units (2 / W): output(x) = input(x + 1), zero at the edge.
        AffineGridSampler.Forward(x, [1, 0, 2f / 6, 0, 1, 0], y);
        Assert.Equal(x.Data[1], y.Data[0], 5);
        Assert.Equal(0f, y.Data[5], 5);
    }
}
