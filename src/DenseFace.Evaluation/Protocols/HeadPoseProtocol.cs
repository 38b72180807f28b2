using DenseFace.Evaluation.Metrics;
using DenseFace.Fitting;
using DenseFace.Imaging;

namespace DenseFace.Evaluation.Protocols;

/// <summary>Result of <see cref="HeadPoseProtocol.Evaluate"/>: mean absolute errors in degrees over the fitted images.</summary>
public sealed record HeadPoseResult(string Method, int Images, PoseError Mean, IReadOnlyList<(string File, PoseError Error)> PerImage);

/// <summary>
/// Head-pose error of the full reconstruction on faces with a ground-truth pose (AFLW2000-3D): the method's 2D-convention
/// 68 points (with their σ, or a fixed fallback σ in pixels for methods without one) are fitted by
/// <see cref="FaceFitter"/> (perspective camera, principal point at the image centre) and the fit's yaw, pitch and roll are
/// compared with the converted ground truth (<see cref="Datasets.Aflw2000Pose"/>; 3DDFA's pose is orthographic, so a
/// perspective fit differs slightly even when both are right). Missed faces are not scored.
/// </summary>
public static class HeadPoseProtocol
{
    /// <summary>Scores <paramref name="method"/> on the faces of <paramref name="faces"/> that have <see cref="EvalFace.Pose"/>.</summary>
    /// <exception cref="InvalidInputException">No face with a ground-truth pose, or every one missed.</exception>
    public static HeadPoseResult Evaluate(ILandmarkMethod method, IReadOnlyList<EvalFace> faces, FaceFitter fitter, int threads = 1, float fallbackSigma = 2f,
        Action<int, int>? progress = null)
    {
        var posed = faces.Where(f => f.Pose is not null).ToList();
        if (posed.Count == 0) throw new InvalidInputException("faces", "none has a ground-truth head pose");
        var predictions = ProtocolRunner.Predict(method, posed, threads, progress);
        var rows = new List<(string, PoseError)>();
        for (int i = 0; i < posed.Count; i++)
        {
            if (predictions[i] is not FacePrediction p) continue;
            var image = ImageIO.Load(posed[i].ImagePath);
            var lms = new Landmark2D[68];
            for (int k = 0; k < 68; k++) lms[k] = new Landmark2D(p.Points68[k].X, p.Points68[k].Y, p.Sigma68?[k] ?? fallbackSigma);
            var fit = fitter.FitImage(lms, new CameraSpec(image.Width, image.Height));
            var (yaw, pitch, roll) = fit.Frames[0].HeadPoseDegrees;
            var gt = posed[i].Pose!.Value;
            rows.Add((posed[i].Name, PoseMetrics.Error((yaw, pitch, roll), (gt.Yaw, gt.Pitch, gt.Roll), posed[i].Name)));
        }
        if (rows.Count == 0) throw new InvalidInputException(method.Name, $"missed all {posed.Count} faces");
        return new HeadPoseResult(method.Name, rows.Count, PoseMetrics.Mean(rows.Select(r => r.Item2).ToList()), rows);
    }
}
