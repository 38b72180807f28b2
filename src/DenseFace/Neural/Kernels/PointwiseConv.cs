using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace DenseFace.Neural.Kernels;

/// <summary>
/// 1x1 stride-1 convolution of one NCHW image with few input channels (K &lt;= <see cref="MaxK"/>), without
/// packing the whole input: Y[M x P] = W X (+ Y) + bias, then the activation, where X is the [K x P] stack of
/// input planes. The pixels are walked in 32-column strips; at Vector512 the 8 x 32 micro-kernel reads each
/// strip's K rows straight from the planes (two vector loads per k, the weights broadcast from the packed
/// 8-row panels of <see cref="Sgemm.PackMatrixA"/>), so the K x 32 strip stays in L1 while every 8-row block of
/// output channels passes over it. Other levels (and a last strip narrower than 32 columns) copy the strip into
/// an L1-resident K x 32 panel and run <see cref="Sgemm.MultiplyPanel"/>. Each output is summed over k in
/// order from zero, then the residual, the bias and the activation, exactly like the packed product
/// (<see cref="Sgemm.MultiplyPacked"/> with K &lt;= <see cref="Sgemm.KC"/>), so results are bit-identical to it.
/// The packed path copied the whole input into K x 4096 panels first, which at K = 16-64 on large maps (YuNet)
/// was a large share of the time.
/// </summary>
internal static unsafe class PointwiseConv
{
    /// <summary>Largest input channel count of the fused 1x1 + depthwise pairs (<see cref="PointwiseDepthwise"/>).</summary>
    internal const int MaxK = 64;

    /// <summary>
    /// Largest input channel count handled by <see cref="Multiply"/>: one <see cref="Sgemm.KC"/> block, so the k order (and the
    /// result) is the packed product's; the strip, K x 32 floats (32 KB at 256), still stays in L1. MobileNetV2's projections
    /// (K = 96-192 on 56 x 56 - 14 x 14 maps) and expansions from 96 channels skip packing the whole input (was 64).
    /// Only on maps of at least <see cref="WideMinPixels"/>: on 7 x 7 (one strip + a packed 17-column one) the packed
    /// product was faster (same-process A/B at 224 x 224: ~1% of the whole run).
    /// </summary>
    internal const int MaxDirectK = Sgemm.KC;

    /// <summary>Smallest map (pixels) on which K above <see cref="MaxK"/> takes the direct kernel.</summary>
    internal const int WideMinPixels = 4 * Sgemm.NR;

    /// <summary>True when <see cref="Multiply"/> handles a product with <paramref name="k"/> input channels over <paramref name="pixels"/> pixels.</summary>
    internal static bool Applies(int k, int pixels)
        => Enabled && k >= 1 && pixels >= Sgemm.NR && (k <= MaxK || (WideK && k <= MaxDirectK && pixels >= WideMinPixels));

    /// <summary>Switch for same-process A/B timing of K = 65..<see cref="MaxDirectK"/> (benchmarks only; off = the former limit of 64).</summary>
    internal static bool WideK = true;

    /// <summary>Software prefetch of the next strip (see <see cref="Multiply"/>).</summary>
    internal static bool Prefetch = true;

    /// <summary>Switch for same-process A/B timing against the packed product (benchmarks only).</summary>
    internal static bool Enabled = true;

    /// <summary>
    /// c[m x n] = A x (+ c when <paramref name="accumulate"/>) + bias per row, then <paramref name="act"/>; A packed by
    /// <see cref="Sgemm.PackMatrixA"/> (m x k, not transposed), x is k rows of <paramref name="ldx"/> floats.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization), SkipLocalsInit] // the scratch panel and tile are written before they are read
    internal static void Multiply(float* packedA, int m, int k, float* x, int ldx, int n, float* c, int ldc, bool accumulate, float* bias, FusedActivation act)
    {
        if (k > Sgemm.KC) throw new ArgumentException("pointwise product needs k <= KC");
        const int NR = Sgemm.NR, MR = Sgemm.MR;
        bool direct = Simd.Level == SimdLevel.Vector512 && Avx512F.IsSupported;
        float* panel = stackalloc float[MaxDirectK * NR];
        float* tile = stackalloc float[MR * NR];
        for (int j = 0; j < n; j += NR)
        {
            int nr = Math.Min(NR, n - j);
            if (!direct || nr < NR)
            {
                PackStrip(x + j, ldx, k, nr, panel);
                Sgemm.MultiplyPanel(packedA, m, k, panel, nr, c + j, ldc, accumulate, bias, act);
                continue;
            }
            for (int ir = 0; ir < m; ir += MR)
            {
                int mr = Math.Min(MR, m - ir);
                float* cc = c + (long)ir * ldc + j, bi = bias == null ? null : bias + ir;
                // The first row block prefetches the next strip into L2: its k rows are k separate streams (too many for the
                // hardware prefetchers when the planes come from memory, e.g. YuNet at 640).
                bool prefetch = ir == 0 && Prefetch && j + 2 * NR <= n;
                if (mr == MR) Kernel512(k, packedA + (long)ir * k, x + j, ldx, cc, ldc, accumulate, bi, act, true, prefetch);
                else
                {
                    Kernel512(k, packedA + (long)ir * k, x + j, ldx, tile, NR, false, null, FusedActivation.None, false, prefetch);
                    Sgemm.StoreTile(tile, cc, ldc, mr, nr, accumulate, true, bi, act);
                }
            }
        }
    }

