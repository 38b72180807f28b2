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
    /// <summary>Per-layer scratch of the backward pass (per-thread weight-gradient partials, packed W^T), kept by the tape across steps.</summary>
    internal sealed class Scratch { public float[][] Partials = []; public float[] PackedWT = []; }

    /// <summary>
    /// Accumulates the parameter gradients of <paramref name="conv"/> for input <paramref name="x"/> and dL/d(output)
    /// <paramref name="dy"/>, writes dx into <paramref name="dx"/> (x's shape) and returns it (null when
    /// <paramref name="inputGradient"/> is false and dx was skipped).
    /// </summary>
    public static Tensor? Backward(Conv2d conv, Tensor x, Tensor dy, Tensor dx, Scratch state, bool inputGradient = true)
    {
        var g = conv.Geometry;
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
            // Channel ranges per task, images outer and channels inner: consecutive planes are adjacent in memory
            // (small maps are only 16-64 floats each), and every channel still sums its images in order.
            int tasks = Math.Min(c, compute.MaxDegreeOfParallelism == 1 ? 1 : 4 * compute.MaxDegreeOfParallelism);
            compute.For(tasks, t =>
            {
                int c0 = (int)((long)c * t / tasks), c1 = (int)((long)c * (t + 1) / tasks), kk2 = k * k;
                var accAll = t_acc;
                if (accAll == null || accAll.Length < (c1 - c0) * kk2) t_acc = accAll = new double[(c1 - c0) * kk2];
                var accs = accAll.AsSpan(0, (c1 - c0) * kk2);
                accs.Clear();
                fixed (float* px = x.Data, pdy = dy.Data, pdx = dx.Data, pw = wt)
                    for (int b = 0; b < n; b++)
                        for (int ch = c0; ch < c1; ch++)
                        {
                            long pi = (long)(b * c + ch);
                            var acc = accs.Slice((ch - c0) * kk2, kk2);
                            if (fast) Depthwise3x3PlaneBackward(px + pi * inPlane, pdx + pi * inPlane, h, w, pdy + pi * outPlane, oh, ow, pw + ch * 9, g.Stride, acc);
                            else DepthwisePlaneBackward(px + pi * inPlane, pdx + pi * inPlane, h, w, pdy + pi * outPlane, oh, ow,
                                pw + ch * kk2, k, g.Stride, g.Padding, acc);
                        }
                for (int i = 0; i < accs.Length; i++) gw[c0 * kk2 + i] += (float)accs[i];
            });
            return dx;
        }

        int threads = Math.Min(compute.MaxDegreeOfParallelism, n);
        if (state.Partials.Length != threads || state.Partials[0].Length != gw.Length)
            state.Partials = Enumerable.Range(0, threads).Select(_ => new float[gw.Length]).ToArray();
        var gemmCompute = threads > 1 ? null : compute;
        int kk = g.InPerGroup * g.Kernel * g.Kernel, perGroup = Sgemm.PackedLength(kk, g.OutPerGroup);
        // W_g^T (kk x out/groups) packed once for all images.
        if (state.PackedWT.Length < perGroup * g.Groups) state.PackedWT = new float[perGroup * g.Groups];
        if (inputGradient)
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
                        if (!inputGradient) return;
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
                        if (inputGradient) Sgemm.MultiplyPacked(pwt, false, g.InChannels, inPlane, g.OutChannels, dyb, outPlane, dxb, inPlane, false, null, FusedActivation.None, gemmCompute);
                        Sgemm.Multiply(false, true, g.OutChannels, g.InChannels, inPlane, dyb, outPlane, xb, inPlane, pp, g.InChannels, true, null, FusedActivation.None, gemmCompute);
                        continue;
                    }
                    var col = Convolution.ThreadScratch(2 * kk * outPlane);
                    fixed (float* pc = col)
                    {
                        float* dcol = pc + (long)kk * outPlane;
                        if (inputGradient) new Span<float>(dxb, g.InChannels * inPlane).Clear();
                        for (int gr = 0; gr < g.Groups; gr++)
                        {
                            float* xg = xb + (long)gr * g.InPerGroup * inPlane, dxg = dxb + (long)gr * g.InPerGroup * inPlane;
                            float* dyg = dyb + (long)gr * g.OutPerGroup * outPlane;
                            Im2Col.Unfold(xg, g.InPerGroup, h, w, g.Kernel, g.Stride, g.Padding, oh, ow, pc);
                            Sgemm.Multiply(false, true, g.OutPerGroup, kk, outPlane, dyg, outPlane, pc, outPlane, pp + (long)gr * g.OutPerGroup * kk, kk, true, null, FusedActivation.None, gemmCompute);
                            if (!inputGradient) continue;
                            Sgemm.MultiplyPacked(pwt + (long)gr * perGroup, false, kk, outPlane, g.OutPerGroup, dyg, outPlane, dcol, outPlane, false, null, FusedActivation.None, gemmCompute);
                            Fold(dcol, g.InPerGroup, h, w, g.Kernel, g.Stride, g.Padding, oh, ow, dxg);
                        }
                    }
                }
            }
        });
        // Partials added in chunk order for every element (ranges of the weight split over threads).
        compute.ForRange(gw.Length, (a, len) =>
        {
            for (int t = 0; t < threads; t++) TensorPrimitives.Add(gw.AsSpan(a, len), state.Partials[t].AsSpan(a, len), gw.AsSpan(a, len));
        });
        return inputGradient ? dx : null;
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
    [ThreadStatic] private static double[]? t_acc;

    /// <summary>
    /// 3x3, padding 1, stride 1 or 2 (Vector512), on flattened planes with rows of P = w + 2 floats whose
    /// last two entries are zero, so the column before a row's first pixel is the zero tail of the row above
    /// and every tap is a constant offset of the flat index. g = dy placed on the input grid (stride 2: at
    /// even positions, zeros elsewhere) and x are laid out so; then for p over the h·P flat positions
    /// dx[p] = Σ w[ky,kx] g[p + (1-ky)P + 1-kx] and acc[ky,kx] += Σ g[p] x[p + (ky-1)P + kx-1],
    /// each a run of unaligned vector loads and FMAs (no per-row overhead, so 4x4 and 8x8 maps are cheap).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Depthwise3x3PlaneBackward(float* x, float* dx, int h, int w, float* dy, int oh, int ow, float* wk, int stride, Span<double> acc)
    {
        int p = w + 2, len = (h * p + 15) & ~15, margin = (p + 1 + 15) & ~15;
        int region = margin + len + margin + 16; // zero margins cover the rows above and below and the last vector's overrun
        var scratch = t_scratch;
        if (scratch == null || scratch.Length < 3 * region) t_scratch = scratch = new float[3 * region];
        fixed (float* s = scratch)
        {
            float* g = s + margin, xp = s + region + margin, d = s + 2 * region;
            if (stride == 1)
            {
                ClearBorders(g, margin, region, h, p, w);
                CopyRows(dy, w, g, p, h, w);
            }
            else
            {
                new Span<float>(s, region).Clear();
                for (int oy = 0; oy < oh; oy++)
                    for (int ox = 0; ox < ow; ox++) g[2 * oy * p + 2 * ox] = dy[oy * ow + ox];
            }
            ClearBorders(xp, margin, region, h, p, w);
            CopyRows(x, w, xp, p, h, w);

            var w0 = Vector512.Create(wk[0]); var w1 = Vector512.Create(wk[1]); var w2 = Vector512.Create(wk[2]);
            var w3 = Vector512.Create(wk[3]); var w4 = Vector512.Create(wk[4]); var w5 = Vector512.Create(wk[5]);
            var w6 = Vector512.Create(wk[6]); var w7 = Vector512.Create(wk[7]); var w8 = Vector512.Create(wk[8]);
            Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default, a6 = default, a7 = default, a8 = default;
            for (int i = 0; i < len; i += 16)
            {
                float* gu = g + i - p, gm = g + i, gd = g + i + p; // rows above / same / below
                var v = Vector512.Load(gu + 1) * w6;
                v = Vector512.FusedMultiplyAdd(Vector512.Load(gu), w7, v);
                v = Vector512.FusedMultiplyAdd(Vector512.Load(gu - 1), w8, v);
                v = Vector512.FusedMultiplyAdd(Vector512.Load(gm + 1), w3, v);
                v = Vector512.FusedMultiplyAdd(Vector512.Load(gm), w4, v);
                v = Vector512.FusedMultiplyAdd(Vector512.Load(gm - 1), w5, v);
                v = Vector512.FusedMultiplyAdd(Vector512.Load(gd + 1), w0, v);
                v = Vector512.FusedMultiplyAdd(Vector512.Load(gd), w1, v);
                v = Vector512.FusedMultiplyAdd(Vector512.Load(gd - 1), w2, v);
                v.Store(d + i);

                var gv = Vector512.Load(gm);
                float* xu = xp + i - p - 1, xm = xp + i - 1, xd = xp + i + p - 1;
                a0 = Vector512.FusedMultiplyAdd(gv, Vector512.Load(xu), a0);
                a1 = Vector512.FusedMultiplyAdd(gv, Vector512.Load(xu + 1), a1);
                a2 = Vector512.FusedMultiplyAdd(gv, Vector512.Load(xu + 2), a2);
                a3 = Vector512.FusedMultiplyAdd(gv, Vector512.Load(xm), a3);
                a4 = Vector512.FusedMultiplyAdd(gv, Vector512.Load(xm + 1), a4);
                a5 = Vector512.FusedMultiplyAdd(gv, Vector512.Load(xm + 2), a5);
                a6 = Vector512.FusedMultiplyAdd(gv, Vector512.Load(xd), a6);
                a7 = Vector512.FusedMultiplyAdd(gv, Vector512.Load(xd + 1), a7);
                a8 = Vector512.FusedMultiplyAdd(gv, Vector512.Load(xd + 2), a8);
            }
            CopyRows(d, p, dx, w, h, w);
            acc[0] += Vector512.Sum(a0); acc[1] += Vector512.Sum(a1); acc[2] += Vector512.Sum(a2);
            acc[3] += Vector512.Sum(a3); acc[4] += Vector512.Sum(a4); acc[5] += Vector512.Sum(a5);
            acc[6] += Vector512.Sum(a6); acc[7] += Vector512.Sum(a7); acc[8] += Vector512.Sum(a8);
        }
    }

    /// <summary>
    /// Zeroes what the row copies of a flat plane (rows of <paramref name="p"/> = w + 2 floats starting at
    /// <paramref name="origin"/>, inside a buffer of <paramref name="region"/> floats beginning <paramref name="margin"/>
    /// before it) leave untouched: the margin above, the two pad columns of each row and everything after the last row.
    /// </summary>
    private static void ClearBorders(float* origin, int margin, int region, int h, int p, int w)
    {
        new Span<float>(origin - margin, margin).Clear();
        for (int j = 0; j < h; j++) { origin[j * p + w] = 0f; origin[j * p + w + 1] = 0f; }
        new Span<float>(origin + h * p, region - margin - h * p).Clear();
    }

    /// <summary>Copies <paramref name="rows"/> rows of <paramref name="w"/> floats between strides (vector moves for the 4/8/16-wide maps).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CopyRows(float* src, int srcStride, float* dst, int dstStride, int rows, int w)
    {
        switch (w)
        {
            case 4: for (int j = 0; j < rows; j++) Vector128.Load(src + j * srcStride).Store(dst + j * dstStride); break;
            case 8: for (int j = 0; j < rows; j++) Vector256.Load(src + j * srcStride).Store(dst + j * dstStride); break;
            case 16: for (int j = 0; j < rows; j++) Vector512.Load(src + j * srcStride).Store(dst + j * dstStride); break;
            default: for (int j = 0; j < rows; j++) Buffer.MemoryCopy(src + (long)j * srcStride, dst + (long)j * dstStride, w * 4L, w * 4L); break;
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
