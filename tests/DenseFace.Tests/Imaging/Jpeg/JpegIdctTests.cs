using DenseFace.Imaging.Jpeg;

namespace DenseFace.Tests.Imaging.Jpeg;

public class JpegIdctTests
{
    /// <summary>
    /// The SIMD path (when the CPU has AVX2) and the scalar reference must agree bit for bit for every block a
    /// valid 8-bit JPEG can contain (dequantised coefficients within +-2^14; beyond that the int32 arithmetic
    /// wraps, as in libjpeg, and only corrupt data gets there).
    /// </summary>
    [Fact]
    public void SimdAndScalarIdctAgree()
    {
        var rng = new Random(7);
        var coef = new short[64];
        var quant = new int[64];
        var a = new byte[8 * 16];
        var b = new byte[8 * 16];
        for (int trial = 0; trial < 2000; trial++)
        {
            bool coarse = trial % 2 == 0;
            int range = coarse ? 64 : 512, maxQ = coarse ? 255 : 32;
            for (int i = 0; i < 64; i++)
            {
                coef[i] = (short)(rng.Next(4) == 0 ? rng.Next(-range, range) : 0);
                quant[i] = rng.Next(1, maxQ);
            }
            JpegIdct.Transform(coef, quant, a, 3, 16);
            JpegIdct.TransformScalar(coef, quant, b, 3, 16);
            Assert.Equal(b, a);
        }
    }

    [Fact]
    public void DcOnlyShortcutMatchesFullTransform()
    {
        var coef = new short[64];
        var quant = Enumerable.Range(1, 64).ToArray();
        var a = new byte[64];
        var b = new byte[64];
        for (int dc = -300; dc <= 300; dc += 7)
        {
            coef[0] = (short)dc;
            JpegIdct.TransformScalar(coef, quant, a, 0, 8);
            JpegIdct.TransformDcOnly(dc, quant[0], b, 0, 8);
            Assert.Equal(a, b);
        }
    }
}
