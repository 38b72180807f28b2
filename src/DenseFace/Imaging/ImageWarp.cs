using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using DenseFace.Geometry;

namespace DenseFace.Imaging;

/// <summary>Resampling filter for <see cref="ImageWarp"/>.</summary>
public enum WarpFilter
{
    /// <summary>Bilinear interpolation of the four source pixels around the mapped pixel centre. Good for
    /// upscaling and mild downscaling; aliases when shrinking by more than about 2x.</summary>
    Bilinear,

    /// <summary>Area average for downscaling: each output pixel is the mean of an N x M grid of bilinear samples
    /// spread evenly over its footprint in the source, with N = ceil(footprint width) and M = ceil(footprint height)
    /// in source pixels (capped at <see cref="ImageWarp.MaxAreaSamples"/> per axis). For an integer downscale
    /// aligned with the pixel grid the samples fall exactly on source pixel centres, so the result is the exact box
    /// average. When the footprint is at most one pixel this is plain bilinear.</summary>
    Area,
}

/// <summary>
/// Affine resampling of an <see cref="Image8"/> into a fixed-size output (the face-crop path).
/// </summary>
/// <remarks>
/// <para>Transform convention: every method takes the <b>source -> destination</b> map (what
/// <see cref="AffineTransform2D.SimilarityFromBox"/> returns) and inverts it internally; destination pixel centre
/// (x, y) samples the source at <c>srcToDst.Inverse().Apply(x, y)</c>. Both images use the project convention
/// (0-based, top-left pixel centre at (0, 0)), so the identity reproduces the source exactly and a translation by
/// (1, 0) moves every pixel exactly one column to the right.</para>
/// <para>Border: source pixels outside the image read as the constant <c>border</c> colour (one value per
/// channel; default all zero), blended by the bilinear weights.</para>
/// </remarks>
public static class ImageWarp
{
    /// <summary>Upper bound on the number of area-filter samples per output pixel along each axis.</summary>
    public const int MaxAreaSamples = 64;

    /// <summary>Warps <paramref name="src"/> into a new <paramref name="width"/> x <paramref name="height"/> image with the
    /// same channel count.</summary>
    /// <param name="src">Source image.</param>
    /// <param name="srcToDst">Map from source pixel coordinates to output pixel coordinates.</param>
    /// <param name="width">Output width in pixels.</param>
    /// <param name="height">Output height in pixels.</param>
    /// <param name="filter">Resampling filter.</param>
    /// <param name="border">Colour outside the source, one byte per channel; null for black/transparent.</param>
    /// <exception cref="InvalidInputException">Bad output size, singular transform or border of the wrong length.</exception>
    public static Image8 WarpAffine(Image8 src, in AffineTransform2D srcToDst, int width, int height,
        WarpFilter filter = WarpFilter.Bilinear, byte[]? border = null)
    {
        ArgumentNullException.ThrowIfNull(src);
        Image8.Validate(width, height, src.Channels, "warp output");
        var dst = new Image8(width, height, src.Channels);
        WarpAffine(src, srcToDst, dst, filter, border);
        return dst;
    }

    /// <summary>Allocation-free variant writing into an existing image of the same channel count; its size sets the
    /// output size.</summary>
    public static void WarpAffine(Image8 src, in AffineTransform2D srcToDst, Image8 destination,
        WarpFilter filter = WarpFilter.Bilinear, ReadOnlySpan<byte> border = default)
    {
        ArgumentNullException.ThrowIfNull(src);
        ArgumentNullException.ThrowIfNull(destination);
        if (destination.Channels != src.Channels)
            throw new InvalidInputException(nameof(destination), $"has {destination.Channels} channels, source has {src.Channels}");
        CheckBorder(border, src.Channels);
        var sink = new ByteSink(destination.Pixels, destination.Width, src.Channels);
        Run(src, srcToDst.Inverse(), destination.Width, destination.Height, filter, border, ref sink);
    }

