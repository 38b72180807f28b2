using DenseFace.FaceModel;
using DenseFace.Geometry;

namespace DenseFace.Fitting;

/// <summary>
/// Fits the ICT-FaceKit model to probabilistic 2D landmarks (Wood et al. 2022, "3D face reconstruction with dense
/// landmarks", sec. 3.2–3.3) by Levenberg–Marquardt with sparse normal equations. Three modes:
/// <list type="bullet">
/// <item><see cref="FitImage"/>: one image — rigid start on the mean shape (weak perspective + pose-only LM) for
/// each focal length of <see cref="FitOptions.FocalSweep"/> (unless given), the lowest energy wins, then identity,
/// expression, pose and focal jointly, re-picking sliding contour landmarks between rounds.</item>
/// <item><see cref="CreateTracker"/>: a video — pose and expression per frame, warm-started from the previous
/// frame with the temporal term, identity refitted on a window every few frames.</item>
/// <item><see cref="FitJoint"/>: all frames and views at once with a shared identity (dense normal equations,
/// up to 2048 parameters, about 30 frames).</item>
/// </list>
/// Landmarks are in pixels (0-based pixel centres); the camera uses OpenCV axes; the pose maps model space (y up,
/// cm) to the first camera. An instance caches its single-image workspace and is not thread-safe.
/// </summary>
public sealed class FaceFitter
{
    /// <summary>Fewest landmarks accepted (the rigid pose plus focal length need at least 4 points; 6 leaves redundancy).</summary>
    public const int MinLandmarks = 6;

    FitProblem? _single;
    LevenbergMarquardt? _singleLm;
    readonly double[] _initModel, _initImage;

    /// <summary>The face model.</summary>
    public MorphableModel Model { get; }
    /// <summary>The landmark layout every observation set must follow.</summary>
    public FittingLayout Layout { get; }
    /// <summary>Energy weights and solver settings.</summary>
    public FitOptions Options { get; }

    /// <summary>Creates a fitter for <paramref name="layout"/> (validated options; defaults when null).</summary>
    public FaceFitter(MorphableModel model, FittingLayout layout, FitOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(layout);
        Options = options ?? new FitOptions();
        Options.Validate();
        if (Options.IdentityModes > model.IdentityCount) throw new InvalidInputException("fit options", $"IdentityModes {Options.IdentityModes} exceeds the model's {model.IdentityCount}");
        if (layout.Count < MinLandmarks) throw new InvalidInputException("layout", $"has {layout.Count} landmarks; at least {MinLandmarks} are needed");
        Model = model; Layout = layout;
        _initModel = new double[3 * layout.Count];
        _initImage = new double[2 * layout.Count];
    }

    /// <summary>A problem for <paramref name="frames"/> × <paramref name="cameras"/> views of <paramref name="layout"/> (default <see cref="Layout"/>) with this fitter's options.</summary>
    internal FitProblem NewProblem(int frames, int cameras, FittingLayout? layout = null)
    {
        var p = new FitProblem(Model, layout ?? Layout, Options.IdentityModes, Options.ExpressionSparsityThreshold, frames, cameras)
        {
            IdentityWeight = Options.IdentityWeight,
            ExpressionWeight = Options.ExpressionWeight,
            TemporalWeight = Options.TemporalWeight,
        };
        return p;
    }

    (FitProblem, LevenbergMarquardt) Single()
    {
        if (_single is null) { _single = NewProblem(1, 1); _singleLm = new LevenbergMarquardt(_single); }
        return (_single, _singleLm!);
    }

