using System.Text.Json;
using DenseFace.Cli.Commands;
using DenseFace.Evaluation.Datasets;
using DenseFace.Fitting;
using DenseFace.Imaging;
using DenseFace.Tests.FaceModel;

namespace DenseFace.Tests.Cli;

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
            var fitter = new FaceFitter(model, FittingLayout.Ibug68(model));
            var r = FitCommand.FitOne(fitter, item.ImagePath, item.Landmarks, 2f, null, dir, new FitCommand.Outputs(Obj: true, Mesh: true, Overlay: true));
            Assert.InRange(r.Nme, 0, 0.05);
            var name = System.IO.Path.GetFileNameWithoutExtension(item.ImagePath);
            using var doc = JsonDocument.Parse(File.ReadAllBytes(System.IO.Path.Combine(dir, name + ".json")));
            var root = doc.RootElement;
            foreach (var key in new[] { "identity", "expressions", "yaw_deg", "pitch_deg", "roll_deg", "translation_cm", "focal_px", "residuals_px", "iterations" })
                Assert.True(root.TryGetProperty(key, out _), $"missing key {key}");
            Assert.Equal(53, root.GetProperty("expressions").EnumerateObject().Count());
            Assert.All(root.GetProperty("expressions").EnumerateObject(), e => Assert.InRange(e.Value.GetDouble(), 0, 1));
            Assert.True(root.GetProperty("translation_cm")[2].GetDouble() > 0, "the head must be in front of the camera");
            Assert.True(new FileInfo(System.IO.Path.Combine(dir, name + ".glb")).Length > 100_000);
            Assert.True(File.Exists(System.IO.Path.Combine(dir, name + ".obj")));
            var overlay = ImageIO.Load(System.IO.Path.Combine(dir, name + "_overlay.png"));
            var photo = ImageIO.Load(item.ImagePath);
            Assert.Equal((photo.Width, photo.Height), (overlay.Width, overlay.Height));
            Assert.Empty(Directory.GetFiles(dir, "*.tmp"));
        }
        finally { Directory.Delete(dir, true); }
    }
}
