using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace DenseFace.Imaging.Jpeg;

/// <summary>
/// libjpeg's "fancy" upsampling filters (jdsample.c): each output sample is a 3:1 weighted average of the
/// nearest and next-nearest input samples (triangle filter), with libjpeg's alternating rounding biases.
/// Inputs have <c>w</c> samples; outputs have 2w (horizontal) or w (vertical) samples. The 2:1 horizontal
/// filters run 16 input samples per step with 16-bit lanes, producing the even/odd output pair of each lane
/// as one little-endian 16-bit value (no shuffles needed); the result is identical to the scalar code. The
/// Vector128 level (ARM64 NEON, SSE) does 8 samples per step the same way.
/// </summary>
internal static class Upsample
{
    /// <summary>2:1 horizontal (h2v1_fancy_upsample); needs w &gt;= 2.</summary>
    public static void H2V1Fancy(ReadOnlySpan<byte> src, Span<byte> dst)
    {
        int w = src.Length;
        if (dst.Length < 2 * w) throw new ArgumentException("output row too short", nameof(dst));
        dst[0] = src[0];
        dst[1] = (byte)((src[0] * 3 + src[1] + 2) >> 2);
        int i = 1;
        if (Simd.Level >= SimdLevel.Vector256)
        {
            ref byte s = ref MemoryMarshal.GetReference(src);
            ref byte d = ref MemoryMarshal.GetReference(dst);
            var one = Vector256.Create((ushort)1); var two = Vector256.Create((ushort)2);
            for (; i + 17 <= w; i += 16)
            {
                var prev = Widen(ref s, i - 1);
                var cur = Widen(ref s, i) * 3;
                var next = Widen(ref s, i + 1);
                var even = Vector256.ShiftRightLogical(cur + prev + one, 2);
                var odd = Vector256.ShiftRightLogical(cur + next + two, 2);
                (even | Vector256.ShiftLeft(odd, 8)).StoreUnsafe(ref Unsafe.As<byte, ushort>(ref Unsafe.Add(ref d, 2 * i)));
            }
        }
        if (Simd.Level >= SimdLevel.Vector128)
        {
            // 8 samples per step (NEON / SSE); each load reads 16 bytes, hence the same bound as above.
            ref byte s = ref MemoryMarshal.GetReference(src);
            ref byte d = ref MemoryMarshal.GetReference(dst);
            var one = Vector128.Create((ushort)1); var two = Vector128.Create((ushort)2);
            for (; i + 17 <= w; i += 8)
            {
                var prev = Widen128(ref s, i - 1);
                var cur = Widen128(ref s, i) * 3;
                var next = Widen128(ref s, i + 1);
                var even = Vector128.ShiftRightLogical(cur + prev + one, 2);
                var odd = Vector128.ShiftRightLogical(cur + next + two, 2);
                (even | Vector128.ShiftLeft(odd, 8)).StoreUnsafe(ref Unsafe.As<byte, ushort>(ref Unsafe.Add(ref d, 2 * i)));
            }
        }
        for (; i < w - 1; i++)
        {
            int v = src[i] * 3;
            dst[2 * i] = (byte)((v + src[i - 1] + 1) >> 2);
            dst[2 * i + 1] = (byte)((v + src[i + 1] + 2) >> 2);
        }
        dst[2 * w - 2] = (byte)((src[w - 1] * 3 + src[w - 2] + 1) >> 2);
        dst[2 * w - 1] = src[w - 1];
    }

    /// <summary>1:2 vertical (h1v2_fancy_upsample): bias 1 for the upper output row (far = row above), 2 for the lower.</summary>
    public static void H1V2Fancy(ReadOnlySpan<byte> near, ReadOnlySpan<byte> far, int bias, Span<byte> dst)
    {
        int w = near.Length;
        if (far.Length < w || dst.Length < w) throw new ArgumentException("row buffers too short");
        for (int i = 0; i < w; i++)
            dst[i] = (byte)((near[i] * 3 + far[i] + bias) >> 2);
    }

