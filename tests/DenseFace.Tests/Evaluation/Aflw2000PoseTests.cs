using System.Numerics;
using DenseFace.Evaluation.Datasets;
using DenseFace.Evaluation.Metrics;
using DenseFace.FaceModel;
using DenseFace.Geometry;
using DenseFace.Tests.Datasets;
using DenseFace.Tests.FaceModel;

namespace DenseFace.Tests.Evaluation;

public class Aflw2000PoseTests
{
    const int Size = 450;

    [Fact]
    public void SingleAxisAnglesAreNegatedAndTheConversionRoundTrips()
    {
        Assert.Equal(-20, new Aflw2000Pose(0, 20 * Math.PI / 180, 0, default, 1).ToHeadPoseDegrees().Yaw, 3);
        Assert.Equal(-15, new Aflw2000Pose(15 * Math.PI / 180, 0, 0, default, 1).ToHeadPoseDegrees().Pitch, 3);
        Assert.Equal(-10, new Aflw2000Pose(0, 0, 10 * Math.PI / 180, default, 1).ToHeadPoseDegrees().Roll, 3);
        foreach (var (y, p, r) in new[] { (30f, -20f, 10f), (-70f, 15f, -5f), (5f, 40f, 25f) })
        {
            var a = Aflw2000Pose.FromHeadPose(y, p, r);
            var back = a.ToHeadPoseDegrees();
            Assert.Equal(y, back.Yaw, 2); Assert.Equal(p, back.Pitch, 2); Assert.Equal(r, back.Roll, 2);
            // the same matrix both ways: our rotation equals 3DDFA's R
            var q = RigidTransform.HeadRotation(y, p, r);
            Assert.True(Math.Abs(Quaternion.Dot(q, a.HeadRotation())) > 0.99999f);
        }
    }

    [Theory]
    [InlineData("image00002")]
    [InlineData("image00004")]
    [InlineData("image00006")]
    public void GroundTruthPointsReprojectThroughTheConvertedPose(string stem)
    {
        var s = Aflw2000Sample.Read(MatFileTests.AflwPath(stem));
        var pose = Aflw2000Pose.From(s);
        // back into the model frame with 3DDFA's pose, then forward again with our angles (converted there and back)
        var (yaw, pitch, roll) = pose.ToHeadPoseDegrees();
        var ours = Aflw2000Pose.FromHeadPose(yaw, pitch, roll, pose.Translation, pose.Scale);
        var model = s.Landmarks3D.Select(p => pose.Unproject(p, Size)).ToArray();
        var projected = model.Select(m => ours.Project(m, Size)).ToArray();
        for (int k = 0; k < 68; k++)
        {
            Assert.True(Vector2.Distance(new(projected[k].X, projected[k].Y), s.Landmarks2D68.Points[k]) < 0.05f, $"{stem} point {k}");
            Assert.Equal(s.Landmarks3D[k].Z, projected[k].Z, 1);
        }
        // in the model frame the face is upright and frontal: outer eye corners level and the subject's left eye (45) at +x,
        // the nose tip (30) in front of the eye corners
        Assert.True(model[45].X > model[36].X);
        float eyeLine = MathF.Atan2(model[45].Y - model[36].Y, model[45].X - model[36].X) * 180 / MathF.PI;
        Assert.InRange(eyeLine, -6, 6);
        Assert.True(model[30].Z > (model[36].Z + model[45].Z) / 2);
        Assert.True(model[8].Y < model[27].Y, "chin below the nose bridge (y up)");
    }

    [Fact]
    public void OurPosedMeanFaceMatchesEachSampleAndTheWrongSignsDoNot()
    {
        // ICT-FaceKit's neutral 68 points turned by the converted pose, projected orthographically (scale and shift fitted
        // by least squares) land on the ground-truth 2D points; flipping the yaw sign, as a naive reading would, does not
        var m = ModelFixture.Model;
        var neutral = m.NeutralPositions.ToArray();
        var pts = IctLandmarks.MultiPie68.ToArray().Select(v => neutral[v]).ToArray();
        foreach (var stem in new[] { "image00002", "image00004", "image00006" })
        {
            var s = Aflw2000Sample.Read(MatFileTests.AflwPath(stem));
            var (yaw, pitch, roll) = Aflw2000Pose.From(s).ToHeadPoseDegrees();
            var gt = s.Landmarks2D68.Points;
            double right = FitNme(pts, RigidTransform.FromHeadPose(yaw, pitch, roll, Vector3.Zero), gt);
            double wrong = FitNme(pts, RigidTransform.FromHeadPose(-yaw, -pitch, -roll, Vector3.Zero), gt);
            Assert.True(right < 0.08, $"{stem}: NME {right:P2} with the converted pose (yaw {yaw:F1})");
            Assert.True(wrong > right + 0.01, $"{stem}: NME {wrong:P2} with the signs flipped vs {right:P2}");
            // and the model-frame 3D points agree with ours in orientation (Kabsch rotation a few degrees)
            var pose = Aflw2000Pose.From(s);
            var back = s.Landmarks3D.Select(p => pose.Unproject(p, Size)).ToArray();
            Assert.InRange(ShapeAlignment.Align(pts, back, withScale: true, stem).RotationDegrees, 0, 12);
        }
    }

    /// <summary>Box NME of the orthographic projection of <paramref name="pose"/>d points after a least-squares scale and shift.</summary>
    static double FitNme(Vector3[] points, RigidTransform pose, ReadOnlySpan<Vector2> gt)
    {
        var p = points.Select(q => { var c = pose.Apply(q); return new Vector2(c.X, c.Y); }).ToArray();
        Vector2 pm = default, gm = default;
        for (int i = 0; i < p.Length; i++) { pm += p[i]; gm += gt[i]; }
        pm /= p.Length; gm /= p.Length;
        double num = 0, den = 0;
        for (int i = 0; i < p.Length; i++) { num += Vector2.Dot(p[i] - pm, gt[i] - gm); den += (p[i] - pm).LengthSquared(); }
        float sc = (float)(num / den);
        var fitted = p.Select(q => sc * (q - pm) + gm).ToArray();
        return LandmarkMetrics.NmeBox(fitted, gt, "fit");
    }
}

public class HeadPoseProtocolTests
{
    /// <summary>Answers with the ground-truth points themselves.</summary>
    sealed class Oracle : DenseFace.Evaluation.Protocols.ILandmarkMethod
    {
        public string Name => "ground truth";
        public DenseFace.Evaluation.Protocols.FacePrediction? Predict(DenseFace.Evaluation.Protocols.EvalFace face, DenseFace.Imaging.Image8 image)
            => new(face.Truth, face.Truth, 0);
    }

    [Fact]
    public void FittingTheGroundTruthPointsRecoversTheConvertedPose()
    {
        // end to end through the perspective fit: the fitted yaw/pitch/roll of the annotated points agree with Pose_Para
        // converted to our convention (a sign or composition slip would cost tens of degrees at image00004's 68 degrees)
        var m = ModelFixture.Model;
        var (faces, _) = DenseFace.Evaluation.Protocols.AflwSets.Aflw2000(TestData.Path("data", "formats", "aflw2000-3d"));
        var r = DenseFace.Evaluation.Protocols.HeadPoseProtocol.Evaluate(new Oracle(), faces, new DenseFace.Fitting.FaceFitter(m, DenseFace.Fitting.FittingLayout.Ibug68(m)));
        Assert.Equal(3, r.Images);
        Assert.All(r.PerImage, e => Assert.True(e.Error.Mean < 8, $"{e.File}: {e.Error}"));
    }
}
