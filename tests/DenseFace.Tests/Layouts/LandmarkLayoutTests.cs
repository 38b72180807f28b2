using DenseFace.Training.Layouts;
using System.Numerics;
using DenseFace.Cli.Commands;
using DenseFace.FaceModel;
using DenseFace.FaceModel.Layouts;
using DenseFace.Imaging;
using DenseFace.Tests.FaceModel;

namespace DenseFace.Tests.Layouts;

public class LandmarkLayoutTests
{
    static MorphableModel Model => ModelFixture.Model;
    static readonly Lazy<IReadOnlyList<LandmarkLayout>> Generated = new(() => LayoutGenerator.BuildAll(Model));

    public static TheoryData<string, int> Counts => new() { { "ibug68", 68 }, { "dense520", 520 }, { "full703", 703 }, { "rt320", 320 } };

    [Theory]
    [MemberData(nameof(Counts))]
    public void BuiltInLayoutLoadsWithItsCountAndValidSurfacePoints(string name, int count)
    {
        var layout = LandmarkLayouts.Load(name);
        Assert.Equal(name, layout.Name);
        Assert.InRange(layout.Count, count - 3, count + 3);
        layout.Validate(Model);
        var tris = Model.Triangles;
        var neutral = Model.NeutralPositions;
        for (int i = 0; i < layout.Count; i++)
        {
            var p = layout.Points[i];
            Assert.InRange(p.Surface.Triangle, 0, Model.TriangleCount - 1);
            Assert.InRange(p.Surface.U, 0f, 1f);
            Assert.InRange(p.Surface.V, 0f, 1f);
            Assert.InRange(p.Surface.W, 0f, 1f);
            Assert.Equal(1f, p.Surface.U + p.Surface.V + p.Surface.W, 6);
            Assert.Equal(FaceParts.PartOfPolygon(PolygonOfTriangle(p.Surface.Triangle)), p.Part);
            Assert.True(p.Vertex >= 0, "generated points sit on vertices");
            Assert.Equal(neutral[p.Vertex], Model.SurfacePosition(p.Surface, neutral));
            Assert.Contains(p.Vertex, new[] { tris[3 * p.Surface.Triangle], tris[3 * p.Surface.Triangle + 1], tris[3 * p.Surface.Triangle + 2] });
        }
        Assert.Equal(layout.Count, layout.Points.Select(p => p.Vertex).Distinct().Count());
    }

    static int PolygonOfTriangle(int t)
    {
        var first = Model.PolygonFirstTriangle;
        int lo = 0, hi = Model.PolygonCount - 1;
        while (lo < hi) { int mid = (lo + hi + 1) >> 1; if (first[mid] <= t) lo = mid; else hi = mid - 1; }
        return lo;
    }

    [Theory]
    [MemberData(nameof(Counts))]
    public void MirrorIsAnInvolutionMatchingTheReflectionWithin3mm(string name, int _)
    {
        var layout = LandmarkLayouts.Load(name);
        var pos = new Vector3[layout.Count];
        layout.Positions(Model, Model.NeutralPositions, pos);
        Assert.True(layout.HasCompleteMirror);
        var mirror = layout.MirrorIndices;
        int selfMirrored = 0;
        for (int i = 0; i < layout.Count; i++)
        {
            Assert.Equal(i, mirror[mirror[i]]);
            Assert.Equal(layout.Points[i].Region, layout.Points[mirror[i]].Region);
            var reflected = pos[i] with { X = -pos[i].X };
            Assert.True(Vector3.Distance(reflected, pos[mirror[i]]) < 0.3f, $"{name} point {i}: mirror {mirror[i]} is {Vector3.Distance(reflected, pos[mirror[i]]) * 10:F2} mm from the reflection");
            if (mirror[i] == i) { selfMirrored++; Assert.True(MathF.Abs(pos[i].X) < 0.15f, $"{name} point {i} mirrors to itself but x = {pos[i].X}"); }
        }
        Assert.InRange(selfMirrored, 1, layout.Count / 4);
    }

