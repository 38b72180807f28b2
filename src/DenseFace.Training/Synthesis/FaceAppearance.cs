using System.Numerics;
using DenseFace.FaceModel;
using DenseFace.Geometry;
using DenseFace.Imaging;
using DenseFace.Rendering;

namespace DenseFace.Training.Synthesis;

/// <summary>
/// Everything needed to render one synthetic person's head: the procedural textures (<see cref="SkinAlbedo"/>)
/// and one <see cref="RenderMaterial"/> per <see cref="HeadGeometry"/> material slot. Immutable and shareable
/// between threads.
/// </summary>
public sealed class FaceAppearance
{
    /// <summary>The random choices the textures were painted from.</summary>
    public AppearanceParameters Parameters { get; }
    /// <summary>Face skin, UV tile 0 (sRGB).</summary>
    public Image8 SkinTexture { get; }
    /// <summary>Scalp, neck, mouth and eye sockets, UV tile 1 (sRGB).</summary>
    public Image8 HeadTexture { get; }
    /// <summary>Inner eyeball spheres (iris, pupil, sclera), UV tile 0 (sRGB).</summary>
    public Image8 EyeLeftTexture { get; }
    public Image8 EyeRightTexture { get; }
    /// <summary>Materials indexed by the <see cref="HeadGeometry"/> slots.</summary>
    public IReadOnlyList<RenderMaterial> Materials { get; }

    FaceAppearance(MorphableModel model, AppearanceParameters p, int size, Image8? skin = null, Image8? head = null)
    {
        Parameters = p;
        SkinTexture = skin ?? SkinAlbedo.PaintSkin(model, p, size);
        HeadTexture = head ?? SkinAlbedo.PaintHead(model, p, Math.Max(8, size / 2));
        EyeLeftTexture = SkinAlbedo.PaintEye(model, p, left: true, Math.Max(8, size / 2));
        EyeRightTexture = SkinAlbedo.PaintEye(model, p, left: false, Math.Max(8, size / 2));
        var mats = new RenderMaterial[HeadGeometry.SlotCount];
        mats[HeadGeometry.Skin] = new RenderMaterial { Texture = SkinTexture, Specular = 0.12f, Shininess = 16 };
        mats[HeadGeometry.Head] = new RenderMaterial { Texture = HeadTexture, UvOrigin = new Vector2(1, 0), Specular = 0.12f, Shininess = 16 };
        mats[HeadGeometry.Mouth] = new RenderMaterial { Color = new Vector3(0.40f, 0.09f, 0.09f), Specular = 0.35f, Shininess = 40 };
        mats[HeadGeometry.Teeth] = new RenderMaterial { Color = p.TeethColor, Specular = 0.3f, Shininess = 40 };
        mats[HeadGeometry.EyeLeft] = new RenderMaterial { Texture = EyeLeftTexture, Specular = 1.2f, Shininess = 90 };
        mats[HeadGeometry.EyeRight] = new RenderMaterial { Texture = EyeRightTexture, Specular = 1.2f, Shininess = 90 };
        mats[HeadGeometry.Lashes] = new RenderMaterial { Color = Vector3.Lerp(p.HairColor, new Vector3(0.015f), 0.6f), Opacity = 0.45f, InMask = false };
        Materials = mats;
    }

    /// <summary>Paints a person drawn from <paramref name="seed"/>; the skin texture is <paramref name="size"/>², the others half that.</summary>
    public static FaceAppearance Generate(MorphableModel model, int seed, int size = 512) => new(model, AppearanceParameters.Sample(seed), size);

    /// <summary>
    /// A person wearing a texture taken from a photo (<see cref="RealTexture"/>): its face tile replaces the painted
    /// skin, and its head tile the painted head when given; eyes, mouth and lashes follow <paramref name="parameters"/>.
    /// </summary>
    /// <exception cref="InvalidInputException">A texture file cannot be read or is not RGB.</exception>
    public static FaceAppearance FromTexture(MorphableModel model, AppearanceParameters parameters, RealTexture texture, int size = 512)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(texture);
        static Image8 Load(string path)
        {
            var img = ImageIO.Load(path);
            return img.Channels == 3 ? img : img.ConvertTo(3);
        }
        return new FaceAppearance(model, parameters, size, Load(texture.FacePath), texture.HeadPath is null ? null : Load(texture.HeadPath));
    }

    /// <summary>A person wearing given face-tile (tile 0) and optional head-tile (tile 1) RGB textures (sRGB), e.g. from <see cref="TextureExtractor"/>.</summary>
    public static FaceAppearance FromTextures(MorphableModel model, AppearanceParameters parameters, Image8 skin, Image8? head = null, int size = 512)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(skin);
        if (skin.Channels != 3 || head is { Channels: not 3 }) throw new InvalidInputException("texture", "face and head textures must be RGB");
        return new FaceAppearance(model, parameters, size, skin, head);
    }

    /// <summary>Paints a person with given parameters.</summary>
    public static FaceAppearance Create(MorphableModel model, AppearanceParameters parameters, int size = 512)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        return new FaceAppearance(model, parameters, size);
    }
}

