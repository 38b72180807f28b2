using System.Numerics;
using DenseFace.Evaluation.Metrics;

namespace DenseFace.Evaluation.Protocols;

/// <summary>One scored image of <see cref="YawBinnedProtocol"/> (NME a fraction).</summary>
public sealed record YawBinnedSample(string File, double YawDegrees, double Nme, double Milliseconds);

/// <summary>
/// Result of <see cref="YawBinnedProtocol.Evaluate"/>: NMEs are fractions (×100 for percent). A bin without images has
/// a null mean, and then <see cref="Balanced"/> is null too.
/// </summary>
public sealed record YawBinnedResult(
    string Method, string PointSet, int Images, int Missing, IReadOnlyList<string> Missed,
    double?[] BinNme, int[] BinCounts, double? Balanced, double All, double MedianMilliseconds, IReadOnlyList<YawBinnedSample> PerImage)
{
    /// <summary>Bin names as in the JSON and the seeds' tables.</summary>
    public static readonly string[] BinNames = ["0-30", "30-60", "60-90"];

    /// <summary>The NMEs of the scored images (for FR, AUC and CED).</summary>
    public double[] Nmes => PerImage.Select(p => p.Nme).ToArray();
}

/// <summary>
/// The large-pose protocol of 3DDFA (Zhu et al., CVPR 2016) as used for AFLW2000-3D and AFLW: per image NME of the chosen
/// point set normalised by <see cref="EvalFace.Normaliser"/>, images binned by ground-truth |yaw| into [0, 30], (30, 60]
/// and (60, 90+] degrees, "balanced" = mean of the three bin means, "all" = mean over all images. Faces a method misses
/// (protocol (b)) are counted and listed, not scored.
/// </summary>
public static class YawBinnedProtocol
{
    /// <summary>Bin of a yaw in degrees: 0 for |yaw| ≤ 30, 1 for ≤ 60, else 2.</summary>
    public static int Bin(double yawDegrees) => Math.Abs(yawDegrees) <= 30 ? 0 : Math.Abs(yawDegrees) <= 60 ? 1 : 2;

    /// <summary>
    /// Scores <paramref name="method"/> on <paramref name="faces"/>; <paramref name="select"/> picks the predicted points
    /// that correspond to <see cref="EvalFace.Truth"/>; <paramref name="missing"/> counts dataset entries that could not be
    /// read (reported, not scored).
    /// </summary>
    /// <exception cref="InvalidInputException">No faces, or every face was missed.</exception>
    public static YawBinnedResult Evaluate(ILandmarkMethod method, IReadOnlyList<EvalFace> faces, int missing, string pointSet,
        Func<FacePrediction, Vector2[]> select, int threads = 1, Action<int, int>? progress = null)
    {
        var predictions = ProtocolRunner.Predict(method, faces, threads, progress);
        var samples = new YawBinnedSample?[faces.Count];
        for (int i = 0; i < faces.Count; i++)
        {
            if (predictions[i] is not FacePrediction p) continue;
            var face = faces[i];
            var pts = select(p);
            double nme = face.Labelled is null
                ? LandmarkMetrics.Nme(pts, face.Truth, face.Normaliser, face.Name)
                : LandmarkMetrics.Nme(pts, face.Truth, face.Labelled, face.Normaliser, face.Name);
            samples[i] = new YawBinnedSample(face.Name, face.YawDegrees, nme, p.Milliseconds);
        }
        var scored = samples.Where(s => s is not null).Select(s => s!).ToList();
        var missed = faces.Where((f, i) => samples[i] is null).Select(f => f.Name).ToList();
        if (scored.Count == 0) throw new InvalidInputException(method.Name, $"missed all {faces.Count} faces");
        var bins = new List<double>[3] { [], [], [] };
        foreach (var s in scored) bins[Bin(s.YawDegrees)].Add(s.Nme);
        double?[] means = bins.Select(b => b.Count > 0 ? b.Average() : (double?)null).ToArray();
        double? balanced = bins.All(b => b.Count > 0) ? LandmarkMetrics.MeanOfMeans(bins) : null;
        var ms = scored.Select(s => s.Milliseconds).Order().ToArray();
        return new YawBinnedResult(method.Name, pointSet, faces.Count, missing, missed, means, bins.Select(b => b.Count).ToArray(), balanced,
            scored.Average(s => s.Nme), ms[ms.Length / 2], scored);
    }
}
