using System.Text.Json;
using DenseFace.Cli.Commands;
using DenseFace.Imaging;

namespace DenseFace.Tests.Cli;

public class DetectCommandTests
{
    [Fact]
    public void Detect_writes_one_json_line_per_image_with_the_issue_keys_and_overlays()
    {
        var dir = Path.Combine(Path.GetTempPath(), $"denseface-detect-{Guid.NewGuid():N}");
        var images = Path.Combine(dir, "in");
        Directory.CreateDirectory(images);
        try
        {
            string photo = TestData.Path("data", "300w", "helen", "testset", "296814969_3.jpg");
            File.Copy(photo, Path.Combine(images, "a.jpg"));
            var blank = new Image8(200, 150, 3);
            Array.Fill(blank.Pixels, (byte)90);
            ImageIO.Save(blank, Path.Combine(images, "b.png"));
            File.WriteAllText(Path.Combine(images, "notes.txt"), "not an image");
            string jsonl = Path.Combine(dir, "faces.jsonl"), overlays = Path.Combine(dir, "ov");
            int rc = DetectCommand.Create().Parse([images, "--jsonl", jsonl, "--out", overlays]).Invoke();
            Assert.Equal(0, rc);
            var lines = File.ReadAllLines(jsonl);
            Assert.Equal(2, lines.Length);
            using var a = JsonDocument.Parse(lines[0]);
            var root = a.RootElement;
            Assert.EndsWith("a.jpg", root.GetProperty("file").GetString());
            var img = ImageIO.Load(photo);
            Assert.Equal(img.Width, root.GetProperty("width").GetInt32());
            Assert.Equal(img.Height, root.GetProperty("height").GetInt32());
            Assert.True(root.GetProperty("timing_ms").GetDouble() > 0);
            var face = root.GetProperty("faces")[0];
            Assert.Equal(4, face.GetProperty("box").GetArrayLength());
            Assert.Equal(4, face.GetProperty("box68").GetArrayLength());
            Assert.Equal(5, face.GetProperty("keypoints5").GetArrayLength());
            Assert.InRange(face.GetProperty("score").GetDouble(), 0.6, 1);
            using var b = JsonDocument.Parse(lines[1]);
            Assert.Equal(0, b.RootElement.GetProperty("faces").GetArrayLength());
            var overlay = ImageIO.Load(Path.Combine(overlays, "a_faces.png"));
            Assert.Equal((img.Width, img.Height), (overlay.Width, overlay.Height));
            Assert.Empty(Directory.GetFiles(dir, "*.tmp", SearchOption.AllDirectories));
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void Missing_input_is_reported_with_exit_code_2()
    {
        var missing = Path.Combine(Path.GetTempPath(), $"no-such-{Guid.NewGuid():N}.jpg");
        Assert.Equal(2, DetectCommand.Create().Parse([missing, "--jsonl", missing + ".jsonl"]).Invoke());
        Assert.False(File.Exists(missing + ".jsonl"));
    }
}
