using System.CommandLine;
using System.Numerics;
using System.Text.Json;
using DenseFace.Cli.Commands;
using DenseFace.Evaluation.Datasets;
using DenseFace.Evaluation.Metrics;
using DenseFace.FaceModel.Layouts;
using DenseFace.Fitting;
using DenseFace.Imaging;
using DenseFace.Tests.FaceModel;
using DenseFace.Training.PseudoLabels;
using Xunit.Abstractions;

namespace DenseFace.Tests.PseudoLabels;

[Collection(nameof(DenseFace.Tests.Cli.ConsoleProgressCollection))]
public class PseudoLabelTests(ITestOutputHelper output)
{
    static string Helen => TestData.Path("data", "300w", "helen", "trainset");

    static IReadOnlyList<LabelledImage> FirstThree() => DatasetScanner.Scan(Helen, expectedPointCount: 68).Items.Take(3).ToArray();

    static int Run(params string[] args)
    {
        var root = new RootCommand { PseudoLabelCommand.Create(), TexturesCommand.Create() };
        return root.Parse(args).Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
    }

    static string TempDir() => Path.Combine(Path.GetTempPath(), $"denseface-pl-{Guid.NewGuid():N}");

    [Fact]
    public void LabelsOfThreeHelenPhotosFollowTheAnnotation()
    {
        var model = ModelFixture.Model;
        var fitter = new FaceFitter(model, DenseFace.Fitting.FittingLayout.Ibug68(model));
        var labeler = new PseudoLabeler(model, [LandmarkLayouts.Load("ibug68"), LandmarkLayouts.Load("dense520"), LandmarkLayouts.Load("full703")]);
        foreach (var item in FirstThree())
        {
            var photo = ImageIO.Load(item.ImagePath);
            var fit = PhotoFit.Fit(fitter, item.Landmarks.Points, photo.Width, photo.Height);
            var s = labeler.Label(0, photo, fit);
            Assert.Equal(["ibug68", "dense520", "full703"], s.Layouts.Select(l => l.Name));
            Assert.Equal([68, 520, 703], s.Layouts.Select(l => l.Points.Length));
            var gt = item.Landmarks.Points;
            double iod = LandmarkMetrics.OuterEyeCornerDistance(gt);
            var ibug = s.Layouts[0].Points;
            // inner points (17..67: brows, nose, eyes, mouth) are fixed vertices; the jaw (0..16) slides on real faces
            double inner = LandmarkMetrics.MeanError(ibug.AsSpan(17), gt.AsSpan(17), item.ImagePath);
            double all = LandmarkMetrics.MeanError(ibug, gt, item.ImagePath);
            var dense = s.Layouts[1];
            int inside = 0, visible = 0;
            for (int i = 0; i < dense.Points.Length; i++)
            {
                var p = dense.Points[i];
                if (p.X < 0 || p.Y < 0 || p.X > photo.Width - 1 || p.Y > photo.Height - 1) continue;
                inside++;
                if (dense.Visible[i]) visible++;
            }
            var yaw = fit.HeadPose.Yaw;
            output.WriteLine($"{Path.GetFileName(item.ImagePath)}: NME {fit.Nme:P2}, yaw {yaw:F1}, ibug68 label error inner {inner / iod:P2} all {all / iod:P2} of IOD ({inner:F2} / {all:F2} px), dense520 visible {visible}/{inside}");
            Assert.True(fit.Nme < 0.04, $"NME {fit.Nme}");
            Assert.True(inner < 0.035f * iod, $"inner ibug68 labels {inner:F2} px from the annotation (IOD {iod:F1} px)");
            Assert.True(all < 0.05f * iod, $"ibug68 labels {all:F2} px from the annotation (IOD {iod:F1} px)");
            if (MathF.Abs(yaw) < 20)
                Assert.True(visible > 0.7 * inside, $"{visible} of {inside} dense points visible on a frontal face");
            // the box holds the inner ibug points
            for (int k = 17; k < 68; k++) Assert.True(s.Box.Contains(ibug[k].X, ibug[k].Y) || Distance(s.Box, ibug[k]) < 2, $"point {k} outside the box");
        }
    }

