using DenseFace.Geometry;

namespace DenseFace.Fitting;

/// <summary>
/// Tracking mode of <see cref="FaceFitter"/> (created by <see cref="FaceFitter.CreateTracker"/>): the first frame is
/// a full single-image fit (identity, focal length unless given); every later frame optimises only its pose and
/// expression, warm-started from the previous frame, with the temporal term w_t Σ‖x_k − x_k,prev‖² pulling its
/// projections toward the previous frame's. Every <see cref="FitOptions.TrackingIdentityInterval"/> frames the
/// frame becomes a keyframe, and the identity, the focal length (when unknown) and the keyframes' poses are refitted
/// on the last <see cref="FitOptions.TrackingIdentityWindow"/> keyframes (from the second keyframe on; fixed
/// landmarks only, at most 128 each; expressions held fixed). Keyframes far apart in time see the head from more
/// different directions, which is what pins down identity and focal length (a frontal first frame leaves both loose). Workspaces are preallocated; per frame the solver allocates nothing (the returned
/// <see cref="FrameFit"/> is new). Not thread-safe.
/// </summary>
public sealed class TemporalFitter
{
    readonly FaceFitter _fitter;
    readonly CameraSpec _camera;
    readonly FitProblem _problem;
    readonly LevenbergMarquardt _lm;
    readonly FitState _state;
    readonly FitProblem[] _windows;        // index n − 2: a window of n keyframes
    readonly LevenbergMarquardt[] _windowLms;
    readonly FitState[] _windowStates;
    readonly double[] _anchor;
    readonly Landmark2D[][] _history;
    readonly FitState _historyStates;
    readonly bool[] _no = [false];
    readonly bool[] _focalFree;
    readonly int[] _refitLandmarks;
    int _frames, _keys;

    /// <summary>At most this many landmarks (evenly strided through the layout) per keyframe enter the identity refit.</summary>
    const int RefitLandmarkCap = 128;
    /// <summary>Sliding contour points are re-picked every this many frames.</summary>
    const int ContourInterval = 5;

    internal TemporalFitter(FaceFitter fitter, CameraSpec camera)
    {
        _fitter = fitter; _camera = camera;
        _focalFree = [camera.FocalPx is null];
        _problem = fitter.NewProblem(1, 1);
        _lm = new LevenbergMarquardt(_problem);
        _state = _problem.CreateState();
        int w = fitter.Options.TrackingIdentityWindow, landmarkCount = fitter.Layout.Count;
        // the refit uses fixed landmarks only (sliding contour points let the identity drift, measured) ...
        var fixedIdx = Enumerable.Range(0, landmarkCount).Where(k => fitter.Layout.ContourCandidates(k).IsEmpty).ToArray();
        if (fixedIdx.Length < FaceFitter.MinLandmarks) fixedIdx = Enumerable.Range(0, landmarkCount).ToArray();
        // ... at most RefitLandmarkCap of them, evenly strided
        int m = Math.Min(fixedIdx.Length, RefitLandmarkCap);
        _refitLandmarks = new int[m];
        for (int i = 0; i < m; i++) _refitLandmarks[i] = fixedIdx[(int)((long)i * fixedIdx.Length / m)];
        var sub = new FaceModel.SurfacePoint[m];
        for (int i = 0; i < m; i++) sub[i] = fitter.Layout.Points[_refitLandmarks[i]];
        var refitLayout = m == landmarkCount ? fitter.Layout : new FittingLayout(fitter.Layout.Name + "-refit", fitter.Model, sub);
        double cx = camera.Cx ?? (camera.Width - 1) / 2.0, cy = camera.Cy ?? (camera.Height - 1) / 2.0;
        int sizes = Math.Max(0, w - 1);
        _windows = new FitProblem[sizes]; _windowLms = new LevenbergMarquardt[sizes]; _windowStates = new FitState[sizes];
        for (int i = 0; i < sizes; i++)
        {
            var wp = fitter.NewProblem(i + 2, 1, refitLayout);
            wp.TemporalWeight = 0; // keyframes are far apart in time
            wp.SetPrincipalPoint(0, cx, cy);
            FaceFitter.SetFocalBounds(wp, 0, camera);
            _windows[i] = wp; _windowLms[i] = new LevenbergMarquardt(wp); _windowStates[i] = wp.CreateState();
        }
        _historyStates = new FitState(_problem.IdentityCount, _problem.ExpressionCount, w, 1);
        _history = new Landmark2D[w][];
        for (int i = 0; i < w; i++) _history[i] = new Landmark2D[m];
        _anchor = new double[2 * fitter.Layout.Count];
        _problem.SetPrincipalPoint(0, cx, cy);
    }

    /// <summary>Frames tracked so far.</summary>
    public int FrameCount => _frames;
    /// <summary>Current identity β (length = model identity count).</summary>
    public float[] Identity { get { var b = new float[_fitter.Model.IdentityCount]; for (int k = 0; k < _problem.IdentityCount; k++) b[k] = (float)_state.Beta[k]; return b; } }
    /// <summary>Current camera (focal length fitted on the first frame unless given).</summary>
    public PinholeCamera Camera => new(_camera.Width, _camera.Height, (float)_state.Focal[0], (float)_state.Focal[0], _camera.Cx, _camera.Cy);

