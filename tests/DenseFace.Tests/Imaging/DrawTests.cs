using System.Numerics;
using DenseFace.Imaging;

namespace DenseFace.Tests.Imaging;

public class DrawTests
{
    private static byte[] Px(Image8 img, int x, int y) => img.Pixels.AsSpan((y * img.Width + x) * img.Channels, img.Channels).ToArray();

    [Fact]
    public void AlphaBlendingMath()
    {
        // Opaque destination: dst + (src - dst) * a.
        var rgb = new Image8(1, 1, 3, [100, 0, 255]);
        Draw.Disc(rgb, new Vector2(0, 0), 3, new Rgba(200, 255, 0, 128));
        Assert.Equal(new byte[] { 150, 128, 127 }, Px(rgb, 0, 0)); // 100 + 100 * 128/255 = 150.2; 255 * 0.502 = 128.0; 255 - 128.0 = 127.0

        // Transparent destination takes the source colour and alpha.
        var rgba = new Image8(1, 1, 4);
        Draw.Disc(rgba, new Vector2(0, 0), 3, new Rgba(255, 10, 20, 128));
        Assert.Equal(new byte[] { 255, 10, 20, 128 }, Px(rgba, 0, 0));

        // Opaque RGBA destination behaves like RGB.
        var opaque = new Image8(1, 1, 4, [0, 0, 255, 255]);
        Draw.Disc(opaque, new Vector2(0, 0), 3, new Rgba(255, 0, 0, 51));
        Assert.Equal(new byte[] { 51, 0, 204, 255 }, Px(opaque, 0, 0));

        // Half-transparent destination: outA = a + d(1 - a), outC = (s a + c d (1 - a)) / outA.
        var half = new Image8(1, 1, 4, [0, 0, 255, 128]);
        Draw.Disc(half, new Vector2(0, 0), 3, new Rgba(255, 0, 0, 128));
        double a = 128 / 255.0, d = 128 / 255.0, outA = a + d * (1 - a);
        Assert.Equal(new byte[] { (byte)Math.Round(255 * a / outA), 0, (byte)Math.Round(255 * d * (1 - a) / outA), (byte)Math.Round(outA * 255) }, Px(half, 0, 0));
        Assert.Equal(new byte[] { 170, 0, 85, 192 }, Px(half, 0, 0));

        // Gray images get the colour's luma.
        var gray = new Image8(1, 1, 1);
        Draw.Disc(gray, new Vector2(0, 0), 3, new Rgba(255, 0, 0));
        Assert.Equal(76, gray.Pixels[0]);
    }

    [Fact]
    public void DiscIsAntiAliasedAndSymmetric()
    {
        var img = new Image8(21, 21, 3);
        Draw.Disc(img, new Vector2(10, 10), 4, Rgba.White);
        Assert.Equal(255, Px(img, 10, 10)[0]);
        Assert.Equal(255, Px(img, 13, 10)[0]);        // distance 3: inside
        Assert.Equal(128, Px(img, 14, 10)[0]);        // distance 4 = radius: the edge halves the pixel
        Assert.Equal(0, Px(img, 10, 15)[0]);          // distance 5 > 4.5
        byte edge = Px(img, 13, 13)[0];               // distance 4.24: coverage 0.26
        Assert.InRange(edge, 60, 72);
        for (int y = 0; y < 21; y++)
            for (int x = 0; x < 21; x++)
            {
                Assert.Equal(Px(img, x, y), Px(img, 20 - x, y));
                Assert.Equal(Px(img, x, y), Px(img, y, x));
            }
    }

    [Fact]
    public void HorizontalLineCoversItsRowOnly()
    {
        var img = new Image8(16, 10, 3);
        Draw.Line(img, new Vector2(2, 5), new Vector2(10, 5), Rgba.Red);
        for (int y = 0; y < 10; y++)
            for (int x = 0; x < 16; x++)
                Assert.Equal(y == 5 && x >= 2 && x <= 10 ? (byte)255 : (byte)0, Px(img, x, y)[0]);
        // A 3-pixel-thick line covers rows 4..6; a 2-pixel one covers rows 4 and 6 by half.
        var thick = new Image8(16, 10, 1);
        Draw.Line(thick, new Vector2(2, 5), new Vector2(10, 5), Rgba.White, 3);
        Assert.Equal(new byte[] { 0, 255, 255, 255, 0 }, Enumerable.Range(3, 5).Select(y => thick.Pixels[y * 16 + 6]).ToArray());
        var two = new Image8(16, 10, 1);
        Draw.Line(two, new Vector2(2, 5), new Vector2(10, 5), Rgba.White, 2);
        Assert.Equal(new byte[] { 0, 128, 255, 128, 0 }, Enumerable.Range(3, 5).Select(y => two.Pixels[y * 16 + 6]).ToArray());
    }

    [Fact]
    public void DiagonalLineMatchesDistanceReference()
    {
        var img = new Image8(30, 20, 1);
        Vector2 a = new(3.3f, 2.1f), b = new(26.7f, 17.4f);
        Draw.Line(img, a, b, Rgba.White, 2.5f);
        for (int y = 0; y < 20; y++)
            for (int x = 0; x < 30; x++)
            {
                // Distance from the pixel centre to the segment.
                var p = new Vector2(x, y);
                var ab = b - a;
                float t = Math.Clamp(Vector2.Dot(p - a, ab) / ab.LengthSquared(), 0, 1);
                double dist = (p - (a + t * ab)).Length();
                double expected = 255 * Math.Clamp(1.25 + 0.5 - dist, 0, 1);
                Assert.True(Math.Abs(img.Pixels[y * 30 + x] - expected) <= 1, $"({x},{y}) {img.Pixels[y * 30 + x]} vs {expected}");
            }
    }

