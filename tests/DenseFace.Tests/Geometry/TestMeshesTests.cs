using System.Numerics;

namespace DenseFace.Tests.Geometry;

/// <summary>The test meshes must really be what the writer/renderer tests assume (outward CCW winding).</summary>
public class TestMeshesTests
{
    [Fact]
    public void ClosedMeshesAreWoundOutward()
    {
        foreach (var mesh in new[] { TestMeshes.UvCube(), TestMeshes.Icosphere(2) })
        {
            var p = mesh.Positions; var t = mesh.Triangles;
            for (int i = 0; i < t.Length; i += 3)
            {
                var n = Vector3.Cross(p[t[i + 1]] - p[t[i]], p[t[i + 2]] - p[t[i]]);
                Assert.True(Vector3.Dot(n, p[t[i]] + p[t[i + 1]] + p[t[i + 2]]) > 0, $"triangle {i / 3} faces inward");
            }
        }
    }
}
