using DenseFace.Geometry;

namespace DenseFace.Fitting;

/// <summary>
/// Tracking mode of <see cref="FaceFitter"/> (created by <see cref="FaceFitter.CreateTracker"/>): the first frame is
/// a full single-image fit (identity, focal length unless given); every later frame optimises only its pose and
/// expression, warm-started from the previous frame, with the temporal term w_t Σ‖x_k − x_k,prev‖² pulling its
/// projections toward the previous frame's. Every <see cref="FitOptions.TrackingIdentityInterval"/> frames the
/// identity is refitted on the last <see cref="FitOptions.TrackingIdentityWindow"/> frames with their poses and
/// expressions held fixed. Workspaces are preallocated; per frame the solver allocates nothing (the returned
/// <see cref="FrameFit"/> is new). Not thread-safe.
/// </summary>
public sealed class FaceTracker
{
    readonly FaceFitter _fitter;
    readonly CameraSpec _camera;
    readonly FitProblem _p, _window;
    readonly LevenbergMarquardt _lm, _windowLm;
    readonly FitState _s, _windowState;
    readonly double[] _anchor;
    readonly Landmark2D[][] _history;
    readonly FitState _historyStates;
    readonly bool[] _no = [false];
    int _frames;

    internal FaceTracker(FaceFitter fitter, CameraSpec camera)
    {
        _fitter = fitter; _camera = camera;
        _p = fitter.NewProblem(1, 1);
        _lm = new LevenbergMarquardt(_p);
        _s = new FitState(_p.K, _p.E, 1, 1);
        int w = fitter.Options.TrackingIdentityWindow;
        _window = fitter.NewProblem(w, 1);
        _window.TemporalWeight = 0;
        _windowLm = new LevenbergMarquardt(_window);
        _windowState = new FitState(_p.K, _p.E, w, 1);
        _historyStates = new FitState(_p.K, _p.E, w, 1);
        _history = new Landmark2D[w][];
        for (int i = 0; i < w; i++) _history[i] = new Landmark2D[fitter.Layout.Count];
        _anchor = new double[2 * fitter.Layout.Count];
        double cx = camera.Cx ?? (camera.Width - 1) / 2.0, cy = camera.Cy ?? (camera.Height - 1) / 2.0;
        _p.SetPrincipalPoint(0, cx, cy);
        _window.SetPrincipalPoint(0, cx, cy);
    }

    /// <summary>Frames tracked so far.</summary>
    public int FrameCount => _frames;
    /// <summary>Current identity β (length = model identity count).</summary>
    public float[] Identity { get { var b = new float[_fitter.Model.IdentityCount]; for (int k = 0; k < _p.K; k++) b[k] = (float)_s.Beta[k]; return b; } }
    /// <summary>Current camera (focal length fitted on the first frame unless given).</summary>
    public PinholeCamera Camera => new(_camera.Width, _camera.Height, (float)_s.Focal[0], (float)_s.Focal[0], _camera.Cx, _camera.Cy);

    /// <summary>Tracks one frame; <paramref name="landmarks"/> follow the fitter's layout.</summary>
    /// <exception cref="InvalidInputException">Bad landmarks (see <see cref="FaceFitter.FitImage"/>).</exception>
    public FrameFit Track(ReadOnlySpan<Landmark2D> landmarks)
    {
        _fitter.CheckLandmarks(landmarks, "landmarks");
        if (_frames == 0)
        {
            var first = _fitter.FitImage(landmarks, _camera);
            for (int k = 0; k < _p.K; k++) _s.Beta[k] = first.Identity[k];
            _s.Rotation[0] = Matrix3d.FromQuaternion(first.Frames[0].Pose.Rotation);
            var t = first.Frames[0].Pose.Translation;
            (_s.Translation[0], _s.Translation[1], _s.Translation[2]) = (t.X, t.Y, t.Z);
            for (int e = 0; e < _p.E; e++) _s.Psi[e] = first.Frames[0].Expression[e];
            _s.Focal[0] = first.Cameras[0].Fx;
            _p.SetObservations(0, 0, landmarks);
            _p.SetAnchor(default);
            _p.PrepareIdentity(_s, allPoints: true);
            if (_p.HasContour) _p.UpdateContour(_s);
        }
        else
        {
            _p.SetObservations(0, 0, landmarks);
            _p.SetAnchor(_anchor);
            _p.Configure(identity: false, pose: true, expression: true, _no, _no);
            if (_p.HasContour) _p.UpdateContour(_s);
            _lm.Solve(_s, _fitter.Options.TrackingIterations, _fitter.Options.RelativeTolerance);
        }
        for (int k = 0; k < _p.L; k++)
            _p.ProjectLandmark(_s, 0, 0, k, out _anchor[2 * k], out _anchor[2 * k + 1]);
        int w = _history.Length, slot = _frames % w;
        landmarks.CopyTo(_history[slot]);
        _historyStates.CopyFrame(_s, 0, slot);
        _frames++;
        int interval = _fitter.Options.TrackingIdentityInterval;
        if (interval > 0 && _frames % interval == 0 && _frames >= w) RefitIdentity();
        var psi = new float[_p.E];
        for (int e = 0; e < _p.E; e++) psi[e] = (float)_s.Psi[e];
        return new FrameFit(FaceFitter.ToRigid(_s.Rotation[0], _s.Translation, 0), psi);
    }

    /// <summary>Identity-only LM over the last window of frames (poses and expressions fixed).</summary>
    void RefitIdentity()
    {
        int w = _history.Length;
        _windowState.CopyFrom(_historyStates);
        _s.Beta.CopyTo(_windowState.Beta, 0);
        _windowState.Focal[0] = _s.Focal[0];
        for (int f = 0; f < w; f++) _window.SetObservations(f, 0, _history[f]);
        _window.Configure(identity: true, pose: false, expression: false, _no, _no);
        if (_window.HasContour) _window.UpdateContour(_windowState);
        _windowLm.Solve(_windowState, 10, _fitter.Options.RelativeTolerance);
        _windowState.Beta.CopyTo(_s.Beta, 0);
        _p.PrepareIdentity(_s, allPoints: true);
    }
}
