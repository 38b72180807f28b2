using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace DenseFace.Neural.Kernels;

/// <summary>Element-wise helpers not covered by TensorPrimitives (Vector512/Vector256/Vector128 by <see cref="Simd.Level"/>, with a scalar tail).</summary>
internal static class VectorOps
{
    /// <summary>y[i] = x[i] * scale + shift (x and y may alias).</summary>
    public static void ScaleShift(ReadOnlySpan<float> x, float scale, float shift, Span<float> y)
        => ScaleShift(x, scale, shift, float.NegativeInfinity, float.PositiveInfinity, y);

    /// <summary>y[i] = clamp(x[i] * scale + shift, lo, hi) (x and y may alias): BN with a fused ReLU/ReLU6.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ScaleShift(ReadOnlySpan<float> x, float scale, float shift, float lo, float hi, Span<float> y)
    {
        if (y.Length < x.Length) throw new ArgumentException("destination too short", nameof(y));
        ref float xr = ref MemoryMarshal.GetReference(x);
        ref float yr = ref MemoryMarshal.GetReference(y);
        int i = 0, n = x.Length;
        if (Simd.Level == SimdLevel.Vector512)
        {
            var s = Vector512.Create(scale); var b = Vector512.Create(shift);
            var vlo = Vector512.Create(lo); var vhi = Vector512.Create(hi);
            for (; i + 16 <= n; i += 16)
                Vector512.Min(Vector512.Max(Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref xr, (nuint)i), s, b), vlo), vhi).StoreUnsafe(ref yr, (nuint)i);
        }
        if (Simd.Level >= SimdLevel.Vector256)
        {
            var s = Vector256.Create(scale); var b = Vector256.Create(shift);
            var vlo = Vector256.Create(lo); var vhi = Vector256.Create(hi);
            for (; i + 8 <= n; i += 8)
                Vector256.Min(Vector256.Max(Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref xr, (nuint)i), s, b), vlo), vhi).StoreUnsafe(ref yr, (nuint)i);
        }
        if (Simd.Level >= SimdLevel.Vector128)
        {
            var s = Vector128.Create(scale); var b = Vector128.Create(shift);
            var vlo = Vector128.Create(lo); var vhi = Vector128.Create(hi);
            for (; i + 4 <= n; i += 4)
                Vector128.Min(Vector128.Max(Vector128.FusedMultiplyAdd(Vector128.LoadUnsafe(ref xr, (nuint)i), s, b), vlo), vhi).StoreUnsafe(ref yr, (nuint)i);
        }
        for (; i < n; i++) y[i] = Math.Min(Math.Max(MathF.FusedMultiplyAdd(x[i], scale, shift), lo), hi);
    }

    /// <summary>y[i] = min(max(x[i], 0), 6) (x and y may alias).</summary>
    public static void ReLU6(ReadOnlySpan<float> x, Span<float> y)
    {
        System.Numerics.Tensors.TensorPrimitives.Max(x, 0f, y);
        System.Numerics.Tensors.TensorPrimitives.Min(y[..x.Length], 6f, y);
    }

    /// <summary>Σ (x[i] - mean)² (vector partial sums in a fixed order, so the result is deterministic).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static double SumSquaredDeviation(ReadOnlySpan<float> x, float mean)
    {
        ref float xr = ref MemoryMarshal.GetReference(x);
        int i = 0, n = x.Length;
        double total = 0;
        if (Simd.Level == SimdLevel.Vector512 && n >= 16)
        {
            var m = Vector512.Create(mean); var acc = Vector512<float>.Zero;
            for (; i + 16 <= n; i += 16) { var d = Vector512.LoadUnsafe(ref xr, (nuint)i) - m; acc = Vector512.FusedMultiplyAdd(d, d, acc); }
            total += Vector512.Sum(acc);
        }
        else if (Simd.Level >= SimdLevel.Vector256 && n >= 8)
        {
            var m = Vector256.Create(mean); var acc = Vector256<float>.Zero;
            for (; i + 8 <= n; i += 8) { var d = Vector256.LoadUnsafe(ref xr, (nuint)i) - m; acc = Vector256.FusedMultiplyAdd(d, d, acc); }
            total += Vector256.Sum(acc);
        }
        else if (Simd.Level >= SimdLevel.Vector128 && n >= 4)
        {
            var m = Vector128.Create(mean); var acc = Vector128<float>.Zero;
            for (; i + 4 <= n; i += 4) { var d = Vector128.LoadUnsafe(ref xr, (nuint)i) - m; acc = Vector128.FusedMultiplyAdd(d, d, acc); }
            total += Vector128.Sum(acc);
        }
        for (; i < n; i++) { double d = x[i] - mean; total += d * d; }
        return total;
    }

    /// <summary>dst[i] = a * u[i] + b * v[i] + c.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void LinearCombination(ReadOnlySpan<float> u, ReadOnlySpan<float> v, float a, float b, float c, Span<float> dst)
    {
        if (v.Length < u.Length || dst.Length < u.Length) throw new ArgumentException("spans too short");
        ref float ur = ref MemoryMarshal.GetReference(u);
        ref float vr = ref MemoryMarshal.GetReference(v);
        ref float dr = ref MemoryMarshal.GetReference(dst);
        int i = 0, n = u.Length;
        if (Simd.Level == SimdLevel.Vector512)
        {
            var va = Vector512.Create(a); var vb = Vector512.Create(b); var vc = Vector512.Create(c);
            for (; i + 16 <= n; i += 16)
                Vector512.FusedMultiplyAdd(va, Vector512.LoadUnsafe(ref ur, (nuint)i), Vector512.FusedMultiplyAdd(vb, Vector512.LoadUnsafe(ref vr, (nuint)i), vc)).StoreUnsafe(ref dr, (nuint)i);
        }
        if (Simd.Level >= SimdLevel.Vector256)
        {
            var va = Vector256.Create(a); var vb = Vector256.Create(b); var vc = Vector256.Create(c);
            for (; i + 8 <= n; i += 8)
                Vector256.FusedMultiplyAdd(va, Vector256.LoadUnsafe(ref ur, (nuint)i), Vector256.FusedMultiplyAdd(vb, Vector256.LoadUnsafe(ref vr, (nuint)i), vc)).StoreUnsafe(ref dr, (nuint)i);
        }
        if (Simd.Level >= SimdLevel.Vector128)
        {
            var va = Vector128.Create(a); var vb = Vector128.Create(b); var vc = Vector128.Create(c);
            for (; i + 4 <= n; i += 4)
                Vector128.FusedMultiplyAdd(va, Vector128.LoadUnsafe(ref ur, (nuint)i), Vector128.FusedMultiplyAdd(vb, Vector128.LoadUnsafe(ref vr, (nuint)i), vc)).StoreUnsafe(ref dr, (nuint)i);
        }
        for (; i < n; i++) dst[i] = MathF.FusedMultiplyAdd(a, u[i], MathF.FusedMultiplyAdd(b, v[i], c));
    }

    /// <summary>
    /// Batch-norm backward through a fused ReLU/ReLU6 (forward y = clamp(fma(x, scale, shift), lo, hi)): with
    /// g'[i] = lo &lt; fma(x[i], scale, shift) &lt; hi ? g[i] : 0 (the activation's mask, recomputed bit-exactly from
    /// x instead of read from y), returns (Σ g', Σ g' (x - mean)).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static (double Sum, double Dot) MaskedSumAndDot(ReadOnlySpan<float> g, ReadOnlySpan<float> x, float scale, float shift, float lo, float hi, float mean)
    {
        if (x.Length < g.Length) throw new ArgumentException("x shorter than g", nameof(x));
        ref float gr = ref MemoryMarshal.GetReference(g);
        ref float xr = ref MemoryMarshal.GetReference(x);
        int i = 0, n = g.Length;
        double sum = 0, dot = 0;
        if (Simd.Level == SimdLevel.Vector512 && n >= 16)
        {
            var s = Vector512.Create(scale); var b = Vector512.Create(shift); var vlo = Vector512.Create(lo); var vhi = Vector512.Create(hi);
            var m = Vector512.Create(mean);
            Vector512<float> a = default, d = default;
            for (; i + 16 <= n; i += 16)
            {
                var xv = Vector512.LoadUnsafe(ref xr, (nuint)i);
                var z = Vector512.FusedMultiplyAdd(xv, s, b);
                var gv = Vector512.LoadUnsafe(ref gr, (nuint)i) & (Vector512.GreaterThan(z, vlo) & Vector512.LessThan(z, vhi));
                a += gv;
                d = Vector512.FusedMultiplyAdd(gv, xv - m, d);
            }
            sum = Vector512.Sum(a); dot = Vector512.Sum(d);
        }
        else if (Simd.Level >= SimdLevel.Vector256 && n >= 8)
        {
            var s = Vector256.Create(scale); var b = Vector256.Create(shift); var vlo = Vector256.Create(lo); var vhi = Vector256.Create(hi);
            var m = Vector256.Create(mean);
            Vector256<float> a = default, d = default;
            for (; i + 8 <= n; i += 8)
            {
                var xv = Vector256.LoadUnsafe(ref xr, (nuint)i);
                var z = Vector256.FusedMultiplyAdd(xv, s, b);
                var gv = Vector256.LoadUnsafe(ref gr, (nuint)i) & (Vector256.GreaterThan(z, vlo) & Vector256.LessThan(z, vhi));
                a += gv;
                d = Vector256.FusedMultiplyAdd(gv, xv - m, d);
            }
            sum = Vector256.Sum(a); dot = Vector256.Sum(d);
        }
        else if (Simd.Level >= SimdLevel.Vector128 && n >= 4)
        {
            var s = Vector128.Create(scale); var b = Vector128.Create(shift); var vlo = Vector128.Create(lo); var vhi = Vector128.Create(hi);
            var m = Vector128.Create(mean);
            Vector128<float> a = default, d = default;
            for (; i + 4 <= n; i += 4)
            {
                var xv = Vector128.LoadUnsafe(ref xr, (nuint)i);
                var z = Vector128.FusedMultiplyAdd(xv, s, b);
                var gv = Vector128.LoadUnsafe(ref gr, (nuint)i) & (Vector128.GreaterThan(z, vlo) & Vector128.LessThan(z, vhi));
                a += gv;
                d = Vector128.FusedMultiplyAdd(gv, xv - m, d);
            }
            sum = Vector128.Sum(a); dot = Vector128.Sum(d);
        }
        for (; i < n; i++)
        {
            float z = MathF.FusedMultiplyAdd(x[i], scale, shift);
            if (!(z > lo && z < hi)) continue;
            sum += g[i]; dot += (double)g[i] * (x[i] - mean);
        }
        return (sum, dot);
    }

    /// <summary>dst[i] = a g'[i] + b x[i] + c with g' the masked gradient of <see cref="MaskedSumAndDot"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void MaskedLinearCombination(ReadOnlySpan<float> g, ReadOnlySpan<float> x, float scale, float shift, float lo, float hi,
        float a, float b, float c, Span<float> dst)
    {
        if (x.Length < g.Length || dst.Length < g.Length) throw new ArgumentException("spans too short");
        ref float gr = ref MemoryMarshal.GetReference(g);
        ref float xr = ref MemoryMarshal.GetReference(x);
        ref float dr = ref MemoryMarshal.GetReference(dst);
        int i = 0, n = g.Length;
        if (Simd.Level == SimdLevel.Vector512)
        {
            var s = Vector512.Create(scale); var sh = Vector512.Create(shift); var vlo = Vector512.Create(lo); var vhi = Vector512.Create(hi);
            var va = Vector512.Create(a); var vb = Vector512.Create(b); var vc = Vector512.Create(c);
            for (; i + 16 <= n; i += 16)
            {
                var xv = Vector512.LoadUnsafe(ref xr, (nuint)i);
                var z = Vector512.FusedMultiplyAdd(xv, s, sh);
                var gv = Vector512.LoadUnsafe(ref gr, (nuint)i) & (Vector512.GreaterThan(z, vlo) & Vector512.LessThan(z, vhi));
                Vector512.FusedMultiplyAdd(va, gv, Vector512.FusedMultiplyAdd(vb, xv, vc)).StoreUnsafe(ref dr, (nuint)i);
            }
        }
        if (Simd.Level >= SimdLevel.Vector256)
        {
            var s = Vector256.Create(scale); var sh = Vector256.Create(shift); var vlo = Vector256.Create(lo); var vhi = Vector256.Create(hi);
            var va = Vector256.Create(a); var vb = Vector256.Create(b); var vc = Vector256.Create(c);
            for (; i + 8 <= n; i += 8)
            {
                var xv = Vector256.LoadUnsafe(ref xr, (nuint)i);
                var z = Vector256.FusedMultiplyAdd(xv, s, sh);
                var gv = Vector256.LoadUnsafe(ref gr, (nuint)i) & (Vector256.GreaterThan(z, vlo) & Vector256.LessThan(z, vhi));
                Vector256.FusedMultiplyAdd(va, gv, Vector256.FusedMultiplyAdd(vb, xv, vc)).StoreUnsafe(ref dr, (nuint)i);
            }
        }
        if (Simd.Level >= SimdLevel.Vector128)
        {
            var s = Vector128.Create(scale); var sh = Vector128.Create(shift); var vlo = Vector128.Create(lo); var vhi = Vector128.Create(hi);
            var va = Vector128.Create(a); var vb = Vector128.Create(b); var vc = Vector128.Create(c);
            for (; i + 4 <= n; i += 4)
            {
                var xv = Vector128.LoadUnsafe(ref xr, (nuint)i);
                var z = Vector128.FusedMultiplyAdd(xv, s, sh);
                var gv = Vector128.LoadUnsafe(ref gr, (nuint)i) & (Vector128.GreaterThan(z, vlo) & Vector128.LessThan(z, vhi));
                Vector128.FusedMultiplyAdd(va, gv, Vector128.FusedMultiplyAdd(vb, xv, vc)).StoreUnsafe(ref dr, (nuint)i);
            }
        }
        for (; i < n; i++)
        {
            float z = MathF.FusedMultiplyAdd(x[i], scale, shift);
            float gm = z > lo && z < hi ? g[i] : 0f;
            dst[i] = MathF.FusedMultiplyAdd(a, gm, MathF.FusedMultiplyAdd(b, x[i], c));
        }
    }

    /// <summary>dst[i] = lo &lt; x[i] &lt; hi ? g[i] : 0 (the ReLU / ReLU6 backward mask).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void MaskBetween(ReadOnlySpan<float> x, ReadOnlySpan<float> g, float lo, float hi, Span<float> dst)
    {
        if (g.Length < x.Length || dst.Length < x.Length) throw new ArgumentException("spans too short");
        ref float xr = ref MemoryMarshal.GetReference(x);
        ref float gr = ref MemoryMarshal.GetReference(g);
        ref float dr = ref MemoryMarshal.GetReference(dst);
        int i = 0, n = x.Length;
        if (Simd.Level == SimdLevel.Vector512)
        {
            var vlo = Vector512.Create(lo); var vhi = Vector512.Create(hi);
            for (; i + 16 <= n; i += 16)
            {
                var v = Vector512.LoadUnsafe(ref xr, (nuint)i);
                var mask = Vector512.GreaterThan(v, vlo) & Vector512.LessThan(v, vhi);
                (Vector512.LoadUnsafe(ref gr, (nuint)i) & mask).StoreUnsafe(ref dr, (nuint)i);
            }
        }
        if (Simd.Level >= SimdLevel.Vector256)
        {
            var vlo = Vector256.Create(lo); var vhi = Vector256.Create(hi);
            for (; i + 8 <= n; i += 8)
            {
                var v = Vector256.LoadUnsafe(ref xr, (nuint)i);
                var mask = Vector256.GreaterThan(v, vlo) & Vector256.LessThan(v, vhi);
                (Vector256.LoadUnsafe(ref gr, (nuint)i) & mask).StoreUnsafe(ref dr, (nuint)i);
            }
        }
        if (Simd.Level >= SimdLevel.Vector128)
        {
            var vlo = Vector128.Create(lo); var vhi = Vector128.Create(hi);
            for (; i + 4 <= n; i += 4)
            {
                var v = Vector128.LoadUnsafe(ref xr, (nuint)i);
                var mask = Vector128.GreaterThan(v, vlo) & Vector128.LessThan(v, vhi);
                (Vector128.LoadUnsafe(ref gr, (nuint)i) & mask).StoreUnsafe(ref dr, (nuint)i);
            }
        }
        for (; i < n; i++) dst[i] = x[i] > lo && x[i] < hi ? g[i] : 0f;
    }

    /// <summary>
    /// One pass over u (and v): returns Σ (u[i] - shift) and Σ (u[i] - shift) · (v[i] - shift2), with vector
    /// partial sums in a fixed order (deterministic). With v = u and shift2 = shift it gives the shifted sum of
    /// squares used for batch variance; with shift = shift2 = 0 the plain sum of u and the dot product u · v.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static (double Sum, double Dot) SumAndDot(ReadOnlySpan<float> u, ReadOnlySpan<float> v, float shift, float shift2)
    {
        if (v.Length < u.Length) throw new ArgumentException("v shorter than u", nameof(v));
        ref float ur = ref MemoryMarshal.GetReference(u);
        ref float vr = ref MemoryMarshal.GetReference(v);
        int i = 0, n = u.Length;
        double sum = 0, dot = 0;
        if (Simd.Level == SimdLevel.Vector512 && n >= 16)
        {
            var s1 = Vector512.Create(shift); var s2 = Vector512.Create(shift2);
            Vector512<float> a = default, b = default;
            for (; i + 16 <= n; i += 16)
            {
                var du = Vector512.LoadUnsafe(ref ur, (nuint)i) - s1;
                a += du;
                b = Vector512.FusedMultiplyAdd(du, Vector512.LoadUnsafe(ref vr, (nuint)i) - s2, b);
            }
            sum = Vector512.Sum(a); dot = Vector512.Sum(b);
        }
        else if (Simd.Level >= SimdLevel.Vector256 && n >= 8)
        {
            var s1 = Vector256.Create(shift); var s2 = Vector256.Create(shift2);
            Vector256<float> a = default, b = default;
            for (; i + 8 <= n; i += 8)
            {
                var du = Vector256.LoadUnsafe(ref ur, (nuint)i) - s1;
                a += du;
                b = Vector256.FusedMultiplyAdd(du, Vector256.LoadUnsafe(ref vr, (nuint)i) - s2, b);
            }
            sum = Vector256.Sum(a); dot = Vector256.Sum(b);
        }
        else if (Simd.Level >= SimdLevel.Vector128 && n >= 4)
        {
            var s1 = Vector128.Create(shift); var s2 = Vector128.Create(shift2);
            Vector128<float> a = default, b = default;
            for (; i + 4 <= n; i += 4)
            {
                var du = Vector128.LoadUnsafe(ref ur, (nuint)i) - s1;
                a += du;
                b = Vector128.FusedMultiplyAdd(du, Vector128.LoadUnsafe(ref vr, (nuint)i) - s2, b);
            }
            sum = Vector128.Sum(a); dot = Vector128.Sum(b);
        }
        for (; i < n; i++) { double du = u[i] - shift; sum += du; dot += du * (v[i] - shift2); }
        return (sum, dot);
    }
}
