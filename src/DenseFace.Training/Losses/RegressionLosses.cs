namespace DenseFace.Training.Losses;

/// <summary>Mean absolute error: L = (1/n) Σ |p - t|; gradient sign(p - t)/n (0 at p = t).</summary>
public sealed class L1Loss : ILoss
{
    public double Compute(ReadOnlySpan<float> predictions, ReadOnlySpan<float> targets, int batch, Span<float> gradient)
    {
        LossChecks.Shapes(predictions.Length, targets.Length, gradient.Length, batch, nameof(L1Loss));
        double sum = 0, inv = 1.0 / predictions.Length;
        for (int i = 0; i < predictions.Length; i++)
        {
            float d = predictions[i] - targets[i];
            sum += Math.Abs(d);
            gradient[i] = (float)(Math.Sign(d) * inv);
        }
        return sum * inv;
    }
}

/// <summary>Mean squared error: L = (1/n) Σ (p - t)^2; gradient 2 (p - t)/n.</summary>
public sealed class L2Loss : ILoss
{
    public double Compute(ReadOnlySpan<float> predictions, ReadOnlySpan<float> targets, int batch, Span<float> gradient)
    {
        LossChecks.Shapes(predictions.Length, targets.Length, gradient.Length, batch, nameof(L2Loss));
        double sum = 0, inv = 1.0 / predictions.Length;
        for (int i = 0; i < predictions.Length; i++)
        {
            double d = predictions[i] - targets[i];
            sum += d * d;
            gradient[i] = (float)(2 * d * inv);
        }
        return sum * inv;
    }
}

/// <summary>
/// Wing loss (Feng et al. 2018) blended with MSE as in Basak et al.:
/// L = (1/n) Σ [ WingWeight · wing(d) + MseWeight · d² ], d = p - t, with
/// wing(d) = w ln(1 + |d|/ε) for |d| &lt; w, else |d| - C, C = w - w ln(1 + w/ε) (continuous at |d| = w).
/// Defaults w = 10, ε = 2, weights 1.5 and 0.5. Units are those of the targets (e.g. pixels of the crop).
/// </summary>
public sealed class WingMseLoss : ILoss
{
    public double W { get; init; } = 10;
    public double Epsilon { get; init; } = 2;
    public double WingWeight { get; init; } = 1.5;
    public double MseWeight { get; init; } = 0.5;

    public double Compute(ReadOnlySpan<float> predictions, ReadOnlySpan<float> targets, int batch, Span<float> gradient)
    {
        LossChecks.Shapes(predictions.Length, targets.Length, gradient.Length, batch, nameof(WingMseLoss));
        if (!(W > 0 && Epsilon > 0)) throw new ArgumentException("wing w and epsilon must be positive");
        double c = W - W * Math.Log(1 + W / Epsilon), sum = 0, inv = 1.0 / predictions.Length;
        for (int i = 0; i < predictions.Length; i++)
        {
            double d = predictions[i] - targets[i], a = Math.Abs(d);
            double wing, dwing;
            if (a < W) { wing = W * Math.Log(1 + a / Epsilon); dwing = W / (Epsilon + a); }
            else { wing = a - c; dwing = 1; }
            sum += WingWeight * wing + MseWeight * d * d;
            gradient[i] = (float)((WingWeight * dwing * Math.Sign(d) + 2 * MseWeight * d) * inv);
        }
        return sum * inv;
    }
}

/// <summary>
/// Gaussian negative log-likelihood of 2D landmarks with predicted uncertainty (Wood et al. 2022,
/// "3D face reconstruction with dense landmarks", eq. 1). Predictions per sample are K triples
/// (μx, μy, s) with s = log σ (σ in target units, e.g. pixels); targets are K pairs (x, y). Per landmark
/// weights λ_k (default 1). The loss is the isotropic 2D Gaussian NLL without its constant log 2π, averaged
/// over the batch:
/// L = (1/B) Σ_b Σ_k λ_k ( ||x_k - μ_k||² / (2 σ_k²) + log σ_k² ),  log σ_k² = 2 s_k,
/// with gradients dL/dμ = λ (μ - x) / σ² / B and dL/ds = λ (2 - ||x - μ||² / σ²) / B. s is clamped to
/// [-<see cref="MaxAbsLogSigma"/>, +<see cref="MaxAbsLogSigma"/>] (zero gradient beyond) to keep exp finite.
/// </summary>
public sealed class GaussianNllLoss : ILoss
{
    private readonly float[]? _weights;

    /// <summary>Bound on |log σ|.</summary>
    public const double MaxAbsLogSigma = 20;

    /// <summary>Creates the loss with optional per-landmark weights (length K, non-negative).</summary>
    public GaussianNllLoss(float[]? landmarkWeights = null)
    {
        if (landmarkWeights != null && landmarkWeights.Any(w => !(w >= 0) || !float.IsFinite(w)))
            throw new ArgumentException("landmark weights must be finite and non-negative", nameof(landmarkWeights));
        _weights = landmarkWeights;
    }

    public double Compute(ReadOnlySpan<float> predictions, ReadOnlySpan<float> targets, int batch, Span<float> gradient)
    {
        if (batch <= 0) throw new ArgumentOutOfRangeException(nameof(batch));
        if (gradient.Length != predictions.Length || predictions.Length % (3 * batch) != 0 || targets.Length * 3 != predictions.Length * 2)
            throw new ArgumentException($"{nameof(GaussianNllLoss)}: predictions must be batch x K x 3 and targets batch x K x 2 (got {predictions.Length} and {targets.Length})");
        int k = predictions.Length / (3 * batch);
        if (_weights != null && _weights.Length != k) throw new ArgumentException($"{k} landmarks but {_weights.Length} weights");
        double sum = 0, invB = 1.0 / batch;
        for (int b = 0; b < batch; b++)
            for (int i = 0; i < k; i++)
            {
                int p = (b * k + i) * 3, t = (b * k + i) * 2;
                double lw = _weights?[i] ?? 1.0;
                double s = predictions[p + 2];
                bool clamped = Math.Abs(s) > MaxAbsLogSigma;
                s = Math.Clamp(s, -MaxAbsLogSigma, MaxAbsLogSigma);
                double inv2 = Math.Exp(-2 * s);
                double dx = predictions[p] - targets[t], dy = predictions[p + 1] - targets[t + 1];
                double sq = dx * dx + dy * dy;
                sum += lw * (0.5 * sq * inv2 + 2 * s);
                gradient[p] = (float)(lw * dx * inv2 * invB);
                gradient[p + 1] = (float)(lw * dy * inv2 * invB);
                gradient[p + 2] = clamped ? 0f : (float)(lw * (2 - sq * inv2) * invB);
            }
        return sum * invB;
    }
}
