using DenseFace.Landmarks;
using DenseFace.Neural;
using DenseFace.Training.Landmarks;

namespace DenseFace.Tests.Landmarks;

public class LandmarkLossTests
{
    static (float[] P, float[] T) Case(LandmarkHead head, int batch, ulong seed)
    {
        var rng = new RandomSource(seed);
        var p = new float[batch * head.OutputCount];
        for (int i = 0; i < p.Length; i++) p[i] = (float)(rng.NextDouble() * 2 - 1);
        int tps = LandmarkTargets.PerSample(head);
        var t = new float[batch * tps];
        for (int b = 0; b < batch; b++)
        {
            for (int k = 0; k < head.DensePoints; k++)
            {
                int q = b * tps + LandmarkTargets.Dense(k);
                t[q] = (float)(rng.NextDouble() * 2 - 1); t[q + 1] = (float)(rng.NextDouble() * 2 - 1);
                t[q + 2] = k % 3 == 0 ? 0 : (float)rng.NextDouble();   // some unknown points
                t[q + 3] = rng.NextDouble() < 0.5 ? 1 : 0; t[q + 4] = k % 4 == 1 ? 0 : 1;
            }
            for (int j = 0; j < 68; j++)
            {
                int q = b * tps + LandmarkTargets.Ibug(head, j);
                t[q] = (float)(rng.NextDouble() * 2 - 1); t[q + 1] = (float)(rng.NextDouble() * 2 - 1); t[q + 2] = j == 5 ? 0 : 1;
            }
        }
        return (p, t);
    }

    [Fact]
    public void GradientMatchesCentralDifferences()
    {
        var head = new LandmarkHead(7);
        var (p, t) = Case(head, 3, 11);
        var loss = new LandmarkLoss(head) { DenseWeight = 1.3f, VisibilityWeight = 0.7f, Ibug68Weight = 0.9f };
        var g = new float[p.Length];
        loss.Compute(p, t, 3, g);
        var scratch = new float[p.Length];
        var rng = new RandomSource(5);
        for (int s = 0; s < 200; s++)
        {
            int i = (int)(rng.NextUInt64() % (ulong)p.Length);
            float old = p[i]; const float h = 1e-3f;
            p[i] = old + h; double lp = loss.Compute(p, t, 3, scratch);
            p[i] = old - h; double lm = loss.Compute(p, t, 3, scratch);
            p[i] = old;
            double num = (lp - lm) / (2 * h);
            Assert.True(Math.Abs(num - g[i]) <= 2e-4 + 2e-3 * Math.Abs(num), $"output {i}: numeric {num}, analytic {g[i]}");
        }
    }

    [Fact]
    public void ValueMatchesTheFormulaOnAHandCase()
    {
        // one dense point at distance 0.5 from its target with s = log 0.5, visible label 1 with logit 0, and all 68 at their targets with s = 0
        var head = new LandmarkHead(1);
        var p = new float[head.OutputCount]; var t = new float[LandmarkTargets.PerSample(head)];
        p[0] = 0.3f; p[1] = 0.4f; p[2] = MathF.Log(0.5f);  // |(0.3, 0.4)| = 0.5
        t[2] = 1; t[3] = 1; t[4] = 1;
        for (int j = 0; j < 68; j++) t[LandmarkTargets.Ibug(head, j) + 2] = 1;
        var loss = new LandmarkLoss(head) { DenseWeight = 1, VisibilityWeight = 1, Ibug68Weight = 1 };
        double v = loss.Compute(p, t, 1, new float[p.Length]);
        double nll = 0.25 / (2 * 0.25) + 2 * Math.Log(0.5);   // 0.5 - 1.386
        double bce = Math.Log(2);
        Assert.Equal(nll + bce + 0, v, 6);
        Assert.Equal(nll, loss.LastParts.Dense, 6);
        Assert.Equal(bce, loss.LastParts.Visibility, 6);
    }

    [Fact]
    public void ExtremeOutputsStayFinite()
    {
        var head = new LandmarkHead(2);
        var (p, t) = Case(head, 1, 3);
        for (int i = 0; i < p.Length; i++) p[i] = i % 2 == 0 ? 1e4f : -1e4f;
        var g = new float[p.Length];
        double v = new LandmarkLoss(head).Compute(p, t, 1, g);
        Assert.True(double.IsFinite(v));
        Assert.All(g, x => Assert.True(float.IsFinite(x)));
    }

    [Fact]
    public void ShapeMismatchIsRejected()
    {
        var head = new LandmarkHead(2);
        Assert.Throws<ArgumentException>(() => new LandmarkLoss(head).Compute(new float[head.OutputCount], new float[3], 1, new float[head.OutputCount]));
    }
}
