using System.Buffers.Binary;
using System.IO.Compression;

namespace DenseFace.Imaging.Png;

/// <summary>
/// Managed PNG decoder (ISO/IEC 15948). Supports every colour type (gray, RGB, palette, gray+alpha, RGBA), every
/// legal bit depth (1, 2, 4, 8, 16), PLTE and tRNS, Adam7 interlacing, all five scanline filters and image data
/// split over any number of IDAT chunks. Every chunk CRC is verified.
/// </summary>
/// <remarks>
/// <para>Output channels: 1 for gray without transparency, 3 for RGB or palette without transparency, 4 (RGBA)
/// whenever the image has alpha (gray+alpha, RGBA, a palette with tRNS, or a tRNS colour key on gray/RGB, where
/// pixels equal to the key get alpha 0 and all others 255). Gray+alpha is expanded to RGBA.</para>
/// <para>Sample scaling: 16-bit samples become <c>(v * 255 + 32767) / 65535</c>; 1/2/4-bit gray samples are scaled to
/// the full 0..255 range (v * 255 / (2^depth - 1)); palette indices are not scaled.</para>
/// <para>Safety: the image size is checked with <see cref="Image8.Validate"/> before anything is allocated, and the
/// zlib stream is inflated row by row for exactly the number of bytes the header implies, so a decompression bomb
/// costs no more memory or time than an honest image of the declared size. Data that inflates to more than the
/// expected byte count is ignored (as libpng does), and so the zlib Adler-32 trailer is not checked (the chunk CRCs
/// are); data that ends early is an error.</para>
/// <para>Strictness: a bad CRC, a missing IHDR/IDAT/IEND, an unknown critical chunk, an invalid header field,
/// an unknown filter type or a palette index past the end of PLTE all raise <see cref="InvalidInputException"/>.
/// Unknown ancillary chunks are skipped.</para>
/// </remarks>
public static class PngDecoder
{
    internal static ReadOnlySpan<byte> Signature => [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    private const uint ChunkIHDR = 0x49484452, ChunkPLTE = 0x504C5445, ChunkIDAT = 0x49444154,
        ChunkIEND = 0x49454E44, ChunkTRNS = 0x74524E53;

    // Adam7 passes: x start, y start, x step, y step.
    private static ReadOnlySpan<byte> Adam7 => [0, 0, 8, 8, 4, 0, 8, 8, 0, 4, 4, 8, 2, 0, 4, 4, 0, 2, 2, 4, 1, 0, 2, 2, 0, 1, 1, 2];

    /// <summary>True when <paramref name="data"/> starts with the PNG signature.</summary>
    public static bool IsPng(ReadOnlySpan<byte> data) => data.StartsWith(Signature);

    /// <summary>Decodes a PNG file held in memory.</summary>
    /// <param name="data">The whole file.</param>
    /// <param name="sourceName">Name used in error messages (typically the file path).</param>
    /// <returns>An 8-bit image with 1, 3 or 4 channels (see remarks on the class).</returns>
    /// <exception cref="InvalidInputException">The data is not a valid PNG or exceeds the size caps.</exception>
    public static Image8 Decode(ReadOnlySpan<byte> data, string sourceName)
    {
        if (!IsPng(data))
            throw new InvalidInputException(sourceName, "not a PNG file (bad signature)");

        Header h = default;
        bool haveHeader = false, haveEnd = false;
        byte[]? palette = null;      // RGBA, 4 bytes per entry
        int paletteCount = 0;
        byte[]? trns = null;
        long idatTotal = 0;
        var idatRanges = new List<(int Offset, int Length)>();

        int pos = 8;
        while (!haveEnd)
        {
            if (data.Length - pos < 12)
                throw new InvalidInputException(sourceName, $"truncated PNG: chunk header expected at byte {pos}" + (haveHeader ? "" : " (no IHDR)"));
            uint length = BinaryPrimitives.ReadUInt32BigEndian(data[pos..]);
            uint type = BinaryPrimitives.ReadUInt32BigEndian(data[(pos + 4)..]);
            string typeName = ChunkName(type);
            if (length > int.MaxValue)
                throw new InvalidInputException(sourceName, $"chunk {typeName} at byte {pos} has invalid length {length}");
            if (data.Length - pos - 12 < length)
                throw new InvalidInputException(sourceName, $"truncated PNG: chunk {typeName} at byte {pos} declares {length} bytes, file has {Math.Max(0, data.Length - pos - 12)} left");
            var body = data.Slice(pos + 8, (int)length);
            uint storedCrc = BinaryPrimitives.ReadUInt32BigEndian(data[(pos + 8 + (int)length)..]);
            uint crc = PngCrc32.Update(0, data.Slice(pos + 4, 4 + (int)length));
            if (crc != storedCrc)
                throw new InvalidInputException(sourceName, $"CRC mismatch in chunk {typeName} at byte {pos} (stored {storedCrc:X8}, computed {crc:X8})");

            if (!haveHeader && type != ChunkIHDR)
                throw new InvalidInputException(sourceName, $"first chunk is {typeName}, expected IHDR");
            switch (type)
            {
                case ChunkIHDR:
                    if (haveHeader) throw new InvalidInputException(sourceName, "duplicate IHDR chunk");
                    h = ParseHeader(body, sourceName);
                    haveHeader = true;
                    break;
                case ChunkPLTE:
                    if (palette != null) throw new InvalidInputException(sourceName, "duplicate PLTE chunk");
                    if (idatRanges.Count > 0) throw new InvalidInputException(sourceName, "PLTE chunk after IDAT");
                    if (length == 0 || length % 3 != 0 || length > 768)
                        throw new InvalidInputException(sourceName, $"PLTE chunk has invalid length {length}");
                    paletteCount = (int)length / 3;
                    palette = new byte[256 * 4];
                    for (int i = 0; i < paletteCount; i++)
                    {
                        palette[4 * i] = body[3 * i]; palette[4 * i + 1] = body[3 * i + 1]; palette[4 * i + 2] = body[3 * i + 2];
                        palette[4 * i + 3] = 255;
                    }
                    break;
                case ChunkTRNS:
                    if (idatRanges.Count > 0) throw new InvalidInputException(sourceName, "tRNS chunk after IDAT");
                    trns = ParseTransparency(h, body, palette, paletteCount, sourceName);
                    break;
                case ChunkIDAT:
                    idatRanges.Add((pos + 8, (int)length));
                    idatTotal += length;
                    break;
                case ChunkIEND:
                    haveEnd = true;
                    break;
                default:
                    if ((type & 0x20000000) == 0) // bit 5 of the first byte clear: critical
                        throw new InvalidInputException(sourceName, $"unknown critical chunk {typeName}");
                    break;
            }
            pos += 12 + (int)length;
        }

        if (idatRanges.Count == 0) throw new InvalidInputException(sourceName, "no IDAT chunk");
        if (h.ColorType == 3 && palette == null) throw new InvalidInputException(sourceName, "palette image without PLTE chunk");
        h.PaletteCount = paletteCount;

        // Output format.
        bool hasAlpha = h.ColorType is 4 or 6 || trns != null;
        int outChannels = hasAlpha ? 4 : h.ColorType == 0 ? 1 : 3;
        Image8.Validate(h.Width, h.Height, outChannels, sourceName);
        if (trns != null && h.ColorType == 3) palette = trns; // palette with alpha merged in

        // Concatenate the compressed stream (bounded by the input size).
        var compressed = new byte[idatTotal];
        int at = 0;
        foreach (var (offset, len) in idatRanges) { data.Slice(offset, len).CopyTo(compressed.AsSpan(at)); at += len; }
        // FLG bit 5 (FDICT): the stream needs a preset dictionary, which PNG forbids and zlib cannot inflate without.
        if (compressed.Length >= 2 && (compressed[1] & 0x20) != 0)
            throw new InvalidInputException(sourceName, "corrupt zlib image data: the stream requires a preset dictionary (FDICT flag set), which PNG does not allow");

        var image = new Image8(h.Width, h.Height, outChannels);
        int bitsPerPixel = h.BitDepth * SamplesPerPixel(h.ColorType);
        int bpp = Math.Max(1, bitsPerPixel / 8);
        long maxRowBytes = ((long)h.Width * bitsPerPixel + 7) / 8;
        var cur = new byte[maxRowBytes + 1];
        var prev = new byte[maxRowBytes + 1];
        var ctx = new RowContext(h, palette, trns, image, sourceName);

        try
        {
            using var z = new ZLibStream(new MemoryStream(compressed, writable: false), CompressionMode.Decompress);
            if (h.Interlace == 0)
            {
                DecodePass(z, ctx, cur, prev, bitsPerPixel, bpp, 0, 0, 1, 1, h.Width, h.Height);
            }
            else
            {
                for (int p = 0; p < 7; p++)
                {
                    int x0 = Adam7[4 * p], y0 = Adam7[4 * p + 1], dx = Adam7[4 * p + 2], dy = Adam7[4 * p + 3];
                    int pw = h.Width > x0 ? (h.Width - x0 + dx - 1) / dx : 0;
                    int ph = h.Height > y0 ? (h.Height - y0 + dy - 1) / dy : 0;
                    if (pw == 0 || ph == 0) continue;
                    DecodePass(z, ctx, cur, prev, bitsPerPixel, bpp, x0, y0, dx, dy, pw, ph);
                }
            }
            // Any further inflated data is deliberately not read (see class remarks).
        }
        catch (Exception e) when (e is InvalidDataException or IOException)
        {
            // zlib's own error codes surface as ZLibException, an IOException, not as InvalidDataException.
            throw new InvalidInputException(sourceName, $"corrupt zlib image data: {e.Message}", e);
        }
        return image;
    }

    private static void DecodePass(Stream z, in RowContext ctx, byte[] cur, byte[] prev, int bitsPerPixel, int bpp,
        int x0, int y0, int dx, int dy, int passWidth, int passHeight)
    {
        int rowBytes = (int)(((long)passWidth * bitsPerPixel + 7) / 8);
        var curRow = cur.AsSpan(0, rowBytes + 1);
        var prevRow = prev.AsSpan(0, rowBytes + 1);
        prevRow.Clear();
        for (int r = 0; r < passHeight; r++)
        {
            int got = z.ReadAtLeast(curRow, curRow.Length, throwOnEndOfStream: false);
            if (got < curRow.Length)
                throw new InvalidInputException(ctx.Source, $"image data ends early (row {r} of a pass starting at ({x0},{y0}) is incomplete)");
            int filter = curRow[0];
            if (!PngFilter.Unfilter(filter, curRow[1..], prevRow[1..], bpp))
                throw new InvalidInputException(ctx.Source, $"unknown filter type {filter} at row {y0 + r * dy}");
            ctx.Emit(curRow[1..], y0 + r * dy, x0, dx, passWidth);
            var t = curRow; curRow = prevRow; prevRow = t;
        }
    }

    /// <summary>Converts one reconstructed scanline to 8-bit output pixels.</summary>
    private readonly ref struct RowContext(Header h, byte[]? palette, byte[]? trns, Image8 image, string source)
    {
        public readonly string Source = source;

        public void Emit(ReadOnlySpan<byte> row, int y, int x0, int dx, int count)
        {
            int oc = image.Channels;
            var dst = image.Row(y);
            int depth = h.BitDepth;
            // Fast paths: 8-bit gray/RGB/RGBA with no colour key, not interlaced.
            if (dx == 1 && depth == 8 && trns == null && h.ColorType is 0 or 2 or 6)
            {
                row[..(count * oc)].CopyTo(dst);
                return;
            }
            switch (h.ColorType)
            {
                case 0:
                {
                    int key = trns != null ? trns[0] << 8 | trns[1] : -1;
                    for (int i = 0; i < count; i++)
                    {
                        int v = Sample(row, i, depth);
                        byte g = Scale(v, depth);
                        int o = (x0 + i * dx) * oc;
                        if (oc == 1) dst[o] = g;
                        else { dst[o] = dst[o + 1] = dst[o + 2] = g; dst[o + 3] = v == key ? (byte)0 : (byte)255; }
                    }
                    break;
                }
                case 2:
                {
                    int kr = -1, kg = -1, kb = -1;
                    if (trns != null) { kr = trns[0] << 8 | trns[1]; kg = trns[2] << 8 | trns[3]; kb = trns[4] << 8 | trns[5]; }
                    for (int i = 0; i < count; i++)
                    {
                        int r = Sample(row, 3 * i, depth), g = Sample(row, 3 * i + 1, depth), b = Sample(row, 3 * i + 2, depth);
                        int o = (x0 + i * dx) * oc;
                        dst[o] = Scale(r, depth); dst[o + 1] = Scale(g, depth); dst[o + 2] = Scale(b, depth);
                        if (oc == 4) dst[o + 3] = r == kr && g == kg && b == kb ? (byte)0 : (byte)255;
                    }
                    break;
                }
                case 3:
                {
                    var pal = palette!;
                    int entries = h.PaletteCount;
                    for (int i = 0; i < count; i++)
                    {
                        int idx = Sample(row, i, depth);
                        if (idx >= entries)
                            throw new InvalidInputException(Source, $"palette index {idx} at pixel ({x0 + i * dx},{y}) exceeds the {entries}-entry palette");
                        int o = (x0 + i * dx) * oc;
                        dst[o] = pal[4 * idx]; dst[o + 1] = pal[4 * idx + 1]; dst[o + 2] = pal[4 * idx + 2];
                        if (oc == 4) dst[o + 3] = pal[4 * idx + 3];
                    }
                    break;
                }
                case 4:
                    for (int i = 0; i < count; i++)
                    {
                        byte g = Scale(Sample(row, 2 * i, depth), depth), a = Scale(Sample(row, 2 * i + 1, depth), depth);
                        int o = (x0 + i * dx) * 4;
                        dst[o] = dst[o + 1] = dst[o + 2] = g; dst[o + 3] = a;
                    }
                    break;
                default: // 6
                    for (int i = 0; i < count; i++)
                    {
                        int o = (x0 + i * dx) * 4;
                        for (int c = 0; c < 4; c++) dst[o + c] = Scale(Sample(row, 4 * i + c, depth), depth);
                    }
                    break;
            }
        }
    }

    /// <summary>Sample number <paramref name="k"/> of a scanline at the given bit depth (MSB-first packing).</summary>
    private static int Sample(ReadOnlySpan<byte> row, int k, int depth) => depth switch
    {
        8 => row[k],
        16 => row[2 * k] << 8 | row[2 * k + 1],
        _ => (row[k * depth >> 3] >> (8 - depth - (k * depth & 7))) & ((1 << depth) - 1),
    };

    private static byte Scale(int v, int depth) => depth switch
    {
        8 => (byte)v,
        16 => (byte)((v * 255 + 32767) / 65535),
        _ => (byte)(v * 255 / ((1 << depth) - 1)),
    };

    private static int SamplesPerPixel(int colorType) => colorType switch { 0 => 1, 2 => 3, 3 => 1, 4 => 2, _ => 4 };

    private struct Header
    {
        public int Width, Height, BitDepth, ColorType, Interlace, PaletteCount;
    }

    private static Header ParseHeader(ReadOnlySpan<byte> b, string source)
    {
        if (b.Length != 13) throw new InvalidInputException(source, $"IHDR chunk has length {b.Length}, expected 13");
        uint w = BinaryPrimitives.ReadUInt32BigEndian(b), hgt = BinaryPrimitives.ReadUInt32BigEndian(b[4..]);
        if (w == 0 || hgt == 0) throw new InvalidInputException(source, $"image size {w}x{hgt} is empty");
        if (w > Image8.MaxDimension || hgt > Image8.MaxDimension)
            throw new InvalidInputException(source, $"image size {w}x{hgt} exceeds the limit ({Image8.MaxDimension} per side)");
        var h = new Header { Width = (int)w, Height = (int)hgt, BitDepth = b[8], ColorType = b[9], Interlace = b[12] };
        bool depthOk = h.ColorType switch
        {
            0 => h.BitDepth is 1 or 2 or 4 or 8 or 16,
            3 => h.BitDepth is 1 or 2 or 4 or 8,
            2 or 4 or 6 => h.BitDepth is 8 or 16,
            _ => throw new InvalidInputException(source, $"invalid colour type {h.ColorType}"),
        };
        if (!depthOk) throw new InvalidInputException(source, $"bit depth {h.BitDepth} is not allowed for colour type {h.ColorType}");
        if (b[10] != 0) throw new InvalidInputException(source, $"unknown compression method {b[10]}");
        if (b[11] != 0) throw new InvalidInputException(source, $"unknown filter method {b[11]}");
        if (h.Interlace > 1) throw new InvalidInputException(source, $"unknown interlace method {h.Interlace}");
        return h;
    }

    /// <summary>For palette images returns the palette (RGBA) with alpha filled in; otherwise the raw colour key.</summary>
    private static byte[]? ParseTransparency(in Header h, ReadOnlySpan<byte> body, byte[]? palette, int paletteCount, string source)
    {
        switch (h.ColorType)
        {
            case 3:
                if (palette == null) throw new InvalidInputException(source, "tRNS chunk before PLTE");
                if (body.Length > paletteCount)
                    throw new InvalidInputException(source, $"tRNS has {body.Length} entries for a {paletteCount}-entry palette");
                var merged = (byte[])palette.Clone();
                for (int i = 0; i < body.Length; i++) merged[4 * i + 3] = body[i];
                return merged;
            case 0:
            case 2:
                int need = h.ColorType == 0 ? 2 : 6;
                if (body.Length != need) throw new InvalidInputException(source, $"tRNS chunk has length {body.Length}, expected {need}");
                return body.ToArray();
            default:
                return null; // tRNS is not allowed with an alpha channel; ignored like libpng does
        }
    }

    private static string ChunkName(uint type)
    {
        Span<char> c = stackalloc char[4];
        for (int i = 0; i < 4; i++)
        {
            char ch = (char)((type >> (24 - 8 * i)) & 0xFF);
            c[i] = ch is >= 'A' and <= 'Z' or >= 'a' and <= 'z' ? ch : '?';
        }
        return new string(c);
    }
}
