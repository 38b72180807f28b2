using System.Numerics;
using System.Text.Json;
using DenseFace.Evaluation.Metrics;
using DenseFace.IO;

namespace DenseFace.Evaluation.Peers;

/// <summary>
/// A learned per-point correction of another method's 68 points towards the 300-W annotation convention (for a peer whose
/// point definitions differ, e.g. MediaPipe's face oval against the 300-W silhouette jaw). In the face frame of the mapped
/// points (origin at their centroid, x along the eye line from the image-left eye centre (36–41) to the other (42–47),
/// unit = their outer-eye-corner distance 36–45), point k moves by a_k + b_k·y, with y the nose tip's (30) x offset from
/// the outer eye corners' midpoint in that frame (a yaw proxy, so the jaw's silhouette shift can follow the head turn).
/// a, b are least-squares fits per point and axis over training pairs. Learn it on training photos only, never on the
/// images it is then scored on.
/// </summary>
public sealed class LearnedPointCorrection
{
    readonly double[] _a, _b;   // 68 × 2 each

    LearnedPointCorrection(double[] a, double[] b, int samples, string source) { _a = a; _b = b; Samples = samples; Source = source; }

    /// <summary>Training pairs used.</summary>
    public int Samples { get; }
    /// <summary>What it was learned on (stated in reports).</summary>
    public string Source { get; }

    static (Vector2 Centre, Vector2 X, Vector2 Y, float Scale, float Yaw) Frame(ReadOnlySpan<Vector2> p, string sample)
    {
        Vector2 c = default, r = default, l = default;
        foreach (var q in p) c += q;
        c /= p.Length;
        for (int i = 36; i < 42; i++) r += p[i] / 6;
        for (int i = 42; i < 48; i++) l += p[i] / 6;
        float s = (float)LandmarkMetrics.OuterEyeCornerDistance(p);
        if (!(s > 1e-3f) || (l - r).Length() < 1e-3f) throw new InvalidInputException(sample, "degenerate eyes in the points to correct");
        var x = Vector2.Normalize(l - r); var y = new Vector2(-x.Y, x.X);
        float yaw = Vector2.Dot(p[30] - (p[36] + p[45]) / 2, x) / s;
        return (c, x, y, s, yaw);
    }

    /// <summary>Fits the correction from (mapped, annotated) 68-point pairs.</summary>
    /// <exception cref="InvalidInputException">Fewer than 10 pairs, or a pair that is not 68 points.</exception>
    public static LearnedPointCorrection Learn(IReadOnlyList<(Vector2[] Mapped, Vector2[] Truth)> pairs, string source)
    {
        if (pairs.Count < 10) throw new InvalidInputException(source, $"{pairs.Count} training pairs; at least 10 are needed");
        var a = new double[136]; var b = new double[136];
        var ys = new double[pairs.Count]; var d = new double[pairs.Count, 136];
        for (int n = 0; n < pairs.Count; n++)
        {
            var (m, t) = pairs[n];
            if (m.Length != 68 || t.Length != 68) throw new InvalidInputException(source, $"pair {n} has {m.Length} and {t.Length} points; 68 expected");
            var f = Frame(m, $"{source} pair {n}");
            ys[n] = f.Yaw;
            for (int k = 0; k < 68; k++)
            {
                var delta = (t[k] - m[k]) / f.Scale;
                d[n, 2 * k] = Vector2.Dot(delta, f.X); d[n, 2 * k + 1] = Vector2.Dot(delta, f.Y);
            }
        }
        double my = ys.Average(), vy = ys.Sum(y => (y - my) * (y - my));
        for (int j = 0; j < 136; j++)
        {
            double md = 0; for (int n = 0; n < pairs.Count; n++) md += d[n, j];
            md /= pairs.Count;
            double cov = 0; for (int n = 0; n < pairs.Count; n++) cov += (ys[n] - my) * (d[n, j] - md);
            b[j] = vy > 1e-12 ? cov / vy : 0;
            a[j] = md - b[j] * my;
        }
        return new LearnedPointCorrection(a, b, pairs.Count, source);
    }

    /// <summary>The corrected points.</summary>
    public Vector2[] Apply(ReadOnlySpan<Vector2> mapped)
    {
        var f = Frame(mapped, "points to correct");
        var r = new Vector2[68];
        for (int k = 0; k < 68; k++)
        {
            double u = _a[2 * k] + _b[2 * k] * f.Yaw, v = _a[2 * k + 1] + _b[2 * k + 1] * f.Yaw;
            r[k] = mapped[k] + f.Scale * ((float)u * f.X + (float)v * f.Y);
        }
        return r;
    }

    /// <summary>Writes the correction as JSON (atomically).</summary>
    public void Save(string path) => AtomicFile.WriteAllText(path, JsonSerializer.Serialize(new Dictionary<string, object>
    {
        ["description"] = "Per-point correction of MediaPipe-mapped 68 points towards 300-W: delta = a + b * yaw proxy, in the face frame (LearnedPointCorrection)",
        ["source"] = Source, ["samples"] = Samples, ["a"] = _a.Select(v => Math.Round(v, 6)), ["b"] = _b.Select(v => Math.Round(v, 6)),
    }, new JsonSerializerOptions { WriteIndented = true }) + "\n");

    /// <summary>Reads a correction written by <see cref="Save"/>.</summary>
    /// <exception cref="InvalidInputException">Missing or malformed file.</exception>
    public static LearnedPointCorrection Load(string path)
    {
        if (!File.Exists(path)) throw new InvalidInputException(path, "no learned correction here (make one with 'denseface eval learn-peer')");
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(path));
            var r = doc.RootElement;
            var a = r.GetProperty("a").EnumerateArray().Select(e => e.GetDouble()).ToArray();
            var b = r.GetProperty("b").EnumerateArray().Select(e => e.GetDouble()).ToArray();
            if (a.Length != 136 || b.Length != 136 || a.Concat(b).Any(v => !double.IsFinite(v))) throw new InvalidInputException(path, "'a' and 'b' must be 136 finite numbers each");
            return new LearnedPointCorrection(a, b, r.GetProperty("samples").GetInt32(), r.GetProperty("source").GetString() ?? "");
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new InvalidInputException(path, $"not a learned correction: {e.Message}");
        }
    }
}
