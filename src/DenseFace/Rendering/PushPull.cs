using System.Numerics;

namespace DenseFace.Rendering;

/// <summary>
/// Push-pull scattered-data interpolation (Gortler et al., "The Lumigraph", SIGGRAPH 1996): a pyramid of
/// weight-summed 2×2 reductions (weights capped at 1) is built down to one pixel, then pulled up bilinearly, and
/// each level keeps its own value in proportion to its weight: c ← w c + (1 − w) · upsampled coarser level. Holes
/// (weight 0) get a smooth interpolation of their surroundings; partially weighted pixels blend smoothly into it.
/// </summary>
internal static class PushPull
{
    /// <summary>Fills <paramref name="color"/> (row-major <paramref name="width"/> × <paramref name="height"/>, any linear quantity) with weights in [0, 1]; returns a new array.</summary>
    /// <exception cref="InvalidInputException">Sizes that are not positive, exceed the image caps, or do not match the arrays.</exception>
    public static Vector3[] Fill(ReadOnlySpan<Vector3> color, ReadOnlySpan<float> weight, int width, int height)
    {
        Imaging.Image8.Validate(width, height, 1, "push-pull size");
        if (color.Length != width * height || weight.Length != color.Length)
            throw new InvalidInputException("push-pull", $"{color.Length} colours and {weight.Length} weights for {width}x{height}");
        // level 0: colour premultiplied by its weight
        var c0 = new Vector3[color.Length]; var w0 = new float[color.Length];
        for (int i = 0; i < c0.Length; i++) { w0[i] = Math.Clamp(weight[i], 0, 1); c0[i] = color[i] * w0[i]; }
        var levels = new List<(Vector3[] C, float[] W, int Width, int Height)> { (c0, w0, width, height) };
        while (levels[^1].Width > 1 || levels[^1].Height > 1)
        {
            var (c, w, sw, sh) = levels[^1];
            int nw = (sw + 1) / 2, nh = (sh + 1) / 2;
            var nc = new Vector3[nw * nh]; var nwt = new float[nw * nh];
            for (int y = 0; y < sh; y++)
                for (int x = 0; x < sw; x++)
                {
                    int j = (y / 2) * nw + x / 2;
                    nc[j] += c[y * sw + x]; nwt[j] += w[y * sw + x];
                }
            // cap the weight at 1, keeping the colour (premultiplied colour / weight × 1)
            for (int j = 0; j < nc.Length; j++)
                if (nwt[j] > 1) { nc[j] /= nwt[j]; nwt[j] = 1; }
            levels.Add((nc, nwt, nw, nh));
        }
        var (cc, cw, _, _) = levels[^1];
        var filled = new[] { cw[0] > 0 ? cc[0] / cw[0] : new Vector3(0.5f) };
        for (int l = levels.Count - 2; l >= 0; l--)
        {
            var (c, w, sw, sh) = levels[l];
            int pw = levels[l + 1].Width, ph = levels[l + 1].Height;
            var next = new Vector3[sw * sh];
            for (int y = 0; y < sh; y++)
            {
                float py = Math.Clamp((y + 0.5f) / 2 - 0.5f, 0, ph - 1);
                int y0 = Math.Min((int)py, Math.Max(ph - 2, 0)), y1 = Math.Min(y0 + 1, ph - 1);
                float fy = py - y0;
                for (int x = 0; x < sw; x++)
                {
                    float px = Math.Clamp((x + 0.5f) / 2 - 0.5f, 0, pw - 1);
                    int x0 = Math.Min((int)px, Math.Max(pw - 2, 0)), x1 = Math.Min(x0 + 1, pw - 1);
                    float fx = px - x0;
                    var up = (filled[y0 * pw + x0] * (1 - fx) + filled[y0 * pw + x1] * fx) * (1 - fy) + (filled[y1 * pw + x0] * (1 - fx) + filled[y1 * pw + x1] * fx) * fy;
                    int i = y * sw + x;
                    next[i] = w[i] > 0 ? c[i] + up * (1 - w[i]) : up;   // c is premultiplied: w · colour
                }
            }
            filled = next;
        }
        return filled;
    }
}
