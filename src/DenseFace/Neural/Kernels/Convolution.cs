using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace DenseFace.Neural.Kernels;

/// <summary>
/// Forward 2D convolution on an NCHW batch: 1x1 stride-1 convolutions are one matrix product per image
/// (Y = W X with X viewed as [C_in x H*W]); depthwise convolutions use the direct kernel per channel
/// plane; everything else (the 3x3 stem, grouped and strided convolutions) unfolds patches with
/// <see cref="Im2Col"/> and multiplies per group. Bias, residual and activation are fused:
/// y = act(conv(x) + bias + residual).
/// </summary>
public static unsafe class Convolution
{
    [ThreadStatic] private static float[]? t_col;
    [ThreadStatic] private static float[]? t_packedWeights;

    /// <summary>
    /// Packs the weights of a non-depthwise convolution for the matrix products, group after group
    /// (each [out/groups x in/groups*k*k] packed by <see cref="Sgemm.PackMatrixA"/>). Reuses <paramref name="dst"/> when large enough.
    /// </summary>
    public static float[] PackWeights(ConvGeometry g, float[] weight, float[]? dst = null)
    {
        int kk = g.InPerGroup * g.Kernel * g.Kernel, per = Sgemm.PackedLength(g.OutPerGroup, kk);
        if (dst == null || dst.Length < per * g.Groups) dst = new float[per * g.Groups];
        fixed (float* pw = weight, pd = dst)
            for (int gr = 0; gr < g.Groups; gr++)
                Sgemm.PackMatrixA(false, g.OutPerGroup, kk, pw + (long)gr * g.OutPerGroup * kk, kk, pd + (long)gr * per);
        return dst;
    }

    /// <summary>Feature maps with fewer pixels than this are batched across images in 1x1 convolutions.</summary>
    internal const int SmallPlane = 256;

    /// <summary>Copies images [b0, b1) of an NCHW tensor into a [C x (b1 - b0) * plane] matrix.</summary>
    internal static void Gather(float* x, int b0, int b1, int channels, int plane, float* dst)
    {
        long cols = (long)(b1 - b0) * plane;
        for (int b = b0; b < b1; b++)
            for (int c = 0; c < channels; c++)
                Buffer.MemoryCopy(x + ((long)b * channels + c) * plane, dst + c * cols + (long)(b - b0) * plane, plane * 4L, plane * 4L);
    }

    /// <summary>Inverse of <see cref="Gather"/>.</summary>
    internal static void Scatter(float* src, int b0, int b1, int channels, int plane, float* x)
    {
        long cols = (long)(b1 - b0) * plane;
        for (int b = b0; b < b1; b++)
            for (int c = 0; c < channels; c++)
                Buffer.MemoryCopy(src + c * cols + (long)(b - b0) * plane, x + ((long)b * channels + c) * plane, plane * 4L, plane * 4L);
    }

    /// <summary>Scratch buffer of at least <paramref name="length"/> floats for the calling thread.</summary>
    internal static float[] ThreadScratch(int length)
    {
        var col = t_col;
        if (col == null || col.Length < length) t_col = col = new float[Math.Max(length, (col?.Length ?? 0) * 3 / 2)];
        return col;
    }

    /// <summary>True when <see cref="Stride2Conv3x3"/> handles the convolution (the MobileNetV2 stem): ungrouped 3x3, stride 2, padding 1, at most 28 input channels, width a multiple of 32, Vector512.</summary>
    private static bool IsStride2Conv3x3(ConvGeometry g, int w)
        => g.Groups == 1 && g.Kernel == 3 && g.Stride == 2 && g.Padding == 1 && g.InChannels * 9 <= Sgemm.KC && w % 32 == 0
           && Simd.Level == SimdLevel.Vector512 && Avx512F.IsSupported;

