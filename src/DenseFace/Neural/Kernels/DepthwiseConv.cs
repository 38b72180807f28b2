using System.Runtime.Intrinsics;

namespace DenseFace.Neural.Kernels;

/// <summary>
/// Direct depthwise convolution of one channel plane (k x k kernel, any stride, zero padding), with an
/// optional bias and fused activation. Stride-1 interiors are vectorised along the row (Vector512, then
/// Vector256, then scalar); borders and other strides use the scalar tap loop.
/// </summary>
public static unsafe class DepthwiseConv
{
    /// <summary>y[oy, ox] = act(bias + sum_{ky,kx} w[ky, kx] * x[oy * s - p + ky, ox * s - p + kx]).</summary>
    public static void Plane(float* x, int h, int w, float* wk, int k, int stride, int pad, float bias,
        FusedActivation act, float* y, int outH, int outW)
    {
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
