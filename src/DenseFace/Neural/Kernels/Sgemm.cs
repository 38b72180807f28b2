using System.Runtime.Intrinsics.X86;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace DenseFace.Neural.Kernels;

/// <summary>Activation applied in a kernel's epilogue (after bias and residual).</summary>
internal enum FusedActivation
{
    None,
    ReLU,
    /// <summary>min(max(x, 0), 6).</summary>
    ReLU6,
}

/// <summary>
/// Single-precision matrix product C = op(A) op(B) (+ C), row-major with leading dimensions, in the
/// BLIS/Goto scheme: B is packed into K x 32 column panels, A into 8 x K row panels (the packing also
/// performs the transpositions), and an 8 x 32 register-tiled micro-kernel (16 Vector512 accumulators with
/// FMA) computes each tile; Vector256, Vector128 (ARM64 NEON) and scalar micro-kernels are the fallbacks, chosen by
/// <see cref="Simd.Level"/>. An optional epilogue
/// adds a per-row bias and applies ReLU/ReLU6 when the tile is final (used by 1x1 convolutions whose rows
/// are output channels). Threads split the columns (or rows) into disjoint chunks, and each element is
/// summed in the same k order whatever the thread count, so results are deterministic.
/// </summary>
internal static unsafe class Sgemm
{
    internal const int MR = 8, NR = 32, KC = 256, MC = 128, NC = 4096;

    [ThreadStatic] private static float[]? t_packA;
    [ThreadStatic] private static float[]? t_packB;

    /// <summary>
    /// C[m x n] = op(A)[m x k] * op(B)[k x n] (+ C when <paramref name="accumulate"/>), then, per row i,
    /// + <paramref name="rowBias"/>[i] and <paramref name="activation"/>. op(A)(i,p) is <c>a[i*lda+p]</c>, or
    /// <c>a[p*lda+i]</c> when <paramref name="transA"/>; op(B)(p,j) is <c>b[p*ldb+j]</c>, or <c>b[j*ldb+p]</c>
    /// when <paramref name="transB"/>.
    /// </summary>
    public static void Multiply(bool transA, bool transB, int m, int n, int k,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, Span<float> c, int ldc,
        bool accumulate = false, ReadOnlySpan<float> rowBias = default, FusedActivation activation = FusedActivation.None,
        ComputeContext? compute = null)
    {
        if (m <= 0 || n <= 0) return;
        CheckExtent(a.Length, transA ? k : m, transA ? m : k, lda, "a");
        CheckExtent(b.Length, transB ? n : k, transB ? k : n, ldb, "b");
        CheckExtent(c.Length, m, n, ldc, "c");
        if (!rowBias.IsEmpty && rowBias.Length < m) throw new ArgumentException("rowBias shorter than m", nameof(rowBias));
        fixed (float* pa = a, pb = b, pc = c, pbias = rowBias)
            Multiply(transA, transB, m, n, k, pa, lda, pb, ldb, pc, ldc, accumulate, rowBias.IsEmpty ? null : pbias, activation, compute);
    }

    private static void CheckExtent(int length, int rows, int cols, int ld, string name)
    {
        if (rows <= 0 || cols <= 0) return;
        if (ld < cols || (long)(rows - 1) * ld + cols > length)
            throw new ArgumentException($"matrix {name} ({rows} x {cols}, leading dimension {ld}) exceeds its buffer of {length}", name);
    }

    internal static void Multiply(bool transA, bool transB, int m, int n, int k,
        float* a, int lda, float* b, int ldb, float* c, int ldc,
        bool accumulate, float* rowBias, FusedActivation act, ComputeContext? compute)
    {
        if (m <= 0 || n <= 0) return;
        int threads = compute?.MaxDegreeOfParallelism ?? 1;
        long work = (long)m * n * Math.Max(k, 1);
        if (threads > 1 && work >= 1L << 18)
        {
            nint ia = (nint)a, ib = (nint)b, ic = (nint)c, ibias = (nint)rowBias;
            if (n >= 2 * NR)
            {
                int strips = (n + NR - 1) / NR;
                int chunks = Math.Min(threads, strips);
                compute!.For(chunks, t =>
                {
                    int j0 = (int)((long)strips * t / chunks) * NR, j1 = Math.Min(n, (int)((long)strips * (t + 1) / chunks) * NR);
                    float* bb = (float*)ib + (transB ? (long)j0 * ldb : j0);
                    Serial(transA, transB, m, j1 - j0, k, (float*)ia, lda, bb, ldb, (float*)ic + j0, ldc, accumulate, (float*)ibias, act);
                });
                return;
            }
            if (m >= 2 * MR)
            {
                int strips = (m + MR - 1) / MR;
                int chunks = Math.Min(threads, strips);
                compute!.For(chunks, t =>
                {
                    int i0 = (int)((long)strips * t / chunks) * MR, i1 = Math.Min(m, (int)((long)strips * (t + 1) / chunks) * MR);
                    float* aa = (float*)ia + (transA ? i0 : (long)i0 * lda);
                    float* bias = ibias == 0 ? null : (float*)ibias + i0;
                    Serial(transA, transB, i1 - i0, n, k, aa, lda, (float*)ib, ldb, (float*)ic + (long)i0 * ldc, ldc, accumulate, bias, act);
                });
                return;
            }
        }
        Serial(transA, transB, m, n, k, a, lda, b, ldb, c, ldc, accumulate, rowBias, act);
    }

