namespace DenseFace.Imaging.Jpeg;

/// <summary>
/// The accurate integer 8x8 forward DCT of the IJG library (jfdctint.c "islow"). Input: level-shifted samples
/// (sample - 128); output: coefficients scaled up by 8 (the quantiser divides by 8 * q), natural order.
/// </summary>
internal static class JpegForwardDct
{
    private const int ConstBits = 13, Pass1Bits = 2;
    private const int F0_298631336 = 2446, F0_390180644 = 3196, F0_541196100 = 4433, F0_765366865 = 6270,
        F0_899976223 = 7373, F1_175875602 = 9633, F1_501321110 = 12299, F1_847759065 = 15137,
        F1_961570560 = 16069, F2_053119869 = 16819, F2_562915447 = 20995, F3_072711026 = 25172;

    /// <summary>Transforms <paramref name="block"/> (64 values, natural order) in place.</summary>
    public static void Transform(Span<int> block)
    {
        if (block.Length < 64) throw new ArgumentException("block needs 64 values", nameof(block));
        for (int r = 0; r < 8; r++) OneD(block, r * 8, 1, ConstBits - Pass1Bits, Pass1Bits, true);
        for (int c = 0; c < 8; c++) OneD(block, c, 8, ConstBits + Pass1Bits, Pass1Bits, false);
    }

    private static int Descale(int x, int n) => (x + (1 << (n - 1))) >> n;

    /// <summary>One 1-D pass over 8 values at d[o + i * step]; the row pass scales the even part up by 2^Pass1Bits, the column pass descales it.</summary>
    private static void OneD(Span<int> d, int o, int step, int oddShift, int pass1Bits, bool rowPass)
    {
        int d0 = d[o], d1 = d[o + step], d2 = d[o + 2 * step], d3 = d[o + 3 * step];
        int d4 = d[o + 4 * step], d5 = d[o + 5 * step], d6 = d[o + 6 * step], d7 = d[o + 7 * step];
        int tmp0 = d0 + d7, tmp7 = d0 - d7, tmp1 = d1 + d6, tmp6 = d1 - d6;
        int tmp2 = d2 + d5, tmp5 = d2 - d5, tmp3 = d3 + d4, tmp4 = d3 - d4;
        int tmp10 = tmp0 + tmp3, tmp13 = tmp0 - tmp3, tmp11 = tmp1 + tmp2, tmp12 = tmp1 - tmp2;
        if (rowPass)
        {
            d[o] = (tmp10 + tmp11) << pass1Bits;
            d[o + 4 * step] = (tmp10 - tmp11) << pass1Bits;
        }
        else
        {
            d[o] = Descale(tmp10 + tmp11, pass1Bits);
            d[o + 4 * step] = Descale(tmp10 - tmp11, pass1Bits);
        }
        int z1 = (tmp12 + tmp13) * F0_541196100;
        d[o + 2 * step] = Descale(z1 + tmp13 * F0_765366865, oddShift);
        d[o + 6 * step] = Descale(z1 + tmp12 * -F1_847759065, oddShift);

        z1 = tmp4 + tmp7;
        int z2 = tmp5 + tmp6, z3 = tmp4 + tmp6, z4 = tmp5 + tmp7;
        int z5 = (z3 + z4) * F1_175875602;
        tmp4 *= F0_298631336; tmp5 *= F2_053119869; tmp6 *= F3_072711026; tmp7 *= F1_501321110;
        z1 *= -F0_899976223; z2 *= -F2_562915447; z3 *= -F1_961570560; z4 *= -F0_390180644;
        z3 += z5; z4 += z5;
        d[o + 7 * step] = Descale(tmp4 + z1 + z3, oddShift);
        d[o + 5 * step] = Descale(tmp5 + z2 + z4, oddShift);
        d[o + 3 * step] = Descale(tmp6 + z2 + z3, oddShift);
        d[o + step] = Descale(tmp7 + z1 + z4, oddShift);
    }
}
