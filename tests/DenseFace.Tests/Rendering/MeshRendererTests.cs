using System.Numerics;
using DenseFace.Geometry;
using DenseFace.Imaging;
using DenseFace.Rendering;
using DenseFace.Tests.Geometry;

namespace DenseFace.Tests.Rendering;

public class MeshRendererTests
{
    static readonly MeshRenderSettings Linear = new()
    {
        Supersampling = 1, CullBackFaces = false, Srgb = false, Background = new(0, 0, 1),
        Lighting = SphericalHarmonicsLighting.Constant(Vector3.One), MaxDegreeOfParallelism = 1,
    };

    /// <summary>A quad with UVs (0,0) (1,0) (1,1) (0,1) at a, b, c, d.</summary>
    static TriangleMesh UvQuad(Vector3 a, Vector3 b, Vector3 c, Vector3 d) =>
        new([a, b, c, d], [0, 1, 2, 0, 2, 3]) { Uvs = [new(0, 0), new(1, 0), new(1, 1), new(0, 1)], UvTriangles = [0, 1, 2, 0, 2, 3] };

    /// <summary>256 x 256 RGB texture: R = column (u gradient), G = 255 − row (v gradient, v up), B = 0.</summary>
    static Image8 GradientTexture()
    {
        var t = new Image8(256, 256, 3);
        for (int y = 0; y < 256; y++)
            for (int x = 0; x < 256; x++) { t.Pixels[(y * 256 + x) * 3] = (byte)x; t.Pixels[(y * 256 + x) * 3 + 1] = (byte)(255 - y); }
        return t;
    }

    [Fact]
    public void TexturesArePerspectiveCorrect()
    {
        // A 10 cm square tilted 60 degrees about the camera's y axis: u runs along the tilted direction.
        var cam = new PinholeCamera(120, 100, 150, 150);
        float c = MathF.Cos(MathF.PI / 3), sn = MathF.Sin(MathF.PI / 3);
        var o = new Vector3(0, 0, 20);
        var du = new Vector3(c, 0, sn) * 10f;    // u direction (recedes to the right)
        var dv = new Vector3(0, -1, 0) * 10f;    // v up = -y in camera space
        var a = o - du / 2 - dv / 2;
        var quad = UvQuad(a, a + du, a + du + dv, a + dv);
        var img = MeshRenderer.Render(quad, cam, RigidTransform.Identity, [new RenderMaterial { Texture = GradientTexture() }], default, Linear).Color;
        var normal = Vector3.Normalize(Vector3.Cross(du, dv));
        int tested = 0;
        float maxErr = 0, maxAffineGap = 0;
        for (int y = 0; y < 100; y += 3)
            for (int x = 0; x < 120; x += 3)
            {
                // Analytic: intersect the pixel's ray with the plane, express the hit in (u, v).
                var ray = cam.Unproject(new Vector2(x, y), 1);
                float t = Vector3.Dot(a, normal) / Vector3.Dot(ray, normal);
                var local = ray * t - a;
                float u = Vector3.Dot(local, du) / du.LengthSquared(), v = Vector3.Dot(local, dv) / dv.LengthSquared();
                if (u < 0.03f || u > 0.97f || v < 0.03f || v > 0.97f) continue;
                float r = img.Pixels[(y * 120 + x) * 3] / 255f, g = img.Pixels[(y * 120 + x) * 3 + 1] / 255f;
                // Texel centres: u maps to column u*256 - 0.5, whose R value is that column index / 255.
                float expectR = (u * 256 - 0.5f) / 255f, expectG = (255 - ((1 - v) * 256 - 0.5f)) / 255f;
                maxErr = MathF.Max(maxErr, MathF.Max(MathF.Abs(r - expectR), MathF.Abs(g - expectG)));
                // Screen-space (affine) interpolation would give u linear in x across the quad: measure how far that is.
                var pa = cam.Project(a); var pb = cam.Project(a + du);
                maxAffineGap = MathF.Max(maxAffineGap, MathF.Abs((x - pa.X) / (pb.X - pa.X) - u));
                tested++;
            }
        Assert.True(tested > 100, $"only {tested} pixels tested");
        Assert.True(maxAffineGap > 0.05f, $"the tilt is too small to tell affine from perspective ({maxAffineGap})");
        Assert.True(maxErr < 0.012f, $"max texture coordinate error {maxErr}");
    }

