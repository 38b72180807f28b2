using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace DenseFace.Imaging.Jpeg;

/// <summary>
/// Baseline JPEG encoder (ITU-T T.81 sequential Huffman, 8-bit): JFIF header, IJG quality-scaled standard
/// quantisation tables, the standard Huffman tables of annex K.3, accurate integer forward DCT, libjpeg's
/// RGB->YCbCr arithmetic and 2x2 box downsampling for 4:2:0. One channel -> grayscale JPEG; 3 or 4 channels ->
/// YCbCr (alpha is dropped).
/// </summary>
public static class JpegEncoder
{
    /// <summary>Encodes <paramref name="image"/> as a baseline JFIF JPEG.</summary>
    /// <param name="image">1 (gray), 3 (RGB) or 4 (RGBA, alpha ignored) channels.</param>
    /// <param name="quality">IJG quality 1..100 (libjpeg/cjpeg scale; 90 is visually near-lossless for photos).</param>
    /// <param name="subsampleChroma">True: 4:2:0 chroma (half resolution in x and y); false: 4:4:4. Ignored for gray.</param>
    /// <returns>The complete JPEG file.</returns>
    /// <exception cref="InvalidInputException">The image or quality is out of range.</exception>
    public static byte[] Encode(Image8 image, int quality = 90, bool subsampleChroma = true)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (quality is < 1 or > 100) throw new InvalidInputException(nameof(quality), $"JPEG quality {quality} is outside 1..100");
        Image8.Validate(image.Width, image.Height, image.Channels, nameof(image));
        if (image.Width > 65535 || image.Height > 65535)
            throw new InvalidInputException(nameof(image), $"image size {image.Width}x{image.Height} exceeds the JPEG limit of 65535");
        return new JpegEncoderCore(image, quality, image.Channels > 1 && subsampleChroma).Encode();
    }
}

/// <summary>The state of one encode: component planes, tables and the output buffer.</summary>
internal sealed class JpegEncoderCore
{
    private readonly Image8 _image;
    private readonly bool _color, _subsample;
    private readonly int[] _lumaQuant = new int[64], _chromaQuant = new int[64];
    private readonly Quantizer _lumaQ, _chromaQ;
    private readonly HuffmanCodes _dcLuma, _acLuma, _dcChroma, _acChroma;
    private byte[] _out;
    private int _length;
    private ulong _bitAcc;
    private int _bitCount;

    public JpegEncoderCore(Image8 image, int quality, bool subsample)
    {
        _image = image;
        _color = image.Channels > 1;
        _subsample = subsample;
        int scale = quality < 50 ? 5000 / quality : 200 - quality * 2; // jcparam.c jpeg_quality_scaling
        for (int i = 0; i < 64; i++)
        {
            _lumaQuant[i] = Math.Clamp((JpegTables.LuminanceQuant[i] * scale + 50) / 100, 1, 255);
            _chromaQuant[i] = Math.Clamp((JpegTables.ChrominanceQuant[i] * scale + 50) / 100, 1, 255);
        }
        _lumaQ = new Quantizer(_lumaQuant);
        _chromaQ = new Quantizer(_chromaQuant);
        _dcLuma = new HuffmanCodes(JpegTables.DcLuminanceCounts, JpegTables.DcLuminanceValues);
        _acLuma = new HuffmanCodes(JpegTables.AcLuminanceCounts, JpegTables.AcLuminanceValues);
        _dcChroma = new HuffmanCodes(JpegTables.DcChrominanceCounts, JpegTables.DcChrominanceValues);
        _acChroma = new HuffmanCodes(JpegTables.AcChrominanceCounts, JpegTables.AcChrominanceValues);
        _out = new byte[Math.Max(4096, (int)Math.Min(int.MaxValue / 2, (long)image.Width * image.Height * image.Channels / 4))];
    }

    /// <summary>
    /// Divides FDCT output (scaled by 8) by 8q with rounding to nearest, symmetric about zero (jcdctmgr.c), in zig-zag
    /// order, using exact reciprocal multiplication: floor(n * ceil(2^32 / d) / 2^32) == n / d whenever n * d &lt; 2^32
    /// (here n &lt; 2^20, d &lt;= 2040).
    /// </summary>
    private sealed class Quantizer
    {
        private readonly uint[] _half = new uint[64], _recip = new uint[64];