    /// <summary>
    /// Fits one image. <paramref name="landmarks"/> follow <see cref="Layout"/>; <paramref name="camera"/> gives the
    /// image size and optionally the focal length (px) and principal point.
    /// </summary>
    /// <exception cref="InvalidInputException">Wrong landmark count, non-finite values, σ ≤ 0, bad image size or focal, or degenerate (collinear) landmarks.</exception>
    public FitResult FitImage(ReadOnlySpan<Landmark2D> landmarks, CameraSpec camera)
    {
        ArgumentNullException.ThrowIfNull(camera);
        camera.Validate("camera");
        CheckLandmarks(landmarks, "landmarks");
        var (p, lm) = Single();
        p.ResetContour();
        p.SetObservations(0, 0, landmarks);
        p.SetPrincipalPoint(0, camera.Cx ?? (camera.Width - 1) / 2.0, camera.Cy ?? (camera.Height - 1) / 2.0);
        SetFocalBounds(p, 0, camera);
        p.SetAnchor(default);
        var s = p.CreateState();
        int iterations = InitialiseView(p, lm, s, 0, camera);
        iterations += Refine(p, lm, s, identity: true, pose: true, expression: true, [camera.FocalPx is null], [false]);
        return BuildResult(p, s, [camera], iterations);
    }

    /// <summary>
    /// Fits all frames and views jointly with one identity: <paramref name="observations"/>[frame][camera] holds
    /// that view's landmarks (layout order). Unknown focal lengths are optimised per camera, unknown camera
    /// transforms (<see cref="CameraSpec.FromFirstCamera"/> null) are initialised from per-view rigid fits of the
    /// first frame and optimised. The temporal term links consecutive frames in camera 0 (set
    /// <see cref="FitOptions.TemporalWeight"/> to 0 when the frames are separate photos rather than video).
    /// </summary>
    public FitResult FitJoint(IReadOnlyList<IReadOnlyList<Landmark2D[]>> observations, IReadOnlyList<CameraSpec> cameras)
    {
        ArgumentNullException.ThrowIfNull(observations);
        ArgumentNullException.ThrowIfNull(cameras);
        int frameCount = observations.Count, cameraCount = cameras.Count;
        if (frameCount < 1) throw new InvalidInputException("observations", "no frames");
        if (cameraCount < 1 || cameraCount > 64) throw new InvalidInputException("cameras", $"{cameraCount} cameras; 1..64 are supported");
        for (int c = 0; c < cameraCount; c++) { ArgumentNullException.ThrowIfNull(cameras[c]); cameras[c].Validate($"camera {c}"); }
        for (int f = 0; f < frameCount; f++)
        {
            if (observations[f] is null || observations[f].Count != cameraCount) throw new InvalidInputException("observations", $"frame {f} has {observations[f]?.Count ?? 0} views for {cameraCount} cameras");
            for (int c = 0; c < cameraCount; c++) CheckLandmarks(observations[f][c], $"observations[{f}][{c}]");
        }
        var p = NewProblem(frameCount, cameraCount);
        var lm = new LevenbergMarquardt(p);
        var s = p.CreateState();
        for (int c = 0; c < cameraCount; c++)
        {
            p.SetPrincipalPoint(c, cameras[c].Cx ?? (cameras[c].Width - 1) / 2.0, cameras[c].Cy ?? (cameras[c].Height - 1) / 2.0);
            SetFocalBounds(p, c, cameras[c]);
            for (int f = 0; f < frameCount; f++) p.SetObservations(f, c, observations[f][c]);
        }
        // per-view rigid starts on a single-view problem
        var (sp, slm) = Single();
        sp.SetAnchor(default);
        var view = sp.CreateState();
        int iterations = 0;
        var r0 = Matrix3d.Identity; double t0x = 0, t0y = 0, t0z = 0;
        for (int c = 0; c < cameraCount; c++)
        {
            var cam = cameras[c];
            sp.ResetContour();
            sp.SetPrincipalPoint(0, cam.Cx ?? (cam.Width - 1) / 2.0, cam.Cy ?? (cam.Height - 1) / 2.0);
            sp.SetObservations(0, 0, observations[0][c]);
            Array.Clear(view.Beta); Array.Clear(view.Psi);
            iterations += InitialiseView(sp, slm, view, 0, cam);
            s.Focal[c] = view.Focal[0];
            if (c == 0)
            {
                r0 = view.Rotation[0]; (t0x, t0y, t0z) = (view.Translation[0], view.Translation[1], view.Translation[2]);
            }
            else if (cam.FromFirstCamera is RigidTransform known)
            {
                s.CameraRotation[c] = Matrix3d.FromQuaternion(known.Rotation);
                (s.CameraTranslation[3 * c], s.CameraTranslation[3 * c + 1], s.CameraTranslation[3 * c + 2]) = (known.Translation.X, known.Translation.Y, known.Translation.Z);
            }
            else
            {
                // R_c = R_view R_0ᵀ, t_c = t_view − R_c t_0
                var rc = (view.Rotation[0] * r0.Transposed()).Orthonormalized();
                s.CameraRotation[c] = rc;
                var (x, y, z) = rc.Transform(t0x, t0y, t0z);
                s.CameraTranslation[3 * c] = view.Translation[0] - x; s.CameraTranslation[3 * c + 1] = view.Translation[1] - y; s.CameraTranslation[3 * c + 2] = view.Translation[2] - z;
            }
        }
        // every frame starts from a rigid fit in camera 0 (sequential frames could warm start, but views may be unordered)
        for (int f = 0; f < frameCount; f++)
        {
            if (f > 0)
            {
                sp.ResetContour();
                sp.SetPrincipalPoint(0, cameras[0].Cx ?? (cameras[0].Width - 1) / 2.0, cameras[0].Cy ?? (cameras[0].Height - 1) / 2.0);
                sp.SetObservations(0, 0, observations[f][0]);
                Array.Clear(view.Beta); Array.Clear(view.Psi);
                iterations += InitialiseView(sp, slm, view, 0, cameras[0] with { FocalPx = (float)s.Focal[0] });
                r0 = view.Rotation[0]; (t0x, t0y, t0z) = (view.Translation[0], view.Translation[1], view.Translation[2]);
            }
            s.Rotation[f] = r0;
            (s.Translation[3 * f], s.Translation[3 * f + 1], s.Translation[3 * f + 2]) = (t0x, t0y, t0z);
        }
        var focalFree = new bool[cameraCount];
        var extFree = new bool[cameraCount];
        for (int c = 0; c < cameraCount; c++) { focalFree[c] = cameras[c].FocalPx is null; extFree[c] = c > 0 && cameras[c].FromFirstCamera is null; }
        if (!double.IsFinite(p.TotalEnergyPrepared(s)))
            throw new InvalidInputException("observations", "the views could not be initialised consistently (landmarks fall behind a camera); check the camera order and transforms");
        iterations += Refine(p, lm, s, identity: true, pose: true, expression: true, focalFree, extFree);
        return BuildResult(p, s, cameras, iterations);
    }

