using System.Collections.Concurrent;
using System.Numerics;
using System.Runtime.CompilerServices;
using DenseFace.FaceModel;
using DenseFace.FaceModel.Layouts;
using DenseFace.Geometry;
using DenseFace.Imaging;

namespace DenseFace.Rendering;

/// <summary>The UV tiles of the ICT-FaceKit layout a texture can be extracted for (tile k spans u ∈ [k, k + 1], v ∈ [0, 1]).</summary>
public enum TextureTile
{
    /// <summary>Tile 0: the <see cref="FacePart.Face"/> part (face, ears, forehead, front neck).</summary>
    Face = 0,
    /// <summary>Tile 1: <see cref="FacePart.HeadAndNeck"/> (scalp, back of the neck), mouth and eye sockets.</summary>
    Head = 1,
}

/// <summary>Settings of <see cref="TextureExtractor.Extract"/>.</summary>
public sealed record TextureExtractionOptions
{
    /// <summary>Texture width and height in texels (16 to 4096). Default 512.</summary>
    public int Size { get; init; } = 512;
    /// <summary>Texels whose surface is seen at a cosine n·v at or below this (grazing) get no confidence. Default 0.15 (81°).</summary>
    public float MinCosine { get; init; } = 0.15f;
    /// <summary>Confidence ramps linearly from 0 at <see cref="MinCosine"/> to 1 at this cosine. Default 0.5 (60°).</summary>
    public float FullCosine { get; init; } = 0.5f;
    /// <summary>Depth tolerance of the visibility test (cm, see <see cref="RenderResult.IsVisible"/>).</summary>
    public float DepthTolerance { get; init; } = RenderResult.DefaultTolerance;
    /// <summary>
    /// Texels closer than this (cm, measured in the image plane at the texel's depth) to a depth edge — a neighbour
    /// surface nearer by more than <see cref="OcclusionStep"/>, or farther by more than twice that (or background) —
    /// lose confidence in proportion to such neighbours among 8 around them: a fitted mesh never matches the photo
    /// exactly, so the photo's occluder (the nose side) or background would otherwise be painted onto the surface
    /// next to the edge. Default 0.6 cm; 0 disables.
    /// </summary>
    public float OcclusionMargin { get; init; } = 0.6f;
    /// <summary>Depth step (cm) that makes a neighbour an occluder for <see cref="OcclusionMargin"/>. Default 1 cm.</summary>
    public float OcclusionStep { get; init; } = 1f;
    /// <summary>Fill weakly seen texels from their left/right mirror texel. Default true.</summary>
    public bool MirrorFill { get; init; } = true;
    /// <summary>Confidence given to a mirrored observation relative to a direct one (0 to 1). Default 0.8.</summary>
    public float MirrorTrust { get; init; } = 0.8f;

    internal void Validate()
    {
        if (Size is < 16 or > 4096) throw new InvalidInputException(nameof(Size), $"{Size} texels is outside 16..4096");
        if (!(MinCosine >= 0 && MinCosine < FullCosine && FullCosine <= 1))
            throw new InvalidInputException(nameof(MinCosine), $"cosines {MinCosine} and {FullCosine} must satisfy 0 <= MinCosine < FullCosine <= 1");
        if (!(DepthTolerance > 0 && float.IsFinite(DepthTolerance))) throw new InvalidInputException(nameof(DepthTolerance), $"{DepthTolerance} cm must be positive and finite");
        if (!(OcclusionMargin >= 0 && OcclusionMargin <= 10)) throw new InvalidInputException(nameof(OcclusionMargin), $"{OcclusionMargin} cm is outside [0, 10]");
        if (!(OcclusionStep > 0 && float.IsFinite(OcclusionStep))) throw new InvalidInputException(nameof(OcclusionStep), $"{OcclusionStep} cm must be positive and finite");
        if (!(MirrorTrust >= 0 && MirrorTrust <= 1)) throw new InvalidInputException(nameof(MirrorTrust), $"{MirrorTrust} is outside [0, 1]");
    }
}

