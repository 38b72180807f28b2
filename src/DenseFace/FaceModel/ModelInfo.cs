namespace DenseFace.FaceModel;

/// <summary>Index ranges of one <see cref="FacePart"/> in vertices, original polygons and triangles.</summary>
public readonly record struct PartInfo(FacePart Part, IndexRange Vertices, IndexRange Polygons, IndexRange Triangles);

/// <summary>Summary of a <see cref="MorphableModel"/> (what <c>denseface model info</c> prints). <see cref="Parts"/> is empty for a non-ICT topology.</summary>
public sealed record ModelInfo(
    int Vertices,
    int Polygons,
    int Triangles,
    int Uvs,
    int IdentityModes,
    int Expressions,
    IReadOnlyList<string> ExpressionNames,
    int Landmarks,
    IReadOnlyList<PartInfo> Parts,
    string Units);
