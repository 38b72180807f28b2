using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using DenseFace.Geometry;
using DenseFace.Imaging;

namespace DenseFace.Rendering;

/// <summary>
/// CPU rasteriser for textured meshes: z-buffered triangles with the top-left fill rule on an s x s supersampled
/// grid (box-filtered), perspective-correct interpolation of UVs and smooth vertex normals, bilinear texture
/// sampling, spherical-harmonics environment light + Lambert and Blinn-Phong (Schlick's power approximation) terms of one directional light, a
/// blended pass for transparent materials (back to front, after the opaque ones), and a depth buffer and face mask
/// for visibility labels.
/// <para>
/// Geometry: vertices go model -> camera with a <see cref="RigidTransform"/>, then through the
/// <see cref="PinholeCamera"/> (OpenCV axes). Pixel (i, j) is the area centred on (i, j) in the 0-based
/// pixel-centre convention; with supersampling its samples sit at i + (k + 0.5)/s - 0.5. Sample positions are
/// tested against edges in 24.8 fixed point, so shared edges are covered exactly once (no cracks, no double
/// hits). There is no clipping: a triangle with a vertex at z &lt;= 0.001 (camera units) or projecting more than
/// about 10^6 samples off-image is skipped, which is fine for a model in front of the camera.
/// </para>
/// <para>
/// Shading is deferred: the opaque pass keeps the nearest triangle and its barycentrics per sample, then each
/// pixel shades every distinct material among its samples once (at the first such sample, as multisampling does)
/// and blended triangles are composited per sample. Work is split into bands of 16 sample rows rendered in parallel;
/// triangles are binned to bands in mesh order, so the output does not depend on the thread count. Scratch
/// buffers are kept per calling thread and reused, so a steady stream of renders allocates only the results.
/// </para>
/// </summary>
public static class MeshRenderer
{
    const int SubBits = 8;
    /// <summary>Sample rows per band (8 pixel rows at 2x2, 16 without supersampling): fewer triangles straddle two bands.</summary>
    const int BandSampleRows = 16;
    const float NearZ = 1e-3f;
    const float GuardSamples = 1 << 20;
    /// <summary>Largest bounding box (in samples) that is tested against the depth buffer before rasterising; bigger triangles are rarely hidden whole.</summary>
    const int HiddenTestMaxSamples = 64;

