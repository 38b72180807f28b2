using System.Runtime.CompilerServices;
using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;
using DenseFace.Neural;
using System.Runtime.Intrinsics;
using DenseFace.Neural.Kernels;

namespace DenseFace.Training.Neural;

/// <summary>
/// Backward pass of <see cref="Conv2d"/> on NCHW batches. Depthwise: per channel (parallel), the input
/// gradient is the transposed correlation of dY with the kernel and the kernel gradient sums dY x over the
/// batch in order. Others: the batch is cut into T contiguous chunks (T = thread count); per image
/// dX = W^T dY (pointwise) or col2im(W^T dY) (im2col path) and the chunk's weight-gradient partial
/// accumulates dY X^T (resp. dY col^T); partials are added to <c>weight.Grad</c> in chunk order.
/// </summary>
internal static unsafe class ConvBackward
{
    private sealed class State { public float[][] Partials = []; public float[] PackedWT = []; }

    public static Tensor Backward(Conv2d conv, Tensor x, Tensor dy)
    {
        var g = conv.Geometry;
        var dx = Backprop.GradInput(conv, x);
        var compute = conv.Compute;
        int n = x.N, h = x.H, w = x.W, oh = dy.H, ow = dy.W, inPlane = h * w, outPlane = oh * ow;
        if (conv.Bias != null)
        {
            var gb = conv.Bias.Grad!;
            compute.For(g.OutChannels, o =>
            {
                double s = 0;
                for (int b = 0; b < n; b++) s += TensorPrimitives.Sum<float>(dy.Data.AsSpan((b * g.OutChannels + o) * outPlane, outPlane));
                gb[o] += (float)s;
            });
        }
        var gw = conv.Weight.Grad!;
        var wt = conv.Weight.Value;
        if (g.IsDepthwise)
        {
            int k = g.Kernel, c = g.InChannels;
            bool fast = k == 3 && g.Padding == 1 && (g.Stride == 1 || g.Stride == 2) && Simd.Level == SimdLevel.Vector512;
            compute.For(c, ch =>
            {
                Span<double> acc = stackalloc double[k * k];
                acc.Clear();
                fixed (float* px = x.Data, pdy = dy.Data, pdx = dx.Data, pw = wt)
                    for (int b = 0; b < n; b++)
                    {
                        long pi = (long)(b * c + ch);
                        if (fast) Depthwise3x3PlaneBackward(px + pi * inPlane, pdx + pi * inPlane, h, w, pdy + pi * outPlane, oh, ow, pw + ch * 9, g.Stride, acc);
                        else DepthwisePlaneBackward(px + pi * inPlane, pdx + pi * inPlane, h, w, pdy + pi * outPlane, oh, ow,
                            pw + ch * k * k, k, g.Stride, g.Padding, acc);
                    }
                for (int i = 0; i < k * k; i++) gw[ch * k * k + i] += (float)acc[i];
            });
            return dx;
        }

        int threads = Math.Min(compute.MaxDegreeOfParallelism, n);
        var state = conv.BackwardState as State ?? new State();
        conv.BackwardState = state;
        if (state.Partials.Length != threads || state.Partials[0].Length != gw.Length)
            state.Partials = Enumerable.Range(0, threads).Select(_ => new float[gw.Length]).ToArray();
        var gemmCompute = threads > 1 ? null : compute;
        int kk = g.InPerGroup * g.Kernel * g.Kernel, perGroup = Sgemm.PackedLength(kk, g.OutPerGroup);
        // W_g^T (kk x out/groups) packed once for all images.
        if (state.PackedWT.Length < perGroup * g.Groups) state.PackedWT = new float[perGroup * g.Groups];
        fixed (float* pw = wt, pk = state.PackedWT)
            for (int gr = 0; gr < g.Groups; gr++)
                Sgemm.PackMatrixA(true, kk, g.OutPerGroup, pw + (long)gr * g.OutPerGroup * kk, kk, pk + (long)gr * perGroup);
        compute.For(threads, t =>
        {
            var part = state.Partials[t];
            Array.Clear(part);
            int b0 = (int)((long)n * t / threads), b1 = (int)((long)n * (t + 1) / threads);
            fixed (float* px = x.Data, pdy = dy.Data, pdx = dx.Data, pwt = state.PackedWT, pp = part)
            {
                if (g.IsPointwise && b1 - b0 > 1 && inPlane < Convolution.SmallPlane)
                {
                    // Small feature maps: one product over the whole chunk ([C x images*H*W] matrices).
                    int cols = (b1 - b0) * inPlane;
                    var scratch = Convolution.ThreadScratch((g.OutChannels + 2 * g.InChannels) * cols);
                    fixed (float* ps = scratch)
                    {
                        float* dyg = ps, xg = ps + (long)g.OutChannels * cols, dxg = xg + (long)g.InChannels * cols;
                        Convolution.Gather(pdy, b0, b1, g.OutChannels, inPlane, dyg);
                        Convolution.Gather(px, b0, b1, g.InChannels, inPlane, xg);
                        Sgemm.Multiply(false, true, g.OutChannels, g.InChannels, cols, dyg, cols, xg, cols, pp, g.InChannels, true, null, FusedActivation.None, gemmCompute);
                        Sgemm.MultiplyPacked(pwt, false, g.InChannels, cols, g.OutChannels, dyg, cols, dxg, cols, false, null, FusedActivation.None, gemmCompute);
                        Convolution.Scatter(dxg, b0, b1, g.InChannels, inPlane, pdx);
                    }
                    return;
                }
                for (int b = b0; b < b1; b++)
                {
                    float* xb = px + (long)b * g.InChannels * inPlane, dxb = pdx + (long)b * g.InChannels * inPlane;
                    float* dyb = pdy + (long)b * g.OutChannels * outPlane;
                    if (g.IsPointwise)
                    {
                        Sgemm.MultiplyPacked(pwt, false, g.InChannels, inPlane, g.OutChannels, dyb, outPlane, dxb, inPlane, false, null, FusedActivation.None, gemmCompute);
                        Sgemm.Multiply(false, true, g.OutChannels, g.InChannels, inPlane, dyb, outPlane, xb, inPlane, pp, g.InChannels, true, null, FusedActivation.None, gemmCompute);
                        continue;
                    }
                    var col = Convolution.ThreadScratch(2 * kk * outPlane);
                    fixed (float* pc = col)
                    {
                        float* dcol = pc + (long)kk * outPlane;
                        new Span<float>(dxb, g.InChannels * inPlane).Clear();
                        for (int gr = 0; gr < g.Groups; gr++)
                        {
                            float* xg = xb + (long)gr * g.InPerGroup * inPlane, dxg = dxb + (long)gr * g.InPerGroup * inPlane;
                            float* dyg = dyb + (long)gr * g.OutPerGroup * outPlane;
                            Im2Col.Unfold(xg, g.InPerGroup, h, w, g.Kernel, g.Stride, g.Padding, oh, ow, pc);
                            Sgemm.Multiply(false, true, g.OutPerGroup, kk, outPlane, dyg, outPlane, pc, outPlane, pp + (long)gr * g.OutPerGroup * kk, kk, true, null, FusedActivation.None, gemmCompute);
                            Sgemm.MultiplyPacked(pwt + (long)gr * perGroup, false, kk, outPlane, g.OutPerGroup, dyg, outPlane, dcol, outPlane, false, null, FusedActivation.None, gemmCompute);
                            Fold(dcol, g.InPerGroup, h, w, g.Kernel, g.Stride, g.Padding, oh, ow, dxg);
                        }
                    }
                }
            }
        });
        for (int t = 0; t < threads; t++) TensorPrimitives.Add(gw, state.Partials[t], gw);
        return dx;
    }

