using System.Numerics.Tensors;

namespace DenseFace.Fitting;

/// <summary>
/// In-place dense Cholesky factorisation A = L Lᵀ of a symmetric positive definite n×n matrix (row-major, lower
/// triangle read and overwritten) and the two triangular solves. The inner products run along contiguous rows
/// with SIMD <see cref="TensorPrimitives.Dot{T}(ReadOnlySpan{T}, ReadOnlySpan{T})"/>. Allocates nothing.
/// </summary>
internal static class DenseCholesky
{
    /// <summary>Factorises the lower triangle of <paramref name="a"/> (n×n, row-major); false when a pivot is not positive (not SPD).</summary>
    public static bool Factor(Span<double> a, int n)
    {
        for (int i = 0; i < n; i++)
        {
            var rowI = a.Slice(i * n, n);
            for (int j = 0; j <= i; j++)
            {
                var rowJ = a.Slice(j * n, n);
                double s = rowI[j] - TensorPrimitives.Dot<double>(rowI[..j], rowJ[..j]);
                if (i == j)
                {
                    if (!(s > 0) || !double.IsFinite(s)) return false;
                    rowI[i] = Math.Sqrt(s);
                }
                else rowI[j] = s / rowJ[j];
            }
        }
        return true;
    }

    /// <summary>Solves L Lᵀ x = b with the factor from <see cref="Factor"/>; <paramref name="x"/> receives the solution (may alias <paramref name="b"/>).</summary>
    public static void Solve(ReadOnlySpan<double> l, int n, ReadOnlySpan<double> b, Span<double> x)
    {
        b[..n].CopyTo(x);
        for (int i = 0; i < n; i++)
            x[i] = (x[i] - TensorPrimitives.Dot<double>(l.Slice(i * n, i), x[..i])) / l[i * n + i];
        for (int i = n - 1; i >= 0; i--)
        {
            double s = x[i];
            for (int k = i + 1; k < n; k++) s -= l[k * n + i] * x[k];
            x[i] = s / l[i * n + i];
        }
    }
}
