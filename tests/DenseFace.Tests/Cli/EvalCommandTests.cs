using System.Text;
using System.Text.Json;
using DenseFace.Cli.Commands;
using DenseFace.Evaluation.Datasets;
using DenseFace.Evaluation.Protocols;
using DenseFace.Landmarks;
using DenseFace.Neural;
using DenseFace.Tests.Datasets;

namespace DenseFace.Tests.Cli;

/// <summary>The eval commands end to end on a few images with a tiny random network (fast; the numbers mean nothing, the plumbing does).</summary>
[Collection(nameof(ConsoleProgressCollection))]
public class EvalCommandTests
{
    static readonly string[] Stems = ["image00002", "image00004", "image00006"];

    static string TinyModel(string dir)
    {
        var cfg = LandmarkModelConfig.For("ibug68", inputSize: 64, roiScale: 1.5f, widthMultiplier: 0.25);
        var model = Path.Combine(dir, "model");
        LandmarkPredictor.Save(model, cfg, Network.Create(cfg.Network, 7));
        return model;
    }

    static (int Rc, string Out) Run(string[] args)
    {
        var old = Console.Out;
        var sw = new StringWriter();
        Console.SetOut(sw);
        try { return (EvalCommand.Create().Parse(args).Invoke(), sw.ToString()); }
        finally { Console.SetOut(old); }
    }

