namespace DenseFace.Evaluation.Metrics;

/// <summary>Absolute head-pose errors (degrees) of one sample; <see cref="Mean"/> is the usual "MAE" of the three.</summary>
public readonly record struct PoseError(double Yaw, double Pitch, double Roll)
{
    /// <summary>(|Δyaw| + |Δpitch| + |Δroll|) / 3.</summary>
    public double Mean => (Yaw + Pitch + Roll) / 3;
}

/// <summary>
/// Head-pose error as in the AFLW2000-3D / BIWI pose benchmarks: per angle the absolute difference in degrees, wrapped to
/// [0, 180] (so 179° and −179° are 2° apart). Both poses must be in the same convention: convert AFLW2000-3D's
/// <c>Pose_Para</c> with <see cref="Datasets.Aflw2000Pose"/> first.
/// </summary>
public static class PoseMetrics
{
    /// <summary>|predicted − truth| per angle, wrapped (degrees).</summary>
    /// <exception cref="InvalidInputException">An angle is not finite, naming <paramref name="sample"/>.</exception>
    public static PoseError Error((double Yaw, double Pitch, double Roll) predicted, (double Yaw, double Pitch, double Roll) truth, string sample)
        => new(Wrap(predicted.Yaw - truth.Yaw, sample), Wrap(predicted.Pitch - truth.Pitch, sample), Wrap(predicted.Roll - truth.Roll, sample));

    /// <summary>
    /// The angle (degrees, in [0, 180]) of the rotation taking <paramref name="truth"/> to <paramref name="predicted"/>:
    /// the geodesic distance between two orientations, independent of any Euler convention.
    /// </summary>
    public static double RotationAngleDegrees(System.Numerics.Quaternion predicted, System.Numerics.Quaternion truth)
    {
        var d = System.Numerics.Quaternion.Normalize(predicted * System.Numerics.Quaternion.Conjugate(truth));
        return 2 * Math.Acos(Math.Min(1.0, Math.Abs((double)d.W))) * 180 / Math.PI;
    }

    /// <summary>The per-angle means over samples.</summary>
    public static PoseError Mean(IReadOnlyCollection<PoseError> errors)
        => errors.Count == 0 ? throw new InvalidInputException("pose errors", "no samples")
            : new(errors.Average(e => e.Yaw), errors.Average(e => e.Pitch), errors.Average(e => e.Roll));

    static double Wrap(double d, string sample)
    {
        if (!double.IsFinite(d)) throw new InvalidInputException(sample, $"pose angle difference {d} is not finite");
        d = Math.Abs(d % 360);
        return d > 180 ? 360 - d : d;
    }
}
