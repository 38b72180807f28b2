using System.Numerics;
using System.Text.Json;

namespace DenseFace.Detection;

/// <summary>
/// Maps a YuNet detection (WIDER-style box + 5 key points) to the tight box of the 68 iBUG landmarks.
/// Linear model in the detection's own frame: with c the YuNet box centre and s = sqrt(w * h), the features are
/// f = [1, (k_i - c) / s for the 5 key points (x and y), ln(w / h)] (12 values) and the targets
/// t = [(c68 - c) / s (x and y), ln(w68 / s), ln(h68 / s)], t = A f. A is fitted by ridge least squares
/// (<see cref="Fit"/>) on the 300-W training photos; the coefficients ship in
/// <c>models/detection/box68_regression.json</c> (embedded). Immutable and thread-safe.
/// </summary>
public sealed class Box68Regression
{
    /// <summary>Number of features (see the class summary).</summary>
    public const int Features = 12;
    /// <summary>Number of targets: centre x, centre y, log width, log height.</summary>
    public const int Targets = 4;

    private readonly double[] _a; // Targets x Features, row-major

    /// <summary>The coefficients, [4 x 12] row-major.</summary>
    public ReadOnlySpan<double> Coefficients => _a;

    /// <summary>A regression from its <see cref="Targets"/> x <see cref="Features"/> coefficients (row-major, finite; copied).</summary>
    public Box68Regression(double[] coefficients)
    {
        if (coefficients.Length != Targets * Features || coefficients.Any(c => !double.IsFinite(c)))
            throw new InvalidInputException(nameof(coefficients), $"need {Targets * Features} finite values, got {coefficients.Length}");
        _a = (double[])coefficients.Clone();
    }

    /// <summary>The shipped model (fitted by <c>bench/DenseFace.Bench -- detect</c>, see docs/benchmarks.md).</summary>
    public static Box68Regression Default { get; } = LoadEmbedded();

    private static Box68Regression LoadEmbedded()
    {
        using var s = typeof(Box68Regression).Assembly.GetManifestResourceStream("DenseFace.Detection.box68_regression.json")
            ?? throw new InvalidOperationException("embedded box68_regression.json missing");
        return FromJson(s, "box68_regression.json");
    }

    /// <summary>Reads {"coefficients": [[12 values] x 4], ...} (other keys ignored).</summary>
    public static Box68Regression FromJson(Stream json, string source)
    {
        try
        {
            using var doc = JsonDocument.Parse(json);
            var rows = doc.RootElement.GetProperty("coefficients");
            return new Box68Regression(rows.EnumerateArray().SelectMany(r => r.EnumerateArray().Select(v => v.GetDouble())).ToArray());
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or InvalidInputException)
        {
            throw new InvalidInputException(source, $"not a box68 regression file ({e.Message})");
        }
    }

    /// <summary>JSON of the coefficients (the shipped file's format), with free-form notes.</summary>
    public string ToJson(IReadOnlyDictionary<string, object>? notes = null)
    {
        var rows = Enumerable.Range(0, Targets).Select(r => _a.Skip(r * Features).Take(Features).Select(v => Math.Round(v, 6)).ToArray()).ToArray();
        var obj = new Dictionary<string, object>
        {
            ["features"] = "1, (kx_i - cx)/s, (ky_i - cy)/s for i = 0..4 interleaved, ln(w/h); s = sqrt(w h) of the YuNet box",
            ["targets"] = "(cx68 - cx)/s, (cy68 - cy)/s, ln(w68/s), ln(h68/s)",
            ["coefficients"] = rows,
        };
        if (notes != null) foreach (var (k, v) in notes) obj[k] = v;
        return JsonSerializer.Serialize(obj, new JsonSerializerOptions { WriteIndented = true });
    }

