namespace DenseFace.Fitting;

/// <summary>
/// Where each free parameter of a fit sits in the solver's vector δ, and the update Φ ⊕ δ. The order is
/// [β][focal_j][extrinsics_j (j &gt; 0)][frame i: δω_i, t_i, ψ_i], so every Jacobian row's indices ascend; a held
/// parameter kind has start −1. Units: β per unit of the model's identity modes, focal in px, rotation updates in rad
/// (R ← exp([δω]×) R, δω in the camera frame, Lie algebra of SO(3)), translations in cm, ψ unitless in [0, 1].
/// </summary>
internal sealed class ParameterLayout
{
    readonly int _identityCount, _expressionCount;
    readonly int[] _focalIndex, _extrinsicsStart;   // per camera
    readonly int[] _poseStart, _expressionStart;    // per frame

    /// <summary>A layout for the given dimensions with nothing free (call <see cref="Configure"/>).</summary>
    public ParameterLayout(int identityCount, int expressionCount, int frameCount, int cameraCount)
    {
        _identityCount = identityCount; _expressionCount = expressionCount;
        _focalIndex = new int[cameraCount]; _extrinsicsStart = new int[cameraCount];
        _poseStart = new int[frameCount]; _expressionStart = new int[frameCount];
    }

    /// <summary>Number of free parameters n (the normal equations are n × n).</summary>
    public int Count { get; private set; }

    /// <summary>Index of β_0, or −1 when the identity is held.</summary>
    public int IdentityStart { get; private set; } = -1;

    /// <summary>True when the identity β is optimised.</summary>
    public bool IdentityFree => IdentityStart >= 0;

    /// <summary>Index of camera <paramref name="camera"/>'s focal length, or −1 when held.</summary>
    public int FocalIndex(int camera) => _focalIndex[camera];

    /// <summary>Start of camera <paramref name="camera"/>'s six extrinsics (δω_j, t_j), or −1 when held (always for camera 0).</summary>
    public int ExtrinsicsStart(int camera) => _extrinsicsStart[camera];

    /// <summary>Start of frame <paramref name="frame"/>'s six pose parameters (δω_i, t_i), or −1 when held.</summary>
    public int PoseStart(int frame) => _poseStart[frame];

    /// <summary>Start of frame <paramref name="frame"/>'s expression weights ψ_i (expression count of them), or −1 when held.</summary>
    public int ExpressionStart(int frame) => _expressionStart[frame];

    /// <summary>Chooses which parameters the solver moves and lays out their indices.</summary>
    public void Configure(bool identity, bool pose, bool expression, ReadOnlySpan<bool> focal, ReadOnlySpan<bool> extrinsics)
    {
        int n = 0;
        bool identityFree = identity && _identityCount > 0;
        IdentityStart = identityFree ? n : -1; if (identityFree) n += _identityCount;
        for (int c = 0; c < _focalIndex.Length; c++) { _focalIndex[c] = focal[c] ? n++ : -1; }
        for (int c = 0; c < _extrinsicsStart.Length; c++) { _extrinsicsStart[c] = c > 0 && extrinsics[c] ? n : -1; if (_extrinsicsStart[c] >= 0) n += 6; }
        for (int f = 0; f < _poseStart.Length; f++)
        {
            _poseStart[f] = pose ? n : -1; if (pose) n += 6;
            _expressionStart[f] = expression ? n : -1; if (expression) n += _expressionCount;
        }
        Count = n;
    }

    /// <summary>
    /// <paramref name="to"/> = <paramref name="from"/> ⊕ <paramref name="delta"/>: β and t add; rotations update on
    /// SO(3) by R ← exp([δω]×) R (re-orthonormalised); focal lengths step through <see cref="CameraModel.StepFocal"/>;
    /// ψ is projected onto [0, 1] (projected LM: the caller accepts the step only if the projected point lowers the energy).
    /// </summary>
    public void ApplyStep(FitState from, ReadOnlySpan<double> delta, FitState to, CameraModel cameras)
    {
        int K = _identityCount, E = _expressionCount;
        to.CopyFrom(from);
        if (IdentityStart >= 0) for (int k = 0; k < K; k++) to.Beta[k] += delta[IdentityStart + k];
        for (int c = 0; c < _focalIndex.Length; c++)
        {
            if (_focalIndex[c] >= 0) to.Focal[c] = cameras.StepFocal(c, from.Focal[c], delta[_focalIndex[c]]);
            int cs = _extrinsicsStart[c];
            if (cs >= 0)
            {
                to.CameraRotation[c] = (Matrix3d.Exp(delta[cs], delta[cs + 1], delta[cs + 2]) * from.CameraRotation[c]).Orthonormalized();
                for (int i = 0; i < 3; i++) to.CameraTranslation[3 * c + i] += delta[cs + 3 + i];
            }
        }
        for (int f = 0; f < _poseStart.Length; f++)
        {
            int ps = _poseStart[f];
            if (ps >= 0)
            {
                to.Rotation[f] = (Matrix3d.Exp(delta[ps], delta[ps + 1], delta[ps + 2]) * from.Rotation[f]).Orthonormalized();
                for (int i = 0; i < 3; i++) to.Translation[3 * f + i] += delta[ps + 3 + i];
            }
            int es = _expressionStart[f];
            if (es >= 0) for (int e = 0; e < E; e++) to.Psi[f * E + e] = Math.Clamp(from.Psi[f * E + e] + delta[es + e], 0, 1);
        }
    }

    /// <summary>
    /// Marks the expression parameters held at a bound (ψ = 0 with ∂E/∂ψ ≥ 0, or ψ = 1 with ∂E/∂ψ ≤ 0;
    /// <paramref name="gradient"/> = Jᵀr): the solver keeps them fixed for this step (projected Newton active set,
    /// Bertsekas 1982), so the step of the free parameters is not spoilt by clamping. Clears the rest of the first
    /// <see cref="Count"/> entries of <paramref name="held"/>.
    /// </summary>
    public void MarkActiveBounds(FitState s, ReadOnlySpan<double> gradient, Span<bool> held)
    {
        int E = _expressionCount;
        held[..Count].Clear();
        for (int f = 0; f < _expressionStart.Length; f++)
        {
            int b = _expressionStart[f];
            if (b < 0) continue;
            for (int e = 0; e < E; e++)
            {
                double v = s.Psi[f * E + e], g = gradient[b + e];
                if ((v <= 0 && g >= 0) || (v >= 1 && g <= 0)) held[b + e] = true;
            }
        }
    }
}
