using System.Diagnostics;
using System.Drawing;
using DenseFace.Fitting;
using DenseFace.Geometry;
using DenseFace.Imaging;
using DenseFace.Landmarks;

namespace DenseFace.Pipeline;

/// <summary>
/// Known calibration of one view of a synchronised rig: focal length and principal point in pixels (null = estimated /
/// image centre) and the rigid transform from the first view's camera frame to this one's (OpenCV axes, cm; ignored for
/// the first view, null = estimated).
/// </summary>
public sealed record ViewCalibration(float? FocalPx = null, float? Cx = null, float? Cy = null, RigidTransform? FromFirstCamera = null);

/// <summary>One view to reconstruct: the image, optionally the face box (default: the detector's best face) and calibration.</summary>
public sealed record FaceView(Image8 Image, RectangleF? Box = null, ViewCalibration? Calibration = null);

/// <summary>
/// The result of a multi-view fit: one identity, and per view the face (pose in that view's camera, its expression,
/// its camera). For a synchronised capture every view shares one expression.
/// </summary>
/// <param name="Identity">Identity β shared by all views.</param>
/// <param name="Views">Per view, in input order.</param>
/// <param name="Synchronised">True when the views were fitted as one instant seen by several cameras.</param>
/// <param name="Fit">The joint fit (energies, per-view cameras and transforms).</param>
/// <param name="Timings">Summed stage timings (detection and landmarks over views, then the one joint fit).</param>
public sealed record MultiViewReconstruction(float[] Identity, IReadOnlyList<ReconstructedFace> Views, bool Synchronised, FitResult Fit, StageTimings Timings);

/// <summary>
/// Several views of one person to one face (Wood et al. 2022, sec. 3.3, multi-view): each view's dense landmarks
/// (detector + landmark network, as <see cref="FaceReconstructor"/>) enter one Levenberg–Marquardt fit with a single
/// identity. Two settings:
/// <list type="bullet">
/// <item>Separate photos (default): every view has its own head pose and expression; the views share one unknown
/// focal length (photos of one session and camera), and landmarks are moved to a common principal point so images
/// of different sizes fit together.</item>
/// <item>Synchronised capture (<c>synchronised</c>, implied by any calibration): one instant seen by several cameras,
/// one expression and head pose in the first camera; the other cameras' transforms and focal lengths are known from
/// the calibration or fitted.</item>
/// </list>
/// Thread-safe like <see cref="FaceReconstructor"/>.
/// </summary>
public sealed class MultiViewReconstructor
{
    readonly FaceReconstructor _r;

    /// <summary>Wraps the parts and settings of <paramref name="reconstructor"/>.</summary>
    public MultiViewReconstructor(FaceReconstructor reconstructor)
    {
        ArgumentNullException.ThrowIfNull(reconstructor);
        _r = reconstructor;
    }