    [Fact]
    public void SphericalHarmonicsMatchAnalyticIrradiance()
    {
        // Radiance L(w) = a + b w_z (w_z toward the scene: +z in camera space); irradiance over pi: a + 2/3 b n_z.
        const float a = 0.5f, b = 0.4f;
        // Project L onto the SH basis by numerical quadrature (independent of the renderer's convolution constants).
        var coeffs = new Vector3[9];
        Span<float> y = stackalloc float[9];
        const int N = 400;
        for (int i = 0; i < N; i++)
            for (int j = 0; j < 2 * N; j++)
            {
                float theta = MathF.PI * (i + 0.5f) / N, phi = MathF.PI * (j + 0.5f) / N;
                var w = new Vector3(MathF.Sin(theta) * MathF.Cos(phi), MathF.Sin(theta) * MathF.Sin(phi), MathF.Cos(theta));
                SphericalHarmonicsLighting.Basis(w, y);
                float dA = MathF.Sin(theta) * (MathF.PI / N) * (MathF.PI / N);
                float L = a + b * w.Z;
                for (int k = 0; k < 9; k++) coeffs[k] += new Vector3(L * y[k] * dA);
            }
        var sh = new SphericalHarmonicsLighting(coeffs);
        foreach (var n in new[] { Vector3.UnitZ, -Vector3.UnitZ, Vector3.UnitX, Vector3.Normalize(new Vector3(1, -2, 2)) })
            Assert.Equal(a + 2f / 3 * b * n.Z, sh.Irradiance(n).X, 3);

        // Rendered sphere (white, linear output): pixel colour = irradiance at the surface normal seen there.
        var sphere = TestMeshes.Icosphere(5, 5f);
        var cam = new PinholeCamera(101, 101, 400, 400);
        var pose = new RigidTransform(Quaternion.Identity, new Vector3(0, 0, 40));
        var img = MeshRenderer.Render(sphere, cam, pose, [new RenderMaterial()], default, Linear with { Lighting = sh, CullBackFaces = true }).Color;
        foreach (var (px, py) in new[] { (50, 50), (30, 50), (50, 75), (68, 35) })
        {
            // Normal at the visible sphere point under the pixel.
            var dir = Vector3.Normalize(cam.Unproject(new Vector2(px, py), 1));
            var centre = new Vector3(0, 0, 40);
            float tc = Vector3.Dot(dir, centre), disc = tc * tc - (centre.LengthSquared() - 25);
            Assert.True(disc > 0);
            var hit = dir * (tc - MathF.Sqrt(disc));
            var n = Vector3.Normalize(hit - centre);
            float expected = a + 2f / 3 * b * n.Z;
            Assert.Equal(expected * 255, img.Pixels[(py * 101 + px) * 3], 2.5);
        }
    }

    static TriangleMesh Merge(TriangleMesh m1, TriangleMesh m2) =>
        new([.. m1.Positions, .. m2.Positions], [.. m1.Triangles, .. m2.Triangles.Select(i => i + m1.Positions.Length)]);

    /// <summary>Camera-facing square (CCW seen from outside = facing -z) of half-size h at depth z.</summary>
    static TriangleMesh Facing(float h, float z, float x = 0) => new([new(x - h, -h, z), new(x - h, h, z), new(x + h, h, z), new(x + h, -h, z)], [0, 1, 2, 0, 2, 3]);