    /// <summary>Starts tracking a video seen by <paramref name="camera"/> (see <see cref="TemporalFitter"/>).</summary>
    public TemporalFitter CreateTracker(CameraSpec camera)
    {
        ArgumentNullException.ThrowIfNull(camera);
        camera.Validate("camera");
        return new TemporalFitter(this, camera);
    }

    /// <summary>
    /// Bounds of an unknown focal length: [0.5, 10] × max(width, height) — from a 90° to a 6° field of view, wider
    /// than <see cref="FitOptions.FocalSweep"/>.
    /// </summary>
    internal static void SetFocalBounds(FitProblem p, int camera, CameraSpec spec)
    {
        double size = Math.Max(spec.Width, spec.Height);
        if (spec.FocalPx is null) p.SetFocalBounds(camera, 0.5 * size, 10 * size);
        else p.SetFocalBounds(camera, 0, double.MaxValue);
    }

    /// <summary>Checks one view's landmarks: layout count, finite, σ &gt; 0, not degenerate (see <see cref="FitImage"/>); <paramref name="name"/> names the input in the error.</summary>
    internal void CheckLandmarks(ReadOnlySpan<Landmark2D> landmarks, string name)
    {
        if (landmarks.Length != Layout.Count)
            throw new InvalidInputException(name, $"{landmarks.Length} landmarks for the {Layout.Count}-point layout '{Layout.Name}'");
        Landmark2D.Validate(landmarks, name);
        // degenerate configurations: the 2D points must span an area (smallest principal spread ≥ 0.5 px)
        double mx = 0, my = 0;
        foreach (var l in landmarks) { mx += l.X; my += l.Y; }
        mx /= landmarks.Length; my /= landmarks.Length;
        double sxx = 0, sxy = 0, syy = 0;
        foreach (var l in landmarks) { double dx = l.X - mx, dy = l.Y - my; sxx += dx * dx; sxy += dx * dy; syy += dy * dy; }
        sxx /= landmarks.Length; sxy /= landmarks.Length; syy /= landmarks.Length;
        double tr = sxx + syy, det = sxx * syy - sxy * sxy;
        double minEig = 0.5 * (tr - Math.Sqrt(Math.Max(tr * tr - 4 * det, 0)));
        if (!(minEig >= 0.25))
            throw new InvalidInputException(name, "the landmarks are degenerate (coincident or collinear); they must span an area of the image");
    }

