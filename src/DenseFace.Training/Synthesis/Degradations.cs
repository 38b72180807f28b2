using DenseFace.Imaging;
using DenseFace.Imaging.Jpeg;

namespace DenseFace.Training.Synthesis;

/// <summary>
/// Photometric degradations of a finished RGB image, each applied with a given chance and random strength, in a
/// fixed order: colour jitter (per-channel gain, brightness, contrast, saturation), gamma, Gaussian blur, Gaussian
/// noise, JPEG re-encoding. None moves pixels, so the labels stay exact.
/// </summary>
internal static class Degradations
{
    public static Image8 Apply(Random rng, Image8 img, float probability)
    {
        if (rng.NextSingle() < probability) ColorJitter(rng, img);
        if (rng.NextSingle() < probability) Gamma(img, 0.7f + 0.7f * rng.NextSingle());
        if (rng.NextSingle() < probability) Blur(img, 0.4f + 1.6f * rng.NextSingle());
        if (rng.NextSingle() < probability) Noise(rng, img, 1 + 9 * rng.NextSingle());
        if (rng.NextSingle() < probability)
        {
            int quality = 15 + rng.Next(76);
            img = JpegDecoder.Decode(JpegEncoder.Encode(img, quality), "re-encoded JPEG");
        }
        return img;
    }

    static void ColorJitter(Random rng, Image8 img)
    {
        Span<float> gain = stackalloc float[3];
        for (int c = 0; c < 3; c++) gain[c] = 0.88f + 0.24f * rng.NextSingle();
        float brightness = (rng.NextSingle() - 0.5f) * 40, contrast = 0.75f + 0.5f * rng.NextSingle(), saturation = 0.6f + 0.7f * rng.NextSingle();
        var p = img.Pixels;
        for (int i = 0; i < p.Length; i += 3)
        {
            float r = p[i] * gain[0], g = p[i + 1] * gain[1], b = p[i + 2] * gain[2];
            float l = 0.299f * r + 0.587f * g + 0.114f * b;
            r = l + (r - l) * saturation; g = l + (g - l) * saturation; b = l + (b - l) * saturation;
            p[i] = Clamp((r - 128) * contrast + 128 + brightness);
            p[i + 1] = Clamp((g - 128) * contrast + 128 + brightness);
            p[i + 2] = Clamp((b - 128) * contrast + 128 + brightness);
        }
    }

    static void Gamma(Image8 img, float gamma)
    {
        Span<byte> lut = stackalloc byte[256];
        for (int i = 0; i < 256; i++) lut[i] = Clamp(255 * MathF.Pow(i / 255f, gamma));
        var p = img.Pixels;
        for (int i = 0; i < p.Length; i++) p[i] = lut[p[i]];
    }

    /// <summary>Separable Gaussian blur of standard deviation <paramref name="sigma"/> pixels (edges clamped).</summary>
    internal static void Blur(Image8 img, float sigma)
    {
        int radius = Math.Max(1, (int)MathF.Ceiling(3 * sigma));
        var k = new float[2 * radius + 1];
        float sum = 0;
        for (int i = -radius; i <= radius; i++) sum += k[i + radius] = MathF.Exp(-i * i / (2 * sigma * sigma));
        for (int i = 0; i < k.Length; i++) k[i] /= sum;
        int w = img.Width, h = img.Height, ch = img.Channels;
        var tmp = new float[img.Pixels.Length];
        var p = img.Pixels;
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                for (int c = 0; c < ch; c++)
                {
                    float acc = 0;
                    for (int i = -radius; i <= radius; i++) acc += k[i + radius] * p[(y * w + Math.Clamp(x + i, 0, w - 1)) * ch + c];
                    tmp[(y * w + x) * ch + c] = acc;
                }
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                for (int c = 0; c < ch; c++)
                {
                    float acc = 0;
                    for (int i = -radius; i <= radius; i++) acc += k[i + radius] * tmp[(Math.Clamp(y + i, 0, h - 1) * w + x) * ch + c];
                    p[(y * w + x) * ch + c] = Clamp(acc);
                }
    }

    static void Noise(Random rng, Image8 img, float sigma)
    {
        var p = img.Pixels;
        for (int i = 0; i < p.Length; i++) p[i] = Clamp(p[i] + sigma * SceneRandomizer.TruncatedNormal(rng, 4));
    }

    static byte Clamp(float v) => (byte)Math.Clamp((int)MathF.Round(v), 0, 255);
}
