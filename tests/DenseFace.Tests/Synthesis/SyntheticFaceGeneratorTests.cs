using System.Numerics;
using DenseFace.FaceModel;
using DenseFace.Tests.FaceModel;
using DenseFace.Training.Synthesis;

namespace DenseFace.Tests.Synthesis;

public class SyntheticFaceGeneratorTests
{
    static MorphableModel Model => ModelFixture.Model;

    /// <summary>Small, fast settings: no occluders or degradations unless a test turns them on.</summary>
    static readonly SynthesisOptions Plain = new()
    {
        Seed = 5, ImageSize = 128, TextureSize = 64, AppearancePoolSize = 2,
        OccluderProbability = 0, GlassesProbability = 0, DegradationProbability = 0,
    };

    [Fact]
    public void VisibleLabelsLieOnTheRenderedHeadAndHiddenOnesBehindTheDepthBuffer()
    {
        var gen = new SyntheticFaceGenerator(Model, Plain);
        int visible = 0, hiddenByDepth = 0;
        for (int i = 0; i < 8; i++)
        {
            var s = gen.Generate(i);
            var l = s.Layouts[0];
            int w = s.Image.Width, h = s.Image.Height;
            for (int k = 0; k < l.Points.Length; k++)
            {
                var p = l.Points[k];
                int x = (int)MathF.Round(p.X), y = (int)MathF.Round(p.Y);
                bool inside = x >= 0 && y >= 0 && x < w && y < h;
                if (l.Visible[k])
                {
                    visible++;
                    Assert.True(inside, $"sample {i} point {k} visible outside the image ({p})");
                    // Covered by the head: the mask (or, on the silhouette, a neighbour) is set.
                    Assert.True(MaxAround(s.Mask.Pixels, w, h, x, y) > 0, $"sample {i} point {k} visible at ({p}) but the mask is empty there");
                    // Not behind the depth buffer: some pixel around shows a surface at or behind the point, or is on the silhouette.
                    Assert.True(l.CameraPoints[k].Z <= MaxDepthAround(s.Depth, w, h, x, y) + 0.3f || MinAround(s.Mask.Pixels, w, h, x, y) < 255,
                        $"sample {i} point {k} visible but behind the depth buffer");
                }
                else if (inside && MinDepthAround(s.Depth, w, h, x, y) < l.CameraPoints[k].Z - 0.3f)
                    hiddenByDepth++;
            }
        }
        Assert.True(visible > 8 * 20, $"only {visible} visible points in 8 samples");
        Assert.True(hiddenByDepth > 0, "no point was hidden by the depth buffer in 8 random poses");
    }

    [Fact]
    public void FrontalFacesHaveAlmostAllIbugPointsVisible()
    {
        var gen = new SyntheticFaceGenerator(Model, Plain with { MaxYaw = 8, MaxPitch = 8, MaxRoll = 8, MaxActiveExpressions = 0 });
        for (int i = 0; i < 3; i++)
        {
            var s = gen.Generate(i);
            int n = s.Layouts[0].Visible.Count(v => v);
            // Brows, nose and outer lips (17-35, 48-59) must be seen, and the eye contours nearly all (their points sit
            // on the lid margin, where a deep-set eye's lid fold can cover one). The jaw points sit on the side of the
            // cheeks (perspective can turn them away) and the inner-lip points of a closed mouth lie between the lips.
            Assert.True(n >= 50, $"sample {i}: only {n} of 68 visible");
            foreach (int k in Enumerable.Range(17, 19).Concat(Enumerable.Range(48, 12))) Assert.True(s.Layouts[0].Visible[k], $"sample {i}: point {k} hidden in a frontal view");
            Assert.True(Enumerable.Range(36, 12).Count(k => s.Layouts[0].Visible[k]) >= 10, $"sample {i}: eye contour points hidden in a frontal view");
        }
    }