    [Fact]
    public void TrianglesSharingAnEdgeBlendEachPixelOnce()
    {
        var img = new Image8(16, 16, 3);
        var c = new Rgba(200, 100, 50, 128);
        Vector2 p00 = new(2, 2), p10 = new(12, 2), p11 = new(12, 12), p01 = new(2, 12);
        Draw.Triangle(img, p00, p10, p11, c);
        Draw.Triangle(img, p00, p11, p01, c);  // same winding, shared diagonal
        var once = new byte[] { 100, 50, 25 };
        int count = 0;
        for (int y = 0; y < 16; y++)
            for (int x = 0; x < 16; x++)
            {
                var v = Px(img, x, y);
                if (v[0] != 0) { Assert.Equal(once, v); count++; }
            }
        Assert.Equal(100, count); // 10 x 10 pixel centres: the fill rule splits the boundary exactly
        // Opposite winding of the second triangle: still no double blending.
        var img2 = new Image8(16, 16, 3);
        Draw.Triangle(img2, p00, p10, p11, c);
        Draw.Triangle(img2, p01, p11, p00, c);
        Assert.Equal(img.Pixels, img2.Pixels);
    }

    [Fact]
    public void PerVertexColoursInterpolate()
    {
        var img = new Image8(40, 40, 4);
        Draw.Triangle(img, new Vector2(0, 0), new Vector2(30, 0), new Vector2(0, 30), Rgba.Red, Rgba.Green, new Rgba(0, 0, 255, 0));
        // Centroid (10, 10): one third of each colour; alpha (255 + 255 + 0) / 3 = 170.
        var centroid = Px(img, 10, 10);
        Assert.Equal(170, centroid[3]);
        // Over a transparent destination the colour is the interpolated colour itself: (85, 85, 85).
        Assert.Equal(new byte[] { 85, 85, 85 }, centroid[..3]);
        // Near vertex A: mostly red.
        var nearA = Px(img, 1, 1);
        Assert.True(nearA[0] > 230 && nearA[1] < 15 && nearA[2] < 15, string.Join(",", nearA));
        // Outside the hypotenuse: untouched.
        Assert.Equal(new byte[4], Px(img, 20, 20));
    }

    [Fact]
    public void ShapesAtTheEdgesClipWithoutThrowing()
    {
        foreach (int ch in new[] { 1, 3, 4 })
        {
            var img = new Image8(7, 5, ch);
            var col = new Rgba(10, 200, 30, 200);
            float[] xs = [-3, 0, 3, 6, 9, -1e30f, 1e30f, float.NaN, float.PositiveInfinity];
            float[] ys = [-3, 0, 2, 4, 7, -1e30f, 1e30f, float.NaN, float.NegativeInfinity];
            foreach (float x in xs)
                foreach (float y in ys)
                {
                    var p = new Vector2(x, y);
                    foreach (var shape in new[] { MarkerShape.Disc, MarkerShape.Cross, MarkerShape.Square })
                        Draw.Marker(img, p, shape, 2.5f, col, 1.5f);
                    Draw.Line(img, p, new Vector2(3, 2), col, 2);
                    Draw.Line(img, p, new Vector2(-x, y * 0.5f), col);
                    Draw.Triangle(img, p, new Vector2(6, 0), new Vector2(0, 4), col);
                    Draw.Triangle(img, p, new Vector2(1e6f, 3), new Vector2(-1e6f, 1e6f), col, Rgba.Blue, Rgba.White);
                }
            Assert.Contains(img.Pixels, b => b != 0);
        }
        // A line from far outside across the image is drawn where it crosses.
        var big = new Image8(10, 10, 3);
        Draw.Line(big, new Vector2(-1e6f, 4), new Vector2(1e6f, 4), Rgba.Green);
        for (int x = 0; x < 10; x++) Assert.Equal(new byte[] { 0, 255, 0 }, Px(big, x, 4));
    }

    [Fact]
    public void MarkerShapes()
    {
        var cross = new Image8(11, 11, 3);
        Draw.Marker(cross, new Vector2(5, 5), MarkerShape.Cross, 3, Rgba.White);
        Assert.Equal(255, Px(cross, 5, 5)[0]);
        Assert.Equal(255, Px(cross, 8, 8)[0]);
        Assert.Equal(255, Px(cross, 2, 8)[0]);
        Assert.Equal(0, Px(cross, 8, 5)[0]);
        Assert.Equal(0, Px(cross, 5, 8)[0]);

        var square = new Image8(11, 11, 3);
        Draw.Marker(square, new Vector2(5, 5), MarkerShape.Square, 2, Rgba.White);
        for (int y = 0; y < 11; y++)
            for (int x = 0; x < 11; x++)
            {
                // Edges at distance 2 from the centre pass through pixel centres: half coverage, a quarter at corners.
                int ax = Math.Abs(x - 5), ay = Math.Abs(y - 5);
                double cov = (ax < 2 ? 1 : ax == 2 ? 0.5 : 0) * (ay < 2 ? 1 : ay == 2 ? 0.5 : 0);
                Assert.Equal((int)(255 * cov + 0.5), Px(square, x, y)[0]);
            }
    }
}
