using System.Runtime.Intrinsics;

namespace DenseFace.Fitting;

/// <summary>
/// H[o+a, o+b] += Σ_r J[a, r]·J[b, r] for b ≥ a (upper triangle) with J stored column-per-parameter. Batching many
/// residual rows this way (instead of one rank-2 update per landmark) touches H once per batch; four dot products
/// share each load of column a.
/// </summary>
internal static class SymmetricRankUpdate
{
    /// <summary>
    /// Adds the Gram matrix of <paramref name="count"/> parameters' columns to the block of <paramref name="h"/>
    /// (n × n row-major) at (<paramref name="offset"/>, <paramref name="offset"/>): parameter a's
    /// <paramref name="rows"/> values are <paramref name="j"/>[a·stride .. a·stride + rows).
    /// </summary>
    public static unsafe void Apply(double[] h, int n, int offset, double[] j, int count, int rows, int stride)
    {
        fixed (double* hp = h, jp = j)
        {
            for (int a = 0; a < count; a++)
            {
                double* ca = jp + (long)a * stride;
                double* hrow = hp + (long)(offset + a) * n + offset;
                int b = a;
                if (Simd.Level >= SimdLevel.Vector256)
                {
                    for (; b + 3 < count; b += 4)
                    {
                        double* c0 = jp + (long)b * stride;
                        double* c1 = c0 + stride, c2 = c1 + stride, c3 = c2 + stride;
                        Vector256<double> s0 = default, s1 = default, s2 = default, s3 = default;
                        int r = 0;
                        for (; r + 3 < rows; r += 4)
                        {
                            var x = Vector256.Load(ca + r);
                            s0 = Vector256.FusedMultiplyAdd(x, Vector256.Load(c0 + r), s0);
                            s1 = Vector256.FusedMultiplyAdd(x, Vector256.Load(c1 + r), s1);
                            s2 = Vector256.FusedMultiplyAdd(x, Vector256.Load(c2 + r), s2);
                            s3 = Vector256.FusedMultiplyAdd(x, Vector256.Load(c3 + r), s3);
                        }
                        double d0 = Vector256.Sum(s0), d1 = Vector256.Sum(s1), d2 = Vector256.Sum(s2), d3 = Vector256.Sum(s3);
                        for (; r < rows; r++) { double x = ca[r]; d0 += x * c0[r]; d1 += x * c1[r]; d2 += x * c2[r]; d3 += x * c3[r]; }
                        hrow[b] += d0; hrow[b + 1] += d1; hrow[b + 2] += d2; hrow[b + 3] += d3;
                    }
                }
                for (; b < count; b++)
                {
                    double* cb = jp + (long)b * stride;
                    double d = 0;
                    for (int r = 0; r < rows; r++) d += ca[r] * cb[r];
                    hrow[b] += d;
                }
            }
        }
    }
}
