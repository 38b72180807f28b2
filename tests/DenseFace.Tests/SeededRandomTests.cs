namespace DenseFace.Tests;

public class SeededRandomTests
{
    [Fact]
    public void IsSplitMix64()
    {
        // reference outputs of SplitMix64 from state 0 (Steele, Lea and Flood 2014; the reference C implementation)
        var r = new SeededRandom(0);
        Assert.Equal(0xE220A8397B1DCDAFUL, r.NextUInt64());
        Assert.Equal(0x6E789E6AA1B965F4UL, r.NextUInt64());
        Assert.Equal(0x06C45D188009454FUL, r.NextUInt64());
    }

    [Fact]
    public void EveryMethodIsSeededBoundedAndRoughlyUniform()
    {
        var a = new SeededRandom(42); var b = new SeededRandom(42);
        var counts = new int[7];
        for (int i = 0; i < 70_000; i++)
        {
            int k = a.Next(7);
            Assert.Equal(k, b.Next(7));
            counts[k]++;
        }
        Assert.All(counts, c => Assert.InRange(c, 9_500, 10_500));
        for (int i = 0; i < 1000; i++)
        {
            Assert.InRange(a.Next(-5, 5), -5, 4);
            Assert.InRange(a.NextDouble(), 0, 0.9999999999);
            Assert.InRange(a.NextSingle(), 0f, 0.99999994f);
            Assert.InRange(a.NextInt64(long.MinValue, long.MaxValue), long.MinValue, long.MaxValue - 1);
        }
        Assert.Equal(0, a.Next(0));
        Assert.Equal(3, a.Next(3, 3));
        byte[] x = new byte[13], y = new byte[13];
        new SeededRandom(7).NextBytes(x); new SeededRandom(7).NextBytes(y);
        Assert.Equal(x, y);
        Assert.NotEqual(new SeededRandom(1).NextDouble(), new SeededRandom(2).NextDouble());
        Assert.Throws<ArgumentOutOfRangeException>(() => a.Next(-1));
        Assert.Throws<ArgumentOutOfRangeException>(() => a.Next(5, 4));
    }
}
