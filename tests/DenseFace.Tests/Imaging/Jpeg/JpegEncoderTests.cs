using DenseFace.Imaging;
using DenseFace.Imaging.Jpeg;
using Xunit.Abstractions;
using static DenseFace.Tests.Imaging.Jpeg.JpegTestTools;

namespace DenseFace.Tests.Imaging.Jpeg;

/// <summary>Round trips through <see cref="JpegEncoder"/>, checked with djpeg and against cjpeg at the same settings.</summary>
public class JpegEncoderTests(ITestOutputHelper output)
{
    /// <summary>
    /// A real photo, downscaled by djpeg's scaled IDCT (-scale 7/8) so that the pixels are no longer aligned with
    /// the original 8x8 quantisation grid (re-encoding a decoded JPEG on its own grid would flatter the PSNR).
    /// </summary>
    private static Image8 Photo(TempDir tmp, int index = 0)
    {
        var path = SamplePhotos(index + 1)[index];
        var pnm = tmp.File($"photo{index}.pnm");
        RunTool("djpeg", "-scale", "7/8", "-pnm", "-outfile", pnm, path);
        return ReadPnm(File.ReadAllBytes(pnm));
    }

    /// <summary>Encodes, decodes with djpeg and with our decoder (must agree exactly) and returns PSNR vs the input and the size.</summary>
    private static (double Psnr, int Bytes) RoundTrip(Image8 original, int quality, bool subsample, TempDir tmp)
    {
        var jpeg = JpegEncoder.Encode(original, quality, subsample);
        var path = tmp.File($"enc-{Guid.NewGuid():N}.jpg");
        File.WriteAllBytes(path, jpeg);
        var byDjpeg = DecodeWithDjpeg(path, tmp);
        var ours = JpegDecoder.Decode(jpeg, path);
        Assert.Equal(byDjpeg.Pixels, ours.Pixels);
        var reference = original.Channels == 4 ? original.ConvertTo(3) : original;
        return (Psnr(reference, byDjpeg), jpeg.Length);
    }

    /// <summary>PSNR and size of cjpeg at the same quality and sampling, for comparison.</summary>
    private static (double Psnr, int Bytes) Cjpeg(Image8 original, int quality, string sample, TempDir tmp)
    {
        var ppm = tmp.File($"src-{Guid.NewGuid():N}.pnm");
        WritePnm(original, ppm);
        var jpg = tmp.File($"cjpeg-{Guid.NewGuid():N}.jpg");
        RunTool("cjpeg", "-quality", quality.ToString(), "-sample", sample, "-dct", "int", "-outfile", jpg, ppm);
        return (Psnr(original, DecodeWithDjpeg(jpg, tmp)), (int)new FileInfo(jpg).Length);
    }

    [Fact]
    public void ColourQ90RoundTripIsFaithfulAndComparableToCjpeg()
    {
        using var tmp = new TempDir();
        var photo = Photo(tmp);
        var (psnr420, size420) = RoundTrip(photo, 90, subsample: true, tmp);
        var (psnr444, size444) = RoundTrip(photo, 90, subsample: false, tmp);
        var (cPsnr, cSize) = Cjpeg(photo, 90, "2x2", tmp);
        output.WriteLine($"{photo.Width}x{photo.Height} q90: 4:2:0 {psnr420:F2} dB {size420} B, 4:4:4 {psnr444:F2} dB {size444} B; cjpeg 4:2:0 {cPsnr:F2} dB {cSize} B");
        // Measured on this photo: 34.8 dB (RGB PSNR, limited by the halved chroma), 37.5 dB for 4:4:4; cjpeg gives the same.
        Assert.True(psnr420 > 33, $"4:2:0 q90 PSNR {psnr420:F2} dB");
        Assert.True(psnr444 > 36, $"4:4:4 q90 PSNR {psnr444:F2} dB");
        Assert.True(psnr444 > psnr420, "4:4:4 keeps more chroma detail than 4:2:0");
        Assert.True(size444 > size420);
        // Same algorithm family as cjpeg (islow DCT, same tables and colour math): nearly the same quality and size.
        Assert.True(Math.Abs(psnr420 - cPsnr) < 0.3, $"ours {psnr420:F2} dB vs cjpeg {cPsnr:F2} dB");
        Assert.InRange(size420, cSize * 0.95, cSize * 1.05);
    }

    [Fact]
    public void GrayRoundTrip()
    {
        using var tmp = new TempDir();
        var gray = Photo(tmp, 1).ConvertTo(1);
        var jpeg = JpegEncoder.Encode(gray, 90);
        Assert.Equal(1, JpegDecoder.Decode(jpeg, "gray").Channels);
        var (psnr, size) = RoundTrip(gray, 90, subsample: true, tmp);
        var (cPsnr, _) = Cjpeg(gray, 90, "1x1", tmp);
        output.WriteLine($"gray q90: {psnr:F2} dB {size} B; cjpeg {cPsnr:F2} dB");
        Assert.True(psnr > 40, $"gray q90 PSNR {psnr:F2} dB"); // measured 42.3 dB
        Assert.True(Math.Abs(psnr - cPsnr) < 0.3);
    }

    [Fact]
    public void LowerQualityIsSmallerAndWorse()
    {
        using var tmp = new TempDir();
        var photo = Photo(tmp);
        var (p50, s50) = RoundTrip(photo, 50, true, tmp);
        var (p90, s90) = RoundTrip(photo, 90, true, tmp);
        var (p100, s100) = RoundTrip(photo, 100, true, tmp);
        output.WriteLine($"q50 {p50:F2} dB {s50} B, q90 {p90:F2} dB {s90} B, q100 {p100:F2} dB {s100} B");
        Assert.True(s50 < s90 && s90 < s100);
        Assert.True(p50 < p90 && p90 < p100);
        Assert.True(p50 > 27, $"q50 PSNR {p50:F2}"); // measured 28.7 dB
    }

    [Theory]
    [InlineData(1, 1, 3)]
    [InlineData(37, 23, 3)]
    [InlineData(17, 9, 1)]
    [InlineData(33, 18, 4)]
    public void OddSizesAndAlphaRoundTrip(int w, int h, int channels)
    {
        using var tmp = new TempDir();
        var img = new Image8(w, h, channels);
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                for (int c = 0; c < channels; c++)
                    img.Pixels[(y * w + x) * channels + c] = (byte)(c == 3 ? 7 : 40 + 3 * x + 2 * y + 50 * c);
        var (psnr, _) = RoundTrip(img, 95, subsample: false, tmp);
        Assert.True(psnr > 38, $"{w}x{h}x{channels}: {psnr:F2} dB");
        var decoded = JpegDecoder.Decode(JpegEncoder.Encode(img), "odd");
        Assert.Equal((w, h, channels == 1 ? 1 : 3), (decoded.Width, decoded.Height, decoded.Channels));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(101)]
    public void QualityOutOfRangeIsRejected(int quality)
    {
        var e = Assert.Throws<InvalidInputException>(() => JpegEncoder.Encode(new Image8(8, 8, 3), quality));
        Assert.Equal("quality", e.InputName);
    }
}
