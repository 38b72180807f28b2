using DenseFace.FaceModel;

namespace DenseFace.Fitting;

/// <summary>
/// The landmark energy of Wood et al. 2022 (sec. 3.2) for several frames seen by several cameras, assembled from its
/// parts, and its Gauss–Newton normal equations accumulated residual by residual without a dense Jacobian (sec. 3.3).
/// <para>
/// Residuals (E = ½ Σ r²): per frame i, camera j, landmark k the pair (x_ijk − μ_ijk) / σ_ijk (px / px) with x_ijk the
/// projection (<see cref="CameraModel"/>) of the landmark's basis point (<see cref="ContourCorrespondences"/>) of the
/// shape S(β, ψ_i) (<see cref="LandmarkShapeBasis"/>); the priors √(2 w_id) β and √(2 w_exp) ψ_i
/// (<see cref="ShapePriors"/>); and √(2 w_t) (x_i,0,k − x_(i−1),0,k) between neighbouring frames in camera 0, or
/// against a fixed previous-frame anchor when tracking (<see cref="TemporalTerm"/>).
/// </para>
/// <para>
/// Sparsity: each landmark keeps only its active expressions, so its pair of Jacobian rows has 6 (pose) + |β| + m_k
/// (+ focal, + extrinsics) non-zeros and its outer product costs O(n_k²); parameters are ordered by
/// <see cref="ParameterLayout"/> so every row's indices ascend (<see cref="NormalEquations"/>).
/// </para>
/// <para>
/// Updates (<see cref="ApplyStep"/>): β, t, f add; rotations update on SO(3); ψ is projected onto [0, 1] (projected
/// LM: a step is only accepted if the projected point lowers the energy); focal lengths may shrink to at most a fifth
/// per step and are projected onto their bounds (<see cref="SetFocalBounds"/>: a single view barely constrains focal
/// length against depth, and unbounded it can drift toward the orthographic limit).
/// </para>
/// Not thread-safe; the energy and accumulation passes allocate nothing.
/// </summary>
internal sealed class FitProblem
{
    /// <summary>Largest joint parameter count: the dense normal matrix and its factor take 2 × 8 n² bytes (64 MB at 2048).</summary>
    public const int MaxParameters = 2048;

    /// <summary>Identity modes optimised (the first of the model's).</summary>
    public int IdentityCount { get; }
    /// <summary>Expressions per frame (the model's).</summary>
    public int ExpressionCount { get; }
    /// <summary>Landmarks of the layout (per frame and camera).</summary>
    public int LandmarkCount { get; }
    /// <summary>Frames fitted jointly (one pose and expression each).</summary>
    public int FrameCount { get; }
    /// <summary>Cameras (one focal length and transform from the first camera each).</summary>
    public int CameraCount { get; }

    readonly Landmark2D[] _observations;   // per observation ((frame · cameras + camera) · landmarks + landmark)
    readonly double[] _inverseSigma;       // per observation: 1/σ (1/px)
    readonly ShapePriors _priors = new();
    readonly LandmarkShapeBasis _basis;
    readonly ContourCorrespondences _correspondences;
    readonly CameraModel _cameras;
    readonly TemporalTerm _temporal;
    readonly ParameterLayout _parameters;
    readonly NormalEquations _equations;

    /// <summary>The shape at the basis points.</summary>
    internal LandmarkShapeBasis Basis => _basis;
    /// <summary>Landmark ↔ basis point, with the sliding contour.</summary>
    internal ContourCorrespondences Correspondences => _correspondences;
    /// <summary>Principal points, focal bounds and the projection.</summary>
    internal CameraModel Cameras => _cameras;
    /// <summary>The temporal term.</summary>
    internal TemporalTerm Temporal => _temporal;
    /// <summary>Indices of the free parameters.</summary>
    internal ParameterLayout Parameters => _parameters;
    /// <summary>H = JᵀJ and g = Jᵀr with their workspaces.</summary>
    internal NormalEquations Equations => _equations;

