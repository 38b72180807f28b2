using System.Text.Json;
using DenseFace.Cli.Commands;
using DenseFace.Evaluation.Datasets;
using DenseFace.Evaluation.Protocols;
using DenseFace.Landmarks;

namespace DenseFace.Tests.Cli;

[Collection(nameof(ConsoleProgressCollection))]
public class LandmarksCommandTests
{
    [Fact]
    public void FolderRunWritesOneLinePerImageSkipsABadFileAndResumes()
    {
        var scan = DatasetScanner.Scan(TestData.Path("data", "300w", "helen", "testset"), expectedPointCount: 68);
        var dir = Directory.CreateTempSubdirectory("denseface-lm-").FullName;
        try
        {
            var images = Path.Combine(dir, "in"); Directory.CreateDirectory(images);
            foreach (var item in scan.Items.Take(2))
            {
                File.Copy(item.ImagePath, Path.Combine(images, Path.GetFileName(item.ImagePath)));
                File.Copy(Path.ChangeExtension(item.ImagePath, ".pts"), Path.Combine(images, Path.GetFileNameWithoutExtension(item.ImagePath) + ".pts"));
            }
            File.WriteAllBytes(Path.Combine(images, "broken.jpg"), [0xFF, 0xD8, 0xFF, 0x00, 1, 2, 3]);
            File.Copy(Path.ChangeExtension(scan.Items[0].ImagePath, ".pts"), Path.Combine(images, "broken.pts"));
            var jsonl = Path.Combine(dir, "out.jsonl");
            string[] args = [images, "--jsonl", jsonl, "--out", Path.Combine(dir, "overlays"), "--passes", "1", "--pts-boxes"];
            Assert.Equal(0, LandmarksCommand.Create().Parse(args).Invoke());
            var lines = File.ReadAllLines(jsonl);
            Assert.Equal(2, lines.Length);
            foreach (var line in lines)
            {
                using var d = JsonDocument.Parse(line);
                var r = d.RootElement;
                foreach (var key in new[] { "file", "width", "height", "faces", "timing_ms" }) Assert.True(r.TryGetProperty(key, out _), key);
                var face = r.GetProperty("faces")[0];
                Assert.Equal(4, face.GetProperty("box").GetArrayLength());
                Assert.Equal(68, face.GetProperty("landmarks68").GetArrayLength());
                Assert.Equal(68, face.GetProperty("landmarks68_3d").GetArrayLength());
                var dense = face.GetProperty("dense");
                Assert.Equal("full703", dense.GetProperty("layout").GetString());
                var pts = dense.GetProperty("points");
                Assert.Equal(703, pts.GetArrayLength());
                Assert.All(pts.EnumerateArray(), p => { Assert.Equal(4, p.GetArrayLength()); Assert.True(p[2].GetDouble() > 0); Assert.InRange(p[3].GetDouble(), 0, 1); });
            }
            Assert.Equal(2, Directory.GetFiles(Path.Combine(dir, "overlays"), "*_landmarks.png").Length);
            // rerun: nothing new, nothing lost
            Assert.Equal(0, LandmarksCommand.Create().Parse(args).Invoke());
            Assert.Equal(lines, File.ReadAllLines(jsonl));
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void ShippedModelLocalisesHelenTestFaces()
    {
        // a guard on the committed weights: NME on the development set stays far below the mean-shape level (~20 %)
        var predictor = LandmarkPredictor.Load();
        var dir = Directory.CreateTempSubdirectory("denseface-helen-").FullName;
        try
        {
            var scan = DatasetScanner.Scan(TestData.Path("data", "300w", "helen", "testset"), expectedPointCount: 68);
            foreach (var item in scan.Items.Take(40))
            {
                File.Copy(item.ImagePath, Path.Combine(dir, Path.GetFileName(item.ImagePath)));
                File.Copy(Path.ChangeExtension(item.ImagePath, ".pts"), Path.Combine(dir, Path.GetFileNameWithoutExtension(item.ImagePath) + ".pts"));
            }
            var r = Landmarks300W.Evaluate(predictor, dir, new PredictionOptions { Passes = 1 }, 2);
            Assert.Equal(40, r.Images);
            Assert.InRange(r.NmeIo, 0.01, 0.08);
            Assert.InRange(r.WithinTwoSigma, 0.6, 1.0);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void WithoutBoxesTheDetectorFindsTheFace()
    {
        var item = DatasetScanner.Scan(TestData.Path("data", "300w", "helen", "testset"), expectedPointCount: 68).Items[1];
        var jsonl = Path.Combine(Path.GetTempPath(), $"denseface-lm-{Guid.NewGuid():N}.jsonl");
        try
        {
            Assert.Equal(0, LandmarksCommand.Create().Parse([item.ImagePath, "--jsonl", jsonl, "--passes", "1"]).Invoke());
            using var d = JsonDocument.Parse(File.ReadAllLines(jsonl).Single());
            var faces = d.RootElement.GetProperty("faces");
            Assert.True(faces.GetArrayLength() >= 1);
            Assert.True(d.RootElement.GetProperty("timing_ms").TryGetProperty("detect", out _));
            // the annotated face is among them: some face's predicted 68 points lie within 10 % of its inter-ocular distance
            var truth = item.Landmarks.Points;
            double best = faces.EnumerateArray().Min(f =>
            {
                var p = f.GetProperty("landmarks68");
                var pred = Enumerable.Range(0, 68).Select(k => new System.Numerics.Vector2((float)p[k][0].GetDouble(), (float)p[k][1].GetDouble())).ToArray();
                return DenseFace.Evaluation.Metrics.LandmarkMetrics.NmeInterOcular(pred, truth, item.ImagePath);
            });
            Assert.InRange(best, 0, 0.10);
        }
        finally { File.Delete(jsonl); }
    }

    [Fact]
    public void BadBoxIsAClearError()
    {
        var img = DatasetScanner.Scan(TestData.Path("data", "300w", "helen", "testset"), expectedPointCount: 68).Items[0].ImagePath;
        var e = Assert.Throws<InvalidInputException>(() => LandmarksCommand.ParseBox("1,2,-3,4", "--box"));
        Assert.Contains("--box", e.Message);
        Assert.Equal(2, LandmarksCommand.Create().Parse([img, "--box", "1,2,x,4", "--jsonl", Path.Combine(Path.GetTempPath(), $"never-{Guid.NewGuid():N}.jsonl")]).Invoke());
    }
}