    /// <summary>
    /// 2:1 in both directions (h2v2_fancy_upsample): one output row from the nearest and next-nearest input rows;
    /// needs w &gt;= 2. <paramref name="colSums"/> is scratch of at least w + 16 entries.
    /// </summary>
    public static void H2V2Fancy(ReadOnlySpan<byte> near, ReadOnlySpan<byte> far, Span<byte> dst, Span<ushort> colSums)
    {
        int w = near.Length;
        if (far.Length < w || dst.Length < 2 * w || colSums.Length < w) throw new ArgumentException("row buffers too short");
        // Vertical 3:1 sums first (what libjpeg calls thiscolsum/nextcolsum), then the horizontal 3:1 filter.
        int i = 0;
        if (Simd.Level >= SimdLevel.Vector256)
        {
            ref byte n = ref MemoryMarshal.GetReference(near);
            ref byte f = ref MemoryMarshal.GetReference(far);
            ref ushort cs = ref MemoryMarshal.GetReference(colSums);
            for (; i + 16 <= w; i += 16)
                (Widen(ref n, i) * 3 + Widen(ref f, i)).StoreUnsafe(ref cs, (nuint)i);
        }
        if (Simd.Level >= SimdLevel.Vector128)
        {
            ref byte n = ref MemoryMarshal.GetReference(near);
            ref byte f = ref MemoryMarshal.GetReference(far);
            ref ushort cs = ref MemoryMarshal.GetReference(colSums);
            for (; i + 16 <= w; i += 8)
                (Widen128(ref n, i) * 3 + Widen128(ref f, i)).StoreUnsafe(ref cs, (nuint)i);
        }
        for (; i < w; i++) colSums[i] = (ushort)(near[i] * 3 + far[i]);

        dst[0] = (byte)((colSums[0] * 4 + 8) >> 4);
        dst[1] = (byte)((colSums[0] * 3 + colSums[1] + 7) >> 4);
        i = 1;
        if (Simd.Level >= SimdLevel.Vector256)
        {
            ref ushort cs = ref MemoryMarshal.GetReference(colSums);
            ref byte d = ref MemoryMarshal.GetReference(dst);
            var eight = Vector256.Create((ushort)8); var seven = Vector256.Create((ushort)7);
            for (; i + 17 <= w; i += 16)
            {
                var prev = Vector256.LoadUnsafe(ref cs, (nuint)(i - 1));
                var cur = Vector256.LoadUnsafe(ref cs, (nuint)i) * 3;
                var next = Vector256.LoadUnsafe(ref cs, (nuint)(i + 1));
                var even = Vector256.ShiftRightLogical(cur + prev + eight, 4);
                var odd = Vector256.ShiftRightLogical(cur + next + seven, 4);
                (even | Vector256.ShiftLeft(odd, 8)).StoreUnsafe(ref Unsafe.As<byte, ushort>(ref Unsafe.Add(ref d, 2 * i)));
            }
        }
        if (Simd.Level >= SimdLevel.Vector128)
        {
            ref ushort cs = ref MemoryMarshal.GetReference(colSums);
            ref byte d = ref MemoryMarshal.GetReference(dst);
            var eight = Vector128.Create((ushort)8); var seven = Vector128.Create((ushort)7);
            for (; i + 9 <= w; i += 8)
            {
                var prev = Vector128.LoadUnsafe(ref cs, (nuint)(i - 1));
                var cur = Vector128.LoadUnsafe(ref cs, (nuint)i) * 3;
                var next = Vector128.LoadUnsafe(ref cs, (nuint)(i + 1));
                var even = Vector128.ShiftRightLogical(cur + prev + eight, 4);
                var odd = Vector128.ShiftRightLogical(cur + next + seven, 4);
                (even | Vector128.ShiftLeft(odd, 8)).StoreUnsafe(ref Unsafe.As<byte, ushort>(ref Unsafe.Add(ref d, 2 * i)));
            }
        }
        for (; i < w - 1; i++)
        {
            int cur = colSums[i] * 3;
            dst[2 * i] = (byte)((cur + colSums[i - 1] + 8) >> 4);
            dst[2 * i + 1] = (byte)((cur + colSums[i + 1] + 7) >> 4);
        }
        dst[2 * w - 2] = (byte)((colSums[w - 1] * 3 + colSums[w - 2] + 8) >> 4);
        dst[2 * w - 1] = (byte)((colSums[w - 1] * 4 + 7) >> 4);
    }

    /// <summary>16 bytes from <paramref name="s"/>[i..] zero-extended to 16-bit lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<ushort> Widen(ref byte s, int i) => Vector256.WidenLower(Vector128.LoadUnsafe(ref s, (nuint)i).ToVector256Unsafe());

    /// <summary>8 bytes from <paramref name="s"/>[i..] zero-extended to 16-bit lanes (reads 16 bytes).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<ushort> Widen128(ref byte s, int i) => Vector128.WidenLower(Vector128.LoadUnsafe(ref s, (nuint)i));
}
