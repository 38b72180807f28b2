using DenseFace.Evaluation.Metrics;
using DenseFace.FaceModel;
using DenseFace.Training.Fitting;
using System.Numerics;
using DenseFace.Fitting;
using DenseFace.Geometry;
using DenseFace.Tests.FaceModel;
using Xunit;

namespace DenseFace.Tests.Fitting;

public class FitterTests
{
    static readonly Lazy<FittingLayout> Fixed68 = new(() => FittingLayout.Ibug68(ModelFixture.Model, slidingContour: false));
    static readonly Lazy<FittingLayout> Dense320 = new(() => FittingLayout.Dense(ModelFixture.Model, 320));

    /// <summary>
    /// Round trip on random synthetic faces (β ~ N(0,1), 4 expressions, yaw ±80°, focal 500–2000 px, σ = 1.5 px):
    /// the head rotation comes back within a few degrees and the reprojection error is at the noise level
    /// (√2·σ ≈ 2.1 px rms for 2D Gaussian noise; 68 points with ~160 parameters fit some noise, so less). Measured
    /// over these seeds: ibug68fixed pose ≤ 2.6°, rms 1.5–1.9 px; dense320 pose ≤ 2.3°, rms 1.95–2.07 px.
    /// </summary>
    [Theory]
    [InlineData("ibug68fixed", 5.0, 2.6, 1.0)]
    [InlineData("dense320", 4.0, 2.5, 1.6)]
    public void SyntheticRoundTrip(string layoutName, double maxPoseDeg, double maxRmsPx, double minRmsPx)
    {
        var model = ModelFixture.Model;
        var layout = layoutName == "dense320" ? Dense320.Value : Fixed68.Value;
        var fitter = new FaceFitter(model, layout);
        var rng = new Random(11);
        var poseErrors = new List<double>();
        var rms = new List<double>();
        for (int i = 0; i < 6; i++)
        {
            var face = SyntheticFaces.Generate(model, layout, rng);
            var r = fitter.FitImage(face.Landmarks, new CameraSpec(512, 512));
            Assert.True(double.IsFinite(r.RmsReprojectionPx));
            Assert.All(r.Identity, b => Assert.True(float.IsFinite(b)));
            Assert.All(r.Frames[0].Expression, e => Assert.InRange(e, 0f, 1f));
            rms.Add(r.RmsReprojectionPx);
            poseErrors.Add(PoseMetrics.RotationAngleDegrees(r.Frames[0].Pose.Rotation, face.Pose.Rotation));
        }
        string report = $"pose errors {string.Join(", ", poseErrors.Select(e => e.ToString("F2")))}; rms {string.Join(", ", rms.Select(e => e.ToString("F2")))}";
        Assert.True(poseErrors.Max() < maxPoseDeg, report);
        Assert.True(rms.Max() < maxRmsPx, report);
        Assert.True(rms.Min() > minRmsPx, "reprojection far below the noise level (over-fitting): " + report);
    }

    /// <summary>Noise-free landmarks with a known focal length: pose, expression-free shape and landmarks come back almost exactly.</summary>
    [Fact]
    public void NoiseFreeFitWithKnownFocalIsNearlyExact()
    {
        var model = ModelFixture.Model;
        var layout = Dense320.Value;
        var fitter = new FaceFitter(model, layout, new FitOptions { IdentityModes = 100, IdentityWeight = 1e-3, ExpressionWeight = 1e-3, RelativeTolerance = 1e-9, MaxIterations = 200 });
        var rng = new Random(3);
        var o = new SyntheticFaceOptions { Sigma = 1e-4f, ActiveExpressions = 0, IdentityScale = 0.5f };
        var face = SyntheticFaces.Generate(model, layout, rng, o);
        var r = fitter.FitImage(face.Landmarks, new CameraSpec(512, 512, face.Camera.Fx));
        Assert.True(r.RmsReprojectionPx < 0.05, $"rms {r.RmsReprojectionPx}");
        Assert.True(PoseMetrics.RotationAngleDegrees(r.Frames[0].Pose.Rotation, face.Pose.Rotation) < 0.3);
        Assert.True(Vector3.Distance(r.Frames[0].Pose.Translation, face.Pose.Translation) < 0.5, $"{r.Frames[0].Pose.Translation} vs {face.Pose.Translation}");
        Assert.Equal(face.Camera.Fx, r.Cameras[0].Fx);
        // shape recovery: the fitted face matches the true one to a small fraction of the mean face's error
        var narrow = FaceParts.Vertices(FaceSubArea.NarrowFace);
        var basis = model.CreateSubsetBasis(Enumerable.Range(narrow.Start, narrow.Count).ToArray());
        Vector3[] truth = new Vector3[basis.PointCount], fitted = new Vector3[basis.PointCount], mean = new Vector3[basis.PointCount];
        basis.Evaluate(face.Identity, face.Expression, truth);
        basis.Evaluate(r.Identity, r.Frames[0].Expression, fitted);
        basis.Evaluate(new float[model.IdentityCount], new float[model.ExpressionCount], mean);
        double fitMm = 10 * Enumerable.Range(0, truth.Length).Average(i => Vector3.Distance(truth[i], fitted[i]));
        double meanMm = 10 * Enumerable.Range(0, truth.Length).Average(i => Vector3.Distance(truth[i], mean[i]));
        Assert.True(fitMm < 0.3 && fitMm < 0.1 * meanMm, $"vertex error {fitMm:F3} mm (mean face {meanMm:F2} mm)");
    }

