namespace DenseFace.Neural;

/// <summary>
/// Spatial transformer sampling, equal to PyTorch's
/// <c>grid_sample(x, affine_grid(theta, [N, C, outH, outW], align_corners=False), mode="bilinear",
/// padding_mode="zeros", align_corners=False)</c>. Output pixel (ox, oy) has normalised coordinates
/// xs = (2 ox + 1) / outW - 1, ys = (2 oy + 1) / outH - 1; theta (2 x 3 per image, row-major) maps them to
/// normalised input coordinates (gx, gy) = theta [xs, ys, 1]^T, in which -1 and +1 are the outer edges
/// of the input image; the input is read at pixel position ((gx + 1) W - 1) / 2, ((gy + 1) H - 1) / 2
/// (pixel centres at integers) with bilinear interpolation, zero outside.
/// </summary>
internal static class AffineGridSampler
{
    /// <summary>Samples <paramref name="input"/> [N, C, H, W] into <paramref name="output"/> [N, C, outH, outW] with theta [N, 2, 3].</summary>
    public static void Forward(Tensor input, ReadOnlySpan<float> theta, Tensor output, ComputeContext? compute = null)
    {
        Check(input, theta, output);
        var th = theta.ToArray();
        int n = input.N, c = input.C, h = input.H, w = input.W, oh = output.H, ow = output.W;
        var xd = input.Data; var yd = output.Data;
        (compute ?? ComputeContext.Serial).For(n, b =>
        {
            for (int oy = 0; oy < oh; oy++)
            for (int ox = 0; ox < ow; ox++)
            {
                var s = Locate(th, b, ox, oy, ow, oh, w, h);
                for (int ch = 0; ch < c; ch++)
                {
                    int plane = (b * c + ch) * h * w;
                    yd[((b * c + ch) * oh + oy) * ow + ox] =
                        s.W00 * At(xd, plane, s.X0, s.Y0, w, h) + s.W01 * At(xd, plane, s.X0 + 1, s.Y0, w, h)
                        + s.W10 * At(xd, plane, s.X0, s.Y0 + 1, w, h) + s.W11 * At(xd, plane, s.X0 + 1, s.Y0 + 1, w, h);
                }
            }
        });
    }

    internal static void Check(Tensor input, ReadOnlySpan<float> theta, Tensor output)
    {
        if (input.Rank != 4 || output.Rank != 4 || input.N != output.N || input.C != output.C)
            throw new ArgumentException($"grid sampler shapes {input.ShapeString} -> {output.ShapeString} do not match");
        if (theta.Length != input.N * 6) throw new ArgumentException($"theta needs {input.N * 6} values (N x 2 x 3), got {theta.Length}");
    }

    /// <summary>Bilinear sample position of one output pixel: top-left corner, corner weights, and the continuous position.</summary>
    internal readonly record struct Sample(int X0, int Y0, float W00, float W01, float W10, float W11, float Ix, float Iy, float Xs, float Ys);

    internal static Sample Locate(float[] th, int b, int ox, int oy, int ow, int oh, int w, int h)
    {
        float xs = (2f * ox + 1f) / ow - 1f, ys = (2f * oy + 1f) / oh - 1f;
        int t = b * 6;
        float gx = th[t] * xs + th[t + 1] * ys + th[t + 2];
        float gy = th[t + 3] * xs + th[t + 4] * ys + th[t + 5];
        float ix = ((gx + 1f) * w - 1f) * 0.5f, iy = ((gy + 1f) * h - 1f) * 0.5f;
        // Clamp far-away coordinates so the integer conversion cannot overflow (they sample zeros anyway).
        ix = Math.Clamp(ix, -2f, w + 1f); iy = Math.Clamp(iy, -2f, h + 1f);
        if (float.IsNaN(ix)) ix = -2f;
        if (float.IsNaN(iy)) iy = -2f;
        float fx = MathF.Floor(ix), fy = MathF.Floor(iy);
        float ax = ix - fx, ay = iy - fy;
        return new Sample((int)fx, (int)fy, (1 - ax) * (1 - ay), ax * (1 - ay), (1 - ax) * ay, ax * ay, ix, iy, xs, ys);
    }

    internal static float At(float[] x, int plane, int ix, int iy, int w, int h)
        => (uint)ix < (uint)w && (uint)iy < (uint)h ? x[plane + iy * w + ix] : 0f;
}
