using System.Text.Json;
using DenseFace.Cli.Commands;
using DenseFace.Evaluation.Datasets;
using DenseFace.Imaging;
using DenseFace.Tests.FaceModel;

namespace DenseFace.Tests.Cli;

[Collection(nameof(ConsoleProgressCollection))]
public class FitCommandTests
{
    [Fact]
    public void FitOneWritesJsonMeshAndOverlayForAHelenPhoto()
    {
        var scan = DatasetScanner.Scan(TestData.Path("data", "300w", "helen", "testset"), expectedPointCount: 68);
        var item = scan.Items[0];
        var dir = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"denseface-fit-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        try
        {
            var model = ModelFixture.Model;
            var fitter = new DenseFace.Pipeline.AnnotationFitter(model);
            var name = System.IO.Path.GetFileNameWithoutExtension(item.ImagePath);
            var r = FitCommand.FitOne(fitter, item.ImagePath, name, item.Landmarks.Points, 2f, null, dir, new FitCommand.Outputs(Obj: true, Mesh: true, Overlay: true));
            Assert.InRange(r.ResidualNme, 0, 0.05);
            using var doc = JsonDocument.Parse(File.ReadAllBytes(System.IO.Path.Combine(dir, name + ".json")));
            var root = doc.RootElement;
            Assert.InRange(root.GetProperty("fit_residual_nme_interocular").GetDouble(), 0, 0.05);
            var face = root.GetProperty("faces")[0];
            foreach (var key in new[] { "identity", "blendshapes", "pose", "fit", "mesh", "landmarks68" })
                Assert.True(face.TryGetProperty(key, out _), $"missing key {key}");
            Assert.Equal(53, face.GetProperty("blendshapes").EnumerateObject().Count());
            Assert.All(face.GetProperty("blendshapes").EnumerateObject(), e => Assert.InRange(e.Value.GetDouble(), 0, 1));
            Assert.True(face.GetProperty("pose").GetProperty("translation_cm")[2].GetDouble() > 0, "the head must be in front of the camera");
            Assert.True(new FileInfo(System.IO.Path.Combine(dir, name + ".face0.glb")).Length > 100_000);
            Assert.True(File.Exists(System.IO.Path.Combine(dir, name + ".face0.obj")));
            var overlay = ImageIO.Load(System.IO.Path.Combine(dir, name + ".overlay.png"));
            var photo = ImageIO.Load(item.ImagePath);
            Assert.Equal((photo.Width, photo.Height), (overlay.Width, overlay.Height));
            Assert.Empty(Directory.GetFiles(dir, "*.tmp"));
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void FolderModeFitsInParallelAndResumes()
    {
        var scan = DatasetScanner.Scan(TestData.Path("data", "300w", "helen", "testset"), expectedPointCount: 68);
        var dir = Directory.CreateTempSubdirectory("denseface-fitdir-").FullName;
        try
        {
            var input = System.IO.Path.Combine(dir, "in"); Directory.CreateDirectory(input);
            foreach (var item in scan.Items.Take(2))
            {
                File.Copy(item.ImagePath, System.IO.Path.Combine(input, System.IO.Path.GetFileName(item.ImagePath)));
                File.Copy(item.AnnotationPath, System.IO.Path.Combine(input, System.IO.Path.GetFileName(item.AnnotationPath)));
            }
            var outDir = System.IO.Path.Combine(dir, "out");
            string[] args = ["--folder", input, "--out", outDir, "--threads", "2", "--no-mesh"];
            Assert.Equal(0, FitCommand.Create().Parse(args).Invoke());
            var summary = JsonDocument.Parse(File.ReadAllText(System.IO.Path.Combine(outDir, "summary.json"))).RootElement;
            Assert.Equal(2, summary.GetProperty("fitted").GetInt32());
            Assert.InRange(summary.GetProperty("fit_residual_nme_median").GetDouble(), 0, 0.05);
            var index = File.ReadAllLines(System.IO.Path.Combine(outDir, "index.jsonl"));
            Assert.Equal(2, index.Length);
            Assert.Equal(0, FitCommand.Create().Parse(args).Invoke());
            Assert.Equal(index, File.ReadAllLines(System.IO.Path.Combine(outDir, "index.jsonl")));
        }
        finally { Directory.Delete(dir, true); }
    }
}