    /// <summary>Root mean square distance (pixels) between the last tracked frame's landmarks and their fitted projections.</summary>
    public double LastRmsReprojectionPx { get; private set; }

    /// <summary>Tracks one frame; <paramref name="landmarks"/> follow the fitter's layout.</summary>
    /// <exception cref="InvalidInputException">Bad landmarks (see <see cref="FaceFitter.FitImage"/>).</exception>
    public FrameFit Track(ReadOnlySpan<Landmark2D> landmarks)
    {
        _fitter.CheckLandmarks(landmarks, "landmarks");
        if (_frames == 0)
        {
            var first = _fitter.FitImage(landmarks, _camera);
            for (int k = 0; k < _problem.IdentityCount; k++) _state.Beta[k] = first.Identity[k];
            _state.Rotation[0] = Matrix3d.FromQuaternion(first.Frames[0].Pose.Rotation);
            var t = first.Frames[0].Pose.Translation;
            (_state.Translation[0], _state.Translation[1], _state.Translation[2]) = (t.X, t.Y, t.Z);
            for (int e = 0; e < _problem.ExpressionCount; e++) _state.Psi[e] = first.Frames[0].Expression[e];
            _state.Focal[0] = first.Cameras[0].Fx;
            _problem.SetObservations(0, 0, landmarks);
            _problem.SetAnchor(default);
            _problem.PrepareIdentity(_state, allPoints: true);
            if (_problem.HasContour) _problem.UpdateContour(_state);
        }
        else
        {
            _problem.SetObservations(0, 0, landmarks);
            _problem.SetAnchor(_anchor);
            _problem.Configure(identity: false, pose: true, expression: true, _no, _no);
            // sliding contour points are re-picked every few frames only (the pick costs more than an iteration)
            if (_problem.HasContour && _frames % ContourInterval == 0) _problem.UpdateContour(_state);
            _lm.Solve(_state, _fitter.Options.TrackingIterations, _fitter.Options.RelativeTolerance);
        }
        // keyframes every TrackingIdentityInterval frames feed the identity / focal refit
        int interval = _fitter.Options.TrackingIdentityInterval;
        if (interval > 0 && _frames % interval == 0)
        {
            int w = _history.Length, slot = _keys % w;
            for (int i = 0; i < _refitLandmarks.Length; i++) _history[slot][i] = landmarks[_refitLandmarks[i]];
            _historyStates.CopyFrame(_state, 0, slot);
            _keys++;
            if (_keys >= 2 && w >= 2) RefitIdentity(slot);
        }
        _frames++;
        double sq = 0;
        for (int k = 0; k < _problem.LandmarkCount; k++)
        {
            _problem.ProjectLandmark(_state, 0, 0, k, out _anchor[2 * k], out _anchor[2 * k + 1]);
            double dx = _anchor[2 * k] - landmarks[k].X, dy = _anchor[2 * k + 1] - landmarks[k].Y;
            sq += dx * dx + dy * dy;
        }
        LastRmsReprojectionPx = Math.Sqrt(sq / _problem.LandmarkCount);
        var psi = new float[_problem.ExpressionCount];
        for (int e = 0; e < _problem.ExpressionCount; e++) psi[e] = (float)_state.Psi[e];
        return new FrameFit(FaceFitter.ToRigid(_state.Rotation[0], _state.Translation, 0), psi);
    }

    /// <summary>
    /// Refits identity β, the focal length (when unknown) and the window's head poses over the last window of frames,
    /// expressions held fixed (a frontal first frame leaves focal length and depth poorly determined; the turning
    /// head of later frames pins them down). The current frame takes the refitted pose.
    /// </summary>
    void RefitIdentity(int currentSlot)
    {
        int w = _history.Length, n = Math.Min(_keys, w);
        var problem = _windows[n - 2]; var state = _windowStates[n - 2]; var lm = _windowLms[n - 2];
        // window frame j ↔ ring slot (currentSlot − j) mod w: the n most recent keyframes
        for (int j = 0; j < n; j++)
        {
            int slot = (currentSlot - j + w) % w;
            state.CopyFrame(_historyStates, slot, j);
            problem.SetObservations(j, 0, _history[slot]);
        }
        _state.Beta.CopyTo(state.Beta, 0);
        state.Focal[0] = _state.Focal[0];
        problem.Configure(identity: true, pose: true, expression: false, _focalFree, _no);
        lm.Solve(state, 10, _fitter.Options.RelativeTolerance);
        for (int j = 0; j < n; j++) _historyStates.CopyFrame(state, j, (currentSlot - j + w) % w);
        state.Beta.CopyTo(_state.Beta, 0);
        _state.Focal[0] = state.Focal[0];
        _state.CopyFrame(state, 0, 0);
        _problem.PrepareIdentity(_state, allPoints: true);
    }
}
