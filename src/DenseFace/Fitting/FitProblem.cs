using System.Numerics.Tensors;
using DenseFace.FaceModel;

namespace DenseFace.Fitting;

/// <summary>
/// The landmark energy of Wood et al. 2022 (sec. 3.2) for F frames seen by C cameras, and its Gauss–Newton normal
/// equations accumulated residual by residual without a dense Jacobian (sec. 3.3).
/// <para>
/// Residuals (E = ½ Σ r²): per frame i, camera j, landmark k the pair (x_ijk − μ_ijk) / σ_ijk with
/// x_ijk = π_j(R_j (R_i S_k(β, ψ_i) + t_i) + t_j) the pinhole projection (OpenCV axes, focal f_j, principal point
/// c_j); √(2 w_id) β; √(2 w_exp) ψ_i; and √(2 w_t) (x_i,0,k − x_(i−1),0,k) between neighbouring frames in camera 0
/// (or against a fixed previous-frame anchor when tracking).
/// </para>
/// <para>
/// Sparsity: each landmark keeps only the expressions whose delta at its point exceeds a threshold (static
/// analysis at construction), so its pair of Jacobian rows has 6 (pose) + |β| + m_k (+ focal, + extrinsics)
/// non-zeros and its outer product costs O(n_k²). Parameters are ordered [β][focal_j][extrinsics_j][frame i:
/// ω, t, ψ] so every row's indices ascend; contiguous runs (β, pose) use SIMD multiply-adds.
/// </para>
/// <para>
/// Updates: β, t, f add; rotations update on SO(3) by R ← exp([δω]×) R (δω in the camera frame); ψ is
/// projected onto [0, 1] after each step (projected LM: a step is only accepted if the projected point lowers
/// the energy); focal lengths may shrink to at most a fifth per step
/// and are projected onto their bounds (<see cref="SetFocalBounds"/>: a single view barely constrains focal length
/// against depth, and unbounded it can drift toward the orthographic limit).
/// </para>
/// </summary>
internal sealed class FitProblem
{
    public readonly int K, E, L, F, C, P;
    /// <summary>Largest joint parameter count: the dense normal matrix and its factor take 2 × 8 n² bytes (64 MB at 2048).</summary>
    public const int MaxParameters = 2048;
    readonly double[] _neutral;      // 3P
    readonly double[] _id;           // P · 3K (x row, y row, z row)
    readonly int[] _exStart;         // P + 1
    readonly int[] _exIndex;         // active expression ids
    readonly double[] _exValue;      // 3 per active entry (x, y, z)
    readonly int[][] _candidates;    // per landmark: basis points it may slide to (empty = fixed)
    readonly int[] _corr;            // F·C·L current basis point
    readonly Landmark2D[] _obs;      // F·C·L
    readonly double[] _cx, _cy, _fMin, _fMax;
    readonly double[] _idShape;      // 3P: neutral + I β
    readonly double[] _anchor;       // 2L pixels of the previous frame (tracking)
    readonly double[] _proj0;        // 2·F·L camera-0 projections (energy workspace for the temporal term)
    readonly double[] _weight;       // F·C·L: 1/σ
    readonly bool[] _inUse;          // P: some correspondence uses the point
    bool _hasAnchor;

    public double IdentityWeight, ExpressionWeight, TemporalWeight;

    // free-parameter layout
    public int N { get; private set; }
    int _betaStart;
    readonly int[] _focalIdx, _camStart, _poseStart, _psiStart;
    public bool IdentityFree { get; private set; }

    // workspaces
    readonly JacobianRow _row;
    const int BatchRows = 64;
    readonly double[] _bu, _bv, _batch;
    int _batchCount;
    readonly double[] _gu0, _gv0;
    public readonly double[] H, G;

