using System.Numerics;

namespace DenseFace.Evaluation.Metrics;

/// <summary>
/// Jitter of a sequence without ground truth: the mean magnitude of the second difference
/// |x(t+1) − 2 x(t) + x(t−1)| (frame-to-frame acceleration) over every run of three consecutive frames that all have a
/// value (null = no value, e.g. no face found). A steady track has none; noise of standard deviation s per frame
/// gives about √6 · s (scalar values) for independent noise.
/// </summary>
public static class TemporalJitter
{
    /// <summary>
    /// Mean second-difference length of 2D points (every point of every valid triple), each divided by that frame's
    /// <paramref name="scale"/> (e.g. sqrt(w·h) of the face box; null = pixels). NaN when no triple exists.
    /// </summary>
    /// <exception cref="InvalidInputException">Frames with different point counts, or a non-positive scale.</exception>
    public static double PointAcceleration(IReadOnlyList<Vector2[]?> frames, IReadOnlyList<float>? scale = null)
    {
        ArgumentNullException.ThrowIfNull(frames);
        if (scale is not null && scale.Count != frames.Count) throw new InvalidInputException("scale", $"has {scale.Count} entries for {frames.Count} frames");
        double sum = 0; long n = 0;
        for (int t = 1; t + 1 < frames.Count; t++)
        {
            if (frames[t - 1] is not { } a || frames[t] is not { } b || frames[t + 1] is not { } c) continue;
            if (a.Length != b.Length || b.Length != c.Length) throw new InvalidInputException($"frame {t}", $"point counts {a.Length}, {b.Length}, {c.Length} differ across frames {t - 1} to {t + 1}");
            float s = scale?[t] ?? 1f;
            if (!(s > 0 && float.IsFinite(s))) throw new InvalidInputException($"frame {t}", $"scale {s} is not positive");
            for (int k = 0; k < b.Length; k++) { sum += (c[k] - 2 * b[k] + a[k]).Length() / s; n++; }
        }
        return n > 0 ? sum / n : double.NaN;
    }

    /// <summary>Mean absolute second difference of scalar tracks (every component of every valid triple). NaN when no triple exists.</summary>
    /// <exception cref="InvalidInputException">Frames with different lengths.</exception>
    public static double ValueAcceleration(IReadOnlyList<float[]?> frames)
    {
        ArgumentNullException.ThrowIfNull(frames);
        double sum = 0; long n = 0;
        for (int t = 1; t + 1 < frames.Count; t++)
        {
            if (frames[t - 1] is not { } a || frames[t] is not { } b || frames[t + 1] is not { } c) continue;
            if (a.Length != b.Length || b.Length != c.Length) throw new InvalidInputException($"frame {t}", $"value counts {a.Length}, {b.Length}, {c.Length} differ across frames {t - 1} to {t + 1}");
            for (int k = 0; k < b.Length; k++) { sum += Math.Abs(c[k] - 2 * b[k] + a[k]); n++; }
        }
        return n > 0 ? sum / n : double.NaN;
    }
}
