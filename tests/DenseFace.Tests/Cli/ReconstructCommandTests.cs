using System.Text.Json;
using DenseFace.Cli.Commands;

namespace DenseFace.Tests.Cli;

[Collection(nameof(ConsoleProgressCollection))]
public class ReconstructCommandTests
{
    static readonly string[] FaceKeys = ["box", "score", "landmarks68", "landmarks68_3d", "dense", "pose", "blendshapes", "identity", "mesh", "texture"];

    [Fact]
    public void FolderRunWritesLinesMeshesAndTexturesSkipsABadFileResumesAndShards()
    {
        var photos = Directory.GetFiles(TestData.Path("data", "300w", "helen", "testset"), "*.jpg").Order(StringComparer.Ordinal).Take(2).ToList();
        var dir = Directory.CreateTempSubdirectory("denseface-rec-").FullName;
        try
        {
            var input = Path.Combine(dir, "in"); Directory.CreateDirectory(Path.Combine(input, "sub"));
            File.Copy(photos[0], Path.Combine(input, "a.jpg"));
            File.Copy(photos[1], Path.Combine(input, "sub", "b.jpg"));
            File.WriteAllBytes(Path.Combine(input, "broken.jpg"), [0xFF, 0xD8, 0xFF, 0x00, 1, 2, 3]);
            var outDir = Path.Combine(dir, "out");
            string[] common = ["--texture-size", "32", "--passes", "1", "--threads", "2"];
            Assert.Equal(0, ReconstructCommand.Create().Parse([input, "--out", outDir, .. common]).Invoke());
            var jsonl = Path.Combine(outDir, "reconstruct.jsonl");
            var lines = File.ReadAllLines(jsonl);
            Assert.Equal(2, lines.Length);
            var files = new List<string>();
            foreach (var line in lines)
            {
                using var d = JsonDocument.Parse(line);
                var r = d.RootElement;
                files.Add(r.GetProperty("file").GetString()!);
                foreach (var k in new[] { "decode", "detect", "landmarks", "fit", "total" }) Assert.True(r.GetProperty("timing_ms").GetProperty(k).GetDouble() >= 0, k);
                var face = r.GetProperty("faces")[0];
                foreach (var k in FaceKeys) Assert.True(face.TryGetProperty(k, out _), k);
                Assert.Equal(703, face.GetProperty("dense").GetProperty("points").GetArrayLength());
                Assert.Equal(53, face.GetProperty("blendshapes").EnumerateObject().Count());
                var pose = face.GetProperty("pose");
                foreach (var k in new[] { "yaw", "pitch", "roll", "focal_px" }) Assert.True(double.IsFinite(pose.GetProperty(k).GetDouble()), k);
                Assert.Equal(3, pose.GetProperty("translation_cm").GetArrayLength());
                Assert.True(File.Exists(Path.Combine(outDir, face.GetProperty("mesh").GetString()!)));
                Assert.True(File.Exists(Path.Combine(outDir, face.GetProperty("texture").GetString()!)));
            }
            Assert.Equal(["a.jpg", "sub/b.jpg"], files.Order(StringComparer.Ordinal));
            Assert.True(File.Exists(Path.Combine(outDir, "sub", "b.json")));
            Assert.True(File.Exists(Path.Combine(outDir, "sub", "b.overlay.png")));
            Assert.Contains("broken.jpg", File.ReadAllText(Path.Combine(outDir, "reconstruct.skipped.jsonl")));

            // an interrupted run leaves a torn last line: the rerun drops it and redoes nothing else
            File.AppendAllText(jsonl, "{\"file\":\"sub/b.j");
            Assert.Equal(0, ReconstructCommand.Create().Parse([input, "--out", outDir, .. common]).Invoke());
            Assert.Equal(lines, File.ReadAllLines(jsonl));

            // two shards cover the collection once
            var sharded = new List<string>();
            foreach (var s in new[] { "1/2", "2/2" })
            {
                Assert.Equal(0, ReconstructCommand.Create().Parse([input, "--out", Path.Combine(dir, "shards"), "--shard", s, "--no-overlay", .. common]).Invoke());
                var path = Path.Combine(dir, "shards", $"reconstruct.{s.Replace("/", "-of-")}.jsonl");
                if (File.Exists(path)) sharded.AddRange(File.ReadAllLines(path).Select(l => JsonDocument.Parse(l).RootElement.GetProperty("file").GetString()!));
            }
            Assert.Equal(["a.jpg", "sub/b.jpg"], sharded.Order(StringComparer.Ordinal));
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void BadArgumentsAreErrors()
    {
        var photo = Directory.GetFiles(TestData.Path("data", "300w", "helen", "testset"), "*.jpg").Order(StringComparer.Ordinal).First();
        Assert.Equal(2, ReconstructCommand.Create().Parse(["/nonexistent/folder"]).Invoke());
        Assert.Equal(2, ReconstructCommand.Create().Parse([photo, "--shard", "3/2"]).Invoke());
        Assert.Equal(2, ReconstructCommand.Create().Parse([photo, "--box", "1,2,3"]).Invoke());
        Assert.Equal(2, ReconstructCommand.Create().Parse([photo, "--texture-size", "7"]).Invoke());
    }
}