    [Fact]
    public void Aflw2000WritesTheSeedsKeysTableAndPlotsAndAgreesWithTheProtocol()
    {
        var dir = Directory.CreateTempSubdirectory("denseface-eval-").FullName;
        try
        {
            var model = TinyModel(dir);
            var data = TestData.Path("data", "formats", "aflw2000-3d");
            var json = Path.Combine(dir, "a.json");
            var (rc, output) = Run(["aflw2000", "--data", data, "--model", model, "--passes", "1", "--json", json, "--plots", Path.Combine(dir, "plots")]);
            Assert.Equal(0, rc);
            Assert.Contains("Method | 0 to 30 | 30 to 60 | 60 to 90 | All", output);
            using var d = JsonDocument.Parse(File.ReadAllText(json));
            var r = d.RootElement;
            foreach (var key in new[] { "images", "missing", "bins", "balanced", "all_images" }) Assert.True(r.TryGetProperty(key, out _), key);
            Assert.Equal(3, r.GetProperty("images").GetInt32());
            Assert.Equal(0, r.GetProperty("missing").GetInt32());
            var bins = r.GetProperty("bins");
            Assert.Equal(["0-30", "30-60", "60-90"], bins.EnumerateObject().Select(p => p.Name));
            // the three samples fall one per bin (|yaw| of image00004 is 68 degrees)
            double mean = bins.EnumerateObject().Average(p => p.Value.GetDouble());
            Assert.Equal(mean, r.GetProperty("balanced").GetDouble(), 3);
            Assert.Equal(mean, r.GetProperty("all_images").GetDouble(), 3);
            // the same numbers from the library: 3D-convention points, box normaliser
            var (faces, _) = AflwSets.Aflw2000(data);
            var direct = YawBinnedProtocol.Evaluate(new OurLandmarkMethod(LandmarkPredictor.Load(model), new PredictionOptions { Passes = 1 }), faces, 0,
                AflwSets.Aflw2000PointSet, p => p.Points68In3D);
            Assert.Equal(Math.Round(100 * direct.All, 4), r.GetProperty("all_images").GetDouble(), 3);
            Assert.True(new FileInfo(Path.Combine(dir, "plots", "ced.png")).Length > 1000);
            Assert.Contains("<svg", File.ReadAllText(Path.Combine(dir, "plots", "ced.svg")));
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void Aflw21ReadsThe3ddfaLayout()
    {
        var dir = Directory.CreateTempSubdirectory("denseface-eval21-").FullName;
        try
        {
            var model = TinyModel(dir);
            var data = Path.Combine(dir, "aflw"); Directory.CreateDirectory(data);
            // 3DDFA's layout from the AFLW2000-3D samples: pt2d as 1-based pixels (-1 unlabelled), yaw in degrees
            var pts = new double[Stems.Length * 2 * 21]; var yaws = new double[Stems.Length];
            for (int n = 0; n < Stems.Length; n++)
            {
                var s = Aflw2000Sample.Read(MatFileTests.AflwPath(Stems[n]));
                File.Copy(s.ImagePath!, Path.Combine(data, Stems[n] + ".jpg"));
                for (int k = 0; k < 21; k++)
                {
                    bool v = s.Landmarks2D21.Visibility![k];
                    pts[(2 * n) * 21 + k] = v ? s.Landmarks2D21.Points[k].X + 1 : -1;
                    pts[(2 * n + 1) * 21 + k] = v ? s.Landmarks2D21.Points[k].Y + 1 : -1;
                }
                yaws[n] = s.YawDegrees;
            }
            File.WriteAllLines(Path.Combine(data, "list.txt"), Stems.Select(x => x + ".jpg").Append("absent.jpg"));
            WriteNpy(Path.Combine(data, "pts21.npy"), [Stems.Length + 1, 2, 21], [.. pts, .. Enumerable.Repeat(-1.0, 42)]);
            WriteNpy(Path.Combine(data, "yaws.npy"), [Stems.Length + 1], [.. yaws, 0]);
            var json = Path.Combine(dir, "a21.json");
            var (rc, output) = Run(["aflw21", "--data", data, "--model", model, "--passes", "1", "--json", json]);
            Assert.Equal(0, rc);
            Assert.Contains("less the 2 ears", File.ReadAllText(json));
            using var d = JsonDocument.Parse(File.ReadAllText(json));
            Assert.Equal(3, d.RootElement.GetProperty("images").GetInt32());
            Assert.Equal(1, d.RootElement.GetProperty("missing").GetInt32());
            Assert.True(d.RootElement.GetProperty("balanced").GetDouble() > 0);
            Assert.Contains("60 to 90", output);
            // a shape that does not match list.txt names the file
            WriteNpy(Path.Combine(data, "yaws.npy"), [2], [0, 0]);
            Assert.Equal(2, Run(["aflw21", "--data", data, "--model", model]).Rc);
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void W300KeepsItsKeysAndDetectCountsMissedFaces()
    {
        var dir = Directory.CreateTempSubdirectory("denseface-eval300-").FullName;
        try
        {
            var model = TinyModel(dir);
            var data = Path.Combine(dir, "w300"); Directory.CreateDirectory(data);
            var scan = DatasetScanner.Scan(TestData.Path("data", "300w", "helen", "testset"), expectedPointCount: 68);
            foreach (var item in scan.Items.Take(2))
            {
                File.Copy(item.ImagePath, Path.Combine(data, Path.GetFileName(item.ImagePath)));
                File.Copy(Path.ChangeExtension(item.ImagePath, ".pts"), Path.Combine(data, Path.GetFileNameWithoutExtension(item.ImagePath) + ".pts"));
            }
            var json = Path.Combine(dir, "w.json");
            Assert.Equal(0, Run(["300w", "--data", data, "--model", model, "--passes", "1", "--json", json, "--detect"]).Rc);
            using var d = JsonDocument.Parse(File.ReadAllText(json));
            foreach (var key in new[] { "images", "missing", "nme_io", "nme_box", "fr10_io", "missed" }) Assert.True(d.RootElement.TryGetProperty(key, out _), key);
            Assert.Equal(2, d.RootElement.GetProperty("images").GetInt32());
            Assert.Equal(0, d.RootElement.GetProperty("missed").GetInt32());
            Assert.True(d.RootElement.GetProperty("detect").GetBoolean());
            Assert.Equal(2, Run(["300w", "--data", data, "--model", model, "--peer", "nonesuch"]).Rc);
            // the same protocol on an mmpose JSON set (mmpose's 300-W format), with per-landmark errors
            var mm = Path.Combine(dir, "m.json");
            Assert.Equal(0, Run(["mmpose", "--data", TestData.Path("data", "formats", "mmpose", "300w", "test_300w.json"), "--model", model, "--passes", "1", "--json", mm]).Rc);
            using var m = JsonDocument.Parse(File.ReadAllText(mm));
            Assert.Equal(2, m.RootElement.GetProperty("images").GetInt32());
            Assert.Equal(68, m.RootElement.GetProperty("per_landmark_nme_io").GetArrayLength());
        }
        finally { Directory.Delete(dir, true); }
    }

    /// <summary>A little-endian float64 .npy (format 1.0), as numpy.save writes it.</summary>
    static void WriteNpy(string path, int[] shape, double[] data)
    {
        string dims = shape.Length == 1 ? $"{shape[0]}," : string.Join(", ", shape);
        var header = $"{{'descr': '<f8', 'fortran_order': False, 'shape': ({dims}), }}";
        int total = 10 + header.Length + 1;
        header += new string(' ', (64 - total % 64) % 64) + "\n";
        using var w = new BinaryWriter(File.Create(path));
        w.Write((byte)0x93); w.Write(Encoding.ASCII.GetBytes("NUMPY")); w.Write((byte)1); w.Write((byte)0);
        w.Write((ushort)header.Length); w.Write(Encoding.ASCII.GetBytes(header));
        foreach (var v in data) w.Write(v);
    }

    [Fact]
    public void SynthScoresExactLabelsAndReconstructionBesideTheMeanFace()
    {
        var dir = Directory.CreateTempSubdirectory("denseface-eval-synth-").FullName;
        try
        {
            var data = Path.Combine(dir, "synth");
            Assert.Equal(0, SynthCommand.Create().Parse(["--count", "3", "--size", "96", "--seed", "9", "--out", data, "--layouts", "ibug68", "--threads", "1"]).Invoke());
            var (faces, missing, truth) = SyntheticSets.LoadWithTruth(data);
            Assert.Equal(3, faces.Count);
            Assert.Equal(0, missing);
            Assert.All(faces, f => Assert.Equal(truth[f.ImagePath].Yaw, f.YawDegrees));
            var model = TinyModel(dir);
            var json = Path.Combine(dir, "s.json");
            var (rc, output) = Run(["synth", "--data", data, "--model", model, "--passes", "1", "--reconstruction", "--json", json]);
            Assert.Equal(0, rc);
            Assert.Contains("reconstruction error", output);
            using var d = JsonDocument.Parse(File.ReadAllText(json));
            var r = d.RootElement;
            foreach (var key in new[] { "images", "missing", "bins", "balanced", "all_images" }) Assert.True(r.TryGetProperty(key, out _), key);
            var rec = r.GetProperty("reconstruction_error_mm");
            Assert.Equal(3, rec.GetProperty("faces").GetInt32());
            Assert.True(rec.GetProperty("mean_face").GetDouble() > 0.5, "the exact shapes differ from the mean face");
            Assert.True(double.IsFinite(rec.GetProperty("mean").GetDouble()));
        }
        finally { Directory.Delete(dir, true); }
    }
}
