using System.Drawing;
using System.Numerics;
using DenseFace.FaceModel.Layouts;
using DenseFace.Geometry;
using DenseFace.Imaging;
using DenseFace.Landmarks;
using DenseFace.Neural;
using DenseFace.Evaluation.Datasets;
using DenseFace.Training.Landmarks;

namespace DenseFace.Tests.Landmarks;

public class LandmarkPipelineTests
{
    static readonly float[] Mean = [0.485f, 0.456f, 0.406f], Std = [0.229f, 0.224f, 0.225f];

    /// <summary>An ibug68-layout example: a gradient image with a bright square at point 30 (nose tip).</summary>
    static LandmarkExample Example()
    {
        var img = new Image8(200, 160, 3);
        for (int y = 0; y < 160; y++) for (int x = 0; x < 200; x++) { img.Pixels[(y * 200 + x) * 3] = (byte)x; img.Pixels[(y * 200 + x) * 3 + 1] = (byte)y; }
        var pts = new Vector2[68];
        var rng = new RandomSource(3);
        for (int i = 0; i < 68; i++) pts[i] = new Vector2(60 + 80 * (float)rng.NextDouble(), 40 + 80 * (float)rng.NextDouble());
        var ones = Enumerable.Repeat(1f, 68).ToArray();
        return new LandmarkExample
        {
            Image = img, Box = LandmarkExample.Bounds(pts, ones), Dense = pts, DenseWeight = ones, DenseVisible = Enumerable.Repeat(true, 68).ToArray(),
            VisibilityWeight = ones, Ibug68 = pts.Select(p => p + new Vector2(1, 0)).ToArray(), Ibug68Weight = ones,
        };
    }

    static LandmarkAugmenter Augmenter(AugmentationOptions o)
    {
        var m = LandmarkLayouts.Load("ibug68").MirrorIndices;
        return new LandmarkAugmenter(new LandmarkHead(68), 64, 1.5f, Mean, Std, m, m, o);
    }

    [Fact]
    public void TargetsAreTheRoiCoordinatesOfTheLabelsWithoutAugmentation()
    {
        var e = Example();
        var aug = Augmenter(AugmentationOptions.None);
        var head = new LandmarkHead(68);
        var input = new float[aug.InputLength]; var t = new float[LandmarkTargets.PerSample(head)];
        var roi = aug.Apply(e, new RandomSource(1), input, t);
        Assert.Equal(FaceRoi.FromBox(e.Box, 1.5f), roi);
        for (int k = 0; k < 68; k++)
        {
            var n = roi.ToNormalized(e.Dense[k]);
            Assert.Equal(n.X, t[LandmarkTargets.Dense(k)], 5);
            Assert.Equal(n.Y, t[LandmarkTargets.Dense(k) + 1], 5);
            Assert.Equal(1f, t[LandmarkTargets.Dense(k) + 3]);
        }
        // the input is the plain crop
        var expected = new float[aug.InputLength];
        LandmarkCrop.Extract(e.Image, roi, 64, false, Mean, Std, expected);
        Assert.Equal(expected, input);
    }

    [Fact]
    public void FlippedTargetsFollowTheMirroredCrop()
    {
        // with flip forced, each target is the mirror partner's position, x negated; the input is the mirrored crop
        var e = Example();
        var aug = Augmenter(AugmentationOptions.None with { Flip = 1 });
        var head = new LandmarkHead(68);
        var input = new float[aug.InputLength]; var t = new float[LandmarkTargets.PerSample(head)];
        var roi = aug.Apply(e, new RandomSource(1), input, t);
        var mirror = LandmarkLayouts.Load("ibug68").MirrorIndices;
        for (int k = 0; k < 68; k++)
        {
            var n = roi.ToNormalized(e.Dense[mirror[k]]);
            Assert.Equal(-n.X, t[LandmarkTargets.Dense(k)], 5);
            Assert.Equal(n.Y, t[LandmarkTargets.Dense(k) + 1], 5);
            var i = roi.ToNormalized(e.Ibug68[mirror[k]]);
            Assert.Equal(-i.X, t[LandmarkTargets.Ibug(head, k)], 5);
        }
        var plain = new float[aug.InputLength];
        LandmarkCrop.Extract(e.Image, roi, 64, false, Mean, Std, plain);
        for (int c = 0; c < 3; c++) for (int y = 0; y < 64; y++) for (int x = 0; x < 64; x++)
            Assert.Equal(plain[(c * 64 + y) * 64 + x], input[(c * 64 + y) * 64 + 63 - x], 1e-4f);
    }

