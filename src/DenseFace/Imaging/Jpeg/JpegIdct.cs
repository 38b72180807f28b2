using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace DenseFace.Imaging.Jpeg;

/// <summary>
/// The accurate integer 8x8 inverse DCT of the IJG library (jidctint.c "islow", the Loeffler-Ligtenberg-Moschytz
/// algorithm with 13-bit fixed-point constants and 2 extra bits of precision between the passes). It is the
/// IDCT djpeg uses by default, so output matches libjpeg bit for bit. The AVX2 path computes all eight
/// columns (then rows) at once in 32-bit lanes with the same arithmetic; the scalar path is the reference.
/// </summary>
internal static class JpegIdct
{
    private const int ConstBits = 13, Pass1Bits = 2;
    private const int F0_298631336 = 2446, F0_390180644 = 3196, F0_541196100 = 4433, F0_765366865 = 6270,
        F0_899976223 = 7373, F1_175875602 = 9633, F1_501321110 = 12299, F1_847759065 = 15137,
        F1_961570560 = 16069, F2_053119869 = 16819, F2_562915447 = 20995, F3_072711026 = 25172;

    /// <summary>
    /// Dequantises <paramref name="coef"/> (natural order) with <paramref name="quant"/> (natural order), inverse
    /// transforms it and writes 8x8 clamped samples at <paramref name="output"/>[offset + y * stride + x].
    /// </summary>
    public static void Transform(ReadOnlySpan<short> coef, ReadOnlySpan<int> quant, Span<byte> output, int offset, int stride)
    {
        if (coef.Length < 64 || quant.Length < 64 || offset < 0 || (long)offset + 7L * stride + 8 > output.Length)
            throw new ArgumentOutOfRangeException(nameof(output));
        if (Simd.Level >= SimdLevel.Vector256 && Avx2.IsSupported) TransformAvx2(coef, quant, output, offset, stride);
        else TransformScalar(coef, quant, output, offset, stride);
    }

    /// <summary>Fills the 8x8 block with the value of a block whose only non-zero coefficient is DC (exact islow result).</summary>
    public static void TransformDcOnly(int dc, int q0, Span<byte> output, int offset, int stride)
    {
        int v = ((dc * q0 << Pass1Bits) + (1 << (Pass1Bits + 2))) >> (Pass1Bits + 3);
        byte b = (byte)Math.Clamp(v + 128, 0, 255);
        ulong fill = 0x0101010101010101UL * b;
        for (int y = 0; y < 8; y++)
            Unsafe.WriteUnaligned(ref output[offset + y * stride], fill);
    }

