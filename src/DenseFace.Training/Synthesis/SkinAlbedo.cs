using System.Numerics;
using DenseFace.FaceModel;
using DenseFace.Imaging;

namespace DenseFace.Training.Synthesis;

/// <summary>
/// Procedural albedo textures in the ICT-FaceKit UV layout (the "Light" model ships none). Colours come from
/// <see cref="AppearanceParameters"/>; regional variation (lips, brows, the skin around the eyes, cheeks, nose,
/// stubble, the hairline) comes from per-vertex region weights (<see cref="FaceRegions"/>) rasterised into UV space,
/// and fine variation from 3-D value noise of the neutral-mesh position, so textures are continuous across UV
/// seams. Images are sRGB-encoded RGB; deterministic per seed.
/// </summary>
public static class SkinAlbedo
{
    /// <summary>Largest texture side accepted.</summary>
    public const int MaxSize = 4096;

    /// <summary>
    /// The face skin texture (UV tile 0, the <see cref="FacePart.Face"/> part: face, ears, forehead, front neck)
    /// of a person drawn from <paramref name="seed"/>, <paramref name="size"/>² texels.
    /// </summary>
    public static Image8 Generate(MorphableModel model, int seed, int size = 512) =>
        PaintSkin(model, AppearanceParameters.Sample(seed), size);

    /// <summary>The face skin texture (UV tile 0) for given parameters.</summary>
    public static Image8 PaintSkin(MorphableModel model, AppearanceParameters p, int size = 512)
    {
        ArgumentNullException.ThrowIfNull(model);
        CheckSize(size);
        var shader = new SkinShader(p);
        return UvPainter.Paint(model, 0, [model.TriangleRange(FacePart.Face)], size, FaceRegions.For(model).Weights, FaceRegions.Channels, shader.Shade);
    }

    /// <summary>The back-of-head texture (UV tile 1: <see cref="FacePart.HeadAndNeck"/> scalp and neck, mouth socket, eye sockets).</summary>
    public static Image8 PaintHead(MorphableModel model, AppearanceParameters p, int size = 256)
    {
        ArgumentNullException.ThrowIfNull(model);
        CheckSize(size);
        var shader = new SkinShader(p);
        IndexRange[] parts = [model.TriangleRange(FacePart.HeadAndNeck), model.TriangleRange(FacePart.MouthSocket),
            model.TriangleRange(FacePart.EyeSocketLeft), model.TriangleRange(FacePart.EyeSocketRight)];
        return UvPainter.Paint(model, 1, parts, size, FaceRegions.For(model).Weights, FaceRegions.Channels, shader.Shade);
    }

    /// <summary>
    /// The texture of the inner eyeball sphere (<see cref="FaceSubArea.IrisLeft"/> or IrisRight, UV tile 0): pupil,
    /// iris with radial streaks and a dark limbal ring, and sclera around it, all painted on one opaque sphere.
    /// </summary>
    public static Image8 PaintEye(MorphableModel model, AppearanceParameters p, bool left, int size = 256)
    {
        ArgumentNullException.ThrowIfNull(model);
        CheckSize(size);
        var regions = FaceRegions.For(model);
        var centre = left ? regions.EyeCentreLeft : regions.EyeCentreRight;
        var noise = new ValueNoise(p.NoiseSeed ^ 0x5EED);
        float irisR = regions.IrisRadius;
        Vector3 Shade(Vector3 pos, ReadOnlySpan<float> _)
        {
            var d = pos - centre;
            float r = MathF.Sqrt(d.X * d.X + d.Y * d.Y) / irisR;
            var sclera = new Vector3(0.78f, 0.74f, 0.70f);
            float veins = FaceRegions.SmoothStep(1.3f, 2.4f, r) * (0.5f + 0.5f * noise.Fractal(pos * 6f, 2));
            sclera = Vector3.Lerp(sclera, new Vector3(0.75f, 0.45f, 0.42f), 0.35f * veins);
            if (d.Z <= 0 || r >= 1.08f) return sclera;
            if (r < p.PupilFraction) return new Vector3(0.008f);
            float t = (r - p.PupilFraction) / (1 - p.PupilFraction);
            float theta = MathF.Atan2(d.Y, d.X);
            float streak = noise.Fractal(new Vector3(MathF.Cos(theta) * 9, MathF.Sin(theta) * 9, t * 2.5f), 3);
            var iris = p.IrisColor * (0.75f + 0.5f * streak);
            iris *= 1 + 0.5f * MathF.Exp(-(t - 0.25f) * (t - 0.25f) / 0.01f);        // lighter collarette
            iris *= 1 - 0.75f * FaceRegions.SmoothStep(0.75f, 1f, t);                  // dark limbal ring
            return r < 1 ? iris : Vector3.Lerp(iris * 0.25f, sclera, FaceRegions.SmoothStep(1f, 1.08f, r));
        }
        var area = left ? FaceSubArea.IrisLeft : FaceSubArea.IrisRight;
        return UvPainter.Paint(model, 0, [model.TriangleRange(area)], size, new float[model.VertexCount], 1, Shade);
    }