    /// <summary>Half the landmarks 5× noisier: telling the fitter each σ beats one shared σ (reprojection to the clean points).</summary>
    [Fact]
    public void PerLandmarkSigmaHelpsWithMixedNoise()
    {
        var model = ModelFixture.Model;
        var layout = Dense320.Value;
        var fitter = new FaceFitter(model, layout);
        var o = new SyntheticFaceOptions { NoisyHalf = true, Sigma = 1.5f };
        double withSigma = 0, fixedSigma = 0;
        for (int i = 0; i < 4; i++)
        {
            var rng = new Random(100 + i);
            var face = SyntheticFaces.Generate(model, layout, rng, o);
            var clean = SyntheticFaces.Project(model, layout, face.Identity, face.Expression, face.Pose, face.Camera, rng, o with { Sigma = 0 });
            float mean = face.Landmarks.Average(l => l.Sigma);
            var a = fitter.FitImage(face.Landmarks, new CameraSpec(512, 512));
            withSigma += CleanError(fitter, a, clean);
            var b = fitter.FitImage(face.Landmarks.Select(l => l with { Sigma = mean }).ToArray(), new CameraSpec(512, 512));
            fixedSigma += CleanError(fitter, b, clean);
        }
        Assert.True(withSigma < fixedSigma, $"per-landmark sigma {withSigma / 4:F2} px vs fixed sigma {fixedSigma / 4:F2} px");
    }

    static double CleanError(FaceFitter fitter, FitResult r, Landmark2D[] clean)
    {
        var pts = new Vector3[fitter.Layout.Count];
        fitter.Model.EvaluateSurfacePoints(fitter.Layout.Points, r.Identity, r.Frames[0].Expression, pts);
        double s = 0;
        for (int k = 0; k < pts.Length; k++)
            s += Vector2.Distance(r.Cameras[0].Project(r.Frames[0].Pose.Apply(pts[k])), new Vector2(clean[k].X, clean[k].Y));
        return s / pts.Length;
    }

    /// <summary>Tracking a synthetic head turn: per-frame pose stays close, and the tracker's reprojection agrees with the result type's pose.</summary>
    [Fact]
    public void TracksSyntheticSequence()
    {
        var model = ModelFixture.Model;
        var layout = Dense320.Value;
        var fitter = new FaceFitter(model, layout);
        var rng = new Random(7);
        var beta = new float[model.IdentityCount];
        for (int k = 0; k < beta.Length; k++) beta[k] = SyntheticFaces.Gaussian(rng);
        var cam = new PinholeCamera(512, 512, 1200, 1200);
        var tracker = fitter.CreateTracker(new CameraSpec(512, 512));
        var errors = new List<double>();
        int jaw = model.IndexOfExpression("jawOpen");
        for (int f = 0; f < 40; f++)
        {
            var pose = RigidTransform.FromHeadPose(30 * MathF.Sin(f / 15f), 8 * MathF.Sin(f / 9f), 0, new Vector3(1, -1, 75));
            var psi = new float[model.ExpressionCount];
            psi[jaw] = 0.3f * (1 + MathF.Sin(f / 5f));
            var lms = SyntheticFaces.Project(model, layout, beta, psi, pose, cam, rng, new SyntheticFaceOptions());
            var fr = tracker.Track(lms);
            errors.Add(PoseMetrics.RotationAngleDegrees(fr.Pose.Rotation, pose.Rotation));
            Assert.All(fr.Expression, e => Assert.InRange(e, 0f, 1f));
        }
        Assert.Equal(40, tracker.FrameCount);
        errors.Sort();
        Assert.True(errors[20] < 2.5, $"median pose error {errors[20]:F2} deg");
        Assert.True(errors[^1] < 6, $"max pose error {errors[^1]:F2} deg");
    }