    [Fact]
    public void Ibug68FollowsTheMultiPieVerticesAndTheStandardFlipPairs()
    {
        var layout = LandmarkLayouts.Load("ibug68");
        Assert.Equal(IctLandmarks.MultiPie68.ToArray(), layout.Points.Select(p => p.Vertex).ToArray());
        Assert.Equal(new[] { 16, 26, 27, 35, 45, 54, 64, 67 }, new[] { 0, 17, 27, 31, 36, 48, 60, 65 }.Select(i => layout.MirrorIndices[i]).ToArray());
        Assert.Equal(new[] { "jaw", "brow", "nose", "eye_contour", "lip_outer", "lip_inner" }, layout.Regions);
        // Every dense layout starts with the 68 in order, so the 68 can be read off any of them.
        foreach (var name in new[] { "dense520", "full703", "rt320" })
            Assert.Equal(layout.Points, LandmarkLayouts.Load(name).Points.Take(68));
    }

    [Fact]
    public void Dense520LiesOnTheFacePartWithDenseContours()
    {
        var layout = LandmarkLayouts.Load("dense520");
        Assert.Equal([FacePart.Face], layout.Parts);
        var byRegion = layout.Points.GroupBy(p => p.Region).ToDictionary(g => g.Key, g => g.Count());
        Assert.True(byRegion["eye_contour"] >= 40 && byRegion["lip_outer"] >= 30 && byRegion["lip_inner"] >= 30 && byRegion["jaw"] >= 30, string.Join(", ", byRegion));
        Assert.True(byRegion["face"] >= 200);
        // No point on the ears: the refinement stays inside the jaw hull and the fill on the narrow face area.
        Assert.All(layout.Points, p => Assert.True(MathF.Abs(Model.NeutralPositions[p.Vertex].X) < 7.6f));
    }

    [Fact]
    public void Full703CoversTheWholeHeadWithRegionsOnTheirParts()
    {
        var layout = LandmarkLayouts.Load("full703");
        Assert.Equal([FacePart.Face, FacePart.HeadAndNeck, FacePart.Teeth, FacePart.EyeballLeft, FacePart.EyeballRight], layout.Parts);
        var p = Model.NeutralPositions.ToArray();
        foreach (var point in layout.Points)
        {
            var v = p[point.Vertex];
            switch (point.Region)
            {
                case "iris": Assert.True(point.Part is FacePart.EyeballLeft or FacePart.EyeballRight); break;
                case "teeth": Assert.Equal(FacePart.Teeth, point.Part); break;
                case "scalp": Assert.Equal(FacePart.HeadAndNeck, point.Part); Assert.True(v.Y >= -9); break;
                case "neck": Assert.True(v.Y < -9); break;
                case "ear": Assert.True(MathF.Abs(v.X) >= 7.4f); break;
                default: Assert.Equal(FacePart.Face, point.Part); break;
            }
        }
        var count = layout.Points.GroupBy(x => x.Region).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(18, count["iris"]);
        Assert.Equal(24, count["teeth"]);
        Assert.True(count["ear"] >= 40 && count["scalp"] >= 90 && count["neck"] >= 40, string.Join(", ", count));
        Assert.Equal(count["ear"] / 2, layout.Points.Count(x => x.Region == "ear" && p[x.Vertex].X > 0));
        // Iris centres are the front-most vertices of the two iris areas.
        var irisLeft = FaceParts.Vertices(FaceSubArea.IrisLeft);
        int apex = Enumerable.Range(irisLeft.Start, irisLeft.Count).MaxBy(v => p[v].Z);
        Assert.Contains(layout.Points, x => x.Vertex == apex && x.Region == "iris");
    }

    [Fact]
    public void Rt320IsASubsetOfFull703KeepingEveryRegion()
    {
        var rt = LandmarkLayouts.Load("rt320");
        var full = LandmarkLayouts.Load("full703");
        var fullVertices = full.Points.ToDictionary(x => x.Vertex);
        foreach (var point in rt.Points)
        {
            Assert.True(fullVertices.TryGetValue(point.Vertex, out var f));
            Assert.Equal(f.Surface, point.Surface);
            Assert.Equal(f.Region, point.Region);
        }
        Assert.Equal(full.Regions.Order(), rt.Regions.Order());
    }