    static void CheckSize(int size)
    {
        if (size is < 8 or > MaxSize) throw new InvalidInputException("texture size", $"{size} texels is outside 8..{MaxSize}");
    }

    /// <summary>Skin, lips, brows, stubble and scalp hair as a function of position and region weights.</summary>
    sealed class SkinShader(AppearanceParameters p)
    {
        readonly ValueNoise _blotch = new(p.NoiseSeed), _fine = new(p.NoiseSeed + 1), _hair = new(p.NoiseSeed + 2), _red = new(p.NoiseSeed + 3);
        readonly Vector3 _skin = p.SkinColor;
        readonly Vector3 _lipTint = Vector3.Lerp(new Vector3(0.85f, 0.47f, 0.50f), new Vector3(0.80f, 0.58f, 0.66f), p.Melanin);
        readonly Vector3 _browColor = p.HairColor * 0.8f + p.SkinColor * 0.1f;

        public Vector3 Shade(Vector3 pos, ReadOnlySpan<float> w)
        {
            if (w[FaceRegions.MouthInterior] > 0.5f) return new Vector3(0.22f, 0.035f, 0.035f) * (0.85f + 0.3f * _fine.At(pos * 3));
            if (w[FaceRegions.Socket] > 0.5f) return new Vector3(0.40f, 0.15f, 0.14f);
            var c = _skin;
            float blotch = _blotch.Fractal(pos * 0.35f, 3), fine = _fine.Fractal(pos * 5f, 2);
            c *= new Vector3(1 + 0.10f * blotch, 1 + 0.085f * blotch, 1 + 0.08f * blotch) * (1 + 0.05f * fine);
            float red = p.Redness * (0.55f * w[FaceRegions.Cheek] + 0.45f * w[FaceRegions.Nose] + 0.2f * (0.5f + 0.5f * _red.Fractal(pos * 0.5f, 2)));
            c *= Vector3.Lerp(Vector3.One, new Vector3(1.02f, 0.80f, 0.82f), Math.Clamp(red, 0, 1));
            c *= Vector3.Lerp(Vector3.One, new Vector3(0.84f, 0.78f, 0.80f), 0.6f * w[FaceRegions.EyeRing]);
            c = Vector3.Lerp(c, c * _lipTint, w[FaceRegions.Lip]);
            if (p.BeardDensity > 0 && w[FaceRegions.Beard] > 0)
            {
                float hairs = 0.5f + 0.5f * _hair.Fractal(pos * 3f, 2);
                c = Vector3.Lerp(c, p.HairColor, w[FaceRegions.Beard] * p.BeardDensity * (0.3f + 0.5f * hairs));
            }
            if (w[FaceRegions.Brow] > 0)
            {
                float strands = 0.5f + 0.5f * _hair.At(new Vector3(pos.X * 2.5f, pos.Y * 14f, pos.Z * 5f));
                float density = w[FaceRegions.Brow] * p.BrowDensity * (0.55f + 0.6f * strands);
                c = Vector3.Lerp(c, _browColor, Math.Clamp(density, 0, 1));
            }
            float scalp = ScalpHair(pos);
            if (scalp > 0)
            {
                float strands = 0.5f + 0.5f * _hair.Fractal(new Vector3(pos.X * 6f, pos.Y * 1.5f, pos.Z * 6f), 2);
                c = Vector3.Lerp(c, p.HairColor * (0.7f + 0.6f * strands), scalp);
            }
            return c;
        }

        /// <summary>Short-hair coverage in [0, 1]: above the front hairline, dropping to the temples over the ears and to the nape at the back.</summary>
        float ScalpHair(Vector3 pos)
        {
            if (p.HairlineY > 14.5f) return 0;
            float ax = MathF.Abs(pos.X);
            float line = p.HairlineY + 0.5f * _blotch.Fractal(pos * 0.6f + new Vector3(31), 2) + (4.2f - p.HairlineY) * FaceRegions.SmoothStep(4.5f, 7.2f, ax);
            line += (-4f - line) * FaceRegions.SmoothStep(1f, -4.5f, pos.Z);
            // Keep the ears bare.
            if (ax > 7f && pos.Y < 4.6f && pos.Z > -3f) return 0;
            return FaceRegions.SmoothStep(line - 0.4f, line + 0.8f, pos.Y);
        }
    }
}