    internal static void TransformScalar(ReadOnlySpan<short> coef, ReadOnlySpan<int> quant, Span<byte> output, int offset, int stride)
    {
        Span<int> ws = stackalloc int[64];
        for (int c = 0; c < 8; c++)
        {
            if (coef[8 + c] == 0 && coef[16 + c] == 0 && coef[24 + c] == 0 && coef[32 + c] == 0 &&
                coef[40 + c] == 0 && coef[48 + c] == 0 && coef[56 + c] == 0)
            {
                int dc = coef[c] * quant[c] << Pass1Bits;
                for (int r = 0; r < 8; r++) ws[r * 8 + c] = dc;
                continue;
            }
            int z2 = coef[16 + c] * quant[16 + c], z3 = coef[48 + c] * quant[48 + c];
            int z1 = (z2 + z3) * F0_541196100;
            int tmp2 = z1 + z3 * -F1_847759065;
            int tmp3 = z1 + z2 * F0_765366865;
            z2 = coef[c] * quant[c]; z3 = coef[32 + c] * quant[32 + c];
            int tmp0 = (z2 + z3) << ConstBits, tmp1 = (z2 - z3) << ConstBits;
            int tmp10 = tmp0 + tmp3, tmp13 = tmp0 - tmp3, tmp11 = tmp1 + tmp2, tmp12 = tmp1 - tmp2;
            tmp0 = coef[56 + c] * quant[56 + c]; tmp1 = coef[40 + c] * quant[40 + c];
            tmp2 = coef[24 + c] * quant[24 + c]; tmp3 = coef[8 + c] * quant[8 + c];
            Odd(ref tmp0, ref tmp1, ref tmp2, ref tmp3);
            const int Shift = ConstBits - Pass1Bits, Round = 1 << (Shift - 1);
            ws[c] = (tmp10 + tmp3 + Round) >> Shift;
            ws[56 + c] = (tmp10 - tmp3 + Round) >> Shift;
            ws[8 + c] = (tmp11 + tmp2 + Round) >> Shift;
            ws[48 + c] = (tmp11 - tmp2 + Round) >> Shift;
            ws[16 + c] = (tmp12 + tmp1 + Round) >> Shift;
            ws[40 + c] = (tmp12 - tmp1 + Round) >> Shift;
            ws[24 + c] = (tmp13 + tmp0 + Round) >> Shift;
            ws[32 + c] = (tmp13 - tmp0 + Round) >> Shift;
        }
        for (int r = 0; r < 8; r++)
        {
            var w = ws.Slice(r * 8, 8);
            var o = output.Slice(offset + r * stride, 8);
            int z2 = w[2], z3 = w[6];
            int z1 = (z2 + z3) * F0_541196100;
            int tmp2 = z1 + z3 * -F1_847759065;
            int tmp3 = z1 + z2 * F0_765366865;
            int tmp0 = (w[0] + w[4]) << ConstBits, tmp1 = (w[0] - w[4]) << ConstBits;
            int tmp10 = tmp0 + tmp3, tmp13 = tmp0 - tmp3, tmp11 = tmp1 + tmp2, tmp12 = tmp1 - tmp2;
            tmp0 = w[7]; tmp1 = w[5]; tmp2 = w[3]; tmp3 = w[1];
            Odd(ref tmp0, ref tmp1, ref tmp2, ref tmp3);
            const int Shift = ConstBits + Pass1Bits + 3, Round = 1 << (Shift - 1);
            o[0] = Clamp(((tmp10 + tmp3 + Round) >> Shift) + 128);
            o[7] = Clamp(((tmp10 - tmp3 + Round) >> Shift) + 128);
            o[1] = Clamp(((tmp11 + tmp2 + Round) >> Shift) + 128);
            o[6] = Clamp(((tmp11 - tmp2 + Round) >> Shift) + 128);
            o[2] = Clamp(((tmp12 + tmp1 + Round) >> Shift) + 128);
            o[5] = Clamp(((tmp12 - tmp1 + Round) >> Shift) + 128);
            o[3] = Clamp(((tmp13 + tmp0 + Round) >> Shift) + 128);
            o[4] = Clamp(((tmp13 - tmp0 + Round) >> Shift) + 128);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static byte Clamp(int v) => (byte)Math.Clamp(v, 0, 255);

    /// <summary>Odd part of the 1-D transform; inputs are the coefficients 7, 5, 3, 1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Odd(ref int tmp0, ref int tmp1, ref int tmp2, ref int tmp3)
    {
        int z1 = tmp0 + tmp3, z2 = tmp1 + tmp2, z3 = tmp0 + tmp2, z4 = tmp1 + tmp3;
        int z5 = (z3 + z4) * F1_175875602;
        tmp0 *= F0_298631336; tmp1 *= F2_053119869; tmp2 *= F3_072711026; tmp3 *= F1_501321110;
        z1 *= -F0_899976223; z2 *= -F2_562915447; z3 *= -F1_961570560; z4 *= -F0_390180644;
        z3 += z5; z4 += z5;
        tmp0 += z1 + z3; tmp1 += z2 + z4; tmp2 += z2 + z3; tmp3 += z1 + z4;
    }

    private static void TransformAvx2(ReadOnlySpan<short> coef, ReadOnlySpan<int> quant, Span<byte> output, int offset, int stride)
    {
        ref short c = ref Unsafe.AsRef(in coef[0]);
        ref int q = ref Unsafe.AsRef(in quant[0]);
        Vector256<int> Row(ref short c, ref int q, int r) =>
            Avx2.ConvertToVector256Int32(Vector128.LoadUnsafe(ref c, (nuint)(r * 8))) * Vector256.LoadUnsafe(ref q, (nuint)(r * 8));
        var r0 = Row(ref c, ref q, 0); var r1 = Row(ref c, ref q, 1); var r2 = Row(ref c, ref q, 2); var r3 = Row(ref c, ref q, 3);
        var r4 = Row(ref c, ref q, 4); var r5 = Row(ref c, ref q, 5); var r6 = Row(ref c, ref q, 6); var r7 = Row(ref c, ref q, 7);

        Pass(ref r0, ref r1, ref r2, ref r3, ref r4, ref r5, ref r6, ref r7, ConstBits - Pass1Bits);
        Transpose(ref r0, ref r1, ref r2, ref r3, ref r4, ref r5, ref r6, ref r7);
        Pass(ref r0, ref r1, ref r2, ref r3, ref r4, ref r5, ref r6, ref r7, ConstBits + Pass1Bits + 3);
        Transpose(ref r0, ref r1, ref r2, ref r3, ref r4, ref r5, ref r6, ref r7);

        var center = Vector256.Create(128);
        var lo = Vector256<int>.Zero; var hi = Vector256.Create(255);
        r0 = Vector256.Min(Vector256.Max(r0 + center, lo), hi); r1 = Vector256.Min(Vector256.Max(r1 + center, lo), hi);
        r2 = Vector256.Min(Vector256.Max(r2 + center, lo), hi); r3 = Vector256.Min(Vector256.Max(r3 + center, lo), hi);
        r4 = Vector256.Min(Vector256.Max(r4 + center, lo), hi); r5 = Vector256.Min(Vector256.Max(r5 + center, lo), hi);
        r6 = Vector256.Min(Vector256.Max(r6 + center, lo), hi); r7 = Vector256.Min(Vector256.Max(r7 + center, lo), hi);
        var b0 = Vector256.Narrow(Vector256.Narrow(r0, r1), Vector256.Narrow(r2, r3)).AsUInt64();
        var b1 = Vector256.Narrow(Vector256.Narrow(r4, r5), Vector256.Narrow(r6, r7)).AsUInt64();
        ref byte o = ref output[offset];
        Unsafe.WriteUnaligned(ref o, b0.GetElement(0));
        Unsafe.WriteUnaligned(ref Unsafe.Add(ref o, stride), b0.GetElement(1));
        Unsafe.WriteUnaligned(ref Unsafe.Add(ref o, 2 * stride), b0.GetElement(2));
        Unsafe.WriteUnaligned(ref Unsafe.Add(ref o, 3 * stride), b0.GetElement(3));
        Unsafe.WriteUnaligned(ref Unsafe.Add(ref o, 4 * stride), b1.GetElement(0));
        Unsafe.WriteUnaligned(ref Unsafe.Add(ref o, 5 * stride), b1.GetElement(1));
        Unsafe.WriteUnaligned(ref Unsafe.Add(ref o, 6 * stride), b1.GetElement(2));
        Unsafe.WriteUnaligned(ref Unsafe.Add(ref o, 7 * stride), b1.GetElement(3));
    }

    /// <summary>One 1-D pass over eight lanes: x0..x7 are the inputs of index 0..7, replaced by the outputs, descaled by <paramref name="shift"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Pass(ref Vector256<int> x0, ref Vector256<int> x1, ref Vector256<int> x2, ref Vector256<int> x3,
        ref Vector256<int> x4, ref Vector256<int> x5, ref Vector256<int> x6, ref Vector256<int> x7, [ConstantExpected] int shift)
    {
        var z1 = (x2 + x6) * Vector256.Create(F0_541196100);
        var tmp2 = z1 + x6 * Vector256.Create(-F1_847759065);
        var tmp3 = z1 + x2 * Vector256.Create(F0_765366865);
        var tmp0 = Vector256.ShiftLeft(x0 + x4, ConstBits);
        var tmp1 = Vector256.ShiftLeft(x0 - x4, ConstBits);
        var round = Vector256.Create(1 << (shift - 1));
        var tmp10 = tmp0 + tmp3 + round; var tmp13 = tmp0 - tmp3 + round;
        var tmp11 = tmp1 + tmp2 + round; var tmp12 = tmp1 - tmp2 + round;

        var o0 = x7; var o1 = x5; var o2 = x3; var o3 = x1;
        var y1 = o0 + o3; var y2 = o1 + o2; var y3 = o0 + o2; var y4 = o1 + o3;
        var z5 = (y3 + y4) * Vector256.Create(F1_175875602);
        o0 *= Vector256.Create(F0_298631336); o1 *= Vector256.Create(F2_053119869);
        o2 *= Vector256.Create(F3_072711026); o3 *= Vector256.Create(F1_501321110);
        y1 *= Vector256.Create(-F0_899976223); y2 *= Vector256.Create(-F2_562915447);
        y3 = y3 * Vector256.Create(-F1_961570560) + z5; y4 = y4 * Vector256.Create(-F0_390180644) + z5;
        o0 += y1 + y3; o1 += y2 + y4; o2 += y2 + y3; o3 += y1 + y4;

        x0 = Vector256.ShiftRightArithmetic(tmp10 + o3, shift);
        x7 = Vector256.ShiftRightArithmetic(tmp10 - o3, shift);
        x1 = Vector256.ShiftRightArithmetic(tmp11 + o2, shift);
        x6 = Vector256.ShiftRightArithmetic(tmp11 - o2, shift);
        x2 = Vector256.ShiftRightArithmetic(tmp12 + o1, shift);
        x5 = Vector256.ShiftRightArithmetic(tmp12 - o1, shift);
        x3 = Vector256.ShiftRightArithmetic(tmp13 + o0, shift);
        x4 = Vector256.ShiftRightArithmetic(tmp13 - o0, shift);
    }

    /// <summary>Transposes the 8x8 matrix of 32-bit values held in eight AVX2 registers (row i = xi).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Transpose(ref Vector256<int> x0, ref Vector256<int> x1, ref Vector256<int> x2, ref Vector256<int> x3,
        ref Vector256<int> x4, ref Vector256<int> x5, ref Vector256<int> x6, ref Vector256<int> x7)
    {
        var t0 = Avx2.UnpackLow(x0, x1); var t1 = Avx2.UnpackHigh(x0, x1);
        var t2 = Avx2.UnpackLow(x2, x3); var t3 = Avx2.UnpackHigh(x2, x3);
        var t4 = Avx2.UnpackLow(x4, x5); var t5 = Avx2.UnpackHigh(x4, x5);
        var t6 = Avx2.UnpackLow(x6, x7); var t7 = Avx2.UnpackHigh(x6, x7);
        var u0 = Avx2.UnpackLow(t0.AsInt64(), t2.AsInt64()).AsInt32(); var u1 = Avx2.UnpackHigh(t0.AsInt64(), t2.AsInt64()).AsInt32();
        var u2 = Avx2.UnpackLow(t1.AsInt64(), t3.AsInt64()).AsInt32(); var u3 = Avx2.UnpackHigh(t1.AsInt64(), t3.AsInt64()).AsInt32();
        var u4 = Avx2.UnpackLow(t4.AsInt64(), t6.AsInt64()).AsInt32(); var u5 = Avx2.UnpackHigh(t4.AsInt64(), t6.AsInt64()).AsInt32();
        var u6 = Avx2.UnpackLow(t5.AsInt64(), t7.AsInt64()).AsInt32(); var u7 = Avx2.UnpackHigh(t5.AsInt64(), t7.AsInt64()).AsInt32();
        x0 = Avx2.Permute2x128(u0, u4, 0x20); x1 = Avx2.Permute2x128(u1, u5, 0x20);
        x2 = Avx2.Permute2x128(u2, u6, 0x20); x3 = Avx2.Permute2x128(u3, u7, 0x20);
        x4 = Avx2.Permute2x128(u0, u4, 0x31); x5 = Avx2.Permute2x128(u1, u5, 0x31);
        x6 = Avx2.Permute2x128(u2, u6, 0x31); x7 = Avx2.Permute2x128(u3, u7, 0x31);
    }
}
