using System.Numerics;
using DenseFace.Geometry;
using DenseFace.Geometry.Export;

namespace DenseFace.Tests.Geometry;

public sealed class ObjWriterTests : IDisposable
{
    readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("denseface-obj-");
    public void Dispose() => _dir.Delete(true);
    string PathOf(string name) => Path.Combine(_dir.FullName, name);

    [Fact]
    public void RandomMeshRoundTripsExactly()
    {
        var mesh = TestMeshes.Random(seed: 1, vertices: 300, triangles: 500, uvCount: 350, targets: 0);
        var path = PathOf("random.obj");
        ObjWriter.Write(path, mesh);
        var r = ObjTestReader.Read(path);

        Assert.Equal(mesh.Positions, r.Positions);           // shortest round-trip formatting is lossless
        Assert.Equal(mesh.Uvs!, r.Uvs);
        Assert.Equal(mesh.Triangles, r.Triangles);
        Assert.Equal(mesh.UvTriangles!, r.UvTriangles);
        Assert.Equal(mesh.ComputeVertexNormals(), r.Normals);
        Assert.Equal(mesh.Triangles, r.NormalTriangles);     // vn indexed like v
        Assert.Empty(r.MtlLibs);
        Assert.Empty(r.UseMtl);
    }

    [Fact]
    public void FaceRecordsFollowOptions()
    {
        var cube = TestMeshes.UvCube();
        string FirstFace(ObjOptions o)
        {
            var path = PathOf("cube.obj");
            ObjWriter.Write(path, cube, o);
            return File.ReadLines(path).First(l => l.StartsWith("f "));
        }
        Assert.Equal("f 1/1/1 5/2/5 7/3/7", FirstFace(new ObjOptions()));
        Assert.Equal("f 1/1 5/2 7/3", FirstFace(new ObjOptions { WriteNormals = false }));
        Assert.Equal("f 1//1 5//5 7//7", FirstFace(new ObjOptions { WriteUvs = false }));
        Assert.Equal("f 1 5 7", FirstFace(new ObjOptions { WriteUvs = false, WriteNormals = false }));

        var noUv = new TriangleMesh(cube.Positions, cube.Triangles);
        ObjWriter.Write(PathOf("plain.obj"), noUv);
        var r = ObjTestReader.Read(PathOf("plain.obj"));
        Assert.Empty(r.Uvs);
        Assert.All(r.UvTriangles, t => Assert.Equal(-1, t));
    }

    [Fact]
    public void NumbersAreCompactAndInvariant()
    {
        var mesh = new TriangleMesh([new(0.1f, -2.5f, 1e-7f), new(1, 0, 0), new(0, 1, 0)], [0, 1, 2]);
        var path = PathOf("n.obj");
        ObjWriter.Write(path, mesh, new ObjOptions { WriteNormals = false });
        Assert.Contains("v 0.1 -2.5 1E-07", File.ReadAllLines(path));
        Assert.Contains("v 1 0 0", File.ReadAllLines(path));
    }

    [Fact]
    public void TextureWritesMaterialLibrary()
    {
        var path = PathOf("face.obj");
        ObjWriter.Write(path, TestMeshes.UvCube(), new ObjOptions { TextureFileName = "face_albedo.png", MaterialName = "skin" });
        var r = ObjTestReader.Read(path);
        Assert.Equal(["face.mtl"], r.MtlLibs);
        Assert.Equal(["skin"], r.UseMtl);
        var mtl = File.ReadAllLines(PathOf("face.mtl"));
        Assert.Contains("newmtl skin", mtl);
        Assert.Contains("map_Kd face_albedo.png", mtl);
        // usemtl must come before the faces it applies to
        var lines = File.ReadAllLines(path);
        Assert.True(Array.IndexOf(lines, "usemtl skin") < Array.FindIndex(lines, l => l.StartsWith("f ")));
    }

    [Fact]
    public void InconsistentMeshIsRejectedBeforeWriting()
    {
        var cube = TestMeshes.UvCube();
        var bad = new TriangleMesh(cube.Positions, cube.Triangles) { Uvs = cube.Uvs, UvTriangles = cube.UvTriangles![..^3] };
        var path = PathOf("bad.obj");
        var e = Assert.Throws<InvalidInputException>(() => ObjWriter.Write(path, bad));
        Assert.Equal("mesh", e.InputName);
        Assert.False(File.Exists(path));

        var badUv = new TriangleMesh(cube.Positions, cube.Triangles) { Uvs = cube.Uvs, UvTriangles = cube.UvTriangles!.Select(_ => 99).ToArray() };
        Assert.Throws<InvalidInputException>(() => ObjWriter.Write(path, badUv));

        var nan = new TriangleMesh([new(float.NaN, 0, 0), new(1, 0, 0), new(0, 1, 0)], [0, 1, 2]);
        Assert.Throws<InvalidInputException>(() => ObjWriter.Write(path, nan));

        var e2 = Assert.Throws<InvalidInputException>(() => ObjWriter.Write(path, cube, new ObjOptions { TextureFileName = "a.png\nv 1 2 3" }));
        Assert.Equal(nameof(ObjOptions.TextureFileName), e2.InputName);
        Assert.False(File.Exists(path));
    }

    [Fact]
    public void IctNeutralMeshRoundTrips()
    {
        var src = ObjTestReader.Read(Path.Combine(TestData.FaceModelDir, "generic_neutral_mesh.obj"));
        Assert.Equal(26719, src.Positions.Count);
        var mesh = new TriangleMesh(src.Positions.ToArray(), src.Triangles.ToArray())
        { Uvs = src.Uvs.ToArray(), UvTriangles = src.UvTriangles.ToArray() };
        var path = PathOf("ict.obj");
        ObjWriter.Write(path, mesh);
        var r = ObjTestReader.Read(path);
        Assert.Equal(src.Positions, r.Positions);
        Assert.Equal(src.Uvs, r.Uvs);
        Assert.Equal(src.Triangles, r.Triangles);
        Assert.Equal(src.UvTriangles, r.UvTriangles);
    }
}