    /// <summary>
    /// Renders <paramref name="mesh"/> placed by <paramref name="modelToCamera"/>. Triangle t uses
    /// <paramref name="materials"/>[<paramref name="triangleMaterials"/>[t]] (all material 0 when
    /// <paramref name="triangleMaterials"/> is empty). UVs come from <see cref="TriangleMesh.Uvs"/> /
    /// <see cref="TriangleMesh.UvTriangles"/>; without them textures are sampled at UV (0, 0).
    /// </summary>
    /// <exception cref="InvalidInputException">Bad settings or materials, an uninitialised camera, non-finite vertices, or a material index out of range.</exception>
    public static RenderResult Render(TriangleMesh mesh, in PinholeCamera camera, in RigidTransform modelToCamera,
        IReadOnlyList<RenderMaterial> materials, ReadOnlySpan<int> triangleMaterials = default, MeshRenderSettings? settings = null)
    {
        ArgumentNullException.ThrowIfNull(mesh);
        ArgumentNullException.ThrowIfNull(materials);
        settings ??= new MeshRenderSettings();
        if (!camera.IsValid) throw new InvalidInputException("camera", "camera is uninitialised (zero size or focal length)");
        settings.Validate(camera.Width, camera.Height);
        if (materials.Count == 0) throw new InvalidInputException(nameof(materials), "no materials");
        for (int i = 0; i < materials.Count; i++) materials[i].Validate(i);
        if (!triangleMaterials.IsEmpty && triangleMaterials.Length != mesh.TriangleCount)
            throw new InvalidInputException(nameof(triangleMaterials), $"has {triangleMaterials.Length} entries for {mesh.TriangleCount} triangles");
        foreach (int m in triangleMaterials)
            if ((uint)m >= (uint)materials.Count) throw new InvalidInputException(nameof(triangleMaterials), $"material {m} is outside 0..{materials.Count - 1}");
        if (mesh.UvTriangles is { } ut && (mesh.Uvs is null || ut.Length != mesh.Triangles.Length))
            throw new InvalidInputException(nameof(mesh), "UV triangles do not match the triangles or the mesh has no UVs");
        if (mesh.UvTriangles is { } ut2)
            foreach (int u in ut2)
                if ((uint)u >= (uint)mesh.Uvs!.Length) throw new InvalidInputException(nameof(mesh), $"UV index {u} is outside 0..{mesh.Uvs.Length - 1}");

        int s = settings.Supersampling;
        int sw = camera.Width * s, sh = camera.Height * s;
        int n = mesh.Positions.Length;
        var ws = Workspace.Rent();
        var normals = Workspace.Ensure(ref ws.Normals, n);
        mesh.ComputeVertexNormals(normals);
        var screen = Workspace.Ensure(ref ws.Screen, n);
        var shading = Workspace.Ensure(ref ws.Shading, n);
        float fx = camera.Fx * s, fy = camera.Fy * s, cx = (camera.Cx + 0.5f) * s - 0.5f, cy = (camera.Cy + 0.5f) * s - 0.5f;
        var pose = modelToCamera;
        for (int i = 0; i < n; i++)
        {
            var p = pose.Apply(mesh.Positions[i]);
            if (!float.IsFinite(p.X) || !float.IsFinite(p.Y) || !float.IsFinite(p.Z))
                throw new InvalidInputException(nameof(mesh), $"vertex {i} is not finite ({mesh.Positions[i]})");
            ref var sv = ref screen[i];
            sv.Usable = false;
            float iz = p.Z > NearZ ? 1 / p.Z : 0;
            shading[i] = new ShadeVertex { Cam = p, InvZ = iz, Normal = pose.ApplyRotation(normals[i]) };
            if (p.Z <= NearZ) continue;
            sv.InvZ = iz;
            float x = fx * p.X * iz + cx, y = fy * p.Y * iz + cy;
            if (MathF.Abs(x) > GuardSamples || MathF.Abs(y) > GuardSamples) continue;
            sv.X = (int)MathF.Round(x * (1 << SubBits));
            sv.Y = (int)MathF.Round(y * (1 << SubBits));
            sv.Usable = true;
        }

        var (opaqueCount, blendedCount) = Setup(mesh, triangleMaterials, materials, ws, sw, sh, settings.CullBackFaces);
        int height = camera.Height;
        int bandPixelRows = Math.Max(1, BandSampleRows / s);
        int bands = (height + bandPixelRows - 1) / bandPixelRows;
        int bandSampleRows = bandPixelRows * s;
        var opaque = ws.Opaque; var blended = ws.Blended;
        var bandOf = Workspace.Ensure(ref ws.BandOf, sh).AsSpan(0, sh);
        for (int y = 0; y < sh; y++) bandOf[y] = y / bandSampleRows;
        var opaqueBins = Bin(opaque.AsSpan(0, opaqueCount), bands, bandOf, ref ws.OpaqueBinStart, ref ws.OpaqueBinIndex);
        var blendedBins = Bin(blended.AsSpan(0, blendedCount), bands, bandOf, ref ws.BlendedBinStart, ref ws.BlendedBinIndex);
        var scene = new Scene(screen, shading, mesh.Uvs ?? [Vector2.Zero], opaque, opaqueBins,
            blended, blendedBins, materials.ToArray(), settings, camera.Width, height, s, bandPixelRows);
        var result = new RenderResult(camera, s);
        int bandSamples = sw * bandSampleRows;
        if (settings.MaxDegreeOfParallelism == 1 || bands == 1)
        {
            var buffers = ws.RentBand(bandSamples);
            for (int band = 0; band < bands; band++) scene.RenderBand(band, buffers, result);
            ws.ReturnBand(buffers);
        }
        else
            Parallel.For(0, bands, new ParallelOptions { MaxDegreeOfParallelism = settings.MaxDegreeOfParallelism },
                () => ws.RentBand(bandSamples),
                (band, _, buffers) => { scene.RenderBand(band, buffers, result); return buffers; },
                ws.ReturnBand);
        Workspace.Return(ws);
        return result;
    }

    /// <summary>
    /// Scratch arrays reused across renders on the same thread (one cached per thread, taken out while a render runs),
    /// so the steady state allocates only the <see cref="RenderResult"/>. Arrays only grow; callers use explicit counts.
    /// </summary>
    sealed class Workspace
    {
        [ThreadStatic] static Workspace? t_cached;

        public Vector3[] Normals = [];
        public ScreenVertex[] Screen = [];
        public ShadeVertex[] Shading = [];
        public Tri[] Opaque = [], Blended = [];
        public (float Depth, int Order)[] BlendedKeys = [];
        public int[] BandOf = [], OpaqueBinStart = [], OpaqueBinIndex = [], BlendedBinStart = [], BlendedBinIndex = [];
        readonly Stack<BandBuffers> _bands = new();

        public static Workspace Rent()
        {
            var w = t_cached ?? new Workspace();
            t_cached = null;
            return w;
        }

        public static void Return(Workspace w) => t_cached = w;

        public static T[] Ensure<T>(ref T[] array, int length)
        {
            if (array.Length < length) array = new T[length];
            return array;
        }

        public BandBuffers RentBand(int samples)
        {
            lock (_bands)
                while (_bands.TryPop(out var b))
                    if (b.InvDepth.Length >= samples) return b;
            return new BandBuffers(samples);
        }

        public void ReturnBand(BandBuffers b)
        {
            lock (_bands) _bands.Push(b);
        }
    }

    /// <summary>A vertex on the sample grid (24.8 fixed point) with its 1 / camera z; unusable when behind the near plane or far off-image.</summary>
    struct ScreenVertex
    {
        public int X, Y;
        public float InvZ;
        public bool Usable;
    }

