using DenseFace.Imaging;

namespace DenseFace.Tests.Imaging;

public class ImageIOTests
{
    /// <summary>
    /// Every non-JPEG image in the shared data decodes through the format dispatcher (the ~7,360 JPEGs are
    /// checked against their SOF headers by JpegRobustnessTests.AllSharedJpegsDecode).
    /// </summary>
    [Fact]
    public void EveryPngAndPnmUnderTheDataFolderDecodes()
    {
        var files = Directory.EnumerateFiles(System.IO.Path.Combine(TestData.Root, "data"), "*", SearchOption.AllDirectories)
            .Where(f => System.IO.Path.GetExtension(f).ToLowerInvariant() is ".png" or ".ppm" or ".pgm")
            .Order(StringComparer.Ordinal).ToArray();
        Assert.True(files.Length >= 3, $"expected the shared PNG/PPM samples, found {files.Length}");
        foreach (var f in files)
        {
            var img = ImageIO.Load(f);
            Assert.Equal(img.Width * img.Height * img.Channels, img.Pixels.Length);
            Assert.Equal(f.EndsWith(".png") ? ImageIO.Format.Png : ImageIO.Format.Pnm, ImageIO.Detect(File.ReadAllBytes(f)));
        }
    }

    [Theory]
    [InlineData(".png")]
    [InlineData(".ppm")]
    public void SaveThenLoadIsLossless(string ext)
    {
        var img = new Image8(13, 7, 3);
        new Random(1).NextBytes(img.Pixels);
        var path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"denseface-io-{Guid.NewGuid():N}{ext}");
        try
        {
            ImageIO.Save(img, path);
            var back = ImageIO.Load(path);
            Assert.Equal(img.Pixels, back.Pixels);
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void JpegSaveIsCloseToTheOriginal()
    {
        var img = new Image8(64, 48, 3);
        for (int y = 0; y < 48; y++) for (int x = 0; x < 64; x++)
        { var p = (y * 64 + x) * 3; img.Pixels[p] = (byte)(x * 4); img.Pixels[p + 1] = (byte)(y * 5); img.Pixels[p + 2] = 128; }
        var back = ImageIO.Decode(ImageIO.Encode(img, "x.jpg", 95), "x.jpg");
        double mad = img.Pixels.Zip(back.Pixels, (a, b) => Math.Abs(a - b)).Average();
        Assert.True(mad < 2.0, $"mean absolute difference {mad}");
    }

    [Fact]
    public void ErrorsNameTheFile()
    {
        var dir = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"denseface-io-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        try
        {
            var missing = System.IO.Path.Combine(dir, "missing.jpg");
            Assert.Contains("missing.jpg", Assert.Throws<InvalidInputException>(() => ImageIO.Load(missing)).Message);
            var empty = System.IO.Path.Combine(dir, "empty.png");
            File.WriteAllBytes(empty, []);
            Assert.Contains("empty.png", Assert.Throws<InvalidInputException>(() => ImageIO.Load(empty)).Message);
            var text = System.IO.Path.Combine(dir, "notes.jpg");
            File.WriteAllText(text, "hello, not an image");
            var e = Assert.Throws<InvalidInputException>(() => ImageIO.Load(text));
            Assert.Contains("notes.jpg", e.Message);
            Assert.Contains("signature", e.Message);
            Assert.Throws<InvalidInputException>(() => ImageIO.Load(dir));
            Assert.Throws<InvalidInputException>(() => ImageIO.Save(new Image8(2, 2, 3), System.IO.Path.Combine(dir, "x.gif")));
        }
        finally { Directory.Delete(dir, true); }
    }
}
