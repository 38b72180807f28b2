using System.CommandLine;
using System.Text.Json;
using DenseFace.Cli.Commands;
using DenseFace.Imaging;

namespace DenseFace.Tests.Synthesis;

[Collection(nameof(DenseFace.Tests.Cli.ConsoleProgressCollection))]
public class SynthCommandTests
{
    static int Run(params string[] args)
    {
        var root = new RootCommand { SynthCommand.Create() };
        return root.Parse(args).Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
    }

    [Fact]
    public void WritesImagesIndexAndContactSheetIndependentlyOfThreads()
    {
        var a = Path.Combine(Path.GetTempPath(), $"denseface-synth-{Guid.NewGuid():N}");
        var b = a + "-b";
        try
        {
            Assert.Equal(0, Run("synth", "--count", "3", "--size", "64", "--seed", "9", "--out", a, "--format", "png", "--photo-backgrounds", "false", "--threads", "1"));
            Assert.Equal(0, Run("synth", "--count", "3", "--size", "64", "--seed", "9", "--out", b, "--format", "png", "--photo-backgrounds", "false", "--threads", "3"));
            var lines = File.ReadAllLines(Path.Combine(a, "index.jsonl"));
            Assert.Equal(3, lines.Length);
            Assert.Equal(lines, File.ReadAllLines(Path.Combine(b, "index.jsonl")));
            for (int i = 0; i < 3; i++)
            {
                using var doc = JsonDocument.Parse(lines[i]);
                var keys = doc.RootElement.EnumerateObject().Select(p => p.Name).ToArray();
                Assert.Equal(["image", "box", "layouts", "beta", "psi", "pose", "focal"], keys);
                var image = doc.RootElement.GetProperty("image").GetString()!;
                Assert.Equal($"images/{i:D6}.png", image);
                Assert.Equal(File.ReadAllBytes(Path.Combine(a, image)), File.ReadAllBytes(Path.Combine(b, image)));
                var img = ImageIO.Load(Path.Combine(a, image));
                Assert.Equal(64, img.Width);
                Assert.Equal(4, doc.RootElement.GetProperty("box").GetArrayLength());
                var pts = doc.RootElement.GetProperty("layouts").GetProperty("ibug68");
                Assert.Equal(68, pts.GetArrayLength());
                Assert.All(pts.EnumerateArray(), p => { Assert.Equal(3, p.GetArrayLength()); Assert.Contains(p[2].GetInt32(), new[] { 0, 1 }); });
                Assert.Equal(100, doc.RootElement.GetProperty("beta").GetArrayLength());
                Assert.InRange(doc.RootElement.GetProperty("pose").GetProperty("yaw").GetDouble(), -90, 90);
                Assert.True(doc.RootElement.GetProperty("focal").GetDouble() > 0);
            }
            var sheet = ImageIO.Load(Path.Combine(a, "contact_sheet.png"));
            Assert.Equal((3 * 64, 64), (sheet.Width, sheet.Height));
        }
        finally
        {
            foreach (var d in new[] { a, b }) if (Directory.Exists(d)) Directory.Delete(d, recursive: true);
        }
    }

    [Fact]
    public void BadArgumentsAreReported()
    {
        var dir = Path.Combine(Path.GetTempPath(), $"denseface-synth-{Guid.NewGuid():N}");
        Assert.Throws<InvalidInputException>(() => Run("synth", "--count", "0", "--out", dir));
        Assert.Throws<InvalidInputException>(() => Run("synth", "--count", "1", "--out", dir, "--layouts", "nope"));
        Assert.Throws<InvalidInputException>(() => Run("synth", "--count", "1", "--out", dir, "--format", "gif"));
        Assert.Throws<InvalidInputException>(() => Run("synth", "--count", "1", "--size", "4", "--out", dir, "--photo-backgrounds", "false"));
        Assert.False(File.Exists(Path.Combine(dir, "index.jsonl")));
    }
}