    [Fact]
    public void RegeneratingGivesTheCommittedLayoutsExactly()
    {
        var dir = Path.Combine(Path.GetTempPath(), $"denseface-layouts-{Guid.NewGuid():N}");
        try
        {
            var written = LayoutsCommand.Build(Model, dir, pictureFolder: null);
            Assert.Equal(LandmarkLayouts.Names.Count, written.Count);
            foreach (var name in LandmarkLayouts.Names)
            {
                var text = File.ReadAllText(Path.Combine(dir, name + ".json"));
                Assert.Equal(LandmarkLayouts.Load(name).ToJson(), text);
                Assert.Equal(text, Generated.Value.Single(l => l.Name == name).ToJson());
                Assert.Equal(text, LandmarkLayout.FromJson(text, name).ToJson());
            }
        }
        finally { if (Directory.Exists(dir)) Directory.Delete(dir, true); }
    }

    [Fact]
    public void EvaluationFromTheBasesMatchesEvaluationOnTheMesh()
    {
        var layout = LandmarkLayouts.Load("rt320");
        var c = new ShapeCoefficients(Model);
        c.RandomizeIdentity(3);
        c.SetExpressions(Model, "jawOpen=0.5,mouthSmile_L=0.7");
        var mesh = Model.Evaluate(c.Identity, c.Expression);
        var a = new Vector3[layout.Count];
        var b = new Vector3[layout.Count];
        layout.Positions(Model, mesh, a);
        layout.Evaluate(Model, c.Identity, c.Expression, b);
        for (int i = 0; i < a.Length; i++) Assert.True(Vector3.Distance(a[i], b[i]) < 1e-4f);
        Assert.True(Vector3.Distance(a[0], Model.NeutralPositions[layout.Points[0].Vertex]) > 0.01f, "points move with the shape");
    }

    [Fact]
    public void MalformedJsonIsReportedWithTheSourceName()
    {
        var good = LandmarkLayouts.Load("ibug68").ToJson();
        void Bad(string json, string expected)
        {
            var e = Assert.Throws<InvalidInputException>(() => LandmarkLayout.FromJson(json, "my.json"));
            Assert.Equal("my.json", e.InputName);
            Assert.Contains(expected, e.Message);
        }
        Bad(good[..(good.Length / 2)], "malformed");
        Bad(good.Replace("\"schema\": 1", "\"schema\": 7"), "schema 7");
        Bad(good.Replace("\"part\":\"Face\"", "\"part\":\"Nose\""), "unknown part");
        Bad(good.Replace("\"mirror\":16", "\"mirror\":15"), "involution");
        Bad(good.Replace("\"mirror\":16", "\"mirror\":999"), "mirror index");
        Bad(good.Replace("\"triangleCount\": 52220", "\"triangleCount\": 5"), "outside");
        Bad(good.Replace("\"u\":0,", "\"u\":1.5,"), "barycentric");
        Bad(good.Replace("\"name\": \"ibug68\"", "\"name\": \"Bad Name\""), "layout name");
        Bad("{\"schema\":1,\"name\":\"x\",\"triangleCount\":10}", "points");
        Bad(good.Replace(",\"mirror\":16}", "}"), "mirror");
        Bad("null", "null");
        // A layout without a partner for some points is valid, just not flippable.
        var partial = LandmarkLayout.FromJson(good.Replace("\"mirror\":16}", "\"mirror\":-1}").Replace("\"mirror\":0}", "\"mirror\":-1}"), "partial.json");
        Assert.False(partial.HasCompleteMirror);
        Assert.Equal(-1, partial.MirrorIndices[0]);
        Bad(good.Replace("\"mirror\":16}", "\"mirror\":-1}"), "involution");
        var unknown = Assert.Throws<InvalidInputException>(() => LandmarkLayouts.Load("dense999"));
        Assert.Contains("dense520", unknown.Message);
    }

    [Fact]
    public void PictureShowsThePointsInTheirRegionColours()
    {
        var layout = LandmarkLayouts.Load("full703");
        var image = LayoutPicture.Render(Model, layout, 160);
        Assert.Equal((480, 160), (image.Width, image.Height));
        var colours = new HashSet<(byte, byte, byte)>();
        for (int i = 0; i < image.Pixels.Length; i += 3) colours.Add((image.Pixels[i], image.Pixels[i + 1], image.Pixels[i + 2]));
        foreach (var region in new[] { "jaw", "ear", "lip_outer", "face", "neck" })
        {
            var c = LayoutPicture.RegionColor(region);
            Assert.Contains((c.R, c.G, c.B), colours);
        }
    }
}
