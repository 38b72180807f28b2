using DenseFace.Imaging;
using DenseFace.Imaging.Jpeg;
using static DenseFace.Tests.Imaging.Jpeg.JpegTestTools;

namespace DenseFace.Tests.Imaging.Jpeg;

/// <summary>Compares <see cref="JpegDecoder"/> with libjpeg-turbo's djpeg (default settings) on real and re-encoded photos.</summary>
public class JpegDecoderTests
{
    private static void AssertMatchesDjpeg(string path, TempDir tmp)
    {
        var ours = JpegDecoder.Decode(File.ReadAllBytes(path), path);
        var reference = DecodeWithDjpeg(path, tmp);
        var (mean, max) = Difference(ours, reference);
        // Same IDCT, upsampling and colour arithmetic as libjpeg: the result is expected to be identical.
        Assert.True(max == 0, $"{Path.GetFileName(path)}: mean abs diff {mean:F4}, max {max} vs djpeg");
    }

    [Fact]
    public void Baseline420PhotosMatchDjpeg()
    {
        using var tmp = new TempDir();
        foreach (var path in SamplePhotos(6)) AssertMatchesDjpeg(path, tmp);
        foreach (var path in Directory.GetFiles(TestData.Path("data", "formats", "aflw2000-3d"), "*.jpg")) AssertMatchesDjpeg(path, tmp);
    }

    /// <summary>A baseline stream is also a valid extended-sequential (SOF1) stream: relabel the frame and compare.</summary>
    [Fact]
    public void ExtendedSequentialMatchesDjpeg()
    {
        using var tmp = new TempDir();
        var bytes = File.ReadAllBytes(SamplePhotos(1)[0]);
        int sof = -1;
        for (int pos = 2; pos + 4 < bytes.Length && sof < 0; pos += 2 + (bytes[pos + 2] << 8 | bytes[pos + 3]))
            if (bytes[pos + 1] == 0xC0) sof = pos;
        Assert.True(sof > 0, "baseline SOF0 marker not found");
        bytes[sof + 1] = 0xC1;
        var path = tmp.File("sof1.jpg");
        File.WriteAllBytes(path, bytes);
        AssertMatchesDjpeg(path, tmp);
    }

    /// <summary>cjpeg options -> re-encoded variants of one photo, each compared with djpeg.</summary>
    [Theory]
    [InlineData("444", "-sample", "1x1")]
    [InlineData("422", "-sample", "2x1")]
    [InlineData("440", "-sample", "1x2")]
    [InlineData("411", "-sample", "4x1")]
    [InlineData("mixed", "-sample", "2x2,1x2,2x1")]
    [InlineData("gray", "-grayscale")]
    [InlineData("gray-2x2", "-grayscale", "-sample", "2x2")]
    [InlineData("q100", "-quality", "100", "-sample", "1x1")]
    [InlineData("q5", "-quality", "5")]
    [InlineData("restart-rows", "-restart", "1")]
    [InlineData("restart-blocks", "-restart", "3B")]
    [InlineData("optimize", "-optimize")]
    [InlineData("progressive420", "-progressive")]
    [InlineData("progressive444", "-progressive", "-sample", "1x1")]
    [InlineData("progressive422", "-progressive", "-sample", "2x1")]
    [InlineData("progressive440", "-progressive", "-sample", "1x2")]
    [InlineData("progressive-gray", "-progressive", "-grayscale")]
    [InlineData("progressive-restart", "-progressive", "-restart", "2B")]
    [InlineData("rgb", "-rgb")]
    public void ReencodedVariantsMatchDjpeg(string name, params string[] cjpegArgs)
    {
        using var tmp = new TempDir();
        var src = SamplePhotos(1)[0];
        var ppm = tmp.File("src.ppm");
        RunTool("djpeg", "-pnm", "-outfile", ppm, src);
        var jpg = tmp.File(name + ".jpg");
        RunTool("cjpeg", [.. cjpegArgs, "-outfile", jpg, ppm]);
        AssertMatchesDjpeg(jpg, tmp);
    }

    [Fact]
    public void JpegtranProgressiveAndOddSizeMatchDjpeg()
    {
        using var tmp = new TempDir();
        var src = SamplePhotos(2)[1];
        var prog = tmp.File("prog.jpg");
        RunTool("jpegtran", "-progressive", "-outfile", prog, src);
        AssertMatchesDjpeg(prog, tmp);
        // Odd sizes exercise partial MCUs and the right/bottom edges of the upsampler.
        var crop = tmp.File("crop.jpg");
        RunTool("jpegtran", "-crop", "37x23+5+3", "-outfile", crop, src);
        AssertMatchesDjpeg(crop, tmp);
        var ppm = tmp.File("crop.ppm");
        RunTool("djpeg", "-pnm", "-outfile", ppm, crop);
        foreach (var (name, args) in new[] { ("t1", new[] { "-sample", "2x2" }), ("t2", new[] { "-sample", "2x1", "-progressive" }), ("t3", new[] { "-sample", "1x2" }) })
        {
            var small = tmp.File(name + ".jpg");
            RunTool("cjpeg", [.. args, "-outfile", small, ppm]);
            AssertMatchesDjpeg(small, tmp);
        }
        // Tiny images: chroma 1-2 samples wide, where libjpeg switches from fancy to plain replication.
        foreach (var size in new[] { "1x1+0+0", "3x3+8+8", "4x9+1+1", "2x17+0+5" })
        {
            var tiny = tmp.File($"tiny-{size}.jpg");
            RunTool("jpegtran", "-crop", size, "-outfile", tiny, src);
            var tinyPpm = tmp.File($"tiny-{size}.ppm");
            RunTool("djpeg", "-pnm", "-outfile", tinyPpm, tiny);
            foreach (var sample in new[] { "2x2", "2x1", "1x2" })
            {
                var re = tmp.File($"tiny-{size}-{sample}.jpg");
                RunTool("cjpeg", "-sample", sample, "-outfile", re, tinyPpm);
                AssertMatchesDjpeg(re, tmp);
            }
        }
    }

