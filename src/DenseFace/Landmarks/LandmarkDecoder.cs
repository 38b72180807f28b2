using System.Numerics;

namespace DenseFace.Landmarks;

/// <summary>
/// Turns one face's network output (<see cref="LandmarkHead"/> layout, normalised ROI coordinates) into image
/// points, and merges a horizontally flipped pass (test-time flip averaging).
/// </summary>
internal static class LandmarkDecoder
{
    /// <summary>
    /// Decodes <paramref name="output"/> (length <see cref="LandmarkHead.OutputCount"/>) predicted on ROI
    /// <paramref name="roi"/> into <paramref name="dense"/> (L points) and <paramref name="ibug68"/> (68 points),
    /// image pixels. Allocates nothing.
    /// </summary>
    public static void Decode(ReadOnlySpan<float> output, in LandmarkHead head, in FaceRoi roi, Span<PredictedLandmark> dense, Span<PredictedLandmark> ibug68)
    {
        if (output.Length < head.OutputCount) throw new ArgumentException($"output has {output.Length} values, {head.OutputCount} expected");
        if (dense.Length < head.DensePoints || ibug68.Length < LandmarkHead.Ibug68) throw new ArgumentException("destination too short");
        for (int k = 0; k < head.DensePoints; k++)
        {
            int o = head.Dense(k);
            dense[k] = Point(output[o], output[o + 1], output[o + 2], Sigmoid(output[head.Visibility(k)]), roi);
        }
        for (int k = 0; k < LandmarkHead.Ibug68; k++)
        {
            int o = head.Ibug(k);
            ibug68[k] = Point(output[o], output[o + 1], output[o + 2], 1f, roi);
        }
    }

    /// <summary>
    /// Maps the output of a pass on the horizontally mirrored crop back onto the unmirrored crop, in place
    /// semantics into <paramref name="destination"/>: x → −x and point k takes the value of its mirror partner
    /// (<paramref name="denseMirror"/> for the dense layout, <paramref name="ibugMirror"/> for the 68).
    /// </summary>
    public static void Unflip(ReadOnlySpan<float> flipped, in LandmarkHead head, ReadOnlySpan<int> denseMirror, ReadOnlySpan<int> ibugMirror, Span<float> destination)
    {
        for (int k = 0; k < head.DensePoints; k++)
        {
            int src = head.Dense(denseMirror[k]), dst = head.Dense(k);
            destination[dst] = -flipped[src]; destination[dst + 1] = flipped[src + 1]; destination[dst + 2] = flipped[src + 2];
            destination[head.Visibility(k)] = flipped[head.Visibility(denseMirror[k])];
        }
        for (int k = 0; k < LandmarkHead.Ibug68; k++)
        {
            int src = head.Ibug(ibugMirror[k]), dst = head.Ibug(k);
            destination[dst] = -flipped[src]; destination[dst + 1] = flipped[src + 1]; destination[dst + 2] = flipped[src + 2];
        }
    }

    static PredictedLandmark Point(float u, float v, float s, float visibility, in FaceRoi roi)
    {
        var p = roi.ToImage(new Vector2(u, v));
        float sigma = roi.ToPixels(MathF.Exp(Math.Clamp(s, -LandmarkHead.MaxAbsLogSigma, LandmarkHead.MaxAbsLogSigma)));
        return new PredictedLandmark(p.X, p.Y, sigma, visibility);
    }

    /// <summary>Logistic function, finite for any input.</summary>
    public static float Sigmoid(float x) => x >= 0 ? 1f / (1f + MathF.Exp(-x)) : MathF.Exp(x) / (1f + MathF.Exp(x));
}
