using System.IO.Compression;
using DenseFace.Imaging;
using DenseFace.Imaging.Png;

namespace DenseFace.Tests.Imaging.Png;

public class PngCodecTests
{
    private static Image8 RandomImage(int w, int h, int c, int seed, bool smooth = false)
    {
        var rng = new Random(seed);
        var img = new Image8(w, h, c);
        if (!smooth) rng.NextBytes(img.Pixels);
        else
            for (int i = 0; i < img.Pixels.Length; i++)
            {
                int x = i / c % w, y = i / c / w;
                img.Pixels[i] = (byte)(x * 3 + y * 2 + (i % c) * 40 + rng.Next(3));
            }
        return img;
    }

    [Theory]
    [InlineData(1, 1, 1)] [InlineData(1, 1, 3)] [InlineData(1, 1, 4)]
    [InlineData(1, 17, 1)] [InlineData(17, 1, 3)] [InlineData(1, 9, 4)]
    [InlineData(37, 23, 1)] [InlineData(37, 23, 3)] [InlineData(37, 23, 4)]
    [InlineData(300, 200, 3)]
    public void RoundTripIsExact(int w, int h, int c)
    {
        foreach (bool smooth in new[] { false, true })
        foreach (int level in new[] { 0, 6, 9 })
        {
            var img = RandomImage(w, h, c, w * 1000 + h * 10 + c, smooth);
            var png = PngEncoder.Encode(img, level);
            var back = PngDecoder.Decode(png, "roundtrip");
            Assert.Equal((w, h, c), (back.Width, back.Height, back.Channels));
            Assert.Equal(img.Pixels, back.Pixels);
        }
    }

    [Fact]
    public void EncoderUsesFiltersAndCompressesSmoothImages()
    {
        var img = RandomImage(256, 256, 3, 1, smooth: true);
        var png = PngEncoder.Encode(img);
        // The same pixels written with filter None everywhere compress much worse than with adaptive filtering.
        var unfiltered = ReferencePngWriter.Write(256, 256, 2, 8, false, img.Pixels.Select(b => (int)b).ToArray(), filterCycle: false);
        Assert.True(png.Length < unfiltered.Length * 0.8, $"adaptive {png.Length} bytes vs unfiltered {unfiltered.Length}");
        // Large images are split over several IDAT chunks and still decode.
        var big = RandomImage(700, 400, 3, 2);
        Assert.Equal(big.Pixels, PngDecoder.Decode(PngEncoder.Encode(big, 1), "big").Pixels);
    }

    public static TheoryData<int, int, bool> AllFormats()
    {
        var d = new TheoryData<int, int, bool>();
        foreach (bool il in new[] { false, true })
        {
            foreach (int bd in new[] { 1, 2, 4, 8, 16 }) d.Add(0, bd, il);
            foreach (int bd in new[] { 1, 2, 4, 8 }) d.Add(3, bd, il);
            foreach (int ct in new[] { 2, 4, 6 }) { d.Add(ct, 8, il); d.Add(ct, 16, il); }
        }
        return d;
    }

    private static byte Expect(int v, int depth) => depth switch
    {
        16 => (byte)Math.Round(v * 255.0 / 65535.0, MidpointRounding.AwayFromZero),
        _ => (byte)Math.Round(v * 255.0 / ((1 << depth) - 1)),
    };

    [Theory]
    [MemberData(nameof(AllFormats))]
    public void DecodesEveryColourTypeAndDepth(int colorType, int depth, bool interlace)
    {
        foreach (var (w, h) in new[] { (1, 1), (3, 2), (13, 11), (33, 9) })
        foreach (bool withTrns in new[] { false, true })
        {
            if (withTrns && colorType is 4 or 6) continue;
            var rng = new Random(w * 31 + h + colorType * 7 + depth);
            int spp = ReferencePngWriter.SamplesPerPixel(colorType);
            int max = colorType == 3 ? Math.Min(255, (1 << depth) - 1) : (1 << depth) - 1;
            var samples = new int[w * h * spp];
            for (int i = 0; i < samples.Length; i++) samples[i] = rng.Next(max + 1);
            byte[]? palette = null, trns = null;
            int entries = Math.Min(256, 1 << depth);
            if (colorType == 3)
            {
                palette = new byte[entries * 3];
                rng.NextBytes(palette);
                if (withTrns) { trns = new byte[Math.Max(1, entries / 2)]; rng.NextBytes(trns); }
            }
            else if (withTrns)
            {
                // Colour key equal to the first pixel, so at least one pixel is transparent.
                trns = new byte[colorType == 0 ? 2 : 6];
                for (int c = 0; c < spp; c++) { trns[2 * c] = (byte)(samples[c] >> 8); trns[2 * c + 1] = (byte)samples[c]; }
            }
            var png = ReferencePngWriter.Write(w, h, colorType, depth, interlace, samples, palette, trns, idatSplit: 7);
            var img = PngDecoder.Decode(png, "ref.png");

            bool alpha = colorType is 4 or 6 || trns != null;
            int oc = alpha ? 4 : colorType == 0 ? 1 : 3;
            Assert.Equal((w, h, oc), (img.Width, img.Height, img.Channels));
            var expected = new byte[w * h * oc];
            for (int p = 0; p < w * h; p++)
            {
                var s = samples.AsSpan(p * spp, spp);
                var e = expected.AsSpan(p * oc, oc);
                switch (colorType)
                {
                    case 0:
                        e[0] = Expect(s[0], depth);
                        if (oc == 4) { e[1] = e[2] = e[0]; e[3] = s[0] == samples[0] ? (byte)0 : (byte)255; }
                        break;
                    case 2:
                        for (int c = 0; c < 3; c++) e[c] = Expect(s[c], depth);
                        if (oc == 4) e[3] = s[0] == samples[0] && s[1] == samples[1] && s[2] == samples[2] ? (byte)0 : (byte)255;
                        break;
                    case 3:
                        for (int c = 0; c < 3; c++) e[c] = palette![s[0] * 3 + c];
                        if (oc == 4) e[3] = s[0] < trns!.Length ? trns[s[0]] : (byte)255;
                        break;
                    case 4:
                        e[0] = e[1] = e[2] = Expect(s[0], depth); e[3] = Expect(s[1], depth);
                        break;
                    case 6:
                        for (int c = 0; c < 4; c++) e[c] = Expect(s[c], depth);
                        break;
                }
            }
            Assert.Equal(expected, img.Pixels);
        }
    }