        public Quantizer(int[] quant)
        {
            var order = JpegTables.ZigZagToNatural;
            for (int k = 0; k < 64; k++)
            {
                uint d = (uint)quant[order[k]] << 3;
                _half[k] = d >> 1;
                _recip[k] = (uint)(((1UL << 32) + d - 1) / d);
            }
        }

        public void Quantize(ReadOnlySpan<int> natural, Span<int> zigzag)
        {
            if (natural.Length < 64 || zigzag.Length < 64) throw new ArgumentException("blocks need 64 values");
            ref byte order = ref MemoryMarshal.GetReference(JpegTables.ZigZagToNatural);
            ref int src = ref MemoryMarshal.GetReference(natural);
            ref int dst = ref MemoryMarshal.GetReference(zigzag);
            ref uint half = ref MemoryMarshal.GetArrayDataReference(_half);
            ref uint recip = ref MemoryMarshal.GetArrayDataReference(_recip);
            for (int k = 0; k < 64; k++)
            {
                int v = Unsafe.Add(ref src, Unsafe.Add(ref order, k));
                int sign = v >> 31;                       // branch-free |v| and sign restore
                uint n = (uint)((v ^ sign) - sign) + Unsafe.Add(ref half, k);
                int q = (int)((n * (ulong)Unsafe.Add(ref recip, k)) >> 32);
                Unsafe.Add(ref dst, k) = (q ^ sign) - sign;
            }
        }
    }

    /// <summary>Per-symbol code and length for encoding, derived from a DHT-style specification (T.81 C.2).</summary>
    private sealed class HuffmanCodes
    {
        public readonly ushort[] Code = new ushort[256];
        public readonly byte[] Size = new byte[256];
        public readonly byte[] Counts, Values;

        public HuffmanCodes(ReadOnlySpan<byte> counts, ReadOnlySpan<byte> values)
        {
            Counts = counts.ToArray(); Values = values.ToArray();
            int code = 0, k = 0;
            for (int len = 1; len <= 16; len++, code <<= 1)
                for (int i = 0; i < counts[len - 1]; i++, code++, k++)
                {
                    Code[values[k]] = (ushort)code;
                    Size[values[k]] = (byte)len;
                }
        }
    }

    public byte[] Encode()
    {
        int w = _image.Width, h = _image.Height;
        int hs = _subsample ? 2 : 1; // luma sampling factor (both directions)
        int mcuSize = 8 * hs;
        int mcusX = (w + mcuSize - 1) / mcuSize, mcusY = (h + mcuSize - 1) / mcuSize;
        int pw = mcusX * mcuSize, ph = mcusY * mcuSize;

        // Full-resolution planes padded to whole MCUs by edge replication.
        var y = new byte[pw * ph];
        byte[]? cb = null, cr = null;
        if (_color) { cb = new byte[pw * ph]; cr = new byte[pw * ph]; }
        FillPlanes(y, cb, cr, pw, ph);
        int cw = pw, ch = ph;
        if (_subsample)
        {
            cw = pw / 2; ch = ph / 2;
            cb = Downsample2x2(cb!, pw, ph);
            cr = Downsample2x2(cr!, pw, ph);
        }

        WriteHeaders(hs);
        Span<int> block = stackalloc int[64];
        Span<int> zz = stackalloc int[64];
        int predY = 0, predCb = 0, predCr = 0;
        for (int my = 0; my < mcusY; my++)
            for (int mx = 0; mx < mcusX; mx++)
            {
                for (int v = 0; v < hs; v++)
                    for (int u = 0; u < hs; u++)
                        EncodeBlock(y, pw, (mx * hs + u) * 8, (my * hs + v) * 8, _lumaQ, _dcLuma, _acLuma, ref predY, block, zz);
                if (_color)
                {
                    EncodeBlock(cb!, cw, mx * 8, my * 8, _chromaQ, _dcChroma, _acChroma, ref predCb, block, zz);
                    EncodeBlock(cr!, cw, mx * 8, my * 8, _chromaQ, _dcChroma, _acChroma, ref predCr, block, zz);
                }
            }
        FlushBits();
        WriteMarker(0xD9);
        return _out.AsSpan(0, _length).ToArray();
    }