    /// <summary>A vertex's camera-space position, 1 / z (0 behind the near plane) and normal, together in 32 bytes for the shading gathers.</summary>
    struct ShadeVertex
    {
        public Vector3 Cam;
        public float InvZ;
        public Vector3 Normal;
        readonly float _pad;
    }

    /// <summary>A rasterisable triangle: indices ordered so the fixed-point signed area is positive, sample bounding box.</summary>
    struct Tri
    {
        public int I0, I1, I2, U0, U1, U2, Material, MinX, MaxX, MinY, MaxY;
        public bool BackFacing;
    }

    /// <summary>Fills <see cref="Workspace.Opaque"/> and <see cref="Workspace.Blended"/> (sorted back to front) and returns their counts.</summary>
    static (int Opaque, int Blended) Setup(TriangleMesh mesh, ReadOnlySpan<int> triMaterials, IReadOnlyList<RenderMaterial> materials,
        Workspace ws, int sw, int sh, bool cull)
    {
        var indices = mesh.Triangles;
        var uvTris = mesh.UvTriangles;
        var screen = ws.Screen; var shading = ws.Shading;
        int triCount = indices.Length / 3;
        var opaque = Workspace.Ensure(ref ws.Opaque, triCount);
        var blended = Workspace.Ensure(ref ws.Blended, triCount);
        var blendedKeys = Workspace.Ensure(ref ws.BlendedKeys, triCount);
        int opaqueCount = 0, blendedCount = 0;
        Span<bool> isBlended = materials.Count <= 64 ? stackalloc bool[materials.Count] : new bool[materials.Count];
        for (int i = 0; i < isBlended.Length; i++) isBlended[i] = materials[i].IsBlended;
        for (int t = 0, k = 0; t < indices.Length; t += 3, k++)
        {
            int a = indices[t], b = indices[t + 1], c = indices[t + 2];
            ref readonly var va = ref screen[a]; ref readonly var vb = ref screen[b]; ref readonly var vc = ref screen[c];
            if (!(va.Usable & vb.Usable & vc.Usable)) continue;
            long area = (long)(vb.X - va.X) * (vc.Y - va.Y) - (long)(vb.Y - va.Y) * (vc.X - va.X);
            if (area == 0) continue;
            // With y down, a counter-clockwise (outward) triangle facing the camera has negative area here.
            bool back = area > 0;
            if (back && cull) continue;
            int ua = uvTris is null ? 0 : uvTris[t], ub = uvTris is null ? 0 : uvTris[t + 1], uc = uvTris is null ? 0 : uvTris[t + 2];
            if (!back) { (b, c) = (c, b); (ub, uc) = (uc, ub); }
            int minX = Math.Max(0, CeilSample(Math.Min(va.X, Math.Min(vb.X, vc.X))));
            int maxX = Math.Min(sw - 1, Math.Max(va.X, Math.Max(vb.X, vc.X)) >> SubBits);
            int minY = Math.Max(0, CeilSample(Math.Min(va.Y, Math.Min(vb.Y, vc.Y))));
            int maxY = Math.Min(sh - 1, Math.Max(va.Y, Math.Max(vb.Y, vc.Y)) >> SubBits);
            if (minX > maxX || minY > maxY) continue;
            int m = triMaterials.IsEmpty ? 0 : triMaterials[k];
            var tri = new Tri
            {
                I0 = a, I1 = b, I2 = c, U0 = ua, U1 = ub, U2 = uc, Material = m,
                MinX = minX, MaxX = maxX, MinY = minY, MaxY = maxY, BackFacing = back,
            };
            if (isBlended[m])
            {
                // Camera z of the three vertices summed (read only here: opaque triangles need no sort key).
                float sortDepth = shading[a].Cam.Z + shading[b].Cam.Z + shading[c].Cam.Z;
                blendedKeys[blendedCount] = (-sortDepth, blendedCount); blended[blendedCount++] = tri;
            }
            else opaque[opaqueCount++] = tri;
        }
        // Blended triangles back to front (farthest centroid first), mesh order on ties.
        Array.Sort(blendedKeys, blended, 0, blendedCount);
        return (opaqueCount, blendedCount);
    }

    /// <summary>Per band, the triangles overlapping its sample rows, in list order (CSR: start offsets and indices).</summary>
    /// <remarks><paramref name="bandOf"/>[y] is the band of sample row y (a table, so binning divides nothing).</remarks>
    static (int[] Start, int[] Index) Bin(ReadOnlySpan<Tri> tris, int bands, ReadOnlySpan<int> bandOf, ref int[] startBuffer, ref int[] indexBuffer)
    {
        var start = Workspace.Ensure(ref startBuffer, 2 * bands + 1);
        start.AsSpan(0, bands + 1).Clear();
        foreach (ref readonly var t in tris)
            for (int b = bandOf[t.MinY], last = bandOf[t.MaxY]; b <= last; b++) start[b + 1]++;
        for (int b = 0; b < bands; b++) start[b + 1] += start[b];
        var fill = start.AsSpan(bands + 1, bands);
        start.AsSpan(0, bands).CopyTo(fill);
        var index = Workspace.Ensure(ref indexBuffer, start[bands]);
        for (int i = 0; i < tris.Length; i++)
            for (int b = bandOf[tris[i].MinY], last = bandOf[tris[i].MaxY]; b <= last; b++) index[fill[b]++] = i;
        return (start, index);
    }

