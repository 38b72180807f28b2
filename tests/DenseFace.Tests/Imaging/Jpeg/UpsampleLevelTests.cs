using DenseFace.Imaging.Jpeg;
using DenseFace.Tests.Neural;

namespace DenseFace.Tests.Imaging.Jpeg;

/// <summary>The fancy upsampling filters give the scalar code's bytes at every SIMD level (Vector256 and Vector128 bodies, tails).</summary>
[Collection("Simd")]
public class UpsampleLevelTests
{
    public static TheoryData<int> Levels => SimdLevels.All;

    [SkippableTheory]
    [MemberData(nameof(Levels))]
    public void FancyUpsamplingMatchesTheScalarCode(int level)
    {
        var rng = new Random(7);
        foreach (int w in new[] { 2, 3, 8, 9, 15, 16, 17, 18, 24, 25, 26, 33, 40, 70 })
        {
            var near = new byte[w]; var far = new byte[w];
            rng.NextBytes(near); rng.NextBytes(far);
            byte[] h1 = new byte[2 * w], h2 = new byte[2 * w], e1 = new byte[2 * w], e2 = new byte[2 * w];
            var sums = new ushort[w + 16];
            SimdLevels.Run((int)SimdLevel.Scalar, () => { Upsample.H2V1Fancy(near, e1); Upsample.H2V2Fancy(near, far, e2, sums); });
            SimdLevels.Run(level, () => { Upsample.H2V1Fancy(near, h1); Upsample.H2V2Fancy(near, far, h2, sums); });
            Assert.Equal(e1, h1);
            Assert.Equal(e2, h2);
        }
    }
}
