using DenseFace.Geometry;
using DenseFace.Imaging;

namespace DenseFace.Tests.Imaging;

public class ImageWarpTests
{
    private static Image8 Random8(int w, int h, int c, int seed)
    {
        var img = new Image8(w, h, c);
        new Random(seed).NextBytes(img.Pixels);
        return img;
    }

    [Theory]
    [InlineData(1)] [InlineData(3)] [InlineData(4)]
    public void IdentityReproducesTheImageExactly(int channels)
    {
        var src = Random8(31, 17, channels, channels);
        foreach (var f in new[] { WarpFilter.Bilinear, WarpFilter.Area })
            Assert.Equal(src.Pixels, ImageWarp.WarpAffine(src, AffineTransform2D.Identity, 31, 17, f).Pixels);
    }

    [Fact]
    public void TranslationByOnePixelShiftsExactly()
    {
        var src = Random8(20, 11, 3, 5);
        var border = new byte[] { 7, 8, 9 };
        var right = ImageWarp.WarpAffine(src, AffineTransform2D.Translation(1, 0), 20, 11, border: border);
        var up = ImageWarp.WarpAffine(src, AffineTransform2D.Translation(0, -1), 20, 11, border: border);
        for (int y = 0; y < 11; y++)
            for (int x = 0; x < 20; x++)
                for (int c = 0; c < 3; c++)
                {
                    int i = (y * 20 + x) * 3 + c;
                    Assert.Equal(x == 0 ? border[c] : src.Pixels[i - 3], right.Pixels[i]);
                    Assert.Equal(y == 10 ? border[c] : src.Pixels[i + 60], up.Pixels[i]);
                }
    }

    [Fact]
    public void QuarterTurnAboutTheCentreIsAPermutation()
    {
        var src = Random8(9, 9, 1, 6);
        var t = AffineTransform2D.Translation(-4, -4).Then(AffineTransform2D.Rotation(Math.PI / 2)).Then(AffineTransform2D.Translation(4, 4));
        var dst = ImageWarp.WarpAffine(src, t, 9, 9);
        // Rotation(+90 deg) maps (x, y) -> (-y, x) about the centre: dst(8 - y, x) = src(x, y).
        for (int y = 0; y < 9; y++)
            for (int x = 0; x < 9; x++)
                Assert.Equal(src.Pixels[y * 9 + x], dst.Pixels[x * 9 + (8 - y)]);
    }

    /// <summary>Straightforward reference: bilinear with constant zero border, in double precision.</summary>
    private static double RefBilinear(Image8 s, double sx, double sy, int c, double border = 0)
    {
        int x0 = (int)Math.Floor(sx), y0 = (int)Math.Floor(sy);
        double fx = sx - x0, fy = sy - y0;
        double P(int x, int y) => x < 0 || y < 0 || x >= s.Width || y >= s.Height ? border : s.Pixels[(y * s.Width + x) * s.Channels + c];
        return P(x0, y0) * (1 - fx) * (1 - fy) + P(x0 + 1, y0) * fx * (1 - fy) + P(x0, y0 + 1) * (1 - fx) * fy + P(x0 + 1, y0 + 1) * fx * fy;
    }

    [Fact]
    public void ScaleAndRotationMatchReferenceBilinear()
    {
        var src = Random8(23, 19, 3, 7);
        var t = AffineTransform2D.SimilarityFromBox(11.3, 9.7, 15.5, 40, rotationRadians: 0.4);
        var dst = ImageWarp.WarpAffine(src, t, 40, 40);
        var inv = t.Inverse();
        for (int y = 0; y < 40; y++)
            for (int x = 0; x < 40; x++)
            {
                var (sx, sy) = inv.Apply(x, y);
                for (int c = 0; c < 3; c++)
                {
                    double expected = RefBilinear(src, sx, sy, c);
                    Assert.True(Math.Abs(dst.Pixels[(y * 40 + x) * 3 + c] - expected) <= 0.51, $"({x},{y},{c}): {dst.Pixels[(y * 40 + x) * 3 + c]} vs {expected}");
                }
            }
    }

