using System.Numerics;
using DenseFace.Geometry;
using DenseFace.Imaging;

namespace DenseFace.Rendering;

/// <summary>
/// A small CPU rasteriser for sanity pictures of a mesh: z-buffered triangles with the top-left fill rule on
/// an s x s supersampled grid (box-filtered), smooth vertex normals interpolated perspective-correctly per
/// sample, Lambert + ambient + Blinn-Phong shading under one directional light, optional back-face culling.
/// <para>
/// Geometry: vertices go model -> camera with a <see cref="RigidTransform"/>, then through the
/// <see cref="PinholeCamera"/> (OpenCV axes). Pixel (i, j) is the area centred on (i, j) in the 0-based
/// pixel-centre convention; with supersampling its samples sit at i + (k + 0.5)/s - 0.5. Sample positions are
/// tested against edges in 24.8 fixed point, so shared edges are covered exactly once (no cracks, no double
/// hits). There is no clipping: a triangle with a vertex at z &lt;= 0.001 (camera units) or projecting more than
/// about 10^6 samples off-image is skipped, which is fine for a model in front of the camera.
/// </para>
/// Work is split into horizontal bands of pixel rows rendered in parallel; each band processes triangles in
/// mesh order, so the picture does not depend on the thread count.
/// </summary>
public static class SimpleRenderer
{
    const int SubBits = 8;
    const int BandPixelRows = 8;
    const float NearZ = 1e-3f;
    const float GuardSamples = 1 << 20;

    /// <summary>
    /// Renders <paramref name="mesh"/> placed by <paramref name="modelToCamera"/> into an RGB image of the camera's size.
    /// Only <see cref="TriangleMesh.Positions"/> are drawn: morph targets are not applied (evaluate the expression first).
    /// </summary>
    /// <exception cref="InvalidInputException">Bad options, an uninitialised camera, or non-finite vertex positions.</exception>
    public static Image8 Render(TriangleMesh mesh, in PinholeCamera camera, in RigidTransform modelToCamera, RenderOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(mesh);
        options ??= new RenderOptions();
        if (!camera.IsValid) throw new InvalidInputException("camera", "camera is uninitialised (zero size or focal length)");
        var shading = Shading.Create(options);
        int s = options.Supersampling;
        int sw = camera.Width * s, sh = camera.Height * s;

        // Vertices: camera space, rotated normals, fixed-point sample-grid coordinates.
        int n = mesh.Positions.Length;
        var cam = new Vector3[n];
        var normals = mesh.ComputeVertexNormals();
        var fxp = new int[n]; var fyp = new int[n]; var usable = new bool[n];
        float fx = camera.Fx * s, fy = camera.Fy * s, cx = (camera.Cx + 0.5f) * s - 0.5f, cy = (camera.Cy + 0.5f) * s - 0.5f;
        var pose = modelToCamera;
        for (int i = 0; i < n; i++)
        {
            var p = pose.Apply(mesh.Positions[i]);
            if (!float.IsFinite(p.X) || !float.IsFinite(p.Y) || !float.IsFinite(p.Z))
                throw new InvalidInputException(nameof(mesh), $"vertex {i} is not finite ({mesh.Positions[i]})");
            cam[i] = p;
            normals[i] = pose.ApplyRotation(normals[i]);
            if (p.Z <= NearZ) continue;
            float x = fx * p.X / p.Z + cx, y = fy * p.Y / p.Z + cy;
            if (MathF.Abs(x) > GuardSamples || MathF.Abs(y) > GuardSamples) continue;
            fxp[i] = (int)MathF.Round(x * (1 << SubBits));
            fyp[i] = (int)MathF.Round(y * (1 << SubBits));
            usable[i] = true;
        }

        var tris = Setup(mesh.Triangles, fxp, fyp, usable, sw, sh, options.CullBackFaces);
        var scene = new Scene(cam, normals, fxp, fyp, tris, shading, sw, s);
        var image = new Image8(camera.Width, camera.Height, 3);
        int height = camera.Height;
        int bands = (height + BandPixelRows - 1) / BandPixelRows;
        int bandSamples = sw * BandPixelRows * s;
        Parallel.For(0, bands, new ParallelOptions { MaxDegreeOfParallelism = options.MaxDegreeOfParallelism },
            () => new BandBuffers(bandSamples),
            (band, _, buffers) => { scene.RenderBand(band * BandPixelRows, Math.Min(height, (band + 1) * BandPixelRows), buffers, image); return buffers; },
            _ => { });
        return image;
    }