    /// <summary>Adjoint of <see cref="Im2Col.Unfold"/>: adds each column entry back to its input pixel.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Fold(float* col, int channels, int h, int w, int k, int stride, int pad, int outH, int outW, float* x)
    {
        int plane = outH * outW;
        for (int c = 0; c < channels; c++)
        {
            float* xc = x + (long)c * h * w;
            for (int ky = 0; ky < k; ky++)
            for (int kx = 0; kx < k; kx++)
            {
                float* src = col + (long)((c * k + ky) * k + kx) * plane;
                int oxLo = Math.Max(0, Im2Col.CeilDiv(pad - kx, stride)), oxHi = Math.Min(outW, Im2Col.CeilDiv(w + pad - kx, stride));
                if (oxLo >= oxHi) continue;
                for (int oy = 0; oy < outH; oy++)
                {
                    int iy = oy * stride - pad + ky;
                    if (iy < 0 || iy >= h) continue;
                    float* d = xc + (long)iy * w - pad + kx;
                    float* s = src + oy * outW;
                    if (stride == 1)
                    {
                        var dst = new Span<float>(d + oxLo, oxHi - oxLo);
                        TensorPrimitives.Add(dst, new ReadOnlySpan<float>(s + oxLo, oxHi - oxLo), dst);
                    }
                    else for (int ox = oxLo; ox < oxHi; ox++) d[ox * stride] += s[ox];
                }
            }
        }
    }

    [ThreadStatic] private static float[]? t_scratch;

