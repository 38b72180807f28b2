using System.Numerics;

namespace DenseFace.Evaluation.Metrics;

/// <summary>
/// Normalised mean error (NME) of 2D landmarks and the summaries built on it. Errors are Euclidean distances
/// in pixels; NME = mean over points of |p − g| / d for a normaliser d (pixels). A degenerate normaliser (zero,
/// negative or non-finite) is an <see cref="InvalidInputException"/> naming the sample, never NaN.
/// </summary>
public static class LandmarkMetrics
{
    /// <summary>Outer-eye-corner ("inter-ocular") distance of 68 iBUG points: |g36 − g45| (pixels).</summary>
    public static double OuterEyeCornerDistance(ReadOnlySpan<Vector2> groundTruth68)
    {
        Check68(groundTruth68);
        return Vector2.Distance(groundTruth68[36], groundTruth68[45]);
    }

    /// <summary>Pupil distance of 68 iBUG points: distance between the centres of points 36–41 and 42–47 (pixels).</summary>
    public static double PupilDistance(ReadOnlySpan<Vector2> groundTruth68)
    {
        Check68(groundTruth68);
        Vector2 r = default, l = default;
        for (int i = 36; i < 42; i++) r += groundTruth68[i];
        for (int i = 42; i < 48; i++) l += groundTruth68[i];
        return Vector2.Distance(r / 6, l / 6);
    }

    /// <summary>sqrt(w · h) of the tight box of the points (pixels): the AFLW2000-3D / 3DDFA normaliser.</summary>
    public static double BoxSize(ReadOnlySpan<Vector2> groundTruth)
    {
        float x0 = float.MaxValue, y0 = float.MaxValue, x1 = float.MinValue, y1 = float.MinValue;
        foreach (var g in groundTruth) { x0 = MathF.Min(x0, g.X); y0 = MathF.Min(y0, g.Y); x1 = MathF.Max(x1, g.X); y1 = MathF.Max(y1, g.Y); }
        return groundTruth.IsEmpty ? 0 : Math.Sqrt((double)(x1 - x0) * (y1 - y0));
    }

    /// <summary>Mean point-to-point error (pixels) of <paramref name="predicted"/> against <paramref name="groundTruth"/> (same length).</summary>
    public static double MeanError(ReadOnlySpan<Vector2> predicted, ReadOnlySpan<Vector2> groundTruth, string sample)
    {
        if (predicted.Length != groundTruth.Length || predicted.IsEmpty)
            throw new InvalidInputException(sample, $"{predicted.Length} predicted and {groundTruth.Length} ground-truth points");
        double sum = 0;
        for (int i = 0; i < predicted.Length; i++) sum += Vector2.Distance(predicted[i], groundTruth[i]);
        double mean = sum / predicted.Length;
        if (!double.IsFinite(mean)) throw new InvalidInputException(sample, "a predicted or ground-truth point is not finite");
        return mean;
    }

    /// <summary>NME: <see cref="MeanError"/> / <paramref name="normaliser"/> (a fraction; multiply by 100 for percent).</summary>
    /// <exception cref="InvalidInputException">The normaliser is not a positive finite number, naming <paramref name="sample"/>.</exception>
    public static double Nme(ReadOnlySpan<Vector2> predicted, ReadOnlySpan<Vector2> groundTruth, double normaliser, string sample)
    {
        if (!(normaliser > 1e-9) || !double.IsFinite(normaliser))
            throw new InvalidInputException(sample, $"normaliser {normaliser} is degenerate (coincident ground-truth points?)");
        return MeanError(predicted, groundTruth, sample) / normaliser;
    }

    /// <summary>Failure rate: the fraction of samples whose NME exceeds <paramref name="threshold"/> (FR@10 % by default).</summary>
    public static double FailureRate(IReadOnlyCollection<double> nmes, double threshold = 0.1)
        => nmes.Count == 0 ? throw new InvalidInputException("nmes", "no samples") : nmes.Count(e => e > threshold) / (double)nmes.Count;

    /// <summary>
    /// Area under the cumulative error distribution up to <paramref name="threshold"/>, normalised to [0, 1]
    /// (AUC@10 % by default): the exact integral of the step CED curve, ∫₀ᵗ F(e) de / t.
    /// </summary>
    public static double Auc(IReadOnlyCollection<double> nmes, double threshold = 0.1)
    {
        if (nmes.Count == 0) throw new InvalidInputException("nmes", "no samples");
        if (!(threshold > 0)) throw new InvalidInputException(nameof(threshold), $"{threshold} must be positive");
        // F(e) steps up by 1/n at each error; ∫₀ᵗ F = Σ_i max(0, t − e_i) / n
        double s = 0;
        foreach (var e in nmes) if (e < threshold) s += threshold - e;
        return s / nmes.Count / threshold;
    }

    /// <summary>Cumulative error distribution: for each threshold, the fraction of samples with NME ≤ it.</summary>
    public static double[] Ced(IReadOnlyCollection<double> nmes, ReadOnlySpan<double> thresholds)
    {
        var sorted = nmes.Order().ToArray();
        var f = new double[thresholds.Length];
        for (int i = 0; i < thresholds.Length; i++)
        {
            int idx = Array.BinarySearch(sorted, thresholds[i]);
            if (idx < 0) idx = ~idx; else { while (idx < sorted.Length && sorted[idx] <= thresholds[i]) idx++; }
            f[i] = sorted.Length == 0 ? 0 : idx / (double)sorted.Length;
        }
        return f;
    }

    static void Check68(ReadOnlySpan<Vector2> g)
    {
        if (g.Length != 68) throw new InvalidInputException("landmarks", $"{g.Length} points given, the iBUG 68 layout needs 68");
    }
}
