namespace DenseFace.Fitting;

/// <summary>
/// Which basis point of <see cref="LandmarkShapeBasis"/> each observed landmark corresponds to, per frame and
/// camera, and the sliding jaw contour: a layout landmark with contour candidates (<see cref="FittingLayout.ContourCandidates"/>)
/// may be re-assigned to the candidate vertex whose projection is nearest its observation (eos-style contour
/// correspondences), all others keep their own point (landmark k ↔ basis point k). Observations are indexed
/// (frame · cameras + camera) · landmarks + landmark.
/// </summary>
internal sealed class ContourCorrespondences
{
    /// <summary>A fixed point on the far side of the face is at least this much deeper (cm) than its mirror image (x → −x): about 5° of yaw for a jaw point.</summary>
    const double FarSideDepthMargin = 1.0;

    readonly int _landmarkCount, _cameraCount;
    readonly int[][] _candidates;   // per landmark: basis points it may slide to (empty = fixed)
    readonly int[] _point;          // per observation: current basis point
    readonly bool[] _inUse;         // per basis point: some observation uses it

    /// <summary>
    /// Correspondences of <paramref name="layout"/> for <paramref name="frameCount"/> × <paramref name="cameraCount"/>
    /// views, all at the landmarks' own points. <see cref="CandidateVertices"/> lists the model vertices that become
    /// basis points landmarks, landmarks + 1, ...
    /// </summary>
    public ContourCorrespondences(FittingLayout layout, int frameCount, int cameraCount)
    {
        int L = layout.Count;
        _landmarkCount = L; _cameraCount = cameraCount;
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
        CandidateVertices = candVerts.ToArray();
        _point = new int[frameCount * cameraCount * L];
        for (int i = 0; i < _point.Length; i++) _point[i] = i % L;
        _inUse = new bool[L + CandidateVertices.Length];
        RefreshInUse();
    }

    /// <summary>Model vertex ids of the contour candidates, in basis-point order after the layout's landmarks.</summary>
    public int[] CandidateVertices { get; }

    /// <summary>Per basis point: whether some observation currently corresponds to it (for <see cref="LandmarkShapeBasis.PrepareIdentity"/>).</summary>
    public bool[] PointsInUse => _inUse;

    /// <summary>True when some landmark can slide (the layout has a contour).</summary>
    public bool HasContour
    {
        get { foreach (var c in _candidates) if (c.Length > 0) return true; return false; }
    }

    /// <summary>Basis point of landmark <paramref name="landmark"/> seen in frame <paramref name="frame"/> by camera <paramref name="camera"/>.</summary>
    public int PointOf(int frame, int camera, int landmark) => _point[(frame * _cameraCount + camera) * _landmarkCount + landmark];

    /// <summary>Basis point of observation <paramref name="observation"/> ((frame · cameras + camera) · landmarks + landmark).</summary>
    public int PointOf(int observation) => _point[observation];

    /// <summary>Resets every correspondence to the layout's fixed point.</summary>
    public void Reset()
    {
        for (int i = 0; i < _point.Length; i++) _point[i] = i % _landmarkCount;
        RefreshInUse();
    }

    void RefreshInUse()
    {
        Array.Clear(_inUse);
        foreach (int q in _point) _inUse[q] = true;
    }

    /// <summary>
    /// Re-picks sliding landmarks: on the side of the face turned away from the camera each takes the candidate whose
    /// projection with the current pose is nearest its observation (px); on the near side (and for a frontal face) it
    /// keeps its fixed point, so the contour cannot slide inward on both sides to fit a wrong face width.
    /// Recomputes the identity shape of all basis points first. Returns true when a correspondence changed.
    /// </summary>
    public bool Update(FitState s, LandmarkShapeBasis basis, CameraModel cameras, ReadOnlySpan<Landmark2D> observations, int frameCount)
    {
        bool any = false, prepared = false;
        for (int k = 0; k < _landmarkCount; k++)
        {
            var cand = _candidates[k];
            if (cand.Length == 0) continue;
            if (!prepared) { basis.PrepareIdentity(s, pointsInUse: null); prepared = true; }
            for (int f = 0; f < frameCount; f++)
                for (int c = 0; c < _cameraCount; c++)
                {
                    int o = (f * _cameraCount + c) * _landmarkCount + k;
                    int bestP = k;
                    if (FarSide(s, basis, f, c, k))
                    {
                        double best = double.PositiveInfinity;
                        foreach (int p in cand)
                        {
                            var (x, y, z) = basis.ModelPoint(s, f, p);
                            if (!cameras.Project(s, f, c, x, y, z, out double u, out double v)) continue;
                            double d = (u - observations[o].X) * (u - observations[o].X) + (v - observations[o].Y) * (v - observations[o].Y);
                            if (d < best) { best = d; bestP = p; }
                        }
                    }
                    if (bestP != _point[o]) { _point[o] = bestP; any = true; }
                }
        }
        if (any) RefreshInUse();
        return any;
    }

    /// <summary>
    /// True when landmark <paramref name="landmark"/>'s own fixed point is on the side of the face turned away from
    /// the camera: its depth exceeds the depth of its mirror image (x → −x) by more than <see cref="FarSideDepthMargin"/>.
    /// </summary>
    static bool FarSide(FitState s, LandmarkShapeBasis basis, int frame, int camera, int landmark)
    {
        var (x, y, z) = basis.ModelPoint(s, frame, landmark);
        return CameraModel.Depth(s, frame, camera, x, y, z) > CameraModel.Depth(s, frame, camera, -x, y, z) + FarSideDepthMargin;
    }
}
