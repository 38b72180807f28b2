using System.Numerics;
using DenseFace.Detection;
using DenseFace.Landmarks;
using DenseFace.Pipeline;
using DenseFace.Tests.FaceModel;
using DenseFace.Training.Landmarks;
using DenseFace.Training.Synthesis;

namespace DenseFace.Tests.Pipeline;

public class FaceReconstructorTests
{
    static readonly Lazy<FaceReconstructor> Shared = new(() =>
        new FaceReconstructor(ModelFixture.Model, LandmarkPredictor.Load(), FaceDetector.Load(), new ReconstructionOptions { TextureSize = 64 }));

    [Fact]
    public void RecoversTheHeadPoseOfSyntheticRenders()
    {
        // renders with known pose (a generator seed not used in training), boxes from their exact 68 points
        var predictor = Shared.Value.Predictor;
        var gen = new SyntheticFaceGenerator(ModelFixture.Model, new SynthesisOptions
        {
            Seed = 4242, ImageSize = 256, MaxYaw = 45, MaxPitch = 20, MaxRoll = 15, Layouts = [SynthesisLayout.From(predictor.Layout)],
        });
        var source = new SyntheticLandmarkSource(ModelFixture.Model, gen);
        var errors = new List<double>();
        for (int i = 0; i < 4; i++)
        {
            var (e, s) = source.GetWithSample(i);
            var r = Shared.Value.Reconstruct(s.Image, [e.Box]);
            var face = Assert.Single(r.Faces);
            Assert.Equal(1f, face.Score);
            Assert.Equal(703, face.Landmarks.Points.Length);
            Assert.All(face.Expression, w => Assert.InRange(w, 0f, 1f));
            Assert.All(face.Identity, b => Assert.True(float.IsFinite(b)));
            Assert.NotNull(face.Texture);
            Assert.Equal(64, face.Texture!.Color.Width);
            errors.Add(DenseFace.Evaluation.Metrics.PoseMetrics.RotationAngleDegrees(face.ModelToCamera.Rotation, s.ModelToCamera.Rotation));
            Assert.True(face.Pose.FocalPx > 0);
            Assert.True(r.Timings.Landmarks > 0 && r.Timings.Fit > 0 && r.Timings.Total >= r.Timings.Landmarks + r.Timings.Fit);
        }
        errors.Sort();
        // the median rotation error is a few degrees (a mean-pose guess is off by tens of degrees on these renders)
        Assert.True(errors[errors.Count / 2] < 10, $"rotation errors {string.Join(", ", errors.Select(e => e.ToString("F1")))} deg");
    }

    [Fact]
    public void DetectsAndReconstructsEveryFaceOfAPhoto()
    {
        var photo = Directory.GetFiles(TestData.Path("data", "300w", "helen", "testset"), "*.jpg").Order(StringComparer.Ordinal).First();
        var r = Shared.Value.Reconstruct(photo);
        Assert.NotEmpty(r.Faces);
        Assert.True(r.Timings.Decode > 0 && r.Timings.Detect > 0);
        foreach (var f in r.Faces)
        {
            Assert.InRange(f.Score, 0.6f, 1f);
            Assert.InRange(f.Pose.Yaw, -90, 90);
            Assert.True(f.RmsReprojectionPx < 0.1 * f.Box.Width, $"rms {f.RmsReprojectionPx:F1} px for a {f.Box.Width:F0} px face");
            Assert.Equal(ModelFixture.Model.VertexCount, f.Positions(ModelFixture.Model).Length);
            Assert.Contains("jawOpen", f.Blendshapes(ModelFixture.Model).Keys);
        }
    }

    [Fact]
    public void FitsThePredictedSigmaScaledAndFloored()
    {
        var pts = new[] { new PredictedLandmark(1, 2, 0.1f, 1), new PredictedLandmark(3, 4, 2f, 0.2f) };
        var lm = new FaceLandmarks("test", pts, [], FaceRoi.FromBox(new System.Drawing.RectangleF(0, 0, 10, 10), 1.6f), 0);
        var obs = FaceReconstructor.ToObservations(lm, new ReconstructionOptions { SigmaScale = 3, MinSigmaPx = 0.5f });
        Assert.Equal(0.5f, obs[0].Sigma);     // 0.3 raised to the floor
        Assert.Equal(6f, obs[1].Sigma);
        Assert.Equal((3f, 4f), (obs[1].X, obs[1].Y));
    }

