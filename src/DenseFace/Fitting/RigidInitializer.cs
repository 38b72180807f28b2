namespace DenseFace.Fitting;

/// <summary>
/// Closed-form rigid start for a single view: a scaled-orthographic (weak perspective) fit of model points to
/// image points. Least squares gives the two scaled rotation rows m1 = s r1, m2 = s r2 from centred
/// coordinates; the rows are made orthonormal symmetrically, r3 = r1 × r2 (a proper rotation, model → OpenCV
/// camera, so it includes the y-up → y-down flip), and the depth is t_z = f / s for focal f.
/// </summary>
internal static class RigidInitializer
{
    /// <summary>
    /// Estimates (R, t) with model points <paramref name="model"/> (cm, x y z interleaved) and pixels
    /// <paramref name="image"/> (u v interleaved); false when the image points are degenerate.
    /// </summary>
    public static bool Estimate(ReadOnlySpan<double> model, ReadOnlySpan<double> image, int count, double focal, double cx, double cy,
                                out Matrix3d rotation, out double tx, out double ty, out double tz)
    {
        rotation = Matrix3d.Identity; tx = ty = tz = 0;
        double mx = 0, my = 0, mz = 0, mu = 0, mv = 0;
        for (int i = 0; i < count; i++) { mx += model[3 * i]; my += model[3 * i + 1]; mz += model[3 * i + 2]; mu += image[2 * i]; mv += image[2 * i + 1]; }
        mx /= count; my /= count; mz /= count; mu /= count; mv /= count;
        // normal equations (Pcᵀ Pc) m = Pcᵀ uc
        double s00 = 0, s01 = 0, s02 = 0, s11 = 0, s12 = 0, s22 = 0, bu0 = 0, bu1 = 0, bu2 = 0, bv0 = 0, bv1 = 0, bv2 = 0;
        for (int i = 0; i < count; i++)
        {
            double x = model[3 * i] - mx, y = model[3 * i + 1] - my, z = model[3 * i + 2] - mz;
            double u = image[2 * i] - mu, v = image[2 * i + 1] - mv;
            s00 += x * x; s01 += x * y; s02 += x * z; s11 += y * y; s12 += y * z; s22 += z * z;
            bu0 += x * u; bu1 += y * u; bu2 += z * u; bv0 += x * v; bv1 += y * v; bv2 += z * v;
        }
        // Cramer's rule on the symmetric 3×3
        double c00 = s11 * s22 - s12 * s12, c01 = s02 * s12 - s01 * s22, c02 = s01 * s12 - s02 * s11;
        double c11 = s00 * s22 - s02 * s02, c12 = s01 * s02 - s00 * s12, c22 = s00 * s11 - s01 * s01;
        double det = s00 * c00 + s01 * c01 + s02 * c02;
        if (!(Math.Abs(det) > 1e-12)) return false;
        double a0 = (c00 * bu0 + c01 * bu1 + c02 * bu2) / det, a1 = (c01 * bu0 + c11 * bu1 + c12 * bu2) / det, a2 = (c02 * bu0 + c12 * bu1 + c22 * bu2) / det;
        double b0 = (c00 * bv0 + c01 * bv1 + c02 * bv2) / det, b1 = (c01 * bv0 + c11 * bv1 + c12 * bv2) / det, b2 = (c02 * bv0 + c12 * bv1 + c22 * bv2) / det;
        double na = Math.Sqrt(a0 * a0 + a1 * a1 + a2 * a2), nb = Math.Sqrt(b0 * b0 + b1 * b1 + b2 * b2);
        if (!(na > 1e-9) || !(nb > 1e-9) || !double.IsFinite(na + nb)) return false;
        a0 /= na; a1 /= na; a2 /= na; b0 /= nb; b1 /= nb; b2 /= nb;
        // symmetric orthonormalisation of the two rows
        double sx = a0 + b0, sy = a1 + b1, sz = a2 + b2, dx = a0 - b0, dy = a1 - b1, dz = a2 - b2;
        double ns = Math.Sqrt(sx * sx + sy * sy + sz * sz), nd = Math.Sqrt(dx * dx + dy * dy + dz * dz);
        if (!(ns > 1e-9) || !(nd > 1e-9)) return false;
        sx /= ns; sy /= ns; sz /= ns; dx /= nd; dy /= nd; dz /= nd;
        const double h = 0.70710678118654752;
        double r00 = h * (sx + dx), r01 = h * (sy + dy), r02 = h * (sz + dz);
        double r10 = h * (sx - dx), r11 = h * (sy - dy), r12 = h * (sz - dz);
        rotation = new Matrix3d(r00, r01, r02, r10, r11, r12, r01 * r12 - r02 * r11, r02 * r10 - r00 * r12, r00 * r11 - r01 * r10);
        double scale = 0.5 * (na + nb);
        tz = focal / scale;
        var (qx, qy, qz) = rotation.Transform(mx, my, mz);
        tx = (mu - cx) * tz / focal - qx;
        ty = (mv - cy) * tz / focal - qy;
        tz -= qz;
        return double.IsFinite(tx + ty + tz) && tz > 0;
    }
}
