using System.Numerics;

namespace DenseFace.Evaluation.Metrics;

/// <summary>
/// Temporal stability of landmark sequences (frames × points, pixels). Velocity error as in Chandran et al.,
/// "Infinite 3D Landmarks" (2023): the mean over frames t ≥ 1 and points k of |(p_t,k − p_t−1,k) − (g_t,k − g_t−1,k)|,
/// normalised per frame pair by the normaliser of frame t (e.g. inter-ocular distance or sqrt(w·h) of the box); a
/// tracker that follows the truth exactly, or is off by a constant, scores 0. For unlabelled clips, acceleration
/// jitter: the mean |p_t+1 − 2 p_t + p_t−1| (second difference, normalised the same way); 0 for a still or uniformly
/// moving face, so it measures shake, not motion (<see cref="TemporalJitter"/>, which the tracker's summary uses too).
/// </summary>
public static class TemporalMetrics
{
    /// <summary>The velocity error (a fraction of the normaliser).</summary>
    /// <exception cref="InvalidInputException">Fewer than 2 frames, mismatched lengths, a degenerate normaliser or a non-finite point, naming <paramref name="sequence"/> and the frame.</exception>
    public static double VelocityError(IReadOnlyList<Vector2[]> predicted, IReadOnlyList<Vector2[]> groundTruth, IReadOnlyList<double> normalisers, string sequence)
    {
        Check(predicted, normalisers, 2, sequence);
        if (groundTruth.Count != predicted.Count) throw new InvalidInputException(sequence, $"{predicted.Count} predicted and {groundTruth.Count} ground-truth frames");
        double sum = 0; long n = 0;
        for (int t = 1; t < predicted.Count; t++)
        {
            var (p0, p1, g0, g1) = (predicted[t - 1], predicted[t], groundTruth[t - 1], groundTruth[t]);
            if (g0.Length != p0.Length || g1.Length != p1.Length) throw new InvalidInputException(sequence, $"frame {t}: predicted and ground-truth point counts differ");
            for (int k = 0; k < p1.Length; k++) sum += Vector2.Distance(p1[k] - p0[k], g1[k] - g0[k]) / normalisers[t];
            n += p1.Length;
        }
        return Finite(sum / n, sequence);
    }

    /// <summary>
    /// The acceleration jitter (a fraction of the normaliser) of a complete sequence: <see cref="TemporalJitter.PointAcceleration"/>
    /// (which also takes sequences with gaps) after checking that every frame has points and a usable normaliser, so the
    /// answer is never NaN.
    /// </summary>
    /// <exception cref="InvalidInputException">Fewer than 3 frames, mismatched lengths, a degenerate normaliser or a non-finite point.</exception>
    public static double Jitter(IReadOnlyList<Vector2[]> predicted, IReadOnlyList<double> normalisers, string sequence)
    {
        Check(predicted, normalisers, 3, sequence);
        return Finite(TemporalJitter.PointAcceleration(predicted, normalisers.Select(n => (float)n).ToArray()), sequence);
    }

    static void Check(IReadOnlyList<Vector2[]> frames, IReadOnlyList<double> normalisers, int minFrames, string sequence)
    {
        if (frames.Count < minFrames) throw new InvalidInputException(sequence, $"{frames.Count} frames; at least {minFrames} are needed");
        if (normalisers.Count != frames.Count) throw new InvalidInputException(sequence, $"{frames.Count} frames and {normalisers.Count} normalisers");
        for (int t = 0; t < frames.Count; t++)
        {
            if (frames[t].Length != frames[0].Length || frames[t].Length == 0) throw new InvalidInputException(sequence, $"frame {t} has {frames[t].Length} points, frame 0 {frames[0].Length}");
            if (!(normalisers[t] > 1e-9) || !double.IsFinite(normalisers[t])) throw new InvalidInputException(sequence, $"frame {t}: normaliser {normalisers[t]} is degenerate");
        }
    }

    static double Finite(double v, string sequence) => double.IsFinite(v) ? v : throw new InvalidInputException(sequence, "a point is not finite");
}
