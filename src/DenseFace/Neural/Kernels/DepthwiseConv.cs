using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace DenseFace.Neural.Kernels;

/// <summary>
/// Direct depthwise convolution of one channel plane (k x k kernel, any stride, zero padding), with an
/// optional bias and fused activation. Stride-1 interiors are vectorised along the row (Vector512, then
/// Vector256, then scalar); borders and other strides use the scalar tap loop.
/// </summary>
public static unsafe class DepthwiseConv
{
    /// <summary>y[oy, ox] = act(bias + sum_{ky,kx} w[ky, kx] * x[oy * s - p + ky, ox * s - p + kx]).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Plane(float* x, int h, int w, float* wk, int k, int stride, int pad, float bias,
        FusedActivation act, float* y, int outH, int outW)
    {
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
                else if (count >= 8 || !Vector128.IsHardwareAccelerated) Row256(r0, pw, wk, bias, act, t, count);
                else Row128(r0, pw, wk, bias, act, t, count);
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
        for (int j = 0; j < count; j += 4)
        {
            var a = Vector128.Create(bias);
            a = Vector128.FusedMultiplyAdd(Vector128.Create(wk[0]), Vector128.Load(r0 + j), a);
            a = Vector128.FusedMultiplyAdd(Vector128.Create(wk[1]), Vector128.Load(r0 + j + 1), a);
            a = Vector128.FusedMultiplyAdd(Vector128.Create(wk[2]), Vector128.Load(r0 + j + 2), a);
            a = Vector128.FusedMultiplyAdd(Vector128.Create(wk[3]), Vector128.Load(r1 + j), a);
            a = Vector128.FusedMultiplyAdd(Vector128.Create(wk[4]), Vector128.Load(r1 + j + 1), a);
            a = Vector128.FusedMultiplyAdd(Vector128.Create(wk[5]), Vector128.Load(r1 + j + 2), a);
            a = Vector128.FusedMultiplyAdd(Vector128.Create(wk[6]), Vector128.Load(r2 + j), a);
            a = Vector128.FusedMultiplyAdd(Vector128.Create(wk[7]), Vector128.Load(r2 + j + 1), a);
            a = Vector128.FusedMultiplyAdd(Vector128.Create(wk[8]), Vector128.Load(r2 + j + 2), a);
            if (act != FusedActivation.None) a = Vector128.Max(a, Vector128<float>.Zero);
            if (act == FusedActivation.ReLU6) a = Vector128.Min(a, Vector128.Create(6f));
            a.Store(t + j);
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

    private static Vector256<float> Activate(Vector256<float> v, FusedActivation act) => act switch
    {
        FusedActivation.ReLU => Vector256.Max(v, Vector256<float>.Zero),
        FusedActivation.ReLU6 => Vector256.Min(Vector256.Max(v, Vector256<float>.Zero), Vector256.Create(6f)),
        _ => v,
    };
}