    [Fact]
    public void DepthBufferAndVisibilityFollowOcclusion()
    {
        var cam = new PinholeCamera(64, 64, 100, 100);
        var mesh = Merge(Facing(1, 10), Facing(3, 20));    // small near square in front of a large far one
        var r = MeshRenderer.Render(mesh, cam, RigidTransform.Identity, [new RenderMaterial()], default, Linear with { Supersampling = 2, CullBackFaces = true });
        Assert.Equal(10f, r.Depth[32 * 64 + 32], 4);
        Assert.Equal(20f, r.Depth[32 * 64 + 20], 4);     // x = -2.3 cm at the far square, beside the near one
        var n = new Vector3(0, 0, -1);
        Assert.True(r.IsVisible(new Vector3(0.5f, 0.2f, 10), n));
        Assert.False(r.IsVisible(new Vector3(0.5f, 0.2f, 20), n));          // behind the near square
        Assert.True(r.IsVisible(new Vector3(2.5f, 0.2f, 20), n));           // far square beside it
        Assert.False(r.IsVisible(new Vector3(0.5f, 0.2f, 10), -n));         // back-facing
        Assert.False(r.IsVisible(new Vector3(30f, 0, 20), n));              // outside the image
        Assert.Equal(255, r.Mask.Pixels[32 * 64 + 32]);
        Assert.Equal(0, r.Mask.Pixels[0]);
        Assert.True(float.IsPositiveInfinity(r.Depth[0]));
    }

    [Fact]
    public void SmallTrianglesDrawnAfterAnOccluderAreSkippedOnlyWhenWhollyBehindIt()
    {
        // A far square first, then 3 x 3 pixel squares (small enough for the early hidden-triangle test): one 0.01 %
        // in front of it (still drawn), one 0.01 % behind (hidden), one half over the background (drawn there).
        var cam = new PinholeCamera(64, 64, 100, 100);
        var mats = new[] { new RenderMaterial { Color = new(0, 1, 0) }, new RenderMaterial { Color = new(1, 0, 0) } };
        int[] triMats = [0, 0, 1, 1];
        var settings = Linear with { CullBackFaces = true };
        var far = MeshRenderer.Render(Merge(Facing(3, 20), Facing(0.3f, 25, 10)), cam, RigidTransform.Identity, mats, triMats, settings);
        var front = MeshRenderer.Render(Merge(Facing(3, 20), Facing(0.3f, 20 * (1 - 1e-4f))), cam, RigidTransform.Identity, mats, triMats, settings);
        var behind = MeshRenderer.Render(Merge(Facing(3, 20), Facing(0.3f, 20 * (1 + 1e-4f))), cam, RigidTransform.Identity, mats, triMats, settings);
        var edge = MeshRenderer.Render(Merge(Facing(3, 20), Facing(0.3f, 25, 3.75f)), cam, RigidTransform.Identity, mats, triMats, settings);
        int centre = (32 * 64 + 32) * 3;
        Assert.Equal([255, 0, 0], front.Color.Pixels[centre..(centre + 3)]);
        Assert.Equal(far.Color.Pixels, behind.Color.Pixels);
        Assert.Equal(far.Depth, behind.Depth);
        // Principal point 31.5: the far square ends at pixel x 46.5, the small one covers 45.3..47.7.
        int outside = (32 * 64 + 47) * 3;                      // just right of the far square's edge
        Assert.Equal([255, 0, 0], edge.Color.Pixels[outside..(outside + 3)]);
        int covered = (32 * 64 + 46) * 3;                      // just inside it: the far square is nearer
        Assert.Equal([0, 255, 0], edge.Color.Pixels[covered..(covered + 3)]);
    }

