using System.Numerics;
using DenseFace.FaceModel;
using DenseFace.Fitting;
using DenseFace.Evaluation.Metrics;
using DenseFace.Geometry;

namespace DenseFace.Training.PseudoLabels;

/// <summary>
/// The ICT-FaceKit model fitted to a photo's 68 annotated iBUG points (<see cref="FaceFitter"/>, sliding jaw contour):
/// the fit, the posed vertex positions (model space, cm), the camera and the reprojection error normalised by
/// the inter-ocular distance (outer eye corners, points 36 and 45, 0-based) as in 300-W.
/// </summary>
public sealed record PhotoFit(FitResult Result, Vector3[] Positions, RigidTransform Pose, PinholeCamera Camera, double Nme)
{
    /// <summary>Head pose (yaw, pitch, roll) in degrees, <see cref="RigidTransform"/> conventions.</summary>
    public (float Yaw, float Pitch, float Roll) HeadPose => Pose.ToHeadPoseDegrees();

    /// <summary>
    /// Fits <paramref name="annotation"/> (68 points, 0-based pixel centres, iBUG order) of a
    /// <paramref name="width"/> × <paramref name="height"/> photo with standard deviation <paramref name="sigma"/> px.
    /// </summary>
    /// <exception cref="InvalidInputException">Not 68 points, non-finite or degenerate points (coincident outer eye corners), a bad size or sigma.</exception>
    public static PhotoFit Fit(FaceFitter fitter, ReadOnlySpan<Vector2> annotation, int width, int height, float sigma = 2f)
    {
        ArgumentNullException.ThrowIfNull(fitter);
        if (fitter.Layout.Count != 68) throw new InvalidInputException("fitter", $"layout '{fitter.Layout.Name}' has {fitter.Layout.Count} points; photo fits use the 68 iBUG points");
        if (annotation.Length != 68) throw new InvalidInputException("annotation", $"has {annotation.Length} points; expected the 68 iBUG points");
        var lms = new Landmark2D[68];
        for (int k = 0; k < 68; k++) lms[k] = new Landmark2D(annotation[k].X, annotation[k].Y, sigma);
        var r = fitter.FitImage(lms, new CameraSpec(width, height));
        var positions = fitter.Model.Evaluate(r.Identity, r.Frames[0].Expression);
        double nme = LandmarkMetrics.NmeInterOcular(r.ProjectedLandmarksPx, annotation, "annotation");
        return new PhotoFit(r, positions, r.Frames[0].Pose, r.Cameras[0], nme);
    }
}