    /// <summary>Rigid start of frame <paramref name="frame"/> of <paramref name="s"/> in a single-view problem: focal sweep, weak perspective, pose-only LM. Leaves the best focal in s.Focal[0].</summary>
    int InitialiseView(FitProblem p, LevenbergMarquardt lm, FitState s, int frame, CameraSpec camera)
    {
        int landmarkCount = Layout.Count, iterations = 0;
        p.PrepareIdentity(s, allPoints: false);
        // model points: the landmark points of the current identity shape (neutral on a fresh state)
        var pts = Layout.Points;
        var neutral = Model.NeutralPositions;
        for (int k = 0; k < landmarkCount; k++)
        {
            var (a, b, c) = Model.TriangleCorners(pts[k].Triangle, "layout");
            var q = pts[k].W * neutral[a] + pts[k].U * neutral[b] + pts[k].V * neutral[c];
            _initModel[3 * k] = q.X; _initModel[3 * k + 1] = q.Y; _initModel[3 * k + 2] = q.Z;
            var o = p.Observation(frame, 0, k);
            _initImage[2 * k] = o.X; _initImage[2 * k + 1] = o.Y;
        }
        double size = Math.Max(camera.Width, camera.Height);
        double cx = camera.Cx ?? (camera.Width - 1) / 2.0, cy = camera.Cy ?? (camera.Height - 1) / 2.0;
        ReadOnlySpan<double> sweep = camera.FocalPx is float known ? [known] : [.. Options.FocalSweep.Select(x => x * size)];
        double bestE = double.PositiveInfinity;
        Matrix3d bestR = Matrix3d.Identity; double bx = 0, by = 0, bz = 0, bf = 0;
        Span<bool> no = [false], yes = [true];
        foreach (double focal in sweep)
        {
            if (!RigidInitializer.Estimate(_initModel, _initImage, landmarkCount, focal, cx, cy, out var r, out double tx, out double ty, out double tz)) continue;
            s.Rotation[frame] = r; s.Translation[3 * frame] = tx; s.Translation[3 * frame + 1] = ty; s.Translation[3 * frame + 2] = tz;
            s.Focal[0] = focal;
            p.Configure(identity: false, pose: true, expression: false, no, no);
            if (!double.IsFinite(p.TotalEnergyPrepared(s))) continue;
            var (it, e) = lm.Solve(s, 20, 1e-4);
            iterations += it;
            if (e < bestE) { bestE = e; bestR = s.Rotation[frame]; bx = s.Translation[3 * frame]; by = s.Translation[3 * frame + 1]; bz = s.Translation[3 * frame + 2]; bf = focal; }
        }
        if (!double.IsFinite(bestE))
            throw new InvalidInputException("landmarks", "no rigid pose explains the landmarks (degenerate configuration)");
        s.Rotation[frame] = bestR; s.Translation[3 * frame] = bx; s.Translation[3 * frame + 1] = by; s.Translation[3 * frame + 2] = bz; s.Focal[0] = bf;
        return iterations;
    }