    /// <summary>
    /// 3x3 stride-2 convolution with im2col fused into the matrix product's B packing: for each output row,
    /// the taps of every input channel are deinterleaved from the input rows (vpermt2ps) straight into
    /// k x 32 column panels that stay in L1, and the packed weights multiply each panel with the bias,
    /// residual (already in <paramref name="y"/> when <paramref name="accumulate"/>) and activation in the
    /// epilogue. Same products and k order as im2col + SGEMM.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Stride2Conv3x3(float* x, ConvGeometry g, int h, int w, float* packed, float* bias, FusedActivation act, float* y, bool accumulate)
    {
        int cin = g.InChannels, kk = cin * 9, oh = g.OutSize(h), ow = w / 2, panels = (ow + Sgemm.NR - 1) / Sgemm.NR;
        var scratch = ThreadScratch(panels * kk * Sgemm.NR);
        var even = Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
        var odd = Vector512.Create(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
        var shifted = Vector512.Create(0, 1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29);
        var notLane0 = Vector512.Create(0, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1).AsSingle();
        fixed (float* pb = scratch)
        {
            new Span<float>(pb, panels * kk * Sgemm.NR).Clear(); // columns past ow stay zero
            for (int oy = 0; oy < oh; oy++)
            {
                for (int ci = 0; ci < cin; ci++)
                    for (int ky = 0; ky < 3; ky++)
                    {
                        int r = 2 * oy - 1 + ky, p = (ci * 3 + ky) * 3;
                        float* row = x + ((long)ci * h + r) * w;
                        for (int j = 0; j < ow; j += 16)
                        {
                            float* d = pb + (long)(j / Sgemm.NR) * kk * Sgemm.NR + p * Sgemm.NR + j % Sgemm.NR;
                            if (r < 0 || r >= h)
                            {
                                Vector512<float>.Zero.Store(d);
                                Vector512<float>.Zero.Store(d + Sgemm.NR);
                                Vector512<float>.Zero.Store(d + 2 * Sgemm.NR);
                                continue;
                            }
                            var lo = Vector512.Load(row + 2 * j);
                            var hi = Vector512.Load(row + 2 * j + 16);
                            float prev = j > 0 ? row[2 * j - 1] : 0f;
                            Vector512.ConditionalSelect(notLane0,
                                Avx512F.PermuteVar16x32x2(lo, shifted, hi), Vector512.Create(prev)).Store(d);
                            Avx512F.PermuteVar16x32x2(lo, even, hi).Store(d + Sgemm.NR);
                            Avx512F.PermuteVar16x32x2(lo, odd, hi).Store(d + 2 * Sgemm.NR);
                        }
                    }
                for (int s = 0; s < panels; s++)
                {
                    int j0 = s * Sgemm.NR;
                    float* c = y + (long)oy * ow + j0;
                    Sgemm.MultiplyPanel(packed, g.OutChannels, kk, pb + (long)s * kk * Sgemm.NR, Math.Min(Sgemm.NR, ow - j0), c, oh * ow, accumulate, bias, act);
                }
            }
        }
    }

    /// <summary>
    /// y[n] = act(conv(x[n], weight) + bias + residual[n]). <paramref name="weight"/> is
    /// [out, in/groups, k, k]; <paramref name="bias"/> may be empty; <paramref name="residual"/> (same shape as
    /// y) may be null. <paramref name="y"/> must already have shape [N, out, outH, outW].
    /// </summary>
    public static void Forward(Tensor x, ConvGeometry g, float[] weight, float[]? bias, FusedActivation act,
        Tensor y, Tensor? residual, ComputeContext compute, float[]? packedWeights = null)
    {
        if (!g.IsDepthwise && packedWeights == null) packedWeights = t_packedWeights = PackWeights(g, weight, t_packedWeights);
        int n = x.N, h = x.H, w = x.W, oh = y.H, ow = y.W;
        int inPlane = h * w, outPlane = oh * ow;
        int threads = compute.MaxDegreeOfParallelism;
        var geo = g;
        fixed (float* px = x.Data, py = y.Data, pw = weight, pb = bias, pr = residual == null ? null : residual.Data, ppk = packedWeights)
        {
            nint ix = (nint)px, iy = (nint)py, iw = (nint)pw, ib = bias == null ? 0 : (nint)pb, ir = (nint)pr, ipk = (nint)ppk;
            if (g.IsDepthwise)
            {
                int c = g.InChannels;
                var dwAct = residual == null ? act : FusedActivation.None;
                bool stride2 = DepthwiseConv.IsSmallPlaneStride2(g.Kernel, g.Stride, g.Padding, h, w);
                if (stride2 || DepthwiseConv.IsSmallPlane(g.Kernel, g.Stride, g.Padding, h, w))
                {
                    compute.For(n, b =>
                    {
                        float* yp = (float*)iy + (long)b * c * outPlane;
                        if (stride2) DepthwiseConv.SmallPlanes3x3Stride2((float*)ix + (long)b * c * inPlane, c, h, w, (float*)iw, (float*)ib, dwAct, yp);
                        else DepthwiseConv.SmallPlanes3x3((float*)ix + (long)b * c * inPlane, c, h, w, (float*)iw, (float*)ib, dwAct, yp);
                        if (ir != 0)
                        {
                            float* rp = (float*)ir + (long)b * c * outPlane;
                            for (int i = 0; i < c * outPlane; i++) yp[i] = Sgemm.Activate(yp[i] + rp[i], act);
                        }
                    });
                    return;
                }
                compute.For(n * c, t =>
                {
                    int ch = t % c;
                    float* yp = (float*)iy + (long)t * outPlane;
                    DepthwiseConv.Plane((float*)ix + (long)t * inPlane, h, w, (float*)iw + ch * geo.Kernel * geo.Kernel, geo.Kernel,
                        geo.Stride, geo.Padding, ib == 0 ? 0f : ((float*)ib)[ch], dwAct, yp, oh, ow);
                    if (ir != 0)
                    {
                        float* rp = (float*)ir + (long)t * outPlane;
                        for (int i = 0; i < outPlane; i++) yp[i] = Sgemm.Activate(yp[i] + rp[i], act);
                    }
                });
                return;
            }
            if (geo.IsPointwise && n > 1 && outPlane < SmallPlane)
            {
                // Small feature maps: gather a chunk of images into one [C x images*H*W] matrix so the product
                // streams the weights once per chunk instead of once per image.
                int chunks = Math.Min(threads, n);
                compute.For(chunks, t =>
                {
                    int b0 = (int)((long)n * t / chunks), b1 = (int)((long)n * (t + 1) / chunks), cols = (b1 - b0) * outPlane;
                    var scratch = ThreadScratch((geo.InChannels + geo.OutChannels) * cols);
                    fixed (float* ps = scratch)
                    {
                        float* xg = ps, yg = ps + (long)geo.InChannels * cols;
                        Gather((float*)ix, b0, b1, geo.InChannels, outPlane, xg);
                        if (ir != 0) Gather((float*)ir, b0, b1, geo.OutChannels, outPlane, yg);
                        Sgemm.MultiplyPacked((float*)ipk, false, geo.OutChannels, cols, geo.InChannels, xg, cols, yg, cols, ir != 0, (float*)ib, act, null);
                        Scatter(yg, b0, b1, geo.OutChannels, outPlane, (float*)iy);
                    }
                });
                return;
            }
            bool perImageParallel = threads > 1 && n >= threads;
            var gemmCompute = perImageParallel ? null : compute;
            int kk = g.InPerGroup * g.Kernel * g.Kernel, perGroup = Sgemm.PackedLength(g.OutPerGroup, kk);
            Action<int> image = i =>
            {
                float* xi = (float*)ix + (long)i * geo.InChannels * inPlane;
                float* yi = (float*)iy + (long)i * geo.OutChannels * outPlane;
                if (ir != 0) Buffer.MemoryCopy((float*)ir + (long)i * geo.OutChannels * outPlane, yi, geo.OutChannels * outPlane * 4L, geo.OutChannels * outPlane * 4L);
                if (geo.IsPointwise)
                {
                    Sgemm.MultiplyPacked((float*)ipk, false, geo.OutChannels, outPlane, geo.InChannels, xi, outPlane,
                        yi, outPlane, ir != 0, (float*)ib, act, gemmCompute);
                    return;
                }
                if (IsStride2Conv3x3(geo, w))
                {
                    Stride2Conv3x3(xi, geo, h, w, (float*)ipk, (float*)ib, act, yi, ir != 0);
                    return;
                }
                var col = ThreadScratch(kk * outPlane);
                fixed (float* pc = col)
                {
                    for (int gr = 0; gr < geo.Groups; gr++)
                    {
                        Im2Col.Unfold(xi + (long)gr * geo.InPerGroup * inPlane, geo.InPerGroup, h, w, geo.Kernel, geo.Stride, geo.Padding, oh, ow, pc);
                        Sgemm.MultiplyPacked((float*)ipk + (long)gr * perGroup, false, geo.OutPerGroup, outPlane, kk,
                            pc, outPlane, yi + (long)gr * geo.OutPerGroup * outPlane, outPlane, ir != 0,
                            ib == 0 ? null : (float*)ib + gr * geo.OutPerGroup, act, gemmCompute);
                    }
                }
            };
            if (perImageParallel) compute.For(n, image);
            else for (int i = 0; i < n; i++) image(i);
        }
    }
}
