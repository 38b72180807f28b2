using System.Numerics;
using DenseFace.Geometry;
using DenseFace.Imaging;
using DenseFace.Rendering;
using DenseFace.Tests.Geometry;

namespace DenseFace.Tests.Rendering;

public class SimpleRendererTests
{
    static readonly Vector3 Bg = new(0, 0, 1);   // blue background, surfaces have no blue
    static readonly RenderOptions Flat = new()
    {
        Supersampling = 1, CullBackFaces = false, Background = Bg, Albedo = new(1, 1, 0),
        LightDirection = new(0, 0, -1), Ambient = 0, Diffuse = 1, Specular = 0,
    };

    /// <summary>Quad in camera space as two triangles (a, b, c), (a, c, d).</summary>
    static TriangleMesh Quad(Vector3 a, Vector3 b, Vector3 c, Vector3 d) => new([a, b, c, d], [0, 1, 2, 0, 2, 3]);

    static bool Covered(Image8 img, int x, int y) => img.Pixels[(y * img.Width + x) * 3 + 2] < 128;
    static byte Red(Image8 img, int x, int y) => img.Pixels[(y * img.Width + x) * 3];

    /// <summary>Camera 40x30, f = 100 px: a square at z = 10 whose projected edges are at the given pixel coordinates.</summary>
    static TriangleMesh SquareWithPixelEdges(float left, float right, float top, float bottom, bool flip = false)
    {
        var cam = new PinholeCamera(40, 30, 100, 100);
        Vector3 P(float px, float py) => cam.Unproject(new Vector2(px, py), 10);
        return flip ? Quad(P(left, top), P(left, bottom), P(right, bottom), P(right, top))
                    : Quad(P(left, top), P(right, top), P(right, bottom), P(left, bottom));
    }

    [Theory]
    [InlineData(10f, 20f, 5f, 15f, 10, 19, 5, 14)]          // edges exactly on pixel centres: top-left rule keeps left/top, drops right/bottom
    [InlineData(10.3f, 19.7f, 5.5f, 14.2f, 11, 19, 6, 14)]  // edges between centres: the centres inside
    [InlineData(-5f, 60f, -3f, 40f, 0, 39, 0, 29)]          // larger than the image: clipped to it
    public void SquareCoversExactlyTheProjectedPixels(float left, float right, float top, float bottom, int x0, int x1, int y0, int y1)
    {
        var cam = new PinholeCamera(40, 30, 100, 100);
        foreach (bool flip in new[] { false, true })
        {
            var img = SimpleRenderer.Render(SquareWithPixelEdges(left, right, top, bottom, flip), cam, RigidTransform.Identity, Flat);
            for (int y = 0; y < 30; y++)
                for (int x = 0; x < 40; x++)
                    Assert.True(Covered(img, x, y) == (x >= x0 && x <= x1 && y >= y0 && y <= y1), $"pixel ({x}, {y}) flip={flip}");
        }
    }

    [Fact]
    public void BackFacesAreCulledOnlyWhenAsked()
    {
        var cam = new PinholeCamera(40, 30, 100, 100);
        var facing = SquareWithPixelEdges(10, 20, 5, 15, flip: true);
        var away = SquareWithPixelEdges(10, 20, 5, 15, flip: false);
        var cull = Flat with { CullBackFaces = true };
        // Which winding faces the camera: the OpenCV camera looks along +z, so a CCW outward normal must point to -z.
        var n = Vector3.Cross(facing.Positions[1] - facing.Positions[0], facing.Positions[2] - facing.Positions[0]);
        Assert.True(n.Z < 0);
        Assert.True(Covered(SimpleRenderer.Render(facing, cam, RigidTransform.Identity, cull), 15, 10));
        Assert.False(Covered(SimpleRenderer.Render(away, cam, RigidTransform.Identity, cull), 15, 10));
        Assert.True(Covered(SimpleRenderer.Render(away, cam, RigidTransform.Identity, Flat), 15, 10));
    }

