using System.Numerics;

namespace DenseFace.Detection;

/// <summary>
/// An axis-aligned box in image pixels: (<see cref="X"/>, <see cref="Y"/>) is the top-left corner and
/// <see cref="Width"/> x <see cref="Height"/> the extent, in the project's 0-based pixel-centre coordinates
/// (a box spanning pixels 0..9 of a row is X = -0.5, Width = 10 when edges are meant, or X = 0, Width = 9
/// between extreme landmark centres: <see cref="Tight"/> uses the latter).
/// </summary>
public readonly record struct FaceBox(float X, float Y, float Width, float Height)
{
    /// <summary>Right edge, <see cref="X"/> + <see cref="Width"/> (pixels).</summary>
    public float Right => X + Width;
    /// <summary>Bottom edge, <see cref="Y"/> + <see cref="Height"/> (pixels).</summary>
    public float Bottom => Y + Height;
    /// <summary>Centre of the box (pixels).</summary>
    public Vector2 Centre => new(X + Width / 2, Y + Height / 2);
    /// <summary>Area in square pixels (0 for a box with a negative extent).</summary>
    public float Area => Math.Max(0, Width) * Math.Max(0, Height);

    /// <summary>A box from its centre and size.</summary>
    public static FaceBox FromCentre(float cx, float cy, float width, float height) => new(cx - width / 2, cy - height / 2, width, height);

    /// <summary>Intersection over union (0 when either box is empty).</summary>
    public static float IoU(in FaceBox a, in FaceBox b)
    {
        float w = Math.Min(a.Right, b.Right) - Math.Max(a.X, b.X), h = Math.Min(a.Bottom, b.Bottom) - Math.Max(a.Y, b.Y);
        if (w <= 0 || h <= 0) return 0;
        float inter = w * h, union = a.Area + b.Area - inter;
        return union > 0 ? inter / union : 0;
    }

    /// <summary>The box of a <see cref="System.Drawing.RectangleF"/> (x, y, width, height in pixels).</summary>
    public static FaceBox From(System.Drawing.RectangleF r) => new(r.X, r.Y, r.Width, r.Height);

    /// <summary>The same box as a <see cref="System.Drawing.RectangleF"/> (what the landmark predictor takes).</summary>
    public System.Drawing.RectangleF ToRectangle() => new(X, Y, Width, Height);

    /// <summary>The tight box of a set of points (min to max of the coordinates): our face box when the points are the 68 landmarks.</summary>
    public static FaceBox Tight(ReadOnlySpan<Vector2> points)
    {
        if (points.IsEmpty) throw new InvalidInputException(nameof(points), "no points for a box");
        var lo = points[0];
        var hi = points[0];
        foreach (var p in points) { lo = Vector2.Min(lo, p); hi = Vector2.Max(hi, p); }
        return new FaceBox(lo.X, lo.Y, hi.X - lo.X, hi.Y - lo.Y);
    }
}

/// <summary>
/// One face found by <see cref="FaceDetector"/>, in source-image pixels (0-based pixel centres).
/// <see cref="Box"/> is YuNet's WIDER FACE-style box (forehead to chin, looser than the 68 landmarks);
/// <see cref="Box68"/> is the estimate of the tight 68-landmark box (<see cref="Box68Regression"/>).
/// Key points, in order: right eye, left eye (the subject's; image left first for a frontal face),
/// nose tip, right and left mouth corners, as YuNet orders them.
/// </summary>
public readonly record struct DetectedFace(FaceBox Box, float Score, Keypoints5 Keypoints, FaceBox Box68);

/// <summary>Five key points (eyes, nose tip, mouth corners) in YuNet's order, pixels.</summary>
[System.Runtime.CompilerServices.InlineArray(5)]
public struct Keypoints5 : IEquatable<Keypoints5>
{
    private Vector2 _first;

    /// <summary>True when all five points are equal.</summary>
    public readonly bool Equals(Keypoints5 other)
    {
        for (int i = 0; i < 5; i++) if (this[i] != other[i]) return false;
        return true;
    }

    /// <inheritdoc/>
    public override readonly bool Equals(object? obj) => obj is Keypoints5 k && Equals(k);
    /// <inheritdoc/>
    public override readonly int GetHashCode() => HashCode.Combine(this[0], this[1], this[2], this[3], this[4]);
}
