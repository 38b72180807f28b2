using System.Diagnostics;
using System.Numerics;
using DenseFace.Evaluation.Datasets;
using DenseFace.Evaluation.Metrics;
using DenseFace.Detection;
using DenseFace.Imaging;
using DenseFace.Landmarks;

namespace DenseFace.Evaluation.Protocols;

/// <summary>Result of <see cref="Landmarks300W.Evaluate"/>; NMEs are fractions (×100 for percent).</summary>
public sealed record Landmarks300WResult(
    int Images, int Missing, double NmeIo, double NmeBox, double Fr10Io, double Auc10Io,
    double WithinOneSigma, double WithinTwoSigma, double MedianMsPerFace,
    IReadOnlyList<(string File, double NmeIo)> PerImage);

/// <summary>
/// The 300-W protocol with ground-truth boxes (the seeds' standard, protocol (a)): each image of a folder with
/// an iBUG 68-point .pts file is cropped from the tight box of its annotated points, the 2D-convention 68 points
/// are scored against the annotation by NME with the outer-eye-corner distance and with sqrt(w·h) of the box,
/// FR and AUC at 10 %, and the predicted σ's calibration (share of point errors within 1σ and 2σ; an isotropic
/// 2D Gaussian gives 39.3 % and 86.5 %). Timing is the predictor's per face (one thread per face).
/// </summary>
public static class Landmarks300W
{
    /// <summary>Scores <paramref name="predictor"/> on <paramref name="folder"/> (sorted file order; images without a 68-point .pts, and .pts without an image, count as missing).</summary>
    /// <exception cref="InvalidInputException">Missing folder or no annotated images.</exception>
    public static Landmarks300WResult Evaluate(LandmarkPredictor predictor, string folder, PredictionOptions? options = null, int threads = 1, Action<int, int>? progress = null)
    {
        var scan = DatasetScanner.Scan(folder, expectedPointCount: 68);
        var items = scan.Items;
        int missing = scan.Problems.Count;
        if (items.Count == 0) throw new InvalidInputException(folder, "no images with 68-point .pts files");
        var io = new double[items.Count]; var box = new double[items.Count]; var ms = new double[items.Count];
        var calibration = new SigmaCalibrationCounter[items.Count];
        int done = 0;
        Parallel.For(0, items.Count, new ParallelOptions { MaxDegreeOfParallelism = threads }, i =>
        {
            string file = items[i].ImagePath;
            var truth = items[i].Landmarks.Points;
            var image = ImageIO.Load(file);
            if (image.Channels != 3) image = image.ConvertTo(3);
            var f = predictor.Predict(image, FaceBox.Tight(truth).ToRectangle(), options);
            ms[i] = f.Milliseconds;
            var pred = f.Landmarks68.Select(p => p.Position).ToArray();
            string name = Path.GetFileName(file);
            io[i] = LandmarkMetrics.NmeInterOcular(pred, truth, name);
            box[i] = LandmarkMetrics.NmeBox(pred, truth, name);
            var c = calibration[i] = new SigmaCalibrationCounter();
            for (int k = 0; k < 68; k++) c.Add(Vector2.Distance(pred[k], truth[k]), f.Landmarks68[k].Sigma, name);
            progress?.Invoke(Interlocked.Increment(ref done), items.Count);
        });
        var sortedMs = ms.Order().ToArray();
        var all = new SigmaCalibrationCounter();
        foreach (var c in calibration) all.Add(c);
        var sigma = all.Result;
        return new Landmarks300WResult(items.Count, missing, io.Average(), box.Average(), LandmarkMetrics.FailureRate(io), LandmarkMetrics.Auc(io),
            sigma.WithinOneSigma, sigma.WithinTwoSigma, sortedMs[sortedMs.Length / 2],
            items.Select((it, i) => (Path.GetFileName(it.ImagePath), io[i])).ToList());
    }
}
