using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;

namespace DenseFace.Neural.Kernels;

/// <summary>
/// A 1x1 convolution followed by a 3x3 stride-1 depthwise convolution (YuNet's blocks), computed in bands of
/// output rows so the 1x1 result never leaves the cache: for each band, the 1x1 (<see cref="PointwiseConv"/>)
/// fills the band's rows plus one halo row above and below for every channel into a small scratch (the two halo
/// rows shared with the previous band are copied, not recomputed), then the depthwise row kernel
/// (<see cref="DepthwiseConv.Stride1RowRange"/>) writes the band of the output. On large maps (YuNet at 640: 16
/// channels at 320 x 320, 64 at 160 x 160, several MB per tensor) the separate layers wrote and re-read the whole
/// intermediate tensor through memory. Every value is computed by the same operations as the two separate layers,
/// so the results are bit-identical to them. Vector512 only (the row kernel); callers fall back to the two layers.
/// </summary>
internal static unsafe class PointwiseDepthwise
{
    /// <summary>Switch for same-process A/B timing against the two separate layers (benchmarks only).</summary>
    internal static bool Enabled = true;

    /// <summary>Floats of the per-band scratch (channels x (band rows + 2) x width) aimed for: about 256 KB, well inside L2.</summary>
    internal static int ScratchFloats = 64 * 1024;

    [ThreadStatic] private static float[]? t_band;

    /// <summary>True when <see cref="Forward"/> handles the pair (1x1 <paramref name="pw"/> feeding depthwise <paramref name="dw"/>).</summary>
    internal static bool Applies(ConvGeometry pw, ConvGeometry dw, int w)
        => Enabled && pw.IsPointwise && pw.InChannels <= PointwiseConv.MaxK && dw.IsDepthwise && dw.InChannels == pw.OutChannels
           && DepthwiseConv.IsStride1Rows(dw.Kernel, dw.Stride, dw.Padding, w) && Avx512F.IsSupported;

    /// <summary>Rows per band for <paramref name="channels"/> planes <paramref name="w"/> wide (at least 2).</summary>
    internal static int BandRows(int channels, int w, int h) => Math.Clamp(ScratchFloats / Math.Max(1, channels * w) - 2, 2, Math.Max(2, h));

    /// <summary>
    /// One image: t = act1(W1 x + bias1) (<paramref name="packed1"/> from <see cref="Sgemm.PackMatrixA"/>, m x k), then
    /// y = act2(depthwise3x3(t, <paramref name="wdw"/>) + bias2) per channel; x is [k, h, w], y [m, h, w].
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Forward(float* x, int k, int h, int w, float* packed1, int m, float* bias1, FusedActivation act1,
        float* wdw, float* bias2, FusedActivation act2, float* y)
    {
        int band = BandRows(m, w, h), bandLen = (band + 2) * w;
        long plane = (long)h * w;
        var scratch = t_band;
        if (scratch == null || scratch.Length < m * bandLen) t_band = scratch = new float[m * bandLen];
        fixed (float* t = scratch)
        {
            // Scratch row r of a channel holds image row r0 - 1 + r.
            for (int r0 = 0; r0 < h; r0 += band)
            {
                int rows = Math.Min(band, h - r0);
                int first; // first image row still to compute
                if (r0 == 0) first = 0;
                else
                {
                    for (int c = 0; c < m; c++)
                        Buffer.MemoryCopy(t + (long)c * bandLen + band * w, t + (long)c * bandLen, 2L * w * sizeof(float), 2L * w * sizeof(float));
                    first = r0 + 1;
                }
                int end = Math.Min(h, r0 + rows + 1);
                if (end > first)
                    PointwiseConv.Multiply(packed1, m, k, x + (long)first * w, (int)plane, (end - first) * w,
                        t + (long)(first - r0 + 1) * w, bandLen, false, bias1, act1);
                for (int c = 0; c < m; c++)
                    DepthwiseConv.Stride1RowRange(t + (long)c * bandLen + w, rows, w, r0 > 0, r0 + rows < h, wdw + c * 9,
                        bias2 == null ? 0f : bias2[c], act2, y + c * plane + (long)r0 * w);
            }
        }
    }
}
