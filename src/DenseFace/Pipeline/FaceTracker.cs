using System.Diagnostics;
using System.Numerics;
using DenseFace.Detection;
using DenseFace.Fitting;
using DenseFace.Imaging;
using DenseFace.Landmarks;

namespace DenseFace.Pipeline;

/// <summary>Settings of <see cref="FaceTracker"/>.</summary>
public sealed record TrackingOptions
{
    /// <summary>
    /// Fit with the temporal term w_t Σ ‖x_k − x_k,prev‖² (<see cref="FitOptions.TemporalWeight"/> of the
    /// reconstructor's fit options divided by <see cref="ReconstructionOptions.SigmaScale"/>², the factor the σ scale
    /// puts on the landmark term, so the two keep the balance they were tuned with); false fits every frame without it
    /// (for comparison). Default true.
    /// </summary>
    public bool TemporalTerm { get; init; } = true;
    /// <summary>
    /// The face counts as lost, and the detector runs again on that frame, when the median σ of the 68 points
    /// exceeds this fraction of the ROI side (the network is unsure it sees a face). Default 0.05.
    /// </summary>
    public float LostSigmaFraction { get; init; } = 0.05f;
    /// <summary>Landmark network passes per tracked frame (the ROI already comes from the previous frame's landmarks). Default 1.</summary>
    public int Passes { get; init; } = 1;

    internal void Validate()
    {
        if (!(LostSigmaFraction > 0 && LostSigmaFraction < 1)) throw new InvalidInputException("lost sigma fraction", $"{LostSigmaFraction} is outside (0, 1)");
        if (Passes is < 1 or > 2) throw new InvalidInputException("passes", $"{Passes} (expected 1 or 2)");
    }
}

/// <summary>One video frame's result: its index and time, the face (null when none was found) and whether the detector ran.</summary>
public sealed record TrackedFrame(int Index, double TimeS, ReconstructedFace? Face, bool Detected, StageTimings Timings);

/// <summary>
/// Video frames to per-frame 3D faces (Wood et al. 2022, sec. 3.4): the detector runs on the first frame and when
/// tracking is lost; otherwise the landmark ROI follows the previous frame's 68 points (eye-levelled), and the fit is
/// a <see cref="TemporalFitter"/>: the first frame is a full fit, later frames optimise pose and expression warm-started
/// with the temporal term, and the identity and focal length are refitted over keyframes as the head turns. Follows
/// one face (the detector's best). Not thread-safe; one tracker per video.
/// </summary>
public sealed class FaceTracker
{
    readonly FaceReconstructor _r;
    readonly FaceFitter _fitter;
    readonly CameraSpec _camera;
    readonly PredictionOptions _firstPass, _trackPass;
    readonly Vector2[] _p68 = new Vector2[68];
    TemporalFitter? _fit;
    FaceLandmarks? _previous;

    /// <summary>The settings.</summary>
    public TrackingOptions Options { get; }
    /// <summary>Frames given so far.</summary>
    public int FrameCount { get; private set; }
    /// <summary>Frames on which the detector ran.</summary>
    public int Detections { get; private set; }

    /// <summary>Starts tracking a <paramref name="width"/> × <paramref name="height"/> video with the parts and fit settings of <paramref name="reconstructor"/>.</summary>
    /// <exception cref="InvalidInputException">The reconstructor has no detector, a bad size, or invalid options.</exception>
    public FaceTracker(FaceReconstructor reconstructor, int width, int height, TrackingOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(reconstructor);
        Options = options ?? new TrackingOptions();
        Options.Validate();
        if (reconstructor.Detector is null) throw new InvalidInputException("reconstructor", "tracking needs a face detector for the first frame and lost faces");
        _r = reconstructor;
        // the σ scale weighs the landmark term by 1 / scale²; the temporal term keeps its tuned balance with it
        var fit = reconstructor.Options.Fit;
        float scale = reconstructor.Options.SigmaScale;
        var fitOptions = fit with { TemporalWeight = Options.TemporalTerm ? fit.TemporalWeight / (scale * scale) : 0 };
        _fitter = new FaceFitter(reconstructor.Model, reconstructor.Layout, fitOptions);
        _camera = new CameraSpec(width, height, reconstructor.Options.FocalPx);
        _camera.Validate("video");
        _firstPass = reconstructor.Options.Landmarks;
        _trackPass = _firstPass with { Passes = Options.Passes };
    }

