using System.Text.Json;
using DenseFace.Cli.Commands;
using DenseFace.Imaging;
using DenseFace.Imaging.Video;

namespace DenseFace.Tests.Cli;

[Collection(nameof(ConsoleProgressCollection))]
public class MultiViewCommandTests
{
    [Fact]
    public void WritesOneIdentityAndAMeshAndOverlayPerView()
    {
        var dir = Directory.CreateTempSubdirectory("denseface-mv-").FullName;
        try
        {
            using (var reader = new VideoReader(TestData.Path("data", "video", "obama.mp4")))
                while (reader.TryRead(out var f, out int i) && i <= 40)
                    if (i % 40 == 0) ImageIO.Save(f, Path.Combine(dir, $"view{i}.png"));
            var outDir = Path.Combine(dir, "out");
            Assert.Equal(0, MultiViewCommand.Create().Parse([Path.Combine(dir, "view0.png"), Path.Combine(dir, "view40.png"), "--out", outDir]).Invoke());
            var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "multiview.json"))).RootElement;
            Assert.Equal(100, summary.GetProperty("identity").GetArrayLength());
            Assert.Equal(2, summary.GetProperty("views").GetArrayLength());
            var lines = File.ReadAllLines(Path.Combine(outDir, "multiview.jsonl"));
            Assert.Equal(2, lines.Length);
            var ids = lines.Select(l => JsonDocument.Parse(l).RootElement.GetProperty("faces")[0].GetProperty("identity").GetRawText()).Distinct();
            Assert.Single(ids);
            foreach (var v in new[] { "view0", "view40" })
            {
                Assert.True(File.Exists(Path.Combine(outDir, v + ".face0.glb")));
                Assert.True(File.Exists(Path.Combine(outDir, v + ".overlay.png")));
            }
            Assert.Equal(2, MultiViewCommand.Create().Parse([Path.Combine(dir, "view0.png"), "--out", outDir]).Invoke());
            Assert.Equal(2, MultiViewCommand.Create().Parse([Path.Combine(dir, "view0.png"), Path.Combine(dir, "missing.png"), "--out", outDir]).Invoke());
        }
        finally { Directory.Delete(dir, true); }
    }
}