/// <summary>
/// A texture taken from a photo: <see cref="Color"/> (sRGB, every texel filled), and per texel (row-major, row 0 at
/// v = 1) the confidence of the photo observation, the confidence after mirror filling, and whether the texel lies
/// on the tile's UV charts.
/// </summary>
public sealed class ExtractedTexture
{
    internal ExtractedTexture(TextureTile tile, Image8 color, float[] observed, float[] confidence, bool[] inChart)
    {
        Tile = tile; Color = color; Observed = observed; Confidence = confidence; InChart = inChart;
        int chart = 0, seen = 0, filled = 0;
        for (int i = 0; i < inChart.Length; i++)
        {
            if (!inChart[i]) continue;
            chart++;
            if (observed[i] > 0) seen++;
            if (confidence[i] > 0) filled++;
        }
        Coverage = chart == 0 ? 0 : seen / (double)chart;
        MirroredCoverage = chart == 0 ? 0 : filled / (double)chart;
    }

    /// <summary>The tile (texel (x, y) has UV ((x + 0.5)/size + tile, 1 − (y + 0.5)/size)).</summary>
    public TextureTile Tile { get; }
    /// <summary>RGB texture, sRGB-encoded like the photo; holes are filled (push-pull), so it is usable as a render texture.</summary>
    public Image8 Color { get; }
    /// <summary>Confidence in [0, 1] of the direct photo observation: visible, inside the photo, weighted by the viewing angle and the distance to depth edges.</summary>
    public float[] Observed { get; }
    /// <summary>Confidence in [0, 1] after mirror filling (≥ <see cref="Observed"/>); 0 where the colour is interpolated from neighbours.</summary>
    public float[] Confidence { get; }
    /// <summary>True for texels covered by the tile's triangles in UV space.</summary>
    public bool[] InChart { get; }
    /// <summary>Fraction of chart texels observed in the photo.</summary>
    public double Coverage { get; }
    /// <summary>Fraction of chart texels with any confidence after mirror filling.</summary>
    public double MirroredCoverage { get; }

    /// <summary>The confidence as a gray image (255 = 1), e.g. to save next to the texture.</summary>
    public Image8 ConfidenceImage()
    {
        var img = new Image8(Color.Width, Color.Height, 1);
        for (int i = 0; i < Confidence.Length; i++) img.Pixels[i] = (byte)MathF.Round(Confidence[i] * 255);
        return img;
    }
}

/// <summary>
/// Extracts UV-space textures of the ICT-FaceKit head from a photo it was fitted to. Each texel of a tile is
/// mapped to its triangle and barycentrics by rasterising the triangles in UV space; its 3D point on the fitted
/// mesh is projected into the photo and sampled bilinearly when the point is visible (depth test against a
/// <see cref="MeshRenderer"/> render of the head from the photo's camera) and faces the camera; the confidence
/// ramps with the viewing cosine n·v and falls near depth edges (<see cref="TextureExtractionOptions.OcclusionMargin"/>).
/// Weakly seen texels are then blended with their mirror texel (the texel of the left/right mirrored surface
/// point, through the neutral mesh's mirror vertex map) with sharpened weights, and the remaining holes are filled
/// by push-pull interpolation (<see cref="PushPull"/>), blended by confidence so seams between observed and filled
/// areas stay smooth. Colours are averaged in linear RGB. See docs/texturing.md for measured accuracy.
/// </summary>
public sealed class TextureExtractor
{
    readonly MorphableModel _model;
    readonly Vector3[] _positions;
    readonly Vector3[] _normals;
    readonly int[] _triangles;
    readonly PinholeCamera _camera;
    readonly RigidTransform _pose;
    readonly Image8 _photo;

    /// <summary>The visibility render (<see cref="RenderVisibility"/>) from the photo's camera.</summary>
    public RenderResult Visibility { get; }