    /// <summary>Copies k rows of nr (&lt;= 32) columns into a k x 32 panel, zero past nr (as <see cref="Sgemm"/> packs B).</summary>
    private static void PackStrip(float* x, int ldx, int k, int nr, float* panel)
    {
        for (int p = 0; p < k; p++)
        {
            float* src = x + (long)p * ldx, d = panel + p * Sgemm.NR;
            if (nr == Sgemm.NR) Buffer.MemoryCopy(src, d, Sgemm.NR * sizeof(float), Sgemm.NR * sizeof(float));
            else
            {
                for (int q = 0; q < nr; q++) d[q] = src[q];
                for (int q = nr; q < Sgemm.NR; q++) d[q] = 0f;
            }
        }
    }

    /// <summary>8 x 32 tile: the packed 8-row panel <paramref name="pa"/> times 32 columns of the k rows at <paramref name="b"/> (stride <paramref name="ldb"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Kernel512(int kc, float* pa, float* b, int ldb, float* c, int ldc, bool load, float* bias, FusedActivation act, bool epilogue, bool prefetch)
    {
        Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default, c30 = default, c31 = default;
        Vector512<float> c40 = default, c41 = default, c50 = default, c51 = default, c60 = default, c61 = default, c70 = default, c71 = default;
        for (int p = 0; p < kc; p++)
        {
            if (prefetch) { Sse.Prefetch1(b + Sgemm.NR); Sse.Prefetch1(b + Sgemm.NR + 16); }
            var b0 = Vector512.Load(b);
            var b1 = Vector512.Load(b + 16);
            Vector512<float> a;
            a = Vector512.Create(pa[0]); c00 = Vector512.FusedMultiplyAdd(a, b0, c00); c01 = Vector512.FusedMultiplyAdd(a, b1, c01);
            a = Vector512.Create(pa[1]); c10 = Vector512.FusedMultiplyAdd(a, b0, c10); c11 = Vector512.FusedMultiplyAdd(a, b1, c11);
            a = Vector512.Create(pa[2]); c20 = Vector512.FusedMultiplyAdd(a, b0, c20); c21 = Vector512.FusedMultiplyAdd(a, b1, c21);
            a = Vector512.Create(pa[3]); c30 = Vector512.FusedMultiplyAdd(a, b0, c30); c31 = Vector512.FusedMultiplyAdd(a, b1, c31);
            a = Vector512.Create(pa[4]); c40 = Vector512.FusedMultiplyAdd(a, b0, c40); c41 = Vector512.FusedMultiplyAdd(a, b1, c41);
            a = Vector512.Create(pa[5]); c50 = Vector512.FusedMultiplyAdd(a, b0, c50); c51 = Vector512.FusedMultiplyAdd(a, b1, c51);
            a = Vector512.Create(pa[6]); c60 = Vector512.FusedMultiplyAdd(a, b0, c60); c61 = Vector512.FusedMultiplyAdd(a, b1, c61);
            a = Vector512.Create(pa[7]); c70 = Vector512.FusedMultiplyAdd(a, b0, c70); c71 = Vector512.FusedMultiplyAdd(a, b1, c71);
            pa += Sgemm.MR; b += ldb;
        }
        if (!epilogue)
        {
            c00.Store(c); c01.Store(c + 16); c10.Store(c + 32); c11.Store(c + 48);
            c20.Store(c + 64); c21.Store(c + 80); c30.Store(c + 96); c31.Store(c + 112);
            c40.Store(c + 128); c41.Store(c + 144); c50.Store(c + 160); c51.Store(c + 176);
            c60.Store(c + 192); c61.Store(c + 208); c70.Store(c + 224); c71.Store(c + 240);
            return;
        }
        Sgemm.Store512(c, c00, c01, load, true, bias, 0, act); c += ldc;
        Sgemm.Store512(c, c10, c11, load, true, bias, 1, act); c += ldc;
        Sgemm.Store512(c, c20, c21, load, true, bias, 2, act); c += ldc;
        Sgemm.Store512(c, c30, c31, load, true, bias, 3, act); c += ldc;
        Sgemm.Store512(c, c40, c41, load, true, bias, 4, act); c += ldc;
        Sgemm.Store512(c, c50, c51, load, true, bias, 5, act); c += ldc;
        Sgemm.Store512(c, c60, c61, load, true, bias, 6, act); c += ldc;
        Sgemm.Store512(c, c70, c71, load, true, bias, 7, act);
    }
}
