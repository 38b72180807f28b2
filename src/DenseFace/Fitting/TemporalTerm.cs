namespace DenseFace.Fitting;

/// <summary>
/// The temporal smoothness term of Wood et al. 2022 (sec. 3.2), w_t Σ_k ‖x_i,k − x_(i−1),k‖² between the camera-0
/// projections (px) of each landmark in neighbouring frames of a joint fit, and, when tracking frame by frame, against
/// a fixed anchor: the previous frame's projections (<see cref="SetAnchor"/>) pull frame 0. As residuals it is
/// √(2 w_t)(x_i,k − x_(i−1),k) (E = ½ Σ r²). The anchor residual shares its Jacobian with the landmark residual of the
/// same point (both are multiples of the projection Jacobian), so <see cref="FitProblem"/> folds it into that pair
/// (<see cref="FoldAnchor"/>); the neighbouring-frame pairs are accumulated by <see cref="Accumulate"/>.
/// </summary>
internal sealed class TemporalTerm
{
    readonly int _landmarkCount, _frameCount;
    readonly double[] _anchor;       // 2 per landmark: previous-frame projections, px (tracking)
    readonly double[] _previous;     // 2 per frame and landmark: camera-0 projections of the energy pass, px

    /// <summary>The term for <paramref name="frameCount"/> frames of <paramref name="landmarkCount"/> landmarks, weight 0, no anchor.</summary>
    public TemporalTerm(int landmarkCount, int frameCount)
    {
        _landmarkCount = landmarkCount; _frameCount = frameCount;
        _anchor = new double[2 * landmarkCount];
        _previous = new double[2 * frameCount * landmarkCount];
    }

    /// <summary>w_t (per px², ≥ 0); 0 switches the term off.</summary>
    public double Weight { get; set; }

    /// <summary>True when frame 0 is pulled toward anchor projections.</summary>
    public bool HasAnchor { get; private set; }

    /// <summary>Sets (or clears, when empty) the previous-frame projections (px, u then v per landmark) the term pulls frame 0 toward.</summary>
    public void SetAnchor(ReadOnlySpan<double> previousPixels)
    {
        HasAnchor = !previousPixels.IsEmpty;
        if (HasAnchor) previousPixels.CopyTo(_anchor);
    }

    /// <summary>
    /// Energy of landmark <paramref name="landmark"/> of frame <paramref name="frame"/> projected to
    /// (<paramref name="u"/>, <paramref name="v"/>) in camera 0 against the previous frame (or the anchor for frame 0;
    /// zero without one). Frames must be visited in ascending order: the projection is recorded for the next frame.
    /// </summary>
    public double Energy(int frame, int landmark, double u, double v)
    {
        int L = _landmarkCount, k = landmark;
        double pu, pv;
        if (frame > 0) { pu = _previous[2 * ((frame - 1) * L + k)]; pv = _previous[2 * ((frame - 1) * L + k) + 1]; }
        else if (HasAnchor) { pu = _anchor[2 * k]; pv = _anchor[2 * k + 1]; }
        else { pu = u; pv = v; }
        _previous[2 * (frame * L + k)] = u; _previous[2 * (frame * L + k) + 1] = v;
        return Weight * ((u - pu) * (u - pu) + (v - pv) * (v - pv));
    }

    /// <summary>
    /// Folds the anchor residual of landmark <paramref name="landmark"/> (frame 0, camera 0, projected to
    /// (<paramref name="u"/>, <paramref name="v"/>)) into its landmark pair: adds 2w_t to the pair's Jacobian scale and
    /// 2w_t (x − a) to its weighted residuals; returns the anchor energy w_t ‖x − a‖².
    /// </summary>
    public double FoldAnchor(int landmark, double u, double v, ref double scale, ref double ru, ref double rv)
    {
        double au = u - _anchor[2 * landmark], av = v - _anchor[2 * landmark + 1], wt2 = 2 * Weight;
        scale += wt2; ru += wt2 * au; rv += wt2 * av;
        return Weight * (au * au + av * av);
    }

    /// <summary>
    /// Accumulates the neighbouring-frame pairs (frames 1.. against their predecessor, camera 0) into
    /// <paramref name="problem"/>'s normal equations at <paramref name="s"/>; returns <paramref name="energy"/> plus
    /// their energy. Does nothing when the weight is 0.
    /// </summary>
    public double Accumulate(FitProblem problem, FitState s, double energy)
    {
        if (!(Weight > 0)) return energy;
        Span<double> gm = stackalloc double[6], pose = stackalloc double[12], cam = stackalloc double[12];
        Span<double> gm2 = stackalloc double[6], pose2 = stackalloc double[12];
        var correspondences = problem.Correspondences;
        var parameters = problem.Parameters;
        var equations = problem.Equations;
        double w = Math.Sqrt(2 * Weight);
        for (int f = 1; f < _frameCount; f++)
        {
            for (int k = 0; k < _landmarkCount; k++)
            {
                int p = correspondences.PointOf(f, 0, k);
                problem.PointDerivatives(s, f, 0, p, out double u, out double v, gm, pose, out double fu, out double fv, cam);
                var row = equations.Row;
                row.Clear();
                int p0 = correspondences.PointOf(f - 1, 0, k);
                problem.PointDerivatives(s, f - 1, 0, p0, out double u0, out double v0, gm2, pose2, out double fu0, out double fv0, cam);
                double ru = w * (u - u0), rv = w * (v - v0);
                if (parameters.IdentityFree) problem.Basis.IdentityDerivatives(p, gm, w, p0, gm2, -w, equations.IdentityU, equations.IdentityV);
                if (parameters.FocalIndex(0) >= 0) row.Append(parameters.FocalIndex(0), w * (fu - fu0), w * (fv - fv0));
                problem.AppendFrame(row, f - 1, p0, gm2, pose2, -w);
                problem.AppendFrame(row, f, p, gm, pose, w);
                energy += 0.5 * (ru * ru + rv * rv);
                equations.AddPair(ru, rv, 1);
            }
        }
        return energy;
    }

    /// <summary>Number of temporal residuals: two per landmark for every frame with a predecessor or anchor (0 when the weight is 0).</summary>
    public int ResidualCount => Weight > 0 ? 2 * _landmarkCount * (_frameCount - 1 + (HasAnchor ? 1 : 0)) : 0;

    /// <summary>Test hook: writes the temporal residuals (frame 0 against the anchor if any, then frames 1.. against their predecessor) at <paramref name="r"/>[<paramref name="i"/>..], advancing <paramref name="i"/>.</summary>
    public void Residuals(FitProblem problem, FitState s, Span<double> r, ref int i)
    {
        if (!(Weight > 0)) return;
        double w = Math.Sqrt(2 * Weight);
        for (int f = 0; f < _frameCount; f++)
        {
            if (f == 0 && !HasAnchor) continue;
            for (int k = 0; k < _landmarkCount; k++)
            {
                problem.ProjectLandmark(s, f, 0, k, out double u, out double v);
                double pu, pv;
                if (f == 0) { pu = _anchor[2 * k]; pv = _anchor[2 * k + 1]; }
                else problem.ProjectLandmark(s, f - 1, 0, k, out pu, out pv);
                r[i++] = w * (u - pu); r[i++] = w * (v - pv);
            }
        }
    }
}
