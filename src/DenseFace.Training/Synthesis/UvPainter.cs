using System.Numerics;
using DenseFace.FaceModel;
using DenseFace.Imaging;

namespace DenseFace.Training.Synthesis;

/// <summary>
/// Paints a texture in the model's UV space: the triangles of some parts are rasterised into one UV tile
/// (u ∈ [tile, tile + 1], v ∈ [0, 1], v up), and every texel whose centre they cover gets the colour a shader
/// computes from the interpolated neutral-mesh position (cm) and per-vertex weights. Uncovered texels next to
/// covered ones are then filled from their neighbours (a few rings), so bilinear sampling at UV seams does not
/// bleed the background in.
/// </summary>
internal static class UvPainter
{
    /// <summary>Computes a linear RGB colour for a texel from the interpolated position and weights.</summary>
    public delegate Vector3 TexelShader(Vector3 position, ReadOnlySpan<float> weights);

    const int DilateRings = 4;

    /// <summary>
    /// Paints the triangles <paramref name="triangleRanges"/> (e.g. <see cref="MorphableModel.TriangleRange(FacePart)"/>) of tile <paramref name="tile"/> into a new sRGB image of
    /// <paramref name="size"/>², with <paramref name="weights"/> (vertex-major, <paramref name="channels"/> per vertex).
    /// </summary>
    public static Image8 Paint(MorphableModel model, int tile, IEnumerable<IndexRange> triangleRanges, int size, float[] weights, int channels, TexelShader shader)
    {
        Image8.Validate(size, size, 3, "texture size");
        var img = new Image8(size, size, 3);
        var filled = new bool[size * size];
        var tris = model.Triangles;
        var uvTris = model.TriangleUvIndices;
        var uvs = model.Uvs;
        var pos = model.NeutralPositions;
        Span<float> w = stackalloc float[Math.Max(1, channels)];
        foreach (var range in triangleRanges)
        {
            for (int t = range.Start; t < range.End; t++)
            {
                int a = tris[3 * t], b = tris[3 * t + 1], c = tris[3 * t + 2];
                Vector2 ta = ToTexel(uvs[uvTris[3 * t]], tile, size), tb = ToTexel(uvs[uvTris[3 * t + 1]], tile, size), tc = ToTexel(uvs[uvTris[3 * t + 2]], tile, size);
                float area = Cross(tb - ta, tc - ta);
                if (MathF.Abs(area) < 1e-12f) continue;
                int x0 = Math.Max(0, (int)MathF.Ceiling(MathF.Min(ta.X, MathF.Min(tb.X, tc.X)))), x1 = Math.Min(size - 1, (int)MathF.Floor(MathF.Max(ta.X, MathF.Max(tb.X, tc.X))));
                int y0 = Math.Max(0, (int)MathF.Ceiling(MathF.Min(ta.Y, MathF.Min(tb.Y, tc.Y)))), y1 = Math.Min(size - 1, (int)MathF.Floor(MathF.Max(ta.Y, MathF.Max(tb.Y, tc.Y))));
                for (int y = y0; y <= y1; y++)
                    for (int x = x0; x <= x1; x++)
                    {
                        var p = new Vector2(x, y);
                        float l1 = Cross(p - ta, tc - ta) / area, l2 = Cross(tb - ta, p - ta) / area;
                        // l1 weights b, l2 weights c: p = ta + l1 (tb - ta) + l2 (tc - ta).
                        float l0 = 1 - l1 - l2;
                        const float Eps = -1e-4f;
                        if (l0 < Eps || l1 < Eps || l2 < Eps) continue;
                        for (int k = 0; k < channels; k++) w[k] = l0 * weights[a * channels + k] + l1 * weights[b * channels + k] + l2 * weights[c * channels + k];
                        var col = shader(l0 * pos[a] + l1 * pos[b] + l2 * pos[c], w[..channels]);
                        int o = (y * size + x) * 3;
                        img.Pixels[o] = DenseFace.Rendering.Srgb.Encode(col.X);
                        img.Pixels[o + 1] = DenseFace.Rendering.Srgb.Encode(col.Y);
                        img.Pixels[o + 2] = DenseFace.Rendering.Srgb.Encode(col.Z);
                        filled[y * size + x] = true;
                    }
            }
        }
        Dilate(img, filled);
        return img;
    }

    /// <summary>Texel coordinates (0-based centres) of a UV in tile <paramref name="tile"/>.</summary>
    static Vector2 ToTexel(Vector2 uv, int tile, int size) => new((uv.X - tile) * size - 0.5f, (1 - uv.Y) * size - 0.5f);

    static float Cross(Vector2 a, Vector2 b) => a.X * b.Y - a.Y * b.X;

    static void Dilate(Image8 img, bool[] filled)
    {
        int size = img.Width;
        var next = (bool[])filled.Clone();
        for (int ring = 0; ring < DilateRings; ring++)
        {
            for (int y = 0; y < size; y++)
                for (int x = 0; x < size; x++)
                {
                    if (filled[y * size + x]) continue;
                    int r = 0, g = 0, b = 0, n = 0;
                    for (int dy = -1; dy <= 1; dy++)
                        for (int dx = -1; dx <= 1; dx++)
                        {
                            int xx = x + dx, yy = y + dy;
                            if ((uint)xx >= (uint)size || (uint)yy >= (uint)size || !filled[yy * size + xx]) continue;
                            int o = (yy * size + xx) * 3;
                            r += img.Pixels[o]; g += img.Pixels[o + 1]; b += img.Pixels[o + 2]; n++;
                        }
                    if (n == 0) continue;
                    int d = (y * size + x) * 3;
                    img.Pixels[d] = (byte)(r / n); img.Pixels[d + 1] = (byte)(g / n); img.Pixels[d + 2] = (byte)(b / n);
                    next[y * size + x] = true;
                }
            Array.Copy(next, filled, filled.Length);
        }
    }
}
