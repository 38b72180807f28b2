using System.Numerics;
using DenseFace.Evaluation.Metrics;
using DenseFace.Geometry;

namespace DenseFace.Tests.Evaluation;

public class LandmarkMetricsTests
{
    static Vector2[] Face()
    {
        var g = new Vector2[68];
        for (int i = 0; i < 68; i++) g[i] = new Vector2(i % 10 * 10, i / 10 * 10);
        g[36] = new Vector2(0, 20); g[45] = new Vector2(60, 20);
        return g;
    }

    [Fact]
    public void NmeByOuterEyeCornersOnAHandCase()
    {
        var g = Face();
        var p = g.Select(q => q + new Vector2(3, 4)).ToArray();    // every point 5 px off
        Assert.Equal(60, LandmarkMetrics.OuterEyeCornerDistance(g), 6);
        Assert.Equal(5.0 / 60, LandmarkMetrics.Nme(p, g, LandmarkMetrics.OuterEyeCornerDistance(g), "case"), 9);
        // box of the grid: x 0..90, y 0..60 -> sqrt(90*60)
        Assert.Equal(Math.Sqrt(90 * 60), LandmarkMetrics.BoxSize(g), 6);
    }

    [Fact]
    public void DegenerateNormaliserNamesTheSample()
    {
        var g = new Vector2[68];
        var e = Assert.Throws<InvalidInputException>(() => LandmarkMetrics.Nme(g, g, LandmarkMetrics.OuterEyeCornerDistance(g), "img_007.jpg"));
        Assert.Contains("img_007.jpg", e.Message);
    }

    [Fact]
    public void FailureRateAucAndCed()
    {
        double[] e = [0.02, 0.04, 0.08, 0.12];
        Assert.Equal(0.25, LandmarkMetrics.FailureRate(e), 9);
        // AUC@0.1 = Σ (0.1 - e_i)+ / n / 0.1 = (0.08 + 0.06 + 0.02) / 4 / 0.1
        Assert.Equal(0.4, LandmarkMetrics.Auc(e), 9);
        Assert.Equal([0.0, 0.25, 0.5, 0.75, 1.0], LandmarkMetrics.Ced(e, [0.01, 0.02, 0.05, 0.1, 0.2]));
    }

    [Fact]
    public void PupilMaskedAndPerLandmarkErrors()
    {
        var g = Face();
        // pupils: centres of 36..41 and 42..47
        double rx = Enumerable.Range(36, 6).Average(i => g[i].X), ry = Enumerable.Range(36, 6).Average(i => g[i].Y);
        double lx = Enumerable.Range(42, 6).Average(i => g[i].X), ly = Enumerable.Range(42, 6).Average(i => g[i].Y);
        Assert.Equal(Math.Sqrt((rx - lx) * (rx - lx) + (ry - ly) * (ry - ly)), LandmarkMetrics.PupilDistance(g), 4);
        // three points, one unlabelled and 100 px off: mean over the two labelled ones (3 and 4 px off)
        Vector2[] gt = [new(0, 0), new(10, 0), new(0, 10)], pr = [new(3, 0), new(110, 0), new(0, 14)];
        Assert.Equal(3.5, LandmarkMetrics.MeanError(pr, gt, [true, false, true], "s"), 9);
        Assert.Equal(0.35, LandmarkMetrics.Nme(pr, gt, [true, false, true], 10, "s"), 9);
        Assert.Throws<InvalidInputException>(() => LandmarkMetrics.MeanError(pr, gt, [false, false, false], "s"));
        var e = new double[3];
        LandmarkMetrics.PointErrors(pr, gt, 10, "s", e);
        Assert.Equal([0.3, 10.0, 0.4], e.Select(v => Math.Round(v, 9)));
        Assert.Equal([0.2, 5.0, 0.2], LandmarkMetrics.MeanPerLandmark([e, [0.1, 0, 0]]).Select(v => Math.Round(v, 9)));
        // balanced = mean of the group means: (1 + 4 + 10) / 3
        Assert.Equal(5, LandmarkMetrics.MeanOfMeans([[1.0], [2.0, 6.0], [10.0]]), 9);
        Assert.Throws<InvalidInputException>(() => LandmarkMetrics.MeanOfMeans([[1.0], []]));
        var ex = Assert.Throws<InvalidInputException>(() => LandmarkMetrics.PointErrors(pr, gt, 0, "frame_3.png", e));
        Assert.Contains("frame_3.png", ex.Message);
    }

    [Fact]
    public void SigmaCalibrationCountsPointsWithinOneAndTwoSigma()
    {
        var c = new SigmaCalibrationCounter();
        c.Add(0.5, 1, "a"); c.Add(1.0, 1, "a"); c.Add(1.5, 1, "a"); c.Add(3, 1, "a");
        var other = new SigmaCalibrationCounter(); other.Add(10, 2, "b");
        c.Add(other);
        Assert.Equal(new SigmaCalibration(5, 2 / 5.0, 3 / 5.0), c.Result);
        Assert.Equal(0.3935, SigmaCalibration.GaussianOneSigma, 4);
        Assert.Equal(0.8647, SigmaCalibration.GaussianTwoSigma, 4);
        Assert.Contains("img_9", Assert.Throws<InvalidInputException>(() => c.Add(1, 0, "img_9")).Message);
        Assert.Throws<InvalidInputException>(() => new SigmaCalibrationCounter().Result);
    }

