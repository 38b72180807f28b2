namespace DenseFace.Neural;

/// <summary>
/// Batch normalisation over NCHW (<c>torch.nn.BatchNorm2d</c>, eps 1e-5, momentum 0.1). Training mode
/// normalises with the batch mean and biased variance over (N, H, W) and updates the running statistics
/// as running = (1 - momentum) * running + momentum * batch, using the unbiased variance for
/// <c>running_var</c> like PyTorch; evaluation mode uses the running statistics. Inference plans fold it
/// into the preceding convolution.
/// </summary>
internal sealed class BatchNorm2d : Module
{
    private readonly Parameter[] _params;

    public int Channels { get; }
    public float Eps { get; }
    public float Momentum { get; }
    public Parameter Weight { get; }
    public Parameter Bias { get; }
    public Parameter RunningMean { get; }
    public Parameter RunningVar { get; }
    public Parameter NumBatchesTracked { get; }

    [ThreadStatic] private static double[]? t_sums;
    [ThreadStatic] private static float[]? t_stats;

    public BatchNorm2d(int channels, float eps = 1e-5f, float momentum = 0.1f)
    {
        Channels = channels; Eps = eps; Momentum = momentum;
        Weight = new Parameter("weight", [channels], decay: false);
        Bias = new Parameter("bias", [channels], decay: false);
        RunningMean = new Parameter("running_mean", [channels], isBuffer: true);
        RunningVar = new Parameter("running_var", [channels], isBuffer: true);
        NumBatchesTracked = new Parameter("num_batches_tracked", [], isBuffer: true, isInteger: true);
        Array.Fill(Weight.Value, 1f);
        Array.Fill(RunningVar.Value, 1f);
        _params = [Weight, Bias, RunningMean, RunningVar, NumBatchesTracked];
    }

    public override IReadOnlyList<Parameter> OwnParameters => _params;

    /// <summary>Per-channel scale and shift of evaluation mode: y = x * scale + shift.</summary>
    public void EvalAffine(Span<float> scale, Span<float> shift)
    {
        for (int c = 0; c < Channels; c++)
        {
            float s = Weight.Value[c] / MathF.Sqrt(RunningVar.Value[c] + Eps);
            scale[c] = s;
            shift[c] = Bias.Value[c] - RunningMean.Value[c] * s;
        }
    }

    public override Tensor Forward(Tensor x) => Forward(x, null, null);

    /// <summary>
    /// Forward pass; in training mode the batch mean and 1/sqrt(var + eps) it normalised with are also written to
    /// <paramref name="batchMean"/> and <paramref name="batchInvStd"/> when given (length <see cref="Channels"/>).
    /// </summary>
    internal Tensor Forward(Tensor x, float[]? batchMean, float[]? batchInvStd)
    {
        RequireNchw(x, Channels);
        return Run(x, Tensor.Reuse(ref OutputBuffer, x.N, x.C, x.H, x.W), float.NegativeInfinity, float.PositiveInfinity, batchMean, batchInvStd);
    }

    /// <summary>
    /// BN followed by <paramref name="activation"/> (ReLU or ReLU6) in one pass: the result is written into the
    /// activation's output buffer as if both had run; batch statistics as in <see cref="Forward(Tensor, float[], float[])"/>.
    /// </summary>
    internal Tensor ForwardWithActivation(Tensor x, Module activation, float[]? batchMean = null, float[]? batchInvStd = null)
    {
        RequireNchw(x, Channels);
        float hi = ActivationLimit(activation);
        var y = Tensor.Reuse(ref activation.OutputBuffer, x.N, x.C, x.H, x.W);
        return Run(x, y, 0f, hi, batchMean, batchInvStd);
    }

    /// <summary>Upper clamp of an activation that fuses with batch norm: 6 for ReLU6, +infinity for ReLU.</summary>
    internal static float ActivationLimit(Module activation) => activation is ReLU6 ? 6f : activation is ReLU ? float.PositiveInfinity
        : throw new ArgumentException("only ReLU and ReLU6 fuse with batch norm", nameof(activation));