    [Fact]
    public void AugmentationIsDeterministicPerRandomState()
    {
        var e = Example();
        var aug = Augmenter(new AugmentationOptions { Occluder = 1, Noise = 1, Blur = 1 });
        var head = new LandmarkHead(68);
        float[] Run(out float[] t) { var i = new float[aug.InputLength]; t = new float[LandmarkTargets.PerSample(head)]; aug.Apply(e, new RandomSource(42), i, t); return i; }
        var a = Run(out var ta); var b = Run(out var tb);
        Assert.Equal(a, b); Assert.Equal(ta, tb);
        Assert.All(a, v => Assert.True(float.IsFinite(v)));
    }

    [Fact]
    public void DecoderMapsOutputsThroughTheRoiAndUnflipUndoesAMirroredPass()
    {
        var head = new LandmarkHead(68);
        var roi = new FaceRoi(100, 80, 120, 0.3f);
        var o = new float[head.OutputCount];
        var rng = new RandomSource(9);
        for (int i = 0; i < o.Length; i++) o[i] = (float)(rng.NextDouble() - 0.5);
        var dense = new PredictedLandmark[68]; var ibug = new PredictedLandmark[68];
        LandmarkDecoder.Decode(o, head, roi, dense, ibug);
        for (int k = 0; k < 68; k++)
        {
            var p = roi.ToImage(new Vector2(o[head.Dense(k)], o[head.Dense(k) + 1]));
            Assert.Equal(p.X, dense[k].X, 3);
            Assert.Equal(60 * MathF.Exp(o[head.Dense(k) + 2]), dense[k].Sigma, 3);
            Assert.Equal(LandmarkDecoder.Sigmoid(o[head.Visibility(k)]), dense[k].Visibility, 6);
        }
        // a mirrored output (x negated, partners swapped) unflips to the original
        var m = LandmarkLayouts.Load("ibug68").MirrorIndices;
        var flipped = new float[o.Length];
        for (int k = 0; k < 68; k++)
        {
            int s = head.Dense(k), d = head.Dense(m[k]);
            flipped[d] = -o[s]; flipped[d + 1] = o[s + 1]; flipped[d + 2] = o[s + 2];
            flipped[head.Visibility(m[k])] = o[head.Visibility(k)];
            s = head.Ibug(k); d = head.Ibug(m[k]);
            flipped[d] = -o[s]; flipped[d + 1] = o[s + 1]; flipped[d + 2] = o[s + 2];
        }
        var back = new float[o.Length];
        LandmarkDecoder.Unflip(flipped, head, m, m, back);
        Assert.Equal(o, back);
        Assert.Equal(1f, LandmarkDecoder.Sigmoid(1e6f)); Assert.Equal(0f, LandmarkDecoder.Sigmoid(-1e6f));
    }

    static LandmarkPredictor TinyPredictor()
    {
        var cfg = LandmarkModelConfig.For("ibug68", inputSize: 64, roiScale: 1.5f, widthMultiplier: 0.25);
        var net = Network.Create(cfg.Network, 7);
        return new LandmarkPredictor(cfg, net);
    }

