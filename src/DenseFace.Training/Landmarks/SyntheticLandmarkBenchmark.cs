using System.Numerics;
using DenseFace.Evaluation.Metrics;
using DenseFace.FaceModel;
using DenseFace.Fitting;
using DenseFace.Landmarks;
using DenseFace.Pipeline;
using DenseFace.Training.Synthesis;

namespace DenseFace.Training.Landmarks;

/// <summary>Result of <see cref="SyntheticLandmarkBenchmark.Run"/>. Point errors are percent of sqrt(w·h) of the 68-point box; vertex errors in mm.</summary>
public sealed record SyntheticLandmarkResult(
    int Faces, IReadOnlyDictionary<string, double> ErrorByPart, double Ibug68Nme, double VisibilityAccuracy,
    double FitFromPredictedMm, double FitFromExactMm, double MeanFaceMm, IReadOnlyDictionary<string, FitScore> FitVariants);

/// <summary>Errors of one way of fitting: mean face-vertex error (mm), head rotation (degrees, angle of the relative rotation; mean and median over faces), expression weights (mean |ψ − ψ_true|), and the median fit time (ms, wall clock, interleaved with the other variants face by face).</summary>
public readonly record struct FitScore(double VertexMm, double RotationDeg, double RotationDegMedian, double ExpressionError, double FitMsMedian);

/// <summary>A way of fitting the predicted points (<see cref="FaceReconstructor.ToObservations"/> with these options), named for the report.</summary>
public sealed record FitVariant(string Name, ReconstructionOptions Options, bool ConstantSigma = false);

/// <summary>
/// The landmark network on a held-out synthetic set (a generator seed never used in training): per face-part
/// landmark error, visibility accuracy (threshold 0.5), and the 3DMM fit from the predicted dense points with
/// their σ (Wood et al.), as face-vertex error in model space (mm, narrow face area) beside the fit from the exact
/// projected dense points (σ = 1 px) and the mean-face baseline, on the same faces.
/// </summary>
public static class SyntheticLandmarkBenchmark
{
    /// <summary>Part groups reported, by layout region label.</summary>
    public static readonly IReadOnlyDictionary<string, string[]> Parts = new Dictionary<string, string[]>
    {
        ["face"] = ["jaw", "brow", "nose", "face"],
        ["eyes"] = ["eye_contour", "iris"],
        ["mouth_teeth"] = ["lip_outer", "lip_inner", "teeth"],
        ["ears"] = ["ear"],
        ["back_of_head"] = ["scalp", "neck"],
    };