    /// <summary>
    /// Warps into normalised float planes, the network input path: <paramref name="destination"/> receives
    /// <c>src.Channels</c> planes of <paramref name="height"/> x <paramref name="width"/> float32 values in CHW order,
    /// value <c>(v / 255 - mean[c]) / std[c]</c> where v is the interpolated (unrounded) 0..255 sample.
    /// Allocates nothing.
    /// </summary>
    /// <param name="src">Source image (1, 3 or 4 channels: that many output planes).</param>
    /// <param name="srcToDst">Map from source pixel coordinates to output pixel coordinates.</param>
    /// <param name="width">Output width in pixels.</param>
    /// <param name="height">Output height in pixels.</param>
    /// <param name="destination">At least channels * height * width floats; plane c, row y, column x is at
    /// <c>(c * height + y) * width + x</c>.</param>
    /// <param name="mean">Per-channel mean on the 0..1 scale (length = channel count).</param>
    /// <param name="std">Per-channel standard deviation on the 0..1 scale (length = channel count, positive).</param>
    /// <param name="filter">Resampling filter.</param>
    /// <param name="border">Colour outside the source, one byte per channel; empty for zeros.</param>
    /// <exception cref="InvalidInputException">Bad size, destination too short, bad mean/std/border, singular transform.</exception>
    public static void WarpAffineNormalized(Image8 src, in AffineTransform2D srcToDst, int width, int height,
        Span<float> destination, ReadOnlySpan<float> mean, ReadOnlySpan<float> std,
        WarpFilter filter = WarpFilter.Bilinear, ReadOnlySpan<byte> border = default)
    {
        ArgumentNullException.ThrowIfNull(src);
        int c = src.Channels;
        Image8.Validate(width, height, c, "warp output");
        long need = (long)width * height * c;
        if (destination.Length < need)
            throw new InvalidInputException(nameof(destination), $"has {destination.Length} floats, {need} needed ({c}x{height}x{width})");
        if (mean.Length != c || std.Length != c)
            throw new InvalidInputException(nameof(mean), $"mean/std have {mean.Length}/{std.Length} values, expected {c}");
        CheckBorder(border, c);
        Span<float> scale = stackalloc float[4], offset = stackalloc float[4];
        for (int i = 0; i < c; i++)
        {
            if (!(std[i] > 0) || !float.IsFinite(std[i]) || !float.IsFinite(mean[i]))
                throw new InvalidInputException(nameof(std), $"channel {i}: mean {mean[i]}, std {std[i]} (std must be positive and finite)");
            scale[i] = 1f / (255f * std[i]);
            offset[i] = -mean[i] / std[i];
        }
        var sink = new FloatSink(destination, width, width * height, scale, offset);
        Run(src, srcToDst.Inverse(), width, height, filter, border, ref sink);
    }

    private static void CheckBorder(ReadOnlySpan<byte> border, int channels)
    {
        if (!border.IsEmpty && border.Length != channels)
            throw new InvalidInputException("border", $"has {border.Length} values, image has {channels} channels");
    }

    private interface IPixelSink
    {
        void Put(int x, int y, scoped ReadOnlySpan<float> values);
    }

    private readonly struct ByteSink(byte[] pixels, int width, int channels) : IPixelSink
    {
        public void Put(int x, int y, scoped ReadOnlySpan<float> values)
        {
            int o = (y * width + x) * channels;
            for (int c = 0; c < values.Length; c++)
            {
                float v = values[c] + 0.5f;
                pixels[o + c] = v <= 0 ? (byte)0 : v >= 255 ? (byte)255 : (byte)v;
            }
        }
    }

    private readonly ref struct FloatSink(Span<float> planes, int width, int planeSize, ReadOnlySpan<float> scale, ReadOnlySpan<float> offset) : IPixelSink
    {
        private readonly Span<float> _planes = planes;
        private readonly ReadOnlySpan<float> _scale = scale, _offset = offset;

        public void Put(int x, int y, scoped ReadOnlySpan<float> values)
        {
            int o = y * width + x;
            for (int c = 0; c < values.Length; c++) _planes[c * planeSize + o] = values[c] * _scale[c] + _offset[c];
        }
    }

