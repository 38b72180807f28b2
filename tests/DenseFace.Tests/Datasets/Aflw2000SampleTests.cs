using DenseFace.Evaluation.Datasets;

namespace DenseFace.Tests.Datasets;

public class Aflw2000SampleTests
{
    [Theory]
    [InlineData("image00002", 1)]
    [InlineData("image00004", 9)]
    [InlineData("image00006", 6)]
    public void LandmarksLieOnTheFaceInside450Image(string stem, int unlabelled21)
    {
        var s = Aflw2000Sample.Read(MatFileTests.AflwPath(stem));
        Assert.Equal(68, s.Landmarks3D.Length);
        Assert.NotNull(s.ImagePath);
        Assert.True(File.Exists(s.ImagePath));
        Assert.Equal(stem + ".jpg", Path.GetFileName(s.ImagePath));
        float minX = s.Landmarks3D.Min(p => p.X), maxX = s.Landmarks3D.Max(p => p.X);
        float minY = s.Landmarks3D.Min(p => p.Y), maxY = s.Landmarks3D.Max(p => p.Y);
        Assert.InRange(minX, 0, 449); Assert.InRange(maxX, 0, 449);
        Assert.InRange(minY, 0, 449); Assert.InRange(maxY, 0, 449);
        // A face in these crops spans roughly a quarter to two thirds of the image and sits around its centre.
        Assert.InRange(maxX - minX, 100, 300);
        Assert.InRange(maxY - minY, 100, 300);
        Assert.InRange((minX + maxX) / 2, 150, 300);
        Assert.InRange((minY + maxY) / 2, 150, 320);
        // Jaw (0-16) below the brows (17-26) and the chin (8) is the lowest jaw point region.
        Assert.True(s.Landmarks3D[8].Y > s.Landmarks3D[19].Y + 50);
        Assert.Equal(unlabelled21, s.Landmarks2D21.Visibility!.Count(v => !v));
        for (int i = 0; i < 21; i++)
            if (s.Landmarks2D21.IsVisible(i)) Assert.InRange(s.Landmarks2D21.Points[i].X, 0, 449);
        Assert.Equal(68, s.Landmarks2D68.Count);
        Assert.Equal(199, s.ShapeParameters.Length);
        Assert.Equal(29, s.ExpressionParameters.Length);
    }

    [Fact]
    public void ConvertsToZeroBasedExactlyOnceAndKeepsPoseAsStored()
    {
        var s = Aflw2000Sample.Read(MatFileTests.AflwPath("image00002"));
        // Stored (independent reader, see MatFileTests): pt3d_68(:,1) = (121.86803436279297, 167.16421508789062, -65.10888671875)
        Assert.Equal((float)(121.86803436279297 - 1), s.Landmarks3D[0].X);
        Assert.Equal((float)(167.16421508789062 - 1), s.Landmarks3D[0].Y);
        Assert.Equal(-65.10888671875f, s.Landmarks3D[0].Z);       // depth is not shifted
        Assert.Equal(s.Landmarks3D[0].X, s.Landmarks2D68.Points[0].X);
        Assert.Equal((float)(145.5022690716912 - 1), s.Landmarks2D21.Points[0].X);
        Assert.Equal(-0.3992307782173157f, s.PitchRadians);
        Assert.Equal(0.01822657883167267f, s.YawRadians);
        Assert.Equal(0.08567621558904648f, s.RollRadians);
        Assert.Equal(-22.874f, s.PitchDegrees, 2);
        Assert.Equal(4.909f, s.RollDegrees, 2);
        Assert.Equal(231.46531677246094f, s.Translation.X);
        Assert.Equal(-102.7936019897461f, s.Translation.Z);
        Assert.Equal(0.001587462262250483f, s.Scale);
        Assert.Equal(new[] { 13, -26, 437, 398 }, s.Roi);
    }

    [Fact]
    public void YawSignMatchesTheLandmarks()
    {
        // image00004 has yaw +68 degrees: the nose tip (30) lies left of every jaw point in the image.
        var s = Aflw2000Sample.Read(MatFileTests.AflwPath("image00004"));
        Assert.InRange(s.YawDegrees, 60, 75);
        for (int i = 0; i <= 16; i++) Assert.True(s.Landmarks3D[30].X < s.Landmarks3D[i].X);
    }

    [Fact]
    public void WrongShapesAndMissingVariablesNameTheFile()
    {
        var w = new MatTestWriter(false);
        var dir = Directory.CreateTempSubdirectory("denseface-aflw");
        try
        {
            var path = Path.Combine(dir.FullName, "image99999.mat");
            File.WriteAllBytes(path, w.File(w.Matrix("pt3d_68", MatTestWriter.ClassSingle, [2, 68], w.Element(MatTestWriter.MiSingle, new byte[2 * 68 * 4]))));
            var e = Assert.Throws<InvalidInputException>(() => Aflw2000Sample.Read(path));
            Assert.Equal(path, e.InputName);
            Assert.Contains("pt3d_68", e.Message);
            File.WriteAllBytes(path, w.File(w.Matrix("x", MatTestWriter.ClassSingle, [1, 1], w.Element(MatTestWriter.MiSingle, new byte[4]))));
            Assert.Contains("pt3d_68", Assert.Throws<InvalidInputException>(() => Aflw2000Sample.Read(path)).Message);
            var nan = w.Singles(Enumerable.Repeat(float.NaN, 3 * 68).ToArray());
            File.WriteAllBytes(path, w.File(w.Matrix("pt3d_68", MatTestWriter.ClassSingle, [3, 68], w.Element(MatTestWriter.MiSingle, nan))));
            Assert.Contains("finite", Assert.Throws<InvalidInputException>(() => Aflw2000Sample.Read(path)).Message);
        }
        finally { dir.Delete(true); }
    }
}