    /// <summary>Tracks the next frame (RGB, the video's size) at <paramref name="timeS"/> seconds.</summary>
    /// <exception cref="InvalidInputException">A frame of the wrong size.</exception>
    public TrackedFrame Track(Image8 frame, double timeS)
    {
        ArgumentNullException.ThrowIfNull(frame);
        if (frame.Width != _camera.Width || frame.Height != _camera.Height)
            throw new InvalidInputException($"frame {FrameCount}", $"is {frame.Width} x {frame.Height}; the video is {_camera.Width} x {_camera.Height}");
        if (frame.Channels != 3) frame = frame.ConvertTo(3);
        long t0 = Stopwatch.GetTimestamp();
        int index = FrameCount++;
        double detectMs = 0;
        bool detected = false;
        float score = 1;
        FaceLandmarks? lm = null;
        long tl = Stopwatch.GetTimestamp();
        if (_previous is not null)
        {
            for (int k = 0; k < 68; k++) _p68[k] = _previous.Landmarks68[k].Position;
            lm = _r.Predictor.Predict(frame, FaceRoi.FromLandmarks68(_p68, _r.Predictor.Config.RoiScale), _trackPass);
            if (IsLost(lm)) lm = null;
        }
        double landmarksMs = Stopwatch.GetElapsedTime(tl).TotalMilliseconds;
        if (lm is null)
        {
            long td = Stopwatch.GetTimestamp();
            var faces = _r.Locate(frame, $"frame {index}");
            detectMs = Stopwatch.GetElapsedTime(td).TotalMilliseconds;
            detected = true;
            Detections++;
            if (faces.Count == 0)
            {
                _previous = null;
                return new TrackedFrame(index, timeS, null, true, new StageTimings(0, detectMs, landmarksMs, 0, 0, Stopwatch.GetElapsedTime(t0).TotalMilliseconds));
            }
            var (box, best) = faces[0];
            score = best;
            tl = Stopwatch.GetTimestamp();
            lm = _r.Predictor.Predict(frame, box, _firstPass);
            landmarksMs += Stopwatch.GetElapsedTime(tl).TotalMilliseconds;
        }
        _previous = lm;
        long tf = Stopwatch.GetTimestamp();
        _fit ??= _fitter.CreateTracker(_camera);
        var fit = _fit.Track(FaceReconstructor.ToObservations(lm, _r.Options));
        double fitMs = Stopwatch.GetElapsedTime(tf).TotalMilliseconds;
        for (int k = 0; k < 68; k++) _p68[k] = lm.Landmarks68[k].Position;
        var face = new ReconstructedFace
        {
            Box = FaceBox.Tight(_p68).ToRectangle(), Score = score, Landmarks = lm, Identity = _fit.Identity, Expression = fit.Expression,
            ModelToCamera = fit.Pose, Camera = _fit.Camera, RmsReprojectionPx = _fit.LastRmsReprojectionPx,
        };
        return new TrackedFrame(index, timeS, face, detected, new StageTimings(0, detectMs, landmarksMs, fitMs, 0, Stopwatch.GetElapsedTime(t0).TotalMilliseconds));
    }

    /// <summary>True when the median σ of the 68 points is above <see cref="TrackingOptions.LostSigmaFraction"/> of the ROI side.</summary>
    bool IsLost(FaceLandmarks lm) => lm.MedianRelativeSigma68 > Options.LostSigmaFraction;
}
