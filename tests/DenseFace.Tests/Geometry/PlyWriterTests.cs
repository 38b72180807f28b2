using System.Numerics;
using DenseFace.Geometry;
using DenseFace.Geometry.Export;

namespace DenseFace.Tests.Geometry;

public sealed class PlyWriterTests
{
    static PlyTestReader WriteAndRead(TriangleMesh mesh, bool normals, byte[]? colors)
    {
        using var ms = new MemoryStream();
        PlyWriter.Write(ms, mesh, normals, colors);
        return PlyTestReader.Read(ms.ToArray());
    }

    [Fact]
    public void PositionsNormalsColoursAndFacesRoundTrip()
    {
        var mesh = TestMeshes.Icosphere(2, radius: 7.5f, centre: new Vector3(1, -2, 30));
        var colors = Enumerable.Range(0, 3 * mesh.Positions.Length).Select(i => (byte)(i * 37)).ToArray();
        var r = WriteAndRead(mesh, normals: true, colors);

        Assert.Contains($"element vertex {mesh.Positions.Length}", r.HeaderLines);
        Assert.Contains($"element face {mesh.TriangleCount}", r.HeaderLines);
        Assert.Contains("property list uchar int vertex_indices", r.HeaderLines);
        var normals = mesh.ComputeVertexNormals();
        for (int i = 0; i < mesh.Positions.Length; i++)
        {
            Assert.Equal(mesh.Positions[i], r.Position(i));
            var v = r.Vertices[i];
            Assert.Equal(normals[i], new Vector3((float)v["nx"], (float)v["ny"], (float)v["nz"]));
            Assert.Equal(colors[3 * i], (byte)v["red"]);
            Assert.Equal(colors[3 * i + 1], (byte)v["green"]);
            Assert.Equal(colors[3 * i + 2], (byte)v["blue"]);
        }
        Assert.Equal(mesh.TriangleCount, r.Faces.Count);
        for (int t = 0; t < mesh.TriangleCount; t++)
            Assert.Equal(mesh.Triangles.AsSpan(3 * t, 3).ToArray(), r.Faces[t]);
    }

    [Fact]
    public void MinimalLayoutHasOnlyXyz()
    {
        var mesh = TestMeshes.UvCube(2f);
        var r = WriteAndRead(mesh, normals: false, colors: null);
        Assert.Equal(["x", "y", "z"], r.Vertices[0].Keys);
        Assert.Equal(mesh.Positions, Enumerable.Range(0, 8).Select(r.Position));
        Assert.Equal(12, r.Faces.Count);
        // 12-byte vertices, 13-byte faces after the header
        using var ms = new MemoryStream();
        PlyWriter.Write(ms, mesh, includeNormals: false);
        int headerLength = r.HeaderLines.Sum(l => l.Length + 1);
        Assert.Equal(headerLength + 8 * 12 + 12 * 13, ms.Length);
    }

    [Fact]
    public void WrongColourLengthIsRejected()
    {
        var mesh = TestMeshes.UvCube();
        var e = Assert.Throws<InvalidInputException>(() => PlyWriter.Write(new MemoryStream(), mesh, true, new byte[23]));
        Assert.Equal("colorsRgb", e.InputName);
        var path = Path.Combine(Path.GetTempPath(), $"denseface-{Guid.NewGuid():N}.ply");
        Assert.Throws<InvalidInputException>(() => PlyWriter.Write(path, mesh, true, new byte[25]));
        Assert.False(File.Exists(path));
    }
}
