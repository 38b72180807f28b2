namespace DenseFace.Geometry.Export;

/// <summary>Options for <see cref="ObjWriter"/>.</summary>
public sealed record ObjOptions
{
    /// <summary>Write smooth per-vertex normals (<c>vn</c>, one per position, area-weighted). Default true.</summary>
    public bool WriteNormals { get; init; } = true;

    /// <summary>Write texture coordinates (<c>vt</c>) when the mesh has them. Default true.</summary>
    public bool WriteUvs { get; init; } = true;

    /// <summary>
    /// File name (usually relative to the OBJ's folder, e.g. <c>"face.png"</c>) of the diffuse texture. When set,
    /// a material library with the OBJ's name and extension <c>.mtl</c> is written next to it, referencing the
    /// image with <c>map_Kd</c>, and the OBJ gets <c>mtllib</c> + <c>usemtl</c>. The image itself is not written.
    /// </summary>
    public string? TextureFileName { get; init; }

    /// <summary>Material name used by <c>newmtl</c>/<c>usemtl</c>. Default "DenseFace".</summary>
    public string MaterialName { get; init; } = "DenseFace";
}
