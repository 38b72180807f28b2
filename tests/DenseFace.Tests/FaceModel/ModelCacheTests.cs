using DenseFace.FaceModel;
using static DenseFace.Tests.FaceModel.ModelFixture;

namespace DenseFace.Tests.FaceModel;

public class ModelCacheTests
{
    [Fact]
    public void CacheRoundTripGivesIdenticalArrays()
    {
        using var cache = new TempFolder();
        var first = MorphableModel.Load(TestData.FaceModelDir, cache.Path);
        Assert.False(first.LoadedFromCache);
        var files = Directory.GetFiles(cache.Path);
        Assert.Single(files);
        Assert.EndsWith(".bin", files[0]);

        var second = MorphableModel.Load(TestData.FaceModelDir, cache.Path);
        Assert.True(second.LoadedFromCache);
        var parsed = ModelFixture.Model;
        Assert.True(parsed.Neutral.SequenceEqual(second.Neutral));
        for (int k = 0; k < parsed.IdentityCount; k++) Assert.True(parsed.IdentityBasis(k).SequenceEqual(second.IdentityBasis(k)));
        for (int e = 0; e < parsed.ExpressionCount; e++) Assert.True(parsed.ExpressionBasis(e).SequenceEqual(second.ExpressionBasis(e)));
        Assert.Equal(parsed.ExpressionNames, second.ExpressionNames);
        Assert.True(parsed.PolygonOffsets.SequenceEqual(second.PolygonOffsets));
        Assert.True(parsed.PolygonVertices.SequenceEqual(second.PolygonVertices));
        Assert.True(parsed.PolygonUvIndices.SequenceEqual(second.PolygonUvIndices));
        Assert.True(parsed.Uvs.SequenceEqual(second.Uvs));
        Assert.True(parsed.Triangles.SequenceEqual(second.Triangles));
        Assert.Equal(parsed.Materials, second.Materials);
        Assert.Equal(parsed.LandmarkVertices68, second.LandmarkVertices68);
        Assert.Equal(parsed.FittingVertices, second.FittingVertices);
        Assert.Equal(parsed.RigidVertices, second.RigidVertices);
        Assert.Equal(parsed.LaplacianRigidVertices, second.LaplacianRigidVertices);
        Assert.Equal(parsed.RigidLandmarkIndices, second.RigidLandmarkIndices);
    }

    [Fact]
    public void CorruptOrTruncatedCacheIsRebuilt()
    {
        using var cache = new TempFolder();
        MorphableModel.Load(TestData.FaceModelDir, cache.Path);
        string file = Directory.GetFiles(cache.Path).Single();
        var bytes = File.ReadAllBytes(file);
        File.WriteAllBytes(file, bytes[..(bytes.Length / 2)]);
        var m = MorphableModel.Load(TestData.FaceModelDir, cache.Path);
        Assert.False(m.LoadedFromCache);
        Assert.Equal(bytes.Length, new FileInfo(file).Length); // rewritten in full
        // Flip a landmark index far out of range: validation rejects the cache, the sources are re-parsed.
        var bad = File.ReadAllBytes(file);
        int at = bad.AsSpan().IndexOf("DFEND!!!"u8);
        Assert.True(at > 0);
        bad[at - 1] = 0x7F; // last rigid landmark index becomes huge
        File.WriteAllBytes(file, bad);
        var m2 = MorphableModel.Load(TestData.FaceModelDir, cache.Path);
        Assert.False(m2.LoadedFromCache);
        Assert.Equal(35, m2.RigidLandmarkIndices[^1]);
    }

    [Fact]
    public void KeyChangesWithSourceFiles()
    {
        using var dir = new TempFolder();
        string f = dir.File("a.txt");
        File.WriteAllText(f, "one");
        File.SetLastWriteTimeUtc(f, new DateTime(2020, 1, 1, 0, 0, 0, DateTimeKind.Utc));
        string k1 = ModelCache.Key(f);
        File.SetLastWriteTimeUtc(f, new DateTime(2021, 1, 1, 0, 0, 0, DateTimeKind.Utc));
        string k2 = ModelCache.Key(f);
        File.WriteAllText(f, "three");
        File.SetLastWriteTimeUtc(f, new DateTime(2021, 1, 1, 0, 0, 0, DateTimeKind.Utc));
        string k3 = ModelCache.Key(f);
        Assert.NotEqual(k1, k2);
        Assert.NotEqual(k2, k3);
        Assert.NotEqual(ModelCache.PathFor(dir.Path, k1), ModelCache.PathFor(dir.Path, k2));
        Assert.Contains($"v{ModelCache.FormatVersion}", k1);
    }

    [Fact]
    public void UnwritableCacheFolderStillLoads()
    {
        using var dir = new TempFolder();
        string notADir = dir.File("file-not-folder");
        File.WriteAllText(notADir, "x");
        var m = MorphableModel.Load(TestData.FaceModelDir, Path.Combine(notADir, "cache"));
        Assert.False(m.LoadedFromCache);
        Assert.Equal(26719, m.VertexCount);
    }
}
