using DenseFace.Imaging.Jpeg;

namespace DenseFace.Tests.Imaging.Jpeg;

/// <summary>
/// 4-component (Adobe CMYK / YCCK) decoding. No tool here writes CMYK JPEGs, so the test builds an 8x8 baseline
/// file by hand in which every component is one DC-only block: with all quantisation steps 8, the decoded
/// sample is exactly 128 + DC, so the expected colours follow from the conversion formulas alone.
/// </summary>
public class JpegCmykTests
{
    [Theory]
    [InlineData(200, 100, 50, 255)]
    [InlineData(200, 100, 50, 128)]
    [InlineData(0, 255, 17, 0)]
    public void AdobeCmykIsInvertedInkTimesKey(int c, int m, int y, int k)
    {
        var rgb = JpegDecoder.Decode(BuildFlatJpeg([c, m, y, k], adobeTransform: 0), "cmyk.jpg");
        Assert.Equal((8, 8, 3), (rgb.Width, rgb.Height, rgb.Channels));
        // Adobe (Photoshop) CMYK JPEGs store 255 - ink, so R = c' k' / 255.
        int[] expected = [(int)Math.Round(c * k / 255.0), (int)Math.Round(m * k / 255.0), (int)Math.Round(y * k / 255.0)];
        for (int p = 0; p < 64; p++)
            for (int ch = 0; ch < 3; ch++)
                Assert.Equal(expected[ch], rgb.Pixels[p * 3 + ch]);
    }

    [Fact]
    public void AdobeYcckConvertsYccThenAppliesKey()
    {
        // Neutral chroma: YCC -> RGB gives R = G = B = Y; YCCK stores the inverted CMY, so ink = 255 - Y.
        var rgb = JpegDecoder.Decode(BuildFlatJpeg([90, 128, 128, 200], adobeTransform: 2), "ycck.jpg");
        int expected = (int)Math.Round((255 - 90) * 200 / 255.0);
        Assert.All(rgb.Pixels, v => Assert.Equal(expected, v));
    }

    [Fact]
    public void FourComponentsWithoutAdobeMarkerAreUnsupported()
    {
        var e = Assert.Throws<DenseFace.InvalidInputException>(() => JpegDecoder.Decode(BuildFlatJpeg([1, 2, 3, 4], adobeTransform: null), "k.jpg"));
        Assert.Contains("unsupported", e.Message);
    }

    /// <summary>8x8 baseline JPEG with one DC-only block per component at the given sample levels.</summary>
    private static byte[] BuildFlatJpeg(int[] levels, int? adobeTransform)
    {
        var f = new List<byte> { 0xFF, 0xD8 };
        void Segment(int marker, params byte[] payload)
        {
            f.AddRange([0xFF, (byte)marker, (byte)((payload.Length + 2) >> 8), (byte)(payload.Length + 2)]);
            f.AddRange(payload);
        }
        if (adobeTransform is int t) Segment(0xEE, [(byte)'A', (byte)'d', (byte)'o', (byte)'b', (byte)'e', 0, 100, 0, 0, 0, 0, (byte)t]);
        Segment(0xDB, [0, .. Enumerable.Repeat((byte)8, 64)]);
        int n = levels.Length;
        var sof = new List<byte> { 8, 0, 8, 0, 8, (byte)n };
        for (int i = 0; i < n; i++) sof.AddRange([(byte)(i + 1), 0x11, 0]);
        Segment(0xC0, [.. sof]);
        Segment(0xC4, [0x00, .. JpegTables.DcLuminanceCounts, .. JpegTables.DcLuminanceValues]);
        Segment(0xC4, [0x10, .. JpegTables.AcLuminanceCounts, .. JpegTables.AcLuminanceValues]);
        var sos = new List<byte> { (byte)n };
        for (int i = 0; i < n; i++) sos.AddRange([(byte)(i + 1), 0x00]);
        sos.AddRange([0, 63, 0]);
        Segment(0xDA, [.. sos]);

        var (dcCode, dcSize) = Codes(JpegTables.DcLuminanceCounts, JpegTables.DcLuminanceValues);
        var (acCode, acSize) = Codes(JpegTables.AcLuminanceCounts, JpegTables.AcLuminanceValues);
        var bits = new List<int>();
        void Put(int value, int count) { for (int b = count - 1; b >= 0; b--) bits.Add((value >> b) & 1); }
        foreach (var level in levels)
        {
            int dc = level - 128; // each component is its own predictor chain starting at 0
            int cat = dc == 0 ? 0 : 32 - System.Numerics.BitOperations.LeadingZeroCount((uint)Math.Abs(dc));
            Put(dcCode[cat], dcSize[cat]);
            if (cat > 0) Put(dc < 0 ? dc - 1 : dc, cat);
            Put(acCode[0x00], acSize[0x00]); // EOB
        }
        while (bits.Count % 8 != 0) bits.Add(1);
        for (int i = 0; i < bits.Count; i += 8)
        {
            int b = 0;
            for (int j = 0; j < 8; j++) b = (b << 1) | bits[i + j];
            f.Add((byte)b);
            if (b == 0xFF) f.Add(0);
        }
        f.AddRange([0xFF, 0xD9]);
        return [.. f];
    }

    private static (int[] Code, int[] Size) Codes(ReadOnlySpan<byte> counts, ReadOnlySpan<byte> values)
    {
        var code = new int[256]; var size = new int[256];
        int c = 0, k = 0;
        for (int len = 1; len <= 16; len++, c <<= 1)
            for (int i = 0; i < counts[len - 1]; i++, c++, k++) { code[values[k]] = c; size[values[k]] = len; }
        return (code, size);
    }
}
