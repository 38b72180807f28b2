using System.Text;

namespace DenseFace.Imaging.Pnm;

/// <summary>
/// Netpbm codec: PBM (P1 ASCII, P4 binary), PGM (P2, P5), PPM (P3, P6) and PAM (P7).
/// </summary>
/// <remarks>
/// <para>Decoding: maxval may be 1..65535; samples are scaled to 8 bits as <c>round(v * 255 / maxval)</c>
/// (16-bit binary samples are big-endian). Samples above maxval are an error. Header comments (<c>#</c> to end of
/// line) are allowed between header fields. Bitmaps (P1/P4) decode to gray with 1 = black = 0 and 0 = white = 255.
/// PGM/PBM give 1 channel, PPM 3; PAM gives 1 (GRAYSCALE/BLACKANDWHITE), 3 (RGB) or 4 (RGB_ALPHA, and
/// GRAYSCALE_ALPHA expanded to RGBA). Only the first image of a multi-image file is read.</para>
/// <para>Encoding writes binary maxval-255 files: 1 channel -> P5, 3 -> P6, 4 -> P7 with TUPLTYPE RGB_ALPHA.</para>
/// <para>The image size is validated and checked against the data length before any pixel buffer is allocated.</para>
/// </remarks>
public static class PnmCodec
{
    /// <summary>True when <paramref name="data"/> starts with a Netpbm magic number (P1..P7).</summary>
    public static bool IsPnm(ReadOnlySpan<byte> data) => data.Length >= 2 && data[0] == 'P' && data[1] is >= (byte)'1' and <= (byte)'7';