    [Fact]
    public void SameSeedGivesIdenticalBytesAndLabelsWhateverTheThreadsOrOrder()
    {
        var opts = Plain with { OccluderProbability = 0.5f, GlassesProbability = 0.5f, DegradationProbability = 0.5f };
        var a = new SyntheticFaceGenerator(Model, opts);
        var b = new SyntheticFaceGenerator(Model, opts with { RenderThreads = 4 });
        var first = Enumerable.Range(0, 4).Select(i => a.Generate(i)).ToArray();
        var second = new Sample[4];
        Parallel.For(0, 4, i => second[3 - i] = b.Generate(3 - i));
        for (int i = 0; i < 4; i++)
        {
            Assert.Equal(first[i].Image.Pixels, second[i].Image.Pixels);
            Assert.Equal(first[i].Layouts[0].Points, second[i].Layouts[0].Points);
            Assert.Equal(first[i].Layouts[0].Visible, second[i].Layouts[0].Visible);
            Assert.Equal(first[i].Identity, second[i].Identity);
            Assert.Equal(first[i].Expression, second[i].Expression);
            Assert.Equal(first[i].Pose, second[i].Pose);
        }
        Assert.NotEqual(first[0].Image.Pixels, first[1].Image.Pixels);
        var other = new SyntheticFaceGenerator(Model, opts with { Seed = 6 }).Generate(0);
        Assert.NotEqual(first[0].Identity, other.Identity);
    }

    [Fact]
    public void PosesAndCoefficientsStayWithinTheConfiguredRanges()
    {
        var opts = Plain with { ImageSize = 32, Supersampling = 1, MaxYaw = 30, MaxPitch = 10, MaxRoll = 5, IdentityTruncation = 1.5f, MaxActiveExpressions = 2 };
        var gen = new SyntheticFaceGenerator(Model, opts);
        float maxYaw = 0;
        for (int i = 0; i < 30; i++)
        {
            var s = gen.Generate(i);
            Assert.InRange(s.Pose.Yaw, -30, 30); Assert.InRange(s.Pose.Pitch, -10, 10); Assert.InRange(s.Pose.Roll, -5, 5);
            maxYaw = MathF.Max(maxYaw, MathF.Abs(s.Pose.Yaw));
            var (yaw, pitch, roll) = s.ModelToCamera.ToHeadPoseDegrees();
            Assert.Equal(s.Pose.Yaw, yaw, 2); Assert.Equal(s.Pose.Pitch, pitch, 2); Assert.Equal(s.Pose.Roll, roll, 2);
            Assert.Equal(s.Pose.Translation, s.ModelToCamera.Translation);
            Assert.All(s.Identity, b => Assert.InRange(b, -1.5f, 1.5f));
            Assert.All(s.Expression, e => Assert.InRange(e, 0f, 1f));
            Assert.InRange(s.Camera.Fx / 32f, opts.MinFocalFactor, opts.MaxFocalFactor);
        }
        Assert.True(maxYaw > 10, "yaw never left the frontal range");
    }

    [Fact]
    public void LabelsProjectTheCameraPointsAndTheIbugLayoutSitsOnItsVertices()
    {
        var layout = SynthesisLayout.Ibug68(Model);
        var custom = SynthesisLayout.FromVertices(Model, "two", [0, 4269]);
        var gen = new SyntheticFaceGenerator(Model, Plain with { Layouts = [layout, custom] });
        var s = gen.Generate(11);
        Assert.Equal(["ibug68", "two"], s.Layouts.Select(l => l.Name));
        var positions = Model.Evaluate(s.Identity, s.Expression);
        for (int k = 0; k < 68; k++)
        {
            var expected = s.ModelToCamera.Apply(positions[IctLandmarks.MultiPie68[k]]);
            Assert.True(Vector3.Distance(expected, s.Layouts[0].CameraPoints[k]) < 1e-3f);
            var p = s.Camera.Project(expected);
            Assert.True(Vector2.Distance(p, s.Layouts[0].Points[k]) < 1e-3f);
        }
        Assert.Equal(s.Layouts[0].Points[51], s.Layouts[1].Points[0]);   // vertex 0 is iBUG point 51
        var box = s.Box;
        Assert.True(box.Width > 10 && box.Height > 10);
        // The box bounds the inner face: the nose tip (point 30) lies inside it.
        Assert.True(box.Contains(s.Layouts[0].Points[30].X, s.Layouts[0].Points[30].Y));
    }

