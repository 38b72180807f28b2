using System.Drawing;
using DenseFace.FaceModel;

namespace DenseFace.Training.Synthesis;

/// <summary>A named list of surface points to label in every synthetic image (e.g. "ibug68").</summary>
/// <param name="Name">Layout name used as the key of the labels.</param>
/// <param name="Points">Points on the model surface (<see cref="MorphableModel.Triangles"/> barycentrics).</param>
public sealed record SynthesisLayout(string Name, IReadOnlyList<SurfacePoint> Points)
{
    /// <summary>The iBUG / Multi-PIE 68 layout from <see cref="IctLandmarks.MultiPie68"/> (each vertex as a corner of a triangle that uses it).</summary>
    public static SynthesisLayout Ibug68(MorphableModel model) => FromVertices(model, "ibug68", IctLandmarks.MultiPie68);

    /// <summary>A layout from the built-in or user-defined landmark layouts (dense520, full703, rt320, ...).</summary>
    public static SynthesisLayout From(DenseFace.FaceModel.Layouts.LandmarkLayout layout) =>
        new(layout.Name, layout.SurfacePoints.ToArray());

    /// <summary>A layout whose points sit exactly on the given vertices.</summary>
    public static SynthesisLayout FromVertices(MorphableModel model, string name, ReadOnlySpan<int> vertices)
    {
        ArgumentNullException.ThrowIfNull(model);
        var tris = model.Triangles;
        var first = new Dictionary<int, SurfacePoint>();
        var wanted = new HashSet<int>(vertices.ToArray());
        for (int t = 0; t < model.TriangleCount && first.Count < wanted.Count; t++)
            for (int k = 0; k < 3; k++)
            {
                int v = tris[3 * t + k];
                if (wanted.Contains(v) && !first.ContainsKey(v))
                    first[v] = new SurfacePoint(t, k == 1 ? 1 : 0, k == 2 ? 1 : 0);
            }
        var points = new SurfacePoint[vertices.Length];
        for (int i = 0; i < vertices.Length; i++)
            points[i] = first.TryGetValue(vertices[i], out var sp) ? sp
                : throw new InvalidInputException(name, $"vertex {vertices[i]} (point {i}) is not used by any triangle");
        return new SynthesisLayout(name, points);
    }
}

