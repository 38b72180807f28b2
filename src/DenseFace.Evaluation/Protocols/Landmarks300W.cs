using System.Numerics;
using DenseFace.Evaluation.Datasets;
using DenseFace.Evaluation.Metrics;
using DenseFace.Detection;
using DenseFace.Landmarks;

namespace DenseFace.Evaluation.Protocols;

/// <summary>
/// Result of <see cref="Landmarks300W.Evaluate(ILandmarkMethod, string, int, Action{int, int}?)"/>; NMEs are fractions
/// (×100 for percent). <see cref="Sigma"/> is null for methods without σ.
/// </summary>
public sealed record Landmarks300WResult(
    string Method, int Images, int Missing, IReadOnlyList<string> Missed, double NmeIo, double NmeBox, double Fr10Io, double Auc10Io,
    SigmaCalibration? Sigma, double MedianMsPerFace, IReadOnlyList<(string File, double NmeIo)> PerImage, double NmeIoInner, double[] PerLandmarkIo)
{
    /// <summary>Share of point errors within 1σ.</summary>
    public double WithinOneSigma => (Sigma ?? throw new InvalidOperationException($"{Method} predicts no sigma")).WithinOneSigma;
    /// <summary>Share of point errors within 2σ.</summary>
    public double WithinTwoSigma => (Sigma ?? throw new InvalidOperationException($"{Method} predicts no sigma")).WithinTwoSigma;
    /// <summary>The inter-ocular NMEs of the scored images.</summary>
    public double[] Nmes => PerImage.Select(p => p.NmeIo).ToArray();
}

/// <summary>
/// The 300-W protocol (the seeds' standard): each image of a folder with an iBUG 68-point .pts file is cropped from the
/// tight box of its annotated points (protocol (a); protocol (b) lets the method detect), the 2D-convention 68 points
/// are scored against the annotation by NME with the outer-eye-corner distance and with sqrt(w·h) of the box, FR and AUC
/// at 10 %, the per-landmark inter-ocular error, the inter-ocular NME of the 51 inner points (17–67, no jaw: the jaw is where conventions differ most), and
/// the predicted σ's calibration (<see cref="SigmaCalibration"/>). Timing is the method's per face (one
/// thread per face).
/// </summary>
public static class Landmarks300W
{
    /// <summary>Scores <paramref name="predictor"/> from ground-truth boxes (or detections, with <paramref name="detector"/>).</summary>
    public static Landmarks300WResult Evaluate(LandmarkPredictor predictor, string folder, PredictionOptions? options = null, int threads = 1,
        Action<int, int>? progress = null, FaceDetector? detector = null)
        => Evaluate(new OurLandmarkMethod(predictor, options, detector), folder, threads, progress);

    /// <summary>The folder's annotated faces (sorted file order) and the number of unusable entries (images without a 68-point .pts, and .pts without an image).</summary>
    /// <exception cref="InvalidInputException">Missing folder or no annotated images.</exception>
    public static (List<EvalFace> Faces, int Missing) Faces(string folder)
    {
        var scan = DatasetScanner.Scan(folder, expectedPointCount: 68);
        if (scan.Items.Count == 0) throw new InvalidInputException(folder, "no images with 68-point .pts files");
        var faces = scan.Items.Select(it =>
        {
            var truth = it.Landmarks.Points;
            return new EvalFace(it.ImagePath, truth, null, 0, FaceBox.Tight(truth).ToRectangle(), LandmarkMetrics.OuterEyeCornerDistance(truth));
        }).ToList();
        return (faces, scan.Problems.Count);
    }

    /// <summary>
    /// The 68-point faces of an mmpose / COCO-style JSON file (<see cref="MmposeAnnotations"/>; mmpose's 300-W sets),
    /// with the number of annotations that are not 68 points or whose image does not exist.
    /// </summary>
    /// <exception cref="InvalidInputException">Unreadable file or no usable 68-point face.</exception>
    public static (List<EvalFace> Faces, int Missing) MmposeFaces(string jsonPath)
    {
        var anns = MmposeAnnotations.Read(jsonPath);
        var faces = new List<EvalFace>();
        foreach (var a in anns)
        {
            if (a.Landmarks.Count != 68 || !File.Exists(a.ImagePath)) continue;
            var truth = a.Landmarks.Points;
            faces.Add(new EvalFace(a.ImagePath, truth, null, 0, FaceBox.Tight(truth).ToRectangle(), LandmarkMetrics.OuterEyeCornerDistance(truth)));
        }
        if (faces.Count == 0) throw new InvalidInputException(jsonPath, "no 68-point face whose image exists");
        return (faces, anns.Count - faces.Count);
    }

    /// <summary>Scores <paramref name="method"/> on <paramref name="folder"/>; faces it misses are listed and not scored.</summary>
    /// <exception cref="InvalidInputException">Missing folder, no annotated images, or every face missed.</exception>
    public static Landmarks300WResult Evaluate(ILandmarkMethod method, string folder, int threads = 1, Action<int, int>? progress = null)
    {
        var (faces, missing) = Faces(folder);
        return Evaluate(method, faces, missing, threads, progress);
    }

    /// <summary>Scores <paramref name="method"/> on 68-point <paramref name="faces"/> (normaliser: outer eye corners); <paramref name="missing"/> unusable entries are reported.</summary>
    /// <exception cref="InvalidInputException">No faces, or every face missed.</exception>
    public static Landmarks300WResult Evaluate(ILandmarkMethod method, IReadOnlyList<EvalFace> faces, int missing, int threads = 1, Action<int, int>? progress = null)
    {
        var predictions = ProtocolRunner.Predict(method, faces, threads, progress);
        var io = new List<double>(); var box = new List<double>(); var ms = new List<double>(); var inner = new List<double>();
        var per = new List<(string, double)>(); var missed = new List<string>();
        var sigma = new SigmaCalibrationCounter();
        var perLandmark = new List<double[]>();
        bool hasSigma = true;
        for (int i = 0; i < faces.Count; i++)
        {
            var face = faces[i];
            if (predictions[i] is not FacePrediction p) { missed.Add(face.Name); continue; }
            var truth = face.Truth;
            io.Add(LandmarkMetrics.NmeInterOcular(p.Points68, truth, face.Name));
            box.Add(LandmarkMetrics.NmeBox(p.Points68, truth, face.Name));
            inner.Add(LandmarkMetrics.Nme(p.Points68.AsSpan(17), truth.AsSpan(17), face.Normaliser, face.Name));
            var errors = new double[68];
            LandmarkMetrics.PointErrors(p.Points68, truth, face.Normaliser, face.Name, errors);
            perLandmark.Add(errors);
            ms.Add(p.Milliseconds);
            per.Add((face.Name, io[^1]));
            if (p.Sigma68 is null) hasSigma = false;
            else for (int k = 0; k < 68; k++) sigma.Add(Vector2.Distance(p.Points68[k], truth[k]), p.Sigma68[k], face.Name);
        }
        if (io.Count == 0) throw new InvalidInputException(method.Name, $"missed all {faces.Count} faces");
        ms.Sort();
        return new Landmarks300WResult(method.Name, faces.Count, missing, missed, io.Average(), box.Average(), LandmarkMetrics.FailureRate(io), LandmarkMetrics.Auc(io),
            hasSigma ? sigma.Result : null, ms[ms.Count / 2], per, inner.Average(), LandmarkMetrics.MeanPerLandmark(perLandmark));
    }
}