    static int CeilSample(int fixedCoord) => (fixedCoord + (1 << SubBits) - 1) >> SubBits;

    sealed class BandBuffers(int samples)
    {
        public readonly float[] InvDepth = new float[samples];
        public readonly int[] Triangle = new int[samples];
        public readonly float[] B1 = new float[samples];
        public readonly float[] B2 = new float[samples];
        public readonly Vector3[] Color = new Vector3[samples];
    }

    interface ISampleVisitor
    {
        void Visit(int idx, float l1, float l2, float invZ);
    }

    struct DepthWriter(BandBuffers buf, int triangle) : ISampleVisitor
    {
        readonly float[] _invDepth = buf.InvDepth, _b1 = buf.B1, _b2 = buf.B2;
        readonly int[] _triangle = buf.Triangle;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public readonly void Visit(int idx, float l1, float l2, float invZ)
        {
            ref float d = ref _invDepth[idx];
            if (invZ <= d) return;
            d = invZ; _triangle[idx] = triangle; _b1[idx] = l1; _b2[idx] = l2;
        }
    }

    struct Blender(Scene scene, BandBuffers buf, int triangle) : ISampleVisitor
    {
        public readonly void Visit(int idx, float l1, float l2, float invZ)
        {
            if (invZ <= buf.InvDepth[idx]) return;
            var c = scene.Shade(scene.Blended[triangle], l1, l2, out float alpha);
            buf.Color[idx] += (c - buf.Color[idx]) * alpha;
        }
    }