    /// <summary>
    /// A problem for <paramref name="frames"/> × <paramref name="cameras"/> views of <paramref name="layout"/> with the
    /// first <paramref name="identityModes"/> identity modes; expression deltas at or below
    /// <paramref name="sparsityThreshold"/> (cm) are dropped per point.
    /// </summary>
    /// <exception cref="InvalidInputException">Fewer than one frame or camera, more than <see cref="MaxParameters"/> parameters, or too many observations.</exception>
    public FitProblem(MorphableModel model, FittingLayout layout, int identityModes, float sparsityThreshold, int frames, int cameras)
    {
        if (frames < 1 || cameras < 1) throw new InvalidInputException("fit", $"{frames} frames and {cameras} cameras; both must be at least 1");
        IdentityCount = identityModes; ExpressionCount = model.ExpressionCount; LandmarkCount = layout.Count; FrameCount = frames; CameraCount = cameras;
        long maxParameters = IdentityCount + 7L * cameras + (6L + ExpressionCount) * frames;
        if (maxParameters > MaxParameters) throw new InvalidInputException("fit", $"{frames} frames and {cameras} cameras give {maxParameters} parameters; the joint solver handles at most {MaxParameters} (about 30 frames; use tracking for long sequences)");
        if ((long)frames * cameras * LandmarkCount > 50_000_000) throw new InvalidInputException("fit", "too many observations");

        _correspondences = new ContourCorrespondences(layout, frames, cameras);
        _basis = new LandmarkShapeBasis(model, layout, _correspondences.CandidateVertices, identityModes, sparsityThreshold);
        _cameras = new CameraModel(cameras);
        _temporal = new TemporalTerm(LandmarkCount, frames);
        _parameters = new ParameterLayout(IdentityCount, ExpressionCount, frames, cameras);
        int observationCount = frames * cameras * LandmarkCount;
        _observations = new Landmark2D[observationCount];
        _inverseSigma = new double[observationCount];
        // a temporal pair's row: focal, then two frames' pose and expressions
        int maxRowNonZeros = 1 + 6 + 2 * (6 + ExpressionCount);
        _equations = new NormalEquations((int)maxParameters, IdentityCount, maxRowNonZeros);
    }

    /// <summary>w_id, the identity prior weight.</summary>
    public double IdentityWeight { get => _priors.IdentityWeight; set => _priors.IdentityWeight = value; }
    /// <summary>w_exp, the expression prior weight.</summary>
    public double ExpressionWeight { get => _priors.ExpressionWeight; set => _priors.ExpressionWeight = value; }
    /// <summary>w_t, the temporal term weight (per px²).</summary>
    public double TemporalWeight { get => _temporal.Weight; set => _temporal.Weight = value; }

    /// <summary>Number of free parameters n of the current <see cref="Configure"/>.</summary>
    public int ParameterCount => _parameters.Count;
    /// <summary>True when the identity β is optimised.</summary>
    public bool IdentityFree => _parameters.IdentityFree;
    /// <summary>H = JᵀJ (n × n row-major, upper triangle) after <see cref="Accumulate"/>; sized for the largest n.</summary>
    public double[] NormalMatrix => _equations.Matrix;
    /// <summary>g = Jᵀr (first n entries) after <see cref="Accumulate"/>.</summary>
    public double[] Gradient => _equations.Gradient;

    /// <summary>Average number of expressions kept per layout landmark (sparsity statistic).</summary>
    public double MeanActiveExpressions => _basis.MeanActiveExpressions;

    /// <summary>True when the layout has sliding contour landmarks.</summary>
    public bool HasContour => _correspondences.HasContour;

    /// <summary>A zero state (identity rotations) with this problem's dimensions.</summary>
    public FitState CreateState() => new(IdentityCount, ExpressionCount, FrameCount, CameraCount);

    int ObservationIndex(int frame, int camera, int landmark) => (frame * CameraCount + camera) * LandmarkCount + landmark;

    /// <summary>Sets the observed landmarks (px, σ in px; layout order) of <paramref name="frame"/> in <paramref name="camera"/>.</summary>
    public void SetObservations(int frame, int camera, ReadOnlySpan<Landmark2D> landmarks)
    {
        int start = ObservationIndex(frame, camera, 0);
        var dst = _observations.AsSpan(start, LandmarkCount);
        landmarks.CopyTo(dst);
        for (int k = 0; k < LandmarkCount; k++) _inverseSigma[start + k] = 1.0 / dst[k].Sigma;
    }

    /// <summary>The observation of landmark <paramref name="landmark"/> of <paramref name="frame"/> in <paramref name="camera"/>.</summary>
    public Landmark2D Observation(int frame, int camera, int landmark) => _observations[ObservationIndex(frame, camera, landmark)];

    /// <summary>Sets camera <paramref name="camera"/>'s principal point (px).</summary>
    public void SetPrincipalPoint(int camera, double cx, double cy) => _cameras.SetPrincipalPoint(camera, cx, cy);

    /// <summary>Range an optimised focal length is projected onto (px).</summary>
    public void SetFocalBounds(int camera, double min, double max) => _cameras.SetFocalBounds(camera, min, max);

    /// <summary>Sets (or clears, when empty) the previous-frame projections the temporal term pulls frame 0 toward.</summary>
    public void SetAnchor(ReadOnlySpan<double> previousPixels) => _temporal.SetAnchor(previousPixels);

