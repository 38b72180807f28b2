using System.Numerics;

namespace DenseFace.Geometry;

/// <summary>
/// A triangle mesh in model units (centimetres for the face model). Positions are indexed by
/// <see cref="Triangles"/>; texture coordinates (u right, v up, OBJ convention) have their own index
/// list <see cref="UvTriangles"/> because a vertex can sit on a UV seam. Optional morph targets hold
/// per-vertex position offsets (same length as <see cref="Positions"/>) with their names.
/// </summary>
public sealed class TriangleMesh
{
    /// <summary>Vertex positions in model units (centimetres for the face model; x right, y up, z towards the viewer as in ICT-FaceKit).</summary>
    public Vector3[] Positions { get; }
    /// <summary>Vertex indices, three per triangle, counter-clockwise seen from outside.</summary>
    public int[] Triangles { get; }
    /// <summary>Texture coordinates (u right, v up, both in [0, 1]); null when the mesh has none.</summary>
    public Vector2[]? Uvs { get; init; }
    /// <summary>Indices into <see cref="Uvs"/>, parallel to <see cref="Triangles"/>.</summary>
    public int[]? UvTriangles { get; init; }
    /// <summary>Named position offsets (e.g. the 53 ARKit expressions) for formats with morph targets.</summary>
    public IReadOnlyList<(string Name, Vector3[] Deltas)> MorphTargets { get; init; } = [];

    /// <summary>A mesh on <paramref name="positions"/> (kept, not copied) with three vertex indices per triangle; throws when an index is out of range.</summary>
    public TriangleMesh(Vector3[] positions, int[] triangles)
    {
        if (triangles.Length % 3 != 0) throw new ArgumentException("triangle index count must be a multiple of 3", nameof(triangles));
        foreach (var t in triangles)
            if ((uint)t >= (uint)positions.Length) throw new ArgumentException($"triangle index {t} out of range (0..{positions.Length - 1})", nameof(triangles));
        Positions = positions; Triangles = triangles;
    }

    /// <summary>Number of triangles (<see cref="Triangles"/> length / 3).</summary>
    public int TriangleCount => Triangles.Length / 3;

    /// <summary>Area-weighted vertex normals, normalised (zero for isolated vertices).</summary>
    public Vector3[] ComputeVertexNormals()
    {
        var n = new Vector3[Positions.Length];
        ComputeVertexNormals(n);
        return n;
    }

    /// <summary>Writes the area-weighted, normalised vertex normals into <paramref name="n"/> (its first <see cref="Positions"/>.Length entries), allocating nothing.</summary>
    /// <exception cref="ArgumentException"><paramref name="n"/> is shorter than <see cref="Positions"/>.</exception>
    public void ComputeVertexNormals(Span<Vector3> n)
    {
        if (n.Length < Positions.Length) throw new ArgumentException($"room for {n.Length} normals, {Positions.Length} needed", nameof(n));
        n = n[..Positions.Length];
        n.Clear();
        for (int t = 0; t < Triangles.Length; t += 3)
        {
            int a = Triangles[t], b = Triangles[t + 1], c = Triangles[t + 2];
            var fn = Vector3.Cross(Positions[b] - Positions[a], Positions[c] - Positions[a]);
            n[a] += fn; n[b] += fn; n[c] += fn;
        }
        for (int i = 0; i < n.Length; i++) { var l = n[i].Length(); if (l > 0) n[i] /= l; }
    }
}
