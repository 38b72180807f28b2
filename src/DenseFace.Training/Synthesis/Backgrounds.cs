using System.Collections.Concurrent;
using System.Drawing;
using System.Numerics;
using DenseFace.Geometry;
using DenseFace.Imaging;
using DenseFace.Rendering;

namespace DenseFace.Training.Synthesis;

/// <summary>
/// Background images for synthetic samples: crops of photos that avoid the annotated face (a random square taken
/// from the part of the photo left, right, above or below the face box), or procedural textures (a two-colour
/// gradient modulated by value noise). Photos are decoded once, shrunk so their longer side is at most
/// <see cref="MaxPhotoSide"/>, and cached; unreadable photos fall back to a procedural background.
/// </summary>
internal sealed class Backgrounds(IReadOnlyList<BackgroundPhoto> photos)
{
    public const int MaxPhotoSide = 512;
    readonly ConcurrentDictionary<int, Lazy<(Image8? Image, RectangleF? Box)>> _cache = new();

    public Image8 Create(Random rng, int size, bool usePhoto)
    {
        if (usePhoto && photos.Count > 0)
        {
            int k = rng.Next(photos.Count);
            var (img, box) = _cache.GetOrAdd(k, i => new Lazy<(Image8?, RectangleF?)>(() => Load(photos[i]))).Value;
            if (img is not null && Crop(rng, img, box, size) is { } crop) return crop;
        }
        return Procedural(rng, size);
    }

    static (Image8?, RectangleF?) Load(BackgroundPhoto photo)
    {
        Image8 img;
        try { img = ImageIO.Load(photo.Path); }
        catch (InvalidInputException) { return (null, null); }
        if (img.Channels != 3) img = img.ConvertTo(3);
        float scale = MathF.Min(1, MaxPhotoSide / (float)Math.Max(img.Width, img.Height));
        RectangleF? box = photo.FaceBox;
        if (scale < 1)
        {
            int w = Math.Max(1, (int)(img.Width * scale)), h = Math.Max(1, (int)(img.Height * scale));
            float sx = w / (float)img.Width, sy = h / (float)img.Height;
            img = ImageWarp.WarpAffine(img, new AffineTransform2D(sx, 0, 0.5f * sx - 0.5f, 0, sy, 0.5f * sy - 0.5f), w, h, WarpFilter.Area);
            if (box is { } b) box = new RectangleF(b.X * sx, b.Y * sy, b.Width * sx, b.Height * sy);
        }
        return (img, box);
    }

    /// <summary>A random square crop (at least 48 px) beside the face box, resampled to <paramref name="size"/>; null when no room.</summary>
    static Image8? Crop(Random rng, Image8 img, RectangleF? box, int size)
    {
        float w = img.Width, h = img.Height;
        var regions = new List<RectangleF>();
        if (box is { } b)
        {
            var f = RectangleF.Inflate(b, b.Width * 0.25f, b.Height * 0.25f);
            regions.Add(new RectangleF(0, 0, Math.Max(0, f.Left), h));          // left of the face
            regions.Add(new RectangleF(f.Right, 0, Math.Max(0, w - f.Right), h)); // right
            regions.Add(new RectangleF(0, 0, w, Math.Max(0, f.Top)));           // above
            regions.Add(new RectangleF(0, f.Bottom, w, Math.Max(0, h - f.Bottom))); // below
        }
        else regions.Add(new RectangleF(0, 0, w, h));
        regions.RemoveAll(r => Math.Min(r.Width, r.Height) < 48);
        if (regions.Count == 0) return null;
        var region = regions[rng.Next(regions.Count)];
        float side = Math.Min(region.Width, region.Height) * (0.5f + 0.5f * rng.NextSingle());
        float x = region.X + (region.Width - side) * rng.NextSingle(), y = region.Y + (region.Height - side) * rng.NextSingle();
        bool mirror = rng.NextSingle() < 0.5f;
        float s = size / side;
        // Source pixel (sx, sy) -> destination: corner (x - 0.5, y - 0.5) to (-0.5, -0.5), scaled; optionally mirrored.
        var t = mirror
            ? new AffineTransform2D(-s, 0, (x + side - 0.5f) * s - 0.5f, 0, s, (0.5f - y) * s - 0.5f)
            : new AffineTransform2D(s, 0, (0.5f - x) * s - 0.5f, 0, s, (0.5f - y) * s - 0.5f);
        return ImageWarp.WarpAffine(img, t, size, size, WarpFilter.Area);
    }

    /// <summary>A gradient between two random colours, modulated by value noise at a random scale.</summary>
    static Image8 Procedural(Random rng, int size)
    {
        var a = new Vector3(rng.NextSingle(), rng.NextSingle(), rng.NextSingle());
        var b = new Vector3(rng.NextSingle(), rng.NextSingle(), rng.NextSingle());
        float angle = rng.NextSingle() * MathF.Tau;
        var dir = new Vector2(MathF.Cos(angle), MathF.Sin(angle));
        var noise = new ValueNoise(rng.Next());
        float freq = (2 + 14 * rng.NextSingle()) / size, amp = 0.4f * rng.NextSingle();
        var img = new Image8(size, size, 3);
        for (int y = 0; y < size; y++)
            for (int x = 0; x < size; x++)
            {
                float t = Math.Clamp(0.5f + Vector2.Dot(new Vector2(x - size / 2f, y - size / 2f), dir) / size, 0, 1);
                var c = Vector3.Lerp(a, b, t) * (1 + amp * noise.Fractal(new Vector3(x * freq, y * freq, 0.5f), 3));
                int o = (y * size + x) * 3;
                img.Pixels[o] = Srgb.Encode(c.X * c.X); img.Pixels[o + 1] = Srgb.Encode(c.Y * c.Y); img.Pixels[o + 2] = Srgb.Encode(c.Z * c.Z);
            }
        return img;
    }
}