    /// <summary>Floats needed by <see cref="PackMatrixA"/> for an m x k operand.</summary>
    internal static int PackedLength(int m, int k) => RoundUp(m, MR) * k;

    /// <summary>
    /// Packs op(A) (m x k) once into <paramref name="dst"/> (<see cref="PackedLength"/> floats) for repeated
    /// products with <see cref="MultiplyPacked"/>: for each k block of <see cref="KC"/> and row block of
    /// <see cref="MC"/>, the block's 8-row panels as the micro-kernel reads them.
    /// </summary>
    internal static void PackMatrixA(bool transA, int m, int k, float* a, int lda, float* dst)
    {
        int mr = RoundUp(m, MR);
        for (int pc = 0; pc < k; pc += KC)
        {
            int kc = Math.Min(KC, k - pc);
            for (int ic = 0; ic < m; ic += MC)
                PackA(transA, a, lda, ic, pc, Math.Min(MC, m - ic), kc, dst + (long)mr * pc + (long)ic * kc);
        }
    }

    /// <summary>C = A op(B) (+ C) with A pre-packed by <see cref="PackMatrixA"/>; see <see cref="Multiply(bool, bool, int, int, int, ReadOnlySpan{float}, int, ReadOnlySpan{float}, int, Span{float}, int, bool, ReadOnlySpan{float}, FusedActivation, ComputeContext?)"/>.</summary>
    internal static void MultiplyPacked(float* packedA, bool transB, int m, int n, int k, float* b, int ldb, float* c, int ldc,
        bool accumulate, float* rowBias, FusedActivation act, ComputeContext? compute)
    {
        if (m <= 0 || n <= 0) return;
        int threads = compute?.MaxDegreeOfParallelism ?? 1;
        if (threads > 1 && n >= 2 * NR && (long)m * n * k >= 1L << 18)
        {
            MultiplyPackedParallel(packedA, transB, m, n, k, b, ldb, c, ldc, accumulate, rowBias, act, compute!);
            return;
        }
        Serial(false, transB, m, n, k, null, 0, b, ldb, c, ldc, accumulate, rowBias, act, packedA);
    }