    [Fact]
    public void BlendedMaterialsCompositeOverOpaqueOnesWithoutWritingDepth()
    {
        var cam = new PinholeCamera(32, 32, 50, 50);
        var mesh = Merge(Facing(1, 10), Facing(3, 20));
        var mats = new[] { new RenderMaterial { Color = new(1, 0, 0), Opacity = 0.5f, InMask = false }, new RenderMaterial { Color = new(0, 1, 0) } };
        var r = MeshRenderer.Render(mesh, cam, RigidTransform.Identity, mats, [0, 0, 1, 1], Linear with { CullBackFaces = true });
        int o = (16 * 32 + 16) * 3;
        Assert.Equal(128, r.Color.Pixels[o], 1.0);       // half red over green
        Assert.Equal(128, r.Color.Pixels[o + 1], 1.0);
        Assert.Equal(20f, r.Depth[16 * 32 + 16], 4);      // the transparent square does not write depth
        Assert.True(r.IsVisible(new Vector3(0, 0, 20), new Vector3(0, 0, -1)));
        // Drawn in the opposite mesh order, the blend is the same (blended triangles come after the opaque pass).
        var swapped = MeshRenderer.Render(Merge(Facing(3, 20), Facing(1, 10)), cam, RigidTransform.Identity, mats, [1, 1, 0, 0], Linear with { CullBackFaces = true });
        Assert.Equal(r.Color.Pixels, swapped.Color.Pixels);
    }

    [Fact]
    public void BlendedSurfacesOverTheBackgroundCompositeWithoutSupersampling()
    {
        var cam = new PinholeCamera(32, 32, 50, 50);
        var mats = new[] { new RenderMaterial { Color = new(1, 0, 0), Opacity = 0.5f } };
        var r = MeshRenderer.Render(Facing(1, 10), cam, RigidTransform.Identity, mats, default, Linear);
        int o = (16 * 32 + 16) * 3;
        Assert.Equal(new[] { 128, 0, 128 }, r.Color.Pixels[o..(o + 3)].Select(b => (int)b).ToArray(), new ToleranceComparer(1));
        Assert.Equal(new byte[] { 0, 0, 255 }, r.Color.Pixels[..3]);                       // untouched background
        Assert.Equal(0, r.Mask.Pixels[16 * 32 + 16]);                          // blended: no mask, no depth
        Assert.True(float.IsPositiveInfinity(r.Depth[16 * 32 + 16]));
        // A background image shows where nothing opaque is drawn, and under the blended square.
        var bg = new Image8(32, 32, 3);
        for (int i = 0; i < bg.Pixels.Length; i += 3) bg.Pixels[i + 1] = 200;
        var withImage = MeshRenderer.Render(Facing(1, 10), cam, RigidTransform.Identity, mats, default, Linear with { BackgroundImage = bg });
        Assert.Equal(new byte[] { 0, 200, 0 }, withImage.Color.Pixels[..3]);
        Assert.Equal(new[] { 128, 100, 0 }, withImage.Color.Pixels[o..(o + 3)].Select(b => (int)b).ToArray(), new ToleranceComparer(1));
    }

    [Fact]
    public void ReusedScratchBuffersDoNotLeakBetweenRenders()
    {
        // Renders reuse per-thread scratch arrays: a larger mesh in between must not change a smaller one's result.
        var cam = new PinholeCamera(48, 40, 60, 60);
        var small = Merge(Facing(1, 10), Facing(3, 20, 1));
        var big = TestMeshes.Icosphere(4, 5f);
        var mats = new[] { new RenderMaterial(), new RenderMaterial { Color = new(0, 1, 0), Opacity = 0.5f } };
        var settings = Linear with { CullBackFaces = true, Supersampling = 2 };
        var first = MeshRenderer.Render(small, cam, RigidTransform.Identity, mats, [0, 0, 1, 1], settings);
        MeshRenderer.Render(big, cam, new RigidTransform(Quaternion.Identity, new Vector3(0, 0, 15)), mats, default, settings);
        var again = MeshRenderer.Render(small, cam, RigidTransform.Identity, mats, [0, 0, 1, 1], settings);
        Assert.Equal(first.Color.Pixels, again.Color.Pixels);
        Assert.Equal(first.Depth, again.Depth);
        Assert.Equal(first.Mask.Pixels, again.Mask.Pixels);
    }

    sealed class ToleranceComparer(int tolerance) : IEqualityComparer<int>
    {
        public bool Equals(int a, int b) => Math.Abs(a - b) <= tolerance;
        public int GetHashCode(int v) => 0;
    }