    /// <summary>
    /// Renders a square portrait of the whole mesh: the camera (focal length 2 x <paramref name="size"/>, about a
    /// 28 degree field of view) looks at the centre of the mesh's bounding box from a distance at which the sphere
    /// around that centre enclosing every vertex fills 90% of the image, whatever the rotation. A y-up model (ICT-FaceKit) appears upright;
    /// the angles follow <see cref="RigidTransform"/> (positive yaw turns the face toward the image right).
    /// </summary>
    public static Image8 RenderPortrait(TriangleMesh mesh, int size, float yawDeg, float pitchDeg, float rollDeg, RenderOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(mesh);
        Image8.Validate(size, size, 3, nameof(size));
        foreach (var a in new[] { yawDeg, pitchDeg, rollDeg })
            if (!float.IsFinite(a)) throw new InvalidInputException("angles", $"angle {a} is not finite");
        if (mesh.Positions.Length == 0) throw new InvalidInputException(nameof(mesh), "mesh has no vertices");
        var lo = new Vector3(float.PositiveInfinity); var hi = new Vector3(float.NegativeInfinity);
        foreach (var p in mesh.Positions) { lo = Vector3.Min(lo, p); hi = Vector3.Max(hi, p); }
        if (!float.IsFinite(lo.X + lo.Y + lo.Z + hi.X + hi.Y + hi.Z))
            throw new InvalidInputException(nameof(mesh), "vertex positions are not finite");
        var centre = (lo + hi) / 2;
        float radius = 0;
        foreach (var p in mesh.Positions) radius = MathF.Max(radius, Vector3.Distance(p, centre));
        radius = MathF.Max(radius, 1e-3f);
        float f = 2f * size;
        float k = 0.45f * size / f;                                  // tan of the half-angle the sphere may subtend
        float distance = radius * MathF.Sqrt(1 + 1 / (k * k));       // sphere tangent cone has tan = r / sqrt(d^2 - r^2)
        var camera = new PinholeCamera(size, size, f, f);
        return Render(mesh, camera, RigidTransform.LookAtFace(distance, yawDeg, pitchDeg, rollDeg, centre), options);
    }

    /// <summary>A rasterisable triangle: indices ordered so the fixed-point signed area is positive, sample bounding box.</summary>
    struct Tri
    {
        public int I0, I1, I2, MinX, MaxX, MinY, MaxY;
        public bool BackFacing;
    }

    static Tri[] Setup(int[] indices, int[] fxp, int[] fyp, bool[] usable, int sw, int sh, bool cull)
    {
        var list = new List<Tri>(indices.Length / 3);
        for (int t = 0; t < indices.Length; t += 3)
        {
            int a = indices[t], b = indices[t + 1], c = indices[t + 2];
            if (!usable[a] || !usable[b] || !usable[c]) continue;
            long area = (long)(fxp[b] - fxp[a]) * (fyp[c] - fyp[a]) - (long)(fyp[b] - fyp[a]) * (fxp[c] - fxp[a]);
            if (area == 0) continue;
            // With y down, a counter-clockwise (outward) triangle facing the camera has negative area here.
            bool back = area > 0;
            if (back && cull) continue;
            if (!back) (b, c) = (c, b);
            int minX = Math.Max(0, CeilSample(Math.Min(fxp[a], Math.Min(fxp[b], fxp[c]))));
            int maxX = Math.Min(sw - 1, Math.Max(fxp[a], Math.Max(fxp[b], fxp[c])) >> SubBits);
            int minY = Math.Max(0, CeilSample(Math.Min(fyp[a], Math.Min(fyp[b], fyp[c]))));
            int maxY = Math.Min(sh - 1, Math.Max(fyp[a], Math.Max(fyp[b], fyp[c])) >> SubBits);
            if (minX > maxX || minY > maxY) continue;
            list.Add(new Tri { I0 = a, I1 = b, I2 = c, MinX = minX, MaxX = maxX, MinY = minY, MaxY = maxY, BackFacing = back });
        }
        return list.ToArray();
    }

    static int CeilSample(int fixedCoord) => (fixedCoord + (1 << SubBits) - 1) >> SubBits;

