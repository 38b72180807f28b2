using System.IO.Compression;
using DenseFace.FaceModel;
using DenseFace.Tests.IO;
using static DenseFace.Tests.FaceModel.ModelFixture;

namespace DenseFace.Tests.FaceModel;

public class LoadingTests
{
    static string Shared(string name) => Path.Combine(TestData.FaceModelDir, name);

    [Fact]
    public void ImportOriginalMatchesNpz()
    {
        using var dir = new TempFolder();
        dir.Link(Shared("generic_neutral_mesh.obj"));
        dir.Link(Shared("vertex_indices.json"));
        dir.Link(Shared("identity000.obj"));
        dir.Link(Shared("jawOpen.obj"));

        var e = Assert.Throws<InvalidInputException>(() => MorphableModel.ImportOriginal(dir.Path));
        Assert.Contains("identity001", e.Problem);

        var imported = MorphableModel.ImportOriginal(dir.Path, allowPartial: true);
        var npz = ModelFixture.Model;
        Assert.Equal(100 + 53 - 2, imported.MissingShapes.Count);
        Assert.DoesNotContain("jawOpen", imported.MissingShapes);
        Assert.Contains("identity099", imported.MissingShapes);
        Assert.Equal(npz.ExpressionNames, imported.ExpressionNames);
        Assert.Equal(npz.LandmarkVertices68, imported.LandmarkVertices68);
        Assert.Equal(npz.TriangleCount, imported.TriangleCount);
        Assert.Equal(npz.Triangles.ToArray(), imported.Triangles.ToArray());
        AssertMaxDiff(npz.IdentityBasis(0), imported.IdentityBasis(0), 1e-4f);
        int jaw = npz.IndexOfExpression("jawOpen");
        AssertMaxDiff(npz.ExpressionBasis(jaw), imported.ExpressionBasis(imported.IndexOfExpression("jawOpen")), 1e-4f);
        Assert.True(imported.IdentityBasis(1).IndexOfAnyExcept(0f) < 0); // missing mode -> zero deltas
        Assert.True(npz.IdentityBasis(0).IndexOfAnyExcept(0f) >= 0);
    }

    [Fact]
    public void ImportOriginalWithoutIndicesUsesReadmeDefaults()
    {
        using var dir = new TempFolder();
        dir.Link(Shared("generic_neutral_mesh.obj"));
        dir.Link(Shared("jawOpen.obj"));
        var m = MorphableModel.ImportOriginal(dir.Path, allowPartial: true, identityCount: 0);
        Assert.Equal(0, m.IdentityCount);
        Assert.Equal(53, m.ExpressionCount);
        Assert.Equal(IctLandmarks.MultiPie68.ToArray(), m.LandmarkVertices68);
        Assert.Equal(52, m.MissingShapes.Count);
    }

    [Fact]
    public void ImportOriginalRejectsWrongVertexCount()
    {
        using var dir = new TempFolder();
        dir.Link(Shared("generic_neutral_mesh.obj"));
        File.WriteAllText(dir.File("jawOpen.obj"), "v 0 0 0\nv 1 1 1\nv 2 2 2\nf 1 2 3\n");
        var e = Assert.Throws<InvalidInputException>(() => MorphableModel.ImportOriginal(dir.Path, allowPartial: true, identityCount: 0));
        Assert.Equal(dir.File("jawOpen.obj"), e.InputName);
    }

    [Fact]
    public void MissingFolderOrFile()
    {
        var e = Assert.Throws<InvalidInputException>(() => MorphableModel.Load("/no/such/folder"));
        Assert.Equal("/no/such/folder", e.InputName);
        using var dir = new TempFolder();
        dir.Link(Shared("generic_neutral_mesh.obj"));
        dir.Link(Shared("vertex_indices.json"));
        var e2 = Assert.Throws<InvalidInputException>(() => MorphableModel.Load(dir.Path));
        Assert.Equal(dir.File("ict_facekit_bases.npz"), e2.InputName);
    }

    [Fact]
    public void TruncatedNpzNamesTheFile()
    {
        using var dir = new TempFolder();
        dir.Link(Shared("generic_neutral_mesh.obj"));
        dir.Link(Shared("vertex_indices.json"));
        var bytes = File.ReadAllBytes(Shared("ict_facekit_bases.npz"));
        File.WriteAllBytes(dir.File("ict_facekit_bases.npz"), bytes[..(bytes.Length - 1000)]);
        var e = Assert.Throws<InvalidInputException>(() => MorphableModel.Load(dir.Path));
        Assert.StartsWith(dir.File("ict_facekit_bases.npz"), e.InputName);
    }

    [Fact]
    public void WrongShapesNameTheEntry()
    {
        using var dir = new TempFolder();
        dir.Link(Shared("generic_neutral_mesh.obj"));
        dir.Link(Shared("vertex_indices.json"));
        var zip = NpyTestFiles.Zip(
            ("neutral.npy", NpyTestFiles.Npy("<f4", false, [4, 3], new byte[48]), CompressionLevel.Fastest),
            ("identity.npy", NpyTestFiles.Npy("<f4", false, [1, 4, 3], new byte[48]), CompressionLevel.Fastest),
            ("expression.npy", NpyTestFiles.Npy("<f4", false, [53, 4, 3], new byte[53 * 48]), CompressionLevel.Fastest));
        string npz = dir.File("ict_facekit_bases.npz");
        File.WriteAllBytes(npz, zip);
        var e = Assert.Throws<InvalidInputException>(() => MorphableModel.Load(dir.Path));
        Assert.Equal(npz + ":neutral.npy", e.InputName);
        Assert.Contains("(4, 3)", e.Problem);
    }

