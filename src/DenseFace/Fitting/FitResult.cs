using DenseFace.Geometry;

namespace DenseFace.Fitting;

/// <summary>One frame of a fit: head pose (model → first camera, OpenCV axes, cm) and expression weights ψ ∈ [0, 1] (model order, ARKit names).</summary>
public sealed record FrameFit(RigidTransform Pose, float[] Expression)
{
    /// <summary>(yaw, pitch, roll) in degrees, conventions of <see cref="RigidTransform"/>.</summary>
    public (float Yaw, float Pitch, float Roll) HeadPoseDegrees => Pose.ToHeadPoseDegrees();
}

/// <summary>
/// Result of a fit: identity β (shared), per-frame poses and expressions, the cameras (focal in px, principal
/// point, transform from the first camera), the energy terms at the solution, and reprojection statistics.
/// </summary>
public sealed record FitResult
{
    /// <summary>Identity coefficients β (length = model identity count; modes beyond <see cref="FitOptions.IdentityModes"/> are 0).</summary>
    public required float[] Identity { get; init; }
    /// <summary>Per-frame pose and expression.</summary>
    public required IReadOnlyList<FrameFit> Frames { get; init; }
    /// <summary>Fitted cameras (<see cref="PinholeCamera.Fx"/> = Fy = focal length).</summary>
    public required IReadOnlyList<PinholeCamera> Cameras { get; init; }
    /// <summary>Transform from the first camera frame to camera j (identity for j = 0), cm.</summary>
    public required IReadOnlyList<RigidTransform> CameraFromFirst { get; init; }
    /// <summary>Landmark term Σ ‖x − μ‖² / (2σ²).</summary>
    public double LandmarkEnergy { get; init; }
    /// <summary>Identity prior w_id ‖β‖² at the solution.</summary>
    public double IdentityEnergy { get; init; }
    /// <summary>Expression prior w_exp Σ_i ‖ψ_i‖² at the solution.</summary>
    public double ExpressionEnergy { get; init; }
    /// <summary>Temporal term w_t Σ ‖x_i,k − x_(i−1),k‖² at the solution (0 for a single image).</summary>
    public double TemporalEnergy { get; init; }
    /// <summary>Root mean square reprojection error over all landmarks, pixels.</summary>
    public double RmsReprojectionPx { get; init; }
    /// <summary>Per landmark reprojection errors in pixels, frame-major then camera then landmark.</summary>
    public required float[] ReprojectionErrorsPx { get; init; }
    /// <summary>Fitted landmark projections in pixels (sliding landmarks at their chosen contour vertex), same order as <see cref="ReprojectionErrorsPx"/>.</summary>
    public required System.Numerics.Vector2[] ProjectedLandmarksPx { get; init; }
    /// <summary>LM iterations spent (all stages).</summary>
    public int Iterations { get; init; }
}
