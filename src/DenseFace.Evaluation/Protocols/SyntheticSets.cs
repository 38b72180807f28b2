using System.Numerics;
using DenseFace.Detection;
using DenseFace.Evaluation.Datasets;
using DenseFace.Evaluation.Metrics;
using DenseFace.FaceModel;
using DenseFace.Imaging;
using DenseFace.Pipeline;

namespace DenseFace.Evaluation.Protocols;

/// <summary>
/// Folders written by <c>denseface synth</c> (images + index.jsonl with exact labels and scenes) as benchmarks: the 68
/// iBUG surface points (the 3D convention, as AFLW2000-3D scores them; the "ibug68" layout, else the first 68 points of
/// "full703" or "dense520"), binned by the scene's |yaw|, and the 3D reconstruction error against the exact shape.
/// </summary>
public static class SyntheticSets
{
    /// <summary>One face per synthetic record with a scene; points that could not be projected are unlabelled. Records without a readable image count as missing.</summary>
    /// <exception cref="InvalidInputException">No index.jsonl, or no record with 68 iBUG points and a scene.</exception>
    public static (List<EvalFace> Faces, int Missing) Load(string folder) { var (f, m, _) = LoadWithTruth(folder); return (f, m); }

    /// <summary><see cref="Load"/> plus each face's exact scene, by image path.</summary>
    public static (List<EvalFace> Faces, int Missing, IReadOnlyDictionary<string, SceneTruth> Truth) LoadWithTruth(string folder)
    {
        var index = Path.Combine(folder, "index.jsonl");
        if (!File.Exists(index)) throw new InvalidInputException(folder, "no index.jsonl (a folder written by 'denseface synth')");
        var faces = new List<EvalFace>(); var truth = new Dictionary<string, SceneTruth>(StringComparer.Ordinal); int missing = 0;
        foreach (var r in LabelRecord.ReadIndex(index))
        {
            if (r.Truth is null) continue;
            var pts = r.Layouts.TryGetValue("ibug68", out var ib) ? ib : new[] { "full703", "dense520" }.Select(n => r.Layouts.GetValueOrDefault(n)).FirstOrDefault(l => l is not null);
            if (pts is null || pts.Length < 68) continue;
            if (!File.Exists(r.Image)) { missing++; continue; }
            var p = new Vector2[68]; var labelled = new bool[68];
            for (int k = 0; k < 68; k++) { labelled[k] = pts[k].Position is not null; p[k] = pts[k].Position ?? default; }
            var known = p.Where((_, k) => labelled[k]).ToArray();
            if (known.Length < 34) { missing++; continue; }
            faces.Add(new EvalFace(r.Image, p, labelled.All(x => x) ? null : labelled, r.Truth.Yaw, FaceBox.Tight(known).ToRectangle(), LandmarkMetrics.BoxSize(known),
                (r.Truth.Yaw, r.Truth.Pitch, r.Truth.Roll)));
            truth[r.Image] = r.Truth;
        }
        if (faces.Count == 0) throw new InvalidInputException(index, "no synthetic record with a scene and 68 iBUG points (synth --layouts must include ibug68, dense520 or full703)");
        return (faces, missing, truth);
    }

    /// <summary>Mean reconstruction errors (mm): the fitted face, and the mean face as the baseline, over <see cref="Faces"/> faces.</summary>
    public sealed record ReconstructionResult(int Faces, double FittedMm, double MeanFaceMm, double FittedMedianMm);

    /// <summary>
    /// Reconstructs every face from its ground-truth box with <paramref name="reconstructor"/> and scores the narrow-face
    /// vertices (identity + expression, model space) against the exact shape after a rigid alignment
    /// (<see cref="ReconstructionMetrics.ErrorMm"/>), beside the mean face aligned the same way.
    /// </summary>
    public static ReconstructionResult Reconstruction(FaceReconstructor reconstructor, IReadOnlyList<EvalFace> faces, IReadOnlyDictionary<string, SceneTruth> truth, Action<int>? progress = null)
    {
        var model = reconstructor.Model;
        var narrow = FaceParts.Vertices(FaceSubArea.NarrowFace);
        var basis = model.CreateSubsetBasis(Enumerable.Range(narrow.Start, narrow.Count).ToArray());
        var mean = new Vector3[basis.PointCount];
        basis.Evaluate(new float[basis.IdentityCount], new float[model.ExpressionCount], mean);
        var fitted = new List<double>(); double meanSum = 0;
        var gt = new Vector3[basis.PointCount]; var fit = new Vector3[basis.PointCount];
        for (int i = 0; i < faces.Count; i++)
        {
            var f = faces[i];
            var t = truth[f.ImagePath];
            if (t.Identity.Length != model.IdentityCount) throw new InvalidInputException(f.Name, $"scene has {t.Identity.Length} identity coefficients; the model has {model.IdentityCount}");
            var psi = new float[model.ExpressionCount];
            foreach (var (name, w) in t.Expression) psi[model.IndexOfExpression(name)] = w;
            basis.Evaluate(t.Identity, psi, gt);
            var r = reconstructor.Reconstruct(ImageIO.Load(f.ImagePath), [f.Box]);
            var face = r.Faces[0];
            basis.Evaluate(face.Identity, face.Expression, fit);
            fitted.Add(ReconstructionMetrics.ErrorMm(fit, gt, withScale: false, f.Name));
            meanSum += ReconstructionMetrics.ErrorMm(mean, gt, withScale: false, f.Name);
            progress?.Invoke(i + 1);
        }
        return new ReconstructionResult(faces.Count, fitted.Average(), meanSum / faces.Count, fitted.Order().ElementAt(fitted.Count / 2));
    }
}
