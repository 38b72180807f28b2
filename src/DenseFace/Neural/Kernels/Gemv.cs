using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace DenseFace.Neural.Kernels;

/// <summary>Matrix-vector product for small-batch fully connected layers (memory-bound: streams the weights once).</summary>
internal static unsafe class Gemv
{
    /// <summary>
    /// y[o] = bias[o] + Σ_k w[o * cols + k] x[k] for rows o in [row0, row1). Four rows share each load of x
    /// (Vector512, four accumulators) while the next four rows are prefetched; other SIMD levels use TensorPrimitives.Dot per row.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Rows(float[] w, int cols, int row0, int row1, ReadOnlySpan<float> x, float[] bias, Span<float> y)
    {
        if (row0 < 0 || row1 > y.Length || row1 > bias.Length || (long)row1 * cols > w.Length || x.Length < cols)
            throw new ArgumentException("matrix-vector operands do not match");
        int o = row0;
        if (Simd.Level == SimdLevel.Vector512 && cols >= 16)
        {
            int full = cols & ~15;
            bool prefetch = Sse.IsSupported;
            fixed (float* pw = w, px = x)
                for (; o + 4 <= row1; o += 4)
                {
                    float* r0 = pw + (long)o * cols, r1 = r0 + cols, r2 = r1 + cols, r3 = r2 + cols;
                    Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default;
                    for (int k = 0; k < full; k += 16)
                    {
                        if (prefetch)
                        {
                            // The next four rows, line for line: the weights stream from DRAM (8 MB for the
                            // 1280 -> 1560 head) and the hardware prefetcher alone kept ~half the bandwidth idle.
                            float* next = r0 + 4L * cols + k;
                            Sse.Prefetch0(next); Sse.Prefetch0(next + cols); Sse.Prefetch0(next + 2L * cols); Sse.Prefetch0(next + 3L * cols);
                        }
                        var v = Vector512.Load(px + k);
                        a0 = Vector512.FusedMultiplyAdd(Vector512.Load(r0 + k), v, a0);
                        a1 = Vector512.FusedMultiplyAdd(Vector512.Load(r1 + k), v, a1);
                        a2 = Vector512.FusedMultiplyAdd(Vector512.Load(r2 + k), v, a2);
                        a3 = Vector512.FusedMultiplyAdd(Vector512.Load(r3 + k), v, a3);
                    }
                    float s0 = Vector512.Sum(a0), s1 = Vector512.Sum(a1), s2 = Vector512.Sum(a2), s3 = Vector512.Sum(a3);
                    for (int k = full; k < cols; k++)
                    {
                        s0 += r0[k] * px[k]; s1 += r1[k] * px[k]; s2 += r2[k] * px[k]; s3 += r3[k] * px[k];
                    }
                    y[o] = bias[o] + s0; y[o + 1] = bias[o + 1] + s1; y[o + 2] = bias[o + 2] + s2; y[o + 3] = bias[o + 3] + s3;
                }
        }
        for (; o < row1; o++)
            y[o] = bias[o] + System.Numerics.Tensors.TensorPrimitives.Dot(new ReadOnlySpan<float>(w, o * cols, cols), x[..cols]);
    }

    /// <summary>Rows of at most this many columns are widened on the stack below Vector512 (else in a pooled array).</summary>
    private const int StackColumns = 4096;

    /// <summary>
    /// <see cref="Rows(float[], int, int, int, ReadOnlySpan{float}, float[], Span{float})"/> with the weights stored as fp16
    /// (half the memory traffic; the head is memory-bound at batch 1) and accumulated in fp32 in exactly the same order:
    /// each weight is widened exactly (<see cref="HalfConvert"/>), so the result is bit-identical to the fp32 kernel on the
    /// widened weights. Vector512: the same four-row loop with the conversion in registers. Other levels: each row is
    /// widened into a scratch row and goes through the same TensorPrimitives.Dot as the fp32 kernel.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Rows(Half[] w, int cols, int row0, int row1, ReadOnlySpan<float> x, float[] bias, Span<float> y)
    {
        if (row0 < 0 || row1 > y.Length || row1 > bias.Length || (long)row1 * cols > w.Length || x.Length < cols)
            throw new ArgumentException("matrix-vector operands do not match");
        int o = row0;
        if (Simd.Level == SimdLevel.Vector512 && cols >= 16)
        {
            int full = cols & ~15;
            bool prefetch = Sse.IsSupported;
            fixed (Half* pw = w)
            fixed (float* px = x)
                for (; o + 4 <= row1; o += 4)
                {
                    short* r0 = (short*)pw + (long)o * cols, r1 = r0 + cols, r2 = r1 + cols, r3 = r2 + cols;
                    Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default;
                    for (int k = 0; k < full; k += 16)
                    {
                        // the next four rows, a 64-byte line every 32 halves
                        if (prefetch && (k & 31) == 0)
                        {
                            short* next = r0 + 4L * cols + k;
                            Sse.Prefetch0(next); Sse.Prefetch0(next + cols); Sse.Prefetch0(next + 2L * cols); Sse.Prefetch0(next + 3L * cols);
                        }
                        var v = Vector512.Load(px + k);
                        a0 = Vector512.FusedMultiplyAdd(HalfConvert.Load16(r0 + k), v, a0);
                        a1 = Vector512.FusedMultiplyAdd(HalfConvert.Load16(r1 + k), v, a1);
                        a2 = Vector512.FusedMultiplyAdd(HalfConvert.Load16(r2 + k), v, a2);
                        a3 = Vector512.FusedMultiplyAdd(HalfConvert.Load16(r3 + k), v, a3);
                    }
                    float s0 = Vector512.Sum(a0), s1 = Vector512.Sum(a1), s2 = Vector512.Sum(a2), s3 = Vector512.Sum(a3);
                    for (int k = full; k < cols; k++)
                    {
                        s0 += HalfConvert.Scalar(r0[k]) * px[k]; s1 += HalfConvert.Scalar(r1[k]) * px[k];
                        s2 += HalfConvert.Scalar(r2[k]) * px[k]; s3 += HalfConvert.Scalar(r3[k]) * px[k];
                    }
                    y[o] = bias[o] + s0; y[o + 1] = bias[o + 1] + s1; y[o + 2] = bias[o + 2] + s2; y[o + 3] = bias[o + 3] + s3;
                }
        }
        if (o >= row1) return;
        float[]? rented = cols > StackColumns ? System.Buffers.ArrayPool<float>.Shared.Rent(cols) : null;
        Span<float> row = rented != null ? rented : stackalloc float[StackColumns];
        row = row[..cols];
        for (; o < row1; o++)
        {
            HalfConvert.ToSingle(new ReadOnlySpan<Half>(w, o * cols, cols), row);
            y[o] = bias[o] + System.Numerics.Tensors.TensorPrimitives.Dot(row, x[..cols]);
        }
        if (rented != null) System.Buffers.ArrayPool<float>.Shared.Return(rented);
    }
}