    /// <summary>RGB -> YCbCr with libjpeg's fixed-point constants (jccolor.c), or copies gray; pads by edge replication.</summary>
    private void FillPlanes(byte[] y, byte[]? cb, byte[]? cr, int pw, int ph)
    {
        int w = _image.Width, h = _image.Height, n = _image.Channels;
        var px = _image.Pixels;
        const int Half = 1 << 15, CbCrOffset = 128 << 16;
        for (int py = 0; py < h; py++)
        {
            var src = px.AsSpan(py * w * n, w * n);
            int d = py * pw;
            if (n == 1) src.CopyTo(y.AsSpan(d, w));
            else
                for (int x = 0, s = 0; x < w; x++, s += n)
                {
                    int r = src[s], g = src[s + 1], b = src[s + 2];
                    y[d + x] = (byte)((19595 * r + 38470 * g + 7471 * b + Half) >> 16);
                    cb![d + x] = (byte)((-11059 * r - 21709 * g + 32768 * b + CbCrOffset + Half - 1) >> 16);
                    cr![d + x] = (byte)((32768 * r - 27439 * g - 5329 * b + CbCrOffset + Half - 1) >> 16);
                }
        }
        // Replicate the last column and row into the MCU padding.
        foreach (var plane in new[] { y, cb, cr })
        {
            if (plane == null) continue;
            for (int py = 0; py < h; py++) plane.AsSpan(py * pw + w, pw - w).Fill(plane[py * pw + w - 1]);
            for (int py = h; py < ph; py++) plane.AsSpan((h - 1) * pw, pw).CopyTo(plane.AsSpan(py * pw, pw));
        }
    }

    /// <summary>2x2 box average with libjpeg's alternating 1/2 rounding bias (jcsample.c h2v2_downsample).</summary>
    private static byte[] Downsample2x2(byte[] src, int pw, int ph)
    {
        int ow = pw / 2, oh = ph / 2;
        var dst = new byte[ow * oh];
        for (int y = 0; y < oh; y++)
        {
            int r0 = 2 * y * pw, r1 = r0 + pw;
            int bias = 1;
            for (int x = 0; x < ow; x++)
            {
                dst[y * ow + x] = (byte)((src[r0 + 2 * x] + src[r0 + 2 * x + 1] + src[r1 + 2 * x] + src[r1 + 2 * x + 1] + bias) >> 2);
                bias ^= 3;
            }
        }
        return dst;
    }

    private void EncodeBlock(byte[] plane, int stride, int x0, int y0, Quantizer quant, HuffmanCodes dc, HuffmanCodes ac, ref int pred, Span<int> block, Span<int> zz)
    {
        for (int r = 0; r < 8; r++)
        {
            int o = (y0 + r) * stride + x0;
            for (int c = 0; c < 8; c++) block[r * 8 + c] = plane[o + c] - 128;
        }
        JpegForwardDct.Transform(block);
        quant.Quantize(block, zz);
        int diff = zz[0] - pred;
        pred = zz[0];
        int nbits = Magnitude(diff);
        WriteBits(dc.Code[nbits], dc.Size[nbits]);
        if (nbits > 0) WriteBits(ValueBits(diff, nbits), nbits);
        int run = 0;
        for (int k = 1; k < 64; k++)
        {
            int v = zz[k];
            if (v == 0) { run++; continue; }
            while (run > 15) { WriteBits(ac.Code[0xF0], ac.Size[0xF0]); run -= 16; }
            nbits = Magnitude(v);
            int sym = (run << 4) | nbits;
            WriteBits(ac.Code[sym], ac.Size[sym]);
            WriteBits(ValueBits(v, nbits), nbits);
            run = 0;
        }
        if (run > 0) WriteBits(ac.Code[0], ac.Size[0]);
    }

    private static int Magnitude(int v) => v == 0 ? 0 : 32 - BitOperations.LeadingZeroCount((uint)Math.Abs(v));

