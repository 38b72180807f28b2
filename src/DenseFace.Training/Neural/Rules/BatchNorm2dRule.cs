using DenseFace.Neural;
using DenseFace.Neural.Kernels;

namespace DenseFace.Training.Neural;

/// <summary>
/// <see cref="BatchNorm2d"/>, alone or with a fused ReLU/ReLU6 (<see cref="TapeNode.Fused"/>). The forward keeps the
/// mode and, in training, the batch mean and 1/sigma it normalised with. Training mode (M values per channel,
/// x̂ = (x - mean) / sigma): dgamma = Σ dy x̂, dbeta = Σ dy, dx = gamma / (M sigma) (M dy - Σ dy - x̂ Σ dy x̂).
/// Evaluation mode: dx = dy gamma / sqrt(running_var + eps).
/// </summary>
/// <remarks>
/// Fused in training mode, BN and the activation are differentiated in one pass: dy is masked where the activation was
/// flat, the mask recomputed from x with the forward's scale and shift (bit-identical), so the activation's output is
/// never read and its gradient never materialised (equal to the two separate passes, tested). Fused in evaluation mode,
/// the two run as separate passes.
/// </remarks>
internal sealed class BatchNorm2dRule : LayerRule<BatchNorm2d>
{
    private sealed class Saved
    {
        public float[] Mean = [], InvStd = [];
        public bool Training;
        public Tensor? ActivationGrad;
    }

    [ThreadStatic] private static double[]? t_sums;
    [ThreadStatic] private static float[]? t_coefficients;

    protected override Tensor Forward(Tape tape, TapeNode node, BatchNorm2d layer, Tensor x)
    {
        var s = node.State as Saved;
        if (s == null) node.State = s = new Saved();
        if (s.Mean.Length != layer.Channels) { s.Mean = new float[layer.Channels]; s.InvStd = new float[layer.Channels]; }
        s.Training = layer.IsTraining;
        return node.Fused is { } act ? layer.ForwardWithActivation(x, act, s.Mean, s.InvStd) : layer.Forward(x, s.Mean, s.InvStd);
    }

    protected override Tensor? Backward(TapeNode node, BatchNorm2d layer, Tensor dy, bool inputGradient)
    {
        var s = (Saved)node.State!;
        var x = node.Input;
        if (node.Fused is not { } act) return Backward(layer, s, x, dy, node.GradInput(x), null);
        float hi = BatchNorm2d.ActivationLimit(act);
        if (s.Training) return Backward(layer, s, x, dy, node.GradInput(x), hi);
        var da = Tensor.Reuse(ref s.ActivationGrad, x.Shape);
        ReLURule.Mask(act.Compute, node.Output, dy, da, hi);
        return Backward(layer, s, x, da, node.GradInput(x), null);
    }

    /// <summary>BN backward into <paramref name="dx"/>; with <paramref name="activationHi"/> (training only) fused with ReLU (+inf) or ReLU6 (6).</summary>
    private static Tensor Backward(BatchNorm2d bn, Saved saved, Tensor x, Tensor dy, Tensor dx, float? activationHi)
    {
        int n = x.N, c = bn.Channels, plane = x.H * x.W;
        long m = (long)n * plane;
        var gamma = bn.Weight.Value; var gg = bn.Weight.Grad!; var gb = bn.Bias.Grad!;
        bool training = saved.Training, fused = activationHi.HasValue;
        if (fused && !training) throw new InvalidOperationException("fused BN-activation backward is for training mode");
        float hi = activationHi ?? 0f;
        // Channel ranges per task with images outer and channels inner (small maps: consecutive planes are adjacent
        // in memory); each channel still sums its images in order, so results do not depend on the split.
        int tasks = bn.Compute.MaxDegreeOfParallelism == 1 ? 1 : Math.Min(c, 4 * bn.Compute.MaxDegreeOfParallelism);
        bn.Compute.For(tasks, t =>
        {
            int c0 = (int)((long)c * t / tasks), c1 = (int)((long)c * (t + 1) / tasks), len = c1 - c0;
            var sums = t_sums;
            if (sums == null || sums.Length < 2 * len) t_sums = sums = new double[2 * len];
            var coef = t_coefficients;
            if (coef == null || coef.Length < 5 * len) t_coefficients = coef = new float[5 * len];
            Array.Clear(sums, 0, 2 * len);
            for (int ch = c0; ch < c1; ch++)
            {
                float mean = training ? saved.Mean[ch] : bn.RunningMean.Value[ch];
                float inv = training ? saved.InvStd[ch] : 1f / MathF.Sqrt(bn.RunningVar.Value[ch] + bn.Eps);
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
}
