namespace DenseFace.Fitting;

/// <summary>
/// Weights and solver settings of the landmark energy (Wood et al. 2022, eq. 3–6):
/// <code>
///   E = Σ_ijk ‖x_ijk − μ_ijk‖² / (2 σ_ijk²)  +  w_id ‖β‖²  +  w_exp Σ_i ‖ψ_i‖²  +  w_t Σ_i,k ‖x_i,k − x_(i−1),k‖²
/// </code>
/// with x the projections in pixels (the temporal term uses the first camera). Defaults were chosen on the
/// synthetic benchmark (<c>DenseFace.Training.Fitting.FitBenchmark</c>, <c>bench fit</c>: 12 random faces, σ = 1.5 px, median face-vertex error in mm /
/// mean |ψ error|): w_id ∈ {0.1, 0.5, 1, 3} gave 4.09 / 2.99 / 2.60 / 2.73 mm on ibug68 and 1.62 / 1.59 / 1.66 /
/// 1.81 mm on dense320, so w_id = 1; w_exp ∈ {0.1, 0.3, 1, 3} left the vertex error flat (±0.1 mm) and gave
/// expression errors 0.150 / 0.132 / 0.100 / 0.076 (ibug68) and 0.094 / 0.082 / 0.067 / 0.053 (dense320), so
/// w_exp = 3. w_t = 0.01 per px² tracked a turning head better than 0.1 (which lagged: 4.9° vs 1.8° median pose
/// error on ibug68) and no worse than 0.001. The expression sparsity threshold 1e-2 cm (0.1 mm per unit weight)
/// keeps 18 of 53 expressions per landmark (1e-4 cm: 30) with unchanged errors.
/// </summary>
public sealed record FitOptions
{
    /// <summary>w_id: weight of the identity prior ‖β‖² (ICT identity modes are ~N(0, 1)).</summary>
    public double IdentityWeight { get; init; } = 1.0;
    /// <summary>w_exp: weight of the expression prior ‖ψ‖² (ψ ∈ [0, 1] enforced by projection).</summary>
    public double ExpressionWeight { get; init; } = 3.0;
    /// <summary>w_t: weight of the temporal term, per squared pixel, between neighbouring frames.</summary>
    public double TemporalWeight { get; init; } = 0.01;
    /// <summary>
    /// Identity modes optimised (the first K of the model's 100). 60 by measurement: on 12 synthetic faces whose β
    /// uses all 100 modes, K = 100 / 60 / 40 gave 2.63 / 2.55 / 2.59 mm (ibug68) and 1.69 / 1.68 / 1.97 mm (dense320)
    /// median face-vertex error, with K = 60 about twice as fast as 100 (the identity block dominates the cost).
    /// </summary>
    public int IdentityModes { get; init; } = 60;
    /// <summary>An expression shape moves a landmark only if one of its delta components exceeds this (cm); others are dropped from that landmark's Jacobian.</summary>
    public float ExpressionSparsityThreshold { get; init; } = 1e-2f;
    /// <summary>Maximum Levenberg–Marquardt iterations of one solve (accepted or rejected steps).</summary>
    public int MaxIterations { get; init; } = 60;
    /// <summary>Stop when an accepted step lowers the energy by less than this fraction.</summary>
    public double RelativeTolerance { get; init; } = 1e-4;
    /// <summary>Rounds of contour re-picking (sliding landmarks); the iterations are split between rounds.</summary>
    public int ContourRounds { get; init; } = 3;
    /// <summary>Focal lengths tried for an unknown camera, as multiples of max(width, height); the best energy after a rigid fit wins.</summary>
    public IReadOnlyList<double> FocalSweep { get; init; } = [1.0, 1.6, 2.5, 4.0, 6.0];
    /// <summary>Tracking: every this many frames a keyframe is stored and the identity refitted (0 = never) ...</summary>
    public int TrackingIdentityInterval { get; init; } = 20;
    /// <summary>... together with the focal length (when unknown) and the keyframes' poses, on up to this many most recent keyframes (expressions held fixed).</summary>
    public int TrackingIdentityWindow { get; init; } = 4;
    /// <summary>Tracking: LM iterations per frame (warm-started; 2 and 3 gave the same errors on dense500, 1.27° vs 1.29° median pose).</summary>
    public int TrackingIterations { get; init; } = 2;

    internal void Validate()
    {
        static void Check(bool ok, string what) { if (!ok) throw new InvalidInputException("fit options", what); }
        Check(double.IsFinite(IdentityWeight) && IdentityWeight >= 0, $"IdentityWeight {IdentityWeight} must be finite and >= 0");
        Check(double.IsFinite(ExpressionWeight) && ExpressionWeight >= 0, $"ExpressionWeight {ExpressionWeight} must be finite and >= 0");
        Check(double.IsFinite(TemporalWeight) && TemporalWeight >= 0, $"TemporalWeight {TemporalWeight} must be finite and >= 0");
        Check(IdentityModes is >= 0 and <= 100, $"IdentityModes {IdentityModes} must be in 0..100");
        Check(float.IsFinite(ExpressionSparsityThreshold) && ExpressionSparsityThreshold >= 0, "ExpressionSparsityThreshold must be finite and >= 0");
        Check(MaxIterations is >= 1 and <= 10_000, $"MaxIterations {MaxIterations} must be in 1..10000");
        Check(double.IsFinite(RelativeTolerance) && RelativeTolerance >= 0, "RelativeTolerance must be finite and >= 0");
        Check(ContourRounds is >= 1 and <= 100, $"ContourRounds {ContourRounds} must be in 1..100");
        Check(FocalSweep is { Count: > 0 and <= 64 } && FocalSweep.All(f => double.IsFinite(f) && f > 0), "FocalSweep needs 1..64 positive finite factors");
        Check(TrackingIdentityInterval >= 0, "TrackingIdentityInterval must be >= 0");
        Check(TrackingIdentityWindow is >= 1 and <= 256, "TrackingIdentityWindow must be in 1..256");
        Check(TrackingIterations is >= 1 and <= 1000, "TrackingIterations must be in 1..1000");
    }
}

/// <summary>
/// One camera of a fit: image size in pixels, focal length in pixels (null = unknown, optimised), principal point
/// (null = image centre ((W−1)/2, (H−1)/2)), and for extra views the rigid transform from the first camera's
/// frame to this camera's (OpenCV axes, cm; null = unknown, optimised; ignored for the first camera).
/// </summary>
public sealed record CameraSpec(int Width, int Height, float? FocalPx = null, float? Cx = null, float? Cy = null, Geometry.RigidTransform? FromFirstCamera = null)
{
    internal void Validate(string name)
    {
        if (Width <= 0 || Height <= 0) throw new InvalidInputException(name, $"image size {Width}x{Height} must be positive");
        Imaging.Image8.Validate(Width, Height, 3, name);
        if (FocalPx is float f && (!float.IsFinite(f) || f <= 0)) throw new InvalidInputException(name, $"focal length {f} px must be positive and finite");
        if (Cx is float cx && !float.IsFinite(cx)) throw new InvalidInputException(name, "principal point x is not finite");
        if (Cy is float cy && !float.IsFinite(cy)) throw new InvalidInputException(name, "principal point y is not finite");
    }
}
