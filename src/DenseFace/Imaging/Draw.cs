using System.Numerics;

namespace DenseFace.Imaging;

/// <summary>An 8-bit straight (non-premultiplied) RGBA colour; A = 255 is opaque.</summary>
public readonly record struct Rgba(byte R, byte G, byte B, byte A = 255)
{
    /// <summary>Opaque red (255, 0, 0).</summary>
    public static Rgba Red => new(255, 0, 0);
    /// <summary>Opaque green (0, 255, 0).</summary>
    public static Rgba Green => new(0, 255, 0);
    /// <summary>Opaque blue (0, 0, 255).</summary>
    public static Rgba Blue => new(0, 0, 255);
    /// <summary>Opaque white.</summary>
    public static Rgba White => new(255, 255, 255);
    /// <summary>Opaque black.</summary>
    public static Rgba Black => new(0, 0, 0);
    /// <summary>Opaque yellow (255, 255, 0).</summary>
    public static Rgba Yellow => new(255, 255, 0);

    /// <summary>The same colour with alpha <paramref name="alpha"/>.</summary>
    public Rgba WithAlpha(byte alpha) => this with { A = alpha };
}

/// <summary>Marker shapes for <see cref="Draw.Marker"/>.</summary>
public enum MarkerShape
{
    /// <summary>Filled anti-aliased disc.</summary>
    Disc,
    /// <summary>Diagonal cross (an X) of two anti-aliased lines.</summary>
    Cross,
    /// <summary>Filled axis-aligned square with anti-aliased edges.</summary>
    Square,
}

