using System.Numerics;
using DenseFace.Evaluation.Metrics;
using DenseFace.FaceModel;
using DenseFace.Pipeline;
using DenseFace.Training.Synthesis;

namespace DenseFace.Training.Landmarks;

/// <summary>
/// Errors of one tracking run over a rendered sequence: head rotation (degrees; mean and median over frames),
/// the fitted 68 iBUG points against their exact projections (mean distance in % of sqrt(w·h) of the exact 68-point
/// box), velocity error (mean |Δp − Δg| between consecutive frames, same unit, as in Chandran et al.), expression
/// weights (mean |ψ − ψ_true|), and jitter of the fitted points (mean second difference, same unit) beside the exact
/// motion's own.
/// </summary>
public sealed record TrackingScore(int Frames, int Tracked, double RotationDegMean, double RotationDegMedian, double LandmarkErrorPercent,
    double VelocityErrorPercent, double ExpressionError, double JitterPercent, double TruthJitterPercent);

/// <summary>
/// Tracking accuracy on an animated synthetic head with known ground truth (<see cref="SyntheticSequence"/>): the same
/// rendered frames go through two <see cref="FaceTracker"/>s, with and without the temporal term.
/// </summary>
public static class SyntheticTrackingBenchmark
{
    /// <summary>Runs <paramref name="sequences"/> sequences of <paramref name="frames"/> frames (scenes 0, 1, ... of generator seed <paramref name="seed"/>).</summary>
    public static IReadOnlyDictionary<string, TrackingScore> Run(FaceReconstructor reconstructor, int sequences, int frames, int seed, Action<int>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(reconstructor);
        var model = reconstructor.Model;
        var gen = new SyntheticFaceGenerator(model, new SynthesisOptions
        {
            Seed = seed, ImageSize = 320, OccluderProbability = 0, GlassesProbability = 0, DegradationProbability = 0,
            Layouts = [SynthesisLayout.From(reconstructor.Predictor.Layout)],
        });
        var ibug = reconstructor.Layout.Points[..68].ToArray();
        var runs = new[] { ("temporal", true), ("per frame", false) };
        var acc = runs.ToDictionary(r => r.Item1, _ => new Accumulator());
        int done = 0;
        for (int q = 0; q < sequences; q++)
        {
            var seq = new SyntheticSequence(gen, q, frames);
            var trackers = runs.Select(r => new FaceTracker(reconstructor, gen.Options.ImageSize, gen.Options.ImageSize, new TrackingOptions { TemporalTerm = r.Item2 })).ToArray();
            var prev = new Vector2[]?[runs.Length];
            var prevTruth = default(Vector2[]);
            var prev2 = new Vector2[]?[runs.Length];
            var prevTruth2 = default(Vector2[]);
            for (int t = 0; t < frames; t++)
            {
                var s = seq.Render(t);
                var truth = s.Layouts[0].Points[..68];
                var box = Detection.FaceBox.Tight(truth);
                float scale = MathF.Sqrt(box.Width * box.Height);
                for (int r = 0; r < runs.Length; r++)
                {
                    var a = acc[runs[r].Item1];
                    a.Frames++;
                    var f = trackers[r].Track(s.Image, t / 30.0).Face;
                    if (f is null) { prev[r] = null; prev2[r] = null; continue; }
                    a.Tracked++;
                    var p = f.Project(model, ibug);
                    a.Rotation.Add(DenseFace.Evaluation.Metrics.PoseMetrics.RotationAngleDegrees(f.ModelToCamera.Rotation, s.ModelToCamera.Rotation));
                    a.Landmark += LandmarkMetrics.Nme(p, truth, scale, $"sequence frame {t}");
                    double ex = 0;
                    for (int e = 0; e < s.Expression.Length; e++) ex += Math.Abs(f.Expression[e] - s.Expression[e]);
                    a.Expression += ex / s.Expression.Length;
                    if (prev[r] is { } pp && prevTruth is not null)
                    {
                        // this frame's scale normalises the step into it (TemporalMetrics: the normaliser of the later frame of a pair, the middle one of a triple)
                        string name = $"{runs[r].Item1} frame {t}";
                        a.Velocity += TemporalMetrics.VelocityError([pp, p], [prevTruth, truth], [scale, scale], name); a.VelocityCount++;
                        if (prev2[r] is { } p2 && prevTruth2 is not null)
                        {
                            a.Jitter += TemporalMetrics.Jitter([p2, pp, p], [scale, scale, scale], name);
                            a.TruthJitter += TemporalMetrics.Jitter([prevTruth2, prevTruth, truth], [scale, scale, scale], name);
                            a.JitterCount++;
                        }
                    }
                    prev2[r] = prev[r]; prev[r] = p;
                }
                prevTruth2 = prevTruth; prevTruth = truth;
                progress?.Invoke(++done);
            }
        }
        return acc.ToDictionary(kv => kv.Key, kv => kv.Value.Score());
    }

    sealed class Accumulator
    {
        public int Frames, Tracked, VelocityCount, JitterCount;
        public double Landmark, Expression, Velocity, Jitter, TruthJitter;
        public readonly List<double> Rotation = [];
        public TrackingScore Score()
        {
            int n = Math.Max(1, Tracked);
            var rot = Rotation.Order().ToArray();
            return new TrackingScore(Frames, Tracked, rot.Length > 0 ? rot.Average() : double.NaN, rot.Length > 0 ? rot[rot.Length / 2] : double.NaN,
                100 * Landmark / n, VelocityCount > 0 ? 100 * Velocity / VelocityCount : double.NaN, Expression / n,
                JitterCount > 0 ? 100 * Jitter / JitterCount : double.NaN, JitterCount > 0 ? 100 * TruthJitter / JitterCount : double.NaN);
        }
    }
}