    /// <summary>Chooses which parameters the solver moves and lays out their indices (<see cref="ParameterLayout"/>).</summary>
    public void Configure(bool identity, bool pose, bool expression, ReadOnlySpan<bool> focal, ReadOnlySpan<bool> extrinsics) =>
        _parameters.Configure(identity, pose, expression, focal, extrinsics);

    /// <summary>Recomputes the identity shape S̄ + I β of the points in use (all points with <paramref name="allPoints"/>).</summary>
    public void PrepareIdentity(FitState s, bool allPoints) => _basis.PrepareIdentity(s, allPoints ? null : _correspondences.PointsInUse);

    /// <summary>Projects basis point <paramref name="point"/> of <paramref name="frame"/> into <paramref name="camera"/> (px); false when it is not in front of the camera.</summary>
    bool Project(FitState s, int frame, int camera, int point, out double u, out double v)
    {
        var (x, y, z) = _basis.ModelPoint(s, frame, point);
        return _cameras.Project(s, frame, camera, x, y, z, out u, out v);
    }

    /// <summary>Projection of landmark k (its current correspondence) of frame f into camera c, pixels.</summary>
    public bool ProjectLandmark(FitState s, int frame, int camera, int landmark, out double u, out double v) =>
        Project(s, frame, camera, _correspondences.PointOf(frame, camera, landmark), out u, out v);

    /// <summary>Projection of basis point <paramref name="point"/> with its derivatives (<see cref="CameraModel.Derivatives"/>).</summary>
    internal void PointDerivatives(FitState s, int frame, int camera, int point, out double u, out double v,
        Span<double> modelJacobian, Span<double> poseJacobian, out double focalU, out double focalV, Span<double> extrinsicsJacobian)
    {
        var (x, y, z) = _basis.ModelPoint(s, frame, point);
        _cameras.Derivatives(s, frame, camera, x, y, z, out u, out v, modelJacobian, poseJacobian, out focalU, out focalV, extrinsicsJacobian);
    }

    /// <summary>The energy terms (landmark, identity, expression, temporal); landmark = +∞ when a point falls behind a camera. Call <see cref="PrepareIdentity"/> first.</summary>
    public (double Landmark, double Identity, double Expression, double Temporal) Energy(FitState s)
    {
        double el = 0, et = 0;
        bool temporal = TemporalWeight > 0;
        for (int f = 0; f < FrameCount; f++)
            for (int c = 0; c < CameraCount; c++)
            {
                int o = ObservationIndex(f, c, 0);
                for (int k = 0; k < LandmarkCount; k++)
                {
                    if (!Project(s, f, c, _correspondences.PointOf(o + k), out double u, out double v)) return (double.PositiveInfinity, 0, 0, 0);
                    double w = _inverseSigma[o + k], du = (u - _observations[o + k].X) * w, dv = (v - _observations[o + k].Y) * w;
                    el += 0.5 * (du * du + dv * dv);
                    if (temporal && c == 0) et += _temporal.Energy(f, k, u, v);
                }
            }
        return (el, _priors.IdentityEnergy(s), _priors.ExpressionEnergy(s), et);
    }

    /// <summary><see cref="PrepareIdentity"/> then <see cref="TotalEnergy"/>.</summary>
    public double TotalEnergyPrepared(FitState s)
    {
        PrepareIdentity(s, allPoints: false);
        return TotalEnergy(s);
    }

    /// <summary>The sum of the energy terms (<see cref="Energy"/>).</summary>
    public double TotalEnergy(FitState s)
    {
        var (a, b, c, d) = Energy(s);
        return a + b + c + d;
    }