    public FitProblem(MorphableModel model, LandmarkLayout layout, int identityModes, float sparsityThreshold, int frames, int cameras)
    {
        if (frames < 1 || cameras < 1) throw new InvalidInputException("fit", $"{frames} frames and {cameras} cameras; both must be at least 1");
        K = identityModes; E = model.ExpressionCount; L = layout.Count; F = frames; C = cameras;
        long nMax = K + 7L * cameras + (6L + E) * frames;
        if (nMax > MaxParameters) throw new InvalidInputException("fit", $"{frames} frames and {cameras} cameras give {nMax} parameters; the joint solver handles at most {MaxParameters} (about 30 frames; use tracking for long sequences)");
        if ((long)frames * cameras * L > 50_000_000) throw new InvalidInputException("fit", "too many observations");

        // basis points: layout points, then the distinct contour candidate vertices
        var candVerts = new List<int>();
        var candPoint = new Dictionary<int, int>();
        _candidates = new int[L][];
        for (int k = 0; k < L; k++)
        {
            var c = layout.ContourCandidates(k);
            _candidates[k] = new int[c.Length];
            for (int i = 0; i < c.Length; i++)
            {
                if (!candPoint.TryGetValue(c[i], out int p)) { p = L + candVerts.Count; candPoint[c[i]] = p; candVerts.Add(c[i]); }
                _candidates[k][i] = p;
            }
        }
        P = L + candVerts.Count;
        var b1 = model.CreateSubsetBasis(layout.Points, K);
        var b2 = candVerts.Count > 0 ? model.CreateSubsetBasis(candVerts.ToArray(), K) : null;
        _neutral = new double[3 * P];
        _id = new double[(long)P * 3 * K];
        _exStart = new int[P + 1];
        var exIdx = new List<int>();
        var exVal = new List<double>();
        for (int p = 0; p < P; p++)
        {
            var blk = p < L ? b1.Block(p) : b2!.Block(p - L);
            for (int c = 0; c < 3; c++) _neutral[3 * p + c] = blk[c];
            for (int i = 0; i < 3 * K; i++) _id[(long)p * 3 * K + i] = blk[3 + i];
            var ex = blk.Slice(3 + 3 * K, 3 * E);
            for (int e = 0; e < E; e++)
            {
                float x = ex[e], y = ex[E + e], z = ex[2 * E + e];
                if (MathF.Max(MathF.Abs(x), MathF.Max(MathF.Abs(y), MathF.Abs(z))) <= sparsityThreshold) continue;
                exIdx.Add(e); exVal.Add(x); exVal.Add(y); exVal.Add(z);
            }
            _exStart[p + 1] = exIdx.Count;
        }
        _exIndex = exIdx.ToArray();
        _exValue = exVal.ToArray();

        _corr = new int[F * C * L];
        for (int i = 0; i < _corr.Length; i++) _corr[i] = i % L;
        _inUse = new bool[P];
        RefreshInUse();
        _obs = new Landmark2D[F * C * L];
        _weight = new double[F * C * L];
        _cx = new double[C]; _cy = new double[C];
        _fMin = new double[C]; _fMax = new double[C];
        Array.Fill(_fMax, double.MaxValue);
        _idShape = new double[3 * P];
        _anchor = new double[2 * L];
        _proj0 = new double[2 * F * L];
        _focalIdx = new int[C]; _camStart = new int[C]; _poseStart = new int[F]; _psiStart = new int[F];
        int maxRow = 1 + 6 + 2 * (6 + E);
        _row = new JacobianRow(maxRow);
        _bu = new double[K]; _bv = new double[K];
        _batch = new double[K * BatchRows];
        _gu0 = new double[3]; _gv0 = new double[3];
        H = new double[nMax * nMax];
        G = new double[nMax];
    }

    /// <summary>Average number of expressions kept per layout landmark (sparsity statistic).</summary>
    public double MeanActiveExpressions => (double)_exStart[L] / L;

    public void SetObservations(int frame, int camera, ReadOnlySpan<Landmark2D> landmarks)
    {
        var dst = _obs.AsSpan((frame * C + camera) * L, L);
        landmarks.CopyTo(dst);
        for (int k = 0; k < L; k++) _weight[(frame * C + camera) * L + k] = 1.0 / dst[k].Sigma;
    }

    public Landmark2D Observation(int frame, int camera, int k) => _obs[(frame * C + camera) * L + k];

    public void SetPrincipalPoint(int camera, double cx, double cy) { _cx[camera] = cx; _cy[camera] = cy; }

    /// <summary>Range an optimised focal length is projected onto (px).</summary>
    public void SetFocalBounds(int camera, double min, double max) { _fMin[camera] = min; _fMax[camera] = max; }

    /// <summary>Sets (or clears, when empty) the previous-frame projections the temporal term pulls frame 0 toward.</summary>
    public void SetAnchor(ReadOnlySpan<double> previousPixels)
    {
        _hasAnchor = !previousPixels.IsEmpty;
        if (_hasAnchor) previousPixels.CopyTo(_anchor);
    }