    /// <summary>Column-strip split of <see cref="MultiplyPacked"/> (kept apart so the serial path allocates no closure).</summary>
    private static void MultiplyPackedParallel(float* packedA, bool transB, int m, int n, int k, float* b, int ldb, float* c, int ldc,
        bool accumulate, float* rowBias, FusedActivation act, ComputeContext compute)
    {
        nint ia = (nint)packedA, ib = (nint)b, ic = (nint)c, ibias = (nint)rowBias;
        int strips = (n + NR - 1) / NR, chunks = Math.Min(compute.MaxDegreeOfParallelism, strips);
        compute.For(chunks, t =>
        {
            int j0 = (int)((long)strips * t / chunks) * NR, j1 = Math.Min(n, (int)((long)strips * (t + 1) / chunks) * NR);
            float* bb = (float*)ib + (transB ? (long)j0 * ldb : j0);
            Serial(false, transB, m, j1 - j0, k, null, 0, bb, ldb, (float*)ic + j0, ldc, accumulate, (float*)ibias, act, (float*)ia);
        });
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Serial(bool transA, bool transB, int m, int n, int k,
        float* a, int lda, float* b, int ldb, float* c, int ldc, bool accumulate, float* rowBias, FusedActivation act, float* prepackedA = null)
    {
        if (k <= 0)
        {
            // No products: C = (C or 0) + bias, then activation.
            for (int i = 0; i < m; i++)
            {
                float* row = c + (long)i * ldc;
                float bi = rowBias == null ? 0f : rowBias[i];
                for (int j = 0; j < n; j++) row[j] = Activate((accumulate ? row[j] : 0f) + bi, act);
            }
            return;
        }
        int kcMax = Math.Min(KC, k), ncMax = Math.Min(NC, RoundUp(n, NR)), mcMax = Math.Min(MC, RoundUp(m, MR));
        var packA = t_packA ??= new float[MC * KC];
        var packB = t_packB ??= new float[NC * KC];
        float* tile = stackalloc float[MR * NR];
        fixed (float* pA = packA, pB = packB)
        {
            for (int jc = 0; jc < n; jc += NC)
            {
                int nc = Math.Min(NC, n - jc);
                for (int pc = 0; pc < k; pc += KC)
                {
                    int kc = Math.Min(KC, k - pc);
                    bool load = accumulate || pc > 0, last = pc + kc >= k;
                    PackB(transB, b, ldb, pc, jc, kc, nc, pB);
                    for (int ic = 0; ic < m; ic += MC)
                    {
                        int mc = Math.Min(MC, m - ic);
                        float* blockA = pA;
                        if (prepackedA != null) blockA = prepackedA + (long)RoundUp(m, MR) * pc + (long)ic * kc;
                        else PackA(transA, a, lda, ic, pc, mc, kc, pA);
                        for (int jr = 0; jr < nc; jr += NR)
                        {
                            int nr = Math.Min(NR, nc - jr);
                            int ir = 0;
                            if (nr == 16 && Simd.Level == SimdLevel.Vector512)
                            {
                                // Narrow column block (e.g. a 4x4 feature map): 16 x 16 tiles of one vector per row.
                                for (; ir + 2 * MR <= mc; ir += 2 * MR)
                                {
                                    float* cc = c + (long)(ic + ir) * ldc + jc + jr;
                                    float* bias = rowBias == null || !last ? null : rowBias + ic + ir;
                                    Kernel512x16(kc, blockA + ir * kc, blockA + (ir + MR) * kc, pB + jr * kc, cc, ldc, load, last, bias, act);
                                }
                            }
                            for (; ir < mc; ir += MR)
                            {
                                int mr = Math.Min(MR, mc - ir);
                                float* cc = c + (long)(ic + ir) * ldc + jc + jr;
                                float* bias = rowBias == null || !last ? null : rowBias + ic + ir;
                                MicroKernel(kc, blockA + ir * kc, pB + jr * kc, cc, ldc, mr, nr, load, last, bias, act, tile);
                            }
                        }
                    }
                }
            }
        }
    }

    /// <summary>
    /// C[m x nr] = A B (+ C when <paramref name="accumulate"/>) + bias, then the activation, for A packed by <see cref="PackMatrixA"/> with k at most
    /// <see cref="KC"/> and B one packed k x <see cref="NR"/> column panel (only the first <paramref name="nr"/>
    /// columns are stored). Lets a caller that builds B panels itself (fused im2col) reuse the micro-kernels.
    /// </summary>
    internal static void MultiplyPanel(float* packedA, int m, int k, float* panelB, int nr, float* c, int ldc, bool accumulate, float* rowBias, FusedActivation act)
    {
        if (k > KC || nr > NR) throw new ArgumentException("panel product needs k <= KC and nr <= NR");
        float* tile = stackalloc float[MR * NR];
        int ir = 0;
        if (nr == 16 && Simd.Level == SimdLevel.Vector512)
            for (; ir + 2 * MR <= m; ir += 2 * MR) // half panel (e.g. the stem's last 16 columns at 224 x 224): 16 x 16 tiles
                Kernel512x16(k, packedA + (long)ir * k, packedA + (long)(ir + MR) * k, panelB, c + (long)ir * ldc, ldc, accumulate, true,
                    rowBias == null ? null : rowBias + ir, act);
        for (; ir < m; ir += MR)
            MicroKernel(k, packedA + (long)ir * k, panelB, c + (long)ir * ldc, ldc, Math.Min(MR, m - ir), nr, accumulate, true,
                rowBias == null ? null : rowBias + ir, act, tile);
    }

    private static int RoundUp(int v, int m) => (v + m - 1) / m * m;

    /// <summary>Packs op(A)[ic.., pc..] (mc x kc) into MR-row panels: panel s holds, for each p, MR consecutive rows.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackA(bool transA, float* a, int lda, int ic, int pc, int mc, int kc, float* dst)
    {
        for (int s = 0; s < mc; s += MR)
        {
            int rows = Math.Min(MR, mc - s);
            float* d = dst + s * kc;
            if (!transA)
            {
                int p0 = 0;
                if (rows == MR && Avx.IsSupported)
                    for (; p0 + 8 <= kc; p0 += 8)
                        Transpose8x8(a + (long)(ic + s) * lda + pc + p0, lda, d + p0 * MR, MR);
                for (int r = 0; r < rows; r++)
                {
                    float* src = a + (long)(ic + s + r) * lda + pc;
                    for (int p = p0; p < kc; p++) d[p * MR + r] = src[p];
                }
            }
            else
            {
                for (int p = 0; p < kc; p++)
                {
                    float* src = a + (long)(pc + p) * lda + ic + s;
                    for (int r = 0; r < rows; r++) d[p * MR + r] = src[r];
                }
            }
            if (rows < MR)
                for (int p = 0; p < kc; p++)
                    for (int r = rows; r < MR; r++) d[p * MR + r] = 0f;
        }
    }

    /// <summary>Packs op(B)[pc.., jc..] (kc x nc) into NR-column panels: panel s holds, for each p, NR consecutive columns.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackB(bool transB, float* b, int ldb, int pc, int jc, int kc, int nc, float* dst)
    {
        for (int s = 0; s < nc; s += NR)
        {
            int cols = Math.Min(NR, nc - s);
            float* d = dst + s * kc;
            if (!transB)
            {
                for (int p = 0; p < kc; p++)
                {
                    float* src = b + (long)(pc + p) * ldb + jc + s;
                    float* dp = d + p * NR;
                    if (cols == NR) Buffer.MemoryCopy(src, dp, NR * sizeof(float), NR * sizeof(float));
                    else if (cols == 16 && Vector512.IsHardwareAccelerated)
                    {
                        // Half panel (4 x 4 feature maps): one vector copied, one zeroed.
                        Vector512.Load(src).Store(dp);
                        Vector512<float>.Zero.Store(dp + 16);
                    }
                    else
                    {
                        for (int j = 0; j < cols; j++) dp[j] = src[j];
                        for (int j = cols; j < NR; j++) dp[j] = 0f;
                    }
                }
            }
            else
            {
                int j0 = 0;
                if (Avx.IsSupported)
                    for (; j0 + 8 <= cols; j0 += 8)
                    {
                        float* src = b + (long)(jc + s + j0) * ldb + pc;
                        int p0 = 0;
                        for (; p0 + 8 <= kc; p0 += 8) Transpose8x8(src + p0, ldb, d + p0 * NR + j0, NR);
                        for (int j = 0; j < 8; j++)
                            for (int p = p0; p < kc; p++) d[p * NR + j0 + j] = src[(long)j * ldb + p];
                    }
                for (int j = j0; j < cols; j++)
                {
                    float* src = b + (long)(jc + s + j) * ldb + pc;
                    for (int p = 0; p < kc; p++) d[p * NR + j] = src[p];
                }
                if (cols < NR)
                    for (int p = 0; p < kc; p++)
                        for (int j = cols; j < NR; j++) d[p * NR + j] = 0f;
            }
        }
    }

    /// <summary>dst[q * ldd + r] = src[r * lds + q] for an 8 x 8 block (AVX unpack/shuffle/lane-permute transpose).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose8x8(float* src, int lds, float* dst, int ldd)
    {
        var r0 = Avx.LoadVector256(src); var r1 = Avx.LoadVector256(src + lds);
        var r2 = Avx.LoadVector256(src + 2L * lds); var r3 = Avx.LoadVector256(src + 3L * lds);
        var r4 = Avx.LoadVector256(src + 4L * lds); var r5 = Avx.LoadVector256(src + 5L * lds);
        var r6 = Avx.LoadVector256(src + 6L * lds); var r7 = Avx.LoadVector256(src + 7L * lds);
        var t0 = Avx.UnpackLow(r0, r1); var t1 = Avx.UnpackHigh(r0, r1);
        var t2 = Avx.UnpackLow(r2, r3); var t3 = Avx.UnpackHigh(r2, r3);
        var t4 = Avx.UnpackLow(r4, r5); var t5 = Avx.UnpackHigh(r4, r5);
        var t6 = Avx.UnpackLow(r6, r7); var t7 = Avx.UnpackHigh(r6, r7);
        var u0 = Avx.Shuffle(t0, t2, 0x44); var u1 = Avx.Shuffle(t0, t2, 0xEE);
        var u2 = Avx.Shuffle(t1, t3, 0x44); var u3 = Avx.Shuffle(t1, t3, 0xEE);
        var u4 = Avx.Shuffle(t4, t6, 0x44); var u5 = Avx.Shuffle(t4, t6, 0xEE);
        var u6 = Avx.Shuffle(t5, t7, 0x44); var u7 = Avx.Shuffle(t5, t7, 0xEE);
        Avx.Store(dst, Avx.Permute2x128(u0, u4, 0x20));
        Avx.Store(dst + ldd, Avx.Permute2x128(u1, u5, 0x20));
        Avx.Store(dst + 2L * ldd, Avx.Permute2x128(u2, u6, 0x20));
        Avx.Store(dst + 3L * ldd, Avx.Permute2x128(u3, u7, 0x20));
        Avx.Store(dst + 4L * ldd, Avx.Permute2x128(u0, u4, 0x31));
        Avx.Store(dst + 5L * ldd, Avx.Permute2x128(u1, u5, 0x31));
        Avx.Store(dst + 6L * ldd, Avx.Permute2x128(u2, u6, 0x31));
        Avx.Store(dst + 7L * ldd, Avx.Permute2x128(u3, u7, 0x31));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static float Activate(float v, FusedActivation act) => act switch
    {
        FusedActivation.ReLU => v > 0f ? v : 0f,
        FusedActivation.ReLU6 => v > 0f ? (v < 6f ? v : 6f) : 0f,
        _ => v,
    };

    private static void MicroKernel(int kc, float* pa, float* pb, float* c, int ldc, int mr, int nr,
        bool load, bool last, float* bias, FusedActivation act, float* tile)
    {
        var level = Simd.Level;
        if (level == SimdLevel.Vector512)
        {
            if (mr == MR && nr == NR) { Kernel512(kc, pa, pb, c, ldc, load, last, bias, act, true); return; }
            Kernel512(kc, pa, pb, tile, NR, false, false, null, FusedActivation.None, false);
        }
        else if (level == SimdLevel.Vector256) Kernel256(kc, pa, pb, tile);
        else if (level == SimdLevel.Vector128) Kernel128(kc, pa, pb, tile);
        else KernelScalar(kc, pa, pb, tile);
        StoreTile(tile, c, ldc, mr, nr, load, last, bias, act);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void StoreTile(float* tile, float* c, int ldc, int mr, int nr, bool load, bool last, float* bias, FusedActivation act)
    {
        if (Simd.Level == SimdLevel.Vector512 && Avx512F.IsSupported)
        {
            // Partial tiles (feature maps whose pixel count is not a multiple of 32, e.g. 7 x 7 and 14 x 14): masked
            // loads and stores of the two row vectors, same sums as the scalar loop ((tile + C) + bias, then activation).
            var lanes = Vector512<int>.Indices;
            var m0 = Vector512.LessThan(lanes, Vector512.Create(nr)).AsSingle();
            var m1 = Vector512.LessThan(lanes, Vector512.Create(nr - 16)).AsSingle();
            for (int r = 0; r < mr; r++)
            {
                float* cr = c + (long)r * ldc;
                var v0 = Vector512.Load(tile + r * NR);
                var v1 = Vector512.Load(tile + r * NR + 16);
                if (load) { v0 += Avx512F.MaskLoad(cr, m0, Vector512<float>.Zero); v1 += Avx512F.MaskLoad(cr + 16, m1, Vector512<float>.Zero); }
                if (last) { v0 = Epilogue(v0, bias, r, act); v1 = Epilogue(v1, bias, r, act); }
                Avx512F.MaskStore(cr, m0, v0);
                Avx512F.MaskStore(cr + 16, m1, v1);
            }
            return;
        }
        for (int r = 0; r < mr; r++)
        {
            float* cr = c + (long)r * ldc;
            float* tr = tile + r * NR;
            float bi = bias == null ? 0f : bias[r];
            for (int j = 0; j < nr; j++)
            {
                float v = tr[j] + (load ? cr[j] : 0f);
                cr[j] = last ? Activate(v + bi, act) : v;
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Kernel512(int kc, float* pa, float* pb, float* c, int ldc, bool load, bool last, float* bias, FusedActivation act, bool epilogue)
    {
        Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default, c30 = default, c31 = default;
        Vector512<float> c40 = default, c41 = default, c50 = default, c51 = default, c60 = default, c61 = default, c70 = default, c71 = default;
        // Small feature maps use each packed A panel for few column panels, so A streams from memory:
        // prefetch the next panel (it follows this one), one cache line every other k step.
        float* next = pa + MR * kc;
        bool prefetch = Sse.IsSupported;
        for (int p = 0; p < kc; p++)
        {
            if (prefetch && (p & 1) == 0) Sse.Prefetch0(next + MR * p);
            var b0 = Vector512.Load(pb);
            var b1 = Vector512.Load(pb + 16);
            Vector512<float> a;
            a = Vector512.Create(pa[0]); c00 = Vector512.FusedMultiplyAdd(a, b0, c00); c01 = Vector512.FusedMultiplyAdd(a, b1, c01);
            a = Vector512.Create(pa[1]); c10 = Vector512.FusedMultiplyAdd(a, b0, c10); c11 = Vector512.FusedMultiplyAdd(a, b1, c11);
            a = Vector512.Create(pa[2]); c20 = Vector512.FusedMultiplyAdd(a, b0, c20); c21 = Vector512.FusedMultiplyAdd(a, b1, c21);
            a = Vector512.Create(pa[3]); c30 = Vector512.FusedMultiplyAdd(a, b0, c30); c31 = Vector512.FusedMultiplyAdd(a, b1, c31);
            a = Vector512.Create(pa[4]); c40 = Vector512.FusedMultiplyAdd(a, b0, c40); c41 = Vector512.FusedMultiplyAdd(a, b1, c41);
            a = Vector512.Create(pa[5]); c50 = Vector512.FusedMultiplyAdd(a, b0, c50); c51 = Vector512.FusedMultiplyAdd(a, b1, c51);
            a = Vector512.Create(pa[6]); c60 = Vector512.FusedMultiplyAdd(a, b0, c60); c61 = Vector512.FusedMultiplyAdd(a, b1, c61);
            a = Vector512.Create(pa[7]); c70 = Vector512.FusedMultiplyAdd(a, b0, c70); c71 = Vector512.FusedMultiplyAdd(a, b1, c71);
            pa += MR; pb += NR;
        }
        if (!epilogue)
        {
            c00.Store(c); c01.Store(c + 16); c10.Store(c + 32); c11.Store(c + 48);
            c20.Store(c + 64); c21.Store(c + 80); c30.Store(c + 96); c31.Store(c + 112);
            c40.Store(c + 128); c41.Store(c + 144); c50.Store(c + 160); c51.Store(c + 176);
            c60.Store(c + 192); c61.Store(c + 208); c70.Store(c + 224); c71.Store(c + 240);
            return;
        }
        Store512(c, c00, c01, load, last, bias, 0, act); c += ldc;
        Store512(c, c10, c11, load, last, bias, 1, act); c += ldc;
        Store512(c, c20, c21, load, last, bias, 2, act); c += ldc;
        Store512(c, c30, c31, load, last, bias, 3, act); c += ldc;
        Store512(c, c40, c41, load, last, bias, 4, act); c += ldc;
        Store512(c, c50, c51, load, last, bias, 5, act); c += ldc;
        Store512(c, c60, c61, load, last, bias, 6, act); c += ldc;
        Store512(c, c70, c71, load, last, bias, 7, act);
    }

    /// <summary>Row <paramref name="r"/> of an 8 x 32 tile: the sums (+ C when <paramref name="load"/>), then on the last k block the bias and activation.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Store512(float* c, Vector512<float> v0, Vector512<float> v1, bool load, bool last, float* bias, int r, FusedActivation act)
    {
        if (load) { v0 += Vector512.Load(c); v1 += Vector512.Load(c + 16); }
        if (last) { v0 = Epilogue(v0, bias, r, act); v1 = Epilogue(v1, bias, r, act); }
        v0.Store(c); v1.Store(c + 16);
    }

    /// <summary>Row <paramref name="r"/>'s bias (when given), then the activation.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Epilogue(Vector512<float> v, float* bias, int r, FusedActivation act)
    {
        if (bias != null) v += Vector512.Create(bias[r]);
        if (act == FusedActivation.None) return v;
        v = Vector512.Max(v, Vector512<float>.Zero);
        return act == FusedActivation.ReLU6 ? Vector512.Min(v, Vector512.Create(6f)) : v;
    }

    /// <summary>16 x 16 tile from two consecutive 8-row A panels and the first 16 columns of a B panel.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Kernel512x16(int kc, float* pa0, float* pa1, float* pb, float* c, int ldc, bool load, bool last, float* bias, FusedActivation act)
    {
        Vector512<float> c0 = default, c1 = default, c2 = default, c3 = default, c4 = default, c5 = default, c6 = default, c7 = default;
        Vector512<float> c8 = default, c9 = default, c10 = default, c11 = default, c12 = default, c13 = default, c14 = default, c15 = default;
        // With 16 columns each A panel is used once, so A streams from memory: prefetch the next tile's two
        // panels (they follow pa1) one cache line per k step.
        float* next = pa1 + MR * kc;
        bool prefetch = Sse.IsSupported;
        for (int p = 0; p < kc; p++)
        {
            if (prefetch) { Sse.Prefetch0(next); next += 16; }
            var b = Vector512.Load(pb);
            c0 = Vector512.FusedMultiplyAdd(Vector512.Create(pa0[0]), b, c0);
            c1 = Vector512.FusedMultiplyAdd(Vector512.Create(pa0[1]), b, c1);
            c2 = Vector512.FusedMultiplyAdd(Vector512.Create(pa0[2]), b, c2);
            c3 = Vector512.FusedMultiplyAdd(Vector512.Create(pa0[3]), b, c3);
            c4 = Vector512.FusedMultiplyAdd(Vector512.Create(pa0[4]), b, c4);
            c5 = Vector512.FusedMultiplyAdd(Vector512.Create(pa0[5]), b, c5);
            c6 = Vector512.FusedMultiplyAdd(Vector512.Create(pa0[6]), b, c6);
            c7 = Vector512.FusedMultiplyAdd(Vector512.Create(pa0[7]), b, c7);
            c8 = Vector512.FusedMultiplyAdd(Vector512.Create(pa1[0]), b, c8);
            c9 = Vector512.FusedMultiplyAdd(Vector512.Create(pa1[1]), b, c9);
            c10 = Vector512.FusedMultiplyAdd(Vector512.Create(pa1[2]), b, c10);
            c11 = Vector512.FusedMultiplyAdd(Vector512.Create(pa1[3]), b, c11);
            c12 = Vector512.FusedMultiplyAdd(Vector512.Create(pa1[4]), b, c12);
            c13 = Vector512.FusedMultiplyAdd(Vector512.Create(pa1[5]), b, c13);
            c14 = Vector512.FusedMultiplyAdd(Vector512.Create(pa1[6]), b, c14);
            c15 = Vector512.FusedMultiplyAdd(Vector512.Create(pa1[7]), b, c15);
            pa0 += MR; pa1 += MR; pb += NR;
        }
        Store512(c, c0, load, last, bias, 0, act); c += ldc;
        Store512(c, c1, load, last, bias, 1, act); c += ldc;
        Store512(c, c2, load, last, bias, 2, act); c += ldc;
        Store512(c, c3, load, last, bias, 3, act); c += ldc;
        Store512(c, c4, load, last, bias, 4, act); c += ldc;
        Store512(c, c5, load, last, bias, 5, act); c += ldc;
        Store512(c, c6, load, last, bias, 6, act); c += ldc;
        Store512(c, c7, load, last, bias, 7, act); c += ldc;
        Store512(c, c8, load, last, bias, 8, act); c += ldc;
        Store512(c, c9, load, last, bias, 9, act); c += ldc;
        Store512(c, c10, load, last, bias, 10, act); c += ldc;
        Store512(c, c11, load, last, bias, 11, act); c += ldc;
        Store512(c, c12, load, last, bias, 12, act); c += ldc;
        Store512(c, c13, load, last, bias, 13, act); c += ldc;
        Store512(c, c14, load, last, bias, 14, act); c += ldc;
        Store512(c, c15, load, last, bias, 15, act);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store512(float* c, Vector512<float> v, bool load, bool last, float* bias, int r, FusedActivation act)
    {
        if (load) v += Vector512.Load(c);
        if (last) v = Epilogue(v, bias, r, act);
        v.Store(c);
    }

    /// <summary>Fallback micro-kernel: the 8 x 32 tile as four 8 x 8 column blocks of 8 Vector256 accumulators.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Kernel256(int kc, float* pa, float* pb, float* tile)
    {
        for (int q = 0; q < NR; q += 8)
        {
            Vector256<float> c0 = default, c1 = default, c2 = default, c3 = default, c4 = default, c5 = default, c6 = default, c7 = default;
            float* a = pa, bq = pb + q;
            for (int p = 0; p < kc; p++)
            {
                var bv = Vector256.Load(bq);
                c0 = Vector256.FusedMultiplyAdd(Vector256.Create(a[0]), bv, c0);
                c1 = Vector256.FusedMultiplyAdd(Vector256.Create(a[1]), bv, c1);
                c2 = Vector256.FusedMultiplyAdd(Vector256.Create(a[2]), bv, c2);
                c3 = Vector256.FusedMultiplyAdd(Vector256.Create(a[3]), bv, c3);
                c4 = Vector256.FusedMultiplyAdd(Vector256.Create(a[4]), bv, c4);
                c5 = Vector256.FusedMultiplyAdd(Vector256.Create(a[5]), bv, c5);
                c6 = Vector256.FusedMultiplyAdd(Vector256.Create(a[6]), bv, c6);
                c7 = Vector256.FusedMultiplyAdd(Vector256.Create(a[7]), bv, c7);
                a += MR; bq += NR;
            }
            c0.Store(tile + q); c1.Store(tile + NR + q); c2.Store(tile + 2 * NR + q); c3.Store(tile + 3 * NR + q);
            c4.Store(tile + 4 * NR + q); c5.Store(tile + 5 * NR + q); c6.Store(tile + 6 * NR + q); c7.Store(tile + 7 * NR + q);
        }
    }

    /// <summary>
    /// 128-bit micro-kernel (ARM64 NEON, x64 SSE): the 8 x 32 tile as four 8 x 8 column blocks of 16 Vector128
    /// accumulators (two per row), each broadcast A value feeding two FMAs. 16 accumulators + 2 B vectors + a
    /// broadcast fit NEON's 32 registers.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Kernel128(int kc, float* pa, float* pb, float* tile)
    {
        for (int q = 0; q < NR; q += 8)
        {
            Vector128<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default, c30 = default, c31 = default;
            Vector128<float> c40 = default, c41 = default, c50 = default, c51 = default, c60 = default, c61 = default, c70 = default, c71 = default;
            float* a = pa, bq = pb + q;
            for (int p = 0; p < kc; p++)
            {
                var b0 = Vector128.Load(bq);
                var b1 = Vector128.Load(bq + 4);
                Vector128<float> av;
                av = Vector128.Create(a[0]); c00 = Vector128.FusedMultiplyAdd(av, b0, c00); c01 = Vector128.FusedMultiplyAdd(av, b1, c01);
                av = Vector128.Create(a[1]); c10 = Vector128.FusedMultiplyAdd(av, b0, c10); c11 = Vector128.FusedMultiplyAdd(av, b1, c11);
                av = Vector128.Create(a[2]); c20 = Vector128.FusedMultiplyAdd(av, b0, c20); c21 = Vector128.FusedMultiplyAdd(av, b1, c21);
                av = Vector128.Create(a[3]); c30 = Vector128.FusedMultiplyAdd(av, b0, c30); c31 = Vector128.FusedMultiplyAdd(av, b1, c31);
                av = Vector128.Create(a[4]); c40 = Vector128.FusedMultiplyAdd(av, b0, c40); c41 = Vector128.FusedMultiplyAdd(av, b1, c41);
                av = Vector128.Create(a[5]); c50 = Vector128.FusedMultiplyAdd(av, b0, c50); c51 = Vector128.FusedMultiplyAdd(av, b1, c51);
                av = Vector128.Create(a[6]); c60 = Vector128.FusedMultiplyAdd(av, b0, c60); c61 = Vector128.FusedMultiplyAdd(av, b1, c61);
                av = Vector128.Create(a[7]); c70 = Vector128.FusedMultiplyAdd(av, b0, c70); c71 = Vector128.FusedMultiplyAdd(av, b1, c71);
                a += MR; bq += NR;
            }
            float* t = tile + q;
            c00.Store(t); c01.Store(t + 4); t += NR; c10.Store(t); c11.Store(t + 4); t += NR;
            c20.Store(t); c21.Store(t + 4); t += NR; c30.Store(t); c31.Store(t + 4); t += NR;
            c40.Store(t); c41.Store(t + 4); t += NR; c50.Store(t); c51.Store(t + 4); t += NR;
            c60.Store(t); c61.Store(t + 4); t += NR; c70.Store(t); c71.Store(t + 4);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void KernelScalar(int kc, float* pa, float* pb, float* tile)
    {
        for (int i = 0; i < MR * NR; i++) tile[i] = 0f;
        for (int p = 0; p < kc; p++)
        {
            float* a = pa + p * MR, bb = pb + p * NR;
            for (int r = 0; r < MR; r++)
            {
                float ar = a[r];
                float* tr = tile + r * NR;
                for (int j = 0; j < NR; j++) tr[j] = MathF.FusedMultiplyAdd(ar, bb[j], tr[j]);
            }
        }
    }
}