    [Fact]
    public void SixteenBitRoundingMatchesFormula()
    {
        int[] values = [0, 1, 128, 129, 257, 32767, 32768, 65279, 65280, 65534, 65535];
        var png = ReferencePngWriter.Write(values.Length, 1, 0, 16, false, values);
        var img = PngDecoder.Decode(png, "g16");
        for (int i = 0; i < values.Length; i++) Assert.Equal((values[i] * 255 + 32767) / 65535, img.Pixels[i]);
    }

    [Fact]
    public void DecodesRealPngs()
    {
        foreach (var name in new[] { "indoor_020.png", "indoor_029.png" })
        {
            var path = TestData.Path("data", "formats", "mmpose", "300w", name);
            var bytes = File.ReadAllBytes(path);
            var img = PngDecoder.Decode(bytes, path);
            Assert.True(img.Width > 500 && img.Height > 500);
            Assert.Equal(3, img.Channels);
            // Not a flat image: real photo content.
            Assert.True(img.Pixels.Distinct().Count() > 100);
            // Re-encoding and decoding reproduces it exactly.
            Assert.Equal(img.Pixels, PngDecoder.Decode(PngEncoder.Encode(img), "re").Pixels);
        }
    }

    private static byte[] SmallPng() => PngEncoder.Encode(RandomImage(5, 4, 3, 9));

    [Fact]
    public void BadCrcIsRejected()
    {
        var png = SmallPng();
        png[8 + 8 + 5] ^= 0x01; // IHDR body byte (height) without fixing the CRC
        var e = Assert.Throws<InvalidInputException>(() => PngDecoder.Decode(png, "crc.png"));
        Assert.Contains("CRC", e.Message);
        Assert.Equal("crc.png", e.InputName);
    }

    [Fact]
    public void TruncatedFilesAreRejected()
    {
        var png = SmallPng();
        for (int n = 0; n < png.Length; n++)
            Assert.Throws<InvalidInputException>(() => PngDecoder.Decode(png.AsSpan(0, n), "trunc.png"));
    }

    private static byte[] WithHeader(uint w, uint h, int depth = 8, int colorType = 2, byte[]? idat = null)
    {
        var o = new MemoryStream();
        o.Write([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]);
        var ihdr = new byte[13];
        ReferencePngWriter.BE(ihdr, 0, w); ReferencePngWriter.BE(ihdr, 4, h);
        ihdr[8] = (byte)depth; ihdr[9] = (byte)colorType;
        ReferencePngWriter.Chunk(o, "IHDR", ihdr);
        ReferencePngWriter.Chunk(o, "IDAT", idat ?? [0x78, 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01]);
        ReferencePngWriter.Chunk(o, "IEND", []);
        return o.ToArray();
    }

