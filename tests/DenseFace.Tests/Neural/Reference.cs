using DenseFace.Neural;

namespace DenseFace.Tests.Neural;

/// <summary>Naive double-precision reference implementations and helpers for the kernel tests.</summary>
internal static class Reference
{
    public static float[] Random(int n, ulong seed, float scale = 1f)
    {
        var rng = new RandomSource(seed);
        var a = new float[n];
        for (int i = 0; i < n; i++) a[i] = rng.Uniform(-scale, scale);
        return a;
    }

    public static double[] Gemm(bool ta, bool tb, int m, int n, int k, float[] a, int lda, float[] b, int ldb)
    {
        var c = new double[m * n];
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double s = 0;
                for (int p = 0; p < k; p++) s += (double)(ta ? a[p * lda + i] : a[i * lda + p]) * (tb ? b[j * ldb + p] : b[p * ldb + j]);
                c[i * n + j] = s;
            }
        return c;
    }

    /// <summary>Direct convolution (torch semantics) in double.</summary>
    public static double[] Conv(float[] x, int n, int cin, int h, int w, float[] wt, float[]? bias, int cout, int k, int stride, int pad, int groups, out int oh, out int ow)
    {
        oh = (h + 2 * pad - k) / stride + 1; ow = (w + 2 * pad - k) / stride + 1;
        int cpg = cin / groups, opg = cout / groups;
        var y = new double[n * cout * oh * ow];
        for (int b = 0; b < n; b++)
            for (int o = 0; o < cout; o++)
            {
                int gr = o / opg;
                for (int oy = 0; oy < oh; oy++)
                    for (int ox = 0; ox < ow; ox++)
                    {
                        double s = bias?[o] ?? 0;
                        for (int ci = 0; ci < cpg; ci++)
                            for (int ky = 0; ky < k; ky++)
                                for (int kx = 0; kx < k; kx++)
                                {
                                    int iy = oy * stride - pad + ky, ix = ox * stride - pad + kx;
                                    if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
                                    s += (double)x[((b * cin + gr * cpg + ci) * h + iy) * w + ix] * wt[((o * cpg + ci) * k + ky) * k + kx];
                                }
                        y[((b * cout + o) * oh + oy) * ow + ox] = s;
                    }
            }
        return y;
    }

    public static double MaxAbsDiff(ReadOnlySpan<float> a, ReadOnlySpan<double> b)
    {
        Assert.Equal(b.Length, a.Length);
        double m = 0;
        for (int i = 0; i < a.Length; i++) m = Math.Max(m, Math.Abs(a[i] - b[i]));
        return m;
    }

    public static double MaxAbsDiff(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        Assert.Equal(b.Length, a.Length);
        double m = 0;
        for (int i = 0; i < a.Length; i++) m = Math.Max(m, Math.Abs(a[i] - b[i]));
        return m;
    }
}

/// <summary>Tests that change <c>Simd.Level</c> or compare bit patterns run in this collection, one at a time.</summary>
[CollectionDefinition("Simd", DisableParallelization = true)]
public sealed class SimdCollection;

/// <summary>
/// Runs a test body at a given SIMD level. A level this process does not accelerate (no AVX-512 on the machine,
/// or <c>DOTNET_EnableAVX512F=0</c> / <c>DOTNET_EnableAVX2=0</c>) is reported as a skip, never as a pass.
/// </summary>
internal static class SimdLevels
{
    /// <summary>Every level, as ints (test methods are public, <see cref="SimdLevel"/> is internal).</summary>
    public static TheoryData<int> All => new() { (int)SimdLevel.Scalar, (int)SimdLevel.Vector128, (int)SimdLevel.Vector256, (int)SimdLevel.Vector512 };

    /// <summary>The levels this process can run: scalar up to <see cref="Simd.Detected"/>.</summary>
    public static SimdLevel[] Available => Enum.GetValues<SimdLevel>().Where(l => l <= Simd.Detected).ToArray();

    /// <summary>Skips (visibly) when <paramref name="level"/> is above what is detected, else runs <paramref name="body"/> at that level.</summary>
    public static void Run(int level, Action body)
    {
        var lv = (SimdLevel)level;
        Skip.If(lv > Simd.Detected, $"{lv} is not hardware-accelerated in this process (detected {Simd.Detected})");
        var old = Simd.Level;
        Simd.Level = lv;
        try { body(); } finally { Simd.Level = old; }
    }
}