    private static void Run<TSink>(Image8 src, in AffineTransform2D inv, int width, int height, WarpFilter filter,
        ReadOnlySpan<byte> border, ref TSink sink) where TSink : IPixelSink, allows ref struct
    {
        int ch = src.Channels;
        Span<float> bord = stackalloc float[4];
        for (int c = 0; c < ch; c++) bord[c] = border.IsEmpty ? 0 : border[c];
        Span<float> acc = stackalloc float[4];
        var values = acc[..ch];

        int nx = 1, ny = 1;
        if (filter == WarpFilter.Area)
        {
            nx = SampleCount(Math.Sqrt(inv.M00 * inv.M00 + inv.M10 * inv.M10));
            ny = SampleCount(Math.Sqrt(inv.M01 * inv.M01 + inv.M11 * inv.M11));
        }
        float invCount = 1f / (nx * ny);

        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                if (nx == 1 && ny == 1)
                {
                    double sx = inv.M00 * x + inv.M01 * y + inv.M02, sy = inv.M10 * x + inv.M11 * y + inv.M12;
                    values.Clear();
                    Bilinear(src, sx, sy, bord, values);
                }
                else
                {
                    values.Clear();
                    for (int j = 0; j < ny; j++)
                    {
                        double v = y + (j + 0.5) / ny - 0.5;
                        for (int i = 0; i < nx; i++)
                        {
                            double u = x + (i + 0.5) / nx - 0.5;
                            Bilinear(src, inv.M00 * u + inv.M01 * v + inv.M02, inv.M10 * u + inv.M11 * v + inv.M12, bord, values);
                        }
                    }
                    for (int c = 0; c < ch; c++) values[c] *= invCount;
                }
                sink.Put(x, y, values);
            }
        }
    }

    private static int SampleCount(double footprint)
    {
        if (!double.IsFinite(footprint)) return MaxAreaSamples;
        return (int)Math.Clamp(Math.Ceiling(footprint - 1e-9), 1, MaxAreaSamples);
    }

    /// <summary>Adds the bilinear sample of <paramref name="src"/> at (sx, sy) to <paramref name="acc"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Bilinear(Image8 src, double sx, double sy, ReadOnlySpan<float> border, Span<float> acc)
    {
        int w = src.Width, h = src.Height, ch = acc.Length;
        // Also rejects NaN; keeps Floor's result within int range.
        if (!(sx > -1 && sx < w && sy > -1 && sy < h))
        {
            for (int c = 0; c < ch; c++) acc[c] += border[c];
            return;
        }
        int x0 = (int)Math.Floor(sx), y0 = (int)Math.Floor(sy);
        float fx = (float)(sx - x0), fy = (float)(sy - y0);
        float w00 = (1 - fx) * (1 - fy), w10 = fx * (1 - fy), w01 = (1 - fx) * fy, w11 = fx * fy;
        if ((uint)x0 < (uint)(w - 1) && (uint)y0 < (uint)(h - 1))
        {
            // Interior: all four taps inside; the range check above makes the unchecked reads safe.
            ref byte p00 = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(src.Pixels), (nint)(y0 * w + x0) * ch);
            ref byte p01 = ref Unsafe.Add(ref p00, (nint)w * ch);
            for (int c = 0; c < ch; c++)
                acc[c] += w00 * Unsafe.Add(ref p00, c) + w10 * Unsafe.Add(ref p00, ch + c)
                        + w01 * Unsafe.Add(ref p01, c) + w11 * Unsafe.Add(ref p01, ch + c);
            return;
        }
        var px = src.Pixels;
        bool in00 = x0 >= 0 && y0 >= 0, in10 = x0 + 1 < w && y0 >= 0, in01 = x0 >= 0 && y0 + 1 < h, in11 = x0 + 1 < w && y0 + 1 < h;
        int b = (y0 * w + x0) * ch;
        for (int c = 0; c < ch; c++)
        {
            float p00 = in00 ? px[b + c] : border[c];
            float p10 = in10 ? px[b + ch + c] : border[c];
            float p01 = in01 ? px[b + w * ch + c] : border[c];
            float p11 = in11 ? px[b + w * ch + ch + c] : border[c];
            acc[c] += w00 * p00 + w10 * p10 + w01 * p01 + w11 * p11;
        }
    }
}