    /// <summary>Reconstructs one person from <paramref name="views"/> (2 to 64).</summary>
    /// <exception cref="InvalidInputException">Too few or many views, a view without a face (named by its index), or an unsolvable fit.</exception>
    public MultiViewReconstruction Reconstruct(IReadOnlyList<FaceView> views, bool synchronised = false)
    {
        ArgumentNullException.ThrowIfNull(views);
        if (views.Count is < 2 or > 64) throw new InvalidInputException("views", $"{views.Count} views; a multi-view fit takes 2 to 64");
        synchronised |= views.Any(v => v.Calibration is not null);
        long t0 = Stopwatch.GetTimestamp();
        double detectMs = 0, landmarksMs = 0;
        var found = new (RectangleF Box, float Score, FaceLandmarks Landmarks)[views.Count];
        for (int v = 0; v < views.Count; v++)
        {
            var image = views[v].Image.Channels == 3 ? views[v].Image : views[v].Image.ConvertTo(3);
            RectangleF box; float score = 1;
            if (views[v].Box is RectangleF given) box = given;
            else
            {
                long td = Stopwatch.GetTimestamp();
                var faces = _r.Locate(image, $"view {v}");
                detectMs += Stopwatch.GetElapsedTime(td).TotalMilliseconds;
                if (faces.Count == 0) throw new InvalidInputException($"view {v}", "the face detector found no face");
                (box, score) = faces[0];
            }
            long tl = Stopwatch.GetTimestamp();
            found[v] = (box, score, _r.Predictor.Predict(image, box, _r.Options.Landmarks));
            landmarksMs += Stopwatch.GetElapsedTime(tl).TotalMilliseconds;
        }
        long tf = Stopwatch.GetTimestamp();
        var fitter = new FaceFitter(_r.Model, _r.Layout, _r.Options.Fit with { TemporalWeight = 0 });
        FitResult fit;
        var faceList = new List<ReconstructedFace>(views.Count);
        if (synchronised)
        {
            var cams = views.Select((v, i) => new CameraSpec(v.Image.Width, v.Image.Height, v.Calibration?.FocalPx ?? _r.Options.FocalPx, v.Calibration?.Cx, v.Calibration?.Cy,
                i == 0 ? null : v.Calibration?.FromFirstCamera)).ToList();
            var obs = new List<Landmark2D[]>(views.Count);
            foreach (var f in found) obs.Add(FaceReconstructor.ToObservations(f.Landmarks, _r.Options));
            fit = fitter.FitJoint([obs], cams);
            for (int v = 0; v < views.Count; v++)
            {
                var pose = RigidTransform.Compose(fit.Frames[0].Pose, fit.CameraFromFirst[v]);
                faceList.Add(Face(found[v], fit.Identity, fit.Frames[0].Expression, pose, fit.Cameras[v], fit, v, 0, views.Count));
            }
        }
        else
        {
            // one virtual camera: every view's landmarks shifted so its image centre lands on the common principal point
            int w = views.Max(v => v.Image.Width), h = views.Max(v => v.Image.Height);
            float cx = (w - 1) / 2f, cy = (h - 1) / 2f;
            var frames = new List<IReadOnlyList<Landmark2D[]>>(views.Count);
            for (int v = 0; v < views.Count; v++)
            {
                var obs = FaceReconstructor.ToObservations(found[v].Landmarks, _r.Options);
                float dx = cx - (views[v].Image.Width - 1) / 2f, dy = cy - (views[v].Image.Height - 1) / 2f;
                for (int k = 0; k < obs.Length; k++) obs[k] = obs[k] with { X = obs[k].X + dx, Y = obs[k].Y + dy };
                frames.Add([obs]);
            }
            fit = fitter.FitJoint(frames, [new CameraSpec(w, h, _r.Options.FocalPx)]);
            for (int v = 0; v < views.Count; v++)
            {
                var c = fit.Cameras[0];
                var camera = new PinholeCamera(views[v].Image.Width, views[v].Image.Height, c.Fx, c.Fy);
                faceList.Add(Face(found[v], fit.Identity, fit.Frames[v].Expression, fit.Frames[v].Pose, camera, fit, 0, v, 1));
            }
        }
        double fitMs = Stopwatch.GetElapsedTime(tf).TotalMilliseconds;
        var timings = new StageTimings(0, detectMs, landmarksMs, fitMs, 0, Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
        return new MultiViewReconstruction(fit.Identity, faceList, synchronised, fit, timings);
    }

    /// <summary>The face of one view; its reprojection RMS from the joint fit's per-landmark errors (frame-major, then camera).</summary>
    static ReconstructedFace Face((RectangleF Box, float Score, FaceLandmarks Landmarks) found, float[] identity, float[] expression, RigidTransform pose, PinholeCamera camera,
        FitResult fit, int cameraIndex, int frameIndex, int cameraCount)
    {
        int L = found.Landmarks.Points.Length, offset = (frameIndex * cameraCount + cameraIndex) * L;
        double sq = 0;
        for (int k = 0; k < L; k++) { double e = fit.ReprojectionErrorsPx[offset + k]; sq += e * e; }
        return new ReconstructedFace
        {
            Box = found.Box, Score = found.Score, Landmarks = found.Landmarks, Identity = identity, Expression = expression,
            ModelToCamera = pose, Camera = camera, RmsReprojectionPx = Math.Sqrt(sq / L),
        };
    }
}
