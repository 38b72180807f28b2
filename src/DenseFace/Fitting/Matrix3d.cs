using System.Numerics;

namespace DenseFace.Fitting;

/// <summary>A 3×3 double matrix (row-major fields) for the fitter's rotations; column-vector convention y = M x.</summary>
internal readonly record struct Matrix3d(
    double M00, double M01, double M02,
    double M10, double M11, double M12,
    double M20, double M21, double M22)
{
    public static Matrix3d Identity => new(1, 0, 0, 0, 1, 0, 0, 0, 1);

    public (double X, double Y, double Z) Transform(double x, double y, double z) =>
        (M00 * x + M01 * y + M02 * z, M10 * x + M11 * y + M12 * z, M20 * x + M21 * y + M22 * z);

    public static Matrix3d operator *(in Matrix3d a, in Matrix3d b) => new(
        a.M00 * b.M00 + a.M01 * b.M10 + a.M02 * b.M20, a.M00 * b.M01 + a.M01 * b.M11 + a.M02 * b.M21, a.M00 * b.M02 + a.M01 * b.M12 + a.M02 * b.M22,
        a.M10 * b.M00 + a.M11 * b.M10 + a.M12 * b.M20, a.M10 * b.M01 + a.M11 * b.M11 + a.M12 * b.M21, a.M10 * b.M02 + a.M11 * b.M12 + a.M12 * b.M22,
        a.M20 * b.M00 + a.M21 * b.M10 + a.M22 * b.M20, a.M20 * b.M01 + a.M21 * b.M11 + a.M22 * b.M21, a.M20 * b.M02 + a.M21 * b.M12 + a.M22 * b.M22);

    public Matrix3d Transposed() => new(M00, M10, M20, M01, M11, M21, M02, M12, M22);

    /// <summary>exp([ω]×) by Rodrigues' formula (ω = axis · angle in radians).</summary>
    public static Matrix3d Exp(double wx, double wy, double wz)
    {
        double th2 = wx * wx + wy * wy + wz * wz;
        double a, b;
        if (th2 < 1e-12) { a = 1 - th2 / 6; b = 0.5 - th2 / 24; }
        else { double th = Math.Sqrt(th2); a = Math.Sin(th) / th; b = (1 - Math.Cos(th)) / th2; }
        return new(
            1 - b * (wy * wy + wz * wz), -a * wz + b * wx * wy, a * wy + b * wx * wz,
            a * wz + b * wx * wy, 1 - b * (wx * wx + wz * wz), -a * wx + b * wy * wz,
            -a * wy + b * wx * wz, a * wx + b * wy * wz, 1 - b * (wx * wx + wy * wy));
    }

    /// <summary>The rotation of a unit quaternion (same action as <see cref="Vector3.Transform(Vector3, Quaternion)"/>).</summary>
    public static Matrix3d FromQuaternion(Quaternion q)
    {
        var m = Matrix4x4.CreateFromQuaternion(Quaternion.Normalize(q)); // row-vector convention: M = R^T
        return new(m.M11, m.M21, m.M31, m.M12, m.M22, m.M32, m.M13, m.M23, m.M33);
    }

    /// <summary>The unit quaternion of this rotation (re-orthonormalised first).</summary>
    public Quaternion ToQuaternion()
    {
        var r = Orthonormalized();
        var m = new Matrix4x4((float)r.M00, (float)r.M10, (float)r.M20, 0, (float)r.M01, (float)r.M11, (float)r.M21, 0,
                              (float)r.M02, (float)r.M12, (float)r.M22, 0, 0, 0, 0, 1);
        return Quaternion.Normalize(Quaternion.CreateFromRotationMatrix(m));
    }

    /// <summary>Nearest rotation by Gram–Schmidt on the rows (enough to remove drift from repeated updates).</summary>
    public Matrix3d Orthonormalized()
    {
        double n0 = Math.Sqrt(M00 * M00 + M01 * M01 + M02 * M02);
        double ax = M00 / n0, ay = M01 / n0, az = M02 / n0;
        double d = M10 * ax + M11 * ay + M12 * az;
        double bx = M10 - d * ax, by = M11 - d * ay, bz = M12 - d * az;
        double n1 = Math.Sqrt(bx * bx + by * by + bz * bz);
        bx /= n1; by /= n1; bz /= n1;
        return new(ax, ay, az, bx, by, bz, ay * bz - az * by, az * bx - ax * bz, ax * by - ay * bx);
    }
}