    [Fact]
    public void PoseErrorIsWrappedPerAngle()
    {
        var e = PoseMetrics.Error((10, -5, 179), (-20, 5, -179), "s");
        Assert.Equal(new PoseError(30, 10, 2), e);
        Assert.Equal(14, e.Mean, 9);
        Assert.Equal(new PoseError(20, 5, 1), PoseMetrics.Mean([e, new PoseError(10, 0, 0)]));
        Assert.Throws<InvalidInputException>(() => PoseMetrics.Error((double.NaN, 0, 0), (0, 0, 0), "s"));
    }

    [Fact]
    public void AlignmentRecoversAKnownSimilarityAndReconstructionErrorIsInMillimetres()
    {
        Vector3[] a = [new(0, 0, 0), new(1, 0, 0), new(0, 2, 0), new(0, 0, 3), new(1, 1, 1)];
        var q = Quaternion.CreateFromAxisAngle(Vector3.Normalize(new Vector3(1, 2, 3)), 1.1f);
        var b = a.Select(p => 2.5f * Vector3.Transform(p, q) + new Vector3(4, -5, 6)).ToArray();
        var s = ShapeAlignment.Align(a, b, withScale: true, "s");
        Assert.Equal(2.5, s.Scale, 4);
        Assert.Equal(1.1 * 180 / Math.PI, s.RotationDegrees, 2);
        for (int i = 0; i < a.Length; i++) Assert.True(Vector3.Distance(s.Apply(a[i]), b[i]) < 1e-4f);
        Assert.True(ReconstructionMetrics.ErrorMm(a, b, withScale: true, "s") < 1e-3);
        // rigid only: a rotated, moved copy aligns exactly; a 180-degree turn is found too (not a reflection)
        var rigid = a.Select(p => Vector3.Transform(p, q) + Vector3.One).ToArray();
        Assert.True(ReconstructionMetrics.ErrorMm(a, rigid, withScale: false, "s") < 1e-3);
        var half = a.Select(p => Vector3.Transform(p, Quaternion.CreateFromAxisAngle(Vector3.UnitY, MathF.PI))).ToArray();
        Assert.Equal(180, ShapeAlignment.Align(a, half, false, "s").RotationDegrees, 2);
        // hand case: a 2 cm square onto a 4 cm square with the same centre: rigidly each corner stays sqrt(2) cm off
        // (14.14 mm); a similarity (scale 2) fits exactly
        Vector3[] small = [new(-1, -1, 0), new(1, -1, 0), new(1, 1, 0), new(-1, 1, 0)];
        var big = small.Select(p => 2 * p).ToArray();
        Assert.Equal(10 * Math.Sqrt(2), ReconstructionMetrics.ErrorMm(small, big, withScale: false, "s"), 3);
        Assert.Equal(0, ReconstructionMetrics.ErrorMm(small, big, withScale: true, "s"), 3);
        Assert.Contains("mesh_4", Assert.Throws<InvalidInputException>(() => ShapeAlignment.Align(new Vector3[4], new Vector3[4], true, "mesh_4")).Message);
    }

    [Fact]
    public void VelocityErrorAndJitterOnHandCases()
    {
        // one point, truth moves +2 px per frame, the prediction +3 px per frame with a constant offset: velocity error 1 px / 10
        var gt = Enumerable.Range(0, 4).Select(t => new[] { new Vector2(2 * t, 0) }).ToList();
        var pr = Enumerable.Range(0, 4).Select(t => new[] { new Vector2(3 * t + 5, 0) }).ToList();
        double[] norm = [10, 10, 10, 10];
        Assert.Equal(0.1, TemporalMetrics.VelocityError(pr, gt, norm, "seq"), 9);
        // an offset alone is no velocity error
        Assert.Equal(0, TemporalMetrics.VelocityError(gt.Select(f => new[] { f[0] + Vector2.One }).ToList(), gt, norm, "seq"), 9);
        // jitter: uniform motion 0; x = 0, 1, 0, 1 has second differences -2, 2 -> 2 px / 10
        Assert.Equal(0, TemporalMetrics.Jitter(pr, norm, "seq"), 6);
        var shake = new List<Vector2[]> { new[] { new Vector2(0, 0) }, new[] { new Vector2(1, 0) }, new[] { new Vector2(0, 0) }, new[] { new Vector2(1, 0) } };
        Assert.Equal(0.2, TemporalMetrics.Jitter(shake, norm, "seq"), 6);
        var e = Assert.Throws<InvalidInputException>(() => TemporalMetrics.Jitter(shake, [10, 0, 10, 10], "clip_7"));
        Assert.Contains("clip_7", e.Message); Assert.Contains("frame 1", e.Message);
        Assert.Throws<InvalidInputException>(() => TemporalMetrics.VelocityError(pr.Take(1).ToList(), gt.Take(1).ToList(), [10], "seq"));
    }

    [Fact]
    public void RotationAngleIsTheGeodesicDistance()
    {
        var a = System.Numerics.Quaternion.CreateFromAxisAngle(System.Numerics.Vector3.UnitY, MathF.PI / 6);            // 30 degrees
        var b = System.Numerics.Quaternion.CreateFromAxisAngle(System.Numerics.Vector3.UnitX, MathF.PI / 2);            // 90 degrees about x
        Assert.Equal(30, PoseMetrics.RotationAngleDegrees(a, System.Numerics.Quaternion.Identity), 3);
        Assert.Equal(30, PoseMetrics.RotationAngleDegrees(System.Numerics.Quaternion.Identity, a), 3);
        Assert.Equal(0, PoseMetrics.RotationAngleDegrees(a, -a), 3);                                                    // q and -q are one rotation
        // 30 degrees about y then 90 about x, against 90 about x: the difference is the 30 degree turn
        Assert.Equal(30, PoseMetrics.RotationAngleDegrees(b * a, b), 3);
    }
}
