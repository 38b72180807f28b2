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

    /// <summary>
    /// Mean point-to-point error (pixels) over the points with <paramref name="labelled"/> true (AFLW's 21 points have
    /// unlabelled ones); all three spans have the same length.
    /// </summary>
    /// <exception cref="InvalidInputException">Lengths differ, no point is labelled, or a labelled point is not finite; naming <paramref name="sample"/>.</exception>
    public static double MeanError(ReadOnlySpan<Vector2> predicted, ReadOnlySpan<Vector2> groundTruth, ReadOnlySpan<bool> labelled, string sample)
    {
        if (predicted.Length != groundTruth.Length || labelled.Length != groundTruth.Length)
            throw new InvalidInputException(sample, $"{predicted.Length} predicted, {groundTruth.Length} ground-truth points and {labelled.Length} labels");
        double sum = 0; int n = 0;
        for (int i = 0; i < predicted.Length; i++)
            if (labelled[i]) { sum += Vector2.Distance(predicted[i], groundTruth[i]); n++; }
        if (n == 0) throw new InvalidInputException(sample, "no labelled ground-truth point");
        double mean = sum / n;
        if (!double.IsFinite(mean)) throw new InvalidInputException(sample, "a predicted or ground-truth point is not finite");
        return mean;
    }

    /// <summary>NME over the labelled points only: <see cref="MeanError(ReadOnlySpan{Vector2}, ReadOnlySpan{Vector2}, ReadOnlySpan{bool}, string)"/> / <paramref name="normaliser"/>.</summary>
    public static double Nme(ReadOnlySpan<Vector2> predicted, ReadOnlySpan<Vector2> groundTruth, ReadOnlySpan<bool> labelled, double normaliser, string sample)
    {
        CheckNormaliser(normaliser, sample);
        return MeanError(predicted, groundTruth, labelled, sample) / normaliser;
    }

    /// <summary>
    /// Per-landmark errors |p_k − g_k| / <paramref name="normaliser"/> of one sample (a fraction per point; pass 1 for pixels),
    /// written to <paramref name="errors"/>; average them over samples for the per-landmark error (<see cref="MeanPerLandmark"/>).
    /// </summary>
    public static void PointErrors(ReadOnlySpan<Vector2> predicted, ReadOnlySpan<Vector2> groundTruth, double normaliser, string sample, Span<double> errors)
    {
        CheckNormaliser(normaliser, sample);
        if (predicted.Length != groundTruth.Length || errors.Length != groundTruth.Length || predicted.IsEmpty)
            throw new InvalidInputException(sample, $"{predicted.Length} predicted, {groundTruth.Length} ground-truth points and {errors.Length} outputs");
        for (int k = 0; k < predicted.Length; k++)
        {
            double e = Vector2.Distance(predicted[k], groundTruth[k]) / normaliser;
            if (!double.IsFinite(e)) throw new InvalidInputException(sample, $"point {k} is not finite");
            errors[k] = e;
        }
    }

    /// <summary>Per-landmark error: the mean over samples of each point's error (<see cref="PointErrors"/> rows of equal length).</summary>
    public static double[] MeanPerLandmark(IReadOnlyList<double[]> perSample)
    {
        if (perSample.Count == 0) throw new InvalidInputException("per-landmark errors", "no samples");
        var mean = new double[perSample[0].Length];
        foreach (var row in perSample)
        {
            if (row.Length != mean.Length) throw new InvalidInputException("per-landmark errors", $"rows of {row.Length} and {mean.Length} points");
            for (int k = 0; k < mean.Length; k++) mean[k] += row[k];
        }
        for (int k = 0; k < mean.Length; k++) mean[k] /= perSample.Count;
        return mean;
    }

    /// <summary>NME: <see cref="MeanError(ReadOnlySpan{Vector2}, ReadOnlySpan{Vector2}, string)"/> / <paramref name="normaliser"/> (a fraction; multiply by 100 for percent).</summary>
    /// <exception cref="InvalidInputException">The normaliser is not a positive finite number, naming <paramref name="sample"/>.</exception>
    public static double Nme(ReadOnlySpan<Vector2> predicted, ReadOnlySpan<Vector2> groundTruth, double normaliser, string sample)
    {
        CheckNormaliser(normaliser, sample);
        return MeanError(predicted, groundTruth, sample) / normaliser;
    }

    /// <summary>
    /// The 300-W inter-ocular NME of a 68-point prediction: <see cref="Nme(ReadOnlySpan{Vector2}, ReadOnlySpan{Vector2}, double, string)"/>
    /// normalised by <see cref="OuterEyeCornerDistance"/> of the ground truth.
    /// </summary>
    public static double NmeInterOcular(ReadOnlySpan<Vector2> predicted68, ReadOnlySpan<Vector2> groundTruth68, string sample)
        => Nme(predicted68, groundTruth68, OuterEyeCornerDistance(groundTruth68), sample);

    /// <summary>The AFLW2000-3D / 3DDFA NME: normalised by <see cref="BoxSize"/> (sqrt(w·h) of the ground-truth box).</summary>
    public static double NmeBox(ReadOnlySpan<Vector2> predicted, ReadOnlySpan<Vector2> groundTruth, string sample)
        => Nme(predicted, groundTruth, BoxSize(groundTruth), sample);

    /// <summary>Mean of the per-group means (the "balanced" NME of AFLW2000-3D's yaw bins); empty groups are an error.</summary>
    public static double MeanOfMeans(IEnumerable<IReadOnlyCollection<double>> groups)
    {
        var means = new List<double>();
        foreach (var g in groups)
        {
            if (g.Count == 0) throw new InvalidInputException("groups", "an empty group has no mean");
            means.Add(g.Average());
        }
        return means.Count == 0 ? throw new InvalidInputException("groups", "no groups") : means.Average();
    }

    static void CheckNormaliser(double normaliser, string sample)
    {
        if (!(normaliser > 1e-9) || !double.IsFinite(normaliser))
            throw new InvalidInputException(sample, $"normaliser {normaliser} is degenerate (coincident ground-truth points?)");
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
