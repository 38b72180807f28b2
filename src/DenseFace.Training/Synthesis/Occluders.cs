using System.Drawing;
using System.Numerics;
using DenseFace.Imaging;

namespace DenseFace.Training.Synthesis;

/// <summary>
/// 2-D occluders drawn over a rendered face with <see cref="Draw"/>: random blobs (discs, triangles, thick bars),
/// hand-like shapes (a palm disc with four finger strokes in a random skin tone) and glasses frames (two rims
/// around the eyes, a bridge and temples). Every shape is drawn with the same geometry into a gray occlusion mask
/// so covered landmarks can be marked as not visible.
/// </summary>
internal static class Occluders
{
    /// <summary>Draws one to two random occluders overlapping <paramref name="face"/>.</summary>
    public static void DrawRandom(Random rng, Image8 image, Image8 mask, RectangleF face)
    {
        int count = 1 + (rng.NextSingle() < 0.3f ? 1 : 0);
        for (int i = 0; i < count; i++)
        {
            // Anchor on the face box, biased to its border so the face is partly, not fully, hidden.
            var at = new Vector2(face.X + face.Width * (rng.NextSingle() * 1.2f - 0.1f), face.Y + face.Height * (rng.NextSingle() * 1.2f - 0.1f));
            float scale = MathF.Max(face.Width, face.Height) * (0.15f + 0.3f * rng.NextSingle());
            var color = RandomColor(rng);
            switch (rng.Next(4))
            {
                case 0:
                    Both(image, mask, (img, c) => Draw.Disc(img, at, scale * 0.6f, c), color);
                    break;
                case 1:
                {
                    var a = at + Polar(rng, scale); var b = at + Polar(rng, scale); var c2 = at + Polar(rng, scale);
                    Both(image, mask, (img, c) => Draw.Triangle(img, a, b, c2, c), color);
                    break;
                }
                case 2:
                {
                    var d = Polar(rng, scale * 1.5f);
                    float thick = scale * (0.15f + 0.3f * rng.NextSingle());
                    Both(image, mask, (img, c) => Draw.Line(img, at - d, at + d, c, thick), color);
                    break;
                }
                default:
                    Hand(rng, image, mask, at, scale);
                    break;
            }
        }
    }

    static void Hand(Random rng, Image8 image, Image8 mask, Vector2 palm, float scale)
    {
        var skin = AppearanceParameters.Sample(rng.Next()).SkinColor;
        var color = new Rgba(Rendering.Srgb.Encode(skin.X * 0.8f), Rendering.Srgb.Encode(skin.Y * 0.8f), Rendering.Srgb.Encode(skin.Z * 0.8f));
        float r = scale * 0.5f;
        float angle = rng.NextSingle() * MathF.Tau;
        Both(image, mask, (img, c) => Draw.Disc(img, palm, r, c), color);
        for (int f = 0; f < 4; f++)
        {
            float a = angle + (f - 1.5f) * 0.35f;
            var dir = new Vector2(MathF.Cos(a), MathF.Sin(a));
            var from = palm + dir * r * 0.6f;
            var to = palm + dir * r * (1.8f + 0.5f * rng.NextSingle());
            float thick = r * 0.38f;
            var shade = new Rgba((byte)(color.R * 0.95f), (byte)(color.G * 0.95f), (byte)(color.B * 0.95f));
            Both(image, mask, (img, c) => Draw.Line(img, from, to, c, thick), shade);
        }
    }

    /// <summary>Glasses frames around the eye centres (pixels), with rims of half-size <paramref name="rimRadius"/>.</summary>
    public static void Glasses(Random rng, Image8 image, Image8 mask, Vector2 eyeRight, Vector2 eyeLeft, Vector2 earRight, Vector2 earLeft, float rimRadius)
    {
        var color = rng.NextSingle() < 0.6f ? new Rgba(20, 18, 16) : RandomColor(rng);
        float thick = MathF.Max(1f, rimRadius * (0.08f + 0.1f * rng.NextSingle()));
        float aspect = 0.65f + 0.25f * rng.NextSingle();
        var axis = Vector2.Normalize(eyeLeft - eyeRight);
        if (!float.IsFinite(axis.X)) return;
        var up = new Vector2(axis.Y, -axis.X);
        foreach (var eye in new[] { eyeRight, eyeLeft })
        {
            const int Segments = 24;
            for (int k = 0; k < Segments; k++)
            {
                float a0 = MathF.Tau * k / Segments, a1 = MathF.Tau * (k + 1) / Segments;
                var p0 = eye + axis * (MathF.Cos(a0) * rimRadius) + up * (MathF.Sin(a0) * rimRadius * aspect);
                var p1 = eye + axis * (MathF.Cos(a1) * rimRadius) + up * (MathF.Sin(a1) * rimRadius * aspect);
                Both(image, mask, (img, c) => Draw.Line(img, p0, p1, c, thick), color);
            }
        }
        var bridgeA = eyeRight + axis * rimRadius; var bridgeB = eyeLeft - axis * rimRadius;
        Both(image, mask, (img, c) => Draw.Line(img, bridgeA, bridgeB, c, thick), color);
        Both(image, mask, (img, c) => Draw.Line(img, eyeRight - axis * rimRadius, earRight, c, thick), color);
        Both(image, mask, (img, c) => Draw.Line(img, eyeLeft + axis * rimRadius, earLeft, c, thick), color);
    }

    static void Both(Image8 image, Image8 mask, Action<Image8, Rgba> draw, Rgba color)
    {
        draw(image, color);
        draw(mask, Rgba.White);
    }

    static Vector2 Polar(Random rng, float r)
    {
        float a = rng.NextSingle() * MathF.Tau, d = r * (0.5f + 0.5f * rng.NextSingle());
        return new Vector2(MathF.Cos(a) * d, MathF.Sin(a) * d);
    }

    static Rgba RandomColor(Random rng) => new((byte)rng.Next(256), (byte)rng.Next(256), (byte)rng.Next(256));
}