    sealed class Scene(ScreenVertex[] screen, ShadeVertex[] vertices, Vector2[] uvs,
        Tri[] opaque, (int[] Start, int[] Index) opaqueBins, Tri[] blended, (int[] Start, int[] Index) blendedBins,
        RenderMaterial[] materials, MeshRenderSettings settings, int width, int height, int s, int bandPixelRows)
    {
        public Tri[] Blended => blended;
        readonly int sw = width * s;
        readonly bool _hasLight = settings.Light.HasValue;
        readonly Vector3 _lightDir = settings.Light is { } l ? Vector3.Normalize(l.Direction) : default;
        readonly Vector3 _lightDiffuse = settings.Light?.Diffuse ?? default, _lightSpecular = settings.Light?.Specular ?? default;
        readonly Vector3 _background = settings.Background;
        readonly bool _srgb = settings.Srgb;
        readonly float[] _decode = settings.Srgb ? Srgb.DecodeTable : Srgb.LinearTable;
        readonly ShCoefficients _sh = new(settings.Lighting);
        readonly MaterialData[] _mats = materials.Select(m => new MaterialData(m)).ToArray();
        /// <summary>Mask byte for k of s² samples covered: round(255 k / s²).</summary>
        readonly byte[] _maskLevel = Enumerable.Range(0, s * s + 1).Select(k => (byte)((k * 255 + (s * s) / 2) / (s * s))).ToArray();

        public void RenderBand(int band, BandBuffers buf, RenderResult result)
        {
            int pixelRow0 = band * bandPixelRows, pixelRow1 = Math.Min(height, pixelRow0 + bandPixelRows);
            int sy0 = pixelRow0 * s, sy1 = pixelRow1 * s - 1;
            int used = (sy1 - sy0 + 1) * sw;
            buf.InvDepth.AsSpan(0, used).Clear();
            buf.Triangle.AsSpan(0, used).Fill(-1);
            var idx = opaqueBins.Index;
            for (int k = opaqueBins.Start[band]; k < opaqueBins.Start[band + 1]; k++)
            {
                int t = idx[k];
                ref readonly var tri = ref opaque[t];
                int ry0 = Math.Max(tri.MinY, sy0), ry1 = Math.Min(tri.MaxY, sy1);
                if (Hidden(tri, ry0, ry1, sy0, buf.InvDepth)) continue;
                var v = new DepthWriter(buf, t);
                Rasterise(tri, ry0, ry1, sy0, ref v);
            }
            ShadeSamples(pixelRow0, pixelRow1, buf);
            idx = blendedBins.Index;
            for (int k = blendedBins.Start[band]; k < blendedBins.Start[band + 1]; k++)
            {
                int t = idx[k];
                ref readonly var tri = ref blended[t];
                var v = new Blender(this, buf, t);
                Rasterise(tri, Math.Max(tri.MinY, sy0), Math.Min(tri.MaxY, sy1), sy0, ref v);
            }
            Resolve(pixelRow0, pixelRow1, buf, result);
        }

        void Rasterise<TVisitor>(in Tri tri, int y0, int y1, int bandTop, ref TVisitor visitor) where TVisitor : struct, ISampleVisitor
        {
            ref readonly var v0 = ref screen[tri.I0]; ref readonly var v1 = ref screen[tri.I1]; ref readonly var v2 = ref screen[tri.I2];
            long x0 = v0.X, y0f = v0.Y, x1 = v1.X, y1f = v1.Y, x2 = v2.X, y2f = v2.Y;
            long area = (x1 - x0) * (y2f - y0f) - (y1f - y0f) * (x2 - x0);
            float invArea = 1f / area;
            float iz0 = v0.InvZ, iz1 = v1.InvZ, iz2 = v2.InvZ;
            // Edge k is opposite vertex k; E(p) = (b - a) x (p - a) is positive inside (area > 0).
            long px = (long)tri.MinX << SubBits, py = (long)y0 << SubBits;
            long e0Row = Edge(x1, y1f, x2, y2f, px, py), e1Row = Edge(x2, y2f, x0, y0f, px, py), e2Row = Edge(x0, y0f, x1, y1f, px, py);
            long b0 = TopLeftBias(x1, y1f, x2, y2f), b1 = TopLeftBias(x2, y2f, x0, y0f), b2 = TopLeftBias(x0, y0f, x1, y1f);
            long dx0 = -(y2f - y1f) << SubBits, dx1 = -(y0f - y2f) << SubBits, dx2 = -(y1f - y0f) << SubBits;
            long dy0 = (x2 - x1) << SubBits, dy1 = (x0 - x2) << SubBits, dy2 = (x1 - x0) << SubBits;
            for (int y = y0; y <= y1; y++, e0Row += dy0, e1Row += dy1, e2Row += dy2)
            {
                long e0 = e0Row, e1 = e1Row, e2 = e2Row;
                int row = (y - bandTop) * sw;
                for (int x = tri.MinX; x <= tri.MaxX; x++, e0 += dx0, e1 += dx1, e2 += dx2)
                {
                    if (((e0 + b0) | (e1 + b1) | (e2 + b2)) < 0) continue;
                    float l1 = e1 * invArea, l2 = e2 * invArea, l0 = 1 - l1 - l2;
                    visitor.Visit(row + x, l1, l2, l0 * iz0 + l1 * iz1 + l2 * iz2);
                }
            }
        }

        /// <summary>
        /// True when a small triangle's bounding box (rows <paramref name="y0"/>..<paramref name="y1"/>) lies wholly behind
        /// the depth already stored, so rasterising it would change nothing (mostly the mouth interior behind the lips).
        /// Exact: any interpolated 1/z is a convex combination of the vertices' 1/z, at most max(1/z) · (1 + a few ulps)
        /// after rounding, and the test asks for a stored 1/z above max(1/z) · (1 + 1e-5).
        /// </summary>
        bool Hidden(in Tri tri, int y0, int y1, int bandTop, float[] invDepth)
        {
            int w = tri.MaxX - tri.MinX + 1;
            if (w * (y1 - y0 + 1) > HiddenTestMaxSamples) return false;
            float nearest = MathF.Max(screen[tri.I0].InvZ, MathF.Max(screen[tri.I1].InvZ, screen[tri.I2].InvZ)) * (1 + 1e-5f);
            for (int y = y0; y <= y1; y++)
            {
                var row = invDepth.AsSpan((y - bandTop) * sw + tri.MinX, w);
                foreach (float d in row)
                    if (!(d > nearest)) return false;
            }
            return true;
        }

        static long Edge(long ax, long ay, long bx, long by, long px, long py) => (bx - ax) * (py - ay) - (by - ay) * (px - ax);

        /// <summary>0 for top edges (horizontal, interior below) and left edges (going up in y-down coordinates), else -1: samples exactly on other edges are left to the neighbour.</summary>
        static long TopLeftBias(long ax, long ay, long bx, long by) => (long)(((ay == by) & (bx > ax)) | (by < ay) ? 1u : 0u) - 1;

        /// <summary>
        /// Shades the opaque samples of each pixel into <see cref="BandBuffers.Color"/>, once per distinct material (at
        /// the first sample showing it): inside one material the shading varies smoothly, so this only drops sub-pixel
        /// shading detail, while silhouettes and material boundaries stay anti-aliased.
        /// </summary>
        void ShadeSamples(int pixelRow0, int pixelRow1, BandBuffers buf)
        {
            if (s == 1) { ShadePixels(pixelRow0, pixelRow1, buf); return; }
            Span<int> seen = stackalloc int[16];
            Span<Vector3> seenColor = stackalloc Vector3[16];
            var bgImage = settings.BackgroundImage;
            for (int py = pixelRow0; py < pixelRow1; py++)
            {
                int sampleRow0 = (py - pixelRow0) * s;
                for (int x = 0; x < width; x++)
                {
                    int distinct = 0;
                    var bg = bgImage is null ? _background : Decode(bgImage.Pixels, (py * width + x) * 3);
                    for (int j = 0; j < s; j++)
                    {
                        int baseIdx = (sampleRow0 + j) * sw + x * s;
                        for (int i = 0; i < s; i++)
                        {
                            int idx = baseIdx + i;
                            int t = buf.Triangle[idx];
                            if (t < 0) { buf.Color[idx] = bg; continue; }
                            int k = 0, m = opaque[t].Material;
                            while (k < distinct && seen[k] != m) k++;
                            if (k == distinct)
                            {
                                seen[k] = m; distinct++;
                                seenColor[k] = Shade(opaque[t], buf.B1[idx], buf.B2[idx], out _);
                            }
                            buf.Color[idx] = seenColor[k];
                        }
                    }
                }
            }
        }

        /// <summary><see cref="ShadeSamples"/> without supersampling: one sample per pixel.</summary>
        void ShadePixels(int pixelRow0, int pixelRow1, BandBuffers buf)
        {
            var bgImage = settings.BackgroundImage;
            var triangle = buf.Triangle; var b1 = buf.B1; var b2 = buf.B2; var color = buf.Color;
            int n = (pixelRow1 - pixelRow0) * width;
            if ((uint)n > (uint)triangle.Length || (uint)n > (uint)color.Length || (uint)n > (uint)b1.Length || (uint)n > (uint)b2.Length)
                throw new InvalidOperationException("band buffers too small");
            int pixel0 = pixelRow0 * width;
            for (int idx = 0; idx < n; idx++)
            {
                int t = triangle[idx];
                color[idx] = t >= 0 ? Shade(opaque[t], b1[idx], b2[idx], out _)
                    : bgImage is null ? _background : Decode(bgImage.Pixels, (pixel0 + idx) * 3);
            }
        }

        void Resolve(int pixelRow0, int pixelRow1, BandBuffers buf, RenderResult result)
        {
            if (s == 1) { ResolvePixels(pixelRow0, pixelRow1, buf, result); return; }
            float norm = 1f / (s * s);
            var px = result.Color.Pixels;
            var mask = result.Mask.Pixels;
            var depth = result.Depth;
            var sampleDepth = result.SampleDepth;
            for (int py = pixelRow0; py < pixelRow1; py++)
            {
                int sampleRow0 = (py - pixelRow0) * s;
                for (int x = 0; x < width; x++)
                {
                    var sum = Vector3.Zero;
                    int inMask = 0;
                    float nearest = float.PositiveInfinity;
                    for (int j = 0; j < s; j++)
                    {
                        int baseIdx = (sampleRow0 + j) * sw + x * s;
                        int globalBase = (py * s + j) * sw + x * s;
                        for (int i = 0; i < s; i++)
                        {
                            int idx = baseIdx + i;
                            sum += buf.Color[idx];
                            int t = buf.Triangle[idx];
                            float z = float.PositiveInfinity;
                            if (t >= 0)
                            {
                                z = 1 / buf.InvDepth[idx];
                                if (_mats[opaque[t].Material].InMask) inMask++;
                            }
                            sampleDepth[globalBase + i] = z;
                            nearest = MathF.Min(nearest, z);
                        }
                    }
                    var c = Vector3.Clamp(sum * norm, Vector3.Zero, Vector3.One);
                    int o = (py * width + x) * 3;
                    if (_srgb) { px[o] = Srgb.Encode(c.X); px[o + 1] = Srgb.Encode(c.Y); px[o + 2] = Srgb.Encode(c.Z); }
                    else
                    {
                        c = c * 255f + new Vector3(0.5f);
                        px[o] = (byte)c.X; px[o + 1] = (byte)c.Y; px[o + 2] = (byte)c.Z;
                    }
                    mask[py * width + x] = _maskLevel[inMask];
                    depth[py * width + x] = nearest;
                }
            }
        }

        /// <summary><see cref="Resolve"/> without supersampling: samples are pixels.</summary>
        void ResolvePixels(int pixelRow0, int pixelRow1, BandBuffers buf, RenderResult result)
        {
            var px = result.Color.Pixels;
            var mask = result.Mask.Pixels;
            var depth = result.Depth;
            var sampleDepth = result.SampleDepth;
            var triangle = buf.Triangle; var color = buf.Color; var invDepth = buf.InvDepth;
            int n = (pixelRow1 - pixelRow0) * width, pixel0 = pixelRow0 * width;
            if ((uint)n > (uint)triangle.Length || (uint)n > (uint)color.Length || (uint)n > (uint)invDepth.Length
                || (uint)(pixel0 + n) > (uint)depth.Length || (uint)(pixel0 + n) > (uint)sampleDepth.Length || (uint)(pixel0 + n) > (uint)mask.Length
                || (uint)(pixel0 + n) * 3 > (uint)px.Length)
                throw new InvalidOperationException("buffers too small");
            bool plainBackground = settings.BackgroundImage is null;
            var (bgR, bgG, bgB) = EncodePixel(_background);
            for (int idx = 0; idx < n; idx++)
            {
                int t = triangle[idx], p = pixel0 + idx;
                if (t < 0 && plainBackground && color[idx] == _background)
                {
                    // Untouched background (no blended surface over it): constant bytes.
                    sampleDepth[p] = float.PositiveInfinity; depth[p] = float.PositiveInfinity; mask[p] = 0;
                    px[p * 3] = bgR; px[p * 3 + 1] = bgG; px[p * 3 + 2] = bgB;
                    continue;
                }
                float z = float.PositiveInfinity;
                byte m = 0;
                if (t >= 0)
                {
                    z = 1 / invDepth[idx];
                    if (_mats[opaque[t].Material].InMask) m = 255;
                }
                sampleDepth[p] = z;
                depth[p] = z;
                mask[p] = m;
                (px[p * 3], px[p * 3 + 1], px[p * 3 + 2]) = EncodePixel(color[idx]);
            }
        }

        /// <summary>Output bytes of a linear colour (clamped to [0, 1]), sRGB-encoded or linear × 255 as <see cref="MeshRenderSettings.Srgb"/> says.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        (byte R, byte G, byte B) EncodePixel(Vector3 linear)
        {
            var c = Vector3.Clamp(linear, Vector3.Zero, Vector3.One);
            if (_srgb) return (Srgb.Encode(c.X), Srgb.Encode(c.Y), Srgb.Encode(c.Z));
            c = c * 255f + new Vector3(0.5f);
            return ((byte)c.X, (byte)c.Y, (byte)c.Z);
        }

        /// <summary>Linear RGB of the 3 bytes at <paramref name="o"/> (the table has 256 entries, so byte indices need no bounds check).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        Vector3 Decode(byte[] p, int o)
        {
            ref float t = ref MemoryMarshal.GetArrayDataReference(_decode);
            return new Vector3(Unsafe.Add(ref t, p[o]), Unsafe.Add(ref t, p[o + 1]), Unsafe.Add(ref t, p[o + 2]));
        }

        /// <summary>Linear colour and opacity of triangle <paramref name="tri"/> at screen barycentrics (1 − l1 − l2, l1, l2).</summary>
        public Vector3 Shade(in Tri tri, float l1, float l2, out float alpha)
        {
            float l0 = 1 - l1 - l2;
            ref readonly var v0 = ref vertices[tri.I0]; ref readonly var v1 = ref vertices[tri.I1]; ref readonly var v2 = ref vertices[tri.I2];
            Vector3 p0 = v0.Cam, p1 = v1.Cam, p2 = v2.Cam;
            // Perspective-correct weights: screen barycentrics divided by depth, normalised.
            float w0 = l0 * v0.InvZ, w1 = l1 * v1.InvZ, w2 = l2 * v2.InvZ;
            float inv = 1f / (w0 + w1 + w2);
            w0 *= inv; w1 *= inv; w2 *= inv;
            ref readonly var mat = ref _mats[tri.Material];
            var albedo = mat.Color;
            alpha = mat.Opacity;
            if (mat.Pixels is { } tex)
            {
                var uv = w0 * uvs[tri.U0] + w1 * uvs[tri.U1] + w2 * uvs[tri.U2] - mat.UvOrigin;
                albedo *= Sample(mat, tex, uv, ref alpha);
            }
            var nrm = w0 * v0.Normal + w1 * v1.Normal + w2 * v2.Normal;
            float len2 = nrm.LengthSquared();
            if (len2 > 1e-40f) nrm *= (tri.BackFacing ? -1f : 1f) / MathF.Sqrt(len2);
            else nrm = Vector3.Normalize(-(w0 * p0 + w1 * p1 + w2 * p2)) * (tri.BackFacing ? -1f : 1f);
            var light = Vector3.Max(_sh.Irradiance(nrm), Vector3.Zero);
            if (!_hasLight) return albedo * light;
            var spec = Vector3.Zero;
            float ndl = Vector3.Dot(nrm, _lightDir);
            if (ndl > 0)
            {
                light += _lightDiffuse * ndl;
                if (mat.Specular > 0)
                {
                    // Half vector scaled by |p| (h' = L |p| - p, so no division for the view direction), and
                    // Schlick's x^n with x = n.h' / |h'| folded into one division.
                    var p = w0 * p0 + w1 * p1 + w2 * p2;
                    var h = _lightDir * p.Length() - p;
                    float hl = h.Length();
                    if (hl > 1e-6f * MathF.Abs(p.Z)) spec = _lightSpecular * (mat.Specular * SchlickPower(MathF.Max(0, Vector3.Dot(nrm, h)), hl, mat.Shininess));
                }
            }
            return albedo * light + spec;
        }

        /// <summary>
        /// Schlick's rational approximation of x^n for x = <paramref name="d"/> / <paramref name="len"/> in [0, 1] ("An
        /// Inexpensive BRDF Model for Physically-based Rendering", 1994): x / (n − n x + x) = d / (n len − n d + d).
        /// </summary>
        static float SchlickPower(float d, float len, float n) => d / (n * len - n * d + d + 1e-20f * len);

        /// <summary>Bilinear sample (linear RGB) at UV (v up) with clamped edges; multiplies <paramref name="alpha"/> by the texture's alpha.</summary>
        Vector3 Sample(in MaterialData m, byte[] p, Vector2 uv, ref float alpha)
        {
            int w = m.Width, h = m.Height, ch = m.Channels;
            float x = Math.Clamp(uv.X * w - 0.5f, 0, w - 1), y = Math.Clamp((1 - uv.Y) * h - 0.5f, 0, h - 1);
            int xi = (int)x, yi = (int)y;
            float fx = x - xi, fy = y - yi;
            int xj = Math.Min(xi + 1, w - 1), yj = Math.Min(yi + 1, h - 1);
            int o00 = (yi * w + xi) * ch, o01 = (yi * w + xj) * ch, o10 = (yj * w + xi) * ch, o11 = (yj * w + xj) * ch;
            var c = (Decode(p, o00) * (1 - fx) + Decode(p, o01) * fx) * (1 - fy) + (Decode(p, o10) * (1 - fx) + Decode(p, o11) * fx) * fy;
            if (ch == 4)
                alpha *= ((p[o00 + 3] * (1 - fx) + p[o01 + 3] * fx) * (1 - fy) + (p[o10 + 3] * (1 - fx) + p[o11 + 3] * fx) * fy) * (1f / 255);
            return c;
        }
    }

