using System.Numerics;
using DenseFace.Geometry;

namespace DenseFace.Evaluation.Metrics;

/// <summary>
/// 3D reconstruction error: the mean vertex (or landmark) distance after aligning the prediction onto the ground truth
/// rigidly (Kabsch) or by a similarity (Umeyama), solved by <see cref="ShapeAlignment"/> (Horn's closed form).
/// </summary>
public static class ReconstructionMetrics
{
    /// <summary>
    /// Mean distance in mm between <paramref name="predicted"/> aligned onto <paramref name="groundTruth"/> and the ground
    /// truth, the inputs in units of <paramref name="unitsToMm"/> mm (10: centimetres, the model's unit).
    /// </summary>
    /// <exception cref="InvalidInputException">Mismatched or too few points, non-finite or coincident points; naming <paramref name="sample"/>.</exception>
    public static double ErrorMm(ReadOnlySpan<Vector3> predicted, ReadOnlySpan<Vector3> groundTruth, bool withScale, string sample, double unitsToMm = 10)
        => ShapeAlignment.MeanDistanceAfterAlignment(predicted, groundTruth, withScale, sample) * unitsToMm;
}
