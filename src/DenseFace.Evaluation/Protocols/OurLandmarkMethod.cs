using System.Diagnostics;
using DenseFace.Detection;
using DenseFace.Imaging;
using DenseFace.Landmarks;

namespace DenseFace.Evaluation.Protocols;

/// <summary>
/// DenseFace under test: protocol (a) crops from the ground-truth box (<see cref="EvalFace.Box"/>, the seeds' standard);
/// protocol (b), with a <see cref="FaceDetector"/>, runs the full pipeline: detect every face, take the detection whose
/// 68-point box (<see cref="DetectedFace.Box68"/>) overlaps the ground-truth box most (IoU ≥ <see cref="MinIoU"/>; else the
/// face is missed) and predict from that box. Time: the predictor's, plus detection in protocol (b).
/// </summary>
public sealed class OurLandmarkMethod(LandmarkPredictor predictor, PredictionOptions? options = null, FaceDetector? detector = null) : ILandmarkMethod
{
    readonly object _detectorLock = new();

    /// <summary>Least IoU of a detection's 68-point box with the ground-truth box for the face to count as found.</summary>
    public const float MinIoU = 0.3f;

    /// <inheritdoc/>
    public string Name => detector is null ? "DenseFace" : "DenseFace (detected)";

    /// <inheritdoc/>
    public FacePrediction? Predict(EvalFace face, Image8 image)
    {
        var box = face.Box;
        double detectMs = 0;
        if (detector is not null)
        {
            var sw = Stopwatch.StartNew();
            List<DetectedFace> found;
            lock (_detectorLock) found = detector.Detect(image);
            detectMs = sw.Elapsed.TotalMilliseconds;
            var truth = FaceBox.From(box);
            var best = found.Select(d => (d, IoU: FaceBox.IoU(d.Box68, truth))).OrderByDescending(x => x.IoU).FirstOrDefault();
            if (found.Count == 0 || best.IoU < MinIoU) return null;
            box = best.d.Box68.ToRectangle();
        }
        var f = predictor.Predict(image, box, options);
        var p3 = f.Landmarks68In3DConvention;
        var points3D = new System.Numerics.Vector2[p3.Length];
        for (int k = 0; k < p3.Length; k++) points3D[k] = p3[k].Position;
        return new FacePrediction(f.Landmarks68.Select(p => p.Position).ToArray(), points3D, f.Milliseconds + detectMs, f.Landmarks68.Select(p => p.Sigma).ToArray());
    }
}