/// <summary>A photo usable as background; <paramref name="FaceBox"/> (pixels), when known, is kept out of the crops.</summary>
public sealed record BackgroundPhoto(string Path, RectangleF? FaceBox = null)
{
    /// <summary>
    /// Up to <paramref name="max"/> photos with iBUG .pts files under <paramref name="folders"/> (sorted by path),
    /// each with the bounds of its annotated landmarks as the face box to avoid; unreadable .pts files are skipped.
    /// </summary>
    public static IReadOnlyList<BackgroundPhoto> FromAnnotatedPhotos(IEnumerable<string> folders, int max)
    {
        var list = new List<BackgroundPhoto>();
        foreach (var root in folders)
        {
            if (!Directory.Exists(root)) continue;
            foreach (var pts in Directory.EnumerateFiles(root, "*.pts", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            {
                if (list.Count >= max) return list;
                var image = new[] { ".jpg", ".png" }.Select(e => System.IO.Path.ChangeExtension(pts, e)).FirstOrDefault(File.Exists);
                if (image is null) continue;
                try
                {
                    var p = DenseFace.Evaluation.Datasets.PtsFile.Read(pts).Points;
                    float x0 = p.Min(q => q.X), y0 = p.Min(q => q.Y), x1 = p.Max(q => q.X), y1 = p.Max(q => q.Y);
                    list.Add(new BackgroundPhoto(image, new RectangleF(x0, y0, x1 - x0, y1 - y0)));
                }
                catch (InvalidInputException) { }
            }
        }
        return list;
    }
}

/// <summary>Settings of <see cref="SyntheticFaceGenerator"/>. Angles in degrees, distances in cm, sizes in pixels.</summary>
public sealed record SynthesisOptions
{
    /// <summary>Master seed: sample i depends only on (Seed, i).</summary>
    public int Seed { get; init; }
    /// <summary>Output image width and height.</summary>
    public int ImageSize { get; init; } = 256;
    /// <summary>Renderer supersampling per side (1 to 4).</summary>
    public int Supersampling { get; init; } = 2;
    /// <summary>Threads used inside one render (1 suits parallel generation of many samples; the output does not depend on it).</summary>
    public int RenderThreads { get; init; } = 1;

    /// <summary>|yaw| limit (turn, positive = face toward the image right).</summary>
    public float MaxYaw { get; init; } = 90;
    /// <summary>|pitch| limit (positive = face tilted down).</summary>
    public float MaxPitch { get; init; } = 40;
    /// <summary>|roll| limit.</summary>
    public float MaxRoll { get; init; } = 30;

    /// <summary>Identity coefficients β ~ N(0, 1) truncated to ±this.</summary>
    public float IdentityTruncation { get; init; } = 2.5f;
    /// <summary>Most expression groups (blink, smile, jaw, gaze, ...) active at once.</summary>
    public int MaxActiveExpressions { get; init; } = 3;

    /// <summary>Focal length range as a multiple of the image size (1 ≈ 53° field of view, 4 ≈ 14°).</summary>
    public float MinFocalFactor { get; init; } = 1.0f;
    public float MaxFocalFactor { get; init; } = 4.0f;
    /// <summary>Range of the head's size (chin to crown, about 23 cm) as a fraction of the image size.</summary>
    public float MinHeadFraction { get; init; } = 0.55f;
    public float MaxHeadFraction { get; init; } = 0.95f;
    /// <summary>Largest offset of the head centre from the image centre, as a fraction of the image size.</summary>
    public float MaxCentreOffset { get; init; } = 0.1f;

    /// <summary>Photos to crop backgrounds from (none: procedural backgrounds only).</summary>
    public IReadOnlyList<BackgroundPhoto> Backgrounds { get; init; } = [];
    /// <summary>Chance of a photo background when photos are given.</summary>
    public float PhotoBackgroundProbability { get; init; } = 0.75f;

    /// <summary>Chance of one or more occluders (blobs, hands, bars).</summary>
    public float OccluderProbability { get; init; } = 0.3f;
    /// <summary>Chance of glasses frames.</summary>
    public float GlassesProbability { get; init; } = 0.15f;
    /// <summary>Chance of each degradation (blur, noise, JPEG, colour jitter, gamma).</summary>
    public float DegradationProbability { get; init; } = 0.3f;

    /// <summary>Distinct people (painted textures) drawn from; they are painted lazily and cached.</summary>
    public int AppearancePoolSize { get; init; } = 32;
    /// <summary>Face skin texture size (other textures are half).</summary>
    public int TextureSize { get; init; } = 512;

    /// <summary>Textures taken from photos (<see cref="RealTexture.LoadFolder"/>); none: every person is painted.</summary>
    public IReadOnlyList<RealTexture> RealTextures { get; init; } = [];
    /// <summary>Chance that a person of the appearance pool wears a real texture (when <see cref="RealTextures"/> are given).</summary>
    public float RealTextureProbability { get; init; } = 0.5f;

    /// <summary>Layouts to label; empty = iBUG 68 only.</summary>
    public IReadOnlyList<SynthesisLayout> Layouts { get; init; } = [];

    internal void Validate()
    {
        DenseFace.Imaging.Image8.Validate(ImageSize, ImageSize, 3, nameof(ImageSize));
        if (ImageSize < 16 || ImageSize > 4096) throw new InvalidInputException(nameof(ImageSize), $"{ImageSize} px is outside 16..4096");
        if (Supersampling is < 1 or > 4) throw new InvalidInputException(nameof(Supersampling), $"{Supersampling} (expected 1 to 4)");
        if (RenderThreads == 0 || RenderThreads < -1) throw new InvalidInputException(nameof(RenderThreads), $"{RenderThreads} (expected -1 or a positive count)");
        Range(nameof(MaxYaw), MaxYaw, 0, 180); Range(nameof(MaxPitch), MaxPitch, 0, 90); Range(nameof(MaxRoll), MaxRoll, 0, 180);
        Range(nameof(IdentityTruncation), IdentityTruncation, 0, 10);
        if (MaxActiveExpressions is < 0 or > 20) throw new InvalidInputException(nameof(MaxActiveExpressions), $"{MaxActiveExpressions} (expected 0 to 20)");
        Range(nameof(MinFocalFactor), MinFocalFactor, 0.1f, 50); Range(nameof(MaxFocalFactor), MaxFocalFactor, MinFocalFactor, 50);
        Range(nameof(MinHeadFraction), MinHeadFraction, 0.05f, 3); Range(nameof(MaxHeadFraction), MaxHeadFraction, MinHeadFraction, 3);
        Range(nameof(MaxCentreOffset), MaxCentreOffset, 0, 0.5f);
        Range(nameof(PhotoBackgroundProbability), PhotoBackgroundProbability, 0, 1); Range(nameof(OccluderProbability), OccluderProbability, 0, 1);
        Range(nameof(GlassesProbability), GlassesProbability, 0, 1); Range(nameof(DegradationProbability), DegradationProbability, 0, 1);
        if (AppearancePoolSize is < 1 or > 100_000) throw new InvalidInputException(nameof(AppearancePoolSize), $"{AppearancePoolSize} (expected 1 to 100000)");
        if (TextureSize is < 16 or > SkinAlbedo.MaxSize) throw new InvalidInputException(nameof(TextureSize), $"{TextureSize} (expected 16 to {SkinAlbedo.MaxSize})");
        Range(nameof(RealTextureProbability), RealTextureProbability, 0, 1);
        ArgumentNullException.ThrowIfNull(RealTextures);
        foreach (var t in RealTextures) { ArgumentNullException.ThrowIfNull(t); t.Validate(); }
        ArgumentNullException.ThrowIfNull(Backgrounds);
        ArgumentNullException.ThrowIfNull(Layouts);
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var l in Layouts)
            if (string.IsNullOrEmpty(l.Name) || !names.Add(l.Name)) throw new InvalidInputException(nameof(Layouts), $"layout name '{l.Name}' is empty or repeated");
    }

    static void Range(string name, float v, float lo, float hi)
    {
        if (!(v >= lo && v <= hi)) throw new InvalidInputException(name, $"{v} is outside [{lo}, {hi}]");
    }
}
