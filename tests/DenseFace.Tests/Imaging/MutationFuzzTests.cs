using DenseFace.Imaging;
using Xunit.Sdk;

namespace DenseFace.Tests.Imaging;

/// <summary>The harness itself must catch what it promises to catch.</summary>
public class MutationFuzzTests
{
    private static readonly (string, byte[])[] Seeds = [("s", Enumerable.Range(0, 64).Select(i => (byte)i).ToArray())];

    [Fact]
    public void ForeignExceptionFailsWithTheMutationDescribed()
    {
        var e = Assert.Throws<FailException>(() => MutationFuzz.Run(Seeds, (d, n) =>
            d.Length != 64 ? throw new IndexOutOfRangeException("boom") : new Image8(1, 1, 1), 200, seed: 1));
        Assert.Contains("IndexOutOfRangeException", e.Message);
        Assert.Contains("mutations:", e.Message);
    }

    [Fact]
    public void InvalidInputIsAcceptedAndCounted()
    {
        var s = MutationFuzz.Run(Seeds, (d, n) => d.Length != 64 ? throw new InvalidInputException(n, "bad") : new Image8(2, 2, 3), 200, seed: 2);
        Assert.Equal(200, s.Decoded + s.Rejected);
        Assert.True(s.Decoded > 0 && s.Rejected > 0);
    }

    [Fact]
    public void HangIsReportedAtTheTimeout()
    {
        using var release = new ManualResetEventSlim();
        try
        {
            var e = Assert.Throws<FailException>(() => MutationFuzz.Run(Seeds, (d, n) => { release.Wait(); return new Image8(1, 1, 1); },
                10, seed: 3, timeout: TimeSpan.FromMilliseconds(200)));
            Assert.Contains("did not finish", e.Message);
        }
        finally { release.Set(); }
    }
}