    /// <summary>
    /// 3x3, padding 1, stride 1 or 2 (Vector512). The output gradient is placed on the input grid
    /// (g = dy for stride 1; dy at even positions, zeros elsewhere, for stride 2); then
    /// dx = correlation of g with the 180°-rotated kernel (padding 1, computed by the forward kernel), and
    /// acc[ky,kx] += Σ g[j,i] xpad[j + ky, i + kx] with xpad the zero-bordered input.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Depthwise3x3PlaneBackward(float* x, float* dx, int h, int w, float* dy, int oh, int ow, float* wk, int stride, Span<double> acc)
    {
        int gw = (w + 15) & ~15, pw = w + 18;
        int need = h * w + h * gw + (h + 2) * pw;
        var scratch = t_scratch;
        if (scratch == null || scratch.Length < need) t_scratch = scratch = new float[need];
        fixed (float* s = scratch)
        {
            float* g = s, gp = s + h * w, xp = gp + h * gw;
            if (stride == 1) Buffer.MemoryCopy(dy, g, h * w * 4L, h * w * 4L);
            else
            {
                new Span<float>(g, h * w).Clear();
                for (int oy = 0; oy < oh; oy++)
                    for (int ox = 0; ox < ow; ox++) g[2 * oy * w + 2 * ox] = dy[oy * ow + ox];
            }
            float* flipped = stackalloc float[9];
            for (int i = 0; i < 9; i++) flipped[i] = wk[8 - i];
            DepthwiseConv.Plane3x3(g, h, w, flipped, 1, 0f, FusedActivation.None, dx, h, w);

            new Span<float>(gp, h * gw).Clear();
            for (int j = 0; j < h; j++) Buffer.MemoryCopy(g + j * w, gp + j * gw, w * 4L, w * 4L);
            new Span<float>(xp, (h + 2) * pw).Clear();
            for (int j = 0; j < h; j++) Buffer.MemoryCopy(x + (long)j * w, xp + (j + 1) * pw + 1, w * 4L, w * 4L);
            Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default, a6 = default, a7 = default, a8 = default;
            for (int j = 0; j < h; j++)
            {
                float* r0 = xp + j * pw, r1 = r0 + pw, r2 = r1 + pw, gr = gp + j * gw;
                for (int i = 0; i < gw; i += 16)
                {
                    var d = Vector512.Load(gr + i);
                    a0 = Vector512.FusedMultiplyAdd(d, Vector512.Load(r0 + i), a0);
                    a1 = Vector512.FusedMultiplyAdd(d, Vector512.Load(r0 + i + 1), a1);
                    a2 = Vector512.FusedMultiplyAdd(d, Vector512.Load(r0 + i + 2), a2);
                    a3 = Vector512.FusedMultiplyAdd(d, Vector512.Load(r1 + i), a3);
                    a4 = Vector512.FusedMultiplyAdd(d, Vector512.Load(r1 + i + 1), a4);
                    a5 = Vector512.FusedMultiplyAdd(d, Vector512.Load(r1 + i + 2), a5);
                    a6 = Vector512.FusedMultiplyAdd(d, Vector512.Load(r2 + i), a6);
                    a7 = Vector512.FusedMultiplyAdd(d, Vector512.Load(r2 + i + 1), a7);
                    a8 = Vector512.FusedMultiplyAdd(d, Vector512.Load(r2 + i + 2), a8);
                }
            }
            acc[0] += Vector512.Sum(a0); acc[1] += Vector512.Sum(a1); acc[2] += Vector512.Sum(a2);
            acc[3] += Vector512.Sum(a3); acc[4] += Vector512.Sum(a4); acc[5] += Vector512.Sum(a5);
            acc[6] += Vector512.Sum(a6); acc[7] += Vector512.Sum(a7); acc[8] += Vector512.Sum(a8);
        }
    }

    /// <summary>
    /// One channel plane: dx = Σ_taps w[ky,kx] dy shifted back (overwrites dx), and
    /// acc[ky,kx] += Σ dy[oy,ox] x[oy s - p + ky, ox s - p + kx].
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void DepthwisePlaneBackward(float* x, float* dx, int h, int w, float* dy, int oh, int ow, float* wk, int k, int stride, int pad, Span<double> acc)
    {
        new Span<float>(dx, h * w).Clear();
        for (int ky = 0; ky < k; ky++)
        for (int kx = 0; kx < k; kx++)
        {
            int oxLo = Math.Max(0, Im2Col.CeilDiv(pad - kx, stride)), oxHi = Math.Min(ow, Im2Col.CeilDiv(w + pad - kx, stride));
            if (oxLo >= oxHi) continue;
            float wv = wk[ky * k + kx];
            double sum = 0;
            for (int oy = 0; oy < oh; oy++)
            {
                int iy = oy * stride - pad + ky;
                if (iy < 0 || iy >= h) continue;
                float* xr = x + (long)iy * w - pad + kx;
                float* dxr = dx + (long)iy * w - pad + kx;
                float* dyr = dy + oy * ow;
                if (stride == 1)
                {
                    var dys = new ReadOnlySpan<float>(dyr + oxLo, oxHi - oxLo);
                    sum += TensorPrimitives.Dot(dys, new ReadOnlySpan<float>(xr + oxLo, oxHi - oxLo));
                    var dxs = new Span<float>(dxr + oxLo, oxHi - oxLo);
                    TensorPrimitives.MultiplyAdd(dys, wv, dxs, dxs);
                }
                else
                {
                    float s = 0;
                    for (int ox = oxLo; ox < oxHi; ox++)
                    {
                        s += dyr[ox] * xr[ox * stride];
                        dxr[ox * stride] += wv * dyr[ox];
                    }
                    sum += s;
                }
            }
            acc[ky * k + kx] += sum;
        }
    }
}
