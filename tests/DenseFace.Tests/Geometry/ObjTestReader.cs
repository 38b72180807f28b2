using System.Globalization;
using System.Numerics;

namespace DenseFace.Tests.Geometry;

/// <summary>
/// Test oracle: a minimal independent OBJ reader (v, vt, vn, f with polygons fan-triangulated, mtllib, usemtl).
/// Corner index lists are -1 where a face corner has no vt/vn.
/// </summary>
internal sealed class ObjTestReader
{
    public List<Vector3> Positions { get; } = [];
    public List<Vector2> Uvs { get; } = [];
    public List<Vector3> Normals { get; } = [];
    public List<int> Triangles { get; } = [];
    public List<int> UvTriangles { get; } = [];
    public List<int> NormalTriangles { get; } = [];
    public List<string> MtlLibs { get; } = [];
    public List<string> UseMtl { get; } = [];
    public int PolygonCount { get; private set; }

    public static ObjTestReader Read(string path)
    {
        var r = new ObjTestReader();
        foreach (var raw in File.ReadLines(path))
        {
            var line = raw.Trim();
            if (line.Length == 0 || line[0] == '#') continue;
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            float F(int i) => float.Parse(parts[i], NumberStyles.Float, CultureInfo.InvariantCulture);
            switch (parts[0])
            {
                case "v": r.Positions.Add(new Vector3(F(1), F(2), F(3))); break;
                case "vt": r.Uvs.Add(new Vector2(F(1), F(2))); break;
                case "vn": r.Normals.Add(new Vector3(F(1), F(2), F(3))); break;
                case "mtllib": r.MtlLibs.Add(line[7..].Trim()); break;
                case "usemtl": r.UseMtl.Add(parts[1]); break;
                case "f":
                    r.PolygonCount++;
                    var corners = parts.Skip(1).Select(c =>
                    {
                        var s = c.Split('/');
                        int Idx(int k) => k < s.Length && s[k].Length > 0 ? int.Parse(s[k], CultureInfo.InvariantCulture) - 1 : -1;
                        return (V: Idx(0), T: Idx(1), N: Idx(2));
                    }).ToArray();
                    for (int k = 1; k + 1 < corners.Length; k++)
                        foreach (var c in new[] { corners[0], corners[k], corners[k + 1] })
                        { r.Triangles.Add(c.V); r.UvTriangles.Add(c.T); r.NormalTriangles.Add(c.N); }
                    break;
            }
        }
        return r;
    }
}