    [Fact]
    public void DenseLayoutsAgreeWithTheIbugLayoutOnTheirFirst68Points()
    {
        // Every built-in dense layout starts with the 68 iBUG points, so its first 68 labels must equal ibug68's.
        var layouts = new[] { "ibug68", "dense520", "full703" }
            .Select(n => SynthesisLayout.From(DenseFace.FaceModel.Layouts.LandmarkLayouts.Load(n))).ToArray();
        var gen = new SyntheticFaceGenerator(Model, Plain with { Layouts = layouts });
        var s = gen.Generate(3);
        Assert.Equal([68, 520, 703], s.Layouts.Select(l => l.Points.Length));
        for (int l = 1; l < 3; l++)
            for (int k = 0; k < 68; k++)
            {
                Assert.True(Vector2.Distance(s.Layouts[0].Points[k], s.Layouts[l].Points[k]) < 1e-3f);
                Assert.Equal(s.Layouts[0].Visible[k], s.Layouts[l].Visible[k]);
            }
        // Visible dense points land on the rendered head (within a pixel: silhouette points sit on its edge).
        var full = s.Layouts[2];
        int visible = 0;
        for (int k = 0; k < full.Points.Length; k++)
        {
            if (!full.Visible[k]) continue;
            visible++;
            int x = (int)MathF.Round(full.Points[k].X), y = (int)MathF.Round(full.Points[k].Y);
            Assert.True(MaxAround(s.Mask.Pixels, s.Mask.Width, s.Mask.Height, x, y) > 0, $"visible full703 point {k} off the head mask");
        }
        Assert.True(visible > 100, $"only {visible} visible full703 points");
    }

    [Fact]
    public void OccludersHideTheLabelsTheyCover()
    {
        var gen = new SyntheticFaceGenerator(Model, Plain with { OccluderProbability = 1, MaxYaw = 10 });
        int hidden = 0;
        for (int i = 0; i < 6; i++)
        {
            var s = gen.Generate(i);
            var l = s.Layouts[0];
            for (int k = 0; k < l.Points.Length; k++)
            {
                if (l.Visible[k]) continue;
                int x = (int)MathF.Round(l.Points[k].X), y = (int)MathF.Round(l.Points[k].Y);
                if (x >= 0 && y >= 0 && x < 128 && y < 128 && s.Mask.Pixels[y * 128 + x] == 0 && s.Depth[y * 128 + x] < float.PositiveInfinity) hidden++;
            }
        }
        Assert.True(hidden > 0, "no landmark was marked hidden under an occluder");
    }

    [Fact]
    public void BadOptionsAreRejected()
    {
        Assert.Throws<InvalidInputException>(() => new SyntheticFaceGenerator(Model, Plain with { ImageSize = 8 }));
        Assert.Throws<InvalidInputException>(() => new SyntheticFaceGenerator(Model, Plain with { MaxYaw = -1 }));
        Assert.Throws<InvalidInputException>(() => new SyntheticFaceGenerator(Model, Plain with { MinFocalFactor = 3, MaxFocalFactor = 2 }));
        Assert.Throws<InvalidInputException>(() => new SyntheticFaceGenerator(Model, Plain with { Layouts = [new SynthesisLayout("bad", [new SurfacePoint(-1, 0, 0)])] }));
        Assert.Throws<InvalidInputException>(() => new SyntheticFaceGenerator(Model, Plain with { Layouts = [SynthesisLayout.Ibug68(Model), SynthesisLayout.Ibug68(Model)] }));
        Assert.Throws<InvalidInputException>(() => new SyntheticFaceGenerator(Model, Plain).Generate(-1));
    }

    static int MinAround(byte[] m, int w, int h, int x, int y)
    {
        int best = 255;
        for (int dy = -1; dy <= 1; dy++)
            for (int dx = -1; dx <= 1; dx++)
                best = Math.Min(best, m[Math.Clamp(y + dy, 0, h - 1) * w + Math.Clamp(x + dx, 0, w - 1)]);
        return best;
    }

    static int MaxAround(byte[] m, int w, int h, int x, int y)
    {
        int best = 0;
        for (int dy = -1; dy <= 1; dy++)
            for (int dx = -1; dx <= 1; dx++)
            {
                int xx = Math.Clamp(x + dx, 0, w - 1), yy = Math.Clamp(y + dy, 0, h - 1);
                best = Math.Max(best, m[yy * w + xx]);
            }
        return best;
    }

    static float MaxDepthAround(float[] d, int w, int h, int x, int y) => Around(d, w, h, x, y, MathF.Max, float.NegativeInfinity);
    static float MinDepthAround(float[] d, int w, int h, int x, int y) => Around(d, w, h, x, y, MathF.Min, float.PositiveInfinity);

    static float Around(float[] d, int w, int h, int x, int y, Func<float, float, float> f, float init)
    {
        float acc = init;
        for (int dy = -1; dy <= 1; dy++)
            for (int dx = -1; dx <= 1; dx++)
                acc = f(acc, d[Math.Clamp(y + dy, 0, h - 1) * w + Math.Clamp(x + dx, 0, w - 1)]);
        return acc;
    }
}
