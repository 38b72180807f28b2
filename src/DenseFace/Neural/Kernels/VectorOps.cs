using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace DenseFace.Neural.Kernels;

/// <summary>Element-wise helpers not covered by TensorPrimitives (Vector512/Vector256 with a scalar tail).</summary>
public static class VectorOps
{
    /// <summary>y[i] = x[i] * scale + shift (x and y may alias).</summary>
    public static void ScaleShift(ReadOnlySpan<float> x, float scale, float shift, Span<float> y)
    {
        if (y.Length < x.Length) throw new ArgumentException("destination too short", nameof(y));
        ref float xr = ref MemoryMarshal.GetReference(x);
        ref float yr = ref MemoryMarshal.GetReference(y);
        int i = 0, n = x.Length;
        if (Simd.Level == SimdLevel.Vector512)
        {
            var s = Vector512.Create(scale); var b = Vector512.Create(shift);
            for (; i + 16 <= n; i += 16)
                Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref xr, (nuint)i), s, b).StoreUnsafe(ref yr, (nuint)i);
        }
        if (Simd.Level >= SimdLevel.Vector256)
        {
            var s = Vector256.Create(scale); var b = Vector256.Create(shift);
            for (; i + 8 <= n; i += 8)
                Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref xr, (nuint)i), s, b).StoreUnsafe(ref yr, (nuint)i);
        }
        for (; i < n; i++) y[i] = MathF.FusedMultiplyAdd(x[i], scale, shift);
    }

    /// <summary>y[i] = min(max(x[i], 0), 6) (x and y may alias).</summary>
    public static void ReLU6(ReadOnlySpan<float> x, Span<float> y)
    {
        System.Numerics.Tensors.TensorPrimitives.Max(x, 0f, y);
        System.Numerics.Tensors.TensorPrimitives.Min(y[..x.Length], 6f, y);
    }
}
