using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;
using DenseFace.Neural;
using DenseFace.Neural.Kernels;

namespace DenseFace.Training.Neural;

/// <summary>
/// Reverse-mode differentiation of the module graphs of DenseFace.Neural: each module's backward pass
/// takes dL/d(output) of its last forward pass and returns dL/d(input), accumulating dL/d(parameter) into
/// <see cref="Parameter.Grad"/> (call <see cref="ZeroGrad"/> first, as with PyTorch). Work is split over
/// channels or over fixed contiguous chunks of the batch whose weight-gradient partials are summed in
/// chunk order, so gradients are bit-identical for a given thread count.
/// </summary>
public static class Backprop
{
    /// <summary>Allocates or zeroes the gradients of every trainable parameter.</summary>
    public static void ZeroGrad(this Network network)
    {
        foreach (var p in network.TrainableParameters) p.ZeroGrad();
    }

    /// <summary>
    /// Backward pass of the network's last forward pass: <paramref name="gradOutput"/> is dL/d(output)
    /// [batch x outputs]; returns dL/d(input) (NCHW), valid until the next backward pass.
    /// </summary>
    public static Tensor Backward(this Network network, ReadOnlySpan<float> gradOutput)
    {
        var y = network.LastOutput ?? throw new InvalidOperationException("Backward called before Forward");
        if (gradOutput.Length != y.Length) throw new ArgumentException($"gradient has {gradOutput.Length} values, output has {y.Length}", nameof(gradOutput));
        foreach (var p in network.TrainableParameters) p.Grad ??= new float[p.Length];
        var g = Tensor.Reuse(ref GradOutputOf(network).Buffer, y.Shape);
        gradOutput.CopyTo(g.Span);
        return BackwardCore(network.Root, g, inputGradient: true)!;
    }

    /// <summary>
    /// Like <see cref="Backward(Network, ReadOnlySpan{float})"/> for training: accumulates the parameter
    /// gradients only, skipping the work that serves nothing but dL/d(input) (the first convolution's input
    /// gradient, when the graph starts with nested <see cref="Sequential"/>s down to a convolution).
    /// </summary>
    public static void BackwardParameters(this Network network, ReadOnlySpan<float> gradOutput)
    {
        var y = network.LastOutput ?? throw new InvalidOperationException("Backward called before Forward");
        if (gradOutput.Length != y.Length) throw new ArgumentException($"gradient has {gradOutput.Length} values, output has {y.Length}", nameof(gradOutput));
        foreach (var p in network.TrainableParameters) p.Grad ??= new float[p.Length];
        var g = Tensor.Reuse(ref GradOutputOf(network).Buffer, y.Shape);
        gradOutput.CopyTo(g.Span);
        BackwardCore(network.Root, g, inputGradient: false);
    }

    private sealed class Holder { public Tensor? Buffer; }
    [ThreadStatic] private static double[]? t_bnSums;
    [ThreadStatic] private static float[]? t_bnCoefficients;
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<Network, Holder> GradOutputs = new();
    private static Holder GradOutputOf(Network n) => GradOutputs.GetOrCreateValue(n);

    /// <summary>Backward pass of one module (see the class remarks). Parameters' Grad arrays are allocated on demand.</summary>
    public static Tensor Backward(Module module, Tensor gradOut) => BackwardCore(module, gradOut, inputGradient: true)!;

