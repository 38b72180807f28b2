using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace DenseFace.Neural.Kernels;

/// <summary>
/// A fully connected layer at small batches (3 and more images; the batch-shard plan runs the head once for the whole
/// batch) with its weights stored as fp16, pre-packed at plan compile time into the K x 32 column panels that
/// <see cref="Sgemm"/> would otherwise pack from the fp32 weights on every call (15 MB read and written per call for the
/// landmark head). The 8 x 32 Vector512 tile widens each panel row exactly (<see cref="HalfConvert"/>) and sums in
/// <see cref="Sgemm"/>'s order (per element, for each k block of <see cref="Sgemm.KC"/>: the block's FMA chain from zero,
/// then added to C), so y is bit-identical to <c>Sgemm.Multiply(false, true, ..., accumulate: true)</c> on the widened
/// weights at <see cref="SimdLevel.Vector512"/> (the only level that uses it).
/// </summary>
internal static unsafe class HalfGemm
{
    private const int MR = Sgemm.MR, NR = Sgemm.NR, KC = Sgemm.KC;

    /// <summary>
    /// Packs W [<paramref name="outF"/> x <paramref name="inF"/>] (row-major halves) into panels: panel s holds, for each k,
    /// the 32 outputs 32 s .. 32 s + 31 (zeros past <paramref name="outF"/>).
    /// </summary>
    public static Half[] Pack(ReadOnlySpan<Half> w, int outF, int inF)
    {
        if ((long)outF * inF > w.Length) throw new ArgumentException("weights shorter than outputs x inputs", nameof(w));
        int panels = (outF + NR - 1) / NR;
        var dst = new Half[(long)panels * inF * NR];
        for (int o = 0; o < outF; o++)
        {
            var row = w.Slice(o * inF, inF);
            long d = (long)(o / NR) * inF * NR + o % NR;
            for (int k = 0; k < inF; k++) dst[d + (long)k * NR] = row[k];
        }
        return dst;
    }

    /// <summary>y[n x outF] += x[n x inF] W^T with W packed by <see cref="Pack"/>; column panels split over the threads.</summary>
    public static void Multiply(float[] x, int n, int inF, Half[] panels, int outF, float[] y, ComputeContext compute)
    {
        int strips = (outF + NR - 1) / NR;
        if (x.Length < (long)n * inF || y.Length < (long)n * outF || panels.Length < (long)strips * inF * NR)
            throw new ArgumentException("fp16 product operands do not match");
        int chunks = Math.Min(compute.MaxDegreeOfParallelism, strips);
        if (chunks <= 1) Strips(x, n, inF, panels, outF, y, 0, strips);
        else MultiplyParallel(x, n, inF, panels, outF, y, compute, strips, chunks);
    }

    /// <summary>Column-strip split (kept apart so the one-thread path allocates no closure).</summary>
    private static void MultiplyParallel(float[] x, int n, int inF, Half[] panels, int outF, float[] y, ComputeContext compute, int strips, int chunks)
        => compute.For(chunks, t => Strips(x, n, inF, panels, outF, y, (int)((long)strips * t / chunks), (int)((long)strips * (t + 1) / chunks)));

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Strips(float[] x, int n, int inF, Half[] panels, int outF, float[] y, int s0, int s1)
    {
        fixed (float* px = x, py = y)
        fixed (Half* pw = panels)
            for (int s = s0; s < s1; s++)
            {
                int cols = Math.Min(NR, outF - s * NR);
                short* panel = (short*)pw + (long)s * inF * NR;
                for (int pc = 0; pc < inF; pc += KC)
                {
                    int kc = Math.Min(KC, inF - pc);
                    for (int r0 = 0; r0 < n; r0 += MR)
                        Tile(kc, px + (long)r0 * inF + pc, inF, Math.Min(MR, n - r0), panel + (long)pc * NR, py + (long)r0 * outF + s * NR, outF, cols);
                }
            }
    }