    [Fact]
    public void TwoTimesUpscaleUsesPixelCentreConvention()
    {
        // 2x upscale: output (0,0) centre is at source (-0.25, -0.25); output (1,1) at (0.25, 0.25).
        var src = new Image8(2, 1, 1, [0, 200]);
        var dst = ImageWarp.WarpAffine(src, AffineTransform2D.Scale(2, 2).Then(AffineTransform2D.Translation(0.5, 0.5)), 4, 2, border: [0]);
        // Row 0 samples y = -0.25 (25% border) -> 0.75 * value along x.
        var (sx, sy) = AffineTransform2D.Scale(2, 2).Then(AffineTransform2D.Translation(0.5, 0.5)).Inverse().Apply(1, 0);
        Assert.Equal((0.25, -0.25), (sx, sy));
        Assert.Equal(new byte[] { 0, 38, 113, 113 }, dst.Pixels[..4]);
    }

    [Fact]
    public void AreaFilterOnFourTimesDownscaleGivesBlockAverages()
    {
        // Constant per 4x4 block: exact.
        var blocks = new Image8(32, 24, 3);
        var rng = new Random(8);
        var colours = new byte[8 * 6 * 3];
        rng.NextBytes(colours);
        for (int y = 0; y < 24; y++)
            for (int x = 0; x < 32; x++)
                for (int c = 0; c < 3; c++)
                    blocks.Pixels[(y * 32 + x) * 3 + c] = colours[((y / 4) * 8 + x / 4) * 3 + c];
        var down = AffineTransform2D.SimilarityFromBox(15.5, 11.5, 32, 8);
        Assert.Equal(0.25, down.M00, 12);
        // SimilarityFromBox is square; use an explicit 4x map for the non-square image.
        var t = AffineTransform2D.Translation(0.5, 0.5).Then(AffineTransform2D.Scale(0.25, 0.25)).Then(AffineTransform2D.Translation(-0.5, -0.5));
        Assert.Equal(colours, ImageWarp.WarpAffine(blocks, t, 8, 6, WarpFilter.Area).Pixels);

        // Arbitrary content: the 16-pixel mean, to rounding.
        var src = Random8(32, 24, 1, 9);
        var dst = ImageWarp.WarpAffine(src, t, 8, 6, WarpFilter.Area);
        for (int by = 0; by < 6; by++)
            for (int bx = 0; bx < 8; bx++)
            {
                int sum = 0;
                for (int y = 0; y < 4; y++) for (int x = 0; x < 4; x++) sum += src.Pixels[(by * 4 + y) * 32 + bx * 4 + x];
                Assert.Equal((sum + 8) / 16, dst.Pixels[by * 8 + bx]);
            }
        // Bilinear on the same map only sees 4 of the 16 pixels, so it differs somewhere.
        Assert.NotEqual(dst.Pixels, ImageWarp.WarpAffine(src, t, 8, 6).Pixels);
    }

    [Fact]
    public void SimilarityFromBoxMapsBoxEdgesToOutputEdges()
    {
        var t = AffineTransform2D.SimilarityFromBox(100, 50, 64, 128);
        Assert.Equal((63.5, 63.5), t.Apply(100, 50));
        Assert.Equal((-0.5, -0.5), t.Apply(68, 18));
        Assert.Equal((127.5, 127.5), t.Apply(132, 82));
        // A box of output size at integer offset is a plain copy of the sub-image.
        var src = Random8(50, 40, 3, 10);
        var crop = ImageWarp.WarpAffine(src, AffineTransform2D.SimilarityFromBox(20.5, 15.5, 16, 16), 16, 16);
        for (int y = 0; y < 16; y++)
            Assert.Equal(src.Row(y + 8).Slice(13 * 3, 48).ToArray(), crop.Row(y).ToArray());
        // Rotated box: the box centre still goes to the output centre and the box's x axis to the output's x axis.
        var r = AffineTransform2D.SimilarityFromBox(10, 20, 8, 8, Math.PI / 6);
        var (cx, cy) = r.Apply(10, 20);
        Assert.Equal(3.5, cx, 12); Assert.Equal(3.5, cy, 12);
        var (ax, ay) = r.ApplyVector(Math.Cos(Math.PI / 6), Math.Sin(Math.PI / 6));
        Assert.Equal(1, ax, 12); Assert.Equal(0, ay, 12);
    }