    /// <summary>Backward pass of one module; without <paramref name="inputGradient"/> the result may be null (not computed).</summary>
    private static Tensor? BackwardCore(Module module, Tensor gradOut, bool inputGradient)
    {
        var x = module.LastInput ?? throw new InvalidOperationException($"module '{module.Name}' has no forward pass to differentiate");
        foreach (var p in module.OwnParameters)
            if (!p.IsBuffer) p.Grad ??= new float[p.Length];
        switch (module)
        {
            case Sequential s:
            {
                var g = gradOut;
                for (int i = s.Children.Count - 1; i >= 0; i--)
                {
                    var m = s.Children[i].Module;
                    // Training-mode BN + ReLU/ReLU6 ran fused (Sequential.Forward): differentiate both in one pass.
                    if (i > 0 && m is ReLU or ReLU6 && s.Children[i - 1].Module is BatchNorm2d { IsTraining: true } bn && bn.LastInput is { } bx)
                    {
                        foreach (var p in bn.OwnParameters)
                            if (!p.IsBuffer) p.Grad ??= new float[p.Length];
                        g = BatchNormBackward(bn, bx, g, m is ReLU6 ? 6f : float.PositiveInfinity);
                        i--;
                        continue;
                    }
                    g = BackwardCore(m, g, i == 0 ? inputGradient : true)!;
                }
                return g;
            }
            case InvertedResidual r:
            {
                var g = Backward(r.Conv, gradOut);
                if (!r.UseResidual) return g;
                var dx = GradInput(module, x);
                module.Compute.ForRange(dx.Length, (a, n) => TensorPrimitives.Add(g.Data.AsSpan(a, n), gradOut.Data.AsSpan(a, n), dx.Data.AsSpan(a, n)));
                return dx;
            }
            case BasicBlock b:
            {
                var sum = b.SumBuffer!;
                var dsBuffer = b.BackwardState as Tensor;
                var ds = Tensor.Reuse(ref dsBuffer, sum.Shape);
                b.BackwardState = ds;
                ReluMask(module.Compute, sum, gradOut, ds, 0f, float.PositiveInfinity);
                var g = Backward(b.Conv1, Backward(b.Bn1, Backward(b.Relu1, Backward(b.Conv2, Backward(b.Bn2, ds)))));
                var gs = b.Downsample == null ? ds : Backward(b.Downsample, ds);
                var dx = GradInput(module, x);
                module.Compute.ForRange(dx.Length, (a, n) => TensorPrimitives.Add(g.Data.AsSpan(a, n), gs.Data.AsSpan(a, n), dx.Data.AsSpan(a, n)));
                return dx;
            }
            case Conv2d c: return ConvBackward.Backward(c, x, gradOut, inputGradient);
            case BatchNorm2d bn: return BatchNormBackward(bn, x, gradOut);
            case ReLU:
            {
                var dx = GradInput(module, x);
                ReluMask(module.Compute, module.OutputBuffer!, gradOut, dx, 0f, float.PositiveInfinity); // y > 0 iff x > 0
                return dx;
            }
            case ReLU6:
            {
                var dx = GradInput(module, x);
                ReluMask(module.Compute, module.OutputBuffer!, gradOut, dx, 0f, 6f); // 0 < y < 6 iff 0 < x < 6
                return dx;
            }
            case PReLU pr: return PReluBackward(pr, x, gradOut);
            case Linear l: return LinearBackward(l, x, gradOut);
            case GlobalAvgPool:
            {
                var dx = GradInput(module, x);
                int plane = x.H * x.W;
                for (int i = 0; i < x.N * x.C; i++) dx.Data.AsSpan(i * plane, plane).Fill(gradOut.Data[i] / plane);
                return dx;
            }
            case MaxPool2d mp:
            {
                var dx = GradInput(module, x);
                int inPlane = x.H * x.W, outPlane = gradOut.Length / (x.N * x.C);
                module.Compute.For(x.N * x.C, p =>
                {
                    dx.Data.AsSpan(p * inPlane, inPlane).Clear();
                    for (int i = p * outPlane; i < (p + 1) * outPlane; i++) dx.Data[mp.ArgMax[i]] += gradOut.Data[i];
                });
                return dx;
            }
            case Dropout d:
            {
                if (!d.IsTraining || d.P == 0f) return gradOut;
                var dx = GradInput(module, x);
                TensorPrimitives.Multiply(gradOut.Span, d.Mask.AsSpan(0, dx.Length), dx.Span);
                return dx;
            }
            default: throw new NotSupportedException($"no backward pass for {module.GetType().Name} '{module.Name}'");
        }
    }

