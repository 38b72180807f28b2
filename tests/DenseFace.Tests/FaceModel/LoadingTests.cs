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
