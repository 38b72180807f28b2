using System.Numerics;
using DenseFace.Evaluation.Metrics;

namespace DenseFace.Tests.Landmarks;

public class LandmarkMetricsTests
{
    static Vector2[] Face()
    {
        var g = new Vector2[68];
        for (int i = 0; i < 68; i++) g[i] = new Vector2(i % 10 * 10, i / 10 * 10);
        g[36] = new Vector2(0, 20); g[45] = new Vector2(60, 20);
        return g;
    }

    [Fact]
    public void NmeByOuterEyeCornersOnAHandCase()
    {
        var g = Face();
        var p = g.Select(q => q + new Vector2(3, 4)).ToArray();    // every point 5 px off
        Assert.Equal(60, LandmarkMetrics.OuterEyeCornerDistance(g), 6);
        Assert.Equal(5.0 / 60, LandmarkMetrics.Nme(p, g, LandmarkMetrics.OuterEyeCornerDistance(g), "case"), 9);
        // box of the grid: x 0..90, y 0..60 -> sqrt(90*60)
        Assert.Equal(Math.Sqrt(90 * 60), LandmarkMetrics.BoxSize(g), 6);
    }

    [Fact]
    public void DegenerateNormaliserNamesTheSample()
    {
        var g = new Vector2[68];
        var e = Assert.Throws<InvalidInputException>(() => LandmarkMetrics.Nme(g, g, LandmarkMetrics.OuterEyeCornerDistance(g), "img_007.jpg"));
        Assert.Contains("img_007.jpg", e.Message);
    }

    [Fact]
    public void FailureRateAucAndCed()
    {
        double[] e = [0.02, 0.04, 0.08, 0.12];
        Assert.Equal(0.25, LandmarkMetrics.FailureRate(e), 9);
        // AUC@0.1 = Σ (0.1 - e_i)+ / n / 0.1 = (0.08 + 0.06 + 0.02) / 4 / 0.1
        Assert.Equal(0.4, LandmarkMetrics.Auc(e), 9);
        Assert.Equal([0.0, 0.25, 0.5, 0.75, 1.0], LandmarkMetrics.Ced(e, [0.01, 0.02, 0.05, 0.1, 0.2]));
    }
}