/// <summary>
/// The triangles drawn for a synthetic head and the material slot of each: face skin, scalp/neck/mouth and eye
/// sockets, gums and tongue, teeth, the inner eyeball spheres (the iris sub-areas, painted as whole eyes), and the
/// upper eyelashes (blended; the lower-lash cards need a strand texture to look right and are left out). The outer sclera shells, lacrimal fluid, eye-blend and eye-occlusion overlays are left out:
/// they are transparent layers for a real-time shader. Cached per model.
/// </summary>
public sealed class HeadGeometry
{
    public const int Skin = 0, Head = 1, Mouth = 2, Teeth = 3, EyeLeft = 4, EyeRight = 5, Lashes = 6, SlotCount = 7;

    static readonly System.Runtime.CompilerServices.ConditionalWeakTable<MorphableModel, HeadGeometry> Cache = new();

    /// <summary>Vertex indices (three per triangle) into the model's full vertex array.</summary>
    public int[] Triangles { get; }
    /// <summary>UV indices parallel to <see cref="Triangles"/>.</summary>
    public int[] UvTriangles { get; }
    /// <summary>Material slot per triangle.</summary>
    public int[] TriangleMaterials { get; }
    /// <summary>The model's triangle index of each kept triangle.</summary>
    public int[] SourceTriangles { get; }

    readonly Vector2[] _uvs;

    public static HeadGeometry For(MorphableModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return Cache.GetValue(model, m => new HeadGeometry(m));
    }

    HeadGeometry(MorphableModel model)
    {
        var ranges = new (IndexRange Range, int Slot)[]
        {
            (model.TriangleRange(FacePart.Face), Skin),
            (model.TriangleRange(FacePart.HeadAndNeck), Head),
            (model.TriangleRange(FacePart.MouthSocket), Head),
            (model.TriangleRange(FacePart.EyeSocketLeft), Head),
            (model.TriangleRange(FacePart.EyeSocketRight), Head),
            (model.TriangleRange(FacePart.GumsAndTongue), Mouth),
            (model.TriangleRange(FacePart.Teeth), Teeth),
            (model.TriangleRange(FaceSubArea.IrisLeft), EyeLeft),
            (model.TriangleRange(FaceSubArea.IrisRight), EyeRight),
            (model.TriangleRange(FacePart.EyelashesLeft), Lashes),
            (model.TriangleRange(FacePart.EyelashesRight), Lashes),
        };
        var tris = model.Triangles; var uvTris = model.TriangleUvIndices;
        var pos = model.NeutralPositions;
        // Without a strand texture the lower-lash cards read as grey bags under the eyes: keep the upper lashes only
        // (triangles whose neutral centroid is above the eye's centre line, landmarks 36-47).
        float eyeY = 0;
        for (int i = 36; i < 48; i++) eyeY += pos[IctLandmarks.MultiPie68[i]].Y / 12;
        var kept = new List<(int Triangle, int Slot)>();
        foreach (var (range, slot) in ranges)
            for (int t = range.Start; t < range.End; t++)
                if (slot != Lashes || (pos[tris[3 * t]].Y + pos[tris[3 * t + 1]].Y + pos[tris[3 * t + 2]].Y) / 3 > eyeY) kept.Add((t, slot));
        int count = kept.Count;
        Triangles = new int[3 * count]; UvTriangles = new int[3 * count]; TriangleMaterials = new int[count]; SourceTriangles = new int[count];
        for (int k = 0; k < count; k++)
        {
            var (t, slot) = kept[k];
            tris.Slice(3 * t, 3).CopyTo(Triangles.AsSpan(3 * k));
            uvTris.Slice(3 * t, 3).CopyTo(UvTriangles.AsSpan(3 * k));
            TriangleMaterials[k] = slot;
            SourceTriangles[k] = t;
        }
        _uvs = model.Uvs.ToArray();
    }

    /// <summary>A render mesh over <paramref name="positions"/> (all model vertices, cm; vertices of parts not drawn are ignored).</summary>
    public TriangleMesh BuildMesh(Vector3[] positions) => new(positions, Triangles) { Uvs = _uvs, UvTriangles = UvTriangles };
}