    [Fact]
    public void BadJsonAndObjNameTheFile()
    {
        using var dir = new TempFolder();
        dir.Link(Shared("generic_neutral_mesh.obj"));
        dir.Link(Shared("ict_facekit_bases.npz"));
        File.WriteAllText(dir.File("vertex_indices.json"), "{\"expressions\": [\"a\"], \"idx_to_landmark_verts\": [1, 2]}");
        var e = Assert.Throws<InvalidInputException>(() => MorphableModel.Load(dir.Path));
        Assert.Equal(dir.File("vertex_indices.json"), e.InputName);
        File.WriteAllText(dir.File("vertex_indices.json"), "{ not json");
        Assert.Equal(dir.File("vertex_indices.json"), Assert.Throws<InvalidInputException>(() => MorphableModel.Load(dir.Path)).InputName);

        using var dir2 = new TempFolder();
        File.WriteAllText(dir2.File("generic_neutral_mesh.obj"), "v 0 0 0\nv 1 0 0\nf 1 2 7\n");
        dir2.Link(Shared("ict_facekit_bases.npz"));
        dir2.Link(Shared("vertex_indices.json"));
        var e3 = Assert.Throws<InvalidInputException>(() => MorphableModel.Load(dir2.Path));
        Assert.Equal(dir2.File("generic_neutral_mesh.obj"), e3.InputName);
        Assert.Contains("line 3", e3.Problem);
    }

    static void AssertMaxDiff(ReadOnlySpan<float> a, ReadOnlySpan<float> b, float tol)
    {
        Assert.Equal(a.Length, b.Length);
        float max = 0;
        for (int i = 0; i < a.Length; i++) max = MathF.Max(max, MathF.Abs(a[i] - b[i]));
        Assert.True(max <= tol, $"max difference {max} cm > {tol}");
    }
}

public class SmallTopologyTests
{
    /// <summary>A 70-vertex model in the original layout: a quad, a pentagon and a triangle; one identity mode, two expressions.</summary>
    static MorphableModel BuildTinyModel(ModelFixture.TempFolder dir)
    {
        static string Obj(Func<int, (float X, float Y, float Z)> pos, bool faces)
        {
            var sb = new System.Text.StringBuilder("# tiny\n");
            for (int i = 0; i < 70; i++) { var (x, y, z) = pos(i); sb.Append(FormattableString.Invariant($"v {x} {y} {z}\n")); }
            if (faces)
            {
                for (int i = 0; i < 6; i++) sb.Append(FormattableString.Invariant($"vt {i / 10f} {i / 20f}\n"));
                sb.Append("usemtl A\nf 1/1 2/2 3/3 4/4\nf 5/1 6/2 7/3 8/4 9/5\nusemtl B\nf -3/6 -2/5 -1/4\n");
            }
            return sb.ToString();
        }
        File.WriteAllText(dir.File("generic_neutral_mesh.obj"), Obj(i => (i, 0, 0), faces: true));
        File.WriteAllText(dir.File("identity000.obj"), Obj(i => (i, 1, 0), faces: false));
        File.WriteAllText(dir.File("a.obj"), Obj(i => (i, 0, i == 5 ? 2 : 0), faces: true));
        File.WriteAllText(dir.File("b.obj"), Obj(i => (i + 0.5f, 0, 0), faces: false));
        File.WriteAllText(dir.File("vertex_indices.json"),
            "{\"expressions\": [\"a\", \"b\"], \"idx_to_landmark_verts\": [" + string.Join(",", Enumerable.Range(0, 68)) + "]}");
        return MorphableModel.ImportOriginal(dir.Path, identityCount: 1);
    }

    [Fact]
    public void NgonsAreFanTriangulatedWithUvsAndDeltasAreRelative()
    {
        using var dir = new ModelFixture.TempFolder();
        var m = BuildTinyModel(dir);
        Assert.Equal(70, m.VertexCount);
        Assert.Equal(3, m.PolygonCount);
        Assert.Equal(2 + 3 + 1, m.TriangleCount);
        Assert.Equal([0, 1, 2, 0, 2, 3, 4, 5, 6, 4, 6, 7, 4, 7, 8, 67, 68, 69], m.Triangles.ToArray());
        Assert.Equal([0, 1, 2, 0, 2, 3, 0, 1, 2, 0, 2, 3, 0, 3, 4, 5, 4, 3], m.TriangleUvIndices.ToArray());
        Assert.Equal([new MaterialGroup("A", new IndexRange(0, 2)), new MaterialGroup("B", new IndexRange(2, 1))], m.Materials);
        Assert.Empty(m.MissingShapes);
        var p = m.Evaluate([2f], [0.5f, 1f]);
        // identity: +1 in y (times 2); a: +2 z at vertex 5 (times 0.5); b: +0.5 x (times 1).
        Assert.Equal(new System.Numerics.Vector3(5.5f, 2f, 1f), p[5]);
        Assert.Equal(new System.Numerics.Vector3(0.5f, 2f, 0f), p[0]);
        Assert.False(m.HasIctTopology);
        Assert.Empty(m.Info().Parts);
        Assert.Throws<InvalidInputException>(() => m.TriangleRange(FacePart.Face));
        Assert.Throws<InvalidInputException>(() => m.ToMesh(p, parts: [FacePart.Face]));
        var mesh = m.ToMesh(p);
        Assert.Equal(6, mesh.TriangleCount);
        Assert.Equal(6, mesh.Uvs!.Length);
    }
}