/// <summary>
/// Overlay drawing on 1-, 3- or 4-channel <see cref="Image8"/> images (gray images receive the colour's Rec. 601
/// luma). Coordinates are pixels in the project convention (top-left pixel centre at (0, 0)); everything is
/// clipped to the image, so shapes partly or wholly outside it, or with huge coordinates, are safe. Shapes with a
/// NaN coordinate, or a radius/thickness that is not positive, draw nothing.
/// </summary>
/// <remarks>
/// Blending is "source over" with straight alpha: with effective opacity a = (A / 255) * coverage, 3-channel and
/// gray pixels become <c>dst + (src - dst) * a</c>; on 4-channel images the destination alpha d is taken into
/// account: <c>outA = a + d (1 - a)</c>, <c>outRGB = (src a + dst d (1 - a)) / outA</c> (identical to the
/// 3-channel rule when the destination is opaque). Results are rounded to nearest. Discs, lines and square
/// markers are anti-aliased by coverage = clamp(half-size + 0.5 - distance, 0, 1) from the pixel centre;
/// triangles are not anti-aliased (a pixel is inside when its centre is) and use a top-left fill rule, so
/// triangles sharing an edge never blend a pixel twice.
/// </remarks>
public static class Draw
{
    /// <summary>Draws a marker of <paramref name="radius"/> pixels (half the marker size) centred at <paramref name="at"/>.</summary>
    /// <param name="image">Image to draw on (1, 3 or 4 channels).</param>
    /// <param name="at">Marker centre in pixels.</param>
    /// <param name="shape">Marker shape.</param>
    /// <param name="radius">Half the marker size in pixels.</param>
    /// <param name="color">Colour; its alpha sets the opacity.</param>
    /// <param name="thickness">Line width of <see cref="MarkerShape.Cross"/> in pixels; ignored by the filled shapes.</param>
    public static void Marker(Image8 image, Vector2 at, MarkerShape shape, float radius, Rgba color, float thickness = 1)
    {
        switch (shape)
        {
            case MarkerShape.Disc:
                Disc(image, at, radius, color);
                break;
            case MarkerShape.Cross:
                if (!(radius > 0)) return;
                Line(image, at + new Vector2(-radius, -radius), at + new Vector2(radius, radius), color, thickness);
                Line(image, at + new Vector2(-radius, radius), at + new Vector2(radius, -radius), color, thickness);
                break;
            case MarkerShape.Square:
                Square(image, at, radius, color);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(shape));
        }
    }

    /// <summary>Fills an anti-aliased disc of <paramref name="radius"/> pixels.</summary>
    public static void Disc(Image8 image, Vector2 centre, float radius, Rgba color)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (!(radius > 0) || color.A == 0) return;
        double cx = centre.X, cy = centre.Y, reach = radius + 0.5;
        if (!Clip(cx - reach, cx + reach, image.Width, out int x0, out int x1) ||
            !Clip(cy - reach, cy + reach, image.Height, out int y0, out int y1)) return;
        for (int y = y0; y <= y1; y++)
            for (int x = x0; x <= x1; x++)
            {
                double d = Math.Sqrt((x - cx) * (x - cx) + (y - cy) * (y - cy));
                float cov = (float)Math.Clamp(reach - d, 0, 1);
                if (cov > 0) Blend(image, x, y, color, cov);
            }
    }

    private static void Square(Image8 image, Vector2 centre, float radius, Rgba color)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (!(radius > 0) || color.A == 0) return;
        double cx = centre.X, cy = centre.Y, reach = radius + 0.5;
        if (!Clip(cx - reach, cx + reach, image.Width, out int x0, out int x1) ||
            !Clip(cy - reach, cy + reach, image.Height, out int y0, out int y1)) return;
        for (int y = y0; y <= y1; y++)
        {
            double cy_ = Math.Clamp(reach - Math.Abs(y - cy), 0, 1);
            for (int x = x0; x <= x1; x++)
            {
                float cov = (float)(cy_ * Math.Clamp(reach - Math.Abs(x - cx), 0, 1));
                if (cov > 0) Blend(image, x, y, color, cov);
            }
        }
    }

    /// <summary>Draws an anti-aliased line segment of <paramref name="thickness"/> pixels with round caps.</summary>
    public static void Line(Image8 image, Vector2 from, Vector2 to, Rgba color, float thickness = 1)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (!(thickness > 0) || color.A == 0) return;
        double ax = from.X, ay = from.Y, bx = to.X, by = to.Y;
        double reach = thickness * 0.5 + 0.5;
        if (!Clip(Math.Min(ax, bx) - reach, Math.Max(ax, bx) + reach, image.Width, out int xMin, out int xMax) ||
            !Clip(Math.Min(ay, by) - reach, Math.Max(ay, by) + reach, image.Height, out int yMin, out int yMax)) return;
        double dx = bx - ax, dy = by - ay, len2 = dx * dx + dy * dy;
        double len = Math.Sqrt(len2);
        for (int y = yMin; y <= yMax; y++)
        {
            // The pixels of this row within 'reach' of the segment form one interval (the capsule is convex):
            // the hull of the band's interval and the two end discs' intervals.
            double lo = double.PositiveInfinity, hi = double.NegativeInfinity;
            DiscSpan(ax, ay, y, reach, ref lo, ref hi);
            DiscSpan(bx, by, y, reach, ref lo, ref hi);
            if (len > 0) BandSpan(ax, ay, dx, dy, len, y, reach, ref lo, ref hi);
            if (!Clip(lo, hi, image.Width, out int x0, out int x1)) continue;
            x0 = Math.Max(x0, xMin); x1 = Math.Min(x1, xMax);
            for (int x = x0; x <= x1; x++)
            {
                double t = len2 > 0 ? Math.Clamp(((x - ax) * dx + (y - ay) * dy) / len2, 0, 1) : 0;
                double ex = x - (ax + t * dx), ey = y - (ay + t * dy);
                float cov = (float)Math.Clamp(reach - Math.Sqrt(ex * ex + ey * ey), 0, 1);
                if (cov > 0) Blend(image, x, y, color, cov);
            }
        }
    }

    private static void DiscSpan(double cx, double cy, int y, double r, ref double lo, ref double hi)
    {
        double h = r * r - (y - cy) * (y - cy);
        if (!(h >= 0)) return;
        double s = Math.Sqrt(h);
        lo = Math.Min(lo, cx - s); hi = Math.Max(hi, cx + s);
    }

    /// <summary>Interval of x on row y with |perpendicular distance| &lt;= r and projection within the segment.</summary>
    private static void BandSpan(double ax, double ay, double dx, double dy, double len, int y, double r, ref double lo, ref double hi)
    {
        double l = double.NegativeInfinity, h = double.PositiveInfinity;
        // Perpendicular: |(-dy (x - ax) + dx (y - ay)) / len| <= r.
        if (!Constrain(-dy / len, dx / len * (y - ay), -r, r, ax, ref l, ref h)) return;
        // Projection: 0 <= (dx (x - ax) + dy (y - ay)) / len <= len.
        if (!Constrain(dx / len, dy / len * (y - ay), 0, len, ax, ref l, ref h)) return;
        if (l > h) return;
        lo = Math.Min(lo, l); hi = Math.Max(hi, h);
    }

    /// <summary>Intersects [l, h] with { x : min &lt;= k (x - x0) + c &lt;= max }; false if empty.</summary>
    private static bool Constrain(double k, double c, double min, double max, double x0, ref double l, ref double h)
    {
        if (Math.Abs(k) < 1e-12) return c >= min && c <= max;
        double p = x0 + (min - c) / k, q = x0 + (max - c) / k;
        l = Math.Max(l, Math.Min(p, q)); h = Math.Min(h, Math.Max(p, q));
        return l <= h;
    }

    /// <summary>Fills a triangle with a solid colour (alpha blended).</summary>
    public static void Triangle(Image8 image, Vector2 a, Vector2 b, Vector2 c, Rgba color)
    {
        if (color.A == 0) return;
        FillTriangle(image, a, b, c, color, color, color, interpolate: false);
    }

    /// <summary>Fills a triangle with colours (alpha included) interpolated barycentrically from its vertices.</summary>
    public static void Triangle(Image8 image, Vector2 a, Vector2 b, Vector2 c, Rgba colorA, Rgba colorB, Rgba colorC) =>
        FillTriangle(image, a, b, c, colorA, colorB, colorC, interpolate: true);

    private static void FillTriangle(Image8 image, Vector2 pa, Vector2 pb, Vector2 pc, Rgba ca, Rgba cb, Rgba cc, bool interpolate)
    {
        ArgumentNullException.ThrowIfNull(image);
        double ax = pa.X, ay = pa.Y, bx = pb.X, by = pb.Y, cx = pc.X, cy = pc.Y;
        double area = Edge(ax, ay, bx, by, cx, cy);
        if (!(Math.Abs(area) > 0) || !double.IsFinite(area)) return; // degenerate or NaN
        if (area < 0)
        {
            (bx, by, cx, cy) = (cx, cy, bx, by);
            (cb, cc) = (cc, cb);
            area = -area;
        }
        if (!Clip(Math.Min(ax, Math.Min(bx, cx)), Math.Max(ax, Math.Max(bx, cx)), image.Width, out int x0, out int x1) ||
            !Clip(Math.Min(ay, Math.Min(by, cy)), Math.Max(ay, Math.Max(by, cy)), image.Height, out int y0, out int y1)) return;
        // Fill rule: a pixel centre exactly on an edge belongs to the triangle only if the edge "owns" it. The
        // ownership test is antisymmetric in the edge direction, so of two triangles sharing an edge exactly one
        // fills the pixels on it.
        bool ownA = Owns(bx, by, cx, cy), ownB = Owns(cx, cy, ax, ay), ownC = Owns(ax, ay, bx, by);
        double inv = 1 / area;
        for (int y = y0; y <= y1; y++)
            for (int x = x0; x <= x1; x++)
            {
                double wa = Edge(bx, by, cx, cy, x, y), wb = Edge(cx, cy, ax, ay, x, y), wc = Edge(ax, ay, bx, by, x, y);
                if (!(wa > 0 || (wa == 0 && ownA)) || !(wb > 0 || (wb == 0 && ownB)) || !(wc > 0 || (wc == 0 && ownC))) continue;
                if (!interpolate) { Blend(image, x, y, ca, 1); continue; }
                float la = (float)(wa * inv), lb = (float)(wb * inv), lc = 1 - la - lb;
                var col = new Rgba(Mix(ca.R, cb.R, cc.R, la, lb, lc), Mix(ca.G, cb.G, cc.G, la, lb, lc),
                    Mix(ca.B, cb.B, cc.B, la, lb, lc), Mix(ca.A, cb.A, cc.A, la, lb, lc));
                if (col.A > 0) Blend(image, x, y, col, 1);
            }
    }

    private static byte Mix(byte a, byte b, byte c, float la, float lb, float lc) =>
        (byte)Math.Clamp(a * la + b * lb + c * lc + 0.5f, 0, 255);

    /// <summary>Twice the signed area of (a, b, p); positive when p is on the interior side of a -> b for a
    /// positively oriented triangle.</summary>
    private static double Edge(double ax, double ay, double bx, double by, double px, double py) =>
        (bx - ax) * (py - ay) - (by - ay) * (px - ax);

    private static bool Owns(double ax, double ay, double bx, double by)
    {
        double dy = by - ay, dx = bx - ax;
        return dy < 0 || (dy == 0 && dx > 0);
    }

    /// <summary>Integer pixel range [i0, i1] of [lo, hi] clipped to [0, size - 1]; false if empty or NaN.</summary>
    private static bool Clip(double lo, double hi, int size, out int i0, out int i1)
    {
        i0 = i1 = 0;
        if (!(hi >= 0 && lo <= size - 1 && lo <= hi)) return false;
        i0 = (int)Math.Max(0, Math.Ceiling(lo));
        i1 = (int)Math.Min(size - 1, Math.Floor(hi));
        return i0 <= i1;
    }

    /// <summary>Source-over blend of <paramref name="color"/> at <paramref name="coverage"/> into pixel (x, y).</summary>
    private static void Blend(Image8 image, int x, int y, Rgba color, float coverage)
    {
        float a = color.A * (1f / 255f) * coverage;
        var px = image.Pixels;
        int ch = image.Channels;
        int o = (y * image.Width + x) * ch;
        switch (ch)
        {
            case 1:
                float luma = (color.R * 299 + color.G * 587 + color.B * 114) / 1000f;
                px[o] = Round(px[o] + (luma - px[o]) * a);
                break;
            case 3:
                px[o] = Round(px[o] + (color.R - px[o]) * a);
                px[o + 1] = Round(px[o + 1] + (color.G - px[o + 1]) * a);
                px[o + 2] = Round(px[o + 2] + (color.B - px[o + 2]) * a);
                break;
            default:
                float da = px[o + 3] * (1f / 255f);
                float keep = da * (1 - a);
                float outA = a + keep;
                if (outA <= 0) return;
                float k = 1 / outA;
                px[o] = Round((color.R * a + px[o] * keep) * k);
                px[o + 1] = Round((color.G * a + px[o + 1] * keep) * k);
                px[o + 2] = Round((color.B * a + px[o + 2] * keep) * k);
                px[o + 3] = Round(outA * 255);
                break;
        }
    }

    private static byte Round(float v) => v <= 0 ? (byte)0 : v >= 255 ? (byte)255 : (byte)(v + 0.5f);
}