    [Fact]
    public void BadInputIsAnErrorNamingIt()
    {
        var noDetector = new FaceReconstructor(ModelFixture.Model, LandmarkPredictor.Load(), null);
        var e = Assert.Throws<InvalidInputException>(() => noDetector.Reconstruct(new DenseFace.Imaging.Image8(64, 64, 3)));
        Assert.Contains("detector", e.Message);
        var missing = Assert.Throws<InvalidInputException>(() => noDetector.Reconstruct("/nonexistent/photo.jpg", []));
        Assert.Contains("photo.jpg", missing.Message);
        Assert.Throws<InvalidInputException>(() => new FaceReconstructor(ModelFixture.Model, LandmarkPredictor.Load(), null, new ReconstructionOptions { TextureSize = 8 }));
        Assert.Throws<InvalidInputException>(() => new FaceReconstructor(ModelFixture.Model, LandmarkPredictor.Load(), null, new ReconstructionOptions { SigmaScale = float.NaN }));
    }
}

public class ShardTests
{
    [Fact]
    public void ShardsPartitionACollectionAndDoNotMoveWhenFilesAreAdded()
    {
        var keys = Enumerable.Range(0, 500).Select(i => $"folder{i % 7}/img{i:D4}.jpg").ToList();
        var counts = new int[4];
        foreach (var k in keys)
        {
            var owners = Enumerable.Range(1, 4).Where(s => new Shard(s, 4).Contains(k)).ToList();
            Assert.Single(owners);
            counts[owners[0] - 1]++;
        }
        Assert.All(counts, c => Assert.InRange(c, 90, 160));  // roughly even
        // membership is a function of the key alone
        Assert.Equal(new Shard(3, 4).Contains("folder1/img0001.jpg"), new Shard(3, 4).Contains("folder1/img0001.jpg"));
        Assert.True(Shard.All.Contains("anything"));
    }

    [Theory]
    [InlineData("2/4", 2, 4)]
    [InlineData("1/1", 1, 1)]
    public void ParsesKOfN(string text, int k, int n) => Assert.Equal(new Shard(k, n), Shard.Parse(text));

    [Theory]
    [InlineData("0/4")]
    [InlineData("5/4")]
    [InlineData("2")]
    [InlineData("a/b")]
    [InlineData("-1/3")]
    public void RejectsBadShards(string text)
    {
        var e = Assert.Throws<InvalidInputException>(() => Shard.Parse(text));
        Assert.Contains(text, e.Message);
    }
}

public class ImageCollectionTests
{
    [Fact]
    public void OpensFoldersListsAndSingleImages()
    {
        var dir = Directory.CreateTempSubdirectory("denseface-coll-").FullName;
        try
        {
            Directory.CreateDirectory(Path.Combine(dir, "b"));
            foreach (var f in new[] { "z.jpg", "a.PNG", "b/c.jpeg", "notes.txt" }) File.WriteAllText(Path.Combine(dir, f), "x");
            var folder = ImageCollection.Open(dir);
            Assert.Equal(["a.PNG", "b/c.jpeg", "z.jpg"], folder.Items.Select(i => i.Key));
            Assert.False(folder.IsSingleImage);
            File.WriteAllText(Path.Combine(dir, "list.txt"), "# two images\nz.jpg\n\n b/c.jpeg \nz.jpg\n");
            var list = ImageCollection.Open(Path.Combine(dir, "list.txt"));
            Assert.Equal(["z.jpg", "b/c.jpeg"], list.Items.Select(i => i.Key));
            File.AppendAllText(Path.Combine(dir, "list.txt"), "missing.jpg\n");
            var e = Assert.Throws<InvalidInputException>(() => ImageCollection.Open(Path.Combine(dir, "list.txt")));
            Assert.Contains("list.txt:6", e.Message);
            Assert.Contains("missing.jpg", e.Message);
            // a list naming files outside its folder: keys never climb out (they name outputs)
            var other = Directory.CreateTempSubdirectory("denseface-coll-other-").FullName;
            try
            {
                File.WriteAllText(Path.Combine(other, "far.jpg"), "x");
                File.WriteAllText(Path.Combine(dir, "far.txt"), Path.Combine(other, "far.jpg") + "\n../" + Path.GetFileName(other) + "/far.jpg\n");
                var far = ImageCollection.Open(Path.Combine(dir, "far.txt"));
                var key = Assert.Single(far.Items).Key;
                Assert.DoesNotContain("..", key);
                Assert.False(Path.IsPathRooted(key));
                Assert.EndsWith(Path.GetFileName(other) + "/far.jpg", key);
                Assert.Throws<InvalidInputException>(() => ReconstructionOutput.InsideFolder(dir, "../escape.json"));
                Assert.StartsWith(dir, ReconstructionOutput.InsideFolder(dir, key + ".json"));
            }
            finally { Directory.Delete(other, true); }
            var single = ImageCollection.Open(Path.Combine(dir, "z.jpg"));
            Assert.True(single.IsSingleImage);
            Assert.Single(single.Items);
            Assert.Throws<InvalidInputException>(() => ImageCollection.Open(Path.Combine(dir, "nothing")));
        }
        finally { Directory.Delete(dir, true); }
    }
}