    /// <summary>A material's fields flattened for the shading loop.</summary>
    readonly struct MaterialData(RenderMaterial m)
    {
        public readonly byte[]? Pixels = m.Texture?.Pixels;
        public readonly int Width = m.Texture?.Width ?? 0, Height = m.Texture?.Height ?? 0, Channels = m.Texture?.Channels ?? 0;
        public readonly Vector2 UvOrigin = m.UvOrigin;
        public readonly Vector3 Color = m.Color;
        public readonly float Opacity = m.Opacity, Specular = m.Specular, Shininess = m.Shininess;
        public readonly bool InMask = m.InMask;
    }

    /// <summary>The SH lighting's convolved coefficients in fields, so evaluation reads no array.</summary>
    readonly struct ShCoefficients
    {
        readonly Vector3 _c0, _c1, _c2, _c3, _c4, _c5, _c6, _c7, _c8;

        public ShCoefficients(SphericalHarmonicsLighting sh)
        {
            Span<Vector3> c = stackalloc Vector3[SphericalHarmonicsLighting.CoefficientCount];
            sh.ScaledCoefficients(c);
            (_c0, _c1, _c2, _c3, _c4, _c5, _c6, _c7, _c8) = (c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7], c[8]);
        }

        /// <summary>Same as <see cref="SphericalHarmonicsLighting.Irradiance"/>.</summary>
        public Vector3 Irradiance(Vector3 n)
        {
            float x = n.X, y = n.Y, z = n.Z;
            return _c0 + _c1 * y + _c2 * z + _c3 * x + _c4 * (x * y) + _c5 * (y * z) + _c6 * (3 * z * z - 1) + _c7 * (x * z) + _c8 * (x * x - y * y);
        }
    }
}

