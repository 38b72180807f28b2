using System.Buffers.Binary;

namespace DenseFace.Imaging.Jpeg;

/// <summary>
/// The Exif/TIFF orientation tag (0x0112) and the transform that makes an image upright.
/// Values: 1 upright, 2 mirrored horizontally, 3 rotated 180, 4 mirrored vertically, 5 transposed
/// (mirror + 90 CCW), 6 needs 90 CW rotation, 7 transverse (mirror + 90 CW), 8 needs 90 CCW rotation.
/// Malformed Exif data is ignored (orientation 1): it must never make an otherwise valid image undecodable.
/// </summary>
internal static class ExifOrientation
{
    private const int OrientationTag = 0x0112;

    /// <summary>Scans the JPEG marker segments before the first scan for an Exif APP1 and returns its orientation.</summary>
    public static int FindInJpeg(ReadOnlySpan<byte> data)
    {
        if (data.Length < 4 || data[0] != 0xFF || data[1] != 0xD8) return 1;
        int pos = 2;
        while (pos + 4 <= data.Length && data[pos] == 0xFF)
        {
            int marker = data[pos + 1];
            if (marker == 0xFF) { pos++; continue; }
            if (marker is 0xDA or 0xD9) break;
            int length = BinaryPrimitives.ReadUInt16BigEndian(data[(pos + 2)..]);
            if (length < 2 || pos + 2 + length > data.Length) break;
            if (marker == 0xE1)
            {
                int o = FromApp1(data.Slice(pos + 4, length - 2));
                if (o != 1) return o;
            }
            pos += 2 + length;
        }
        return 1;
    }

    /// <summary>Orientation from the payload of an APP1 segment ("Exif\0\0" + TIFF); 1 when absent or malformed.</summary>
    public static int FromApp1(ReadOnlySpan<byte> seg)
    {
        if (seg.Length < 14 || !seg[..6].SequenceEqual("Exif\0\0"u8)) return 1;
        var tiff = seg[6..];
        bool little;
        if (tiff[0] == 'I' && tiff[1] == 'I') little = true;
        else if (tiff[0] == 'M' && tiff[1] == 'M') little = false;
        else return 1;
        if (U16(tiff, 2, little) != 42) return 1;
        long ifd = U32(tiff, 4, little);
        if (ifd < 8 || ifd + 2 > tiff.Length) return 1;
        int count = U16(tiff, (int)ifd, little);
        for (int i = 0; i < count; i++)
        {
            long e = ifd + 2 + 12L * i;
            if (e + 12 > tiff.Length) return 1;
            if (U16(tiff, (int)e, little) != OrientationTag) continue;
            int type = U16(tiff, (int)e + 2, little);
            int value = type == 3 ? U16(tiff, (int)e + 8, little) : type == 4 ? (int)Math.Min(U32(tiff, (int)e + 8, little), 9) : 0;
            return value is >= 1 and <= 8 ? value : 1;
        }
        return 1;
    }

    private static int U16(ReadOnlySpan<byte> b, int o, bool little) =>
        little ? BinaryPrimitives.ReadUInt16LittleEndian(b[o..]) : BinaryPrimitives.ReadUInt16BigEndian(b[o..]);

    private static long U32(ReadOnlySpan<byte> b, int o, bool little) =>
        little ? BinaryPrimitives.ReadUInt32LittleEndian(b[o..]) : BinaryPrimitives.ReadUInt32BigEndian(b[o..]);

    /// <summary>Returns the upright image for a stored image with the given orientation (2..8); width and height swap for 5..8.</summary>
    public static Image8 Apply(Image8 src, int orientation)
    {
        int w = src.Width, h = src.Height, ch = src.Channels;
        bool swap = orientation >= 5;
        var dst = new Image8(swap ? h : w, swap ? w : h, ch);
        int dw = dst.Width;
        var s = src.Pixels; var d = dst.Pixels;
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                // (x, y) in the stored image goes to (dx, dy) in the upright image.
                int dx, dy;
                switch (orientation)
                {
                    case 2: dx = w - 1 - x; dy = y; break;
                    case 3: dx = w - 1 - x; dy = h - 1 - y; break;
                    case 4: dx = x; dy = h - 1 - y; break;
                    case 5: dx = y; dy = x; break;
                    case 6: dx = h - 1 - y; dy = x; break;
                    case 7: dx = h - 1 - y; dy = w - 1 - x; break;
                    case 8: dx = y; dy = w - 1 - x; break;
                    default: dx = x; dy = y; break;
                }
                int si = (y * w + x) * ch, di = (dy * dw + dx) * ch;
                for (int c = 0; c < ch; c++) d[di + c] = s[si + c];
            }
        return dst;
    }
}