    [Fact]
    public void NearerSurfaceWinsRegardlessOfOrder()
    {
        // A frontal square (lit head-on: full brightness) and a square tilted by 60 degrees about y (half brightness)
        // overlapping on screen; light comes from the camera.
        var cam = new PinholeCamera(40, 30, 100, 100);
        TriangleMesh Frontal(float z) => Quad(new(-1, -1, z), new(1, -1, z), new(1, 1, z), new(-1, 1, z));
        float t = MathF.Tan(MathF.PI / 3);
        var tilted = Quad(new(-0.5f, -0.5f, 8 - 0.5f * t), new(0.5f, -0.5f, 8 + 0.5f * t), new(0.5f, 0.5f, 8 + 0.5f * t), new(-0.5f, 0.5f, 8 - 0.5f * t));
        TriangleMesh Merge(TriangleMesh a, TriangleMesh b) =>
            new([.. a.Positions, .. b.Positions], [.. a.Triangles, .. b.Triangles.Select(i => i + a.Positions.Length)]);

        foreach (var (frontZ, expectFrontal) in new[] { (10f, false), (5f, true) })
            foreach (bool frontalFirst in new[] { true, false })
            {
                var mesh = frontalFirst ? Merge(Frontal(frontZ), tilted) : Merge(tilted, Frontal(frontZ));
                var img = SimpleRenderer.Render(mesh, cam, RigidTransform.Identity, Flat);
                int centre = Red(img, 20, 15);
                Assert.Equal(expectFrontal ? 255 : 128, centre, 1.0);
            }
    }

    [Fact]
    public void FacingTheLightIsBrighter()
    {
        var sphere = TestMeshes.Icosphere(3, 5f);
        var cam = new PinholeCamera(64, 64, 200, 200);
        var opts = Flat with { LightDirection = new(-1, 0, -0.3f), Ambient = 0.1f, Diffuse = 0.9f, CullBackFaces = true };
        var img = SimpleRenderer.Render(sphere, cam, RigidTransform.LookAtFace(40, 0, 0, 0), opts);
        // Light from the image left: left limb bright, centre medium, right limb only ambient.
        int left = Red(img, 20, 32), mid = Red(img, 32, 32), right = Red(img, 44, 32);
        Assert.True(left > mid && mid > right, $"left {left}, mid {mid}, right {right}");
        Assert.Equal(0.1 * 255, right, 3.0);
    }

    [Fact]
    public void SphereSilhouetteHasNoCracksAndMatchesProjection()
    {
        var sphere = TestMeshes.Icosphere(3, 5f);
        var cam = new PinholeCamera(101, 101, 300, 300);
        var img = SimpleRenderer.Render(sphere, cam, RigidTransform.LookAtFace(50, 10, 20, 30), Flat with { CullBackFaces = true });
        // Silhouette radius of a sphere of radius r at distance d: f * r / sqrt(d^2 - r^2).
        float rPix = 300 * 5 / MathF.Sqrt(50 * 50 - 25);
        for (int y = 0; y < 101; y++)
            for (int x = 0; x < 101; x++)
            {
                float dist = MathF.Sqrt((x - 50) * (x - 50) + (y - 50) * (y - 50));
                if (dist < rPix * 0.97f) Assert.True(Covered(img, x, y), $"hole at ({x}, {y})");
                if (dist > rPix + 1) Assert.False(Covered(img, x, y), $"spill at ({x}, {y})");
            }
    }

    [Fact]
    public void SupersamplingBlendsEdges()
    {
        var cam = new PinholeCamera(40, 30, 100, 100);
        var square = SquareWithPixelEdges(10f, 20.25f, 5f, 15f);
        var aliased = SimpleRenderer.Render(square, cam, RigidTransform.Identity, Flat);
        Assert.All(Enumerable.Range(0, 40), x => Assert.Contains(aliased.Pixels[(10 * 40 + x) * 3 + 2], new byte[] { 0, 255 }));
        Assert.Equal(255, Red(aliased, 10, 10));
        Assert.Equal(255, Red(aliased, 20, 10));  // centre 20 < 20.25
        Assert.Equal(0, Red(aliased, 21, 10));

        var smooth = SimpleRenderer.Render(square, cam, RigidTransform.Identity, Flat with { Supersampling = 4 });
        // Left edge on the centre of column 10: samples at 9.625..10.375, half inside. Right edge at 20.25: 3 of 4 sample columns inside (19.625..20.375).
        Assert.Equal(128, Red(smooth, 10, 10), 1.0);
        Assert.Equal(255 - 255 / 2, smooth.Pixels[(10 * 40 + 10) * 3 + 2], 1.0);
        Assert.Equal(191, Red(smooth, 20, 10), 1.0);
        Assert.Equal(255, Red(smooth, 15, 10));
        Assert.Equal(0, Red(smooth, 5, 10));
    }

