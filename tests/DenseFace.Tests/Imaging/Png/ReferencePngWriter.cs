using System.IO.Compression;

namespace DenseFace.Tests.Imaging.Png;

/// <summary>
/// A small PNG writer independent of the library code (own CRC, own filters, own bit packing and Adam7), used
/// to build test files in formats the library encoder does not produce: every colour type and bit depth,
/// palettes with tRNS, colour keys, interlacing and all five filters (row r of each pass uses filter r % 5).
/// </summary>
internal static class ReferencePngWriter
{
    public static int SamplesPerPixel(int colorType) => colorType switch { 0 => 1, 2 => 3, 3 => 1, 4 => 2, _ => 4 };

    /// <param name="width">Width in pixels.</param>
    /// <param name="height">Height in pixels.</param>
    /// <param name="colorType">PNG colour type 0, 2, 3, 4 or 6.</param>
    /// <param name="bitDepth">Bits per sample.</param>
    /// <param name="interlace">Adam7 when true.</param>
    /// <param name="samples">Native-depth samples, row-major, SamplesPerPixel values per pixel.</param>
    /// <param name="palette">RGB triples for colour type 3.</param>
    /// <param name="trns">Raw tRNS chunk body, or null.</param>
    /// <param name="idatSplit">Maximum bytes per IDAT chunk.</param>
    /// <param name="filterCycle">Cycle the five filters over rows; false writes filter None everywhere.</param>
    public static byte[] Write(int width, int height, int colorType, int bitDepth, bool interlace, int[] samples,
        byte[]? palette = null, byte[]? trns = null, int idatSplit = 1 << 20, bool filterCycle = true)
    {
        int spp = SamplesPerPixel(colorType);
        var raw = new MemoryStream();
        if (!interlace)
            WritePass(raw, width, height, spp, bitDepth, samples, 0, 0, 1, 1, filterCycle);
        else
        {
            int[][] passes = [[0, 0, 8, 8], [4, 0, 8, 8], [0, 4, 4, 8], [2, 0, 4, 4], [0, 2, 2, 4], [1, 0, 2, 2], [0, 1, 1, 2]];
            foreach (var p in passes)
                WritePass(raw, width, height, spp, bitDepth, samples, p[0], p[1], p[2], p[3], filterCycle);
        }
        var zms = new MemoryStream();
        using (var z = new ZLibStream(zms, CompressionLevel.Optimal, leaveOpen: true)) z.Write(raw.ToArray());
        byte[] compressed = zms.ToArray();

        var o = new MemoryStream();
        o.Write([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]);
        var ihdr = new byte[13];
        BE(ihdr, 0, (uint)width); BE(ihdr, 4, (uint)height);
        ihdr[8] = (byte)bitDepth; ihdr[9] = (byte)colorType; ihdr[12] = (byte)(interlace ? 1 : 0);
        Chunk(o, "IHDR", ihdr);
        Chunk(o, "tEXt", "Comment\0reference writer"u8.ToArray()); // ancillary, must be skipped
        if (palette != null) Chunk(o, "PLTE", palette);
        if (trns != null) Chunk(o, "tRNS", trns);
        for (int at = 0; at < compressed.Length; at += idatSplit)
            Chunk(o, "IDAT", compressed.AsSpan(at, Math.Min(idatSplit, compressed.Length - at)).ToArray());
        Chunk(o, "IEND", []);
        return o.ToArray();
    }

    private static void WritePass(Stream s, int width, int height, int spp, int depth, int[] samples,
        int x0, int y0, int dx, int dy, bool filterCycle)
    {
        int pw = width > x0 ? (width - x0 + dx - 1) / dx : 0;
        int ph = height > y0 ? (height - y0 + dy - 1) / dy : 0;
        if (pw == 0 || ph == 0) return;
        int rowBytes = (pw * spp * depth + 7) / 8;
        int bpp = Math.Max(1, spp * depth / 8);
        var prior = new byte[rowBytes];
        for (int r = 0; r < ph; r++)
        {
            var row = new byte[rowBytes];
            int y = y0 + r * dy;
            int k = 0;
            for (int i = 0; i < pw; i++)
            {
                int x = x0 + i * dx;
                for (int c = 0; c < spp; c++, k++)
                {
                    int v = samples[(y * width + x) * spp + c];
                    if (depth == 16) { row[2 * k] = (byte)(v >> 8); row[2 * k + 1] = (byte)v; }
                    else if (depth == 8) row[k] = (byte)v;
                    else
                    {
                        int bit = k * depth;
                        row[bit / 8] |= (byte)(v << (8 - depth - bit % 8));
                    }
                }
            }
            int f = filterCycle ? r % 5 : 0;
            s.WriteByte((byte)f);
            for (int i = 0; i < rowBytes; i++)
            {
                int a = i >= bpp ? row[i - bpp] : 0, b = prior[i], c = i >= bpp ? prior[i - bpp] : 0;
                int pred = f switch
                {
                    0 => 0,
                    1 => a,
                    2 => b,
                    3 => (a + b) / 2,
                    _ => PaethRef(a, b, c),
                };
                s.WriteByte((byte)(row[i] - pred));
            }
            prior = row;
        }
    }

    private static int PaethRef(int a, int b, int c)
    {
        int p = a + b - c, pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
        return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }

    public static void Chunk(Stream o, string type, byte[] body)
    {
        var hdr = new byte[8];
        BE(hdr, 0, (uint)body.Length);
        for (int i = 0; i < 4; i++) hdr[4 + i] = (byte)type[i];
        o.Write(hdr);
        o.Write(body);
        var crcInput = new byte[4 + body.Length];
        Array.Copy(hdr, 4, crcInput, 0, 4);
        Array.Copy(body, 0, crcInput, 4, body.Length);
        var crc = new byte[4];
        BE(crc, 0, Crc(crcInput));
        o.Write(crc);
    }

    /// <summary>Bitwise CRC-32 (no table), independent of the library's implementation.</summary>
    public static uint Crc(ReadOnlySpan<byte> data)
    {
        uint c = 0xFFFFFFFF;
        foreach (byte b in data)
        {
            c ^= b;
            for (int k = 0; k < 8; k++) c = (c & 1) != 0 ? (c >> 1) ^ 0xEDB88320 : c >> 1;
        }
        return ~c;
    }

    public static void BE(byte[] b, int at, uint v)
    {
        b[at] = (byte)(v >> 24); b[at + 1] = (byte)(v >> 16); b[at + 2] = (byte)(v >> 8); b[at + 3] = (byte)v;
    }

    /// <summary>Recomputes the CRC of every chunk that can be walked, so that mutated files exercise the parser
    /// and inflater instead of stopping at the CRC check. Stops at the first chunk whose length runs off the end.</summary>
    public static byte[] FixCrcs(byte[] data)
    {
        var d = (byte[])data.Clone();
        int pos = 8;
        while (pos + 12 <= d.Length)
        {
            long len = (uint)(d[pos] << 24 | d[pos + 1] << 16 | d[pos + 2] << 8 | d[pos + 3]);
            if (pos + 12 + len > d.Length) break;
            BE(d, pos + 8 + (int)len, Crc(d.AsSpan(pos + 4, 4 + (int)len)));
            pos += 12 + (int)len;
        }
        return d;
    }
}