    [Theory]
    [InlineData(0u, 10u)] [InlineData(10u, 0u)] [InlineData(100000u, 100000u)] [InlineData(0xFFFFFFFFu, 1u)]
    [InlineData(32768u, 32768u)] // within the per-side cap but over the pixel cap
    public void BadDimensionsAreRejectedBeforeAllocation(uint w, uint h)
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<InvalidInputException>(() => PngDecoder.Decode(WithHeader(w, h), "dims.png"));
        Assert.Contains("size", e.Problem);
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 1 << 20, "decoder allocated for an image it rejected");
    }

    [Theory]
    [InlineData(3, 2)] [InlineData(7, 8)] [InlineData(2, 4)] [InlineData(3, 16)] [InlineData(0, 3)]
    public void InvalidHeaderFieldsAreRejected(int colorType, int depth)
    {
        Assert.Throws<InvalidInputException>(() => PngDecoder.Decode(WithHeader(4, 4, depth, colorType), "hdr.png"));
    }

    [Fact]
    public void MissingPaletteAndBadIndexAreRejected()
    {
        Assert.Throws<InvalidInputException>(() => PngDecoder.Decode(WithHeader(1, 1, 8, 3), "nopal.png"));
        // Index 5 with a 2-entry palette.
        var png = ReferencePngWriter.Write(2, 1, 3, 8, false, [0, 5], palette: [1, 2, 3, 4, 5, 6]);
        var e = Assert.Throws<InvalidInputException>(() => PngDecoder.Decode(png, "idx.png"));
        Assert.Contains("palette index", e.Problem);
    }

    [Fact]
    public void ShortImageDataAndBadFilterAreRejected()
    {
        // 4x4 RGB needs 4 * 13 bytes; give it 3 rows.
        Assert.Throws<InvalidInputException>(() => PngDecoder.Decode(WithHeader(4, 4, idat: Deflate(new byte[39])), "short.png"));
        var rows = new byte[52];
        rows[13] = 9; // filter type 9 on row 1
        var e = Assert.Throws<InvalidInputException>(() => PngDecoder.Decode(WithHeader(4, 4, idat: Deflate(rows)), "filter.png"));
        Assert.Contains("filter", e.Problem);
        Assert.Throws<InvalidInputException>(() => PngDecoder.Decode(WithHeader(4, 4, idat: [1, 2, 3, 4, 5, 6, 7]), "zlib.png"));
    }

    [Fact]
    public void ZlibStreamWithPresetDictionaryIsRejected()
    {
        // Found by fuzzing (docs/fuzzing.md): FLG 0x20 (FDICT) made zlib stop with Z_NEED_DICT, which .NET raises as
        // ZLibException (an IOException), not InvalidDataException, so it escaped the decoder's error contract.
        var e = Assert.Throws<InvalidInputException>(() => PngDecoder.Decode(WithHeader(4, 4, idat: [0x78, 0x20, 0, 0, 0, 1, 0x03, 0x00]), "fdict.png"));
        Assert.Contains("preset dictionary", e.Problem);
        Assert.Equal("fdict.png", e.InputName);
    }

    private static byte[] Deflate(byte[] raw)
    {
        var ms = new MemoryStream();
        using (var z = new ZLibStream(ms, CompressionLevel.SmallestSize, leaveOpen: true)) z.Write(raw);
        return ms.ToArray();
    }

    [Fact]
    public void DecompressionBombIsCappedAtTheDeclaredSize()
    {
        // 100x100 RGB declares 30,100 bytes of image data; the stream inflates to 50 MB of zeros.
        var ms = new MemoryStream();
        using (var z = new ZLibStream(ms, CompressionLevel.SmallestSize, leaveOpen: true))
        {
            var block = new byte[1 << 20];
            for (int i = 0; i < 50; i++) z.Write(block);
        }
        Assert.True(ms.Length < 200_000);
        var png = WithHeader(100, 100, idat: ms.ToArray());
        long before = GC.GetAllocatedBytesForCurrentThread();
        var img = PngDecoder.Decode(png, "bomb.png");
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        // Documented behaviour: extra inflated data beyond the declared size is ignored.
        Assert.Equal((100, 100, 3), (img.Width, img.Height, img.Channels));
        Assert.All(img.Pixels, p => Assert.Equal(0, p));
        Assert.True(allocated < 2_000_000, $"decoder allocated {allocated} bytes on a 100x100 bomb");
    }

    [Fact]
    public void UnknownCriticalChunkIsRejectedAncillaryIsSkipped()
    {
        var img = RandomImage(3, 3, 1, 4);
        var png = PngEncoder.Encode(img);
        int ihdrEnd = 8 + 12 + 13;
        foreach (var (type, ok) in new[] { ("abCd", true), ("ABCD", false) })
        {
            var o = new MemoryStream();
            o.Write(png, 0, ihdrEnd);
            ReferencePngWriter.Chunk(o, type, [1, 2, 3]);
            o.Write(png, ihdrEnd, png.Length - ihdrEnd);
            if (ok) Assert.Equal(img.Pixels, PngDecoder.Decode(o.ToArray(), "anc.png").Pixels);
            else Assert.Throws<InvalidInputException>(() => PngDecoder.Decode(o.ToArray(), "crit.png"));
        }
    }

    [Fact]
    public void NotAPngIsRejected()
    {
        Assert.Throws<InvalidInputException>(() => PngDecoder.Decode([], "empty"));
        Assert.Throws<InvalidInputException>(() => PngDecoder.Decode("GIF89a....."u8, "gif"));
    }
}