    /// <summary>
    /// Accumulates H = JᵀJ (upper triangle, n×n row-major) and g = Jᵀr at <paramref name="s"/> (after
    /// <see cref="PrepareIdentity"/>): landmark pairs (with the tracking anchor folded in), temporal pairs, priors.
    /// Returns the total energy.
    /// </summary>
    public double Accumulate(FitState s)
    {
        var parameters = _parameters;
        var equations = _equations;
        equations.Begin(parameters.Count, parameters.IdentityStart);
        Span<double> gm = stackalloc double[6], pose = stackalloc double[12], cam = stackalloc double[12];
        double energy = 0;
        bool anchored = _temporal.HasAnchor && TemporalWeight > 0, identityFree = parameters.IdentityFree;
        for (int f = 0; f < FrameCount; f++)
            for (int c = 0; c < CameraCount; c++)
            {
                int o = ObservationIndex(f, c, 0);
                int focalIndex = parameters.FocalIndex(c), extrinsicsStart = parameters.ExtrinsicsStart(c);
                for (int k = 0; k < LandmarkCount; k++)
                {
                    int p = _correspondences.PointOf(o + k);
                    PointDerivatives(s, f, c, p, out double u, out double v, gm, pose, out double fu, out double fv, cam);
                    // J = w·J₀ with J₀ the unweighted projection Jacobian; the tracking anchor's temporal residual
                    // √(2w_t)(x − a) has Jacobian √(2w_t)·J₀ too, so both share one outer product J₀ᵀJ₀.
                    double w2 = _inverseSigma[o + k] * _inverseSigma[o + k];
                    double du = u - _observations[o + k].X, dv = v - _observations[o + k].Y;
                    double scale = w2, ru = w2 * du, rv = w2 * dv;
                    energy += 0.5 * w2 * (du * du + dv * dv);
                    if (anchored && f == 0 && c == 0) energy += _temporal.FoldAnchor(k, u, v, ref scale, ref ru, ref rv);
                    var row = equations.Row;
                    row.Clear();
                    if (identityFree) _basis.IdentityDerivatives(p, gm, 1, -1, default, 0, equations.IdentityU, equations.IdentityV);
                    if (focalIndex >= 0) row.Append(focalIndex, fu, fv);
                    if (extrinsicsStart >= 0) for (int i = 0; i < 6; i++) row.Append(extrinsicsStart + i, cam[i], cam[6 + i]);
                    AppendFrame(row, f, p, gm, pose, 1);
                    equations.AddPair(ru, rv, scale);
                }
            }
        // temporal term between neighbouring frames in camera 0 (the tracking anchor is folded in above)
        energy = _temporal.Accumulate(this, s, energy);
        equations.Finish();
        return _priors.Accumulate(s, parameters, equations, energy);
    }

    /// <summary>Appends frame <paramref name="frame"/>'s pose and active-expression derivatives of basis point <paramref name="point"/>, scaled by <paramref name="w"/>.</summary>
    internal void AppendFrame(JacobianRow row, int frame, int point, ReadOnlySpan<double> modelJacobian, ReadOnlySpan<double> poseJacobian, double w)
    {
        int poseStart = _parameters.PoseStart(frame);
        if (poseStart >= 0)
        {
            row.AppendRun(poseStart, 6, out var du, out var dv);
            for (int i = 0; i < 6; i++) { du[i] = w * poseJacobian[i]; dv[i] = w * poseJacobian[6 + i]; }
        }
        int expressionStart = _parameters.ExpressionStart(frame);
        if (expressionStart >= 0) _basis.AppendExpressionDerivatives(row, expressionStart, point, modelJacobian, w);
    }

    /// <summary><paramref name="to"/> = <paramref name="from"/> ⊕ δ (<see cref="ParameterLayout.ApplyStep"/>).</summary>
    public void ApplyStep(FitState from, ReadOnlySpan<double> delta, FitState to) => _parameters.ApplyStep(from, delta, to, _cameras);

    /// <summary>Marks the expressions held at a bound for this step (<see cref="ParameterLayout.MarkActiveBounds"/>, gradient from <see cref="Accumulate"/>).</summary>
    public void MarkActiveBounds(FitState s, Span<bool> held) => _parameters.MarkActiveBounds(s, Gradient, held);

    /// <summary>Re-picks sliding landmarks (<see cref="ContourCorrespondences.Update"/>); true when a correspondence changed.</summary>
    public bool UpdateContour(FitState s) => _correspondences.Update(s, _basis, _cameras, _observations, FrameCount);

    /// <summary>Resets every correspondence to the layout's fixed point.</summary>
    public void ResetContour() => _correspondences.Reset();

    /// <summary>Test hook: the residual vector in a fixed order (landmark pairs, temporal pairs, then priors); length via <see cref="ResidualCount"/>.</summary>
    internal void Residuals(FitState s, Span<double> r)
    {
        int i = 0;
        for (int f = 0; f < FrameCount; f++)
            for (int c = 0; c < CameraCount; c++)
                for (int k = 0; k < LandmarkCount; k++)
                {
                    int o = ObservationIndex(f, c, k);
                    Project(s, f, c, _correspondences.PointOf(o), out double u, out double v);
                    r[i++] = (u - _observations[o].X) * _inverseSigma[o]; r[i++] = (v - _observations[o].Y) * _inverseSigma[o];
                }
        _temporal.Residuals(this, s, r, ref i);
        _priors.Residuals(s, r, ref i);
    }

    /// <summary>Length of <see cref="Residuals"/>.</summary>
    internal int ResidualCount => 2 * FrameCount * CameraCount * LandmarkCount + _temporal.ResidualCount + ShapePriors.ResidualCount(IdentityCount, ExpressionCount, FrameCount);
}
