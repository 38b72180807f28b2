namespace DenseFace.Neural;

/// <summary>Global average pooling + flatten: [N, C, H, W] -> [N, C] (<c>adaptive_avg_pool2d(x, 1)</c> then <c>flatten(1)</c>).</summary>
internal sealed class GlobalAvgPool : Module
{
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public override Tensor Forward(Tensor x)
    {
        if (x.Rank != 4) throw new ArgumentException($"GlobalAvgPool expects NCHW input, got {x.ShapeString}");
        var y = Tensor.Reuse(ref OutputBuffer, x.N, x.C);
        int plane = x.H * x.W;
        float inv = 1f / plane;
        for (int i = 0; i < x.N * x.C; i++)
            y.Data[i] = System.Numerics.Tensors.TensorPrimitives.Sum<float>(x.Data.AsSpan(i * plane, plane)) * inv;
        return y;
    }
}

/// <summary>
/// Max pooling (<c>torch.nn.MaxPool2d(kernel, stride, padding)</c>, padding acts as -infinity); first maximum
/// wins on ties, like PyTorch's CPU kernel.
/// </summary>
internal sealed class MaxPool2d : Module
{
    public int Kernel { get; }
    public int Stride { get; }
    public int Padding { get; }

    public MaxPool2d(int kernel, int stride, int padding)
    {
        if (kernel <= 0 || stride <= 0 || padding < 0 || padding * 2 > kernel) throw new ArgumentOutOfRangeException(nameof(kernel));
        Kernel = kernel; Stride = stride; Padding = padding;
    }

    public override Tensor Forward(Tensor x)
    {
        int[]? none = null;
        return Forward(x, ref none);
    }

    /// <summary>
    /// Forward pass; unless <paramref name="argMax"/> is null, the flat input index of each output's maximum is
    /// written to it (replaced by a larger array when shorter than the output).
    /// </summary>
    internal Tensor Forward(Tensor x, ref int[]? argMax)
    {
        if (x.Rank != 4) throw new ArgumentException($"MaxPool2d expects NCHW input, got {x.ShapeString}");
        int h = x.H, w = x.W, oh = (h + 2 * Padding - Kernel) / Stride + 1, ow = (w + 2 * Padding - Kernel) / Stride + 1;
        var y = Tensor.Reuse(ref OutputBuffer, x.N, x.C, oh, ow);
        if (argMax != null && argMax.Length < y.Length) argMax = new int[y.Length];
        var xd = x.Data; var yd = y.Data; var am = argMax;
        Compute.For(x.N * x.C, p =>
        {
            int xo = p * h * w, yo = p * oh * ow;
            for (int oy = 0; oy < oh; oy++)
            for (int ox = 0; ox < ow; ox++)
            {
                float best = float.NegativeInfinity; int bi = -1;
                for (int ky = 0; ky < Kernel; ky++)
                {
                    int iy = oy * Stride - Padding + ky;
                    if ((uint)iy >= (uint)h) continue;
                    for (int kx = 0; kx < Kernel; kx++)
                    {
                        int ix = ox * Stride - Padding + kx;
                        if ((uint)ix >= (uint)w) continue;
                        float v = xd[xo + iy * w + ix];
                        if (v > best || bi < 0 || float.IsNaN(v)) { best = v; bi = xo + iy * w + ix; }
                    }
                }
                yd[yo + oy * ow + ox] = best;
                if (am != null) am[yo + oy * ow + ox] = bi;
            }
        });
        return y;
    }
}

/// <summary>
/// Inverted dropout (<c>torch.nn.Dropout(p)</c>): in training each element is zeroed with probability p and
/// the survivors are scaled by 1/(1-p); identity in evaluation. Masks come from a seeded generator, so a
/// training run is reproducible.
/// </summary>
internal sealed class Dropout : Module
{
    private RandomSource _rng;
    public float P { get; }

    public Dropout(float p, ulong seed = 0)
    {
        if (!(p >= 0f && p < 1f)) throw new ArgumentOutOfRangeException(nameof(p), "must be in [0, 1)");
        P = p; _rng = new RandomSource(seed ^ 0xD50u);
    }

    /// <summary>Restarts the mask generator (a trainer reseeds it per step so a resumed run draws the same masks).</summary>
    internal void Reseed(ulong seed) => _rng = new RandomSource(seed ^ 0xD50u);

    public override Tensor Forward(Tensor x)
    {
        float[]? none = null;
        return Forward(x, ref none);
    }

    /// <summary>
    /// Forward pass (the input itself in evaluation or with p = 0); in training, unless <paramref name="mask"/> is
    /// null, each element's multiplier (0 or 1/(1-p)) is written to it (replaced by a larger array when shorter than the input).
    /// </summary>
    internal Tensor Forward(Tensor x, ref float[]? mask)
    {
        if (!IsTraining || P == 0f) return x;
        if (mask != null && mask.Length < x.Length) mask = new float[x.Length];
        var y = Tensor.Reuse(ref OutputBuffer, x.Shape);
        float keep = 1f / (1f - P);
        var kept = mask;
        for (int i = 0; i < x.Length; i++)
        {
            float m = _rng.NextDouble() < P ? 0f : keep;
            if (kept != null) kept[i] = m;
            y.Data[i] = x.Data[i] * m;
        }
        return y;
    }
}
