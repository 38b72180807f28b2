using System.Numerics;
using DenseFace.Geometry;

namespace DenseFace.Tests.Geometry;

/// <summary>Small meshes with known structure for the writer and renderer tests.</summary>
internal static class TestMeshes
{
    /// <summary>
    /// Axis-aligned cube [-h, h]^3 with 8 shared positions, 12 outward CCW triangles and a 3x2 UV atlas
    /// (each face its own 4 UVs, so every edge is a UV seam: 24 distinct (position, uv) corners).
    /// </summary>
    public static TriangleMesh UvCube(float h = 1f)
    {
        var p = new Vector3[8];
        for (int i = 0; i < 8; i++) p[i] = new Vector3((i & 1) != 0 ? h : -h, (i & 2) != 0 ? h : -h, (i & 4) != 0 ? h : -h);
        // Faces as quads (CCW seen from outside): -x, +x, -y, +y, -z, +z.
        int[][] quads = [[0, 4, 6, 2], [1, 3, 7, 5], [0, 1, 5, 4], [2, 6, 7, 3], [0, 2, 3, 1], [4, 5, 7, 6]];
        var tris = new List<int>(); var uvTris = new List<int>(); var uvs = new List<Vector2>();
        for (int f = 0; f < 6; f++)
        {
            float u0 = f % 3 / 3f, v0 = f / 3 / 2f;
            int b = uvs.Count;
            uvs.AddRange([new(u0, v0), new(u0 + 1 / 3f, v0), new(u0 + 1 / 3f, v0 + 0.5f), new(u0, v0 + 0.5f)]);
            var q = quads[f];
            tris.AddRange([q[0], q[1], q[2], q[0], q[2], q[3]]);
            uvTris.AddRange([b, b + 1, b + 2, b, b + 2, b + 3]);
        }
        return new TriangleMesh(p, tris.ToArray()) { Uvs = uvs.ToArray(), UvTriangles = uvTris.ToArray() };
    }

    /// <summary>Unit-radius icosphere (outward CCW), <paramref name="subdivisions"/> midpoint subdivisions of an icosahedron.</summary>
    public static TriangleMesh Icosphere(int subdivisions, float radius = 1f, Vector3 centre = default)
    {
        float t = (1f + MathF.Sqrt(5f)) / 2f;
        var verts = new List<Vector3>
        {
            new(-1, t, 0), new(1, t, 0), new(-1, -t, 0), new(1, -t, 0),
            new(0, -1, t), new(0, 1, t), new(0, -1, -t), new(0, 1, -t),
            new(t, 0, -1), new(t, 0, 1), new(-t, 0, -1), new(-t, 0, 1),
        };
        for (int i = 0; i < verts.Count; i++) verts[i] = Vector3.Normalize(verts[i]);
        var faces = new List<int>
        {
            0, 11, 5, 0, 5, 1, 0, 1, 7, 0, 7, 10, 0, 10, 11, 1, 5, 9, 5, 11, 4, 11, 10, 2, 10, 7, 6, 7, 1, 8,
            3, 9, 4, 3, 4, 2, 3, 2, 6, 3, 6, 8, 3, 8, 9, 4, 9, 5, 2, 4, 11, 6, 2, 10, 8, 6, 7, 9, 8, 1,
        };
        for (int s = 0; s < subdivisions; s++)
        {
            var mid = new Dictionary<(int, int), int>();
            int Mid(int a, int b)
            {
                var key = a < b ? (a, b) : (b, a);
                if (!mid.TryGetValue(key, out int m)) { m = verts.Count; verts.Add(Vector3.Normalize(verts[a] + verts[b])); mid[key] = m; }
                return m;
            }
            var next = new List<int>();
            for (int i = 0; i < faces.Count; i += 3)
            {
                int a = faces[i], b = faces[i + 1], c = faces[i + 2];
                int ab = Mid(a, b), bc = Mid(b, c), ca = Mid(c, a);
                next.AddRange([a, ab, ca, b, bc, ab, c, ca, bc, ab, bc, ca]);
            }
            faces = next;
        }
        return new TriangleMesh(verts.Select(v => centre + v * radius).ToArray(), faces.ToArray());
    }

    /// <summary>Random positions, triangles (any indices), UVs with an independent UV index list and <paramref name="targets"/> random morph targets.</summary>
    public static TriangleMesh Random(int seed, int vertices, int triangles, int uvCount, int targets)
    {
        var rng = new System.Random(seed);
        float R() => (float)(rng.NextDouble() * 20 - 10);
        var p = Enumerable.Range(0, vertices).Select(_ => new Vector3(R(), R(), R())).ToArray();
        var tris = Enumerable.Range(0, 3 * triangles).Select(_ => rng.Next(vertices)).ToArray();
        var uvs = Enumerable.Range(0, uvCount).Select(_ => new Vector2((float)rng.NextDouble(), (float)rng.NextDouble())).ToArray();
        var uvTris = Enumerable.Range(0, 3 * triangles).Select(_ => rng.Next(uvCount)).ToArray();
        var morphs = Enumerable.Range(0, targets)
            .Select(k => ($"target{k}", Enumerable.Range(0, vertices).Select(_ => new Vector3(R(), R(), R()) * 0.1f).ToArray()))
            .ToArray();
        return new TriangleMesh(p, tris) { Uvs = uvs, UvTriangles = uvTris, MorphTargets = morphs };
    }
}
