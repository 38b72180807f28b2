namespace DenseFace.Geometry;

/// <summary>
/// A 2D affine map in double precision, the 2x3 matrix
/// <c>[M00 M01 M02; M10 M11 M12]</c> acting on column vectors: <c>x' = M00 x + M01 y + M02</c>,
/// <c>y' = M10 x + M11 y + M12</c>. Coordinates are pixels in the project convention (0-based, the centre of the
/// top-left pixel is (0, 0), x right, y down).
/// </summary>
public readonly struct AffineTransform2D : IEquatable<AffineTransform2D>
{
    /// <summary>Row 0, column 0: x' coefficient of x.</summary>
    public double M00 { get; }
    /// <summary>Row 0, column 1: x' coefficient of y.</summary>
    public double M01 { get; }
    /// <summary>Row 0, column 2: x' offset (pixels).</summary>
    public double M02 { get; }
    /// <summary>Row 1, column 0: y' coefficient of x.</summary>
    public double M10 { get; }
    /// <summary>Row 1, column 1: y' coefficient of y.</summary>
    public double M11 { get; }
    /// <summary>Row 1, column 2: y' offset (pixels).</summary>
    public double M12 { get; }

    /// <summary>The map with the given matrix entries, row by row (see the type summary).</summary>
    public AffineTransform2D(double m00, double m01, double m02, double m10, double m11, double m12)
    {
        M00 = m00; M01 = m01; M02 = m02; M10 = m10; M11 = m11; M12 = m12;
    }

    /// <summary>The identity map.</summary>
    public static AffineTransform2D Identity => new(1, 0, 0, 0, 1, 0);

    /// <summary>Shift by (<paramref name="dx"/>, <paramref name="dy"/>) pixels.</summary>
    public static AffineTransform2D Translation(double dx, double dy) => new(1, 0, dx, 0, 1, dy);

    /// <summary>Scale about the origin.</summary>
    public static AffineTransform2D Scale(double sx, double sy) => new(sx, 0, 0, 0, sy, 0);

    /// <summary>Rotation about the origin by <paramref name="radians"/>; with y pointing down a positive angle turns
    /// the +x axis towards +y (clockwise on screen).</summary>
    public static AffineTransform2D Rotation(double radians)
    {
        double c = Math.Cos(radians), s = Math.Sin(radians);
        return new(c, -s, 0, s, c, 0);
    }

    /// <summary>Determinant of the linear part (area scale factor; negative for a reflection).</summary>
    public double Determinant => M00 * M11 - M01 * M10;

    /// <summary>Maps a point.</summary>
    public (double X, double Y) Apply(double x, double y) => (M00 * x + M01 * y + M02, M10 * x + M11 * y + M12);

    /// <summary>Maps a point given as a tuple.</summary>
    public (double X, double Y) Apply((double X, double Y) p) => Apply(p.X, p.Y);

    /// <summary>Maps a direction (the linear part only, no translation).</summary>
    public (double X, double Y) ApplyVector(double dx, double dy) => (M00 * dx + M01 * dy, M10 * dx + M11 * dy);

    /// <summary>The inverse map.</summary>
    /// <exception cref="InvalidInputException">The transform is singular (or nearly so) or not finite.</exception>
    public AffineTransform2D Inverse()
    {
        double det = Determinant;
        double scale = Math.Max(Math.Max(Math.Abs(M00), Math.Abs(M01)), Math.Max(Math.Abs(M10), Math.Abs(M11)));
        if (!double.IsFinite(det) || !double.IsFinite(M02) || !double.IsFinite(M12) || scale == 0 || Math.Abs(det) <= 1e-14 * scale * scale)
            throw new InvalidInputException("transform", $"affine transform {this} is singular or not finite");
        double i00 = M11 / det, i01 = -M01 / det, i10 = -M10 / det, i11 = M00 / det;
        return new(i00, i01, -(i00 * M02 + i01 * M12), i10, i11, -(i10 * M02 + i11 * M12));
    }

    /// <summary>The map that applies <paramref name="first"/> and then <paramref name="second"/>
    /// (the matrix product second * first).</summary>
    public static AffineTransform2D Compose(in AffineTransform2D first, in AffineTransform2D second) => new(
        second.M00 * first.M00 + second.M01 * first.M10,
        second.M00 * first.M01 + second.M01 * first.M11,
        second.M00 * first.M02 + second.M01 * first.M12 + second.M02,
        second.M10 * first.M00 + second.M11 * first.M10,
        second.M10 * first.M01 + second.M11 * first.M11,
        second.M10 * first.M02 + second.M11 * first.M12 + second.M12);

    /// <summary>This map followed by <paramref name="next"/>.</summary>
    public AffineTransform2D Then(in AffineTransform2D next) => Compose(this, next);

    /// <summary>
    /// The similarity that maps a square box of the source image onto a square output of
    /// <paramref name="outputSize"/> x <paramref name="outputSize"/> pixels (source -> output). The box has side
    /// <paramref name="boxSize"/> source pixels, is centred on (<paramref name="centerX"/>, <paramref name="centerY"/>)
    /// and is rotated by <paramref name="rotationRadians"/> in the source (same sign convention as
    /// <see cref="Rotation"/>); the output is upright. Pixel edges map to pixel edges: the box's outer edge lands on
    /// the output's outer edge (-0.5 .. outputSize - 0.5), so the box centre goes to ((outputSize - 1) / 2, same).
    /// </summary>
    /// <exception cref="InvalidInputException">Non-positive or non-finite box size, or outputSize &lt; 1.</exception>
    public static AffineTransform2D SimilarityFromBox(double centerX, double centerY, double boxSize, int outputSize, double rotationRadians = 0)
    {
        if (!(boxSize > 0) || !double.IsFinite(boxSize) || !double.IsFinite(centerX) || !double.IsFinite(centerY) || !double.IsFinite(rotationRadians))
            throw new InvalidInputException(nameof(boxSize), $"box (centre {centerX},{centerY}, size {boxSize}, rotation {rotationRadians}) is not a finite positive square");
        if (outputSize < 1) throw new InvalidInputException(nameof(outputSize), $"output size {outputSize} must be at least 1");
        double s = outputSize / boxSize;
        double half = (outputSize - 1) * 0.5;
        return Translation(-centerX, -centerY)
            .Then(Rotation(-rotationRadians))
            .Then(Scale(s, s))
            .Then(Translation(half, half));
    }

    /// <summary>True when all six entries are exactly equal.</summary>
    public bool Equals(AffineTransform2D o) => M00 == o.M00 && M01 == o.M01 && M02 == o.M02 && M10 == o.M10 && M11 == o.M11 && M12 == o.M12;
    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is AffineTransform2D o && Equals(o);
    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(M00, M01, M02, M10, M11, M12);
    /// <summary>True when all six entries are exactly equal.</summary>
    public static bool operator ==(AffineTransform2D a, AffineTransform2D b) => a.Equals(b);
    /// <summary>True when any entry differs.</summary>
    public static bool operator !=(AffineTransform2D a, AffineTransform2D b) => !a.Equals(b);
    /// <summary>The matrix as "[M00 M01 M02; M10 M11 M12]".</summary>
    public override string ToString() => $"[{M00:G6} {M01:G6} {M02:G6}; {M10:G6} {M11:G6} {M12:G6}]";
}
