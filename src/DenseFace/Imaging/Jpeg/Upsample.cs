namespace DenseFace.Imaging.Jpeg;

/// <summary>
/// libjpeg's "fancy" upsampling filters (jdsample.c): each output sample is a 3:1 weighted average of the
/// nearest and next-nearest input samples (triangle filter), with libjpeg's alternating rounding biases.
/// Inputs have <c>w</c> samples; outputs have 2w (horizontal) or w (vertical) samples.
/// </summary>
internal static class Upsample
{
    /// <summary>2:1 horizontal (h2v1_fancy_upsample); needs w &gt;= 2.</summary>
    public static void H2V1Fancy(ReadOnlySpan<byte> src, Span<byte> dst)
    {
        int w = src.Length;
        dst[0] = src[0];
        dst[1] = (byte)((src[0] * 3 + src[1] + 2) >> 2);
        for (int i = 1; i < w - 1; i++)
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
        for (int i = 0; i < near.Length; i++)
            dst[i] = (byte)((near[i] * 3 + far[i] + bias) >> 2);
    }

    /// <summary>2:1 in both directions (h2v2_fancy_upsample): one output row from the nearest and next-nearest input rows; needs w &gt;= 2.</summary>
    public static void H2V2Fancy(ReadOnlySpan<byte> near, ReadOnlySpan<byte> far, Span<byte> dst)
    {
        int w = near.Length;
        int thisSum = near[0] * 3 + far[0];
        int nextSum = near[1] * 3 + far[1];
        dst[0] = (byte)((thisSum * 4 + 8) >> 4);
        dst[1] = (byte)((thisSum * 3 + nextSum + 7) >> 4);
        int lastSum = thisSum;
        thisSum = nextSum;
        for (int i = 1; i < w - 1; i++)
        {
            nextSum = near[i + 1] * 3 + far[i + 1];
            dst[2 * i] = (byte)((thisSum * 3 + lastSum + 8) >> 4);
            dst[2 * i + 1] = (byte)((thisSum * 3 + nextSum + 7) >> 4);
            lastSum = thisSum;
            thisSum = nextSum;
        }
        dst[2 * w - 2] = (byte)((thisSum * 3 + lastSum + 8) >> 4);
        dst[2 * w - 1] = (byte)((thisSum * 4 + 7) >> 4);
    }
}
