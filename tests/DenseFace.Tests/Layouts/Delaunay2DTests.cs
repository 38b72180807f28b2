using System.Numerics;
using DenseFace.Geometry;

namespace DenseFace.Tests.Layouts;

public class Delaunay2DTests
{
    static Vector2[] RandomPoints(int n, int seed, float scale = 1)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, n).Select(_ => new Vector2((float)rng.NextDouble() * scale, (float)rng.NextDouble() * scale)).ToArray();
    }

    static double Orient(Vector2 a, Vector2 b, Vector2 c) => ((double)b.X - a.X) * ((double)c.Y - a.Y) - ((double)b.Y - a.Y) * ((double)c.X - a.X);

    static double TotalArea(Vector2[] p, int[] t)
    {
        double a = 0;
        for (int i = 0; i < t.Length; i += 3) a += Orient(p[t[i]], p[t[i + 1]], p[t[i + 2]]) / 2;
        return a;
    }

    [Theory]
    [InlineData(4, 1)]
    [InlineData(50, 2)]
    [InlineData(400, 3)]
    public void RandomPointsGiveEmptyCircumcirclesAndTheEulerTriangleCount(int n, int seed)
    {
        var p = RandomPoints(n, seed);
        var t = Delaunay2D.Triangulate(p);
        int h = StrictHull(p).Length;
        Assert.Equal(2 * n - 2 - h, t.Length / 3);
        for (int i = 0; i < t.Length; i += 3)
        {
            Vector2 a = p[t[i]], b = p[t[i + 1]], c = p[t[i + 2]];
            Assert.True(Orient(a, b, c) > 0, "triangles are counter-clockwise");
            for (int k = 0; k < n; k++)
            {
                if (k == t[i] || k == t[i + 1] || k == t[i + 2]) continue;
                double adx = a.X - p[k].X, ady = a.Y - p[k].Y, bdx = b.X - p[k].X, bdy = b.Y - p[k].Y, cdx = c.X - p[k].X, cdy = c.Y - p[k].Y;
                double det = (adx * adx + ady * ady) * (bdx * cdy - cdx * bdy) - (bdx * bdx + bdy * bdy) * (adx * cdy - cdx * ady) + (cdx * cdx + cdy * cdy) * (adx * bdy - bdx * ady);
                Assert.True(det <= 1e-12, $"point {k} lies inside the circumcircle of triangle {i / 3}");
            }
        }
        Assert.Equal(n, t.Distinct().Count());   // every point is a vertex
    }

    [Fact]
    public void TrianglesTileTheConvexHull()
    {
        var p = RandomPoints(300, 7, 10);
        var t = Delaunay2D.Triangulate(p);
        var hull = StrictHull(p);
        double hullArea = 0;
        for (int i = 1; i + 1 < hull.Length; i++) hullArea += Orient(p[hull[0]], p[hull[i]], p[hull[i + 1]]) / 2;
        Assert.Equal(hullArea, TotalArea(p, t), 6);
    }

    [Fact]
    public void RegularGridWithCocircularQuadsIsTriangulatedWithoutOverlapsOrGaps()
    {
        var p = new List<Vector2>();
        for (int y = 0; y < 10; y++) for (int x = 0; x < 10; x++) p.Add(new Vector2(x, y));
        var pts = p.ToArray();
        var t = Delaunay2D.Triangulate(pts);
        Assert.Equal(2 * 100 - 2 - 36, t.Length / 3);   // all 36 boundary points are vertices
        Assert.Equal(81.0, TotalArea(pts, t), 9);
        for (int i = 0; i < t.Length; i += 3) Assert.True(Orient(pts[t[i]], pts[t[i + 1]], pts[t[i + 2]]) > 0);
    }

    [Theory]
    [InlineData(11)]
    [InlineData(12)]
    public void PointsOnACoarseGridWithManyCollinearAndCocircularSubsetsTileTheHull(int seed)
    {
        // 250 distinct points of a 25 x 25 integer grid in random order: the triangulation must use every point,
        // tile the convex hull once (total area = hull area) and have 2n - 2 - b triangles, b = boundary points.
        var rng = new Random(seed);
        var all = Enumerable.Range(0, 625).Select(i => new Vector2(i % 25, i / 25)).OrderBy(_ => rng.Next()).Take(250).ToArray();
        var t = Delaunay2D.Triangulate(all);
        Assert.Equal(all.Length, t.Distinct().Count());
        for (int i = 0; i < t.Length; i += 3) Assert.True(Orient(all[t[i]], all[t[i + 1]], all[t[i + 2]]) > 0);
        var hull = StrictHull(all);
        double hullArea = 0;
        for (int i = 1; i + 1 < hull.Length; i++) hullArea += Orient(all[hull[0]], all[hull[i]], all[hull[i + 1]]) / 2;
        Assert.Equal(hullArea, TotalArea(all, t), 9);
        int boundary = all.Count(q => Enumerable.Range(0, hull.Length).Any(k =>
        {
            Vector2 a = all[hull[k]], b = all[hull[(k + 1) % hull.Length]];
            return Orient(a, b, q) == 0 && Vector2.Dot(q - a, q - b) <= 0;
        }));
        Assert.Equal(2 * all.Length - 2 - boundary, t.Length / 3);
    }

    /// <summary>Andrew's monotone chain: strict convex-hull vertices, counter-clockwise.</summary>
    static int[] StrictHull(Vector2[] p)
    {
        var idx = Enumerable.Range(0, p.Length).OrderBy(i => p[i].X).ThenBy(i => p[i].Y).ToArray();
        var lower = new List<int>(); var upper = new List<int>();
        foreach (int i in idx) { while (lower.Count >= 2 && Orient(p[lower[^2]], p[lower[^1]], p[i]) <= 0) lower.RemoveAt(lower.Count - 1); lower.Add(i); }
        foreach (int i in idx.Reverse()) { while (upper.Count >= 2 && Orient(p[upper[^2]], p[upper[^1]], p[i]) <= 0) upper.RemoveAt(upper.Count - 1); upper.Add(i); }
        return lower.Take(lower.Count - 1).Concat(upper.Take(upper.Count - 1)).ToArray();
    }

    [Fact]
    public void DegenerateInputsGiveNoTrianglesOrNamedErrors()
    {
        Assert.Empty(Delaunay2D.Triangulate([new(0, 0), new(1, 1)]));
        Assert.Empty(Delaunay2D.Triangulate([new(0, 0), new(1, 1), new(2, 2), new(3, 3)]));
        var dup = Assert.Throws<InvalidInputException>(() => Delaunay2D.Triangulate([new(0, 0), new(1, 0), new(0, 1), new(1, 0)]));
        Assert.Contains("coincide", dup.Message);
        var nan = Assert.Throws<InvalidInputException>(() => Delaunay2D.Triangulate([new(0, 0), new(float.NaN, 0), new(0, 1)]));
        Assert.Contains("not finite", nan.Message);
        Assert.Throws<InvalidInputException>(() => Delaunay2D.Triangulate(new Vector2[Delaunay2D.MaxPoints + 1]));
        // Collinear points first, then one off the line: all are used.
        var t = Delaunay2D.Triangulate([new(0, 0), new(1, 0), new(2, 0), new(3, 0), new(1.5f, 1)]);
        Assert.Equal(3, t.Length / 3);
    }
}
