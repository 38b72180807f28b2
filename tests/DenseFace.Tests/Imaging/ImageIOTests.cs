using DenseFace.Imaging;

namespace DenseFace.Tests.Imaging;

public class ImageIOTests
{
    static readonly string[] ImageExtensions = [".jpg", ".jpeg", ".png", ".ppm", ".pgm"];

    [Fact]
    public void EveryImageUnderTheDataFolderDecodes()
    {
        var files = Directory.EnumerateFiles(System.IO.Path.Combine(TestData.Root, "data"), "*", SearchOption.AllDirectories)
            .Where(f => ImageExtensions.Contains(System.IO.Path.GetExtension(f).ToLowerInvariant()))
            .Order(StringComparer.Ordinal).ToArray();
        Assert.True(files.Length > 7000, $"expected the ~7,360 shared images, found {files.Length}");
        var failures = new System.Collections.Concurrent.ConcurrentBag<string>();
        var utk = new System.Collections.Concurrent.ConcurrentBag<(int, int)>();
        Parallel.ForEach(files, f =>
        {
            try
            {
                var img = ImageIO.Load(f);
                if (img.Pixels.Length != img.Width * img.Height * img.Channels) failures.Add($"{f}: inconsistent buffer");
                if (f.Contains("utkface")) utk.Add((img.Width, img.Height));
            }
            catch (Exception e) { failures.Add($"{f}: {e.GetType().Name}: {e.Message}"); }
        });
        Assert.True(failures.IsEmpty, string.Join("\n", failures.Take(20)));
        // Independent check on sizes: the UTKFace crops are documented as 200x200.
        Assert.Equal(5000, utk.Count);
        Assert.All(utk, s => Assert.Equal((200, 200), s));
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