    /// <summary>T.81 F.1.2.1: negative values are sent as v - 1 in <paramref name="nbits"/> bits.</summary>
    private static int ValueBits(int v, int nbits) => (v < 0 ? v - 1 : v) & ((1 << nbits) - 1);

    /// <summary>Appends <paramref name="count"/> (0..16) bits; whole bytes are moved out once 32 bits are pending.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void WriteBits(int bits, int count)
    {
        _bitAcc = (_bitAcc << count) | (uint)bits;
        _bitCount += count;
        if (_bitCount >= 32) DrainBytes();
    }

    /// <summary>Moves all whole pending bytes to the output, stuffing a 0x00 after each 0xFF (T.81 F.1.2.3).</summary>
    private void DrainBytes()
    {
        if (_length + 16 > _out.Length) Array.Resize(ref _out, _out.Length * 2);
        var o = _out;
        int len = _length;
        while (_bitCount >= 8)
        {
            _bitCount -= 8;
            byte b = (byte)(_bitAcc >> _bitCount);
            o[len++] = b;
            if (b == 0xFF) o[len++] = 0;
        }
        _length = len;
    }

    /// <summary>Pads the last byte with 1 bits (T.81 F.1.2.3) and drains everything.</summary>
    private void FlushBits()
    {
        if ((_bitCount & 7) != 0) WriteBits((1 << (8 - (_bitCount & 7))) - 1, 8 - (_bitCount & 7));
        DrainBytes();
    }

    private void WriteByte(byte b)
    {
        if (_length == _out.Length) Array.Resize(ref _out, _out.Length * 2);
        _out[_length++] = b;
    }

    private void WriteBytes(ReadOnlySpan<byte> bytes)
    {
        foreach (var b in bytes) WriteByte(b);
    }

    private void WriteMarker(int marker) { WriteByte(0xFF); WriteByte((byte)marker); }

    private void WriteSegment(int marker, ReadOnlySpan<byte> payload)
    {
        WriteMarker(marker);
        Span<byte> len = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(len, (ushort)(payload.Length + 2));
        WriteBytes(len);
        WriteBytes(payload);
    }

    private void WriteHeaders(int hs)
    {
        WriteMarker(0xD8);
        // JFIF 1.01, no units, 1:1 pixel aspect, no thumbnail.
        WriteSegment(0xE0, [(byte)'J', (byte)'F', (byte)'I', (byte)'F', 0, 1, 1, 0, 0, 1, 0, 1, 0, 0]);

        var order = JpegTables.ZigZagToNatural;
        var dqt = new List<byte>();
        for (int t = 0; t < (_color ? 2 : 1); t++)
        {
            var q = t == 0 ? _lumaQuant : _chromaQuant;
            dqt.Add((byte)t);
            for (int k = 0; k < 64; k++) dqt.Add((byte)q[order[k]]);
        }
        WriteSegment(0xDB, dqt.ToArray());

        int w = _image.Width, h = _image.Height;
        var sof = new List<byte> { 8, (byte)(h >> 8), (byte)h, (byte)(w >> 8), (byte)w, (byte)(_color ? 3 : 1) };
        sof.AddRange([1, (byte)((hs << 4) | hs), 0]);
        if (_color) sof.AddRange([2, 0x11, 1, 3, 0x11, 1]);
        WriteSegment(0xC0, sof.ToArray());

        var dht = new List<byte>();
        void AddTable(int classAndId, HuffmanCodes t) { dht.Add((byte)classAndId); dht.AddRange(t.Counts); dht.AddRange(t.Values); }
        AddTable(0x00, _dcLuma);
        AddTable(0x10, _acLuma);
        if (_color) { AddTable(0x01, _dcChroma); AddTable(0x11, _acChroma); }
        WriteSegment(0xC4, dht.ToArray());

        var sos = new List<byte> { (byte)(_color ? 3 : 1), 1, 0x00 };
        if (_color) sos.AddRange([2, 0x11, 3, 0x11]);
        sos.AddRange([0, 63, 0]);
        WriteSegment(0xDA, sos.ToArray());
    }
}