    internal static Tensor GradInput(Module m, Tensor x) => Tensor.Reuse(ref m.GradInputBuffer, x.Shape);

    /// <summary>dx = dy where lo &lt; x &lt; hi, else 0 (the derivative of ReLU/ReLU6 taken as 0 at the kinks, like PyTorch).</summary>
    private static void ReluMask(ComputeContext compute, Tensor x, Tensor dy, Tensor dx, float lo, float hi)
        => compute.ForRange(x.Length, (a, n) => VectorOps.MaskBetween(x.Data.AsSpan(a, n), dy.Data.AsSpan(a, n), lo, hi, dx.Data.AsSpan(a, n)));

    private static Tensor PReluBackward(PReLU pr, Tensor x, Tensor dy)
    {
        var dx = GradInput(pr, x);
        int num = pr.Weight.Length, channels = x.Rank >= 2 ? x.Dim(1) : 1, n = x.Dim(0);
        int plane = x.Length / (n * channels);
        var a = pr.Weight.Value; var ga = pr.Weight.Grad!;
        var sums = new double[num];
        for (int c = 0; c < channels; c++)
        {
            int k = num == 1 ? 0 : c;
            double s = 0;
            for (int b = 0; b < n; b++)
            {
                int off = (b * channels + c) * plane;
                for (int j = off; j < off + plane; j++)
                {
                    float v = x.Data[j];
                    if (v > 0f) dx.Data[j] = dy.Data[j];
                    else { dx.Data[j] = a[k] * dy.Data[j]; s += (double)dy.Data[j] * v; }
                }
            }
            sums[k] += s;
        }
        for (int k = 0; k < num; k++) ga[k] += (float)sums[k];
        return dx;
    }