    sealed class BandBuffers(int samples)
    {
        public readonly float[] InvDepth = new float[samples];
        public readonly int[] Triangle = new int[samples];
        public readonly float[] B1 = new float[samples];
        public readonly float[] B2 = new float[samples];
    }

    readonly record struct Shading(Vector3 Background, Vector3 Albedo, Vector3 Light, float Ambient, float Diffuse, float Specular, float Shininess)
    {
        public static Shading Create(RenderOptions o)
        {
            if (o.Supersampling is < 1 or > 4)
                throw new InvalidInputException(nameof(RenderOptions.Supersampling), $"{o.Supersampling} samples per side (expected 1 to 4)");
            if (o.MaxDegreeOfParallelism == 0 || o.MaxDegreeOfParallelism < -1)
                throw new InvalidInputException(nameof(RenderOptions.MaxDegreeOfParallelism), $"{o.MaxDegreeOfParallelism} (expected -1 or a positive count)");
            foreach (var (name, v) in new[] { (nameof(o.Background), o.Background), (nameof(o.Albedo), o.Albedo) })
                if (!float.IsFinite(v.X) || !float.IsFinite(v.Y) || !float.IsFinite(v.Z))
                    throw new InvalidInputException(name, $"colour {v} is not finite");
            float len = o.LightDirection.Length();
            if (!float.IsFinite(len) || len < 1e-12f)
                throw new InvalidInputException(nameof(RenderOptions.LightDirection), $"direction {o.LightDirection} is zero or not finite");
            foreach (var (name, v) in new[] { (nameof(o.Ambient), o.Ambient), (nameof(o.Diffuse), o.Diffuse), (nameof(o.Specular), o.Specular), (nameof(o.Shininess), o.Shininess) })
                if (!float.IsFinite(v) || v < 0) throw new InvalidInputException(name, $"{v} must be finite and non-negative");
            return new Shading(o.Background, o.Albedo, o.LightDirection / len, o.Ambient, o.Diffuse, o.Specular, o.Shininess);
        }
    }

    sealed class Scene(Vector3[] cam, Vector3[] normals, int[] fxp, int[] fyp, Tri[] tris, Shading shading, int sw, int s)
    {
        public void RenderBand(int pixelRow0, int pixelRow1, BandBuffers buf, Image8 image)
        {
            int sy0 = pixelRow0 * s, sy1 = pixelRow1 * s - 1;
            int used = (sy1 - sy0 + 1) * sw;
            buf.InvDepth.AsSpan(0, used).Clear();
            buf.Triangle.AsSpan(0, used).Fill(-1);
            for (int t = 0; t < tris.Length; t++)
            {
                ref readonly var tri = ref tris[t];
                if (tri.MaxY < sy0 || tri.MinY > sy1) continue;
                Rasterise(t, tri, Math.Max(tri.MinY, sy0), Math.Min(tri.MaxY, sy1), sy0, buf);
            }
            Resolve(pixelRow0, pixelRow1, buf, image);
        }