    /// <summary>Writes the feature vector of a detection into <paramref name="f"/> (length 12).</summary>
    public static void FeaturesOf(in FaceBox box, in Keypoints5 keypoints, Span<double> f)
    {
        var c = box.Centre;
        double s = Math.Sqrt(Math.Max(1e-6, box.Width * box.Height));
        f[0] = 1;
        for (int i = 0; i < 5; i++)
        {
            f[1 + 2 * i] = (keypoints[i].X - c.X) / s;
            f[2 + 2 * i] = (keypoints[i].Y - c.Y) / s;
        }
        f[11] = Math.Log(Math.Max(1e-6, box.Width) / Math.Max(1e-6, box.Height));
    }

    /// <summary>The estimated tight 68-landmark box of a detection. Allocates nothing.</summary>
    public FaceBox Apply(in FaceBox box, in Keypoints5 keypoints)
    {
        Span<double> f = stackalloc double[Features];
        FeaturesOf(box, keypoints, f);
        Span<double> t = stackalloc double[Targets];
        for (int r = 0; r < Targets; r++)
        {
            double v = 0;
            for (int j = 0; j < Features; j++) v += _a[r * Features + j] * f[j];
            t[r] = v;
        }
        var c = box.Centre;
        double s = Math.Sqrt(Math.Max(1e-6, box.Width * box.Height));
        return FaceBox.FromCentre((float)(c.X + t[0] * s), (float)(c.Y + t[1] * s), (float)(Math.Exp(t[2]) * s), (float)(Math.Exp(t[3]) * s));
    }

    /// <summary>
    /// Fits the model by ridge least squares (penalty <paramref name="ridge"/> on all but the intercept) to
    /// detections paired with the tight boxes of their 68 landmarks.
    /// </summary>
    public static Box68Regression Fit(IReadOnlyList<(FaceBox Box, Keypoints5 Keypoints, FaceBox Target)> samples, double ridge = 1e-3)
    {
        if (samples.Count < Features) throw new InvalidInputException(nameof(samples), $"{samples.Count} samples; at least {Features} needed");
        var ata = new double[Features, Features];
        var atb = new double[Features, Targets];
        Span<double> f = stackalloc double[Features];
        Span<double> t = stackalloc double[Targets];
        foreach (var (box, kp, target) in samples)
        {
            FeaturesOf(box, kp, f);
            var c = box.Centre;
            var c68 = target.Centre;
            double s = Math.Sqrt(box.Width * box.Height);
            t[0] = (c68.X - c.X) / s; t[1] = (c68.Y - c.Y) / s;
            t[2] = Math.Log(target.Width / s); t[3] = Math.Log(target.Height / s);
            for (int i = 0; i < Features; i++)
            {
                for (int j = 0; j < Features; j++) ata[i, j] += f[i] * f[j];
                for (int k = 0; k < Targets; k++) atb[i, k] += f[i] * t[k];
            }
        }
        for (int i = 1; i < Features; i++) ata[i, i] += ridge * samples.Count;
        // Gaussian elimination with partial pivoting on [AtA | AtB].
        int n = Features;
        for (int col = 0; col < n; col++)
        {
            int p = col;
            for (int r = col + 1; r < n; r++) if (Math.Abs(ata[r, col]) > Math.Abs(ata[p, col])) p = r;
            if (Math.Abs(ata[p, col]) < 1e-12) throw new InvalidInputException(nameof(samples), "degenerate samples (singular normal equations)");
            if (p != col)
            {
                for (int j = 0; j < n; j++) (ata[col, j], ata[p, j]) = (ata[p, j], ata[col, j]);
                for (int k = 0; k < Targets; k++) (atb[col, k], atb[p, k]) = (atb[p, k], atb[col, k]);
            }
            for (int r = 0; r < n; r++)
            {
                if (r == col) continue;
                double m = ata[r, col] / ata[col, col];
                if (m == 0) continue;
                for (int j = col; j < n; j++) ata[r, j] -= m * ata[col, j];
                for (int k = 0; k < Targets; k++) atb[r, k] -= m * atb[col, k];
            }
        }
        var a = new double[Targets * Features];
        for (int k = 0; k < Targets; k++)
            for (int i = 0; i < n; i++) a[k * Features + i] = atb[i, k] / ata[i, i];
        return new Box68Regression(a);
    }
}
