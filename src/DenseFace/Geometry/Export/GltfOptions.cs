using System.Numerics;

namespace DenseFace.Geometry.Export;

/// <summary>Options for <see cref="GltfWriter"/>.</summary>
public sealed record GltfOptions
{
    /// <summary>
    /// Factor from model units to glTF metres applied to positions and morph deltas. Default 0.01 (the face
    /// model is in centimetres). Must be positive (a negative factor would mirror the mesh and flip its winding).
    /// </summary>
    public float Scale { get; init; } = 0.01f;

    /// <summary>Write NORMAL (smooth area-weighted normals, continuous across UV seams). Default true.</summary>
    public bool IncludeNormals { get; init; } = true;

    /// <summary>Encoded PNG file bytes embedded as the material's baseColorTexture (needs mesh UVs). Default none.</summary>
    public byte[]? BaseColorTexturePng { get; init; }

    /// <summary>Linear RGBA base colour factor of the PBR material (multiplies the texture when there is one).</summary>
    public Vector4 BaseColorFactor { get; init; } = new(0.8f, 0.8f, 0.8f, 1f);

    /// <summary>Material roughness in [0, 1] (metallic is 0). Default 0.7.</summary>
    public float Roughness { get; init; } = 0.7f;

    /// <summary>Current morph weights (<c>mesh.weights</c>), one per morph target; null means all 0.</summary>
    public IReadOnlyList<float>? MorphWeights { get; init; }

    /// <summary>
    /// Store a morph target as a sparse accessor (only the vertices it moves) when that is smaller than dense
    /// storage; expression shapes are local, so this shrinks the file several times. Readers that lack sparse
    /// support are rare (three.js, Blender and Babylon.js read it). Default true.
    /// </summary>
    public bool SparseMorphTargets { get; init; } = true;

    /// <summary>Name of the mesh and node. Default "DenseFace".</summary>
    public string MeshName { get; init; } = "DenseFace";
}
