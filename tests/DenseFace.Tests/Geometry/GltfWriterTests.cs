using System.Numerics;
using DenseFace.Geometry;
using DenseFace.Geometry.Export;

namespace DenseFace.Tests.Geometry;

public sealed class GltfWriterTests
{
    static readonly byte[] FakePng = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 1, 2, 3, 4, 5]; // signature + 5 bytes (odd length: tests padding)

    static GlbTestReader WriteAndRead(TriangleMesh mesh, GltfOptions? options = null)
    {
        using var ms = new MemoryStream();
        GltfWriter.WriteGlb(ms, mesh, options);
        return GlbTestReader.Read(ms.ToArray());
    }

    /// <summary>Un-splits the glTF vertices: every triangle corner must carry the input's position, UV and deltas.</summary>
    static void AssertCornersMatchInput(TriangleMesh mesh, GlbTestReader r, float scale)
    {
        var idx = r.UInt(r.Primitive.GetProperty("indices").GetInt32());
        var pos = r.Vec3(r.Attribute("POSITION"));
        Assert.Equal(mesh.Triangles.Length, idx.Length);
        Assert.All(idx, i => Assert.True(i < pos.Length, $"index {i} out of range"));
        for (int i = 0; i < mesh.Positions.Length && i < pos.Length; i++)
            Assert.Equal(mesh.Positions[i] * scale, pos[i]);   // stable vertex numbering for the first N vertices
        var uv = mesh.Uvs is null ? null : r.Vec2(r.Attribute("TEXCOORD_0"));
        var deltas = mesh.MorphTargets.Select((_, t) => r.Vec3(r.Primitive.GetProperty("targets")[t].GetProperty("POSITION").GetInt32())).ToArray();
        for (int c = 0; c < idx.Length; c++)
        {
            int g = (int)idx[c], v = mesh.Triangles[c];
            Assert.Equal(mesh.Positions[v] * scale, pos[g]);
            var unscaled = pos[g] / scale;
            Assert.True(Vector3.Distance(mesh.Positions[v], unscaled) <= 1e-6f * (1 + mesh.Positions[v].Length()));
            if (uv is not null)
            {
                var src = mesh.Uvs![mesh.UvTriangles![c]];
                Assert.Equal(src.X, uv[g].X);
                Assert.Equal(1f - src.Y, uv[g].Y);
            }
            for (int t = 0; t < deltas.Length; t++)
                Assert.Equal(mesh.MorphTargets[t].Deltas[v] * scale, deltas[t][g]);
        }
    }

    [Fact]
    public void CubeIsSplitAtUvSeams()
    {
        var cube = TestMeshes.UvCube(5f);
        var r = WriteAndRead(cube);
        var pos = r.Vec3(r.Attribute("POSITION"));
        Assert.Equal(24, pos.Length);                                     // 8 corners x 3 faces with distinct UVs
        var pa = r.Json.GetProperty("accessors")[r.Attribute("POSITION")];
        Assert.Equal(-0.05, pa.GetProperty("min")[0].GetDouble(), 6);   // 5 cm -> 0.05 m
        Assert.Equal(0.05, pa.GetProperty("max")[2].GetDouble(), 6);
        AssertCornersMatchInput(cube, r, 0.01f);

        // Normals: unit length and smooth (seam copies share their source's normal).
        var n = r.Vec3(r.Attribute("NORMAL"));
        var expected = cube.ComputeVertexNormals();
        var idx = r.UInt(r.Primitive.GetProperty("indices").GetInt32());
        for (int c = 0; c < idx.Length; c++) Assert.Equal(expected[cube.Triangles[c]], n[idx[c]]);

        Assert.Equal("DenseFace", r.Json.GetProperty("asset").GetProperty("generator").GetString());
        Assert.Equal(4, r.Primitive.GetProperty("mode").GetInt32());
        Assert.False(r.Primitive.TryGetProperty("targets", out _));
        Assert.False(r.Mesh.TryGetProperty("extras", out _));
        Assert.Equal(0, r.Json.GetProperty("scenes")[0].GetProperty("nodes")[0].GetInt32());
        Assert.Equal(0, r.Json.GetProperty("nodes")[0].GetProperty("mesh").GetInt32());
    }

    [Fact]
    public void MorphTargetsKeepNamesWeightsAndDeltas()
    {
        var mesh = TestMeshes.Random(seed: 7, vertices: 400, triangles: 700, uvCount: 500, targets: 53);
        var weights = Enumerable.Range(0, 53).Select(i => i / 52f).ToArray();
        var r = WriteAndRead(mesh, new GltfOptions { MorphWeights = weights });

        var names = r.Mesh.GetProperty("extras").GetProperty("targetNames").EnumerateArray().Select(e => e.GetString()).ToArray();
        Assert.Equal(mesh.MorphTargets.Select(t => t.Name), names);
        Assert.Equal(53, r.Primitive.GetProperty("targets").GetArrayLength());
        Assert.Equal(weights, r.Mesh.GetProperty("weights").EnumerateArray().Select(e => e.GetSingle()));
        AssertCornersMatchInput(mesh, r, 0.01f);

        // Every target accessor has as many elements as POSITION.
        int count = r.Vec3(r.Attribute("POSITION")).Length;
        foreach (var t in r.Primitive.GetProperty("targets").EnumerateArray())
            Assert.Equal(count, r.Json.GetProperty("accessors")[t.GetProperty("POSITION").GetInt32()].GetProperty("count").GetInt32());
        // Distinct (position, uv) pairs plus unreferenced vertices.
        var referenced = new HashSet<int>(mesh.Triangles);
        var pairs = new HashSet<(int, int)>(mesh.Triangles.Select((v, c) => (v, mesh.UvTriangles![c])));
        Assert.Equal(pairs.Count + (mesh.Positions.Length - referenced.Count), count);
    }

    [Fact]
    public void LocalTargetsAreStoredSparse()
    {
        var sphere = TestMeshes.Icosphere(3, 8f);
        int n = sphere.Positions.Length;
        var local = new Vector3[n];                        // moves 10 vertices
        for (int i = 0; i < 10; i++) local[i * 7] = new Vector3(0.1f * i, -0.2f, 0.3f);
        var global = Enumerable.Range(0, n).Select(i => new Vector3(i % 3 == 0 ? 0 : 0.5f, 0.25f, -1)).ToArray();
        var mesh = new TriangleMesh(sphere.Positions, sphere.Triangles)
        { MorphTargets = [("local", local), ("zero", new Vector3[n]), ("global", global)] };

        var r = WriteAndRead(mesh);
        var acc = r.Primitive.GetProperty("targets").EnumerateArray().Select(t => t.GetProperty("POSITION").GetInt32()).ToArray();
        Assert.True(r.IsSparse(acc[0]));
        Assert.False(r.IsSparse(acc[1]));                   // all zero: no bufferView, no sparse
        Assert.False(r.Json.GetProperty("accessors")[acc[1]].TryGetProperty("bufferView", out _));
        Assert.False(r.IsSparse(acc[2]));                   // dense is smaller
        AssertCornersMatchInput(mesh, r, 0.01f);

        using var dense = new MemoryStream(); using var sparse = new MemoryStream();
        GltfWriter.WriteGlb(dense, mesh, new GltfOptions { SparseMorphTargets = false });
        GltfWriter.WriteGlb(sparse, mesh);
        Assert.True(sparse.Length < dense.Length - n * 12L);  // two targets no longer stored densely
        var d = GlbTestReader.Read(dense.ToArray());
        Assert.All(d.Primitive.GetProperty("targets").EnumerateArray(), t => Assert.False(d.IsSparse(t.GetProperty("POSITION").GetInt32())));
        AssertCornersMatchInput(mesh, d, 0.01f);
    }

    [Fact]
    public void UnitScaleIsExactAndDefaultWeightsAreZero()
    {
        var mesh = TestMeshes.Random(seed: 3, vertices: 50, triangles: 60, uvCount: 70, targets: 2);
        var r = WriteAndRead(mesh, new GltfOptions { Scale = 1f, IncludeNormals = false });
        AssertCornersMatchInput(mesh, r, 1f);
        Assert.False(r.Primitive.GetProperty("attributes").TryGetProperty("NORMAL", out _));
        Assert.Equal([0f, 0f], r.Mesh.GetProperty("weights").EnumerateArray().Select(e => e.GetSingle()));
    }

    [Fact]
    public void MeshWithoutUvsIsNotSplit()
    {
        var sphere = TestMeshes.Icosphere(2, 8f);
        var r = WriteAndRead(sphere);
        Assert.False(r.Primitive.GetProperty("attributes").TryGetProperty("TEXCOORD_0", out _));
        Assert.Equal(sphere.Positions.Length, r.Vec3(r.Attribute("POSITION")).Length);
        Assert.Equal(sphere.Triangles.Select(i => (uint)i), r.UInt(r.Primitive.GetProperty("indices").GetInt32()));
        foreach (var n in r.Vec3(r.Attribute("NORMAL"))) Assert.Equal(1f, n.Length(), 5);
    }

    [Fact]
    public void TextureIsEmbeddedAsPng()
    {
        var r = WriteAndRead(TestMeshes.UvCube(), new GltfOptions { BaseColorTexturePng = FakePng });
        var mat = r.Json.GetProperty("materials")[r.Primitive.GetProperty("material").GetInt32()];
        int tex = mat.GetProperty("pbrMetallicRoughness").GetProperty("baseColorTexture").GetProperty("index").GetInt32();
        int img = r.Json.GetProperty("textures")[tex].GetProperty("source").GetInt32();
        var image = r.Json.GetProperty("images")[img];
        Assert.Equal("image/png", image.GetProperty("mimeType").GetString());
        Assert.Equal(FakePng, r.BufferView(image.GetProperty("bufferView").GetInt32()));
    }

    [Fact]
    public void BadOptionsAreRejected()
    {
        var cube = TestMeshes.UvCube();
        Assert.Equal("BaseColorTexturePng", Assert.Throws<InvalidInputException>(() =>
            GltfWriter.WriteGlb(new MemoryStream(), cube, new GltfOptions { BaseColorTexturePng = [1, 2, 3] })).InputName);
        Assert.Throws<InvalidInputException>(() =>
            GltfWriter.WriteGlb(new MemoryStream(), new TriangleMesh(cube.Positions, cube.Triangles), new GltfOptions { BaseColorTexturePng = FakePng }));
        Assert.Throws<InvalidInputException>(() => GltfWriter.WriteGlb(new MemoryStream(), cube, new GltfOptions { Scale = -1 }));
        Assert.Throws<InvalidInputException>(() => GltfWriter.WriteGlb(new MemoryStream(), cube, new GltfOptions { MorphWeights = [0.5f] }));
        Assert.Throws<InvalidInputException>(() => GltfWriter.WriteGlb(new MemoryStream(), new TriangleMesh(cube.Positions, [])));
        var badTarget = new TriangleMesh(cube.Positions, cube.Triangles) { MorphTargets = [("short", new Vector3[3])] };
        var path = Path.Combine(Path.GetTempPath(), $"denseface-{Guid.NewGuid():N}.glb");
        Assert.Throws<InvalidInputException>(() => GltfWriter.WriteGlb(path, badTarget));
        Assert.False(File.Exists(path));
    }

    [Fact]
    public void SplitKeepsFirstNVerticesInPlace()
    {
        var cube = TestMeshes.UvCube();
        var split = UvSeamSplit.Build(cube);
        Assert.Equal(Enumerable.Range(0, 8), split.SourceVertex.Take(8));
        Assert.Equal(24, split.VertexCount);
        for (int c = 0; c < cube.Triangles.Length; c++)
        {
            Assert.Equal(cube.Triangles[c], split.SourceVertex[split.Indices[c]]);
            Assert.Equal(cube.UvTriangles![c], split.SourceUv[split.Indices[c]]);
        }
    }
}
