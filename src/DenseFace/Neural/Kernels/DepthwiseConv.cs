using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace DenseFace.Neural.Kernels;

/// <summary>
/// Direct depthwise convolution of one channel plane (k x k kernel, any stride, zero padding), with an
/// optional bias and fused activation. Stride-1 interiors are vectorised along the row (Vector512, Vector256,
/// Vector128 by <see cref="Simd.Level"/>, then scalar); borders and other strides use the scalar tap loop.
/// </summary>
internal static unsafe class DepthwiseConv
{
    /// <summary>y[oy, ox] = act(bias + sum_{ky,kx} w[ky, kx] * x[oy * s - p + ky, ox * s - p + kx]).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Plane(float* x, int h, int w, float* wk, int k, int stride, int pad, float bias,
        FusedActivation act, float* y, int outH, int outW)
    {
        if (IsSmallPlane(k, stride, pad, h, w))
        {
            SmallPlanes3x3(x, 1, h, w, wk, &bias, act, y);
            return;
        }
        if (IsSmallPlaneStride2(k, stride, pad, h, w))
        {
            SmallPlanes3x3Stride2(x, 1, h, w, wk, &bias, act, y);
            return;
        }
        if (IsStride1Rows(k, stride, pad, w))
        {
            Stride1Rows(x, h, w, wk, bias, act, y);
            return;
        }
        if (IsStride2Rows(k, stride, pad, h, w))
        {
            Stride2Rows(x, h, w, wk, bias, act, y);
            return;
        }
        if (k == 3 && pad == 1 && (stride == 1 || stride == 2) && Simd.Level != SimdLevel.Scalar)
        {
            Plane3x3(x, h, w, wk, stride, bias, act, y, outH, outW);
            return;
        }
        // Output columns whose taps are all inside the row: ox * s - p >= 0 and ox * s - p + k - 1 < w.
        int oxLo = Math.Min(outW, Im2Col.CeilDiv(pad, stride));
        int oxHi = Math.Max(oxLo, Math.Min(outW, Im2Col.CeilDiv(w - k + 1 + pad, stride)));
        var level = Simd.Level;
        for (int oy = 0; oy < outH; oy++)
        {
            float* yr = y + oy * outW;
            int iy0 = oy * stride - pad;
            int kyLo = Math.Max(0, -iy0), kyHi = Math.Min(k, h - iy0);
            for (int ox = 0; ox < oxLo; ox++) yr[ox] = Pixel(x, w, wk, k, iy0, kyLo, kyHi, ox * stride - pad, bias, act);
            int o = oxLo;
            if (stride == 1)
            {
                if (level == SimdLevel.Vector512)
                {
                    for (; o + 16 <= oxHi; o += 16)
                    {
                        var acc = Vector512.Create(bias);
                        for (int ky = kyLo; ky < kyHi; ky++)
                        {
                            float* xr = x + (long)(iy0 + ky) * w + o - pad;
                            float* wr = wk + ky * k;
                            for (int kx = 0; kx < k; kx++) acc = Vector512.FusedMultiplyAdd(Vector512.Create(wr[kx]), Vector512.Load(xr + kx), acc);
                        }
                        Activate(acc, act).Store(yr + o);
                    }
                }
                if (level >= SimdLevel.Vector256)
                {
                    for (; o + 8 <= oxHi; o += 8)
                    {
                        var acc = Vector256.Create(bias);
                        for (int ky = kyLo; ky < kyHi; ky++)
                        {
                            float* xr = x + (long)(iy0 + ky) * w + o - pad;
                            float* wr = wk + ky * k;
                            for (int kx = 0; kx < k; kx++) acc = Vector256.FusedMultiplyAdd(Vector256.Create(wr[kx]), Vector256.Load(xr + kx), acc);
                        }
                        Activate(acc, act).Store(yr + o);
                    }
                }
                if (level >= SimdLevel.Vector128)
                {
                    for (; o + 4 <= oxHi; o += 4)
                    {
                        var acc = Vector128.Create(bias);
                        for (int ky = kyLo; ky < kyHi; ky++)
                        {
                            float* xr = x + (long)(iy0 + ky) * w + o - pad;
                            float* wr = wk + ky * k;
                            for (int kx = 0; kx < k; kx++) acc = Vector128.FusedMultiplyAdd(Vector128.Create(wr[kx]), Vector128.Load(xr + kx), acc);
                        }
                        Activate(acc, act).Store(yr + o);
                    }
                }
            }
            for (; o < outW; o++) yr[o] = Pixel(x, w, wk, k, iy0, kyLo, kyHi, o * stride - pad, bias, act);
        }
    }

    /// <summary>
    /// 3x3, padding 1, stride 1 or 2: copies the plane into a zero-bordered scratch (rows of w + 18 floats, so
    /// whole vectors can be read past the right edge), then computes each output row with 9 vector FMAs per
    /// vector of outputs (Vector512, Vector256 or Vector128 by row width). Stride 2 computes the stride-1
    /// row and keeps every second value.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Plane3x3(float* x, int h, int w, float* wk, int stride, float bias, FusedActivation act, float* y, int outH, int outW)
    {
        bool deinterleave = stride == 2 && outW >= 16 && Simd.Level == SimdLevel.Vector512 && Avx512F.IsSupported;
        int pw = w + (deinterleave ? 34 : 18), count = stride == 1 ? outW : 2 * outW - 1;
        var scratch = Convolution.ThreadScratch((h + 2) * pw + count + 16);
        fixed (float* s = scratch)
        {
            new Span<float>(s, pw).Clear();
            new Span<float>(s + (long)(h + 1) * pw, pw).Clear();
            for (int r = 0; r < h; r++)
            {
                float* d = s + (long)(r + 1) * pw;
                d[0] = 0f;
                Buffer.MemoryCopy(x + (long)r * w, d + 1, w * 4L, w * 4L);
                new Span<float>(d + w + 1, pw - w - 1).Clear();
            }
            float* t = s + (long)(h + 2) * pw;
            var level = Simd.Level;
            for (int oy = 0; oy < outH; oy++)
            {
                float* r0 = s + (long)oy * stride * pw;
                if (deinterleave)
                {
                    Row512Stride2(r0, pw, wk, bias, act, t, outW);
                    Buffer.MemoryCopy(t, y + (long)oy * outW, outW * 4L, outW * 4L);
                    continue;
                }
                if (level == SimdLevel.Vector512 && count >= 16) Row512(r0, pw, wk, bias, act, t, count);
                else if (level >= SimdLevel.Vector256 && count >= 8) Row256(r0, pw, wk, bias, act, t, count);
                else Row128(r0, pw, wk, bias, act, t, count); // Vector128 level (NEON / SSE), or rows under 8 wide
                float* yr = y + (long)oy * outW;
                if (stride == 1) Buffer.MemoryCopy(t, yr, outW * 4L, outW * 4L);
                else for (int ox = 0; ox < outW; ox++) yr[ox] = t[2 * ox];
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Row512(float* r0, int pw, float* wk, float bias, FusedActivation act, float* t, int count)
    {
        float* r1 = r0 + pw, r2 = r1 + pw;
        var w0 = Vector512.Create(wk[0]); var w1 = Vector512.Create(wk[1]); var w2 = Vector512.Create(wk[2]);
        var w3 = Vector512.Create(wk[3]); var w4 = Vector512.Create(wk[4]); var w5 = Vector512.Create(wk[5]);
        var w6 = Vector512.Create(wk[6]); var w7 = Vector512.Create(wk[7]); var w8 = Vector512.Create(wk[8]);
        var b = Vector512.Create(bias);
        for (int j = 0; j < count; j += 16)
        {
            var a = Vector512.FusedMultiplyAdd(w0, Vector512.Load(r0 + j), b);
            a = Vector512.FusedMultiplyAdd(w1, Vector512.Load(r0 + j + 1), a);
            a = Vector512.FusedMultiplyAdd(w2, Vector512.Load(r0 + j + 2), a);
            a = Vector512.FusedMultiplyAdd(w3, Vector512.Load(r1 + j), a);
            a = Vector512.FusedMultiplyAdd(w4, Vector512.Load(r1 + j + 1), a);
            a = Vector512.FusedMultiplyAdd(w5, Vector512.Load(r1 + j + 2), a);
            a = Vector512.FusedMultiplyAdd(w6, Vector512.Load(r2 + j), a);
            a = Vector512.FusedMultiplyAdd(w7, Vector512.Load(r2 + j + 1), a);
            a = Vector512.FusedMultiplyAdd(w8, Vector512.Load(r2 + j + 2), a);
            Activate(a, act).Store(t + j);
        }
    }

    /// <summary>Lane tables of <see cref="SmallPlanes3x3"/> for one plane size: per output vector and tap, the first of the two source vectors, the source lane of each output lane, and the validity mask.</summary>
    private sealed record SmallPlaneTable(int H, int W, int[] Base, Vector512<int>[] Index, Vector512<float>[] Mask);

    [ThreadStatic] private static SmallPlaneTable? t_lastTable;

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<(int H, int W), SmallPlaneTable> SmallPlaneTables = new();

    private static SmallPlaneTable BuildSmallPlaneTable((int H, int W) size)
    {
        var (h, w) = size;
        int vectors = h * w / 16;
        var bases = new int[vectors * 9];
        var index = new Vector512<int>[vectors * 9];
        var mask = new Vector512<float>[vectors * 9];
        Span<int> idx = stackalloc int[16];
        Span<float> msk = stackalloc float[16];
        for (int v = 0; v < vectors; v++)
            for (int t = 0; t < 9; t++)
            {
                int ky = t / 3, kx = t % 3, minQ = int.MaxValue;
                for (int l = 0; l < 16; l++)
                {
                    int p = 16 * v + l, sy = p / w + ky - 1, sx = p % w + kx - 1;
                    if (sy >= 0 && sy < h && sx >= 0 && sx < w) minQ = Math.Min(minQ, sy * w + sx);
                }
                int b = minQ == int.MaxValue ? v : minQ / 16;
                for (int l = 0; l < 16; l++)
                {
                    int p = 16 * v + l, sy = p / w + ky - 1, sx = p % w + kx - 1;
                    bool valid = sy >= 0 && sy < h && sx >= 0 && sx < w;
                    idx[l] = valid ? sy * w + sx - 16 * b : 0;
                    msk[l] = valid ? BitConverter.Int32BitsToSingle(-1) : 0f;
                    if (valid && idx[l] >= 32) throw new InvalidOperationException("small-plane tap spans more than two vectors");
                }
                bases[v * 9 + t] = b;
                index[v * 9 + t] = Vector512.Create((ReadOnlySpan<int>)idx);
                mask[v * 9 + t] = Vector512.Create((ReadOnlySpan<float>)msk);
            }
        return new SmallPlaneTable(h, w, bases, index, mask);
    }

    /// <summary>Lane tables of <see cref="SmallPlanes3x3Stride2"/> for one input size: per tap, the source index (0..63) of each output lane, whether it lies in the upper vector pair, and the validity mask.</summary>
    private sealed record Stride2Table(int H, int W, Vector512<int>[] Index, Vector512<int>[] Upper, Vector512<float>[] Mask);

    [ThreadStatic] private static Stride2Table? t_lastStride2Table;

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<(int H, int W), Stride2Table> Stride2Tables = new();

    private static Stride2Table BuildStride2Table((int H, int W) size)
    {
        var (h, w) = size;
        int outW = (w + 1) / 2;
        var index = new Vector512<int>[9];
        var upper = new Vector512<int>[9];
        var mask = new Vector512<float>[9];
        Span<int> idx = stackalloc int[16];
        Span<int> up = stackalloc int[16];
        Span<float> msk = stackalloc float[16];
        for (int t = 0; t < 9; t++)
        {
            int ky = t / 3, kx = t % 3;
            for (int l = 0; l < 16; l++)
            {
                int sy = 2 * (l / outW) + ky - 1, sx = 2 * (l % outW) + kx - 1;
                bool valid = sy >= 0 && sy < h && sx >= 0 && sx < w;
                int q = valid ? sy * w + sx : 0;
                idx[l] = q;
                up[l] = q >= 32 ? -1 : 0;
                msk[l] = valid ? BitConverter.Int32BitsToSingle(-1) : 0f;
            }
            index[t] = Vector512.Create((ReadOnlySpan<int>)idx);
            upper[t] = Vector512.Create((ReadOnlySpan<int>)up);
            mask[t] = Vector512.Create((ReadOnlySpan<float>)msk);
        }
        return new Stride2Table(h, w, index, upper, mask);
    }

    /// <summary>True when <see cref="SmallPlanes3x3Stride2"/> handles the plane: 3x3, stride 2, padding 1, at most 64 input pixels (a multiple of 16) and exactly 16 outputs (8 x 8 -> 4 x 4), Vector512.</summary>
    public static bool IsSmallPlaneStride2(int k, int stride, int pad, int h, int w)
        => k == 3 && pad == 1 && stride == 2 && h * w <= 64 && h * w % 16 == 0 && ((h + 1) / 2) * ((w + 1) / 2) == 16
           && Simd.Level == SimdLevel.Vector512 && Avx512F.IsSupported;

    /// <summary>
    /// 3x3, stride 2, padding 1 on <paramref name="planes"/> consecutive channel planes of at most 64 pixels
    /// with 16 outputs each (MobileNetV2's 8 x 8 -> 4 x 4 layer): the input plane sits in four Vector512
    /// registers, each tap gathers its 16 sources with two two-vector lane permutations (vpermt2ps) and a
    /// blend, masked at the borders. <paramref name="bias"/> holds one value per plane (or is null).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void SmallPlanes3x3Stride2(float* x, int planes, int h, int w, float* wk, float* bias, FusedActivation act, float* y)
    {
        var table = t_lastStride2Table;
        if (table == null || table.H != h || table.W != w) t_lastStride2Table = table = Stride2Tables.GetOrAdd((h, w), BuildStride2Table);
        int plane = h * w, vectors = plane / 16;
        var index = table.Index; var upper = table.Upper; var mask = table.Mask;
        for (int c = 0; c < planes; c++)
        {
            float* xc = x + (long)c * plane, wc = wk + c * 9;
            var v0 = Vector512.Load(xc);
            var v1 = vectors > 1 ? Vector512.Load(xc + 16) : default;
            var v2 = vectors > 2 ? Vector512.Load(xc + 32) : default;
            var v3 = vectors > 3 ? Vector512.Load(xc + 48) : default;
            var acc = Vector512.Create(bias == null ? 0f : bias[c]);
            for (int t = 0; t < 9; t++)
            {
                var i = index[t];
                var lo = Avx512F.PermuteVar16x32x2(v0, i, v1);
                var hi = Avx512F.PermuteVar16x32x2(v2, i, v3);
                var tap = Vector512.ConditionalSelect(upper[t].AsSingle(), hi, lo) & mask[t];
                acc = Vector512.FusedMultiplyAdd(Vector512.Create(wc[t]), tap, acc);
            }
            Activate(acc, act).Store(y + (long)c * 16);
        }
    }

    /// <summary>True when <see cref="SmallPlanes3x3"/> handles the plane: 3x3, stride 1, padding 1, 4 or 8 pixels wide, at most 256 pixels, Vector512.</summary>
    public static bool IsSmallPlane(int k, int stride, int pad, int h, int w)
        => k == 3 && pad == 1 && stride == 1 && (w == 4 || w == 8) && h * w % 16 == 0 && h * w <= 256
           && Simd.Level == SimdLevel.Vector512 && Avx512F.IsSupported;

    /// <summary>
    /// 3x3, stride 1, padding 1 on <paramref name="planes"/> consecutive channel planes 4 or 8 pixels wide
    /// (the late MobileNetV2 layers): each plane lives in a few Vector512 registers and each tap is a
    /// two-vector lane permutation (vpermt2ps) masked at the borders; the permutation tables of an output
    /// vector stay in registers while the channels stream past. <paramref name="bias"/> holds one value per
    /// plane (or is null).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void SmallPlanes3x3(float* x, int planes, int h, int w, float* wk, float* bias, FusedActivation act, float* y)
    {
        var table = t_lastTable;
        if (table == null || table.H != h || table.W != w) t_lastTable = table = SmallPlaneTables.GetOrAdd((h, w), BuildSmallPlaneTable);
        int vectors = h * w / 16, plane = h * w;
        for (int v = 0; v < vectors; v++)
        {
            int j = v * 9;
            var i0 = table.Index[j]; var i1 = table.Index[j + 1]; var i2 = table.Index[j + 2];
            var i3 = table.Index[j + 3]; var i4 = table.Index[j + 4]; var i5 = table.Index[j + 5];
            var i6 = table.Index[j + 6]; var i7 = table.Index[j + 7]; var i8 = table.Index[j + 8];
            var m0 = table.Mask[j]; var m1 = table.Mask[j + 1]; var m2 = table.Mask[j + 2];
            var m3 = table.Mask[j + 3]; var m4 = table.Mask[j + 4]; var m5 = table.Mask[j + 5];
            var m6 = table.Mask[j + 6]; var m7 = table.Mask[j + 7]; var m8 = table.Mask[j + 8];
            // Rows above, at and below the output vector: source vector pairs (base, base + 1).
            int bUp = table.Base[j + 1], bMid = table.Base[j + 4], bDown = table.Base[j + 7];
            if (table.Base[j] != bUp || table.Base[j + 2] != bUp || table.Base[j + 3] != bMid || table.Base[j + 5] != bMid
                || table.Base[j + 6] != bDown || table.Base[j + 8] != bDown)
                throw new InvalidOperationException("small-plane taps of one row must share their source vectors");
            for (int c = 0; c < planes; c++)
            {
                float* xc = x + (long)c * plane, wc = wk + c * 9;
                var up0 = Vector512.Load(xc + 16 * bUp); var up1 = bUp + 1 < vectors ? Vector512.Load(xc + 16 * (bUp + 1)) : default;
                var mid0 = Vector512.Load(xc + 16 * bMid); var mid1 = bMid + 1 < vectors ? Vector512.Load(xc + 16 * (bMid + 1)) : default;
                var dn0 = Vector512.Load(xc + 16 * bDown); var dn1 = bDown + 1 < vectors ? Vector512.Load(xc + 16 * (bDown + 1)) : default;
                var acc = Vector512.Create(bias == null ? 0f : bias[c]);
                acc = Vector512.FusedMultiplyAdd(Vector512.Create(wc[0]), Avx512F.PermuteVar16x32x2(up0, i0, up1) & m0, acc);
                acc = Vector512.FusedMultiplyAdd(Vector512.Create(wc[1]), Avx512F.PermuteVar16x32x2(up0, i1, up1) & m1, acc);
                acc = Vector512.FusedMultiplyAdd(Vector512.Create(wc[2]), Avx512F.PermuteVar16x32x2(up0, i2, up1) & m2, acc);
                acc = Vector512.FusedMultiplyAdd(Vector512.Create(wc[3]), Avx512F.PermuteVar16x32x2(mid0, i3, mid1) & m3, acc);
                acc = Vector512.FusedMultiplyAdd(Vector512.Create(wc[4]), Avx512F.PermuteVar16x32x2(mid0, i4, mid1) & m4, acc);
                acc = Vector512.FusedMultiplyAdd(Vector512.Create(wc[5]), Avx512F.PermuteVar16x32x2(mid0, i5, mid1) & m5, acc);
                acc = Vector512.FusedMultiplyAdd(Vector512.Create(wc[6]), Avx512F.PermuteVar16x32x2(dn0, i6, dn1) & m6, acc);
                acc = Vector512.FusedMultiplyAdd(Vector512.Create(wc[7]), Avx512F.PermuteVar16x32x2(dn0, i7, dn1) & m7, acc);
                acc = Vector512.FusedMultiplyAdd(Vector512.Create(wc[8]), Avx512F.PermuteVar16x32x2(dn0, i8, dn1) & m8, acc);
                Activate(acc, act).Store(y + (long)c * plane + 16 * v);
            }
        }
    }

    private static readonly Vector512<int> EvenLanes = Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    private static readonly Vector512<int> OddLanes = Vector512.Create(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);

    /// <summary>Stride-2 row: the three taps of 16 outputs are the even, odd and shifted-even columns of 32 inputs (vpermt2ps).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Row512Stride2(float* r0, int pw, float* wk, float bias, FusedActivation act, float* t, int outW)
    {
        var even = EvenLanes; var odd = OddLanes;
        var b = Vector512.Create(bias);
        for (int j = 0; j < outW; j += 16)
        {
            var a = b;
            for (int ky = 0; ky < 3; ky++)
            {
                float* r = r0 + ky * pw + 2 * j;
                var lo = Vector512.Load(r); var hi = Vector512.Load(r + 16);
                var lo2 = Vector512.Load(r + 2); var hi2 = Vector512.Load(r + 18);
                a = Vector512.FusedMultiplyAdd(Vector512.Create(wk[ky * 3]), Avx512F.PermuteVar16x32x2(lo, even, hi), a);
                a = Vector512.FusedMultiplyAdd(Vector512.Create(wk[ky * 3 + 1]), Avx512F.PermuteVar16x32x2(lo, odd, hi), a);
                a = Vector512.FusedMultiplyAdd(Vector512.Create(wk[ky * 3 + 2]), Avx512F.PermuteVar16x32x2(lo2, even, hi2), a);
            }
            Activate(a, act).Store(t + j);
        }
    }

    /// <summary>True when <see cref="Stride1Rows"/> handles the plane: 3x3, stride 1, padding 1, any width, Vector512.</summary>
    internal static bool IsStride1Rows(int k, int stride, int pad, int w)
        => k == 3 && pad == 1 && stride == 1 && w >= 1 && Simd.Level == SimdLevel.Vector512 && Avx512F.IsSupported;

    private static readonly Vector512<int> LeftNeighbour = Vector512.Create(15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30);
    private static readonly Vector512<int> RightNeighbour = Vector512.Create(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16);

    /// <summary>
    /// 3x3, stride 1, padding 1 read straight from the plane (no padded copy), 16 outputs per vector: the
    /// left and right taps are unaligned loads inside the row and, at the row ends, a lane shift (vpermt2ps)
    /// against zeros; padding rows are skipped. A width that is not a multiple of 16 (MobileNetV2's 56, 28, 14
    /// and 7 at 224 x 224) ends each row with a masked vector: masked loads (zero in the lanes past the row, which
    /// never fault) and a masked store. Same summation order as the other paths (bias, then taps row by row).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Stride1Rows(float* x, int h, int w, float* wk, float bias, FusedActivation act, float* y)
    {
        if (RowPairs)
        {
            Stride1RowPairs(x, h, w, wk, bias, act, y);
            return;
        }
        var b = Vector512.Create(bias);
        var leftIdx = LeftNeighbour; var rightIdx = RightNeighbour;
        var zero = Vector512<float>.Zero;
        int full = w & ~15, tail = w - full;
        var tailMask = Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(tail)).AsSingle();
        for (int oy = 0; oy < h; oy++)
        {
            int ky0 = oy == 0 ? 1 : 0, ky1 = oy == h - 1 ? 2 : 3;
            for (int j = 0; j < full; j += 16)
            {
                var a = b;
                for (int ky = ky0; ky < ky1; ky++)
                {
                    float* p = x + (long)(oy - 1 + ky) * w + j;
                    var mid = Vector512.Load(p);
                    var left = j > 0 ? Vector512.Load(p - 1) : Avx512F.PermuteVar16x32x2(zero, leftIdx, mid);
                    var right = j + 16 < w ? Vector512.Load(p + 1) : Avx512F.PermuteVar16x32x2(mid, rightIdx, zero);
                    a = Vector512.FusedMultiplyAdd(Vector512.Create(wk[ky * 3]), left, a);
                    a = Vector512.FusedMultiplyAdd(Vector512.Create(wk[ky * 3 + 1]), mid, a);
                    a = Vector512.FusedMultiplyAdd(Vector512.Create(wk[ky * 3 + 2]), right, a);
                }
                Activate(a, act).Store(y + (long)oy * w + j);
            }
            if (tail == 0) continue;
            {
                var a = b;
                for (int ky = ky0; ky < ky1; ky++)
                {
                    float* p = x + (long)(oy - 1 + ky) * w + full;
                    var mid = Avx512F.MaskLoad(p, tailMask, zero);
                    var left = full > 0 ? Avx512F.MaskLoad(p - 1, tailMask, zero) : Avx512F.PermuteVar16x32x2(zero, leftIdx, mid);
                    var right = Avx512F.PermuteVar16x32x2(mid, rightIdx, zero); // lane tail-1 reads the zero past the row
                    a = Vector512.FusedMultiplyAdd(Vector512.Create(wk[ky * 3]), left, a);
                    a = Vector512.FusedMultiplyAdd(Vector512.Create(wk[ky * 3 + 1]), mid, a);
                    a = Vector512.FusedMultiplyAdd(Vector512.Create(wk[ky * 3 + 2]), right, a);
                }
                Avx512F.MaskStore(y + (long)oy * w + full, tailMask, Activate(a, act));
            }
        }
    }

    /// <summary>Switch for same-process A/B timing of <see cref="Stride1RowPairs"/> against the one-row loop (benchmarks only).</summary>
    internal static bool RowPairs = true;

    /// <summary>
    /// <see cref="Stride1Rows"/> two output rows at a time with the nine weights held in registers: each of the
    /// four input rows is loaded once (left, middle, right) and feeds both rows' accumulators, 6 instead of 9 row
    /// loads and no weight broadcasts per output vector (the one-row loop was bound by loads, not FMAs). Each
    /// output still sums bias, then the taps row by row (padding rows skipped), so results are bit-identical.
    /// </summary>
    private static void Stride1RowPairs(float* x, int h, int w, float* wk, float bias, FusedActivation act, float* y)
        => Stride1RowRange(x, h, w, false, false, wk, bias, act, y);

    /// <summary>
    /// <paramref name="h"/> output rows of the 3x3, stride 1, padding 1 convolution (Vector512, see
    /// <see cref="Stride1RowPairs"/>): output row i reads input rows i - 1, i, i + 1 at <paramref name="x"/> + (i - 1 .. i + 1) * w;
    /// the row above the first (below the last) exists only when <paramref name="above"/> (<paramref name="below"/>), otherwise
    /// it is padding and its taps are skipped. Lets a caller run a band of a plane (fused 1x1 + depthwise).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Stride1RowRange(float* x, int h, int w, bool above, bool below, float* wk, float bias, FusedActivation act, float* y)
    {
        var b = Vector512.Create(bias);
        var w0 = Vector512.Create(wk[0]); var w1 = Vector512.Create(wk[1]); var w2 = Vector512.Create(wk[2]);
        var w3 = Vector512.Create(wk[3]); var w4 = Vector512.Create(wk[4]); var w5 = Vector512.Create(wk[5]);
        var w6 = Vector512.Create(wk[6]); var w7 = Vector512.Create(wk[7]); var w8 = Vector512.Create(wk[8]);
        int full = w & ~15, tail = w - full;
        var tailMask = Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(tail)).AsSingle();
        var six = Vector512.Create(6f);
        var leftIdx = LeftNeighbour; var rightIdx = RightNeighbour;
        for (int oy = 0; oy < h; oy += 2)
        {
            bool two = oy + 1 < h;
            bool top = oy > 0 || above, below1 = oy + 1 < h || below, below2 = two && (oy + 2 < h || below); // input rows oy - 1, oy + 1, oy + 2 exist
            float* r0 = x + (long)(oy - 1) * w, r1 = x + (long)oy * w, r2 = r1 + w, r3 = r2 + w;
            float* y0 = y + (long)oy * w, y1 = y0 + w;
            for (int j = 0; j <= w - 16 || (j < w && tail > 0); j += 16)
            {
                bool masked = j == full;
                var mask = masked ? tailMask : Vector512<float>.AllBitsSet;
                Vector512<float> l, m, r;
                var a0 = b;
                var a1 = b;
                if (top)
                {
                    Taps(r0, j, w, masked, mask, leftIdx, rightIdx, out l, out m, out r);
                    a0 = Vector512.FusedMultiplyAdd(w0, l, a0); a0 = Vector512.FusedMultiplyAdd(w1, m, a0); a0 = Vector512.FusedMultiplyAdd(w2, r, a0);
                }
                Taps(r1, j, w, masked, mask, leftIdx, rightIdx, out l, out m, out r);
                a0 = Vector512.FusedMultiplyAdd(w3, l, a0); a0 = Vector512.FusedMultiplyAdd(w4, m, a0); a0 = Vector512.FusedMultiplyAdd(w5, r, a0);
                a1 = Vector512.FusedMultiplyAdd(w0, l, a1); a1 = Vector512.FusedMultiplyAdd(w1, m, a1); a1 = Vector512.FusedMultiplyAdd(w2, r, a1);
                if (below1)
                {
                    Taps(r2, j, w, masked, mask, leftIdx, rightIdx, out l, out m, out r);
                    a0 = Vector512.FusedMultiplyAdd(w6, l, a0); a0 = Vector512.FusedMultiplyAdd(w7, m, a0); a0 = Vector512.FusedMultiplyAdd(w8, r, a0);
                    a1 = Vector512.FusedMultiplyAdd(w3, l, a1); a1 = Vector512.FusedMultiplyAdd(w4, m, a1); a1 = Vector512.FusedMultiplyAdd(w5, r, a1);
                }
                if (below2)
                {
                    Taps(r3, j, w, masked, mask, leftIdx, rightIdx, out l, out m, out r);
                    a1 = Vector512.FusedMultiplyAdd(w6, l, a1); a1 = Vector512.FusedMultiplyAdd(w7, m, a1); a1 = Vector512.FusedMultiplyAdd(w8, r, a1);
                }
                if (act != FusedActivation.None)
                {
                    a0 = Vector512.Max(a0, Vector512<float>.Zero);
                    a1 = Vector512.Max(a1, Vector512<float>.Zero);
                    if (act == FusedActivation.ReLU6) { a0 = Vector512.Min(a0, six); a1 = Vector512.Min(a1, six); }
                }
                if (!masked)
                {
                    a0.Store(y0 + j);
                    if (two) a1.Store(y1 + j);
                }
                else
                {
                    Avx512F.MaskStore(y0 + j, mask, a0);
                    if (two) Avx512F.MaskStore(y1 + j, mask, a1);
                }
            }
        }
    }

    /// <summary>Left, middle and right taps of the 16 outputs at column <paramref name="j"/> of input row <paramref name="p"/> (zero past the row ends; masked when fewer than 16 columns remain).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Taps(float* p, int j, int w, bool masked, Vector512<float> mask, Vector512<int> leftIdx, Vector512<int> rightIdx,
        out Vector512<float> left, out Vector512<float> mid, out Vector512<float> right)
    {
        var zero = Vector512<float>.Zero;
        p += j;
        if (!masked)
        {
            mid = Vector512.Load(p);
            left = j > 0 ? Vector512.Load(p - 1) : Avx512F.PermuteVar16x32x2(zero, leftIdx, mid);
            right = j + 16 < w ? Vector512.Load(p + 1) : Avx512F.PermuteVar16x32x2(mid, rightIdx, zero);
            return;
        }
        mid = Avx512F.MaskLoad(p, mask, zero);
        left = j > 0 ? Avx512F.MaskLoad(p - 1, mask, zero) : Avx512F.PermuteVar16x32x2(zero, leftIdx, mid);
        right = Avx512F.PermuteVar16x32x2(mid, rightIdx, zero);
    }

    /// <summary>True when <see cref="Stride2Rows"/> handles the plane: 3x3, stride 2, padding 1 (width 16: even height), Vector512.</summary>
    internal static bool IsStride2Rows(int k, int stride, int pad, int h, int w)
        => k == 3 && pad == 1 && stride == 2 && w >= 1 && (w != 16 || h % 2 == 0)
           && Simd.Level == SimdLevel.Vector512 && Avx512F.IsSupported;

    private static readonly Vector512<int> ShiftedOddLanes = Vector512.Create(0, 1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29);
    private static readonly Vector512<float> AllButLane0 = Vector512.Create(0, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1).AsSingle();
    private static readonly Vector512<int> PairLeft = Vector512.Create(0, 1, 3, 5, 7, 9, 11, 13, 0, 17, 19, 21, 23, 25, 27, 29);
    private static readonly Vector512<int> PairEven = Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    private static readonly Vector512<int> PairOdd = Vector512.Create(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
    private static readonly Vector512<float> AllButLanes0And8 = Vector512.Create(0, -1, -1, -1, -1, -1, -1, -1, 0, -1, -1, -1, -1, -1, -1, -1).AsSingle();

    /// <summary>
    /// 3x3, stride 2, padding 1 read straight from the plane (no padded copy): each vector of 16 outputs takes its
    /// three column taps from the even, odd and shifted-odd lanes of 32 inputs (vpermt2ps), the left neighbour of
    /// the first lane coming from the previous input column; when fewer than 32 inputs remain in the row (widths
    /// that are not multiples of 32, e.g. MobileNetV2's 112, 56, 28 and 14 at 224 x 224) the two input vectors are
    /// masked loads (zero past the row, never faulting) and the output vector a masked store. For width 16, one
    /// vector holds two output rows of 8 and each tap permutes the two input rows. Padding rows are skipped.
    /// Same summation order as the other paths (bias, then taps row by row).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Stride2Rows(float* x, int h, int w, float* wk, float bias, FusedActivation act, float* y)
    {
        int outH = (h - 1) / 2 + 1, outW = (w - 1) / 2 + 1;
        var b = Vector512.Create(bias);
        if (w == 16)
        {
            var left = PairLeft; var even = PairEven; var odd = PairOdd; var leftMask = AllButLanes0And8;
            for (int oy = 0; oy < outH; oy += 2)
            {
                var a = b;
                for (int ky = 0; ky < 3; ky++)
                {
                    int ra = 2 * oy - 1 + ky, rb = ra + 2;
                    var va = ra >= 0 ? Vector512.Load(x + ra * 16) : Vector512<float>.Zero;
                    var vb = rb < h ? Vector512.Load(x + rb * 16) : Vector512<float>.Zero;
                    a = Vector512.FusedMultiplyAdd(Vector512.Create(wk[ky * 3]), Avx512F.PermuteVar16x32x2(va, left, vb) & leftMask, a);
                    a = Vector512.FusedMultiplyAdd(Vector512.Create(wk[ky * 3 + 1]), Avx512F.PermuteVar16x32x2(va, even, vb), a);
                    a = Vector512.FusedMultiplyAdd(Vector512.Create(wk[ky * 3 + 2]), Avx512F.PermuteVar16x32x2(va, odd, vb), a);
                }
                if (oy + 1 < outH) Activate(a, act).Store(y + oy * 8);
                else Activate(a, act).GetLower().Store(y + oy * 8);
            }
            return;
        }
        var evenLanes = EvenLanes; var oddLanes = OddLanes; var shifted = ShiftedOddLanes; var notLane0 = AllButLane0;
        var lanes = Vector512<int>.Indices;
        for (int oy = 0; oy < outH; oy++)
            for (int j = 0; j < outW; j += 16)
            {
                // inputs 2j .. 2j + 31 of each row; masks only on the row's last, partial vector pair
                int inputs = w - 2 * j;
                bool whole = inputs >= 32;
                var loMask = Vector512.LessThan(lanes, Vector512.Create(inputs)).AsSingle();
                var hiMask = Vector512.LessThan(lanes, Vector512.Create(inputs - 16)).AsSingle();
                var a = b;
                for (int ky = 0; ky < 3; ky++)
                {
                    int r = 2 * oy - 1 + ky;
                    if (r < 0 || r >= h) continue;
                    float* row = x + (long)r * w + 2 * j;
                    Vector512<float> lo, hi;
                    if (whole) { lo = Vector512.Load(row); hi = Vector512.Load(row + 16); }
                    else { lo = Avx512F.MaskLoad(row, loMask, Vector512<float>.Zero); hi = Avx512F.MaskLoad(row + 16, hiMask, Vector512<float>.Zero); }
                    var prev = j > 0 ? row[-1] : 0f;
                    var l = Vector512.ConditionalSelect(notLane0, Avx512F.PermuteVar16x32x2(lo, shifted, hi), Vector512.Create(prev));
                    a = Vector512.FusedMultiplyAdd(Vector512.Create(wk[ky * 3]), l, a);
                    a = Vector512.FusedMultiplyAdd(Vector512.Create(wk[ky * 3 + 1]), Avx512F.PermuteVar16x32x2(lo, evenLanes, hi), a);
                    a = Vector512.FusedMultiplyAdd(Vector512.Create(wk[ky * 3 + 2]), Avx512F.PermuteVar16x32x2(lo, oddLanes, hi), a);
                }
                float* dst = y + (long)oy * outW + j;
                if (outW - j >= 16) Activate(a, act).Store(dst);
                else Avx512F.MaskStore(dst, Vector512.LessThan(lanes, Vector512.Create(outW - j)).AsSingle(), Activate(a, act));
            }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Row256(float* r0, int pw, float* wk, float bias, FusedActivation act, float* t, int count)
    {
        float* r1 = r0 + pw, r2 = r1 + pw;
        var w0 = Vector256.Create(wk[0]); var w1 = Vector256.Create(wk[1]); var w2 = Vector256.Create(wk[2]);
        var w3 = Vector256.Create(wk[3]); var w4 = Vector256.Create(wk[4]); var w5 = Vector256.Create(wk[5]);
        var w6 = Vector256.Create(wk[6]); var w7 = Vector256.Create(wk[7]); var w8 = Vector256.Create(wk[8]);
        var b = Vector256.Create(bias);
        for (int j = 0; j < count; j += 8)
        {
            var a = Vector256.FusedMultiplyAdd(w0, Vector256.Load(r0 + j), b);
            a = Vector256.FusedMultiplyAdd(w1, Vector256.Load(r0 + j + 1), a);
            a = Vector256.FusedMultiplyAdd(w2, Vector256.Load(r0 + j + 2), a);
            a = Vector256.FusedMultiplyAdd(w3, Vector256.Load(r1 + j), a);
            a = Vector256.FusedMultiplyAdd(w4, Vector256.Load(r1 + j + 1), a);
            a = Vector256.FusedMultiplyAdd(w5, Vector256.Load(r1 + j + 2), a);
            a = Vector256.FusedMultiplyAdd(w6, Vector256.Load(r2 + j), a);
            a = Vector256.FusedMultiplyAdd(w7, Vector256.Load(r2 + j + 1), a);
            a = Vector256.FusedMultiplyAdd(w8, Vector256.Load(r2 + j + 2), a);
            Activate(a, act).Store(t + j);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Row128(float* r0, int pw, float* wk, float bias, FusedActivation act, float* t, int count)
    {
        float* r1 = r0 + pw, r2 = r1 + pw;
        var w0 = Vector128.Create(wk[0]); var w1 = Vector128.Create(wk[1]); var w2 = Vector128.Create(wk[2]);
        var w3 = Vector128.Create(wk[3]); var w4 = Vector128.Create(wk[4]); var w5 = Vector128.Create(wk[5]);
        var w6 = Vector128.Create(wk[6]); var w7 = Vector128.Create(wk[7]); var w8 = Vector128.Create(wk[8]);
        var b = Vector128.Create(bias);
        for (int j = 0; j < count; j += 4)
        {
            var a = Vector128.FusedMultiplyAdd(w0, Vector128.Load(r0 + j), b);
            a = Vector128.FusedMultiplyAdd(w1, Vector128.Load(r0 + j + 1), a);
            a = Vector128.FusedMultiplyAdd(w2, Vector128.Load(r0 + j + 2), a);
            a = Vector128.FusedMultiplyAdd(w3, Vector128.Load(r1 + j), a);
            a = Vector128.FusedMultiplyAdd(w4, Vector128.Load(r1 + j + 1), a);
            a = Vector128.FusedMultiplyAdd(w5, Vector128.Load(r1 + j + 2), a);
            a = Vector128.FusedMultiplyAdd(w6, Vector128.Load(r2 + j), a);
            a = Vector128.FusedMultiplyAdd(w7, Vector128.Load(r2 + j + 1), a);
            a = Vector128.FusedMultiplyAdd(w8, Vector128.Load(r2 + j + 2), a);
            Activate(a, act).Store(t + j);
        }
    }

    private static float Pixel(float* x, int w, float* wk, int k, int iy0, int kyLo, int kyHi, int ix0, float bias, FusedActivation act)
    {
        int kxLo = Math.Max(0, -ix0), kxHi = Math.Min(k, w - ix0);
        float s = bias;
        for (int ky = kyLo; ky < kyHi; ky++)
        {
            float* xr = x + (long)(iy0 + ky) * w + ix0;
            float* wr = wk + ky * k;
            for (int kx = kxLo; kx < kxHi; kx++) s = MathF.FusedMultiplyAdd(wr[kx], xr[kx], s);
        }
        return Sgemm.Activate(s, act);
    }

    private static Vector512<float> Activate(Vector512<float> v, FusedActivation act) => act switch
    {
        FusedActivation.ReLU => Vector512.Max(v, Vector512<float>.Zero),
        FusedActivation.ReLU6 => Vector512.Min(Vector512.Max(v, Vector512<float>.Zero), Vector512.Create(6f)),
        _ => v,
    };

    private static Vector128<float> Activate(Vector128<float> v, FusedActivation act) => act switch
    {
        FusedActivation.ReLU => Vector128.Max(v, Vector128<float>.Zero),
        FusedActivation.ReLU6 => Vector128.Min(Vector128.Max(v, Vector128<float>.Zero), Vector128.Create(6f)),
        _ => v,
    };

    private static Vector256<float> Activate(Vector256<float> v, FusedActivation act) => act switch
    {
        FusedActivation.ReLU => Vector256.Max(v, Vector256<float>.Zero),
        FusedActivation.ReLU6 => Vector256.Min(Vector256.Max(v, Vector256<float>.Zero), Vector256.Create(6f)),
        _ => v,
    };
}
