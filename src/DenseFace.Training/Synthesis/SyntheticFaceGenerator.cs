using System.Drawing;
using System.Numerics;
using DenseFace.FaceModel;
using DenseFace.Geometry;
using DenseFace.Imaging;
using DenseFace.Rendering;

namespace DenseFace.Training.Synthesis;

/// <summary>
/// Makes synthetic face images with exact dense labels: a random ICT-FaceKit head (identity β ~ truncated N(0, 1),
/// sparse ARKit expressions), a procedurally painted person (<see cref="FaceAppearance"/>, from a lazily painted
/// pool), a random pose, camera, SH + key lighting and background, optional occluders and glasses, then
/// photometric degradations. Labels: every layout point projected to 0-based pixel-centre coordinates with its
/// visibility (depth test against the render, front-facing, inside the image, not under an occluder) and
/// camera-space position (cm); β, ψ, pose, focal length and the face box.
/// <para>
/// Deterministic: <see cref="Generate(long)"/> depends only on (<see cref="SynthesisOptions.Seed"/>, index), never on
/// call order or threads; the generator is thread-safe, so a trainer can call it from parallel workers.
/// </para>
/// </summary>
public sealed class SyntheticFaceGenerator
{
    /// <summary>Chin-to-crown extent of the model head (cm) used to frame it.</summary>
    const float HeadHeightCm = 25f;
    /// <summary>Point of the model the head pose rotates about, and that the camera aims at (cm, model space).</summary>
    internal static readonly Vector3 HeadCentre = new(0, 1.5f, 2f);

    readonly MorphableModel _model;
    readonly SynthesisOptions _o;
    readonly HeadGeometry _geometry;
    readonly SynthesisLayout[] _layouts;
    readonly (int Index, float Scale)[][] _groups;
    readonly Lazy<FaceAppearance>[] _appearances;
    readonly Backgrounds _backgrounds;
    readonly int[] _boxVertices;
    readonly int[] _ibug;

