namespace DenseFace.Geometry.Export;

/// <summary>
/// Converts OBJ-style separate position/UV indexing into one index per vertex (what glTF and GPU vertex
/// buffers need) by splitting vertices on UV seams. Output vertex <c>i &lt; Positions.Length</c> is mesh vertex
/// <c>i</c> with the UV of its first corner (so vertex numbering is stable); every further distinct
/// (position, UV) pair is appended as a copy. Without UVs the mapping is the identity.
/// </summary>
internal sealed class UvSeamSplit
{
    /// <summary>Source position index of every output vertex.</summary>
    public int[] SourceVertex { get; }
    /// <summary>Source UV index of every output vertex; -1 for vertices no triangle references (or when the mesh has no UVs).</summary>
    public int[] SourceUv { get; }
    /// <summary>Triangle corner indices into the output vertices (same order and winding as the mesh).</summary>
    public int[] Indices { get; }
    public int VertexCount => SourceVertex.Length;

    UvSeamSplit(int[] sourceVertex, int[] sourceUv, int[] indices) { SourceVertex = sourceVertex; SourceUv = sourceUv; Indices = indices; }

    /// <summary>Splits <paramref name="mesh"/>, whose UV indices must already be validated.</summary>
    public static UvSeamSplit Build(TriangleMesh mesh)
    {
        int n = mesh.Positions.Length;
        var tris = mesh.Triangles;
        if (mesh.UvTriangles is not { } uvTris)
        {
            var identity = new int[n];
            for (int i = 0; i < n; i++) identity[i] = i;
            var none = new int[n];
            Array.Fill(none, -1);
            return new UvSeamSplit(identity, none, (int[])tris.Clone());
        }

        var firstUv = new int[n];
        Array.Fill(firstUv, -1);
        var extraVertex = new List<int>();
        var extraUv = new List<int>();
        var copies = new Dictionary<long, int>();
        var indices = new int[tris.Length];
        for (int c = 0; c < tris.Length; c++)
        {
            int v = tris[c], uv = uvTris[c];
            if (firstUv[v] < 0) firstUv[v] = uv;
            if (firstUv[v] == uv) { indices[c] = v; continue; }
            long key = ((long)v << 32) | (uint)uv;
            if (!copies.TryGetValue(key, out int k))
            {
                k = n + extraVertex.Count;
                copies.Add(key, k);
                extraVertex.Add(v); extraUv.Add(uv);
            }
            indices[c] = k;
        }
        var srcV = new int[n + extraVertex.Count];
        var srcUv = new int[srcV.Length];
        for (int i = 0; i < n; i++) { srcV[i] = i; srcUv[i] = firstUv[i]; }
        extraVertex.CopyTo(srcV, n);
        extraUv.CopyTo(srcUv, n);
        return new UvSeamSplit(srcV, srcUv, indices);
    }
}
