using System.Buffers.Binary;
using System.IO.Compression;

namespace DenseFace.Imaging.Png;

/// <summary>
/// Managed PNG encoder for 8-bit images: 1 channel -> gray (colour type 0), 3 -> RGB (2), 4 -> RGBA (6),
/// never interlaced. Each row gets the filter with the minimum sum of absolute (signed) filtered bytes, the
/// heuristic recommended by the PNG spec (section 12.8). Decoding the result with <see cref="PngDecoder"/>
/// reproduces the pixels exactly.
/// </summary>
public static class PngEncoder
{
    private const int IdatChunkSize = 1 << 18;

    /// <summary>Encodes <paramref name="image"/> as a PNG file.</summary>
    /// <param name="image">1-, 3- or 4-channel 8-bit image.</param>
    /// <param name="compressionLevel">zlib level 0 (store) .. 9 (smallest); 6 is zlib's default.</param>
    public static byte[] Encode(Image8 image, int compressionLevel = 6)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentOutOfRangeException.ThrowIfLessThan(compressionLevel, 0);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(compressionLevel, 9);
        int ch = image.Channels;
        int rowBytes = image.Width * ch;

        var idat = new MemoryStream();
        using (var z = new ZLibStream(idat, new ZLibCompressionOptions { CompressionLevel = compressionLevel }, leaveOpen: true))
        {
            var zeros = new byte[rowBytes];
            var best = new byte[rowBytes + 1];
            var trial = new byte[rowBytes + 1];
            for (int y = 0; y < image.Height; y++)
            {
                ReadOnlySpan<byte> raw = image.Row(y);
                ReadOnlySpan<byte> prior = y > 0 ? image.Row(y - 1) : zeros;
                long bestSum = long.MaxValue;
                for (int f = 0; f < PngFilter.Count; f++)
                {
                    long sum = PngFilter.Filter(f, raw, prior, ch, trial.AsSpan(1));
                    if (sum < bestSum)
                    {
                        bestSum = sum;
                        trial[0] = (byte)f;
                        (best, trial) = (trial, best);
                    }
                }
                z.Write(best);
            }
        }

        var output = new MemoryStream((int)Math.Min(int.MaxValue, idat.Length + 128));
        output.Write(PngDecoder.Signature);
        Span<byte> ihdr = stackalloc byte[13];
        BinaryPrimitives.WriteInt32BigEndian(ihdr, image.Width);
        BinaryPrimitives.WriteInt32BigEndian(ihdr[4..], image.Height);
        ihdr[8] = 8;
        ihdr[9] = ch switch { 1 => (byte)0, 3 => (byte)2, _ => (byte)6 };
        ihdr[10] = ihdr[11] = ihdr[12] = 0;
        WriteChunk(output, "IHDR"u8, ihdr);
        var compressed = idat.GetBuffer().AsSpan(0, (int)idat.Length);
        for (int at = 0; at < compressed.Length; at += IdatChunkSize)
            WriteChunk(output, "IDAT"u8, compressed.Slice(at, Math.Min(IdatChunkSize, compressed.Length - at)));
        WriteChunk(output, "IEND"u8, []);
        return output.ToArray();
    }

    private static void WriteChunk(Stream s, ReadOnlySpan<byte> type, ReadOnlySpan<byte> body)
    {
        Span<byte> buf = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(buf, body.Length);
        s.Write(buf);
        s.Write(type);
        s.Write(body);
        BinaryPrimitives.WriteUInt32BigEndian(buf, PngCrc32.Update(PngCrc32.Update(0, type), body));
        s.Write(buf);
    }
}