    /// <summary>Chooses which parameters the solver moves and lays out their indices.</summary>
    public void Configure(bool identity, bool pose, bool expression, ReadOnlySpan<bool> focal, ReadOnlySpan<bool> extrinsics)
    {
        int n = 0;
        IdentityFree = identity && K > 0;
        _betaStart = IdentityFree ? n : -1; if (IdentityFree) n += K;
        for (int c = 0; c < C; c++) { _focalIdx[c] = focal[c] ? n++ : -1; }
        for (int c = 0; c < C; c++) { _camStart[c] = c > 0 && extrinsics[c] ? n : -1; if (_camStart[c] >= 0) n += 6; }
        for (int f = 0; f < F; f++)
        {
            _poseStart[f] = pose ? n : -1; if (pose) n += 6;
            _psiStart[f] = expression ? n : -1; if (expression) n += E;
        }
        N = n;
    }

    /// <summary>Recomputes the identity shape S̄ + I β of the points in use (all points with <paramref name="allPoints"/>).</summary>
    public void PrepareIdentity(FitState s, bool allPoints)
    {
        int K3 = 3 * K;
        var beta = s.Beta.AsSpan();
        for (int p = 0; p < P; p++)
        {
            if (!allPoints && !_inUse[p]) continue;
            for (int c = 0; c < 3; c++)
                _idShape[3 * p + c] = _neutral[3 * p + c] + (K > 0 ? TensorPrimitives.Dot<double>(_id.AsSpan(p * K3 + c * K, K), beta) : 0);
        }
    }

    void RefreshInUse()
    {
        Array.Clear(_inUse);
        foreach (int q in _corr) _inUse[q] = true;
    }

    /// <summary>Model-space position of basis point <paramref name="p"/> with frame <paramref name="f"/>'s expression (identity from <see cref="PrepareIdentity"/>).</summary>
    (double X, double Y, double Z) ModelPoint(FitState s, int f, int p)
    {
        double x = _idShape[3 * p], y = _idShape[3 * p + 1], z = _idShape[3 * p + 2];
        int off = f * E;
        for (int a = _exStart[p]; a < _exStart[p + 1]; a++)
        {
            double w = s.Psi[off + _exIndex[a]];
            if (w == 0) continue;
            x += w * _exValue[3 * a]; y += w * _exValue[3 * a + 1]; z += w * _exValue[3 * a + 2];
        }
        return (x, y, z);
    }

    /// <summary>Projects basis point p of frame f into camera c; false when it is not in front of the camera.</summary>
    bool Project(FitState s, int f, int c, int p, out double u, out double v)
    {
        var (x, y, z) = ModelPoint(s, f, p);
        var (qx, qy, qz) = s.Rotation[f].Transform(x, y, z);
        double X = qx + s.Translation[3 * f], Y = qy + s.Translation[3 * f + 1], Z = qz + s.Translation[3 * f + 2];
        if (c > 0)
        {
            (X, Y, Z) = s.CameraRotation[c].Transform(X, Y, Z);
            X += s.CameraTranslation[3 * c]; Y += s.CameraTranslation[3 * c + 1]; Z += s.CameraTranslation[3 * c + 2];
        }
        if (!(Z > 1e-3)) { u = v = 0; return false; }
        u = s.Focal[c] * X / Z + _cx[c];
        v = s.Focal[c] * Y / Z + _cy[c];
        return true;
    }

    /// <summary>Projection of landmark k (its current correspondence) of frame f into camera c, pixels.</summary>
    public bool ProjectLandmark(FitState s, int f, int c, int k, out double u, out double v) => Project(s, f, c, _corr[(f * C + c) * L + k], out u, out v);