    /// <summary>Joint LM in <see cref="FitOptions.ContourRounds"/> rounds, re-picking sliding landmarks before each.</summary>
    internal int Refine(FitProblem p, LevenbergMarquardt lm, FitState s, bool identity, bool pose, bool expression, ReadOnlySpan<bool> focal, ReadOnlySpan<bool> extrinsics)
    {
        p.Configure(identity, pose, expression, focal, extrinsics);
        int rounds = p.HasContour ? Options.ContourRounds : 1, iterations = 0;
        int per = Math.Max(1, Options.MaxIterations / rounds);
        for (int r = 0; r < rounds; r++)
        {
            if (p.HasContour && !p.UpdateContour(s) && r > 0) break;
            iterations += lm.Solve(s, per, Options.RelativeTolerance).Iterations;
        }
        return iterations;
    }

    /// <summary>The public result of state <paramref name="s"/>: parameters, cameras, energy terms and reprojection errors (px).</summary>
    internal FitResult BuildResult(FitProblem p, FitState s, IReadOnlyList<CameraSpec> cameras, int iterations)
    {
        p.PrepareIdentity(s, allPoints: false);
        var (el, ei, ee, et) = p.Energy(s);
        var beta = new float[Model.IdentityCount];
        for (int k = 0; k < p.IdentityCount; k++) beta[k] = (float)s.Beta[k];
        var frames = new FrameFit[p.FrameCount];
        for (int f = 0; f < p.FrameCount; f++)
        {
            var psi = new float[p.ExpressionCount];
            for (int e = 0; e < p.ExpressionCount; e++) psi[e] = (float)s.Psi[f * p.ExpressionCount + e];
            frames[f] = new FrameFit(ToRigid(s.Rotation[f], s.Translation, f), psi);
        }
        var cams = new PinholeCamera[p.CameraCount];
        var ext = new RigidTransform[p.CameraCount];
        for (int c = 0; c < p.CameraCount; c++)
        {
            var spec = cameras[c];
            cams[c] = new PinholeCamera(spec.Width, spec.Height, (float)s.Focal[c], (float)s.Focal[c], spec.Cx, spec.Cy);
            ext[c] = c == 0 ? RigidTransform.Identity : ToRigid(s.CameraRotation[c], s.CameraTranslation, c);
        }
        var errors = new float[p.FrameCount * p.CameraCount * p.LandmarkCount];
        var projected = new System.Numerics.Vector2[errors.Length];
        double sum = 0;
        for (int f = 0; f < p.FrameCount; f++)
            for (int c = 0; c < p.CameraCount; c++)
                for (int k = 0; k < p.LandmarkCount; k++)
                {
                    p.ProjectLandmark(s, f, c, k, out double u, out double v);
                    var o = p.Observation(f, c, k);
                    double d2 = (u - o.X) * (u - o.X) + (v - o.Y) * (v - o.Y);
                    sum += d2;
                    errors[(f * p.CameraCount + c) * p.LandmarkCount + k] = (float)Math.Sqrt(d2);
                    projected[(f * p.CameraCount + c) * p.LandmarkCount + k] = new((float)u, (float)v);
                }
        return new FitResult
        {
            Identity = beta, Frames = frames, Cameras = cams, CameraFromFirst = ext,
            LandmarkEnergy = el, IdentityEnergy = ei, ExpressionEnergy = ee, TemporalEnergy = et,
            RmsReprojectionPx = Math.Sqrt(sum / errors.Length), ReprojectionErrorsPx = errors, ProjectedLandmarksPx = projected, Iterations = iterations,
        };
    }

    /// <summary>Rotation <paramref name="r"/> with translation <paramref name="t"/>[3i..3i+3) (cm) as a <see cref="RigidTransform"/>.</summary>
    internal static RigidTransform ToRigid(in Matrix3d r, double[] t, int i) =>
        new(r.ToQuaternion(), new System.Numerics.Vector3((float)t[3 * i], (float)t[3 * i + 1], (float)t[3 * i + 2]));
}
