using System.Numerics.Tensors;

namespace DenseFace.Fitting;

/// <summary>
/// The non-zeros of one residual pair's two Jacobian rows (∂r_u, ∂r_v) with ascending global parameter indices,
/// grouped into runs of consecutive indices, and their rank-2 update of the normal equations
/// H += J_uᵀJ_u + J_vᵀJ_v (upper triangle only), G += J_uᵀ r_u + J_vᵀ r_v. Cost O(n_k²) for n_k non-zeros;
/// long runs (identity, pose) use SIMD multiply-adds. Preallocated; allocates nothing.
/// </summary>
internal sealed class JacobianRow
{
    readonly int[] _idx, _runStart;
    readonly double[] _u, _v;
    int _n, _runs;

    public JacobianRow(int capacity)
    {
        _idx = new int[capacity]; _u = new double[capacity]; _v = new double[capacity];
        _runStart = new int[capacity + 1];
    }

    public int Count => _n;

    public void Clear() { _n = 0; _runs = 0; }

    /// <summary>Appends one non-zero; <paramref name="index"/> must exceed the previous one.</summary>
    public void Append(int index, double u, double v)
    {
        if (_n == 0 || _idx[_n - 1] + 1 != index) _runStart[_runs++] = _n;
        _idx[_n] = index; _u[_n] = u; _v[_n] = v; _n++;
    }

    /// <summary>Appends <paramref name="count"/> consecutive indices from <paramref name="start"/>; returns the spans to fill.</summary>
    public void AppendRun(int start, int count, out Span<double> u, out Span<double> v)
    {
        if (_n == 0 || _idx[_n - 1] + 1 != start) _runStart[_runs++] = _n;
        for (int i = 0; i < count; i++) _idx[_n + i] = start + i;
        u = _u.AsSpan(_n, count); v = _v.AsSpan(_n, count);
        _n += count;
    }

    /// <summary>Adds this pair's contribution to H (upper triangle of an n×n row-major matrix) and G.</summary>
    public void Accumulate(double[] h, double[] g, int n, double ru, double rv)
    {
        _runStart[_runs] = _n;
        for (int r = 0; r < _runs; r++)
        {
            int re = _runStart[r + 1];
            for (int a = _runStart[r]; a < re; a++)
            {
                int ia = _idx[a];
                double ua = _u[a], va = _v[a];
                g[ia] += ua * ru + va * rv;
                var row = h.AsSpan(ia * n, n);
                AddRun(row, a, re, ua, va);
                for (int r2 = r + 1; r2 < _runs; r2++) AddRun(row, _runStart[r2], _runStart[r2 + 1], ua, va);
            }
        }
    }

    void AddRun(Span<double> row, int lo, int hi, double ua, double va)
    {
        int len = hi - lo, g0 = _idx[lo];
        if (len >= 8)
        {
            var dst = row.Slice(g0, len);
            TensorPrimitives.MultiplyAdd<double>(_u.AsSpan(lo, len), ua, dst, dst);
            TensorPrimitives.MultiplyAdd<double>(_v.AsSpan(lo, len), va, dst, dst);
        }
        else
            for (int b = lo; b < hi; b++) row[g0 + b - lo] += ua * _u[b] + va * _v[b];
    }
}