    [Fact]
    public void GrayscaleJpegDecodesToOneChannel()
    {
        using var tmp = new TempDir();
        var ppm = tmp.File("src.ppm");
        RunTool("djpeg", "-pnm", "-outfile", ppm, SamplePhotos(1)[0]);
        var jpg = tmp.File("gray.jpg");
        RunTool("cjpeg", "-grayscale", "-outfile", jpg, ppm);
        var img = JpegDecoder.Decode(File.ReadAllBytes(jpg), jpg);
        Assert.Equal(1, img.Channels);
    }

    [Fact]
    public void ExifOrientation6RotatesClockwise()
    {
        var path = SamplePhotos(1)[0];
        var bytes = File.ReadAllBytes(path);
        var upright = JpegDecoder.Decode(bytes, path);
        var withExif = InsertExifOrientation(bytes, 6, bigEndian: false);
        Assert.Equal(6, JpegDecoder.ReadExifOrientation(withExif));
        var rotated = JpegDecoder.Decode(withExif, "exif6");
        Assert.Equal((upright.Height, upright.Width), (rotated.Width, rotated.Height));
        // 90 degrees clockwise: stored pixel (x, y) appears at (H - 1 - y, x).
        int w = upright.Width, h = upright.Height;
        foreach (var (x, y) in new[] { (0, 0), (w - 1, 0), (0, h - 1), (w - 1, h - 1), (w / 3, h / 5) })
            for (int c = 0; c < 3; c++)
                Assert.Equal(upright.Pixels[(y * w + x) * 3 + c], rotated.Pixels[(x * rotated.Width + (h - 1 - y)) * 3 + c]);
        var raw = JpegDecoder.Decode(withExif, "exif6", applyExifOrientation: false);
        Assert.Equal(upright.Pixels, raw.Pixels);
    }

    [Theory]
    [InlineData(2)] [InlineData(3)] [InlineData(4)] [InlineData(5)] [InlineData(7)] [InlineData(8)]
    public void ExifOrientationsMapCornersConsistently(int orientation)
    {
        var path = SamplePhotos(1)[0];
        var bytes = File.ReadAllBytes(path);
        var stored = JpegDecoder.Decode(bytes, path);
        var upright = JpegDecoder.Decode(InsertExifOrientation(bytes, orientation, bigEndian: true), "exif");
        int w = stored.Width, h = stored.Height;
        // Where the stored top-left pixel ends up (Exif 2.3, orientation tag semantics).
        (int X, int Y) expected = orientation switch
        {
            2 => (w - 1, 0), 3 => (w - 1, h - 1), 4 => (0, h - 1), 5 => (0, 0), 7 => (h - 1, w - 1), 8 => (0, w - 1), _ => (0, 0),
        };
        Assert.Equal(orientation >= 5 ? (h, w) : (w, h), (upright.Width, upright.Height));
        for (int c = 0; c < 3; c++)
            Assert.Equal(stored.Pixels[c], upright.Pixels[(expected.Y * upright.Width + expected.X) * 3 + c]);
    }

    /// <summary>Inserts an APP1 Exif segment with one IFD0 entry (Orientation, SHORT) right after SOI.</summary>
    internal static byte[] InsertExifOrientation(byte[] jpeg, int orientation, bool bigEndian)
    {
        var tiff = new List<byte>();
        void U16(int v) { if (bigEndian) { tiff.Add((byte)(v >> 8)); tiff.Add((byte)v); } else { tiff.Add((byte)v); tiff.Add((byte)(v >> 8)); } }
        void U32(int v) { if (bigEndian) { U16(v >> 16); U16(v & 0xFFFF); } else { U16(v & 0xFFFF); U16(v >> 16); } }
        tiff.AddRange(bigEndian ? "MM"u8.ToArray() : "II"u8.ToArray());
        U16(42); U32(8);           // IFD0 at offset 8
        U16(1);                    // one entry
        U16(0x0112); U16(3); U32(1); U16(orientation); U16(0);
        U32(0);                    // no next IFD
        var payload = "Exif\0\0"u8.ToArray().Concat(tiff).ToArray();
        int len = payload.Length + 2;
        var seg = new byte[] { 0xFF, 0xE1, (byte)(len >> 8), (byte)len }.Concat(payload);
        return jpeg.Take(2).Concat(seg).Concat(jpeg.Skip(2)).ToArray();
    }
}
