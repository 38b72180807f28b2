using System.Numerics;

namespace DenseFace.Geometry.Export;

/// <summary>
/// Consistency checks every writer runs before it creates a file: <see cref="TriangleMesh"/> validates its
/// triangle indices, but its optional UV and morph-target members are plain init properties.
/// </summary>
internal static class MeshExportChecks
{
    /// <summary>Throws <see cref="InvalidInputException"/> naming <paramref name="inputName"/> when the mesh cannot be exported.</summary>
    public static void Validate(TriangleMesh mesh, string inputName)
    {
        ArgumentNullException.ThrowIfNull(mesh, inputName);
        if (mesh.Positions.Length == 0)
            throw new InvalidInputException(inputName, "mesh has no vertices");
        for (int i = 0; i < mesh.Positions.Length; i++)
            if (!IsFinite(mesh.Positions[i]))
                throw new InvalidInputException(inputName, $"vertex {i} position is not finite ({mesh.Positions[i]})");

        if ((mesh.Uvs is null) != (mesh.UvTriangles is null))
            throw new InvalidInputException(inputName, "Uvs and UvTriangles must be given together");
        if (mesh.Uvs is { } uvs && mesh.UvTriangles is { } uvTris)
        {
            if (uvTris.Length != mesh.Triangles.Length)
                throw new InvalidInputException(inputName, $"UvTriangles has {uvTris.Length} indices, Triangles has {mesh.Triangles.Length}");
            for (int i = 0; i < uvTris.Length; i++)
                if ((uint)uvTris[i] >= (uint)uvs.Length)
                    throw new InvalidInputException(inputName, $"UV index {uvTris[i]} at corner {i} out of range (0..{uvs.Length - 1})");
            for (int i = 0; i < uvs.Length; i++)
                if (!float.IsFinite(uvs[i].X) || !float.IsFinite(uvs[i].Y))
                    throw new InvalidInputException(inputName, $"UV {i} is not finite ({uvs[i]})");
        }

        for (int t = 0; t < mesh.MorphTargets.Count; t++)
        {
            var (name, deltas) = mesh.MorphTargets[t];
            if (name is null) throw new InvalidInputException(inputName, $"morph target {t} has no name");
            if (deltas is null || deltas.Length != mesh.Positions.Length)
                throw new InvalidInputException(inputName, $"morph target '{name}' has {deltas?.Length ?? 0} deltas, expected {mesh.Positions.Length}");
            for (int i = 0; i < deltas.Length; i++)
                if (!IsFinite(deltas[i]))
                    throw new InvalidInputException(inputName, $"morph target '{name}' delta {i} is not finite ({deltas[i]})");
        }
    }

    public static bool IsFinite(Vector3 v) => float.IsFinite(v.X) && float.IsFinite(v.Y) && float.IsFinite(v.Z);
}