    /// <summary>The per-frame tracking path allocates only the returned <see cref="FrameFit"/> (its record and ψ array).</summary>
    [Fact]
    public void TrackingFrameAllocatesOnlyTheResult()
    {
        var model = ModelFixture.Model;
        var layout = Dense320.Value;
        var fitter = new FaceFitter(model, layout);
        var rng = new Random(8);
        var beta = new float[model.IdentityCount];
        var cam = new PinholeCamera(512, 512, 1000, 1000);
        var frames = Enumerable.Range(0, 16).Select(f => SyntheticFaces.Project(model, layout, beta, new float[model.ExpressionCount],
            RigidTransform.FromHeadPose(f, 0, 0, new Vector3(0, 0, 60)), cam, rng, new SyntheticFaceOptions())).ToArray();
        var tracker = fitter.CreateTracker(new CameraSpec(512, 512));
        for (int f = 0; f < 6; f++) tracker.Track(frames[f]);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int f = 6; f < 16; f++) tracker.Track(frames[f]);
        long perFrame = (GC.GetAllocatedBytesForCurrentThread() - before) / 10;
        Assert.True(perFrame < 512, $"{perFrame} bytes per frame");
    }

    /// <summary>
    /// Three cameras (−35°, 0°, +35° around the head) with unknown extrinsics and focal lengths: the joint fit
    /// recovers the head pose in camera 0 and the relative camera rotations.
    /// </summary>
    [Fact]
    public void MultiViewJointFitRecoversPoseAndCameras()
    {
        var model = ModelFixture.Model;
        var layout = Fixed68.Value;
        var fitter = new FaceFitter(model, layout);
        var rng = new Random(21);
        var beta = new float[model.IdentityCount];
        for (int k = 0; k < beta.Length; k++) beta[k] = SyntheticFaces.Gaussian(rng);
        var psi = new float[model.ExpressionCount];
        psi[model.IndexOfExpression("mouthSmile_L")] = 0.6f;
        var head = RigidTransform.FromHeadPose(10, 5, 3, new Vector3(0, 0, 70));
        var views = new List<Landmark2D[]>();
        var specs = new List<CameraSpec>();
        var truthFromFirst = new List<RigidTransform>();
        foreach (float angle in new[] { 0f, -35f, 35f })
        {
            // camera j looks at the head centre from a direction turned by `angle` about the camera-0 y axis
            var rot = Quaternion.CreateFromAxisAngle(Vector3.UnitY, angle * MathF.PI / 180);
            var centre = new Vector3(0, 0, 70);
            var fromFirst = new RigidTransform(rot, centre - Vector3.Transform(centre, rot));
            truthFromFirst.Add(fromFirst);
            var cam = new PinholeCamera(640, 480, 1000 + 100 * views.Count, 1000 + 100 * views.Count);
            var pose = RigidTransform.Compose(head, fromFirst);
            views.Add(SyntheticFaces.Project(model, layout, beta, psi, pose, cam, rng, new SyntheticFaceOptions { Sigma = 1f }));
            specs.Add(new CameraSpec(640, 480));
        }
        var r = fitter.FitJoint([views], specs);
        Assert.True(PoseMetrics.RotationAngleDegrees(r.Frames[0].Pose.Rotation, head.Rotation) < 2.5, $"head pose error {PoseMetrics.RotationAngleDegrees(r.Frames[0].Pose.Rotation, head.Rotation):F2}");
        for (int c = 1; c < 3; c++)
            Assert.True(PoseMetrics.RotationAngleDegrees(r.CameraFromFirst[c].Rotation, truthFromFirst[c].Rotation) < 2.5, $"camera {c} rotation error {PoseMetrics.RotationAngleDegrees(r.CameraFromFirst[c].Rotation, truthFromFirst[c].Rotation):F2}");
        Assert.True(r.RmsReprojectionPx < 2.5, $"rms {r.RmsReprojectionPx:F2}");
        Assert.Equal(3, r.Cameras.Count);
    }

    /// <summary>
    /// Offline mode: four photos of one person (yaw −30° … 40°, not a video, so no temporal term) fitted jointly
    /// with a shared identity and focal length recover each frame's pose and the focal length.
    /// </summary>
    [Fact]
    public void OfflineMultiFrameFitSharesIdentity()
    {
        var model = ModelFixture.Model;
        var layout = Dense320.Value;
        var fitter = new FaceFitter(model, layout, new FitOptions { TemporalWeight = 0 });
        var rng = new Random(9);
        var beta = new float[model.IdentityCount];
        for (int k = 0; k < beta.Length; k++) beta[k] = SyntheticFaces.Gaussian(rng);
        var cam = new PinholeCamera(512, 512, 900, 900);
        var poses = new[] { -30f, -10f, 15f, 40f }.Select(y => RigidTransform.FromHeadPose(y, 5, -3, new Vector3(0, 0, 60))).ToArray();
        var frames = poses.Select(p => (IReadOnlyList<Landmark2D[]>)[SyntheticFaces.Project(model, layout, beta, new float[model.ExpressionCount], p, cam, rng, new SyntheticFaceOptions())]).ToList();
        var r = fitter.FitJoint(frames, [new CameraSpec(512, 512)]);
        Assert.Equal(4, r.Frames.Count);
        for (int f = 0; f < 4; f++)
            Assert.True(PoseMetrics.RotationAngleDegrees(r.Frames[f].Pose.Rotation, poses[f].Rotation) < 2, $"frame {f}: {PoseMetrics.RotationAngleDegrees(r.Frames[f].Pose.Rotation, poses[f].Rotation):F2} deg");
        Assert.InRange(r.Cameras[0].Fx, 900 * 0.85f, 900 * 1.15f);
        Assert.True(r.RmsReprojectionPx < 2.5, $"rms {r.RmsReprojectionPx:F2}");
    }

    [Fact]
    public void BadInputsAreRejectedWithClearErrors()
    {
        var model = ModelFixture.Model;
        var layout = Fixed68.Value;
        var fitter = new FaceFitter(model, layout);
        var face = SyntheticFaces.Generate(model, layout, new Random(1));
        var cam = new CameraSpec(512, 512);
        void Bad(Landmark2D[] lms, string fragment, CameraSpec? c = null)
        {
            var e = Assert.Throws<InvalidInputException>(() => fitter.FitImage(lms, c ?? cam));
            Assert.Contains(fragment, e.Message);
        }
        var nan = (Landmark2D[])face.Landmarks.Clone(); nan[3] = nan[3] with { X = float.NaN };
        Bad(nan, "landmark 3");
        var inf = (Landmark2D[])face.Landmarks.Clone(); inf[5] = inf[5] with { Y = float.PositiveInfinity };
        Bad(inf, "landmark 5");
        var zeroSigma = (Landmark2D[])face.Landmarks.Clone(); zeroSigma[7] = zeroSigma[7] with { Sigma = 0 };
        Bad(zeroSigma, "sigma");
        var negSigma = (Landmark2D[])face.Landmarks.Clone(); negSigma[7] = negSigma[7] with { Sigma = -1 };
        Bad(negSigma, "sigma");
        Bad(face.Landmarks[..60], "60 landmarks");
        Bad(Enumerable.Range(0, 68).Select(i => new Landmark2D(100 + i, 100 + 2 * i, 1)).ToArray(), "degenerate");
        Bad(Enumerable.Repeat(new Landmark2D(100, 100, 1), 68).ToArray(), "degenerate");
        Bad(face.Landmarks, "size", new CameraSpec(0, 512));
        Bad(face.Landmarks, "size", new CameraSpec(512, -3));
        Bad(face.Landmarks, "focal", new CameraSpec(512, 512, 0));
        Bad(face.Landmarks, "focal", new CameraSpec(512, 512, float.NaN));
        Assert.Throws<InvalidInputException>(() => new FaceFitter(model, layout, new FitOptions { IdentityWeight = -1 }));
        Assert.Throws<InvalidInputException>(() => new FaceFitter(model, layout, new FitOptions { MaxIterations = 0 }));
        Assert.Throws<InvalidInputException>(() => new FaceFitter(model, FittingLayout.FromVertices("five", model, [1, 2, 3, 4, 5])));
        Assert.Throws<InvalidInputException>(() => fitter.FitJoint([], [cam]));
        Assert.Throws<InvalidInputException>(() => fitter.FitJoint([[face.Landmarks]], [cam, cam]));
        Assert.Throws<InvalidInputException>(() => fitter.CreateTracker(cam).Track(nan));
    }

    /// <summary>Far-off, wild but finite landmarks still give a finite result (the solver never returns NaN).</summary>
    [Fact]
    public void ExtremeButValidInputGivesFiniteResult()
    {
        var model = ModelFixture.Model;
        var layout = Fixed68.Value;
        var fitter = new FaceFitter(model, layout, new FitOptions { MaxIterations = 20 });
        var rng = new Random(4);
        var lms = Enumerable.Range(0, 68).Select(_ => new Landmark2D((float)rng.NextDouble() * 5000 - 2000, (float)rng.NextDouble() * 3000, 1e-3f + (float)rng.NextDouble() * 100)).ToArray();
        var r = fitter.FitImage(lms, new CameraSpec(512, 512));
        Assert.True(double.IsFinite(r.RmsReprojectionPx));
        Assert.True(double.IsFinite(r.LandmarkEnergy));
        Assert.All(r.Identity, b => Assert.True(float.IsFinite(b)));
        Assert.True(float.IsFinite(r.Frames[0].Pose.Translation.Z) && r.Frames[0].Pose.Translation.Z > 0);
    }
}
