using System.Drawing;
using System.Numerics;
using DenseFace.FaceModel.Layouts;
using DenseFace.Landmarks;

namespace DenseFace.Tests.Landmarks;

public class FaceRoiTests
{
    [Theory]
    [InlineData(0f)]
    [InlineData(0.7f)]
    [InlineData(-2.5f)]
    public void NormalisedCoordinatesRoundTrip(float rotation)
    {
        var roi = new FaceRoi(120.5f, 80.25f, 150f, rotation);
        foreach (var p in new[] { new Vector2(0, 0), new Vector2(120.5f, 80.25f), new Vector2(300, -40), new Vector2(10.75f, 199f) })
        {
            var n = roi.ToNormalized(p);
            var back = roi.ToImage(n);
            Assert.True(Vector2.Distance(p, back) < 1e-3f, $"{p} -> {n} -> {back}");
            // the affine form agrees with the direct one
            var (ax, ay) = roi.ImageToNormalized.Apply(p.X, p.Y);
            Assert.Equal(n.X, (float)ax, 4);
            Assert.Equal(n.Y, (float)ay, 4);
        }
        Assert.Equal(Vector2.Zero, roi.ToNormalized(new Vector2(120.5f, 80.25f)));
    }

    [Fact]
    public void NormalisedEdgesAreTheCropsOuterPixelEdges()
    {
        // an upright ROI of side 128 around (63.5, 63.5) is exactly a 128-pixel crop: pixel centre 0 -> -1 + 1/128
        var roi = new FaceRoi(63.5f, 63.5f, 128, 0);
        Assert.Equal(-1 + 1 / 128f, roi.ToNormalized(new Vector2(0, 0)).X, 5);
        Assert.Equal(1 - 1 / 128f, roi.ToNormalized(new Vector2(127, 0)).X, 5);
        var crop = roi.ImageToCrop(64);
        var (cx, cy) = crop.Apply(63.5, 63.5);
        Assert.Equal(31.5, cx, 6); Assert.Equal(31.5, cy, 6);
        Assert.Equal(32.0, roi.ToPixels(0.5f), 4);
    }

    [Fact]
    public void RotationTurnsTheRoiXAxisTowardsImageY()
    {
        // rotated by +90°, a point below the centre lies on the ROI's +x axis
        var roi = new FaceRoi(0, 0, 2, MathF.PI / 2);
        var n = roi.ToNormalized(new Vector2(0, 1));
        Assert.Equal(1f, n.X, 5); Assert.Equal(0f, n.Y, 5);
    }

    [Fact]
    public void FromBoxCentresAndScalesTheLargerSide()
    {
        var roi = FaceRoi.FromBox(new RectangleF(10, 20, 100, 60), 1.5f);
        Assert.Equal(60f, roi.CenterX); Assert.Equal(50f, roi.CenterY); Assert.Equal(150f, roi.Side); Assert.Equal(0f, roi.Rotation);
        Assert.Throws<InvalidInputException>(() => FaceRoi.FromBox(new RectangleF(0, 0, 0, 10), 1.5f));
        Assert.Throws<InvalidInputException>(() => FaceRoi.FromBox(new RectangleF(0, 0, float.NaN, 10), 1.5f));
    }

    [Fact]
    public void FromLandmarksLevelsTheEyes()
    {
        // a synthetic 68-point face (points on a grid), rotated by 30°: the refined ROI has rotation 30°
        var face = new Vector2[68];
        for (int i = 0; i < 68; i++) face[i] = new Vector2(i % 9 * 10 - 40, i / 9 * 10 - 30);
        for (int i = 36; i < 42; i++) face[i] = new Vector2(-20, -10);
        for (int i = 42; i < 48; i++) face[i] = new Vector2(20, -10);
        float a = 30 * MathF.PI / 180;
        var turned = face.Select(p => new Vector2(200 + MathF.Cos(a) * p.X - MathF.Sin(a) * p.Y, 100 + MathF.Sin(a) * p.X + MathF.Cos(a) * p.Y)).ToArray();
        var roi = FaceRoi.FromLandmarks68(turned, 1.2f);
        Assert.Equal(a, roi.Rotation, 4);
        // in the ROI frame the face is upright: eye points share a y
        var l = roi.ToNormalized(turned[36]); var r = roi.ToNormalized(turned[42]);
        Assert.Equal(l.Y, r.Y, 4);
        // side = 1.2 x the larger extent of the upright face (80 x 70)
        Assert.Equal(96f, roi.Side, 2);
        // centred on the upright box centre (0, 5) -> rotated
        var c = roi.ToImage(Vector2.Zero);
        Assert.Equal(200 - MathF.Sin(a) * 5, c.X, 3); Assert.Equal(100 + MathF.Cos(a) * 5, c.Y, 3);
    }

    [Theory]
    [InlineData("ibug68")]
    [InlineData("dense520")]
    [InlineData("full703")]
    [InlineData("rt320")]
    public void EveryLayoutsFlipPermutationMapsEachPointToItsMirror(string name)
    {
        // on the neutral head, reflecting a point (x -> -x) lands on its mirror partner
        var model = DenseFace.Tests.FaceModel.ModelFixture.Model;
        var layout = LandmarkLayouts.Load(name);
        Assert.True(layout.HasCompleteMirror);
        var pos = new Vector3[layout.Count];
        model.EvaluateSurfacePoints(layout.SurfacePoints, new float[model.IdentityCount], new float[model.ExpressionCount], pos);
        var mirror = layout.MirrorIndices;
        for (int i = 0; i < layout.Count; i++)
        {
            Assert.Equal(i, mirror[mirror[i]]);
            var reflected = new Vector3(-pos[i].X, pos[i].Y, pos[i].Z);
            Assert.True(Vector3.Distance(reflected, pos[mirror[i]]) < 0.01f, $"{name} point {i}: mirror {mirror[i]} is {Vector3.Distance(reflected, pos[mirror[i]])} cm from its reflection");
        }
    }
}
