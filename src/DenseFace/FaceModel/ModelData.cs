namespace DenseFace.FaceModel;

/// <summary>
/// The raw arrays a <see cref="MorphableModel"/> is built from (what the loaders produce and the binary
/// cache stores). All arrays are validated by <see cref="Validate"/> before a model is constructed.
/// </summary>
internal sealed class ModelData
{
    public required int VertexCount;
    public required float[] Neutral;            // 3V: x0 y0 z0 x1 ...
    public required float[] Identity;           // K*3V, mode-major
    public required float[] Expression;         // E*3V, mode-major
    public required string[] ExpressionNames;   // E
    public required int[] PolygonOffsets;       // P+1
    public required int[] PolygonVertices;      // corners
    public required int[] PolygonUvs;           // corners, or empty when the OBJ has no texture coordinates
    public required float[] Uvs;                // 2 per texture coordinate
    public required string[] MaterialNames;
    public required int[] MaterialFirstPolygon;
    public required int[] Landmarks68;
    public required int[] FittingVertices;
    public required int[] RigidVertices;
    public required int[] LaplacianRigidVertices;
    public required int[] RigidLandmarkIndices;
    public string[] MissingShapes = [];
    public bool FromCache;

    public int IdentityCount => Identity.Length / Math.Max(1, 3 * VertexCount);
    public int ExpressionCount => ExpressionNames.Length;

    /// <summary>Checks every size and index; throws <see cref="InvalidInputException"/> naming <paramref name="source"/>.</summary>
    public void Validate(string source)
    {
        int v = VertexCount, n = 3 * v;
        if (v <= 0) throw new InvalidInputException(source, "model has no vertices");
        if (Neutral.Length != n) throw new InvalidInputException(source, $"neutral has {Neutral.Length} floats, expected {n}");
        if (Identity.Length % n != 0) throw new InvalidInputException(source, $"identity basis has {Identity.Length} floats, not a multiple of 3V = {n}");
        if (Expression.Length != ExpressionNames.Length * (long)n)
            throw new InvalidInputException(source, $"expression basis has {Expression.Length} floats, expected {ExpressionNames.Length} x {n}");
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var name in ExpressionNames)
            if (string.IsNullOrEmpty(name) || !seen.Add(name)) throw new InvalidInputException(source, $"expression name '{name}' is empty or repeated");
        if (PolygonOffsets.Length < 2 || PolygonOffsets[0] != 0 || PolygonOffsets[^1] != PolygonVertices.Length)
            throw new InvalidInputException(source, "polygon offsets do not cover the polygon corner list");
        for (int p = 0; p + 1 < PolygonOffsets.Length; p++)
            if (PolygonOffsets[p + 1] - PolygonOffsets[p] < 3) throw new InvalidInputException(source, $"polygon {p} has fewer than 3 corners");
        CheckIndices(PolygonVertices, v, "polygon vertex", source);
        if (PolygonUvs.Length != 0)
        {
            if (PolygonUvs.Length != PolygonVertices.Length) throw new InvalidInputException(source, "some polygon corners have texture coordinates and others not");
            CheckIndices(PolygonUvs, Uvs.Length / 2, "polygon texture coordinate", source);
        }
        if (MaterialNames.Length != MaterialFirstPolygon.Length) throw new InvalidInputException(source, "material table is inconsistent");
        CheckIndices(Landmarks68, v, "landmark vertex", source);
        CheckIndices(FittingVertices, v, "fitting vertex", source);
        CheckIndices(RigidVertices, v, "rigid vertex", source);
        CheckIndices(LaplacianRigidVertices, v, "Laplacian rigid vertex", source);
        CheckIndices(RigidLandmarkIndices, Landmarks68.Length, "rigid landmark index", source);
        foreach (var f in Neutral) if (!float.IsFinite(f)) throw new InvalidInputException(source, "neutral contains NaN or infinity");
        if (!AllFinite(Identity) || !AllFinite(Expression)) throw new InvalidInputException(source, "a shape basis contains NaN or infinity");
    }

    static bool AllFinite(float[] a)
    {
        // x - x is 0 for finite x and NaN for NaN or ±infinity, so a NaN anywhere poisons the sum.
        var s = a.AsSpan();
        var vectors = System.Runtime.InteropServices.MemoryMarshal.Cast<float, System.Numerics.Vector<float>>(s);
        var acc = System.Numerics.Vector<float>.Zero;
        foreach (var v in vectors) acc += v - v;
        float tail = 0;
        for (int i = vectors.Length * System.Numerics.Vector<float>.Count; i < s.Length; i++) tail += s[i] - s[i];
        return System.Numerics.Vector.Sum(acc) == 0 && tail == 0;
    }

    static void CheckIndices(int[] idx, int count, string what, string source)
    {
        for (int i = 0; i < idx.Length; i++)
            if ((uint)idx[i] >= (uint)count) throw new InvalidInputException(source, $"{what} index {idx[i]} (entry {i}) is outside 0..{count - 1}");
    }
}