    [Fact]
    public void TurnedViewsKeepTheBackgroundAndLabelTheRenderedHead()
    {
        var model = ModelFixture.Model;
        var fitter = new FaceFitter(model, DenseFace.Fitting.FittingLayout.Ibug68(model));
        var labeler = new PseudoLabeler(model, [LandmarkLayouts.Load("ibug68")]);
        var item = FirstThree()[1];
        var photo = ImageIO.Load(item.ImagePath);
        var fit = PhotoFit.Fit(fitter, item.Landmarks.Points, photo.Width, photo.Height);
        var extractor = new DenseFace.Rendering.TextureExtractor(model, fit.Positions, fit.Camera, fit.Pose, photo);
        var face = extractor.Extract(DenseFace.Rendering.TextureTile.Face, new() { Size = 128 }).Color;
        var background = RotatedView.RemoveHead(photo, extractor.Visibility, 6);
        var views = new RotatedView(model, labeler);
        var view = views.Render(0, background, fit, face, null, 30);
        Assert.Equal((photo.Width, photo.Height, 3), (view.Image.Width, view.Image.Height, view.Image.Channels));
        Assert.InRange(view.Pose.Yaw - fit.HeadPose.Yaw, 25, 35);
        // the top-left corner is far from the head: the photo is kept there
        for (int k = 0; k < 3; k++) Assert.InRange(view.Image.Pixels[k] - photo.Pixels[k], -2, 2);
        // visible labels sit on the rendered head; most inner points of a 30-degree turned near-frontal face are visible
        var l = view.Layouts[0];
        int visible = 0;
        for (int i = 0; i < 68; i++)
        {
            if (!l.Visible[i]) continue;
            visible++;
            int x = (int)MathF.Round(l.Points[i].X), y = (int)MathF.Round(l.Points[i].Y);
            Assert.True(view.Mask.Pixels[y * photo.Width + x] > 0 || view.Mask.Pixels[Math.Min(y + 1, photo.Height - 1) * photo.Width + x] > 0, $"visible point {i} off the head");
        }
        Assert.True(visible > 40, $"{visible} visible");
        Assert.Throws<InvalidInputException>(() => views.Render(0, background, fit, face, null, 120));
        Assert.Throws<InvalidInputException>(() => views.Render(0, new Image8(8, 8, 3), fit, face, null, 10));
    }

    static float Distance(System.Drawing.RectangleF r, Vector2 p) =>
        MathF.Max(MathF.Max(r.Left - p.X, p.X - r.Right), MathF.Max(r.Top - p.Y, p.Y - r.Bottom));

    /// <summary>A folder holding links to the first three helen photos and their .pts (no copies of the licensed data).</summary>
    static string LinkFolder()
    {
        var dir = TempDir() + "-src";
        Directory.CreateDirectory(dir);
        foreach (var item in FirstThree())
        {
            File.CreateSymbolicLink(Path.Combine(dir, Path.GetFileName(item.ImagePath)), item.ImagePath);
            File.CreateSymbolicLink(Path.Combine(dir, Path.GetFileName(item.AnnotationPath)), item.AnnotationPath);
        }
        File.WriteAllText(Path.Combine(dir, "broken.pts"), "version: 1\nn_points: 68\n{\n1 2\n}\n");
        File.WriteAllBytes(Path.Combine(dir, "broken.jpg"), [0xFF, 0xD8, 0xFF, 0x00]);
        return dir;
    }

