using System.Runtime.CompilerServices;
namespace DenseFace.Neural.Kernels;

/// <summary>
/// Unfolds image patches into a matrix so a convolution becomes a matrix product: for channels
/// [c0, c0 + channels) of one CHW image, row <c>(c * k + ky) * k + kx</c> and column <c>oy * outW + ox</c> of
/// the result hold x[c, oy * stride - pad + ky, ox * stride - pad + kx] (0 outside the image).
/// </summary>
internal static unsafe class Im2Col
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Unfold(float* x, int channels, int h, int w, int k, int stride, int pad, int outH, int outW, float* col)
    {
        int plane = outH * outW;
        for (int c = 0; c < channels; c++)
        {
            float* xc = x + (long)c * h * w;
            for (int ky = 0; ky < k; ky++)
            for (int kx = 0; kx < k; kx++)
            {
                float* dst = col + (long)((c * k + ky) * k + kx) * plane;
                // Valid output columns: 0 <= ox * stride - pad + kx < w.
                int oxLo = Math.Max(0, CeilDiv(pad - kx, stride)), oxHi = Math.Min(outW, CeilDiv(w + pad - kx, stride));
                for (int oy = 0; oy < outH; oy++)
                {
                    float* d = dst + oy * outW;
                    int iy = oy * stride - pad + ky;
                    if (iy < 0 || iy >= h || oxLo >= oxHi) { new Span<float>(d, outW).Clear(); continue; }
                    for (int ox = 0; ox < oxLo; ox++) d[ox] = 0f;
                    float* src = xc + (long)iy * w - pad + kx;
                    if (stride == 1) Buffer.MemoryCopy(src + oxLo, d + oxLo, (oxHi - oxLo) * 4L, (oxHi - oxLo) * 4L);
                    else for (int ox = oxLo; ox < oxHi; ox++) d[ox] = src[ox * stride];
                    for (int ox = oxHi; ox < outW; ox++) d[ox] = 0f;
                }
            }
        }
    }

    /// <summary>ceil(a / b) for b > 0 and any sign of a.</summary>
    internal static int CeilDiv(int a, int b) => a >= 0 ? (a + b - 1) / b : -((-a) / b);
}