    /// <summary>The energy terms (landmark, identity, expression, temporal); landmark = +∞ when a point falls behind a camera. Call <see cref="PrepareIdentity"/> first.</summary>
    public (double Landmark, double Identity, double Expression, double Temporal) Energy(FitState s)
    {
        double el = 0, et = 0;
        bool temporal = TemporalWeight > 0;
        for (int f = 0; f < F; f++)
            for (int c = 0; c < C; c++)
            {
                int o = (f * C + c) * L;
                for (int k = 0; k < L; k++)
                {
                    if (!Project(s, f, c, _corr[o + k], out double u, out double v)) return (double.PositiveInfinity, 0, 0, 0);
                    double w = _weight[o + k], du = (u - _obs[o + k].X) * w, dv = (v - _obs[o + k].Y) * w;
                    el += 0.5 * (du * du + dv * dv);
                    if (!temporal || c != 0) continue;
                    double pu, pv;
                    if (f > 0) { pu = _proj0[2 * ((f - 1) * L + k)]; pv = _proj0[2 * ((f - 1) * L + k) + 1]; }
                    else if (_hasAnchor) { pu = _anchor[2 * k]; pv = _anchor[2 * k + 1]; }
                    else { pu = u; pv = v; }
                    et += TemporalWeight * ((u - pu) * (u - pu) + (v - pv) * (v - pv));
                    _proj0[2 * (f * L + k)] = u; _proj0[2 * (f * L + k) + 1] = v;
                }
            }
        double ei = IdentityWeight * TensorPrimitives.SumOfSquares<double>(s.Beta);
        double ee = ExpressionWeight * TensorPrimitives.SumOfSquares<double>(s.Psi);
        return (el, ei, ee, et);
    }

    /// <summary><see cref="PrepareIdentity"/> then <see cref="TotalEnergy"/>.</summary>
    public double TotalEnergyPrepared(FitState s)
    {
        PrepareIdentity(s, allPoints: false);
        return TotalEnergy(s);
    }

    public double TotalEnergy(FitState s)
    {
        var (a, b, c, d) = Energy(s);
        return a + b + c + d;
    }

    /// <summary>
    /// Derivatives of the projection of point p (frame f, camera c): the 2×3 matrix gm = ∂x/∂(model point) (rows u, v),
    /// the 2×6 pose block (∂/∂δω, ∂/∂t), ∂/∂f and the 2×6 extrinsics block.
    /// </summary>
    void Derivatives(FitState s, int f, int c, int p, out double u, out double v, Span<double> gm, Span<double> pose, out double fu, out double fv, Span<double> cam)
    {
        var (x, y, z) = ModelPoint(s, f, p);
        var R = s.Rotation[f];
        var (qx, qy, qz) = R.Transform(x, y, z);
        double X = qx + s.Translation[3 * f], Y = qy + s.Translation[3 * f + 1], Z = qz + s.Translation[3 * f + 2];
        var Rc = c > 0 ? s.CameraRotation[c] : Matrix3d.Identity;
        double Yx = X, Yy = Y, Yz = Z;
        if (c > 0)
        {
            (Yx, Yy, Yz) = Rc.Transform(X, Y, Z);
            Yx += s.CameraTranslation[3 * c]; Yy += s.CameraTranslation[3 * c + 1]; Yz += s.CameraTranslation[3 * c + 2];
        }
        double fl = s.Focal[c], iz = 1 / Yz;
        u = fl * Yx * iz + _cx[c]; v = fl * Yy * iz + _cy[c];
        fu = Yx * iz; fv = Yy * iz;
        // A = ∂(u,v)/∂Y
        double a00 = fl * iz, a02 = -fl * Yx * iz * iz, a11 = fl * iz, a12 = -fl * Yy * iz * iz;
        // B = A Rc (∂/∂X, camera-0 point)
        double b00 = a00 * Rc.M00 + a02 * Rc.M20, b01 = a00 * Rc.M01 + a02 * Rc.M21, b02 = a00 * Rc.M02 + a02 * Rc.M22;
        double b10 = a11 * Rc.M10 + a12 * Rc.M20, b11 = a11 * Rc.M11 + a12 * Rc.M21, b12 = a11 * Rc.M12 + a12 * Rc.M22;
        // ∂/∂model point = B R
        gm[0] = b00 * R.M00 + b01 * R.M10 + b02 * R.M20; gm[1] = b00 * R.M01 + b01 * R.M11 + b02 * R.M21; gm[2] = b00 * R.M02 + b01 * R.M12 + b02 * R.M22;
        gm[3] = b10 * R.M00 + b11 * R.M10 + b12 * R.M20; gm[4] = b10 * R.M01 + b11 * R.M11 + b12 * R.M21; gm[5] = b10 * R.M02 + b11 * R.M12 + b12 * R.M22;
        // ∂X/∂δω = −[q]×  ⇒ B·(−[q]×): column j of −[q]× is −(e_j × q)... (−[q]×) = [[0, qz, −qy], [−qz, 0, qx], [qy, −qx, 0]]
        pose[0] = -b01 * qz + b02 * qy; pose[1] = b00 * qz - b02 * qx; pose[2] = -b00 * qy + b01 * qx;
        pose[3] = b00; pose[4] = b01; pose[5] = b02;
        pose[6] = -b11 * qz + b12 * qy; pose[7] = b10 * qz - b12 * qx; pose[8] = -b10 * qy + b11 * qx;
        pose[9] = b10; pose[10] = b11; pose[11] = b12;
        if (c > 0)
        {
            // ∂Y/∂δω_c = −[Rc X]×, ∂Y/∂t_c = I
            double wx = Yx - s.CameraTranslation[3 * c], wy = Yy - s.CameraTranslation[3 * c + 1], wz = Yz - s.CameraTranslation[3 * c + 2];
            cam[0] = a02 * wy; cam[1] = a00 * wz - a02 * wx; cam[2] = -a00 * wy;
            cam[3] = a00; cam[4] = 0; cam[5] = a02;
            cam[6] = -a11 * wz + a12 * wy; cam[7] = -a12 * wx; cam[8] = a11 * wx;
            cam[9] = 0; cam[10] = a11; cam[11] = a12;
        }
    }

