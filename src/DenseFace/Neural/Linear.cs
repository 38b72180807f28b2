using DenseFace.Neural.Kernels;

namespace DenseFace.Neural;

/// <summary>
/// Fully connected layer y = x W^T + b (<c>torch.nn.Linear</c>) on [N, in] inputs (rank-4 inputs with
/// H = W = 1 are accepted and flattened). Parameters <c>weight</c> [out, in] and <c>bias</c> [out].
/// </summary>
internal sealed class Linear : Module
{
    private readonly Parameter[] _params;
    public int InFeatures { get; }
    public int OutFeatures { get; }
    public Parameter Weight { get; }
    public Parameter Bias { get; }

    public Linear(int inFeatures, int outFeatures)
    {
        if (inFeatures <= 0 || outFeatures <= 0) throw new ArgumentOutOfRangeException(nameof(inFeatures));
        InFeatures = inFeatures; OutFeatures = outFeatures;
        Weight = new Parameter("weight", [outFeatures, inFeatures]);
        Bias = new Parameter("bias", [outFeatures], decay: false);
        _params = [Weight, Bias];
    }

    public override IReadOnlyList<Parameter> OwnParameters => _params;

    public override Tensor Forward(Tensor x)
    {
        int n = x.Dim(0);
        if (x.Length != n * InFeatures) throw new ArgumentException($"Linear '{Name}' expects {InFeatures} features per sample, got {x.ShapeString}");
        var y = Tensor.Reuse(ref OutputBuffer, n, OutFeatures);
        Apply(x.Data, n, Weight.Value, Bias.Value, InFeatures, OutFeatures, y.Data, Compute);
        return y;
    }

    /// <summary>
    /// y[n x out] = x[n x in] W^T + b. With <paramref name="half"/> (W as fp16 [out, in], every weight exactly
    /// representable, see <see cref="HalfConvert.TryNarrowExact"/>) the matrix-vector products (n &lt;= 2) read the fp16
    /// copy; with <paramref name="halfPanels"/> (the same packed by <see cref="HalfGemm.Pack"/>) the matrix product (n &gt; 2)
    /// reads those at <see cref="SimdLevel.Vector512"/>. Either is bit-identical to reading <paramref name="w"/>.
    /// </summary>
    internal static void Apply(float[] x, int n, float[] w, float[] b, int inF, int outF, float[] y, ComputeContext compute, Half[]? half = null, Half[]? halfPanels = null)
    {
        if (n <= 2)
        {
            // Matrix-vector products: one dot product per output, split over output ranges.
            int chunks = Math.Min(compute.MaxDegreeOfParallelism, Math.Max(1, outF / 256));
            if (chunks == 1)
                for (int i = 0; i < n; i++) GemvRows(w, half, inF, 0, outF, x.AsSpan(i * inF, inF), b, y.AsSpan(i * outF, outF));
            else GemvParallel(x, n, w, half, b, inF, outF, y, compute, chunks);
            return;
        }
        for (int i = 0; i < n; i++) b.AsSpan(0, outF).CopyTo(y.AsSpan(i * outF, outF));
        if (halfPanels != null && Simd.Level == SimdLevel.Vector512)
        {
            HalfGemm.Multiply(x, n, inF, halfPanels, outF, y, compute);
            return;
        }
        Sgemm.Multiply(false, true, n, outF, inF, x, inF, w, inF, y, outF, accumulate: true, compute: compute);
    }

    /// <summary>Output-range split of the matrix-vector products (kept apart so the one-thread path allocates no closure).</summary>
    private static void GemvParallel(float[] x, int n, float[] w, Half[]? half, float[] b, int inF, int outF, float[] y, ComputeContext compute, int chunks)
        => compute.For(chunks, t =>
        {
            int o0 = (int)((long)outF * t / chunks), o1 = (int)((long)outF * (t + 1) / chunks);
            for (int i = 0; i < n; i++) GemvRows(w, half, inF, o0, o1, x.AsSpan(i * inF, inF), b, y.AsSpan(i * outF, outF));
        });

    /// <summary>Outputs [o0, o1) of one matrix-vector product, from the fp16 copy when there is one.</summary>
    private static void GemvRows(float[] w, Half[]? half, int inF, int o0, int o1, ReadOnlySpan<float> x, float[] b, Span<float> y)
    {
        if (half != null) Kernels.Gemv.Rows(half, inF, o0, o1, x, b, y);
        else Kernels.Gemv.Rows(w, inF, o0, o1, x, b, y);
    }

    /// <summary>Normal(0, std) weights and zero bias (torchvision MobileNetV2 uses std 0.01).</summary>
    public void InitNormal(RandomSource rng, double std)
    {
        for (int i = 0; i < Weight.Length; i++) Weight.Value[i] = (float)(std * rng.NextGaussian());
        Array.Clear(Bias.Value);
    }

    /// <summary>PyTorch's default: uniform(-1/sqrt(in), 1/sqrt(in)) for weight and bias (torchvision ResNet's fc).</summary>
    public void InitUniformDefault(RandomSource rng)
    {
        float bound = 1f / MathF.Sqrt(InFeatures);
        for (int i = 0; i < Weight.Length; i++) Weight.Value[i] = rng.Uniform(-bound, bound);
        for (int i = 0; i < Bias.Length; i++) Bias.Value[i] = rng.Uniform(-bound, bound);
    }
}
