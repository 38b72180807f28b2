using System.Numerics;
using DenseFace.Evaluation.Protocols;
using DenseFace.Landmarks;
using DenseFace.Neural;

namespace DenseFace.Tests.Evaluation;

public class TemporalStabilityTests
{
    [Fact]
    public void WarpsAreSmoothSimilaritiesAboutTheFaceAndTheProtocolRunsOnATinyNetwork()
    {
        var c = new Vector2(200, 150);
        for (int t = 0; t < 30; t++)
        {
            var w = TemporalStability.Warp(t, c, 100, 5);
            // a similarity: equal column norms, orthogonal columns; the centre stays within the shift amplitude (6 px)
            Assert.Equal(Math.Sqrt(w.M00 * w.M00 + w.M10 * w.M10), Math.Sqrt(w.M01 * w.M01 + w.M11 * w.M11), 9);
            Assert.Equal(0, w.M00 * w.M01 + w.M10 * w.M11, 9);
            var (x, y) = w.Apply(c.X, c.Y);
            Assert.InRange(Math.Abs(x - c.X), 0, 6.001); Assert.InRange(Math.Abs(y - c.Y), 0, 6.001);
            if (t > 0)
            {
                // smooth: consecutive frames move a face point by at most a few pixels
                var (px, py) = TemporalStability.Warp(t - 1, c, 100, 5).Apply(c.X + 50, c.Y);
                var (qx, qy) = w.Apply(c.X + 50, c.Y);
                Assert.InRange(Math.Sqrt((px - qx) * (px - qx) + (py - qy) * (py - qy)), 0, 6);
            }
        }
        var cfg = LandmarkModelConfig.For("ibug68", inputSize: 64, roiScale: 1.5f, widthMultiplier: 0.25);
        var p = new LandmarkPredictor(cfg, Network.Create(cfg.Network, 7));
        var r = TemporalStability.Warps(p, TestData.Path("data", "300w", "helen", "testset"), 1, 4, new PredictionOptions { Passes = 1 });
        Assert.Equal(1, r.Sequences); Assert.Equal(4, r.Frames);
        Assert.True(r.VelocityError > 0 && double.IsFinite(r.VelocityError));
        Assert.True(r.TruthJitter > 0 && r.TruthJitter < 0.05, $"{r.TruthJitter}");
    }
}