    /// <summary>
    /// Accumulates H = JᵀJ (upper triangle, N×N row-major) and G = Jᵀr at <paramref name="s"/> (after
    /// <see cref="PrepareIdentity"/>); returns the total energy.
    /// </summary>
    public double Accumulate(FitState s)
    {
        int n = N;
        _batchCount = 0;
        H.AsSpan(0, n * n).Clear();
        G.AsSpan(0, n).Clear();
        Span<double> gm = stackalloc double[6], pose = stackalloc double[12], cam = stackalloc double[12];
        Span<double> gm2 = stackalloc double[6], pose2 = stackalloc double[12];
        double energy = 0;
        bool anchored = _hasAnchor && TemporalWeight > 0;
        for (int f = 0; f < F; f++)
            for (int c = 0; c < C; c++)
            {
                int o = (f * C + c) * L;
                for (int k = 0; k < L; k++)
                {
                    int p = _corr[o + k];
                    bool anchoredHere = anchored && f == 0;
                    Derivatives(s, f, c, p, out double u, out double v, gm, pose, out double fu, out double fv, cam);
                    // J = w·J₀ with J₀ the unweighted projection Jacobian; the tracking anchor's temporal residual
                    // √(2w_t)(x − a) has Jacobian √(2w_t)·J₀ too, so both share one outer product J₀ᵀJ₀.
                    double w2 = _weight[o + k] * _weight[o + k];
                    double du = u - _obs[o + k].X, dv = v - _obs[o + k].Y;
                    double scale = w2, ru = w2 * du, rv = w2 * dv;
                    energy += 0.5 * w2 * (du * du + dv * dv);
                    if (anchoredHere && c == 0)
                    {
                        double au = u - _anchor[2 * k], av = v - _anchor[2 * k + 1], wt2 = 2 * TemporalWeight;
                        scale += wt2; ru += wt2 * au; rv += wt2 * av;
                        energy += TemporalWeight * (au * au + av * av);
                    }
                    var row = _row;
                    row.Clear();
                    if (_betaStart >= 0) ComputeIdentity(p, gm, 1, -1, default, 0);
                    if (_focalIdx[c] >= 0) row.Append(_focalIdx[c], fu, fv);
                    if (_camStart[c] >= 0) for (int i = 0; i < 6; i++) row.Append(_camStart[c] + i, cam[i], cam[6 + i]);
                    AppendFrame(row, f, p, gm, pose, 1);
                    AccumulatePair(ru, rv, scale);
                }
            }
        // temporal term between neighbouring frames in camera 0 (the tracking anchor is folded in above)
        if (TemporalWeight > 0)
        {
            double w = Math.Sqrt(2 * TemporalWeight);
            for (int f = 1; f < F; f++)
            {
                for (int k = 0; k < L; k++)
                {
                    int p = _corr[f * C * L + k];
                    Derivatives(s, f, 0, p, out double u, out double v, gm, pose, out double fu, out double fv, cam);
                    var row = _row;
                    row.Clear();
                    double ru, rv;
                    {
                        int p0 = _corr[(f - 1) * C * L + k];
                        Derivatives(s, f - 1, 0, p0, out double u0, out double v0, gm2, pose2, out double fu0, out double fv0, cam);
                        ru = w * (u - u0); rv = w * (v - v0);
                        if (_betaStart >= 0) ComputeIdentity(p, gm, w, p0, gm2, -w);
                        if (_focalIdx[0] >= 0) row.Append(_focalIdx[0], w * (fu - fu0), w * (fv - fv0));
                        AppendFrame(row, f - 1, p0, gm2, pose2, -w);
                        AppendFrame(row, f, p, gm, pose, w);
                    }
                    energy += 0.5 * (ru * ru + rv * rv);
                    AccumulatePair(ru, rv, 1);
                }
            }
        }
        FinishIdentity();
        // priors
        if (IdentityWeight > 0) energy += IdentityWeight * TensorPrimitives.SumOfSquares<double>(s.Beta);
        if (_betaStart >= 0)
            for (int k = 0; k < K; k++) { int i = _betaStart + k; H[i * n + i] += 2 * IdentityWeight; G[i] += 2 * IdentityWeight * s.Beta[k]; }
        if (ExpressionWeight > 0) energy += ExpressionWeight * TensorPrimitives.SumOfSquares<double>(s.Psi);
        for (int f = 0; f < F; f++)
            if (_psiStart[f] >= 0)
                for (int e = 0; e < E; e++) { int i = _psiStart[f] + e; H[i * n + i] += 2 * ExpressionWeight; G[i] += 2 * ExpressionWeight * s.Psi[f * E + e]; }
        return energy;
    }

