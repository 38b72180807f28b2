using DenseFace.Landmarks;
using DenseFace.Training.Losses;

namespace DenseFace.Training.Landmarks;

/// <summary>
/// The landmark network's training loss on a batch (outputs in <see cref="LandmarkHead"/> layout, targets in
/// <see cref="LandmarkTargets"/> layout), averaged over the batch:
/// <para>L = w_d · (1/L) Σ_k ω_k NLL(μ_k, s_k; x_k) + w_v · (1/L) Σ_k ν_k BCE(z_k; v_k) + w_68 · (1/68) Σ_j ω_j NLL(μ_j, s_j; x_j)</para>
/// with the isotropic 2D Gaussian NLL of Wood et al. 2022 eq. 1 without its constant,
/// NLL = ||x − μ||² / (2σ²) + log σ², s = log σ (clamped to ±<see cref="LandmarkHead.MaxAbsLogSigma"/> with zero
/// gradient beyond), and the binary cross-entropy of the visibility logit z against label v,
/// BCE = max(z, 0) − z v + log(1 + e^−|z|). Per point weights ω, ν come with the targets (0 = unknown).
/// </summary>
public sealed class LandmarkLoss : ILoss
{
    readonly LandmarkHead _head;

    /// <summary>Weight of the dense Gaussian NLL term.</summary>
    public float DenseWeight { get; init; } = 1;
    /// <summary>Weight of the visibility BCE term.</summary>
    public float VisibilityWeight { get; init; } = 0.5f;
    /// <summary>Weight of the 2D-convention 68-point Gaussian NLL term.</summary>
    public float Ibug68Weight { get; init; } = 1;

    /// <summary>Creates the loss for a head of <paramref name="head"/>'s layout.</summary>
    public LandmarkLoss(LandmarkHead head) => _head = head;

    /// <summary>Parts of the last computed loss (batch means): dense NLL, visibility BCE, 68-point NLL, unweighted.</summary>
    public (double Dense, double Visibility, double Ibug68) LastParts { get; private set; }

    /// <inheritdoc />
    public double Compute(ReadOnlySpan<float> predictions, ReadOnlySpan<float> targets, int batch, Span<float> gradient)
    {
        int outs = _head.OutputCount, tps = LandmarkTargets.PerSample(_head);
        if (batch <= 0) throw new ArgumentOutOfRangeException(nameof(batch));
        if (predictions.Length != batch * outs || gradient.Length != predictions.Length || targets.Length != batch * tps)
            throw new ArgumentException($"{nameof(LandmarkLoss)}: expected {batch} x {outs} predictions and {batch} x {tps} targets, got {predictions.Length} and {targets.Length}");
        int l = _head.DensePoints;
        double invB = 1.0 / batch, dScale = DenseWeight / (double)l, vScale = VisibilityWeight / (double)l, iScale = Ibug68Weight / (double)LandmarkHead.Ibug68;
        double dense = 0, vis = 0, ibug = 0;
        for (int b = 0; b < batch; b++)
        {
            var p = predictions.Slice(b * outs, outs);
            var g = gradient.Slice(b * outs, outs);
            var t = targets.Slice(b * tps, tps);
            for (int k = 0; k < l; k++)
            {
                int o = _head.Dense(k), q = LandmarkTargets.Dense(k);
                dense += Nll(p, g, o, t[q], t[q + 1], t[q + 2], dScale * invB);
                int vo = _head.Visibility(k);
                float w = t[q + 4];
                if (w > 0)
                {
                    double z = p[vo], y = t[q + 3];
                    double bce = Math.Max(z, 0) - z * y + Math.Log(1 + Math.Exp(-Math.Abs(z)));
                    double sig = z >= 0 ? 1 / (1 + Math.Exp(-z)) : Math.Exp(z) / (1 + Math.Exp(z));
                    vis += w * bce;
                    g[vo] = (float)(vScale * invB * w * (sig - y));
                }
                else g[vo] = 0;
            }
            for (int j = 0; j < LandmarkHead.Ibug68; j++)
            {
                int o = _head.Ibug(j), q = LandmarkTargets.Ibug(_head, j);
                ibug += Nll(p, g, o, t[q], t[q + 1], t[q + 2], iScale * invB);
            }
        }
        dense *= invB / l; vis *= invB / l; ibug *= invB / LandmarkHead.Ibug68;
        LastParts = (dense, vis, ibug);
        return DenseWeight * dense + VisibilityWeight * vis + Ibug68Weight * ibug;
    }

    /// <summary>Weighted NLL of one point; writes its three gradients (scaled by <paramref name="scale"/>) and returns w · NLL.</summary>
    static double Nll(ReadOnlySpan<float> p, Span<float> g, int o, float tx, float ty, float w, double scale)
    {
        if (!(w > 0)) { g[o] = g[o + 1] = g[o + 2] = 0; return 0; }
        double s = p[o + 2];
        bool clamped = Math.Abs(s) > LandmarkHead.MaxAbsLogSigma;
        s = Math.Clamp(s, -LandmarkHead.MaxAbsLogSigma, LandmarkHead.MaxAbsLogSigma);
        double inv2 = Math.Exp(-2 * s), dx = p[o] - tx, dy = p[o + 1] - ty, sq = dx * dx + dy * dy;
        g[o] = (float)(scale * w * dx * inv2);
        g[o + 1] = (float)(scale * w * dy * inv2);
        g[o + 2] = clamped ? 0f : (float)(scale * w * (2 - sq * inv2));
        return w * (0.5 * sq * inv2 + 2 * s);
    }
}

/// <summary>
/// Layout of one face's training targets: per dense point (x, y, ω, v, ν) — position in normalised ROI
/// coordinates, position weight, visibility label (0/1), visibility weight — then per 2D-convention point
/// (x, y, ω).
/// </summary>
public static class LandmarkTargets
{
    /// <summary>Floats per face.</summary>
    public static int PerSample(in LandmarkHead head) => 5 * head.DensePoints + 3 * LandmarkHead.Ibug68;
    /// <summary>Offset of dense point k.</summary>
    public static int Dense(int k) => 5 * k;
    /// <summary>Offset of 2D-convention point j.</summary>
    public static int Ibug(in LandmarkHead head, int j) => 5 * head.DensePoints + 3 * j;
}
