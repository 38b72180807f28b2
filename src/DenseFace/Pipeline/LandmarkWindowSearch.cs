using System.Drawing;
using System.Numerics;
using DenseFace.Detection;
using DenseFace.Imaging;
using DenseFace.Landmarks;

namespace DenseFace.Pipeline;

/// <summary>
/// Face localisation by the landmark network itself, for faces the detector misses (mostly profiles beyond 60° of yaw):
/// the network runs once on each window of a coarse grid (box sides <see cref="Scales"/> × the image's short side,
/// windows overlapping by half), and the window whose 68 points it is surest of — the lowest median σ relative to the ROI
/// side — wins when that σ is below <see cref="MaxRelativeSigma"/> (Chandran et al.'s built-in localisation by
/// uncertainty; Wood et al. track the same way). The winner's 68 points give the tight face box. Thread-safe.
/// </summary>
public sealed class LandmarkWindowSearch
{
    readonly LandmarkPredictor _predictor;
    static readonly PredictionOptions OnePass = new() { Passes = 1 };

    /// <summary>Window box sides as fractions of the image's short side.</summary>
    public IReadOnlyList<float> Scales { get; }
    /// <summary>Accept the best window only when its median 68-point σ is below this fraction of the ROI side.</summary>
    public float MaxRelativeSigma { get; }

    /// <summary>A search with <paramref name="predictor"/> over box sides <paramref name="scales"/> (default 0.8, 0.55, 0.38 of the short side).</summary>
    /// <exception cref="InvalidInputException">A scale outside (0, 1] or a threshold outside (0, 1).</exception>
    public LandmarkWindowSearch(LandmarkPredictor predictor, IReadOnlyList<float>? scales = null, float maxRelativeSigma = 0.03f)
    {
        ArgumentNullException.ThrowIfNull(predictor);
        scales ??= [0.8f, 0.55f, 0.38f];
        if (scales.Count == 0 || scales.Any(s => !(s > 0 && s <= 1))) throw new InvalidInputException("window scales", "each must be in (0, 1]");
        if (!(maxRelativeSigma > 0 && maxRelativeSigma < 1)) throw new InvalidInputException("maximum relative sigma", $"{maxRelativeSigma} is outside (0, 1)");
        _predictor = predictor; Scales = scales; MaxRelativeSigma = maxRelativeSigma;
    }

    /// <summary>The windows searched for a <paramref name="width"/> × <paramref name="height"/> image (tight-box convention, pixels).</summary>
    public List<RectangleF> Windows(int width, int height)
    {
        var list = new List<RectangleF>();
        float shortSide = Math.Min(width, height);
        foreach (float s in Scales)
        {
            float side = s * shortSide, step = side / 2;
            for (float y = 0; y + side <= height + 0.5f; y += step)
                for (float x = 0; x + side <= width + 0.5f; x += step)
                    list.Add(new RectangleF(x, y, side, side));
        }
        return list;
    }

    /// <summary>
    /// Searches <paramref name="image"/> (RGB) for one face; returns its tight 68-point box and the winning window's
    /// relative σ, or null when no window is sure enough.
    /// </summary>
    public (RectangleF Box, float RelativeSigma)? Find(Image8 image)
    {
        ArgumentNullException.ThrowIfNull(image);
        float best = float.MaxValue; FaceLandmarks? winner = null;
        foreach (var w in Windows(image.Width, image.Height))
        {
            var lm = _predictor.Predict(image, w, OnePass);
            float rel = lm.MedianRelativeSigma68;
            if (rel < best) { best = rel; winner = lm; }
        }
        if (winner is null || !(best < MaxRelativeSigma)) return null;
        var p = new Vector2[68];
        for (int k = 0; k < 68; k++) p[k] = winner.Landmarks68[k].Position;
        return (FaceBox.Tight(p).ToRectangle(), best);
    }
}