    /// <summary>Identity derivatives w·gm·I_p (plus w2·gm2·I_p2 when p2 ≥ 0) into _bu, _bv.</summary>
    void ComputeIdentity(int p, ReadOnlySpan<double> gm, double w, int p2, ReadOnlySpan<double> gm2, double w2)
    {
        var ix = _id.AsSpan(p * 3 * K, K); var iy = _id.AsSpan(p * 3 * K + K, K); var iz = _id.AsSpan(p * 3 * K + 2 * K, K);
        double g0 = w * gm[0], g1 = w * gm[1], g2 = w * gm[2], g3 = w * gm[3], g4 = w * gm[4], g5 = w * gm[5];
        var du = _bu.AsSpan(0, K); var dv = _bv.AsSpan(0, K);
        for (int k = 0; k < K; k++)
        {
            du[k] = g0 * ix[k] + g1 * iy[k] + g2 * iz[k];
            dv[k] = g3 * ix[k] + g4 * iy[k] + g5 * iz[k];
        }
        if (p2 < 0) return;
        var jx = _id.AsSpan(p2 * 3 * K, K); var jy = _id.AsSpan(p2 * 3 * K + K, K); var jz = _id.AsSpan(p2 * 3 * K + 2 * K, K);
        g0 = w2 * gm2[0]; g1 = w2 * gm2[1]; g2 = w2 * gm2[2]; g3 = w2 * gm2[3]; g4 = w2 * gm2[4]; g5 = w2 * gm2[5];
        for (int k = 0; k < K; k++)
        {
            du[k] += g0 * jx[k] + g1 * jy[k] + g2 * jz[k];
            dv[k] += g3 * jx[k] + g4 * jy[k] + g5 * jz[k];
        }
    }

    /// <summary>
    /// Adds one residual pair: the non-identity entries in the row by <see cref="JacobianRow.Accumulate"/>, and when β
    /// is free the β×other cross terms (lower triangle, mirrored in <see cref="FinishIdentity"/>), Jᵀr for β, and the
    /// β×β block batched into <see cref="_batch"/> for <see cref="SymmetricRankUpdate"/>.
    /// </summary>
    void AccumulatePair(double ru, double rv, double scale)
    {
        int n = N;
        _row.Accumulate(H, G, n, ru, rv, scale);
        if (_betaStart < 0) return;
        _row.AccumulateCross(H, n, _betaStart, _bu, _bv, K, scale);
        double sq = Math.Sqrt(scale);
        for (int k = 0; k < K; k++)
        {
            G[_betaStart + k] += _bu[k] * ru + _bv[k] * rv;
            _batch[k * BatchRows + _batchCount] = sq * _bu[k];
            _batch[k * BatchRows + _batchCount + 1] = sq * _bv[k];
        }
        _batchCount += 2;
        if (_batchCount == BatchRows) FlushBatch();
    }