    /// <summary>Decodes a PBM/PGM/PPM/PAM file held in memory.</summary>
    /// <param name="data">The whole file.</param>
    /// <param name="sourceName">Name used in error messages (typically the file path).</param>
    /// <exception cref="InvalidInputException">Malformed header or raster, or size over the caps.</exception>
    public static Image8 Decode(ReadOnlySpan<byte> data, string sourceName)
    {
        if (!IsPnm(data)) throw new InvalidInputException(sourceName, "not a Netpbm file (expected magic P1..P7)");
        int kind = data[1] - '0';
        if (data.Length < 3 || data[2] is not ((byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\r' or (byte)'\v' or (byte)'\f' or (byte)'#'))
            throw new InvalidInputException(sourceName, $"magic number P{kind} is not followed by whitespace");
        var r = new Reader(data, 2, sourceName);
        if (kind == 7) return DecodePam(ref r, data, sourceName);

        int width = r.HeaderInt("width", 1, int.MaxValue);
        int height = r.HeaderInt("height", 1, int.MaxValue);
        int maxval = kind is 1 or 4 ? 1 : r.HeaderInt("maxval", 1, 65535);
        int channels = kind is 3 or 6 ? 3 : 1;
        Image8.Validate(width, height, channels, sourceName);
        long samples = (long)width * height * channels;
        bool binary = kind >= 4;

        if (binary)
        {
            r.SingleWhitespace();
            long need = kind == 4 ? (long)(width + 7) / 8 * height : samples * (maxval > 255 ? 2 : 1);
            if (data.Length - r.Pos < need)
                throw new InvalidInputException(sourceName, $"raster truncated: {need} bytes needed, {data.Length - r.Pos} present");
            var img = new Image8(width, height, channels);
            var px = img.Pixels;
            var raster = data[r.Pos..];
            if (kind == 4)
            {
                int stride = (width + 7) / 8;
                for (int y = 0; y < height; y++)
                    for (int x = 0; x < width; x++)
                        px[y * width + x] = ((raster[y * stride + (x >> 3)] >> (7 - (x & 7))) & 1) != 0 ? (byte)0 : (byte)255;
            }
            else
            {
                var lut = maxval <= 255 ? BuildLut(maxval) : null;
                for (long i = 0; i < samples; i++)
                {
                    int v = lut != null ? raster[(int)i] : raster[(int)(2 * i)] << 8 | raster[(int)(2 * i + 1)];
                    if (v > maxval)
                        throw new InvalidInputException(sourceName, $"sample {v} at index {i} exceeds maxval {maxval}");
                    px[i] = lut != null ? lut[v] : ScaleSample(v, maxval);
                }
            }
            return img;
        }
        else
        {
            // Every ASCII sample takes at least one byte: a cheap bound before allocating.
            if (data.Length - r.Pos < samples)
                throw new InvalidInputException(sourceName, $"raster truncated: {samples} samples needed, only {data.Length - r.Pos} bytes left");
            var img = new Image8(width, height, channels);
            var px = img.Pixels;
            for (long i = 0; i < samples; i++)
            {
                if (kind == 1)
                {
                    int bit = r.BitmapDigit();
                    px[i] = bit == 1 ? (byte)0 : (byte)255;
                }
                else
                {
                    int v = r.RasterInt(maxval, i);
                    px[i] = ScaleSample(v, maxval);
                }
            }
            return img;
        }
    }

    private static Image8 DecodePam(ref Reader r, ReadOnlySpan<byte> data, string source)
    {
        int width = -1, height = -1, depth = -1, maxval = -1;
        while (true)
        {
            string key = r.Token("PAM header keyword");
            if (key == "ENDHDR") break;
            switch (key)
            {
                case "WIDTH": width = r.HeaderInt("WIDTH", 1, int.MaxValue); break;
                case "HEIGHT": height = r.HeaderInt("HEIGHT", 1, int.MaxValue); break;
                case "DEPTH": depth = r.HeaderInt("DEPTH", 1, 4); break;
                case "MAXVAL": maxval = r.HeaderInt("MAXVAL", 1, 65535); break;
                case "TUPLTYPE": r.RestOfLine(); break; // the layout follows from DEPTH
                default: throw new InvalidInputException(source, $"unknown PAM header keyword '{key}'");
            }
        }
        if (width < 0 || height < 0 || depth < 0 || maxval < 0)
            throw new InvalidInputException(source, "PAM header lacks WIDTH, HEIGHT, DEPTH or MAXVAL");
        // The raster starts after the newline that ends the ENDHDR line.
        r.SkipToLineEnd();
        int channels = depth switch { 1 => 1, 3 => 3, _ => 4 };
        Image8.Validate(width, height, channels, source);
        int bytesPerSample = maxval > 255 ? 2 : 1;
        long need = (long)width * height * depth * bytesPerSample;
        if (data.Length - r.Pos < need)
            throw new InvalidInputException(source, $"raster truncated: {need} bytes needed, {data.Length - r.Pos} present");
        var img = new Image8(width, height, channels);
        var raster = data[r.Pos..];
        var px = img.Pixels;
        long pixels = (long)width * height;
        Span<byte> s = stackalloc byte[4];
        for (long p = 0; p < pixels; p++)
        {
            for (int c = 0; c < depth; c++)
            {
                long i = p * depth + c;
                int v = bytesPerSample == 1 ? raster[(int)i] : raster[(int)(2 * i)] << 8 | raster[(int)(2 * i + 1)];
                if (v > maxval) throw new InvalidInputException(source, $"sample {v} at index {i} exceeds maxval {maxval}");
                s[c] = ScaleSample(v, maxval);
            }
            long o = p * channels;
            switch (depth)
            {
                case 1: px[o] = s[0]; break; // BLACKANDWHITE in PAM: 0 = black, 1 = white, same as gray
                case 2: px[o] = px[o + 1] = px[o + 2] = s[0]; px[o + 3] = s[1]; break;
                case 3: px[o] = s[0]; px[o + 1] = s[1]; px[o + 2] = s[2]; break;
                default: px[o] = s[0]; px[o + 1] = s[1]; px[o + 2] = s[2]; px[o + 3] = s[3]; break;
            }
        }
        return img;
    }

    private static byte ScaleSample(int v, int maxval) => (byte)((v * 255L + maxval / 2) / maxval);

    private static byte[] BuildLut(int maxval)
    {
        var lut = new byte[256];
        for (int v = 0; v <= maxval; v++) lut[v] = ScaleSample(v, maxval);
        return lut;
    }

    /// <summary>Encodes as binary Netpbm with maxval 255: P5 (1 channel), P6 (3) or P7 RGB_ALPHA (4).</summary>
    public static byte[] Encode(Image8 image)
    {
        ArgumentNullException.ThrowIfNull(image);
        string header = image.Channels switch
        {
            1 => $"P5\n{image.Width} {image.Height}\n255\n",
            3 => $"P6\n{image.Width} {image.Height}\n255\n",
            _ => $"P7\nWIDTH {image.Width}\nHEIGHT {image.Height}\nDEPTH 4\nMAXVAL 255\nTUPLTYPE RGB_ALPHA\nENDHDR\n",
        };
        var result = new byte[Encoding.ASCII.GetByteCount(header) + image.Pixels.Length];
        int n = Encoding.ASCII.GetBytes(header, result);
        image.Pixels.CopyTo(result, n);
        return result;
    }

    /// <summary>Tokenizer over the header and ASCII raster.</summary>
    private ref struct Reader(ReadOnlySpan<byte> data, int pos, string source)
    {
        private readonly ReadOnlySpan<byte> _d = data;
        public int Pos = pos;

        private static bool IsSpace(byte b) => b is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\r' or (byte)'\v' or (byte)'\f';

        /// <summary>Skips whitespace and comments (a comment runs from '#' to the end of the line).</summary>
        private void SkipSpaceAndComments()
        {
            while (Pos < _d.Length)
            {
                if (IsSpace(_d[Pos])) Pos++;
                else if (_d[Pos] == '#') { while (Pos < _d.Length && _d[Pos] != '\n' && _d[Pos] != '\r') Pos++; }
                else break;
            }
        }

        public int HeaderInt(string field, int min, int max)
        {
            SkipSpaceAndComments();
            return ParseInt(field, min, max);
        }

        private int ParseInt(string field, int min, int max)
        {
            if (Pos >= _d.Length) throw new InvalidInputException(source, $"file ends before {field}");
            if (!char.IsAsciiDigit((char)_d[Pos]))
                throw new InvalidInputException(source, $"expected a number for {field} at byte {Pos}, found 0x{_d[Pos]:X2}");
            long v = 0;
            while (Pos < _d.Length && char.IsAsciiDigit((char)_d[Pos]))
            {
                v = v * 10 + (_d[Pos++] - '0');
                if (v > max) throw new InvalidInputException(source, $"{field} exceeds {max}");
            }
            if (v < min) throw new InvalidInputException(source, $"{field} {v} is below {min}");
            return (int)v;
        }

        public int RasterInt(int maxval, long index)
        {
            SkipSpaceAndComments();
            if (Pos >= _d.Length) throw new InvalidInputException(source, $"raster truncated at sample {index}");
            return ParseInt($"sample {index}", 0, maxval);
        }

        public int BitmapDigit()
        {
            SkipSpaceAndComments();
            if (Pos >= _d.Length) throw new InvalidInputException(source, "bitmap raster truncated");
            byte b = _d[Pos++];
            if (b is not ((byte)'0' or (byte)'1')) throw new InvalidInputException(source, $"bitmap raster has byte 0x{b:X2} at {Pos - 1} (expected 0 or 1)");
            return b - '0';
        }

        /// <summary>Binary formats: exactly one whitespace byte separates the header from the raster.</summary>
        public void SingleWhitespace()
        {
            if (Pos >= _d.Length || !IsSpace(_d[Pos])) throw new InvalidInputException(source, "header not followed by whitespace");
            Pos++;
        }

        public string Token(string what)
        {
            SkipSpaceAndComments();
            int start = Pos;
            while (Pos < _d.Length && !IsSpace(_d[Pos]) && Pos - start < 64) Pos++;
            if (Pos == start) throw new InvalidInputException(source, $"file ends before {what}");
            return Encoding.ASCII.GetString(_d[start..Pos]);
        }

        public void RestOfLine()
        {
            while (Pos < _d.Length && _d[Pos] != '\n') Pos++;
        }

        public void SkipToLineEnd()
        {
            while (Pos < _d.Length && _d[Pos] != '\n') Pos++;
            if (Pos >= _d.Length) throw new InvalidInputException(source, "file ends in the PAM header");
            Pos++;
        }
    }
}
