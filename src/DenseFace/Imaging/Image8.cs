namespace DenseFace.Imaging;

/// <summary>
/// An 8-bit image with interleaved channels (1 = gray, 3 = RGB, 4 = RGBA), rows top to bottom, no row
/// padding: the sample of channel c at pixel (x, y) is <c>Pixels[(y * Width + x) * Channels + c]</c>.
/// Pixel coordinates follow the project convention: the centre of the top-left pixel is (0, 0).
/// </summary>
public sealed class Image8
{
    /// <summary>Largest width or height accepted anywhere (decoders refuse bigger images).</summary>
    public const int MaxDimension = 32768;

    /// <summary>Largest pixel count accepted (about 1 GiB of RGBA).</summary>
    public const long MaxPixels = 1L << 28;

    /// <summary>Width in pixels (1..<see cref="MaxDimension"/>).</summary>
    public int Width { get; }
    /// <summary>Height in pixels (1..<see cref="MaxDimension"/>).</summary>
    public int Height { get; }
    /// <summary>Interleaved channels per pixel: 1 (gray), 3 (RGB) or 4 (RGBA).</summary>
    public int Channels { get; }
    /// <summary>The samples, <see cref="Width"/> x <see cref="Height"/> x <see cref="Channels"/> bytes, row-major from the top row (see the type summary).</summary>
    public byte[] Pixels { get; }

    /// <summary>A black (all-zero) image; throws when a size is out of range.</summary>
    public Image8(int width, int height, int channels)
    {
        Validate(width, height, channels, nameof(Image8));
        Width = width; Height = height; Channels = channels;
        Pixels = new byte[(long)width * height * channels];
    }

    /// <summary>An image over <paramref name="pixels"/> (kept, not copied; length must be width x height x channels).</summary>
    public Image8(int width, int height, int channels, byte[] pixels)
    {
        Validate(width, height, channels, nameof(Image8));
        if (pixels.LongLength != (long)width * height * channels)
            throw new ArgumentException($"pixel buffer has {pixels.LongLength} bytes, expected {(long)width * height * channels}", nameof(pixels));
        Width = width; Height = height; Channels = channels; Pixels = pixels;
    }

    /// <summary>Throws <see cref="InvalidInputException"/> naming <paramref name="source"/> if the size is not acceptable.</summary>
    public static void Validate(int width, int height, int channels, string source)
    {
        if (width <= 0 || height <= 0)
            throw new InvalidInputException(source, $"image size {width}x{height} is empty or negative");
        if (width > MaxDimension || height > MaxDimension || (long)width * height > MaxPixels)
            throw new InvalidInputException(source, $"image size {width}x{height} exceeds the limit ({MaxDimension} per side, {MaxPixels} pixels)");
        if (channels is not (1 or 3 or 4))
            throw new InvalidInputException(source, $"{channels} channels (expected 1, 3 or 4)");
    }

    /// <summary>Row y as a span of Width * Channels bytes.</summary>
    public Span<byte> Row(int y) => Pixels.AsSpan(y * Width * Channels, Width * Channels);

    /// <summary>A copy converted to the given channel count (gray uses Rec. 601 luma; alpha is dropped or set to 255).</summary>
    public Image8 ConvertTo(int channels)
    {
        if (channels == Channels) return new Image8(Width, Height, Channels, (byte[])Pixels.Clone());
        var dst = new Image8(Width, Height, channels);
        int n = Width * Height;
        var s = Pixels; var d = dst.Pixels; int sc = Channels;
        for (int i = 0; i < n; i++)
        {
            byte r, g, b, a = 255;
            if (sc == 1) { r = g = b = s[i]; }
            else { r = s[i * sc]; g = s[i * sc + 1]; b = s[i * sc + 2]; if (sc == 4) a = s[i * sc + 3]; }
            if (channels == 1) d[i] = (byte)((r * 299 + g * 587 + b * 114 + 500) / 1000);
            else
            {
                d[i * channels] = r; d[i * channels + 1] = g; d[i * channels + 2] = b;
                if (channels == 4) d[i * channels + 3] = a;
            }
        }
        return dst;
    }
}
