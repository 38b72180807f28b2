using System.Numerics;
using BenchmarkDotNet.Attributes;
using DenseFace.Geometry;
using DenseFace.Geometry.Export;
using DenseFace.Rendering;

namespace DenseFace.Bench;

/// <summary>
/// Mesh export and the sanity renderer on a face-model-sized mesh (a 164 x 163 latitude-longitude sphere:
/// 26,734 vertices, ~53k triangles, with 53 local morph targets).
/// Run: dotnet run -c Release --project bench/DenseFace.Bench -- --filter '*MeshBenchmarks*'
/// </summary>
[MemoryDiagnoser]
public class MeshBenchmarks
{
    TriangleMesh _mesh = null!;

    [Params(1, 2, 4)]
    public int Supersampling { get; set; }

    [GlobalSetup]
    public void Setup() => _mesh = FaceSizedSphere();

    /// <summary>Latitude-longitude sphere of radius 10 cm with 53 morph targets, each moving ~15% of the vertices.</summary>
    internal static TriangleMesh FaceSizedSphere()
    {
        const int Rings = 164, Segments = 163;
        var p = new List<Vector3>();
        for (int r = 0; r < Rings; r++)
        {
            float theta = MathF.PI * (r + 0.5f) / Rings;
            for (int s = 0; s < Segments; s++)
            {
                float phi = 2 * MathF.PI * s / Segments;
                p.Add(new Vector3(MathF.Sin(theta) * MathF.Cos(phi), MathF.Cos(theta), MathF.Sin(theta) * MathF.Sin(phi)) * 10f);
            }
        }
        var t = new List<int>();
        for (int r = 0; r + 1 < Rings; r++)
            for (int s = 0; s < Segments; s++)
            {
                int a = r * Segments + s, b = r * Segments + (s + 1) % Segments, c = a + Segments, d = b + Segments;
                t.AddRange([a, b, c, b, d, c]);
            }
        var targets = Enumerable.Range(0, 53).Select(k =>
            ($"shape{k}", p.Select((v, i) => i % 53 == k || i % 7 == k % 7 ? v * 0.01f : Vector3.Zero).ToArray())).ToArray();
        return new TriangleMesh(p.ToArray(), t.ToArray()) { MorphTargets = targets };
    }

    [Benchmark]
    public int RenderPortrait512() => SimpleRenderer.RenderPortrait(_mesh, 512, 30, 10, 0, new RenderOptions { Supersampling = Supersampling }).Pixels[0];
}

/// <summary>GLB export of the same mesh (53 sparse morph targets).</summary>
[MemoryDiagnoser]
public class MeshExportBenchmarks
{
    TriangleMesh _mesh = null!;

    [GlobalSetup]
    public void Setup() => _mesh = MeshBenchmarks.FaceSizedSphere();

    [Benchmark]
    public long WriteGlbWith53Targets()
    {
        using var ms = new MemoryStream();
        GltfWriter.WriteGlb(ms, _mesh);
        return ms.Length;
    }
}