    /// <summary>
    /// Prepares extraction from <paramref name="photo"/> (gray, RGB or RGBA; the camera's size) of the model posed by
    /// <paramref name="modelToCamera"/> with vertex <paramref name="positions"/> (cm, model space, all model vertices).
    /// </summary>
    /// <exception cref="InvalidInputException">Non-ICT topology, wrong vertex count, non-finite positions, an invalid camera, or a photo of another size.</exception>
    public TextureExtractor(MorphableModel model, ReadOnlySpan<Vector3> positions, in PinholeCamera camera, in RigidTransform modelToCamera, Image8 photo)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(photo);
        if (!model.HasIctTopology) throw new InvalidInputException("model", "texture extraction needs the ICT-FaceKit topology (its UV tiles and parts)");
        if (positions.Length != model.VertexCount) throw new InvalidInputException(nameof(positions), $"holds {positions.Length} positions, the model has {model.VertexCount} vertices");
        if (!camera.IsValid) throw new InvalidInputException(nameof(camera), "camera is uninitialised (zero size or focal length)");
        if (photo.Width != camera.Width || photo.Height != camera.Height)
            throw new InvalidInputException(nameof(photo), $"is {photo.Width}x{photo.Height} but the camera is {camera.Width}x{camera.Height}");
        _model = model;
        _positions = positions.ToArray();
        _camera = camera;
        _pose = modelToCamera;
        _photo = photo.Channels == 3 ? photo : photo.ConvertTo(3);
        Visibility = RenderVisibility(model, _positions, camera, modelToCamera);
        _triangles = model.Triangles.ToArray();
        _normals = new TriangleMesh(_positions, _triangles).ComputeVertexNormals();
    }

    /// <summary>
    /// Depth render of the opaque head for visibility tests (<see cref="RenderResult.IsVisible"/>), one sample per
    /// pixel: face, head and neck, mouth and eye sockets, gums and tongue, teeth and the inner eyeball spheres (the iris sub-areas; the
    /// transparent outer sclera shells, lashes and eye overlays are left out, as in the synthetic renders).
    /// </summary>
    public static RenderResult RenderVisibility(MorphableModel model, Vector3[] positions, in PinholeCamera camera, in RigidTransform modelToCamera)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(positions);
        if (!model.HasIctTopology) throw new InvalidInputException("model", "the visibility render needs the ICT-FaceKit topology (its parts)");
        if (positions.Length != model.VertexCount) throw new InvalidInputException(nameof(positions), $"holds {positions.Length} positions, the model has {model.VertexCount} vertices");
        IndexRange[] ranges = [model.TriangleRange(FacePart.Face), model.TriangleRange(FacePart.HeadAndNeck), model.TriangleRange(FacePart.MouthSocket),
            model.TriangleRange(FacePart.EyeSocketLeft), model.TriangleRange(FacePart.EyeSocketRight), model.TriangleRange(FacePart.GumsAndTongue),
            model.TriangleRange(FacePart.Teeth), model.TriangleRange(FaceSubArea.IrisLeft), model.TriangleRange(FaceSubArea.IrisRight)];
        var tris = model.Triangles;
        var list = new List<int>();
        foreach (var r in ranges) for (int i = 3 * r.Start; i < 3 * r.End; i++) list.Add(tris[i]);
        var mesh = new TriangleMesh(positions, list.ToArray());
        return MeshRenderer.Render(mesh, camera, modelToCamera, [new RenderMaterial()], default, new MeshRenderSettings { Supersampling = 1 });
    }

    /// <summary>Extracts the texture of <paramref name="tile"/>.</summary>
    /// <exception cref="InvalidInputException">Bad options, or no texel of the tile is visible in the photo.</exception>
    public ExtractedTexture Extract(TextureTile tile = TextureTile.Face, TextureExtractionOptions? options = null)
    {
        options ??= new TextureExtractionOptions();
        options.Validate();
        if (tile is not (TextureTile.Face or TextureTile.Head)) throw new InvalidInputException(nameof(tile), $"unknown tile {tile}");
        var atlas = TileAtlas.For(_model, tile, options.Size);
        int n = options.Size * options.Size;
        var color = new Vector3[n];
        var observed = new float[n];
        Observe(atlas, options, color, observed);
        var confidence = (float[])observed.Clone();
        if (options.MirrorFill) Mirror(atlas, options.MirrorTrust, color, observed, confidence);
        bool any = false;
        foreach (float w in confidence) if (w > 0) { any = true; break; }
        if (!any) throw new InvalidInputException("photo", $"no texel of the {tile} tile is visible (check the pose and camera)");
        var filled = PushPull.Fill(color, confidence, options.Size, options.Size);
        var image = new Image8(options.Size, options.Size, 3);
        for (int i = 0; i < n; i++)
        {
            image.Pixels[3 * i] = Srgb.Encode(filled[i].X); image.Pixels[3 * i + 1] = Srgb.Encode(filled[i].Y); image.Pixels[3 * i + 2] = Srgb.Encode(filled[i].Z);
        }
        var inChart = new bool[n];
        for (int i = 0; i < n; i++) inChart[i] = atlas.Triangle[i] >= 0;
        return new ExtractedTexture(tile, image, observed, confidence, inChart);
    }

    static readonly Vector2[] Ring = [new(1, 0), new(0.7071f, 0.7071f), new(0, 1), new(-0.7071f, 0.7071f), new(-1, 0), new(-0.7071f, -0.7071f), new(0, -1), new(0.7071f, -0.7071f)];

    void Observe(TileAtlas atlas, TextureExtractionOptions o, Vector3[] color, float[] weight)
    {
        var tris = _triangles;
        var pixels = _photo.Pixels;
        int w = _photo.Width, h = _photo.Height;
        float ramp = 1f / (o.FullCosine - o.MinCosine);
        var pose = _pose; var camera = _camera; var render = Visibility; var depth = render.Depth;
        Parallel.For(0, atlas.Size, y =>
        {
            for (int i = y * atlas.Size, end = i + atlas.Size; i < end; i++)
            {
                int t = atlas.Triangle[i];
                if (t < 0) continue;
                float l1 = atlas.B1[i], l2 = atlas.B2[i], l0 = 1 - l1 - l2;
                int a = tris[3 * t], b = tris[3 * t + 1], c = tris[3 * t + 2];
                var pc = pose.Apply(l0 * _positions[a] + l1 * _positions[b] + l2 * _positions[c]);
                var nc = pose.ApplyRotation(l0 * _normals[a] + l1 * _normals[b] + l2 * _normals[c]);
                float nl = nc.Length(), pl = pc.Length();
                if (!(nl > 1e-12f) || !(pc.Z > 1e-3f)) continue;
                float cos = -Vector3.Dot(nc, pc) / (nl * pl);
                if (cos <= o.MinCosine || !render.IsVisible(pc, nc, o.DepthTolerance)) continue;
                var p = camera.Project(pc);
                if (!(p.X >= 0 && p.Y >= 0 && p.X <= w - 1 && p.Y <= h - 1)) continue;
                int x0 = Math.Min((int)p.X, Math.Max(w - 2, 0)), y0 = Math.Min((int)p.Y, Math.Max(h - 2, 0));
                int x1 = Math.Min(x0 + 1, w - 1), y1 = Math.Min(y0 + 1, h - 1);
                float fx = p.X - x0, fy = p.Y - y0;
                Vector3 Px(int xx, int yy) { int q = (yy * w + xx) * 3; var d = Srgb.Decode; return new Vector3(d[pixels[q]], d[pixels[q + 1]], d[pixels[q + 2]]); }
                color[i] = (Px(x0, y0) * (1 - fx) + Px(x1, y0) * fx) * (1 - fy) + (Px(x0, y1) * (1 - fx) + Px(x1, y1) * fx) * fy;
                float occluded = 0;
                if (o.OcclusionMargin > 0)
                {
                    float r = camera.Fx * o.OcclusionMargin / pc.Z, near = pc.Z - o.OcclusionStep, far = pc.Z + 2 * o.OcclusionStep;
                    for (int k = 0; k < 8; k++)
                    {
                        int qx = (int)MathF.Round(p.X + r * Ring[k].X), qy = (int)MathF.Round(p.Y + r * Ring[k].Y);
                        if ((uint)qx >= (uint)w || (uint)qy >= (uint)h) continue;
                        float d = depth[qy * w + qx];
                        if (d < near || d > far) occluded++;
                    }
                }
                float edge = 1 - occluded / 8;
                weight[i] = Math.Clamp((cos - o.MinCosine) * ramp, 0f, 1f) * edge * edge;
            }
        });
    }

    /// <summary>
    /// Blends each texel with its mirror texel's direct observation c_m (bilinear in the texel grid, confidence w_m):
    /// with the mirror weight w' = (1 − w) t w_m (t the mirror trust), c ← (w⁴ c + w'⁴ c_m) / (w⁴ + w'⁴) and the
    /// confidence becomes w + w'. Fully seen texels keep their own colour.
    /// </summary>
    static void Mirror(TileAtlas atlas, float trust, Vector3[] color, float[] observed, float[] confidence)
    {
        int size = atlas.Size;
        var src = (Vector3[])color.Clone();
        for (int i = 0; i < color.Length; i++)
        {
            float w = observed[i];
            if (w >= 1 || atlas.Triangle[i] < 0) continue;
            var m = atlas.MirrorTexel[i];
            if (!float.IsFinite(m.X)) continue;
            // bilinear over the 4 neighbouring texels, weighting each by its own confidence
            float mx = Math.Clamp(m.X, 0, size - 1), my = Math.Clamp(m.Y, 0, size - 1);
            int x0 = Math.Min((int)mx, size - 2), y0 = Math.Min((int)my, size - 2);
            float fx = mx - x0, fy = my - y0;
            Vector3 cs = default; float ws = 0, bs = 0;
            for (int k = 0; k < 4; k++)
            {
                int xx = x0 + (k & 1), yy = y0 + (k >> 1);
                float bw = ((k & 1) == 0 ? 1 - fx : fx) * ((k >> 1) == 0 ? 1 - fy : fy);
                int j = yy * size + xx;
                cs += src[j] * (bw * observed[j]); ws += bw * observed[j]; bs += bw;
            }
            if (ws <= 0) continue;
            var cm = cs / ws;
            float wm = (1 - w) * trust * (ws / bs);
            // Sharpened (4th-power) weights pick the better-seen side and blend only where both are comparable: fits of
            // real photos misregister grazing texels, and an even blend of the two sides would show both as ghosts.
            float a = w * w * w * w, b = wm * wm * wm * wm;
            color[i] = a + b > 1e-30f ? (src[i] * a + cm * b) / (a + b) : (src[i] * w + cm * wm) / (w + wm);
            confidence[i] = w + wm;
        }
    }

    /// <summary>
    /// Per texel of a tile: the model triangle covering its centre (−1 for none), the barycentric weights of its 2nd
    /// and 3rd corners, and the texel coordinates of the mirrored surface point (NaN where unknown). Depends only on
    /// the model, tile and size, so it is cached.
    /// </summary>
    sealed class TileAtlas
    {
        static readonly ConditionalWeakTable<MorphableModel, ConcurrentDictionary<(TextureTile, int), TileAtlas>> Cache = new();
        static readonly ConditionalWeakTable<MorphableModel, int[]> MirrorVertices = new();

        public int Size { get; }
        public int[] Triangle { get; }
        public float[] B1 { get; }
        public float[] B2 { get; }
        public Vector2[] MirrorTexel { get; }

        public static TileAtlas For(MorphableModel model, TextureTile tile, int size) =>
            Cache.GetValue(model, _ => new()).GetOrAdd((tile, size), k => new TileAtlas(model, k.Item1, k.Item2));

        public static IndexRange[] Ranges(MorphableModel model, TextureTile tile) => tile == TextureTile.Face
            ? [model.TriangleRange(FacePart.Face)]
            : [model.TriangleRange(FacePart.HeadAndNeck), model.TriangleRange(FacePart.MouthSocket), model.TriangleRange(FacePart.EyeSocketLeft), model.TriangleRange(FacePart.EyeSocketRight)];

        TileAtlas(MorphableModel model, TextureTile tile, int size)
        {
            Size = size;
            int n = size * size;
            Triangle = new int[n]; Array.Fill(Triangle, -1);
            B1 = new float[n]; B2 = new float[n];
            MirrorTexel = new Vector2[n]; Array.Fill(MirrorTexel, new Vector2(float.NaN));
            var tris = model.Triangles; var uvTris = model.TriangleUvIndices; var uvs = model.Uvs;
            var ranges = Ranges(model, tile);
            // a UV (texel position) for every vertex used by the tile
            var vertexTexel = new Vector2[model.VertexCount];
            Array.Fill(vertexTexel, new Vector2(float.NaN));
            foreach (var r in ranges)
                for (int i = 3 * r.Start; i < 3 * r.End; i++)
                    if (float.IsNaN(vertexTexel[tris[i]].X)) vertexTexel[tris[i]] = ToTexel(uvs[uvTris[i]], (int)tile, size);
            var mirror = MirrorVertices.GetValue(model, BuildMirror);
            foreach (var r in ranges)
                for (int t = r.Start; t < r.End; t++)
                {
                    Vector2 ta = ToTexel(uvs[uvTris[3 * t]], (int)tile, size), tb = ToTexel(uvs[uvTris[3 * t + 1]], (int)tile, size), tc = ToTexel(uvs[uvTris[3 * t + 2]], (int)tile, size);
                    float area = Cross(tb - ta, tc - ta);
                    if (!(MathF.Abs(area) > 1e-9f)) continue;
                    Vector2 ma = vertexTexel[mirror[tris[3 * t]]], mb = vertexTexel[mirror[tris[3 * t + 1]]], mc = vertexTexel[mirror[tris[3 * t + 2]]];
                    // a mirror triangle spanning a UV seam (corners from different charts) is much larger than its source: skip it
                    float mArea = Cross(mb - ma, mc - ma);
                    bool mirrorOk = float.IsFinite(mArea) && MathF.Abs(mArea) < 4 * MathF.Abs(area) + 4 && MathF.Abs(mArea) > 0.25f * MathF.Abs(area) - 4;
                    int x0 = Math.Max(0, (int)MathF.Ceiling(MathF.Min(ta.X, MathF.Min(tb.X, tc.X)))), x1 = Math.Min(size - 1, (int)MathF.Floor(MathF.Max(ta.X, MathF.Max(tb.X, tc.X))));
                    int y0 = Math.Max(0, (int)MathF.Ceiling(MathF.Min(ta.Y, MathF.Min(tb.Y, tc.Y)))), y1 = Math.Min(size - 1, (int)MathF.Floor(MathF.Max(ta.Y, MathF.Max(tb.Y, tc.Y))));
                    for (int y = y0; y <= y1; y++)
                        for (int x = x0; x <= x1; x++)
                        {
                            var p = new Vector2(x, y);
                            float l1 = Cross(p - ta, tc - ta) / area, l2 = Cross(tb - ta, p - ta) / area, l0 = 1 - l1 - l2;
                            const float Eps = -1e-4f;
                            if (l0 < Eps || l1 < Eps || l2 < Eps) continue;
                            int i = y * size + x;
                            Triangle[i] = t; B1[i] = l1; B2[i] = l2;
                            MirrorTexel[i] = mirrorOk ? l0 * ma + l1 * mb + l2 * mc : new Vector2(float.NaN);
                        }
                }
        }

        static int[] BuildMirror(MorphableModel model)
        {
            var surface = new HeadSurface(model);
            var m = new int[model.VertexCount];
            var parts = new[] { FacePart.Face, FacePart.HeadAndNeck, FacePart.MouthSocket, FacePart.EyeSocketLeft, FacePart.EyeSocketRight };
            for (int v = 0; v < m.Length; v++) m[v] = v;
            Parallel.ForEach(parts, part =>
            {
                var r = FaceParts.Vertices(part);
                for (int v = r.Start; v < r.End; v++) m[v] = surface.Mirror(v);
            });
            return m;
        }

        /// <summary>Texel coordinates (0-based centres, row 0 at v = 1) of a UV in tile <paramref name="tile"/>.</summary>
        static Vector2 ToTexel(Vector2 uv, int tile, int size) => new((uv.X - tile) * size - 0.5f, (1 - uv.Y) * size - 0.5f);

        static float Cross(Vector2 a, Vector2 b) => a.X * b.Y - a.Y * b.X;
    }
}