    [Fact]
    public void NormalizedFloatOutputIsChwAndAllocationFree()
    {
        var src = Random8(40, 30, 3, 11);
        var t = AffineTransform2D.SimilarityFromBox(20, 15, 24, 16, 0.2);
        float[] mean = [0.485f, 0.456f, 0.406f], std = [0.229f, 0.224f, 0.225f];
        var planes = new float[3 * 16 * 16];
        ImageWarp.WarpAffineNormalized(src, t, 16, 16, planes, mean, std); // warm up (JIT)
        long before = GC.GetAllocatedBytesForCurrentThread();
        ImageWarp.WarpAffineNormalized(src, t, 16, 16, planes, mean, std, WarpFilter.Area);
        ImageWarp.WarpAffineNormalized(src, t, 16, 16, planes, mean, std);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);

        var bytes = ImageWarp.WarpAffine(src, t, 16, 16);
        var inv = t.Inverse();
        for (int c = 0; c < 3; c++)
            for (int y = 0; y < 16; y++)
                for (int x = 0; x < 16; x++)
                {
                    var (sx, sy) = inv.Apply(x, y);
                    double expected = (RefBilinear(src, sx, sy, c) / 255 - mean[c]) / std[c];
                    float got = planes[c * 256 + y * 16 + x];
                    Assert.True(Math.Abs(got - expected) < 1e-3, $"c{c} ({x},{y}): {got} vs {expected}");
                    Assert.True(Math.Abs(bytes.Pixels[(y * 16 + x) * 3 + c] - (got * std[c] + mean[c]) * 255) <= 0.51);
                }
    }

    /// <summary>
    /// Axis-aligned maps take a separable path; it must give the general definition: the mean of an N x M grid of
    /// bilinear samples over the footprint (N = ceil of the footprint, 1 for bilinear), outside reading as the border.
    /// Covers shrinking on one axis only, upscaling, mirroring and outputs reaching past the source.
    /// </summary>
    [Theory]
    [InlineData(0.6, 0.75, 0, 0)] [InlineData(1.7, 1.3, -3, 2)] [InlineData(0.9, 0.45, 0, 0)]
    [InlineData(-0.8, 0.7, 28, -4)] [InlineData(0.55, 0.6, 12, 9)] [InlineData(1, 1, 0.25, -0.5)]
    public void AxisAlignedWarpsMatchTheSampleGridReference(double scaleX, double scaleY, double shiftX, double shiftY)
    {
        var t = new AffineTransform2D(scaleX, 0, shiftX, 0, scaleY, shiftY);
        var inv = t.Inverse();
        const int W = 30, H = 25;
        foreach (int ch in new[] { 1, 3, 4 })
        {
            var src = Random8(37, 29, ch, 20 + ch);
            var border = Enumerable.Range(0, ch).Select(c => (byte)(40 + 50 * c)).ToArray();
            float[] mean = new float[ch], std = Enumerable.Repeat(1f / 255, ch).ToArray();
            var got = new float[ch * W * H];
            foreach (var filter in new[] { WarpFilter.Bilinear, WarpFilter.Area })
            {
                ImageWarp.WarpAffineNormalized(src, t, W, H, got, mean, std, filter, border);
                var bytes = ImageWarp.WarpAffine(src, t, W, H, filter, border);
                int nx = filter == WarpFilter.Area ? (int)Math.Ceiling(Math.Abs(inv.M00) - 1e-9) : 1;
                int ny = filter == WarpFilter.Area ? (int)Math.Ceiling(Math.Abs(inv.M11) - 1e-9) : 1;
                for (int c = 0; c < ch; c++)
                    for (int y = 0; y < H; y++)
                        for (int x = 0; x < W; x++)
                        {
                            double expected = 0;
                            for (int j = 0; j < ny; j++)
                                for (int i = 0; i < nx; i++)
                                {
                                    var (sx, sy) = inv.Apply(x + (i + 0.5) / nx - 0.5, y + (j + 0.5) / ny - 0.5);
                                    expected += RefBilinear(src, sx, sy, c, border[c]);
                                }
                            expected /= nx * ny;
                            float value = got[(c * H + y) * W + x];
                            Assert.True(Math.Abs(value - expected) < 2e-3, $"{filter} ch{ch} c{c} ({x},{y}): {value} vs {expected}");
                            Assert.True(Math.Abs(bytes.Pixels[(y * W + x) * ch + c] - expected) <= 0.51, $"{filter} bytes ({x},{y})");
                        }
            }
        }
    }

    [Fact]
    public void BadArgumentsAreInvalidInput()
    {
        var src = Random8(4, 4, 3, 12);
        Assert.Throws<InvalidInputException>(() => ImageWarp.WarpAffine(src, AffineTransform2D.Scale(0, 1), 4, 4));
        Assert.Throws<InvalidInputException>(() => ImageWarp.WarpAffine(src, new AffineTransform2D(double.NaN, 0, 0, 0, 1, 0), 4, 4));
        Assert.Throws<InvalidInputException>(() => ImageWarp.WarpAffine(src, AffineTransform2D.Identity, 0, 4));
        Assert.Throws<InvalidInputException>(() => ImageWarp.WarpAffine(src, AffineTransform2D.Identity, 4, 4, border: [1, 2]));
        Assert.Throws<InvalidInputException>(() => ImageWarp.WarpAffineNormalized(src, AffineTransform2D.Identity, 4, 4, new float[47], [0, 0, 0], [1, 1, 1]));
        Assert.Throws<InvalidInputException>(() => ImageWarp.WarpAffineNormalized(src, AffineTransform2D.Identity, 4, 4, new float[48], [0, 0, 0], [1, 0, 1]));
        Assert.Throws<InvalidInputException>(() => AffineTransform2D.SimilarityFromBox(0, 0, -1, 8));
        // Far-away and huge transforms give border colour, not exceptions.
        var far = ImageWarp.WarpAffine(src, AffineTransform2D.Translation(1e300, -1e300), 3, 3, WarpFilter.Area, [1, 2, 3]);
        Assert.Equal(new byte[] { 1, 2, 3, 1, 2, 3, 1, 2, 3 }, far.Pixels[..9]);
        var tiny = ImageWarp.WarpAffine(src, AffineTransform2D.Scale(1e-6, 1e-6), 3, 3, WarpFilter.Area);
        Assert.Equal(9 * 3, tiny.Pixels.Length);
    }

    [Fact]
    public void AffineAlgebra()
    {
        var a = new AffineTransform2D(1.5, 0.3, -2, -0.4, 0.9, 7);
        var b = AffineTransform2D.Rotation(0.7).Then(AffineTransform2D.Translation(3, 4));
        var p = (X: 2.5, Y: -1.25);
        var ab = a.Then(b).Apply(p);
        var ref_ = b.Apply(a.Apply(p));
        Assert.Equal(ref_.X, ab.X, 12); Assert.Equal(ref_.Y, ab.Y, 12);
        var back = a.Inverse().Apply(a.Apply(p));
        Assert.Equal(p.X, back.X, 12); Assert.Equal(p.Y, back.Y, 12);
        var id = AffineTransform2D.Compose(a, a.Inverse());
        Assert.Equal(1, id.M00, 12); Assert.Equal(0, id.M01, 12); Assert.Equal(0, id.M02, 12);
        Assert.Equal(0, id.M10, 12); Assert.Equal(1, id.M11, 12); Assert.Equal(0, id.M12, 12);
    }
}