    /// <summary>Creates a generator; nothing is rendered or painted until <see cref="Generate(long)"/> is called.</summary>
    /// <exception cref="InvalidInputException">Invalid options or layouts.</exception>
    public SyntheticFaceGenerator(MorphableModel model, SynthesisOptions options)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _model = model;
        _o = options;
        _geometry = HeadGeometry.For(model);
        _layouts = options.Layouts.Count > 0 ? options.Layouts.ToArray() : [SynthesisLayout.Ibug68(model)];
        foreach (var layout in _layouts)
            for (int i = 0; i < layout.Points.Count; i++)
            {
                var p = layout.Points[i];
                if ((uint)p.Triangle >= (uint)model.TriangleCount || !float.IsFinite(p.U) || !float.IsFinite(p.V))
                    throw new InvalidInputException(layout.Name, $"point {i} ({p}) is not on a model triangle");
            }
        _groups = SceneRandomizer.ResolveGroups(model);
        _appearances = new Lazy<FaceAppearance>[options.AppearancePoolSize];
        for (int i = 0; i < _appearances.Length; i++)
        {
            int seed = Mix(options.Seed, -1 - i);
            // person i wears real texture i mod count with probability RealTextureProbability (a hash of the seed, so deterministic)
            bool real = options.RealTextures.Count > 0 && (Mix(seed, 1) & 0xFFFF) < options.RealTextureProbability * 65536;
            var texture = real ? options.RealTextures[i % options.RealTextures.Count] : null;
            _appearances[i] = new Lazy<FaceAppearance>(() => texture is null
                ? FaceAppearance.Generate(model, seed, options.TextureSize)
                : FaceAppearance.FromTexture(model, AppearanceParameters.Sample(seed), texture, options.TextureSize));
        }
        _backgrounds = new Backgrounds(options.Backgrounds);
        var narrow = FaceParts.Vertices(FaceSubArea.NarrowFace);
        _boxVertices = Enumerable.Range(narrow.Start, narrow.Count).ToArray();
        _ibug = IctLandmarks.MultiPie68.ToArray();
    }

    /// <summary>The options in use.</summary>
    public SynthesisOptions Options => _o;

    /// <summary>Expression names in ψ order.</summary>
    public IReadOnlyList<string> ExpressionNames => _model.ExpressionNames;

    /// <summary>The labelled layouts (iBUG 68 when the options name none).</summary>
    public IReadOnlyList<SynthesisLayout> Layouts => _layouts;

    /// <summary>Generates sample <paramref name="index"/> (any non-negative value); same (seed, index), same bytes.</summary>
    public Sample Generate(long index) => Generate(index, null);

    /// <summary>
    /// Generates sample <paramref name="index"/> with its head pose and expression replaced by <paramref name="scene"/>
    /// (when given): person, identity, camera, lighting, background and the random draws after them stay those of the
    /// index, so a series of overrides animates one scene (<see cref="SyntheticSequence"/>).
    /// </summary>
    public Sample Generate(long index, SceneOverride? scene)
    {
        if (index < 0) throw new InvalidInputException(nameof(index), $"sample index {index} is negative");
        var rng = new SeededRandom(Mix(_o.Seed, index));
        int size = _o.ImageSize;

        // Shape.
        var beta = new float[_model.IdentityCount];
        for (int k = 0; k < beta.Length; k++) beta[k] = SceneRandomizer.TruncatedNormal(rng, _o.IdentityTruncation);
        var psi = new float[_model.ExpressionCount];
        SceneRandomizer.Expressions(rng, _groups, _o.MaxActiveExpressions, psi);
        if (scene is not null)
        {
            if (scene.Expression.Length != psi.Length) throw new InvalidInputException("scene", $"has {scene.Expression.Length} expression weights; the model has {psi.Length}");
            scene.Expression.CopyTo(psi, 0);
        }
        var positions = _model.Evaluate(beta, psi);

        // Pose and camera.
        float yaw = SceneRandomizer.Angle(rng, _o.MaxYaw), pitch = SceneRandomizer.Angle(rng, _o.MaxPitch), roll = SceneRandomizer.Angle(rng, _o.MaxRoll);
        if (scene is not null) (yaw, pitch, roll) = (scene.Yaw, scene.Pitch, scene.Roll);
        float focal = size * (_o.MinFocalFactor + (_o.MaxFocalFactor - _o.MinFocalFactor) * rng.NextSingle());
        float fraction = _o.MinHeadFraction + (_o.MaxHeadFraction - _o.MinHeadFraction) * rng.NextSingle();
        float distance = focal * HeadHeightCm / (fraction * size);
        var offset = new Vector2(2 * rng.NextSingle() - 1, 2 * rng.NextSingle() - 1) * (_o.MaxCentreOffset * size);
        var rotation = RigidTransform.ModelToCamera * RigidTransform.HeadRotation(yaw, pitch, roll);
        var aim = new Vector3(offset.X * distance / focal, offset.Y * distance / focal, distance);
        var pose = new RigidTransform(rotation, aim - Vector3.Transform(HeadCentre, rotation));
        var camera = new PinholeCamera(size, size, focal, focal);

        // Appearance, lighting, background, render.
        int person = rng.Next(_appearances.Length);
        var appearance = _appearances[person].Value;
        var (sh, key) = SceneRandomizer.Lighting(rng);
        var background = _backgrounds.Create(rng, size, rng.NextSingle() < _o.PhotoBackgroundProbability);
        var settings = new MeshRenderSettings
        {
            Supersampling = _o.Supersampling, Lighting = sh, Light = key, BackgroundImage = background,
            MaxDegreeOfParallelism = _o.RenderThreads,
        };
        var mesh = _geometry.BuildMesh(positions);
        var render = MeshRenderer.Render(mesh, camera, pose, appearance.Materials, _geometry.TriangleMaterials, settings);
        var image = render.Color;

        // Face box from the inner-face vertices.
        var box = ProjectedBox(_boxVertices, positions, pose, camera);

        // Occluders and glasses, with their coverage mask.
        var occlusion = new Image8(size, size, 1);
        if (rng.NextSingle() < _o.OccluderProbability) Occluders.DrawRandom(rng, image, occlusion, box);
        if (rng.NextSingle() < _o.GlassesProbability && MathF.Abs(yaw) < 40) DrawGlasses(rng, image, occlusion, positions, pose, camera, render);

        // Labels.
        var labels = new LayoutLabels[_layouts.Length];
        var normals = mesh.ComputeVertexNormals();
        for (int l = 0; l < _layouts.Length; l++) labels[l] = Label(_layouts[l], positions, normals, pose, camera, render, occlusion);

        image = Degradations.Apply(rng, image, _o.DegradationProbability);
        var mask = render.Mask;
        for (int i = 0; i < mask.Pixels.Length; i++) mask.Pixels[i] = (byte)(mask.Pixels[i] * (255 - occlusion.Pixels[i]) / 255);
        return new Sample
        {
            Index = index, Image = image, Mask = mask, Depth = render.Depth, Identity = beta, Expression = psi,
            Pose = new HeadPose(yaw, pitch, roll, pose.Translation), ModelToCamera = pose, Camera = camera, Box = box,
            Layouts = labels, AppearanceIndex = person,
        };
    }

    LayoutLabels Label(SynthesisLayout layout, Vector3[] positions, Vector3[] normals, in RigidTransform pose, in PinholeCamera camera, RenderResult render, Image8 occlusion)
    {
        int n = layout.Points.Count;
        var pts = new Vector2[n]; var vis = new bool[n]; var cam = new Vector3[n];
        var tris = _model.Triangles;
        for (int i = 0; i < n; i++)
        {
            var sp = layout.Points[i];
            int ia = tris[3 * sp.Triangle], ib = tris[3 * sp.Triangle + 1], ic = tris[3 * sp.Triangle + 2];
            var pc = pose.Apply(sp.W * positions[ia] + sp.U * positions[ib] + sp.V * positions[ic]);
            // Smooth (area-weighted vertex) normal: a corner's first triangle can belong to a fold (eyelid rim, lip line).
            var nc = pose.ApplyRotation(sp.W * normals[ia] + sp.U * normals[ib] + sp.V * normals[ic]);
            cam[i] = pc;
            pts[i] = pc.Z > 1e-3f ? camera.Project(pc) : new Vector2(float.NaN);
            bool visible = render.IsVisible(pc, nc);
            if (visible)
            {
                int x = (int)MathF.Round(pts[i].X), y = (int)MathF.Round(pts[i].Y);
                visible = occlusion.Pixels[Math.Clamp(y, 0, camera.Height - 1) * camera.Width + Math.Clamp(x, 0, camera.Width - 1)] < 128;
            }
            vis[i] = visible;
        }
        return new LayoutLabels(layout.Name, pts, vis, cam);
    }

    /// <summary>Bounds (pixels) of the projections of <paramref name="vertices"/> in front of the camera; empty when none is.</summary>
    internal static RectangleF ProjectedBox(ReadOnlySpan<int> vertices, Vector3[] positions, in RigidTransform pose, in PinholeCamera camera)
    {
        float x0 = float.MaxValue, y0 = float.MaxValue, x1 = float.MinValue, y1 = float.MinValue;
        foreach (int v in vertices)
        {
            var pc = pose.Apply(positions[v]);
            if (pc.Z <= 1e-3f) continue;
            var p = camera.Project(pc);
            x0 = MathF.Min(x0, p.X); y0 = MathF.Min(y0, p.Y); x1 = MathF.Max(x1, p.X); y1 = MathF.Max(y1, p.Y);
        }
        return x0 > x1 ? RectangleF.Empty : new RectangleF(x0, y0, x1 - x0, y1 - y0);
    }

    void DrawGlasses(Random rng, Image8 image, Image8 occlusion, Vector3[] positions, RigidTransform pose, in PinholeCamera camera, RenderResult render)
    {
        Vector3 Mean(int from, int count)
        {
            var s = Vector3.Zero;
            for (int i = from; i < from + count; i++) s += positions[_ibug[i]];
            return pose.Apply(s / count);
        }
        Vector3 eyeR = Mean(36, 6), eyeL = Mean(42, 6);
        var earR = pose.Apply(positions[_ibug[0]]); var earL = pose.Apply(positions[_ibug[16]]);
        // Frames sit about 1.5 cm in front of the eyes.
        var forward = pose.ApplyRotation(new Vector3(0, 0, 1.5f));
        var pr = camera.Project(eyeR + forward); var pl = camera.Project(eyeL + forward);
        float rim = 0.42f * Vector2.Distance(pr, pl);
        var er = render.IsVisible(earR, Vector3.Zero, 1.5f) ? camera.Project(earR) : pr;
        var el = render.IsVisible(earL, Vector3.Zero, 1.5f) ? camera.Project(earL) : pl;
        Occluders.Glasses(rng, image, occlusion, pr, pl, er, el, rim);
    }

    /// <summary>Mixes the seed and an index into a 31-bit seed (SplitMix64 finaliser).</summary>
    static int Mix(int seed, long index)
    {
        ulong z = (ulong)seed * 0x9E3779B97F4A7C15UL + (ulong)index + 0x632BE59BD9B4E019UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        z ^= z >> 31;
        return (int)(z & 0x7FFFFFFF);
    }
}