    [Fact]
    public void ImageDoesNotDependOnThreadCount()
    {
        var mesh = TestMeshes.Icosphere(3, 5f);
        var cam = new PinholeCamera(96, 80, 150, 150);
        var pose = RigidTransform.LookAtFace(30, 20, 10, 0);
        var one = SimpleRenderer.Render(mesh, cam, pose, new RenderOptions { MaxDegreeOfParallelism = 1 });
        var all = SimpleRenderer.Render(mesh, cam, pose, new RenderOptions());
        Assert.Equal(one.Pixels, all.Pixels);
    }

    [Fact]
    public void PortraitFramesAnOffCentreMesh()
    {
        var mesh = TestMeshes.Icosphere(2, 12f, new Vector3(100, -40, 25));
        foreach (var (yaw, pitch, roll) in new[] { (0f, 0f, 0f), (30f, -10f, 5f) })
        {
            var img = SimpleRenderer.RenderPortrait(mesh, 64, yaw, pitch, roll, new RenderOptions { Background = Bg, Albedo = new(1, 1, 0) });
            Assert.Equal(64, img.Width); Assert.Equal(3, img.Channels);
            Assert.True(Covered(img, 32, 32));
            Assert.False(Covered(img, 0, 0)); Assert.False(Covered(img, 63, 63));
            // The enclosing sphere is the icosphere itself (up to its facets): its silhouette spans 90% of the image (57.6 px).
            int row = Enumerable.Range(0, 64).Count(x => img.Pixels[(32 * 64 + x) * 3 + 2] < 128);
            Assert.InRange(row, 55, 59);
        }
    }

    [Fact]
    public void BadInputIsRejected()
    {
        var mesh = TestMeshes.Icosphere(1);
        var cam = new PinholeCamera(16, 16, 20, 20);
        Assert.Equal("Supersampling", Assert.Throws<InvalidInputException>(() =>
            SimpleRenderer.Render(mesh, cam, RigidTransform.Identity, new RenderOptions { Supersampling = 5 })).InputName);
        Assert.Throws<InvalidInputException>(() => SimpleRenderer.Render(mesh, default, RigidTransform.Identity));
        Assert.Throws<InvalidInputException>(() => SimpleRenderer.Render(mesh, cam, RigidTransform.Identity, new RenderOptions { LightDirection = Vector3.Zero }));
        var nan = new TriangleMesh([new(float.NaN, 0, 5), new(1, 0, 5), new(0, 1, 5)], [0, 1, 2]);
        Assert.Throws<InvalidInputException>(() => SimpleRenderer.Render(nan, cam, RigidTransform.Identity));
        Assert.Throws<InvalidInputException>(() => SimpleRenderer.RenderPortrait(mesh, 0, 0, 0, 0));
        Assert.Throws<InvalidInputException>(() => SimpleRenderer.RenderPortrait(mesh, 64, float.NaN, 0, 0));
    }

    [Fact]
    public void GeometryBehindTheCameraIsSkipped()
    {
        var cam = new PinholeCamera(16, 16, 20, 20);
        var behind = Quad(new(-1, -1, -5), new(1, -1, -5), new(1, 1, -5), new(-1, 1, -5));
        var img = SimpleRenderer.Render(behind, cam, RigidTransform.Identity, Flat);
        Assert.All(Enumerable.Range(0, 256), i => Assert.Equal(255, img.Pixels[i * 3 + 2]));
    }
}
