using DenseFace.FaceModel;
using DenseFace.Fitting;
using DenseFace.Tests.FaceModel;
using Xunit;

namespace DenseFace.Tests.Fitting;

public class LandmarkLayoutTests
{
    [Fact]
    public void DenseLayoutIsDeterministicDistinctAndOnTheFace()
    {
        var model = ModelFixture.Model;
        var a = LandmarkLayout.Dense(model, 320);
        var b = LandmarkLayout.Dense(model, 320);
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
    public void Ibug68SlidesOnlyTheJawAndKeepsTheOriginalVertexAsCandidate()
    {
        var model = ModelFixture.Model;
        var sliding = LandmarkLayout.Ibug68(model);
        var fixedLayout = LandmarkLayout.Ibug68(model, slidingContour: false);
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

    /// <summary>A sliding landmark re-picks the candidate whose projection is nearest its observation.</summary>
    [Fact]
    public void ContourUpdatePicksNearestCandidate()
    {
        var model = ModelFixture.Model;
        var layout = LandmarkLayout.Ibug68(model);
        var fitter = new FaceFitter(model, layout, new FitOptions { IdentityModes = 100 });
        var face = SyntheticFaces.Generate(model, layout, new Random(2), new SyntheticFaceOptions { Sigma = 1e-3f, MaxYaw = 5 });
        var p = fitter.NewProblem(1, 1);
        var s = new FitState(p.K, p.E, 1, 1);
        for (int k = 0; k < p.K; k++) s.Beta[k] = face.Identity[k];
        for (int e = 0; e < p.E; e++) s.Psi[e] = face.Expression[e];
        s.Rotation[0] = Matrix3d.FromQuaternion(face.Pose.Rotation);
        (s.Translation[0], s.Translation[1], s.Translation[2]) = (face.Pose.Translation.X, face.Pose.Translation.Y, face.Pose.Translation.Z);
        s.Focal[0] = face.Camera.Fx;
        p.SetPrincipalPoint(0, face.Camera.Cx, face.Camera.Cy);
        // move landmark 2's observation onto the projection of another candidate vertex
        int target = layout.ContourCandidates(2)[^1];
        var pos = model.Evaluate(face.Identity, face.Expression)[target];
        var px = face.Camera.Project(face.Pose.Apply(pos));
        var obs = (Landmark2D[])face.Landmarks.Clone();
        obs[2] = new Landmark2D(px.X, px.Y, 1);
        p.SetObservations(0, 0, obs);
        Assert.True(p.UpdateContour(s));
        p.ProjectLandmark(s, 0, 0, 2, out double u, out double v);
        Assert.True(Math.Abs(u - px.X) < 0.05 && Math.Abs(v - px.Y) < 0.05, $"landmark 2 projects to ({u}, {v}), expected {px}");
        p.ProjectLandmark(s, 0, 0, 30, out u, out v);
        Assert.True(Math.Abs(u - obs[30].X) < 0.05, "fixed landmarks do not move");
    }
}
