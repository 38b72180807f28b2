using DenseFace.Training.Losses;

namespace DenseFace.Tests.Neural;

public class LossTests
{
    /// <summary>Central differences in double on the loss value vs the analytic gradient.</summary>
    private static void CheckGradient(ILoss loss, float[] pred, float[] target, int batch, double h = 1e-3)
    {
        var g = new float[pred.Length];
        loss.Compute(pred, target, batch, g);
        var tmp = new float[pred.Length];
        for (int i = 0; i < pred.Length; i++)
        {
            float old = pred[i];
            pred[i] = (float)(old + h); double lp = loss.Compute(pred, target, batch, tmp);
            pred[i] = (float)(old - h); double lm = loss.Compute(pred, target, batch, tmp);
            pred[i] = old;
            double num = (lp - lm) / (2 * h);
            Assert.True(Math.Abs(num - g[i]) <= 1e-4 + 1e-3 * Math.Abs(num), $"{loss.GetType().Name}[{i}]: numeric {num}, analytic {g[i]}");
        }
    }

    private static float[] AwayFromZero(float[] d)
    {
        for (int i = 0; i < d.Length; i++) if (Math.Abs(d[i]) < 0.05f) d[i] += 0.1f;
        return d;
    }

    [Fact]
    public void ElementwiseLossGradients()
    {
        var t = Reference.Random(12, 1, 20f);
        var diff = AwayFromZero(Reference.Random(12, 2, 15f)); // spans both wing regimes (|d| < 10 and > 10)
        var p = t.Select((v, i) => v + diff[i]).ToArray();
        CheckGradient(new L1Loss(), p, t, 3);
        CheckGradient(new L2Loss(), p, t, 3);
        CheckGradient(new WingMseLoss(), p, t, 3);
    }

    [Fact]
    public void WingMseValuesMatchTheFormula()
    {
        var g = new float[2];
        double c = 10 - 10 * Math.Log(1 + 10 / 2.0);
        double l = new WingMseLoss().Compute([1f, 13f], [0f, 0f], 1, g);
        double expect = (1.5 * 10 * Math.Log(1 + 0.5) + 0.5 * 1 + 1.5 * (13 - c) + 0.5 * 169) / 2;
        Assert.Equal(expect, l, 5);
        // Continuity at |d| = w.
        Assert.Equal(new WingMseLoss().Compute([10f - 1e-4f], [0f], 1, new float[1]), new WingMseLoss().Compute([10f + 1e-4f], [0f], 1, new float[1]), 2);
    }

    [Fact]
    public void GaussianNllGradientAndValue()
    {
        int batch = 2, k = 3;
        var pred = Reference.Random(batch * k * 3, 3, 2f);
        var target = Reference.Random(batch * k * 2, 4, 2f);
        var weights = new float[] { 1f, 0.5f, 2f };
        CheckGradient(new GaussianNllLoss(weights), pred, target, batch);
        // Value: one landmark, sigma = e^0.5, residual (3, 4): 25 / (2 e) + 1.
        double v = new GaussianNllLoss().Compute([1f, 2f, 0.5f], [4f, 6f], 1, new float[3]);
        Assert.Equal(25 / (2 * Math.E) + 1, v, 5);
        // The optimal sigma for a residual r is r / sqrt(2): dL/ds = 0 there.
        var g = new float[3];
        new GaussianNllLoss().Compute([0f, 0f, (float)Math.Log(5 / Math.Sqrt(2))], [3f, 4f], 1, g);
        Assert.Equal(0f, g[2], 4);
    }

    [Fact]
    public void LossesRejectMismatchedShapes()
    {
        Assert.Throws<ArgumentException>(() => new L2Loss().Compute(new float[4], new float[3], 1, new float[4]));
        Assert.Throws<ArgumentException>(() => new GaussianNllLoss().Compute(new float[6], new float[3], 1, new float[6]));
        Assert.Throws<ArgumentException>(() => new GaussianNllLoss([1f]).Compute(new float[6], new float[4], 1, new float[6]));
    }
}
