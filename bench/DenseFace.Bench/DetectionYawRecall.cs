using static DenseFace.Bench.BenchArgs;
using System.Drawing;
using System.Text.Json;
using DenseFace.Detection;
using DenseFace.FaceModel;
using DenseFace.Training.Synthesis;

namespace DenseFace.Bench;

/// <summary>
/// <c>dotnet run -c Release --project bench/DenseFace.Bench -- detect-synth [--count N] [--json OUT]</c>: YuNet's recall by
/// |yaw| bin (0-30, 30-60, 60-90 degrees) on synthetic renders (the synthesis engine, 320 x 320, |yaw| up to 90, photo
/// backgrounds cropped away from the annotated faces of 300-W training photos, seed 1). A render counts as found when a
/// detection (score >= 0.6, long side 320) has its YuNet box centre inside the rendered face box (the projected
/// inner-face vertices) and overlaps it by IoU >= 0.3 (YuNet's box is looser than the inner face, more so in profile).
/// </summary>
internal static class DetectionYawRecall
{
    public static int Run(string[] args)
    {
        int count = int.Parse(Arg(args, "--count") ?? "600");
        string? json = Arg(args, "--json"), sheet = Arg(args, "--sheet");
        var misses = new System.Collections.Concurrent.ConcurrentBag<(int, DenseFace.Imaging.Image8)>();
        var model = MorphableModel.Load();
        var backgrounds = Directory.EnumerateFiles(DataRoot.Path("data", "300w", "helen", "trainset"), "*.pts").Order(StringComparer.Ordinal)
            .Select(p =>
            {
                var box = FaceBox.Tight(DenseFace.Evaluation.Datasets.PtsFile.Read(p).Points);
                return new BackgroundPhoto(Path.ChangeExtension(p, ".jpg"), new RectangleF(box.X, box.Y, box.Width, box.Height));
            }).Where(b => File.Exists(b.Path)).ToList();
        var generator = new SyntheticFaceGenerator(model, new SynthesisOptions
        {
            Seed = 1, ImageSize = 320, Supersampling = 1, MaxYaw = 90, Backgrounds = backgrounds, PhotoBackgroundProbability = 1f,
        });
        var detector = FaceDetector.Load();
        var bins = new (int Total, int Found)[3];
        var found = new bool[count];
        var yaw = new float[count];
        Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = 2 }, i =>
        {
            var s = generator.Generate(i);
            var gt = new FaceBox(s.Box.X, s.Box.Y, s.Box.Width, s.Box.Height);
            yaw[i] = Math.Abs(s.Pose.Yaw);
            found[i] = detector.Detect(s.Image).Any(f =>
            {
                var c = f.Box.Centre;
                return c.X >= gt.X && c.X <= gt.Right && c.Y >= gt.Y && c.Y <= gt.Bottom && FaceBox.IoU(f.Box, gt) >= 0.3f;
            });
            if (!found[i] && sheet != null && misses.Count < 64)
            {
                var faces = detector.Detect(s.Image);
                var overlay = DetectionReport.Overlay(s.Image, faces);
                DenseFace.Imaging.Draw.Line(overlay, new(gt.X, gt.Bottom), new(gt.Right, gt.Bottom), DenseFace.Imaging.Rgba.Blue, 2);
                DenseFace.Imaging.Draw.Line(overlay, new(gt.X, gt.Y), new(gt.Right, gt.Y), DenseFace.Imaging.Rgba.Blue, 2);
                misses.Add((i, DenseFace.Imaging.ImageWarp.WarpAffine(overlay, DenseFace.Geometry.AffineTransform2D.Scale(0.5, 0.5), 160, 160, DenseFace.Imaging.WarpFilter.Area)));
            }
        });
        for (int i = 0; i < count; i++)
        {
            int b = Math.Min(2, (int)(yaw[i] / 30));
            bins[b].Total++;
            if (found[i]) bins[b].Found++;
        }
        if (sheet != null)
        {
            var tiles = misses.OrderBy(m => m.Item1).Select(m => m.Item2).ToList();
            var img = new DenseFace.Imaging.Image8(8 * 160, Math.Max(1, (tiles.Count + 7) / 8) * 160, 3);
            for (int k = 0; k < tiles.Count; k++)
                for (int y = 0; y < 160; y++)
                    Array.Copy(tiles[k].Pixels, y * 160 * 3, img.Pixels, (((k / 8) * 160 + y) * img.Width + (k % 8) * 160) * 3, 160 * 3);
            DenseFace.Imaging.ImageIO.Save(img, sheet);
        }
        var result = new Dictionary<string, object> { ["renders"] = count, ["date_utc"] = DateTime.UtcNow.ToString("u") };
        string[] names = ["0-30", "30-60", "60-90"];
        for (int b = 0; b < 3; b++)
            result[names[b]] = new { renders = bins[b].Total, found = bins[b].Found, recall = bins[b].Total == 0 ? double.NaN : Math.Round((double)bins[b].Found / bins[b].Total, 4) };
        var text = JsonSerializer.Serialize(result, new JsonSerializerOptions { WriteIndented = true });
        Console.WriteLine(text);
        if (json != null) DenseFace.IO.AtomicFile.WriteAllText(json, text + "\n");
        return 0;
    }
}