    /// <summary>
    /// C[rows x cols] += A[rows x kc] B[kc x 32] for A rows <paramref name="a"/> + r <paramref name="lda"/> and one fp16 panel block;
    /// rows past <paramref name="rows"/> read row 0 and are not stored.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Tile(int kc, float* a, int lda, int rows, short* pb, float* c, int ldc, int cols)
    {
        float* a0 = a, a1 = rows > 1 ? a + lda : a, a2 = rows > 2 ? a + 2L * lda : a, a3 = rows > 3 ? a + 3L * lda : a;
        float* a4 = rows > 4 ? a + 4L * lda : a, a5 = rows > 5 ? a + 5L * lda : a, a6 = rows > 6 ? a + 6L * lda : a, a7 = rows > 7 ? a + 7L * lda : a;
        Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default, c30 = default, c31 = default;
        Vector512<float> c40 = default, c41 = default, c50 = default, c51 = default, c60 = default, c61 = default, c70 = default, c71 = default;
        for (int p = 0; p < kc; p++)
        {
            var b0 = HalfConvert.Load16(pb);
            var b1 = HalfConvert.Load16(pb + 16);
            Vector512<float> v;
            v = Vector512.Create(a0[p]); c00 = Vector512.FusedMultiplyAdd(v, b0, c00); c01 = Vector512.FusedMultiplyAdd(v, b1, c01);
            v = Vector512.Create(a1[p]); c10 = Vector512.FusedMultiplyAdd(v, b0, c10); c11 = Vector512.FusedMultiplyAdd(v, b1, c11);
            v = Vector512.Create(a2[p]); c20 = Vector512.FusedMultiplyAdd(v, b0, c20); c21 = Vector512.FusedMultiplyAdd(v, b1, c21);
            v = Vector512.Create(a3[p]); c30 = Vector512.FusedMultiplyAdd(v, b0, c30); c31 = Vector512.FusedMultiplyAdd(v, b1, c31);
            v = Vector512.Create(a4[p]); c40 = Vector512.FusedMultiplyAdd(v, b0, c40); c41 = Vector512.FusedMultiplyAdd(v, b1, c41);
            v = Vector512.Create(a5[p]); c50 = Vector512.FusedMultiplyAdd(v, b0, c50); c51 = Vector512.FusedMultiplyAdd(v, b1, c51);
            v = Vector512.Create(a6[p]); c60 = Vector512.FusedMultiplyAdd(v, b0, c60); c61 = Vector512.FusedMultiplyAdd(v, b1, c61);
            v = Vector512.Create(a7[p]); c70 = Vector512.FusedMultiplyAdd(v, b0, c70); c71 = Vector512.FusedMultiplyAdd(v, b1, c71);
            pb += NR;
        }
        var lanes = Vector512<int>.Indices;
        var m0 = Vector512.LessThan(lanes, Vector512.Create(cols)).AsSingle();
        var m1 = Vector512.LessThan(lanes, Vector512.Create(cols - 16)).AsSingle();
        Add(c, c00, c01, cols, m0, m1);
        if (rows > 1) Add(c + ldc, c10, c11, cols, m0, m1);
        if (rows > 2) Add(c + 2L * ldc, c20, c21, cols, m0, m1);
        if (rows > 3) Add(c + 3L * ldc, c30, c31, cols, m0, m1);
        if (rows > 4) Add(c + 4L * ldc, c40, c41, cols, m0, m1);
        if (rows > 5) Add(c + 5L * ldc, c50, c51, cols, m0, m1);
        if (rows > 6) Add(c + 6L * ldc, c60, c61, cols, m0, m1);
        if (rows > 7) Add(c + 7L * ldc, c70, c71, cols, m0, m1);
    }

    /// <summary>C row += (v0, v1), the first <paramref name="cols"/> of 32 columns (masked when fewer).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Add(float* c, Vector512<float> v0, Vector512<float> v1, int cols, Vector512<float> m0, Vector512<float> m1)
    {
        if (cols == NR)
        {
            (v0 + Vector512.Load(c)).Store(c);
            (v1 + Vector512.Load(c + 16)).Store(c + 16);
            return;
        }
        Avx512F.MaskStore(c, m0, v0 + Avx512F.MaskLoad(c, m0, Vector512<float>.Zero));
        Avx512F.MaskStore(c + 16, m1, v1 + Avx512F.MaskLoad(c + 16, m1, Vector512<float>.Zero));
    }
}
