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
        Check(w.Length, cols, row0, row1, x, bias, y);
        int o = row0;
        if (Simd.Level == SimdLevel.Vector512 && cols >= 16)
            fixed (float* pw = w, px = x)
                o = FourRows(new SingleRows(pw), cols, o, row1, px, bias, y);
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
        Check(w.Length, cols, row0, row1, x, bias, y);
        int o = row0;
        if (Simd.Level == SimdLevel.Vector512 && cols >= 16)
            fixed (Half* pw = w)
            fixed (float* px = x)
                o = FourRows(new HalfRows((short*)pw), cols, o, row1, px, bias, y);
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

    private static void Check(int length, int cols, int row0, int row1, ReadOnlySpan<float> x, float[] bias, Span<float> y)
    {
        if (row0 < 0 || row1 > y.Length || row1 > bias.Length || (long)row1 * cols > length || x.Length < cols)
            throw new ArgumentException("matrix-vector operands do not match");
    }

    /// <summary>The weight matrix as the Vector512 loop reads it: 16 columns at a time, one at a time for the tail.</summary>
    private interface IWeightRows
    {
        /// <summary>Columns per 64-byte cache line (the prefetch stride).</summary>
        int LineColumns { get; }
        Vector512<float> Load16(long index);
        float Load1(long index);
        void Prefetch(long index);
    }

    private readonly struct SingleRows(float* w) : IWeightRows
    {
        public int LineColumns => 16;
        public Vector512<float> Load16(long index) => Vector512.Load(w + index);
        public float Load1(long index) => w[index];
        public void Prefetch(long index) => Sse.Prefetch0(w + index);
    }

    private readonly struct HalfRows(short* w) : IWeightRows
    {
        public int LineColumns => 32;
        public Vector512<float> Load16(long index) => HalfConvert.Load16(w + index);
        public float Load1(long index) => HalfConvert.Scalar(w[index]);
        public void Prefetch(long index) => Sse.Prefetch0(w + index);
    }

    /// <summary>
    /// The Vector512 loop over blocks of four rows from <paramref name="o"/>; returns the first row it left (fewer than
    /// four remain). Per row: one 16-lane accumulator over the full vectors, its lane sum, then the tail columns in order.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int FourRows<TW>(TW w, int cols, int o, int row1, float* px, float[] bias, Span<float> y) where TW : struct, IWeightRows
    {
        int full = cols & ~15;
        bool prefetch = Sse.IsSupported;
        for (; o + 4 <= row1; o += 4)
        {
            long r0 = (long)o * cols, r1 = r0 + cols, r2 = r1 + cols, r3 = r2 + cols;
            Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default;
            for (int k = 0; k < full; k += 16)
            {
                if (prefetch && (k & (w.LineColumns - 1)) == 0)
                {
                    // The next four rows, line for line: the weights stream from DRAM (15 MB fp32 / 7.7 MB fp16 for the
                    // landmark head) and the hardware prefetcher alone kept ~half the bandwidth idle.
                    long next = r0 + 4L * cols + k;
                    w.Prefetch(next); w.Prefetch(next + cols); w.Prefetch(next + 2L * cols); w.Prefetch(next + 3L * cols);
                }
                var v = Vector512.Load(px + k);
                a0 = Vector512.FusedMultiplyAdd(w.Load16(r0 + k), v, a0);
                a1 = Vector512.FusedMultiplyAdd(w.Load16(r1 + k), v, a1);
                a2 = Vector512.FusedMultiplyAdd(w.Load16(r2 + k), v, a2);
                a3 = Vector512.FusedMultiplyAdd(w.Load16(r3 + k), v, a3);
            }
            float s0 = Vector512.Sum(a0), s1 = Vector512.Sum(a1), s2 = Vector512.Sum(a2), s3 = Vector512.Sum(a3);
            for (int k = full; k < cols; k++)
            {
                s0 += w.Load1(r0 + k) * px[k]; s1 += w.Load1(r1 + k) * px[k]; s2 += w.Load1(r2 + k) * px[k]; s3 += w.Load1(r3 + k) * px[k];
            }
            y[o] = bias[o] + s0; y[o + 1] = bias[o + 1] + s1; y[o + 2] = bias[o + 2] + s2; y[o + 3] = bias[o + 3] + s3;
        }
        return o;
    }
}
