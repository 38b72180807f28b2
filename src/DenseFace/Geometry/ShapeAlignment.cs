using System.Numerics;

namespace DenseFace.Geometry;

/// <summary>A similarity transform b ≈ s·R·a + t found by <see cref="ShapeAlignment.Align"/> (rotation as a unit quaternion).</summary>
public readonly record struct Similarity3(Quaternion Rotation, double Scale, Vector3 Translation)
{
    /// <summary>s·R·a + t.</summary>
    public Vector3 Apply(Vector3 a) => (float)Scale * Vector3.Transform(a, Rotation) + Translation;

    /// <summary>The rotation angle of R in degrees (0..180).</summary>
    public double RotationDegrees => 2 * Math.Acos(Math.Min(1, Math.Abs((double)Quaternion.Normalize(Rotation).W))) * 180 / Math.PI;
}

/// <summary>
/// Least-squares rigid (Kabsch) and similarity (Umeyama, "Least-squares estimation of transformation parameters between
/// two point patterns", PAMI 1991) alignment of 3D point sets, solved in closed form by Horn's quaternion method
/// ("Closed-form solution of absolute orientation using unit quaternions", JOSA A 1987): the rotation is the eigenvector
/// of the largest eigenvalue λ of Horn's symmetric 4×4 matrix (Jacobi iteration), the similarity scale is
/// λ / Σ|a_i − ā|². Always a proper rotation (no reflection).
/// </summary>
public static class ShapeAlignment
{
    /// <summary>
    /// The transform minimising Σ |s·R·a_i + t − b_i|² (s = 1 when <paramref name="withScale"/> is false).
    /// </summary>
    /// <exception cref="InvalidInputException">Lengths differ, fewer than 3 points, non-finite or coincident points; naming <paramref name="sample"/>.</exception>
    public static Similarity3 Align(ReadOnlySpan<Vector3> a, ReadOnlySpan<Vector3> b, bool withScale, string sample)
    {
        if (a.Length != b.Length || a.Length < 3) throw new InvalidInputException(sample, $"alignment needs two sets of at least 3 matching points ({a.Length} and {b.Length} given)");
        double ax = 0, ay = 0, az = 0, bx = 0, by = 0, bz = 0;
        for (int i = 0; i < a.Length; i++) { ax += a[i].X; ay += a[i].Y; az += a[i].Z; bx += b[i].X; by += b[i].Y; bz += b[i].Z; }
        int n = a.Length;
        ax /= n; ay /= n; az /= n; bx /= n; by /= n; bz /= n;
        double sxx = 0, sxy = 0, sxz = 0, syx = 0, syy = 0, syz = 0, szx = 0, szy = 0, szz = 0, va = 0;
        for (int i = 0; i < n; i++)
        {
            double px = a[i].X - ax, py = a[i].Y - ay, pz = a[i].Z - az, qx = b[i].X - bx, qy = b[i].Y - by, qz = b[i].Z - bz;
            sxx += px * qx; sxy += px * qy; sxz += px * qz;
            syx += py * qx; syy += py * qy; syz += py * qz;
            szx += pz * qx; szy += pz * qy; szz += pz * qz;
            va += px * px + py * py + pz * pz;
        }
        if (!double.IsFinite(va) || !double.IsFinite(sxx + sxy + sxz + syx + syy + syz + szx + szy + szz))
            throw new InvalidInputException(sample, "a point is not finite");
        if (va < 1e-12) throw new InvalidInputException(sample, "the points to align coincide (no spread)");
        // Horn's N (quaternion order w, x, y, z)
        var N = new double[4, 4]
        {
            { sxx + syy + szz, syz - szy, szx - sxz, sxy - syx },
            { syz - szy, sxx - syy - szz, sxy + syx, szx + sxz },
            { szx - sxz, sxy + syx, -sxx + syy - szz, syz + szy },
            { sxy - syx, szx + sxz, syz + szy, -sxx - syy + szz },
        };
        var (lambda, v) = LargestEigen(N);
        var q = Quaternion.Normalize(new Quaternion((float)v[1], (float)v[2], (float)v[3], (float)v[0]));
        double s = withScale ? lambda / va : 1;
        if (withScale && !(s > 0)) throw new InvalidInputException(sample, "the point sets cannot be aligned with a positive scale");
        var t = new Vector3((float)bx, (float)by, (float)bz) - (float)s * Vector3.Transform(new Vector3((float)ax, (float)ay, (float)az), q);
        return new Similarity3(q, s, t);
    }

    /// <summary>
    /// The mean Euclidean distance between <paramref name="a"/> aligned onto <paramref name="b"/> (rigidly, or by a
    /// similarity when <paramref name="withScale"/>) and <paramref name="b"/>, in the input units.
    /// </summary>
    /// <exception cref="InvalidInputException">As <see cref="Align"/>.</exception>
    public static double MeanDistanceAfterAlignment(ReadOnlySpan<Vector3> a, ReadOnlySpan<Vector3> b, bool withScale, string sample)
    {
        var tr = Align(a, b, withScale, sample);
        double sum = 0;
        for (int i = 0; i < a.Length; i++) sum += Vector3.Distance(tr.Apply(a[i]), b[i]);
        return sum / a.Length;
    }

    /// <summary>Largest eigenvalue and its unit eigenvector of a symmetric 4×4 matrix (cyclic Jacobi).</summary>
    static (double Value, double[] Vector) LargestEigen(double[,] m)
    {
        var a = (double[,])m.Clone();
        var v = new double[4, 4];
        for (int i = 0; i < 4; i++) v[i, i] = 1;
        for (int sweep = 0; sweep < 50; sweep++)
        {
            double off = 0;
            for (int p = 0; p < 4; p++) for (int q = p + 1; q < 4; q++) off += a[p, q] * a[p, q];
            if (off < 1e-30) break;
            for (int p = 0; p < 4; p++)
                for (int q = p + 1; q < 4; q++)
                {
                    if (Math.Abs(a[p, q]) < 1e-300) continue;
                    double theta = (a[q, q] - a[p, p]) / (2 * a[p, q]);
                    double t = Math.Sign(theta) / (Math.Abs(theta) + Math.Sqrt(theta * theta + 1));
                    if (theta == 0) t = 1;
                    double c = 1 / Math.Sqrt(t * t + 1), s = t * c;
                    for (int k = 0; k < 4; k++)
                    {
                        double akp = a[k, p], akq = a[k, q];
                        a[k, p] = c * akp - s * akq; a[k, q] = s * akp + c * akq;
                    }
                    for (int k = 0; k < 4; k++)
                    {
                        double apk = a[p, k], aqk = a[q, k];
                        a[p, k] = c * apk - s * aqk; a[q, k] = s * apk + c * aqk;
                    }
                    for (int k = 0; k < 4; k++)
                    {
                        double vkp = v[k, p], vkq = v[k, q];
                        v[k, p] = c * vkp - s * vkq; v[k, q] = s * vkp + c * vkq;
                    }
                }
        }
        int best = 0;
        for (int i = 1; i < 4; i++) if (a[i, i] > a[best, best]) best = i;
        return (a[best, best], [v[0, best], v[1, best], v[2, best], v[3, best]]);
    }
}