/// <summary>sRGB transfer function (IEC 61966-2-1) as lookup tables.</summary>
internal static class Srgb
{
    const int EncodeSteps = 4096;
    internal static readonly float[] DecodeTable = BuildDecode();
    static readonly byte[] EncodeTable = BuildEncode();

    /// <summary>Byte (sRGB-encoded) to linear value in [0, 1].</summary>
    public static ReadOnlySpan<float> Decode => DecodeTable;

    internal static readonly float[] LinearTable = Enumerable.Range(0, 256).Select(i => i / 255f).ToArray();

    /// <summary>Linear value (clamped to [0, 1]) to the nearest sRGB byte (table with 4096 steps).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static byte Encode(float linear) => EncodeTable[(int)(Math.Clamp(linear, 0f, 1f) * EncodeSteps + 0.5f)];

    /// <summary>The exact transfer function, linear to encoded, both in [0, 1].</summary>
    public static float ToEncoded(float linear) =>
        linear <= 0.0031308f ? 12.92f * linear : 1.055f * MathF.Pow(linear, 1 / 2.4f) - 0.055f;

    /// <summary>The exact inverse transfer function, encoded to linear, both in [0, 1].</summary>
    public static float ToLinear(float encoded) =>
        encoded <= 0.04045f ? encoded / 12.92f : MathF.Pow((encoded + 0.055f) / 1.055f, 2.4f);

    static float[] BuildDecode()
    {
        var t = new float[256];
        for (int i = 0; i < 256; i++) t[i] = ToLinear(i / 255f);
        return t;
    }

    static byte[] BuildEncode()
    {
        var t = new byte[EncodeSteps + 1];
        for (int i = 0; i <= EncodeSteps; i++) t[i] = (byte)Math.Clamp(MathF.Round(ToEncoded(i / (float)EncodeSteps) * 255f), 0, 255);
        return t;
    }
}
