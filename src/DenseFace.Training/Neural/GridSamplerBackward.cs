using DenseFace.Neural;

namespace DenseFace.Training.Neural;

/// <summary>
/// Backward pass of <see cref="AffineGridSampler"/>: gradients of the sampled output w.r.t. the input
/// image (bilinear weights scattered back, per image in a fixed order) and w.r.t. theta (chain rule through
/// the bilinear interpolation and the affine grid, dix/dgx = W / 2, dgx/dtheta = [xs, ys, 1]).
/// </summary>
public static class GridSamplerBackward
{
    /// <summary>
    /// Given dL/d(output) <paramref name="gradOutput"/>, writes dL/d(input) into <paramref name="gradInput"/>
    /// (overwritten, same shape as input) and dL/d(theta) into <paramref name="gradTheta"/> (N x 6, overwritten).
    /// </summary>
    public static void Backward(Tensor input, ReadOnlySpan<float> theta, Tensor gradOutput, Tensor gradInput, Span<float> gradTheta, ComputeContext? compute = null)
    {
        AffineGridSampler.Check(input, theta, gradOutput);
        if (!gradInput.HasShape(input.Shape)) throw new ArgumentException("gradInput must have the input's shape", nameof(gradInput));
        if (gradTheta.Length != theta.Length) throw new ArgumentException("gradTheta must have theta's length", nameof(gradTheta));
        var th = theta.ToArray();
        var gt = new double[th.Length];
        int n = input.N, c = input.C, h = input.H, w = input.W, oh = gradOutput.H, ow = gradOutput.W;
        var xd = input.Data; var gy = gradOutput.Data; var gx = gradInput.Data;
        Array.Clear(gx, 0, gradInput.Length);
        (compute ?? ComputeContext.Serial).For(n, b =>
        {
            double t0 = 0, t1 = 0, t2 = 0, t3 = 0, t4 = 0, t5 = 0;
            for (int oy = 0; oy < oh; oy++)
            for (int ox = 0; ox < ow; ox++)
            {
                var s = AffineGridSampler.Locate(th, b, ox, oy, ow, oh, w, h);
                float ax = s.Ix - s.X0, ay = s.Iy - s.Y0;
                double dix = 0, diy = 0;
                for (int ch = 0; ch < c; ch++)
                {
                    int plane = (b * c + ch) * h * w;
                    float g = gy[((b * c + ch) * oh + oy) * ow + ox];
                    if (g == 0f) continue;
                    float v00 = AffineGridSampler.At(xd, plane, s.X0, s.Y0, w, h), v01 = AffineGridSampler.At(xd, plane, s.X0 + 1, s.Y0, w, h);
                    float v10 = AffineGridSampler.At(xd, plane, s.X0, s.Y0 + 1, w, h), v11 = AffineGridSampler.At(xd, plane, s.X0 + 1, s.Y0 + 1, w, h);
                    dix += g * ((v01 - v00) * (1 - ay) + (v11 - v10) * ay);
                    diy += g * ((v10 - v00) * (1 - ax) + (v11 - v01) * ax);
                    Scatter(gx, plane, s.X0, s.Y0, w, h, g * s.W00);
                    Scatter(gx, plane, s.X0 + 1, s.Y0, w, h, g * s.W01);
                    Scatter(gx, plane, s.X0, s.Y0 + 1, w, h, g * s.W10);
                    Scatter(gx, plane, s.X0 + 1, s.Y0 + 1, w, h, g * s.W11);
                }
                double dgx = dix * w * 0.5, dgy = diy * h * 0.5;
                t0 += dgx * s.Xs; t1 += dgx * s.Ys; t2 += dgx;
                t3 += dgy * s.Xs; t4 += dgy * s.Ys; t5 += dgy;
            }
            gt[b * 6] = t0; gt[b * 6 + 1] = t1; gt[b * 6 + 2] = t2; gt[b * 6 + 3] = t3; gt[b * 6 + 4] = t4; gt[b * 6 + 5] = t5;
        });
        for (int i = 0; i < gt.Length; i++) gradTheta[i] = (float)gt[i];
    }

    private static void Scatter(float[] g, int plane, int ix, int iy, int w, int h, float v)
    {
        if ((uint)ix < (uint)w && (uint)iy < (uint)h) g[plane + iy * w + ix] += v;
    }
}