    private Tensor Run(Tensor x, Tensor y, float lo, float hi, float[]? batchMean, float[]? batchInvStd)
    {
        if (batchMean != null && batchMean.Length < Channels || batchInvStd != null && batchInvStd.Length < Channels)
            throw new ArgumentException($"BatchNorm2d '{Name}': batch statistics need {Channels} values");
        int n = x.N, c = Channels, plane = x.H * x.W;
        var xd = x.Data; var yd = y.Data;
        if (IsTraining)
        {
            long count = (long)n * plane;
            if (count < 2) throw new ArgumentException($"BatchNorm2d '{Name}': training needs more than one value per channel, got input {x.ShapeString}");
            // Channel ranges per task with images outer and channels inner (small maps: consecutive planes are adjacent
            // in memory); each channel still sums its images in order, so results do not depend on the split.
            int tasks = Compute.MaxDegreeOfParallelism == 1 ? 1 : Math.Min(c, 4 * Compute.MaxDegreeOfParallelism);
            Compute.For(tasks, t =>
            {
                int c0 = (int)((long)c * t / tasks), c1 = (int)((long)c * (t + 1) / tasks), len = c1 - c0;
                var sums = t_sums;
                if (sums == null || sums.Length < 2 * len) t_sums = sums = new double[2 * len];
                Array.Clear(sums, 0, 2 * len);
                var stats = t_stats; // mean then 1/sigma per channel of the range
                if (stats == null || stats.Length < 2 * len) t_stats = stats = new float[2 * len];
                // One pass: sums of (x - k) and (x - k)² with k the channel's first value (a shift near the mean keeps
                // the variance accurate), then var = (Σ(x-k)² - (Σ(x-k))² / M) / M.
                for (int i = 0; i < n; i++)
                    for (int ch = c0; ch < c1; ch++)
                    {
                        float k = xd[ch * plane];
                        var span = xd.AsSpan((i * c + ch) * plane, plane);
                        var (s1, s2) = Kernels.VectorOps.SumAndDot(span, span, k, k);
                        sums[2 * (ch - c0)] += s1; sums[2 * (ch - c0) + 1] += s2;
                    }
                for (int ch = c0; ch < c1; ch++)
                {
                    float k = xd[ch * plane];
                    double sum = sums[2 * (ch - c0)], sq = sums[2 * (ch - c0) + 1];
                    double mean = k + sum / count;
                    double ss = Math.Max(0, sq - sum * sum / count);
                    double var = ss / count;
                    float inv = (float)(1.0 / Math.Sqrt(var + Eps));
                    stats[2 * (ch - c0)] = (float)mean; stats[2 * (ch - c0) + 1] = inv;
                    if (batchMean != null) batchMean[ch] = (float)mean;
                    if (batchInvStd != null) batchInvStd[ch] = inv;
                    RunningMean.Value[ch] = (float)((1 - Momentum) * RunningMean.Value[ch] + Momentum * mean);
                    RunningVar.Value[ch] = (float)((1 - Momentum) * RunningVar.Value[ch] + Momentum * var * count / (count - 1));
                }
                for (int i = 0; i < n; i++)
                    for (int ch = c0; ch < c1; ch++)
                    {
                        float inv = stats[2 * (ch - c0) + 1], scale = Weight.Value[ch] * inv, shift = Bias.Value[ch] - stats[2 * (ch - c0)] * scale;
                        Kernels.VectorOps.ScaleShift(xd.AsSpan((i * c + ch) * plane, plane), scale, shift, lo, hi, yd.AsSpan((i * c + ch) * plane, plane));
                    }
            });
            NumBatchesTracked.Value[0] += 1;
        }
        else
        {
            Span<float> scale = c <= 4096 ? stackalloc float[c] : new float[c];
            Span<float> shift = c <= 4096 ? stackalloc float[c] : new float[c];
            EvalAffine(scale, shift);
            for (int i = 0; i < n; i++)
                for (int ch = 0; ch < c; ch++)
                    Kernels.VectorOps.ScaleShift(xd.AsSpan((i * c + ch) * plane, plane), scale[ch], shift[ch], lo, hi, yd.AsSpan((i * c + ch) * plane, plane));
        }
        return y;
    }

}