    [Fact]
    public void OutputDoesNotDependOnThreadCount()
    {
        var sphere = TestMeshes.Icosphere(4, 5f);
        var uvMesh = new TriangleMesh(sphere.Positions, sphere.Triangles)
        {
            Uvs = sphere.Positions.Select(p => new Vector2(0.5f + p.X / 10, 0.5f + p.Y / 10)).ToArray(),
            UvTriangles = sphere.Triangles,
        };
        var cam = new PinholeCamera(96, 80, 150, 150);
        var pose = RigidTransform.LookAtFace(30, 20, 10, 0);
        var mats = new[] { new RenderMaterial { Texture = GradientTexture(), Specular = 0.3f } };
        var settings = new MeshRenderSettings { Light = new DirectionalLight(new(1, -1, -1), new(0.5f), new(0.5f)), MaxDegreeOfParallelism = 1 };
        var one = MeshRenderer.Render(uvMesh, cam, pose, mats, default, settings);
        var all = MeshRenderer.Render(uvMesh, cam, pose, mats, default, settings with { MaxDegreeOfParallelism = -1 });
        Assert.Equal(one.Color.Pixels, all.Color.Pixels);
        Assert.Equal(one.Depth, all.Depth);
        Assert.Equal(one.Mask.Pixels, all.Mask.Pixels);
    }

    [Fact]
    public void BadInputIsRejected()
    {
        var mesh = TestMeshes.Icosphere(1);
        var cam = new PinholeCamera(16, 16, 20, 20);
        var pose = new RigidTransform(Quaternion.Identity, new Vector3(0, 0, 5));
        Assert.Throws<InvalidInputException>(() => MeshRenderer.Render(mesh, cam, pose, []));
        Assert.Throws<InvalidInputException>(() => MeshRenderer.Render(mesh, cam, pose, [new RenderMaterial()], new int[mesh.TriangleCount - 1]));
        Assert.Throws<InvalidInputException>(() => MeshRenderer.Render(mesh, cam, pose, [new RenderMaterial()], Enumerable.Repeat(1, mesh.TriangleCount).ToArray()));
        Assert.Throws<InvalidInputException>(() => MeshRenderer.Render(mesh, cam, pose, [new RenderMaterial { Opacity = 2 }]));
        Assert.Throws<InvalidInputException>(() => MeshRenderer.Render(mesh, cam, pose, [new RenderMaterial()], default, new MeshRenderSettings { BackgroundImage = new Image8(8, 8, 3) }));
        Assert.Throws<InvalidInputException>(() => new SphericalHarmonicsLighting(new Vector3[4]));
        Assert.Throws<InvalidInputException>(() => new SphericalHarmonicsLighting(Enumerable.Repeat(new Vector3(float.NaN), 9).ToArray()));
    }

    [Fact]
    public void VertexVisibilitySeesTheFrontHemisphereOfASphere()
    {
        var sphere = TestMeshes.Icosphere(3, 5f);
        var cam = new PinholeCamera(128, 128, 300, 300);
        var pose = new RigidTransform(Quaternion.Identity, new Vector3(0, 0, 40));
        var r = MeshRenderer.Render(sphere, cam, pose, [new RenderMaterial()], default, Linear with { Supersampling = 2, CullBackFaces = true });
        var p = sphere.Positions.Select(pose.Apply).ToArray();
        var n = sphere.ComputeVertexNormals();
        var visible = new bool[p.Length];
        r.ComputeVisibility(p, n, visible);
        int checkedCount = 0;
        for (int i = 0; i < p.Length; i++)
        {
            // Seen from (0, 0, 0): the visible cap is where the normal points back toward the camera, with a margin.
            float c = Vector3.Dot(n[i], Vector3.Normalize(-p[i]));
            if (c > 0.15f) { Assert.True(visible[i], $"front vertex {i} (cos {c}) hidden"); checkedCount++; }
            if (c < -0.15f) { Assert.False(visible[i], $"back vertex {i} (cos {c}) visible"); checkedCount++; }
        }
        Assert.True(checkedCount > p.Length * 3 / 4);
        Assert.Throws<InvalidInputException>(() => r.ComputeVisibility(p, n.AsSpan(1), visible));
    }
}