    void FlushBatch()
    {
        if (_batchCount == 0) return;
        SymmetricRankUpdate.Apply(H, N, _betaStart, _batch, K, _batchCount, BatchRows);
        _batchCount = 0;
    }

    /// <summary>Flushes the β batch and copies the β×other cross terms from the lower to the upper triangle.</summary>
    void FinishIdentity()
    {
        if (_betaStart < 0) return;
        FlushBatch();
        int n = N;
        for (int i = _betaStart + K; i < n; i++)
            for (int a = _betaStart; a < _betaStart + K; a++) H[a * n + i] = H[i * n + a];
    }

    /// <summary>Appends frame f's pose and active-expression derivatives scaled by w.</summary>
    void AppendFrame(JacobianRow row, int f, int p, ReadOnlySpan<double> gm, ReadOnlySpan<double> pose, double w)
    {
        if (_poseStart[f] >= 0)
        {
            row.AppendRun(_poseStart[f], 6, out var du, out var dv);
            for (int i = 0; i < 6; i++) { du[i] = w * pose[i]; dv[i] = w * pose[6 + i]; }
        }
        if (_psiStart[f] >= 0)
        {
            double g0 = w * gm[0], g1 = w * gm[1], g2 = w * gm[2], g3 = w * gm[3], g4 = w * gm[4], g5 = w * gm[5];
            int b = _psiStart[f];
            for (int a = _exStart[p]; a < _exStart[p + 1]; a++)
            {
                double ex = _exValue[3 * a], ey = _exValue[3 * a + 1], ez = _exValue[3 * a + 2];
                row.Append(b + _exIndex[a], g0 * ex + g1 * ey + g2 * ez, g3 * ex + g4 * ey + g5 * ez);
            }
        }
    }

    /// <summary><paramref name="to"/> = <paramref name="from"/> ⊕ δ (see the class remarks for the update rules).</summary>
    public void ApplyStep(FitState from, ReadOnlySpan<double> delta, FitState to)
    {
        to.CopyFrom(from);
        if (_betaStart >= 0) for (int k = 0; k < K; k++) to.Beta[k] += delta[_betaStart + k];
        for (int c = 0; c < C; c++)
        {
            if (_focalIdx[c] >= 0) to.Focal[c] = Math.Clamp(Math.Max(from.Focal[c] + delta[_focalIdx[c]], 0.2 * from.Focal[c]), _fMin[c], _fMax[c]);
            int cs = _camStart[c];
            if (cs >= 0)
            {
                to.CameraRotation[c] = (Matrix3d.Exp(delta[cs], delta[cs + 1], delta[cs + 2]) * from.CameraRotation[c]).Orthonormalized();
                for (int i = 0; i < 3; i++) to.CameraTranslation[3 * c + i] += delta[cs + 3 + i];
            }
        }
        for (int f = 0; f < F; f++)
        {
            int ps = _poseStart[f];
            if (ps >= 0)
            {
                to.Rotation[f] = (Matrix3d.Exp(delta[ps], delta[ps + 1], delta[ps + 2]) * from.Rotation[f]).Orthonormalized();
                for (int i = 0; i < 3; i++) to.Translation[3 * f + i] += delta[ps + 3 + i];
            }
            int es = _psiStart[f];
            if (es >= 0) for (int e = 0; e < E; e++) to.Psi[f * E + e] = Math.Clamp(from.Psi[f * E + e] + delta[es + e], 0, 1);
        }
    }

    /// <summary>
    /// Marks the expression parameters held at a bound (ψ = 0 with ∂E/∂ψ ≥ 0, or ψ = 1 with ∂E/∂ψ ≤ 0; gradient in
    /// <see cref="G"/>): the solver keeps them fixed for this step (projected Newton active set, Bertsekas 1982), so
    /// the step of the free parameters is not spoilt by clamping.
    /// </summary>
    public void MarkActiveBounds(FitState s, Span<bool> held)
    {
        held[..N].Clear();
        for (int f = 0; f < F; f++)
        {
            int b = _psiStart[f];
            if (b < 0) continue;
            for (int e = 0; e < E; e++)
            {
                double v = s.Psi[f * E + e], g = G[b + e];
                if ((v <= 0 && g >= 0) || (v >= 1 && g <= 0)) held[b + e] = true;
            }
        }
    }