    /// <summary>
    /// Runs on <paramref name="faces"/> renders of generator seed <paramref name="seed"/>. The fit from predicted
    /// points uses <see cref="ReconstructionOptions.Default"/> (as <see cref="FaceReconstructor"/> does); each of
    /// <paramref name="variants"/> is fitted too (e.g. other σ scales, or a constant σ: the face's median).
    /// </summary>
    public static SyntheticLandmarkResult Run(MorphableModel model, LandmarkPredictor predictor, int faces, int seed, PredictionOptions? options = null, Action<int>? progress = null,
        IReadOnlyList<FitVariant>? variants = null)
    {
        variants ??= [];
        var variantFitters = variants.Select(v => new FaceFitter(model, FittingLayout.From(model, predictor.Layout), v.Options.Fit)).ToArray();
        var variantSum = new (double Mm, double Deg, double Expr)[variants.Count];
        var variantDeg = variants.Select(_ => new List<double>()).ToArray();
        var variantMs = variants.Select(_ => new List<double>()).ToArray();
        var layout = predictor.Layout;
        var gen = new SyntheticFaceGenerator(model, new SynthesisOptions { Seed = seed, ImageSize = 192, Layouts = [SynthesisLayout.From(layout)] });
        var source = new SyntheticLandmarkSource(model, gen);
        var fitter = new FaceFitter(model, FittingLayout.From(model, layout));
        var narrow = FaceParts.Vertices(FaceSubArea.NarrowFace);
        var basis = model.CreateSubsetBasis(Enumerable.Range(narrow.Start, narrow.Count).ToArray());
        var truth = new Vector3[basis.PointCount]; var fit = new Vector3[basis.PointCount]; var mean = new Vector3[basis.PointCount];
        basis.Evaluate(new float[basis.IdentityCount], new float[model.ExpressionCount], mean);
        var partOf = new string?[layout.Count];
        for (int k = 0; k < layout.Count; k++) partOf[k] = Parts.FirstOrDefault(p => p.Value.Contains(layout.Points[k].Region)).Key;
        var sum = Parts.Keys.ToDictionary(k => k, _ => 0.0); var cnt = Parts.Keys.ToDictionary(k => k, _ => 0);
        double ibug = 0, visOk = 0, visN = 0, fitPred = 0, fitExact = 0, meanFace = 0;
        for (int i = 0; i < faces; i++)
        {
            var (e, s) = source.GetWithSample(i);
            var f = predictor.Predict(e.Image, e.Box, options);
            double norm = Math.Sqrt(e.Box.Width * e.Box.Height);
            for (int k = 0; k < layout.Count; k++)
            {
                if (!(e.DenseWeight[k] > 0)) continue;
                if (partOf[k] is string part) { sum[part] += Vector2.Distance(f.Points[k].Position, e.Dense[k]) / norm; cnt[part]++; }
                visOk += (f.Points[k].Visibility >= 0.5f) == e.DenseVisible[k] ? 1 : 0; visN++;
            }
            ibug += LandmarkMetrics.Nme(f.Landmarks68.Select(q => q.Position).ToArray(), e.Ibug68, norm, $"synthetic face {i}");
            basis.Evaluate(s.Identity.AsSpan(0, basis.IdentityCount), s.Expression, truth);
            var cam = new CameraSpec(s.Image.Width, s.Image.Height);
            fitPred += FaceError(fitter.FitImage(FaceReconstructor.ToObservations(f, ReconstructionOptions.Default), cam), basis, truth, fit);
            for (int v = 0; v < variants.Count; v++)
            {
                var obs = FaceReconstructor.ToObservations(f, variants[v].Options);
                if (variants[v].ConstantSigma)
                {
                    float median = obs.Select(o => o.Sigma).Order().ElementAt(obs.Length / 2);
                    for (int k = 0; k < obs.Length; k++) obs[k] = obs[k] with { Sigma = median };
                }
                long t0 = System.Diagnostics.Stopwatch.GetTimestamp();
                var r = variantFitters[v].FitImage(obs, cam);
                variantMs[v].Add(System.Diagnostics.Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
                variantSum[v].Mm += FaceError(r, basis, truth, fit);
                double deg = PoseMetrics.RotationAngleDegrees(r.Frames[0].Pose.Rotation, s.ModelToCamera.Rotation);
                variantSum[v].Deg += deg;
                variantDeg[v].Add(deg);
                double ex = 0;
                for (int j = 0; j < s.Expression.Length; j++) ex += Math.Abs(r.Frames[0].Expression[j] - s.Expression[j]);
                variantSum[v].Expr += ex / s.Expression.Length;
            }
            var exact = e.Dense.Select(p => float.IsFinite(p.X) ? new Landmark2D(p.X, p.Y, 1f) : new Landmark2D(0, 0, 1e6f)).ToArray();
            fitExact += FaceError(fitter.FitImage(exact, cam), basis, truth, fit);
            meanFace += MeanMm(truth, mean);
            progress?.Invoke(i + 1);
        }
        return new SyntheticLandmarkResult(faces, Parts.Keys.ToDictionary(k => k, k => cnt[k] > 0 ? 100 * sum[k] / cnt[k] : double.NaN),
            100 * ibug / faces, visOk / Math.Max(1, visN), fitPred / faces, fitExact / faces, meanFace / faces,
            variants.Select((v, i) => (v.Name, new FitScore(variantSum[i].Mm / faces, variantSum[i].Deg / faces, variantDeg[i].Order().ElementAt(faces / 2), variantSum[i].Expr / faces, variantMs[i].Order().ElementAt(faces / 2)))).ToDictionary(t => t.Name, t => t.Item2));
    }

    static double FaceError(FitResult r, SubsetBasis basis, Vector3[] truth, Vector3[] fit)
    {
        basis.Evaluate(r.Identity.AsSpan(0, basis.IdentityCount), r.Frames[0].Expression, fit);
        return MeanMm(truth, fit);
    }

    static double MeanMm(ReadOnlySpan<Vector3> a, ReadOnlySpan<Vector3> b)
    {
        double s = 0;
        for (int i = 0; i < a.Length; i++) s += Vector3.Distance(a[i], b[i]);
        return 10 * s / a.Length;
    }
}