    /// <summary>
    /// BN backward. Training mode (batch statistics, M values per channel, x̂ = (x - mean) / sigma):
    /// dgamma = Σ dy x̂, dbeta = Σ dy, dx = gamma / (M sigma) (M dy - Σ dy - x̂ Σ dy x̂).
    /// Evaluation mode: dx = dy gamma / sqrt(running_var + eps).
    /// </summary>
    /// <remarks>
    /// With <paramref name="activationHi"/> set (training mode only), differentiates BN followed by ReLU
    /// (hi = +inf) or ReLU6 (hi = 6) as fused in the forward pass: dy is masked where the activation was
    /// flat, the mask recomputed from x with the forward's scale and shift (bit-identical), so the
    /// activation's output is never read and its gradient never materialised.
    /// </remarks>
    private static Tensor BatchNormBackward(BatchNorm2d bn, Tensor x, Tensor dy, float? activationHi = null)
    {
        var dx = GradInput(bn, x);
        int n = x.N, c = bn.Channels, plane = x.H * x.W;
        long m = (long)n * plane;
        var gamma = bn.Weight.Value; var gg = bn.Weight.Grad!; var gb = bn.Bias.Grad!;
        bool training = bn.IsTraining, fused = activationHi.HasValue;
        if (fused && !training) throw new InvalidOperationException("fused BN-activation backward is for training mode");
        float hi = activationHi ?? 0f;
        // Channel ranges per task with images outer and channels inner (small maps: consecutive planes are adjacent
        // in memory); each channel still sums its images in order, so results do not depend on the split.
        int tasks = bn.Compute.MaxDegreeOfParallelism == 1 ? 1 : Math.Min(c, 4 * bn.Compute.MaxDegreeOfParallelism);
        bn.Compute.For(tasks, t =>
        {
            int c0 = (int)((long)c * t / tasks), c1 = (int)((long)c * (t + 1) / tasks), len = c1 - c0;
            var sums = t_bnSums;
            if (sums == null || sums.Length < 2 * len) t_bnSums = sums = new double[2 * len];
            var coef = t_bnCoefficients;
            if (coef == null || coef.Length < 5 * len) t_bnCoefficients = coef = new float[5 * len];
            Array.Clear(sums, 0, 2 * len);
            for (int ch = c0; ch < c1; ch++)
            {
                float mean = training ? bn.BatchMean[ch] : bn.RunningMean.Value[ch];
                float inv = training ? bn.BatchInvStd[ch] : 1f / MathF.Sqrt(bn.RunningVar.Value[ch] + bn.Eps);
                // The forward's BN affine (see BatchNorm2d): the activation's mask is recomputed from it.
                float scale = bn.Weight.Value[ch] * inv, shift = bn.Bias.Value[ch] - mean * scale;
                int j = 5 * (ch - c0);
                coef[j] = mean; coef[j + 1] = inv; coef[j + 2] = scale; coef[j + 3] = shift;
            }
            for (int b = 0; b < n; b++)
                for (int ch = c0; ch < c1; ch++)
                {
                    int j = ch - c0;
                    var dys = dy.Data.AsSpan((b * c + ch) * plane, plane);
                    var xs = x.Data.AsSpan((b * c + ch) * plane, plane);
                    var (s1, s2) = fused ? VectorOps.MaskedSumAndDot(dys, xs, coef[5 * j + 2], coef[5 * j + 3], 0f, hi, coef[5 * j])
                        : VectorOps.SumAndDot(dys, xs, 0f, coef[5 * j]);
                    sums[2 * j] += s1; sums[2 * j + 1] += s2;
                }
            for (int ch = c0; ch < c1; ch++)
            {
                int j = ch - c0;
                float mean = coef[5 * j], inv = coef[5 * j + 1];
                double sdy = sums[2 * j], sdyx = sums[2 * j + 1] * inv; // Σ dy x̂ = Σ dy (x - mean) / sigma
                gg[ch] += (float)sdyx; gb[ch] += (float)sdy;
                float k = gamma[ch] * inv;
                // Training: dx = k (dy - mean(dy) - x̂ mean(dy x̂)) = k dy + bx x + c0; evaluation: dx = k dy.
                float meanDy = training ? (float)(sdy / m) : 0f, meanDyX = training ? (float)(sdyx / m) : 0f;
                float bx = -k * inv * meanDyX, cc = k * (mean * inv * meanDyX - meanDy);
                coef[5 * j] = k; coef[5 * j + 1] = bx; coef[5 * j + 4] = cc;
            }
            for (int b = 0; b < n; b++)
                for (int ch = c0; ch < c1; ch++)
                {
                    int off = (b * c + ch) * plane, j = 5 * (ch - c0);
                    if (fused) VectorOps.MaskedLinearCombination(dy.Data.AsSpan(off, plane), x.Data.AsSpan(off, plane), coef[j + 2], coef[j + 3], 0f, hi,
                        coef[j], coef[j + 1], coef[j + 4], dx.Data.AsSpan(off, plane));
                    else VectorOps.LinearCombination(dy.Data.AsSpan(off, plane), x.Data.AsSpan(off, plane), coef[j], coef[j + 1], coef[j + 4], dx.Data.AsSpan(off, plane));
                }
        });
        return dx;
    }

    /// <summary>Linear backward: dX = dY W, dW += dY^T X, db += Σ_n dY.</summary>
    private static Tensor LinearBackward(Linear l, Tensor x, Tensor dy)
    {
        var dx = GradInput(l, x);
        int n = x.Dim(0), inF = l.InFeatures, outF = l.OutFeatures;
        Sgemm.Multiply(false, false, n, inF, outF, dy.Data, outF, l.Weight.Value, inF, dx.Data, inF, compute: l.Compute);
        Sgemm.Multiply(true, false, outF, inF, n, dy.Data, outF, x.Data, inF, l.Weight.Grad!, inF, accumulate: true, compute: l.Compute);
        var gb = l.Bias.Grad!;
        for (int b = 0; b < n; b++) TensorPrimitives.Add(gb, dy.Data.AsSpan(b * outF, outF), gb);
        return dx;
    }
}