    [Fact]
    public void PredictorOnATinyNetworkAgreesWithTheNetworkAndIsThreadSafe()
    {
        var p = TinyPredictor();
        var e = Example();
        var f = p.Predict(e.Image, e.Box, new PredictionOptions { Passes = 1 });
        Assert.Equal("ibug68", f.Layout);
        Assert.Equal(68, f.Points.Length); Assert.Equal(68, f.Landmarks68.Length); Assert.Equal(68, f.Landmarks68In3DConvention.Length);
        // the same numbers from the training-mode-free module graph
        var net = Network.Create(p.Config.Network, 7); net.Eval();
        var input = new float[3 * 64 * 64];
        LandmarkCrop.Extract(e.Image, f.Roi, 64, false, p.Config.Network.Mean, p.Config.Network.Std, input);
        var o = net.Forward(input, 1).ToArray();
        var dense = new PredictedLandmark[68]; var ibug = new PredictedLandmark[68];
        LandmarkDecoder.Decode(o, p.Head, f.Roi, dense, ibug);
        for (int k = 0; k < 68; k++) { Assert.Equal(dense[k].X, f.Points[k].X, 2); Assert.Equal(ibug[k].Y, f.Landmarks68[k].Y, 2); }
        // concurrent calls give the sequential answer
        var many = p.PredictBatch(Enumerable.Repeat((e.Image, e.Box), 16).ToList(), new PredictionOptions { Passes = 2, FlipAveraging = true }, 4);
        var one = p.Predict(e.Image, e.Box, new PredictionOptions { Passes = 2, FlipAveraging = true });
        Assert.All(many, r => Assert.Equal(one.Points.Select(q => q.Position), r.Points.Select(q => q.Position)));
        Assert.Throws<InvalidInputException>(() => p.Predict(new Image8(10, 10, 1), e.Box));
        Assert.Throws<InvalidInputException>(() => p.Predict(e.Image, new RectangleF(0, 0, 0, 0)));
    }

    [Fact]
    public void ConfigMismatchIsRejected()
    {
        var cfg = LandmarkModelConfig.For("ibug68", inputSize: 64);
        var bad = cfg with { Network = cfg.Network with { NumOutputs = 10 } };
        Assert.Throws<InvalidInputException>(() => bad.Validate("x.json"));
        var dir = Directory.CreateTempSubdirectory();
        try
        {
            File.WriteAllText(Path.Combine(dir.FullName, "landmarks.json"), "{ not json");
            File.WriteAllText(Path.Combine(dir.FullName, "landmarks.safetensors"), "");
            var e = Assert.Throws<InvalidInputException>(() => LandmarkPredictor.Load(dir.FullName));
            Assert.Contains("landmarks.json", e.Message);
        }
        finally { dir.Delete(true); }
    }

    [Fact]
    public void SilhouetteJawKeepsFrontalFacesAndMovesTheFarJawOutward()
    {
        var model = DenseFace.Tests.FaceModel.ModelFixture.Model;
        var jaw = new SilhouetteJaw(model);
        var beta = new float[model.IdentityCount]; var psi = new float[model.ExpressionCount];
        var cam = new PinholeCamera(400, 400, 800, 800);
        var fixedPts = new Vector3[68];
        model.EvaluateSubset(DenseFace.FaceModel.IctLandmarks.MultiPie68, beta, psi, fixedPts);
        var got = new Vector2[68];
        foreach (float yaw in new[] { 0f, 50f, -50f })
        {
            var pose = RigidTransform.LookAtFace(60, yaw, 0, 0);
            jaw.Project(beta, psi, pose, cam, got);
            int moved = 0;
            for (int k = 0; k < 68; k++)
            {
                var f = cam.Project(pose.Apply(fixedPts[k]));
                if (k > 16 || yaw == 0) Assert.True(Vector2.Distance(f, got[k]) < 1e-3f, $"yaw {yaw} point {k} moved");
                else if (Vector2.Distance(f, got[k]) > 0.5f) moved++;
            }
            if (yaw != 0) Assert.True(moved >= 4, $"yaw {yaw}: only {moved} far-side jaw points moved to the silhouette");
        }
    }

    [Fact]
    public void LabelRecordReadsNullPointsAndTheOldSentinel()
    {
        var r = LabelRecord.Parse("{\"image\":\"images/a.jpg\",\"box\":[1,2,3,4],\"layouts\":{\"ibug68\":[[1.5,2.5,1],[-1000000,-1000000,0],[null,null,0]]},\"pts\":\"a.pts\",\"turned_yaw\":30}", "idx:1");
        Assert.Equal(new RectangleF(1, 2, 3, 4), r.Box);
        var p = r.Layouts["ibug68"];
        Assert.Equal(new Vector2(1.5f, 2.5f), p[0].Position); Assert.True(p[0].Visible);
        Assert.Null(p[1].Position); Assert.Null(p[2].Position);
        Assert.Equal(30f, r.TurnedYaw); Assert.Equal("a.pts", r.Pts);
        var e = Assert.Throws<InvalidInputException>(() => LabelRecord.Parse("{\"image\":1}", "idx:7"));
        Assert.Contains("idx:7", e.Message);
    }
}
