using System.Numerics;
using DenseFace.Detection;
using DenseFace.FaceModel;
using DenseFace.Fitting;
using DenseFace.Landmarks;

namespace DenseFace.Pipeline;

/// <summary>
/// The 3DMM fitted to 68 annotated iBUG points (300-W's 2D convention: the jaw points follow the visible silhouette,
/// so they slide along the jaw contour, <see cref="FittingLayout.Ibug68"/>) with one σ for every point: the route for
/// photos that come with human landmarks instead of the landmark network. Not thread-safe (one per thread).
/// </summary>
public sealed class AnnotationFitter
{
    /// <summary>The fitter (iBUG 68 layout).</summary>
    public FaceFitter Fitter { get; }

    /// <summary>Creates a fitter of the iBUG 68 layout (sliding jaw contour unless <paramref name="slidingContour"/> is false).</summary>
    public AnnotationFitter(MorphableModel model, bool slidingContour = true, FitOptions? options = null)
        : this(new FaceFitter(model, FittingLayout.Ibug68(model, slidingContour), options)) { }

    /// <summary>Wraps an existing fitter of a 68-point layout.</summary>
    /// <exception cref="InvalidInputException">The fitter's layout does not have 68 points.</exception>
    public AnnotationFitter(FaceFitter fitter)
    {
        ArgumentNullException.ThrowIfNull(fitter);
        if (fitter.Layout.Count != 68) throw new InvalidInputException("fitter", $"layout '{fitter.Layout.Name}' has {fitter.Layout.Count} points; annotation fits use the 68 iBUG points");
        Fitter = fitter;
    }

    /// <summary>
    /// Fits <paramref name="points"/> (68, iBUG order, 0-based pixel centres) of a <paramref name="width"/> ×
    /// <paramref name="height"/> photo, each with standard deviation <paramref name="sigmaPx"/>; the focal length is
    /// estimated unless given. The face's landmarks are the annotation itself (σ as given, visibility 1).
    /// </summary>
    /// <exception cref="InvalidInputException">Not 68 points, non-finite or degenerate points, a bad size, σ or focal length.</exception>
    public ReconstructedFace Fit(ReadOnlySpan<Vector2> points, int width, int height, float sigmaPx = 2f, float? focalPx = null)
    {
        if (points.Length != 68) throw new InvalidInputException("annotation", $"has {points.Length} points; expected the 68 iBUG points");
        var obs = new Landmark2D[68];
        var lm = new PredictedLandmark[68];
        for (int k = 0; k < 68; k++) { obs[k] = new Landmark2D(points[k].X, points[k].Y, sigmaPx); lm[k] = new PredictedLandmark(points[k].X, points[k].Y, sigmaPx, 1); }
        var fit = Fitter.FitImage(obs, new CameraSpec(width, height, focalPx));
        var box = FaceBox.Tight(points).ToRectangle();
        var landmarks = new FaceLandmarks("ibug68", lm, lm, FaceRoi.FromLandmarks68(points, 1.6f), 0);
        return ReconstructedFace.FromFit(box, 1, landmarks, fit);
    }
}
