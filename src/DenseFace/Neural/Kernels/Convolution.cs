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
internal static unsafe class Convolution
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
        int n = x.N, threads = compute.MaxDegreeOfParallelism;
        fixed (float* px = x.Data, py = y.Data, pw = weight, pb = bias, pr = residual == null ? null : residual.Data, ppk = packedWeights)
        {
            var job = new Job
            {
                X = (nint)px, Y = (nint)py, W = (nint)pw, B = bias == null ? 0 : (nint)pb, R = (nint)pr, Packed = (nint)ppk,
                G = g, H = x.H, Wd = x.W, OH = y.H, OW = y.W, N = n, Act = act,
                DwAct = residual == null ? act : FusedActivation.None,
            };
            if (g.IsDepthwise)
            {
                job.Stride2 = DepthwiseConv.IsSmallPlaneStride2(g.Kernel, g.Stride, g.Padding, x.H, x.W);
                if (job.Stride2 || DepthwiseConv.IsSmallPlane(g.Kernel, g.Stride, g.Padding, x.H, x.W)) Run(compute, n, job, Step.SmallDepthwise);
                else Run(compute, n * g.InChannels, job, Step.DepthwisePlane);
                return;
            }
            if (g.IsPointwise && n > 1 && y.H * y.W < SmallPlane)
            {
                // Small feature maps: gather a chunk of images into one [C x images*H*W] matrix so the product
                // streams the weights once per chunk instead of once per image.
                job.Chunks = Math.Min(threads, n);
                Run(compute, job.Chunks, job, Step.GatheredChunk);
                return;
            }
            bool perImageParallel = threads > 1 && n >= threads;
            job.GemmCompute = perImageParallel ? null : compute;
            if (perImageParallel) Run(compute, n, job, Step.Image);
            else for (int i = 0; i < n; i++) job.Image(i);
        }
    }

    private enum Step { SmallDepthwise, DepthwisePlane, GatheredChunk, Image }

    /// <summary>Runs <paramref name="count"/> pieces of <paramref name="job"/> on the calling thread (no allocation) or in parallel.</summary>
    private static void Run(ComputeContext compute, int count, in Job job, Step step)
    {
        if (compute.MaxDegreeOfParallelism == 1 || count <= 1)
        {
            for (int i = 0; i < count; i++) job.Execute(step, i);
            return;
        }
        RunParallel(compute, count, job, step);
    }

    private static void RunParallel(ComputeContext compute, int count, Job job, Step step) => compute.For(count, i => job.Execute(step, i));

    /// <summary>One forward convolution call: pinned operands (as addresses) and shapes, split into independent pieces.</summary>
    private struct Job
    {
        public nint X, Y, W, B, R, Packed;
        public ConvGeometry G;
        public int H, Wd, OH, OW, N, Chunks;
        public FusedActivation Act, DwAct;
        public bool Stride2;
        public ComputeContext? GemmCompute;

        public readonly void Execute(Step step, int i)
        {
            switch (step)
            {
                case Step.SmallDepthwise: SmallDepthwise(i); break;
                case Step.DepthwisePlane: DepthwisePlane(i); break;
                case Step.GatheredChunk: GatheredChunk(i); break;
                default: Image(i); break;
            }
        }

        /// <summary>All channel planes of image <paramref name="b"/> through the register-resident small-plane kernels.</summary>
        private readonly void SmallDepthwise(int b)
        {
            int c = G.InChannels, inPlane = H * Wd, outPlane = OH * OW;
            float* yp = (float*)Y + (long)b * c * outPlane;
            if (Stride2) DepthwiseConv.SmallPlanes3x3Stride2((float*)X + (long)b * c * inPlane, c, H, Wd, (float*)W, (float*)B, DwAct, yp);
            else DepthwiseConv.SmallPlanes3x3((float*)X + (long)b * c * inPlane, c, H, Wd, (float*)W, (float*)B, DwAct, yp);
            if (R != 0) AddResidual(yp, (float*)R + (long)b * c * outPlane, c * outPlane);
        }

        /// <summary>Plane <paramref name="t"/> (image t / C, channel t % C).</summary>
        private readonly void DepthwisePlane(int t)
        {
            int ch = t % G.InChannels, inPlane = H * Wd, outPlane = OH * OW, kk = G.Kernel * G.Kernel;
            float* yp = (float*)Y + (long)t * outPlane;
            DepthwiseConv.Plane((float*)X + (long)t * inPlane, H, Wd, (float*)W + ch * kk, G.Kernel,
                G.Stride, G.Padding, B == 0 ? 0f : ((float*)B)[ch], DwAct, yp, OH, OW);
            if (R != 0) AddResidual(yp, (float*)R + (long)t * outPlane, outPlane);
        }

        private readonly void AddResidual(float* yp, float* rp, int count)
        {
            for (int i = 0; i < count; i++) yp[i] = Sgemm.Activate(yp[i] + rp[i], Act);
        }

        /// <summary>Images of chunk <paramref name="t"/> gathered into one pointwise product.</summary>
        private readonly void GatheredChunk(int t)
        {
            int outPlane = OH * OW;
            int b0 = (int)((long)N * t / Chunks), b1 = (int)((long)N * (t + 1) / Chunks), cols = (b1 - b0) * outPlane;
            var scratch = ThreadScratch((G.InChannels + G.OutChannels) * cols);
            fixed (float* ps = scratch)
            {
                float* xg = ps, yg = ps + (long)G.InChannels * cols;
                Gather((float*)X, b0, b1, G.InChannels, outPlane, xg);
                if (R != 0) Gather((float*)R, b0, b1, G.OutChannels, outPlane, yg);
                Sgemm.MultiplyPacked((float*)Packed, false, G.OutChannels, cols, G.InChannels, xg, cols, yg, cols, R != 0, (float*)B, Act, null);
                Scatter(yg, b0, b1, G.OutChannels, outPlane, (float*)Y);
            }
        }

        /// <summary>Image <paramref name="i"/>: pointwise product, fused stride-2 stem, or im2col + product per group.</summary>
        public readonly void Image(int i)
        {
            int inPlane = H * Wd, outPlane = OH * OW;
            float* xi = (float*)X + (long)i * G.InChannels * inPlane;
            float* yi = (float*)Y + (long)i * G.OutChannels * outPlane;
            if (R != 0) Buffer.MemoryCopy((float*)R + (long)i * G.OutChannels * outPlane, yi, G.OutChannels * outPlane * 4L, G.OutChannels * outPlane * 4L);
            if (G.IsPointwise)
            {
                if (PointwiseConv.Applies(G.InChannels, outPlane) && (GemmCompute == null || GemmCompute.MaxDegreeOfParallelism == 1))
                {
                    PointwiseConv.Multiply((float*)Packed, G.OutChannels, G.InChannels, xi, outPlane, outPlane, yi, outPlane, R != 0, (float*)B, Act);
                    return;
                }
                Sgemm.MultiplyPacked((float*)Packed, false, G.OutChannels, outPlane, G.InChannels, xi, outPlane,
                    yi, outPlane, R != 0, (float*)B, Act, GemmCompute);
                return;
            }
            if (IsStride2Conv3x3(G, Wd))
            {
                Stride2Conv3x3(xi, G, H, Wd, (float*)Packed, (float*)B, Act, yi, R != 0);
                return;
            }
            int kk = G.InPerGroup * G.Kernel * G.Kernel, perGroup = Sgemm.PackedLength(G.OutPerGroup, kk);
            var col = ThreadScratch(kk * outPlane);
            fixed (float* pc = col)
            {
                for (int gr = 0; gr < G.Groups; gr++)
                {
                    Im2Col.Unfold(xi + (long)gr * G.InPerGroup * inPlane, G.InPerGroup, H, Wd, G.Kernel, G.Stride, G.Padding, OH, OW, pc);
                    Sgemm.MultiplyPacked((float*)Packed + (long)gr * perGroup, false, G.OutPerGroup, outPlane, kk,
                        pc, outPlane, yi + (long)gr * G.OutPerGroup * outPlane, outPlane, R != 0,
                        B == 0 ? null : (float*)B + gr * G.OutPerGroup, Act, GemmCompute);
                }
            }
        }
    }
}
