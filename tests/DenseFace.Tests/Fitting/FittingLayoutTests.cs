using DenseFace.Training.Fitting;
using System.Numerics;
using DenseFace.FaceModel;
using DenseFace.Geometry;
using DenseFace.Fitting;
using DenseFace.Tests.FaceModel;
using Xunit;

namespace DenseFace.Tests.Fitting;

public class FittingLayoutTests
{
    [Fact]
    public void DenseLayoutIsDeterministicDistinctAndOnTheFace()
    {
        var model = ModelFixture.Model;
        var a = FittingLayout.Dense(model, 320);
        var b = FittingLayout.Dense(model, 320);
        Assert.Equal(320, a.Count);
        Assert.Equal("dense320", a.Name);
        Assert.True(a.Points.SequenceEqual(b.Points));
        var verts = new HashSet<int>();
        var narrow = FaceParts.Vertices(FaceSubArea.NarrowFace);
        foreach (var p in a.Points)
        {
            // vertex points: one barycentric weight is 1
            var tri = model.Triangles.Slice(3 * p.Triangle, 3);
            int v = p.U == 1 ? tri[1] : p.V == 1 ? tri[2] : tri[0];
            Assert.True(p.W == 1 || p.U == 1 || p.V == 1);
            Assert.True(narrow.Contains(v));
            Assert.True(verts.Add(v));
        }
        Assert.False(a.HasContour);
    }

    [Fact]
    public void ProductLayoutsBecomeFittingLayoutsWithTheIbugContourOnTheirFirst68Points()
    {
        var model = ModelFixture.Model;
        var ibug = FittingLayout.Ibug68(model);
        foreach (var name in new[] { "rt320", "dense520", "full703" })
        {
            var layout = DenseFace.FaceModel.Layouts.LandmarkLayouts.Load(name);
            var fixedFit = FittingLayout.From(model, layout);
            Assert.Equal(layout.Count, fixedFit.Count);
            Assert.True(fixedFit.Points.SequenceEqual(layout.SurfacePoints));
            Assert.False(fixedFit.HasContour);
            var sliding = FittingLayout.From(model, layout, slidingContour: true);
            Assert.True(sliding.HasContour);
            for (int k = 0; k < layout.Count; k++)
                Assert.True(sliding.ContourCandidates(k).SequenceEqual(k < 68 ? ibug.ContourCandidates(k) : []));
        }
    }

    [Fact]
    public void DenseProductLayoutFitsSyntheticFacesAccurately()
    {
        var r = FitBenchmark.Run(ModelFixture.Model, new FitBenchmarkSettings { Layout = "rt320", Faces = 4, Frames = 0, Seed = 5 });
        Assert.Equal(320, r.Landmarks);
        // Measured with this seed (bench fit --layout rt320 --faces 4 --frames 0 --seed 5): 0.34 deg, 0.97 mm.
        Assert.InRange(r.PoseErrorDegMedian, 0, 2.5);
        Assert.InRange(r.FaceVertexErrorMmMedian, 0, 4.0);
    }

    [Fact]
    public void Ibug68SlidesOnlyTheJawAndKeepsTheOriginalVertexAsCandidate()
    {
        var model = ModelFixture.Model;
        var sliding = FittingLayout.Ibug68(model);
        var fixedLayout = FittingLayout.Ibug68(model, slidingContour: false);
        Assert.True(sliding.HasContour);
        Assert.False(fixedLayout.HasContour);
        Assert.True(sliding.Points.SequenceEqual(fixedLayout.Points));
        for (int k = 0; k < 68; k++)
        {
            var c = sliding.ContourCandidates(k);
            bool slides = k <= 16 && k is not (7 or 8 or 9);
            Assert.Equal(slides, !c.IsEmpty);
            if (slides)
            {
                Assert.Contains(IctLandmarks.MultiPie68[k], c.ToArray());
                Assert.True(c.Length > 3, $"landmark {k} has only {c.Length} candidates");
            }
        }
    }

    /// <summary>
    /// On the side turned away from the camera a sliding landmark re-picks the candidate whose projection is nearest
    /// its observation; on the near side it keeps its fixed vertex.
    /// </summary>
    [Fact]
    public void ContourUpdatePicksNearestCandidateOnTheFarSideOnly()
    {
        var model = ModelFixture.Model;
        var layout = FittingLayout.Ibug68(model);
        var fitter = new FaceFitter(model, layout, new FitOptions { IdentityModes = 100 });
        var rng = new Random(2);
        var beta = new float[model.IdentityCount];
        for (int k = 0; k < beta.Length; k++) beta[k] = 0.5f * SyntheticFaces.Gaussian(rng);
        var psi = new float[model.ExpressionCount];
        // negative yaw turns the face to the subject's right: the right jaw (landmarks 0-7, −x) moves away from the camera
        var pose = RigidTransform.FromHeadPose(-35, 0, 0, new Vector3(0, 0, 60));
        var cam = new PinholeCamera(512, 512, 1000, 1000);
        var obs = SyntheticFaces.Project(model, layout, beta, psi, pose, cam, rng, new SyntheticFaceOptions { Sigma = 1e-3f });
        var p = fitter.NewProblem(1, 1);
        var s = p.CreateState();
        for (int k = 0; k < p.IdentityCount; k++) s.Beta[k] = beta[k];
        s.Rotation[0] = Matrix3d.FromQuaternion(pose.Rotation);
        (s.Translation[0], s.Translation[1], s.Translation[2]) = (pose.Translation.X, pose.Translation.Y, pose.Translation.Z);
        s.Focal[0] = cam.Fx;
        p.SetPrincipalPoint(0, cam.Cx, cam.Cy);
        var positions = model.Evaluate(beta, psi);
        Vector2 Pixel(int vertex) => cam.Project(pose.Apply(positions[vertex]));
        // move landmarks 2 (far side) and 14 (near side) onto the projection of another of their candidates
        var far = Pixel(layout.ContourCandidates(2)[^1]);
        var near = Pixel(layout.ContourCandidates(14)[^1]);
        obs[2] = new Landmark2D(far.X, far.Y, 1);
        obs[14] = new Landmark2D(near.X, near.Y, 1);
        p.SetObservations(0, 0, obs);
        Assert.True(p.UpdateContour(s));
        p.ProjectLandmark(s, 0, 0, 2, out double u, out double v);
        Assert.True(Math.Abs(u - far.X) < 0.05 && Math.Abs(v - far.Y) < 0.05, $"landmark 2 projects to ({u}, {v}), expected {far}");
        p.ProjectLandmark(s, 0, 0, 14, out u, out v);
        var fixed14 = Pixel(IctLandmarks.MultiPie68[14]);
        Assert.True(Math.Abs(u - fixed14.X) < 0.05 && Math.Abs(v - fixed14.Y) < 0.05, "the near-side landmark keeps its fixed vertex");
        p.ProjectLandmark(s, 0, 0, 30, out u, out _);
        Assert.True(Math.Abs(u - obs[30].X) < 0.05, "fixed landmarks do not move");
    }
}
