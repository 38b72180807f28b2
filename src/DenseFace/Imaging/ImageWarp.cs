using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
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
    /// in source pixels (capped at <see cref="ImageWarp.MaxAreaSamples"/> per axis). When the footprint is k &gt;= 2
    /// pixels or more along both axes, the source is first box-averaged in k x k blocks (k = the integer part of the
    /// smaller footprint) and the samples are taken on that reduced image, so the cost grows with the source area
    /// read, not with N x M. For an integer downscale aligned with the pixel grid the result is the exact box
    /// average either way. When the footprint is at most one pixel this is plain bilinear.</summary>
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
        var sink = new FloatSink(destination, width, width * height, scale[..c], offset[..c]);
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
        /// <summary>Writes output row <paramref name="y"/> from interleaved values (width x channels).</summary>
        void PutRow(int y, scoped ReadOnlySpan<float> row);
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

        public void PutRow(int y, scoped ReadOnlySpan<float> row)
        {
            var dst = pixels.AsSpan(y * width * channels, width * channels);
            for (int i = 0; i < dst.Length; i++)
            {
                float v = row[i] + 0.5f;
                dst[i] = v <= 0 ? (byte)0 : v >= 255 ? (byte)255 : (byte)v;
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

        public void PutRow(int y, scoped ReadOnlySpan<float> row)
        {
            int ch = _scale.Length;
            for (int c = 0; c < ch; c++)
            {
                var dst = _planes.Slice(c * planeSize + y * width, width);
                float a = _scale[c], b = _offset[c];
                for (int x = 0, i = c; x < dst.Length; x++, i += ch) dst[x] = row[i] * a + b;
            }
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
            double fx = Math.Sqrt(inv.M00 * inv.M00 + inv.M10 * inv.M10), fy = Math.Sqrt(inv.M01 * inv.M01 + inv.M11 * inv.M11);
            // Shrinking by k >= 2 along both axes: box-average k x k blocks first (each source pixel read once), then
            // sample the reduced image (footprint below 2k per axis: at most 2 x 2 bilinear samples per output pixel).
            int k = double.IsFinite(fx) && double.IsFinite(fy) ? (int)Math.Min(Math.Floor(Math.Min(fx, fy)), MaxAreaSamples) : 0;
            if (k >= 2 && TryRunPrefiltered(src, inv, width, height, k, bord[..ch], ref sink)) return;
            nx = SampleCount(fx);
            ny = SampleCount(fy);
        }
        if (inv.M01 == 0 && inv.M10 == 0 && TryRunSeparable(src, inv, width, height, nx, ny, bord[..ch], ref sink)) return;
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

    [ThreadStatic] private static int[]? t_xStart, t_yStart;
    [ThreadStatic] private static float[]? t_xWeights, t_yWeights, t_xBorder, t_yBorder, t_rows, t_line;

    /// <summary>Largest horizontally filtered buffer (floats per thread) the separable path keeps; larger warps take the general loop.</summary>
    private const int MaxSeparableFloats = 1 << 22;

    private static T[] Grow<T>(ref T[]? buffer, int length) => buffer is { } b && b.Length >= length ? b : buffer = new T[Math.Max(length, 256)];

    /// <summary>
    /// The same filter as the general loop (the mean of an nx x ny grid of bilinear samples per output pixel, outside
    /// the source reading as <paramref name="border"/>) for an axis-aligned map, computed separably: that mean factors
    /// into per-column and per-row tap weights, so each needed source row is filtered horizontally once and the output
    /// rows are weighted sums of those. Equal to the general loop up to float rounding. False (nothing written) for a
    /// map with non-finite terms.
    /// </summary>
    private static bool TryRunSeparable<TSink>(Image8 src, in AffineTransform2D inv, int width, int height, int nx, int ny,
        scoped ReadOnlySpan<float> border, ref TSink sink) where TSink : IPixelSink, allows ref struct
    {
        if (!(double.IsFinite(inv.M00) && double.IsFinite(inv.M02) && double.IsFinite(inv.M11) && double.IsFinite(inv.M12))) return false;
        // Samples more than a pixel apart (footprint beyond MaxAreaSamples) would outgrow the tap tables.
        if (Math.Abs(inv.M00) > nx || Math.Abs(inv.M11) > ny) return false;
        int ch = src.Channels, w = src.Width, h = src.Height;
        int xTaps = Math.Min(nx + 2, w), yTaps = Math.Min(ny + 2, h);
        var xStart = Grow(ref t_xStart, width); var yStart = Grow(ref t_yStart, height);
        var xW = Grow(ref t_xWeights, width * xTaps); var yW = Grow(ref t_yWeights, height * yTaps);
        var xB = Grow(ref t_xBorder, width); var yB = Grow(ref t_yBorder, height);
        Taps(inv.M00, inv.M02, width, nx, w, xTaps, xStart, xW, xB);
        Taps(inv.M11, inv.M12, height, ny, h, yTaps, yStart, yW, yB);

        int rowMin = int.MaxValue, rowMax = int.MinValue;
        for (int y = 0; y < height; y++)
            if (yB[y] < 1) { rowMin = Math.Min(rowMin, yStart[y]); rowMax = Math.Max(rowMax, yStart[y] + yTaps); }
        int lineLen = width * ch;
        var line = Grow(ref t_line, lineLen).AsSpan(0, lineLen);
        int rows = rowMax > rowMin ? rowMax - rowMin : 0;
        if ((long)rows * lineLen > MaxSeparableFloats) return false; // the general loop needs no buffer
        var filtered = Grow(ref t_rows, Math.Max(1, rows * lineLen));

        // Horizontal pass over the source rows any output row reads.
        var px = src.Pixels;
        for (int r = 0; r < rows; r++)
        {
            var dst = filtered.AsSpan(r * lineLen, lineLen);
            int rowBase = (rowMin + r) * w * ch;
            for (int x = 0; x < width; x++)
            {
                var wts = xW.AsSpan(x * xTaps, xTaps);
                float bw = xB[x];
                int p = rowBase + xStart[x] * ch;
                if (ch == 3)
                {
                    float a0 = bw * border[0], a1 = bw * border[1], a2 = bw * border[2];
                    for (int t = 0; t < wts.Length; t++, p += 3)
                    {
                        float wt = wts[t];
                        a0 += wt * px[p]; a1 += wt * px[p + 1]; a2 += wt * px[p + 2];
                    }
                    dst[3 * x] = a0; dst[3 * x + 1] = a1; dst[3 * x + 2] = a2;
                }
                else
                    for (int c = 0; c < ch; c++)
                    {
                        float a = bw * border[c];
                        for (int t = 0, q = p + c; t < wts.Length; t++, q += ch) a += wts[t] * px[q];
                        dst[x * ch + c] = a;
                    }
            }
        }

        // Vertical pass: each output row is a weighted sum of filtered rows plus the border share.
        for (int y = 0; y < height; y++)
        {
            float bw = yB[y];
            for (int i = 0; i < lineLen; i += ch)
                for (int c = 0; c < ch; c++) line[i + c] = bw * border[c];
            if (bw < 1)
            {
                var wts = yW.AsSpan(y * yTaps, yTaps);
                for (int t = 0; t < wts.Length; t++)
                    if (wts[t] != 0)
                        System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(filtered.AsSpan((yStart[y] + t - rowMin) * lineLen, lineLen), wts[t], line, line);
            }
            sink.PutRow(y, line);
        }
        return true;
    }

    /// <summary>
    /// Tap table of one axis: output o averages n bilinear samples at source s = scale (o + (i + 0.5) / n - 0.5) + offset;
    /// source pixels [start[o], start[o] + taps) get weights[o * taps ..] and samples or taps outside [0, length) add to
    /// borderWeight[o]. Needs taps = min(n + 2, length): n samples at spacing |scale| / n &lt;= 1 span under n + 1 pixels.
    /// </summary>
    private static void Taps(double scale, double offset, int outputs, int n, int length, int taps,
        Span<int> start, Span<float> weights, Span<float> borderWeight)
    {
        float share = 1f / n;
        for (int o = 0; o < outputs; o++)
        {
            var wts = weights.Slice(o * taps, taps);
            wts.Clear();
            double lo = double.MaxValue;
            for (int i = 0; i < n; i++) lo = Math.Min(lo, scale * (o + (i + 0.5) / n - 0.5) + offset);
            int first = lo > -1 && lo < length ? (int)Math.Floor(lo) : lo >= length ? length : -1;
            int s = Math.Clamp(first, 0, length - taps);
            float bw = 0;
            for (int i = 0; i < n; i++)
            {
                double p = scale * (o + (i + 0.5) / n - 0.5) + offset;
                if (!(p > -1 && p < length)) { bw += share; continue; }
                int x0 = (int)Math.Floor(p);
                float f = (float)(p - x0);
                if (x0 >= 0) wts[x0 - s] += (1 - f) * share; else bw += (1 - f) * share;
                if (x0 + 1 < length) wts[x0 + 1 - s] += f * share; else bw += f * share;
            }
            start[o] = s;
            borderWeight[o] = bw;
        }
    }

    [ThreadStatic] private static float[]? t_reduced;

    /// <summary>
    /// Area filter through a k x k box prefilter: the source region under the output is averaged block by block into
    /// a float image (block (i, j) covers source pixels [x0 + k i, x0 + k i + k) x [y0 + k j, y0 + k j + k); pixels
    /// outside the source count as <paramref name="border"/>), and the output is the area filter of that reduced image
    /// under the map composed with the reduction. For an integer downscale by k aligned with the pixel grid the result
    /// is the exact box average, as without the prefilter. False (nothing written) when the output lies entirely outside
    /// the source.
    /// </summary>
    private static bool TryRunPrefiltered<TSink>(Image8 src, in AffineTransform2D inv, int width, int height, int k,
        scoped ReadOnlySpan<float> border, ref TSink sink) where TSink : IPixelSink, allows ref struct
    {
        int ch = src.Channels, w = src.Width, h = src.Height;
        // Source bounding box of the output rectangle (pixel edges), with a margin for the bilinear taps.
        double minX = double.MaxValue, minY = double.MaxValue, maxX = double.MinValue, maxY = double.MinValue;
        for (int corner = 0; corner < 4; corner++)
        {
            double u = (corner & 1) == 0 ? -0.5 : width - 0.5, v = (corner & 2) == 0 ? -0.5 : height - 0.5;
            double sx = inv.M00 * u + inv.M01 * v + inv.M02, sy = inv.M10 * u + inv.M11 * v + inv.M12;
            minX = Math.Min(minX, sx); maxX = Math.Max(maxX, sx); minY = Math.Min(minY, sy); maxY = Math.Max(maxY, sy);
        }
        double margin = 2.0 * k;
        minX = Math.Max(minX - margin, 0); minY = Math.Max(minY - margin, 0);
        maxX = Math.Min(maxX + margin, w); maxY = Math.Min(maxY + margin, h);
        if (!(minX < maxX && minY < maxY)) return false;
        int x0 = (int)Math.Floor(minX), y0 = (int)Math.Floor(minY);
        int bw = (int)Math.Ceiling((maxX - x0) / k), bh = (int)Math.Ceiling((maxY - y0) / k);
        int need = bw * bh * ch;
        var reduced = t_reduced is { } r && r.Length >= need ? r : t_reduced = new float[Math.Max(need, 1024)];
        Reduce(src, x0, y0, k, bw, bh, border, reduced);

        // reduced pixel centre (i, j) = source (x0 + k i + (k - 1) / 2, y0 + k j + (k - 1) / 2)
        double off = (k - 1) * 0.5, invK = 1.0 / k;
        var toReduced = new AffineTransform2D(inv.M00 * invK, inv.M01 * invK, (inv.M02 - x0 - off) * invK,
                                              inv.M10 * invK, inv.M11 * invK, (inv.M12 - y0 - off) * invK);
        int nx = SampleCount(Math.Sqrt(toReduced.M00 * toReduced.M00 + toReduced.M10 * toReduced.M10));
        int ny = SampleCount(Math.Sqrt(toReduced.M01 * toReduced.M01 + toReduced.M11 * toReduced.M11));
        var plane = new ReducedImage(reduced, bw, bh, ch);
        Span<float> acc = stackalloc float[4];
        var values = acc[..ch];
        float invCount = 1f / (nx * ny);
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                values.Clear();
                for (int j = 0; j < ny; j++)
                {
                    double v = y + (j + 0.5) / ny - 0.5;
                    for (int i = 0; i < nx; i++)
                    {
                        double u = x + (i + 0.5) / nx - 0.5;
                        plane.Bilinear(toReduced.M00 * u + toReduced.M01 * v + toReduced.M02, toReduced.M10 * u + toReduced.M11 * v + toReduced.M12, border, values);
                    }
                }
                for (int c = 0; c < ch; c++) values[c] *= invCount;
                sink.Put(x, y, values);
            }
        }
        return true;
    }

    [ThreadStatic] private static ushort[]? t_columnSums;

    /// <summary>
    /// Box-averages k x k blocks of <paramref name="src"/> from (x0, y0) into <paramref name="reduced"/> (bh rows of bw
    /// interleaved pixels): per block row, the k source rows are summed column by column in 16-bit lanes (k &lt;= 64, so
    /// no sum exceeds 64 x 255), then each block sums k columns of that row.
    /// </summary>
    private static void Reduce(Image8 src, int x0, int y0, int k, int bw, int bh, scoped ReadOnlySpan<float> border, Span<float> reduced)
    {
        int ch = src.Channels, w = src.Width, h = src.Height, rowLen = bw * ch;
        int xEnd = Math.Min(w, x0 + bw * k), span = (xEnd - x0) * ch;
        float inv = 1f / (k * k);
        var cols = t_columnSums is { } cs && cs.Length >= span ? cs : t_columnSums = new ushort[Math.Max(span, 1024)];
        var colSpan = cols.AsSpan(0, span);
        var px = src.Pixels;
        for (int by = 0; by < bh; by++)
        {
            colSpan.Clear();
            int inside = 0;
            for (int dy = 0; dy < k; dy++)
            {
                int y = y0 + by * k + dy;
                if (y >= h) break;
                inside++;
                AddWidened(px.AsSpan((y * w + x0) * ch, span), colSpan);
            }
            var row = reduced.Slice(by * rowLen, rowLen);
            for (int bx = 0; bx < bw; bx++)
            {
                int start = bx * k, count = Math.Min(k, (xEnd - x0) - start);
                int outside = k * k - Math.Max(0, count) * inside;
                for (int c = 0; c < ch; c++)
                {
                    int sum = 0;
                    for (int q = start * ch + c, e = (start + count) * ch; q < e; q += ch) sum += cols[q];
                    row[bx * ch + c] = (sum + outside * border[c]) * inv;
                }
            }
        }
    }

    /// <summary>acc[i] += bytes[i] (16-bit lanes), vectorised at the library's <see cref="Simd.Level"/>.</summary>
    private static void AddWidened(ReadOnlySpan<byte> bytes, Span<ushort> acc)
    {
        int i = 0, n = bytes.Length;
        ref byte b = ref MemoryMarshal.GetReference(bytes);
        ref ushort a = ref MemoryMarshal.GetReference(acc);
        if (Simd.Level >= SimdLevel.Vector256)
            for (; i + 32 <= n; i += 32)
            {
                var (lo, hi) = Vector256.Widen(Vector256.LoadUnsafe(ref b, (nuint)i));
                (Vector256.LoadUnsafe(ref a, (nuint)i) + lo).StoreUnsafe(ref a, (nuint)i);
                (Vector256.LoadUnsafe(ref a, (nuint)(i + 16)) + hi).StoreUnsafe(ref a, (nuint)(i + 16));
            }
        if (Simd.Level >= SimdLevel.Vector128)
            for (; i + 16 <= n; i += 16)
            {
                var (lo, hi) = Vector128.Widen(Vector128.LoadUnsafe(ref b, (nuint)i));
                (Vector128.LoadUnsafe(ref a, (nuint)i) + lo).StoreUnsafe(ref a, (nuint)i);
                (Vector128.LoadUnsafe(ref a, (nuint)(i + 8)) + hi).StoreUnsafe(ref a, (nuint)(i + 8));
            }
        for (; i < n; i++) acc[i] += bytes[i];
    }

    /// <summary>A float image of interleaved pixels (the prefilter's output), sampled bilinearly with a border colour outside.</summary>
    private readonly ref struct ReducedImage(Span<float> pixels, int width, int height, int channels)
    {
        private readonly Span<float> _p = pixels;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Bilinear(double sx, double sy, scoped ReadOnlySpan<float> border, scoped Span<float> acc)
        {
            if (!(sx > -1 && sx < width && sy > -1 && sy < height))
            {
                for (int c = 0; c < channels; c++) acc[c] += border[c];
                return;
            }
            int x0 = (int)Math.Floor(sx), y0 = (int)Math.Floor(sy);
            float fx = (float)(sx - x0), fy = (float)(sy - y0);
            float w00 = (1 - fx) * (1 - fy), w10 = fx * (1 - fy), w01 = (1 - fx) * fy, w11 = fx * fy;
            int b = (y0 * width + x0) * channels, down = width * channels;
            if ((uint)x0 < (uint)(width - 1) && (uint)y0 < (uint)(height - 1))
            {
                // Interior: all four taps inside (checked above), read without bounds checks.
                ref float p00 = ref Unsafe.Add(ref MemoryMarshal.GetReference(_p), b);
                ref float p01 = ref Unsafe.Add(ref p00, down);
                for (int c = 0; c < channels; c++)
                    acc[c] += w00 * Unsafe.Add(ref p00, c) + w10 * Unsafe.Add(ref p00, channels + c)
                            + w01 * Unsafe.Add(ref p01, c) + w11 * Unsafe.Add(ref p01, channels + c);
                return;
            }
            bool in00 = x0 >= 0 && y0 >= 0, in10 = x0 + 1 < width && y0 >= 0, in01 = x0 >= 0 && y0 + 1 < height, in11 = x0 + 1 < width && y0 + 1 < height;
            for (int c = 0; c < channels; c++)
            {
                float p00 = in00 ? _p[b + c] : border[c];
                float p10 = in10 ? _p[b + channels + c] : border[c];
                float p01 = in01 ? _p[b + down + c] : border[c];
                float p11 = in11 ? _p[b + down + channels + c] : border[c];
                acc[c] += w00 * p00 + w10 * p10 + w01 * p01 + w11 * p11;
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