    [Fact]
    public void PseudolabelCommandWritesSynthFormatAndResumes()
    {
        var src = LinkFolder();
        var dir = TempDir();
        try
        {
            Assert.Equal(0, Run("pseudolabel", "--images", src, "--out", dir, "--layouts", "ibug68,dense520", "--threads", "1"));
            var lines = File.ReadAllLines(Path.Combine(dir, "index.jsonl"));
            Assert.Equal(3, lines.Length);
            foreach (var line in lines)
            {
                using var doc = JsonDocument.Parse(line);
                var root = doc.RootElement;
                Assert.Equal(["image", "box", "layouts", "beta", "psi", "pose", "focal", "nme", "rms_px", "pts"], root.EnumerateObject().Select(p => p.Name));
                var image = root.GetProperty("image").GetString()!;
                Assert.True(Path.IsPathRooted(image) && File.Exists(image), image);
                Assert.Equal(4, root.GetProperty("box").GetArrayLength());
                Assert.Equal(["ibug68", "dense520"], root.GetProperty("layouts").EnumerateObject().Select(p => p.Name));
                var dense = root.GetProperty("layouts").GetProperty("dense520");
                Assert.Equal(520, dense.GetArrayLength());
                Assert.All(dense.EnumerateArray(), p => { Assert.Equal(3, p.GetArrayLength()); Assert.Contains(p[2].GetInt32(), new[] { 0, 1 }); });
                Assert.Equal(100, root.GetProperty("beta").GetArrayLength());
                Assert.InRange(root.GetProperty("pose").GetProperty("yaw").GetDouble(), -90, 90);
                Assert.True(root.GetProperty("focal").GetDouble() > 0);
                Assert.InRange(root.GetProperty("nme").GetDouble(), 0, 0.08);
            }
            var skipped = File.ReadAllLines(Path.Combine(dir, "skipped.jsonl"));
            Assert.Contains(skipped, l => l.Contains("broken"));
            // a second run resumes: same index, records untouched
            var stamp = File.GetLastWriteTimeUtc(Path.Combine(dir, PhotoBatch.KeyOf(FirstThree()[0].ImagePath) + ".json"));
            Assert.Equal(0, Run("pseudolabel", "--images", src, "--out", dir, "--layouts", "ibug68,dense520"));
            Assert.Equal(lines, File.ReadAllLines(Path.Combine(dir, "index.jsonl")));
            Assert.Equal(stamp, File.GetLastWriteTimeUtc(Path.Combine(dir, PhotoBatch.KeyOf(FirstThree()[0].ImagePath) + ".json")));
            // bad arguments
            Assert.Equal(2, Run("pseudolabel", "--images", src, "--out", dir, "--layouts", "nope"));
            Assert.Equal(2, Run("pseudolabel", "--images", src + "-missing", "--out", dir));
            Assert.Equal(2, Run("pseudolabel", "--images", src, "--out", dir, "--max-nme", "-1"));
            Assert.Equal(2, Run("pseudolabel", "--images", src, "--out", dir, "--rotate", "30,abc"));
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, true);
            Directory.Delete(src, true);
        }
    }

    [Fact]
    public void TexturesCommandWritesTexturesAndIndex()
    {
        var src = LinkFolder();
        var dir = TempDir();
        try
        {
            Assert.Equal(0, Run("textures", "extract", "--images", src, "--out", dir, "--size", "64", "--limit", "2", "--threads", "1"));
            var lines = File.ReadAllLines(Path.Combine(dir, "index.jsonl"));
            Assert.Equal(2, lines.Length);
            foreach (var line in lines)
            {
                using var doc = JsonDocument.Parse(line);
                var root = doc.RootElement;
                Assert.Equal(["name", "texture", "head_texture", "image", "nme", "yaw", "pitch", "roll", "coverage", "mirrored_coverage", "head_coverage"], root.EnumerateObject().Select(p => p.Name));
                var tex = ImageIO.Load(Path.Combine(dir, root.GetProperty("texture").GetString()!));
                Assert.Equal((64, 64, 3), (tex.Width, tex.Height, tex.Channels));
                Assert.Equal(32, ImageIO.Load(Path.Combine(dir, root.GetProperty("head_texture").GetString()!)).Width);
                Assert.InRange(root.GetProperty("coverage").GetDouble(), 0.3, 1);
                Assert.True(root.GetProperty("mirrored_coverage").GetDouble() >= root.GetProperty("coverage").GetDouble());
            }
            Assert.Equal(2, Run("textures", "extract", "--images", src, "--out", dir, "--max-yaw", "120"));
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, true);
            Directory.Delete(src, true);
        }
    }
}