        void Rasterise(int t, in Tri tri, int y0, int y1, int bandTop, BandBuffers buf)
        {
            long x0 = fxp[tri.I0], y0f = fyp[tri.I0], x1 = fxp[tri.I1], y1f = fyp[tri.I1], x2 = fxp[tri.I2], y2f = fyp[tri.I2];
            long area = (x1 - x0) * (y2f - y0f) - (y1f - y0f) * (x2 - x0);
            float invArea = (float)(1.0 / area);
            float iz0 = 1 / cam[tri.I0].Z, iz1 = 1 / cam[tri.I1].Z, iz2 = 1 / cam[tri.I2].Z;
            // Edge k is opposite vertex k; E(p) = (b - a) x (p - a) is positive inside (area > 0).
            long px = (long)tri.MinX << SubBits, py = (long)y0 << SubBits;
            long e0Row = Edge(x1, y1f, x2, y2f, px, py), e1Row = Edge(x2, y2f, x0, y0f, px, py), e2Row = Edge(x0, y0f, x1, y1f, px, py);
            long b0 = TopLeftBias(x1, y1f, x2, y2f), b1 = TopLeftBias(x2, y2f, x0, y0f), b2 = TopLeftBias(x0, y0f, x1, y1f);
            long dx0 = -(y2f - y1f) << SubBits, dx1 = -(y0f - y2f) << SubBits, dx2 = -(y1f - y0f) << SubBits;
            long dy0 = (x2 - x1) << SubBits, dy1 = (x0 - x2) << SubBits, dy2 = (x1 - x0) << SubBits;
            var depth = buf.InvDepth; var ids = buf.Triangle; var bb1 = buf.B1; var bb2 = buf.B2;
            for (int y = y0; y <= y1; y++, e0Row += dy0, e1Row += dy1, e2Row += dy2)
            {
                long e0 = e0Row, e1 = e1Row, e2 = e2Row;
                int row = (y - bandTop) * sw;
                for (int x = tri.MinX; x <= tri.MaxX; x++, e0 += dx0, e1 += dx1, e2 += dx2)
                {
                    if (((e0 + b0) | (e1 + b1) | (e2 + b2)) < 0) continue;
                    float l1 = e1 * invArea, l2 = e2 * invArea, l0 = 1 - l1 - l2;
                    float invZ = l0 * iz0 + l1 * iz1 + l2 * iz2;
                    int idx = row + x;
                    if (invZ <= depth[idx]) continue;
                    depth[idx] = invZ; ids[idx] = t; bb1[idx] = l1; bb2[idx] = l2;
                }
            }
        }

        static long Edge(long ax, long ay, long bx, long by, long px, long py) => (bx - ax) * (py - ay) - (by - ay) * (px - ax);

        /// <summary>0 for top edges (horizontal, interior below) and left edges (going up in y-down coordinates), else -1: samples exactly on other edges are left to the neighbour.</summary>
        static long TopLeftBias(long ax, long ay, long bx, long by) => (ay == by && bx > ax) || by < ay ? 0 : -1;

        void Resolve(int pixelRow0, int pixelRow1, BandBuffers buf, Image8 image)
        {
            int width = sw / s;
            float norm = 1f / (s * s);
            var px = image.Pixels;
            for (int py = pixelRow0; py < pixelRow1; py++)
            {
                int sampleRow0 = (py - pixelRow0) * s;
                for (int x = 0; x < width; x++)
                {
                    var sum = Vector3.Zero;
                    for (int j = 0; j < s; j++)
                    {
                        int baseIdx = (sampleRow0 + j) * sw + x * s;
                        for (int i = 0; i < s; i++)
                        {
                            int idx = baseIdx + i;
                            int t = buf.Triangle[idx];
                            sum += t < 0 ? shading.Background : Shade(tris[t], buf.B1[idx], buf.B2[idx]);
                        }
                    }
                    var c = Vector3.Clamp(sum * norm, Vector3.Zero, Vector3.One) * 255f + new Vector3(0.5f);
                    int o = (py * width + x) * 3;
                    px[o] = (byte)c.X; px[o + 1] = (byte)c.Y; px[o + 2] = (byte)c.Z;
                }
            }
        }

        Vector3 Shade(in Tri tri, float l1, float l2)
        {
            float l0 = 1 - l1 - l2;
            Vector3 p0 = cam[tri.I0], p1 = cam[tri.I1], p2 = cam[tri.I2];
            // Perspective-correct weights: screen barycentrics divided by depth.
            float w0 = l0 / p0.Z, w1 = l1 / p1.Z, w2 = l2 / p2.Z;
            var position = (w0 * p0 + w1 * p1 + w2 * p2) / (w0 + w1 + w2);
            var view = Vector3.Normalize(-position);
            var nrm = w0 * normals[tri.I0] + w1 * normals[tri.I1] + w2 * normals[tri.I2];
            float len = nrm.Length();
            nrm = len > 1e-20f ? nrm / len : view;
            if (tri.BackFacing) nrm = -nrm;
            float diffuse = MathF.Max(0, Vector3.Dot(nrm, shading.Light));
            float spec = 0;
            if (diffuse > 0 && shading.Specular > 0)
            {
                var h = shading.Light + view;
                float hl = h.Length();
                if (hl > 1e-6f) spec = shading.Specular * MathF.Pow(MathF.Max(0, Vector3.Dot(nrm, h) / hl), shading.Shininess);
            }
            return shading.Albedo * (shading.Ambient + shading.Diffuse * diffuse) + new Vector3(spec);
        }
    }
}
