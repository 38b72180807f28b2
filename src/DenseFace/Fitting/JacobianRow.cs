using System.Runtime.Intrinsics;

namespace DenseFace.Fitting;

/// <summary>
/// The non-zeros of one residual pair's two Jacobian rows (∂r_u, ∂r_v) with ascending global parameter indices,
/// grouped into runs of consecutive indices, and their rank-2 update of the normal equations
/// H += J_uᵀJ_u + J_vᵀJ_v (upper triangle only), G += J_uᵀ r_u + J_vᵀ r_v. Cost O(n_k²) for n_k non-zeros;
/// long runs (identity, pose) use SIMD multiply-adds. Preallocated; allocates nothing.
/// </summary>
internal sealed class JacobianRow
{
    readonly int[] _index, _runStart;   // per non-zero: global parameter index; per run: first non-zero
    readonly double[] _u, _v;           // per non-zero: ∂r_u, ∂r_v
    int _count, _runCount;

    /// <summary>A row with room for <paramref name="capacity"/> non-zeros.</summary>
    public JacobianRow(int capacity)
    {
        _index = new int[capacity]; _u = new double[capacity]; _v = new double[capacity];
        _runStart = new int[capacity + 1];
    }

    /// <summary>Empties the row.</summary>
    public void Clear() { _count = 0; _runCount = 0; }

    /// <summary>Appends one non-zero; <paramref name="index"/> must exceed the previous one.</summary>
    public void Append(int index, double u, double v)
    {
        if (_count == 0 || _index[_count - 1] + 1 != index) _runStart[_runCount++] = _count;
        _index[_count] = index; _u[_count] = u; _v[_count] = v; _count++;
    }

    /// <summary>Appends <paramref name="count"/> consecutive indices from <paramref name="start"/>; returns the spans to fill.</summary>
    public void AppendRun(int start, int count, out Span<double> u, out Span<double> v)
    {
        if (_count == 0 || _index[_count - 1] + 1 != start) _runStart[_runCount++] = _count;
        for (int i = 0; i < count; i++) _index[_count + i] = start + i;
        u = _u.AsSpan(_count, count); v = _v.AsSpan(_count, count);
        _count += count;
    }

    /// <summary>
    /// Adds <paramref name="scale"/>·(J_uᵀJ_u + J_vᵀJ_v) to H (upper triangle of an n×n row-major matrix) and
    /// J_uᵀ r_u + J_vᵀ r_v to G. Entries inside runs of 8 or more (identity) take a fused SIMD multiply-add, the
    /// rest (pose, sparse expressions) a scalar loop.
    /// </summary>
    public unsafe void Accumulate(double[] h, double[] g, int n, double ru, double rv, double scale = 1)
    {
        _runStart[_runCount] = _count;
        fixed (double* hp = h, up = _u, vp = _v)
        fixed (int* ip = _index, rs = _runStart)
        {
            bool longRun = false;
            for (int r = 0; r < _runCount; r++) longRun |= rs[r + 1] - rs[r] >= 8;
            if (!longRun)
            {
                for (int a = 0; a < _count; a++)
                {
                    int ia = ip[a];
                    double ua = up[a], va = vp[a];
                    g[ia] += ua * ru + va * rv;
                    ua *= scale; va *= scale;
                    double* row = hp + (long)ia * n;
                    for (int b = a; b < _count; b++) row[ip[b]] += ua * up[b] + va * vp[b];
                }
                return;
            }
            for (int r = 0; r < _runCount; r++)
            {
                int re = rs[r + 1];
                for (int a = rs[r]; a < re; a++)
                {
                    int ia = ip[a];
                    double ua = up[a], va = vp[a];
                    g[ia] += ua * ru + va * rv;
                    ua *= scale; va *= scale;
                    double* row = hp + (long)ia * n;
                    int b = a, end = re;
                    for (int r2 = r; ; )
                    {
                        if (end - b >= 8) FusedAxpy(row + ip[b], up + b, vp + b, end - b, ua, va);
                        else for (; b < end; b++) row[ip[b]] += ua * up[b] + va * vp[b];
                        if (++r2 >= _runCount) break;
                        b = rs[r2]; end = rs[r2 + 1];
                    }
                }
            }
        }
    }

    /// <summary>
    /// Cross terms with a block of <paramref name="count"/> parameters starting at <paramref name="blockStart"/> (below
    /// every index of this row) whose derivatives are <paramref name="bu"/>, <paramref name="bv"/>: adds
    /// scale·(J_u[i]·bu + J_v[i]·bv) to row i's columns blockStart.. (the lower triangle; mirror afterwards).
    /// </summary>
    public unsafe void AccumulateCross(double[] h, int n, int blockStart, ReadOnlySpan<double> bu, ReadOnlySpan<double> bv, int count, double scale)
    {
        fixed (double* hp = h, up = _u, vp = _v, bup = bu, bvp = bv)
        fixed (int* ip = _index)
            for (int a = 0; a < _count; a++)
                FusedAxpy(hp + (long)ip[a] * n + blockStart, bup, bvp, count, scale * up[a], scale * vp[a]);
    }

    /// <summary>dst[i] += ua·u[i] + va·v[i] for i &lt; len, SIMD with a scalar tail.</summary>
    internal static unsafe void FusedAxpy(double* dst, double* u, double* v, int len, double ua, double va)
    {
        int i = 0;
        if (Simd.Level >= SimdLevel.Vector256)
        {
            var a = Vector256.Create(ua); var b = Vector256.Create(va);
            for (; i <= len - 4; i += 4)
            {
                var d = Vector256.Load(dst + i);
                d = Vector256.FusedMultiplyAdd(Vector256.Load(u + i), a, d);
                d = Vector256.FusedMultiplyAdd(Vector256.Load(v + i), b, d);
                d.Store(dst + i);
            }
        }
        for (; i < len; i++) dst[i] += ua * u[i] + va * v[i];
    }
}