    /// <summary>
    /// Re-picks sliding landmarks (eos-style contour correspondences): on the side of the face turned away from the
    /// camera each takes the candidate whose projection with the current pose is nearest its observation; on the
    /// near side (and for a frontal face) it keeps its fixed point, so the contour cannot slide inward on both sides
    /// to fit a wrong face width. Returns true when a correspondence changed.
    /// </summary>
    public bool UpdateContour(FitState s)
    {
        bool any = false, prepared = false;
        for (int k = 0; k < L; k++)
        {
            var cand = _candidates[k];
            if (cand.Length == 0) continue;
            if (!prepared) { PrepareIdentity(s, allPoints: true); prepared = true; }
            for (int f = 0; f < F; f++)
                for (int c = 0; c < C; c++)
                {
                    int o = (f * C + c) * L + k;
                    int bestP = k;
                    if (FarSide(s, f, c, k))
                    {
                        double best = double.PositiveInfinity;
                        foreach (int p in cand)
                        {
                            if (!Project(s, f, c, p, out double u, out double v)) continue;
                            double d = (u - _obs[o].X) * (u - _obs[o].X) + (v - _obs[o].Y) * (v - _obs[o].Y);
                            if (d < best) { best = d; bestP = p; }
                        }
                    }
                    if (bestP != _corr[o]) { _corr[o] = bestP; any = true; }
                }
        }
        if (any) RefreshInUse();
        return any;
    }

    /// <summary>
    /// True when landmark k's own fixed point is on the side of the face turned away from camera c: its depth
    /// exceeds the depth of its mirror image (x → −x) by more than 1 cm (about 5° of yaw for a jaw point).
    /// </summary>
    bool FarSide(FitState s, int f, int c, int k)
    {
        var (x, y, z) = ModelPoint(s, f, k);
        return Depth(s, f, c, x, y, z) > Depth(s, f, c, -x, y, z) + 1.0;
    }

    double Depth(FitState s, int f, int c, double x, double y, double z)
    {
        var (qx, qy, qz) = s.Rotation[f].Transform(x, y, z);
        double X = qx + s.Translation[3 * f], Y = qy + s.Translation[3 * f + 1], Z = qz + s.Translation[3 * f + 2];
        if (c > 0) (_, _, Z) = s.CameraRotation[c].Transform(X, Y, Z);
        return Z + (c > 0 ? s.CameraTranslation[3 * c + 2] : 0);
    }

    /// <summary>Resets every correspondence to the layout's fixed point.</summary>
    public void ResetContour()
    {
        for (int i = 0; i < _corr.Length; i++) _corr[i] = i % L;
        RefreshInUse();
    }

    public bool HasContour
    {
        get { foreach (var c in _candidates) if (c.Length > 0) return true; return false; }
    }

    /// <summary>Test hook: the residual vector in a fixed order (landmark pairs, temporal pairs, then priors); length via <see cref="ResidualCount"/>.</summary>
    internal void Residuals(FitState s, Span<double> r)
    {
        int i = 0;
        for (int f = 0; f < F; f++)
            for (int c = 0; c < C; c++)
                for (int k = 0; k < L; k++)
                {
                    int o = (f * C + c) * L + k;
                    Project(s, f, c, _corr[o], out double u, out double v);
                    r[i++] = (u - _obs[o].X) * _weight[o]; r[i++] = (v - _obs[o].Y) * _weight[o];
                }
        if (TemporalWeight > 0)
        {
            double w = Math.Sqrt(2 * TemporalWeight);
            for (int f = 0; f < F; f++)
            {
                if (f == 0 && !_hasAnchor) continue;
                for (int k = 0; k < L; k++)
                {
                    Project(s, f, 0, _corr[f * C * L + k], out double u, out double v);
                    double pu, pv;
                    if (f == 0) { pu = _anchor[2 * k]; pv = _anchor[2 * k + 1]; }
                    else Project(s, f - 1, 0, _corr[(f - 1) * C * L + k], out pu, out pv);
                    r[i++] = w * (u - pu); r[i++] = w * (v - pv);
                }
            }
        }
        for (int k = 0; k < K; k++) r[i++] = Math.Sqrt(2 * IdentityWeight) * s.Beta[k];
        for (int e = 0; e < s.Psi.Length; e++) r[i++] = Math.Sqrt(2 * ExpressionWeight) * s.Psi[e];
    }

    internal int ResidualCount => 2 * F * C * L + (TemporalWeight > 0 ? 2 * L * (F - 1 + (_hasAnchor ? 1 : 0)) : 0) + K + F * E;
}
