using System.Drawing;
using System.Numerics;
using System.Text.Json;

namespace DenseFace.Evaluation.Datasets;

/// <summary>One labelled point of a layout: position (0-based pixel centres) or null when it could not be projected, and its visibility.</summary>
public readonly record struct LabelPoint(Vector2? Position, bool Visible);

/// <summary>
/// One line of an <c>index.jsonl</c> label file written by <c>denseface synth</c> and <c>denseface pseudolabel</c>:
/// the image (path relative to the index's folder, or absolute), the face box (x, y, w, h; pixels), each layout's
/// points, and for pseudo-labels the source photo's .pts file and the yaw a turned view was rendered at; synthetic
/// records also carry their exact scene (<see cref="Truth"/>). Points that could not be projected are null (older files
/// wrote them as −1e6, which reads as null too).
/// </summary>
public sealed record LabelRecord(string Image, RectangleF Box, IReadOnlyDictionary<string, LabelPoint[]> Layouts, string? Pts, float? TurnedYaw)
{
    /// <summary>The exact scene of a synthetic record (<c>denseface synth</c>'s beta, psi, pose and focal); null for pseudo-labels.</summary>
    public SceneTruth? Truth { get; init; }

    /// <summary>Largest index file read.</summary>
    public const long MaxIndexBytes = 1L << 30;

    /// <summary>Parses one index line; <paramref name="source"/> names it in errors.</summary>
    /// <exception cref="InvalidInputException">Not a label record.</exception>
    public static LabelRecord Parse(string line, string source)
    {
        try
        {
            using var doc = JsonDocument.Parse(line);
            var r = doc.RootElement;
            string image = r.GetProperty("image").GetString() ?? throw new InvalidInputException(source, "\"image\" is null");
            var b = r.GetProperty("box");
            if (b.GetArrayLength() != 4) throw new InvalidInputException(source, "\"box\" must have 4 numbers");
            var box = new RectangleF(b[0].GetSingle(), b[1].GetSingle(), b[2].GetSingle(), b[3].GetSingle());
            var layouts = new Dictionary<string, LabelPoint[]>(StringComparer.Ordinal);
            foreach (var l in r.GetProperty("layouts").EnumerateObject())
            {
                var pts = new LabelPoint[l.Value.GetArrayLength()];
                int i = 0;
                foreach (var p in l.Value.EnumerateArray())
                {
                    Vector2? pos = null;
                    if (p[0].ValueKind == JsonValueKind.Number && p[1].ValueKind == JsonValueKind.Number)
                    {
                        float x = p[0].GetSingle(), y = p[1].GetSingle();
                        if (float.IsFinite(x) && float.IsFinite(y) && x > -1e5f && y > -1e5f) pos = new Vector2(x, y);
                    }
                    pts[i++] = new LabelPoint(pos, p.GetArrayLength() > 2 && p[2].ValueKind == JsonValueKind.Number && p[2].GetInt32() != 0);
                }
                layouts[l.Name] = pts;
            }
            string? ptsPath = r.TryGetProperty("pts", out var q) && q.ValueKind == JsonValueKind.String ? q.GetString() : null;
            float? turned = r.TryGetProperty("turned_yaw", out var t) && t.ValueKind == JsonValueKind.Number ? t.GetSingle() : null;
            SceneTruth? truth = null;
            if (r.TryGetProperty("beta", out var beta) && r.TryGetProperty("pose", out var pose))
            {
                var psi = new Dictionary<string, float>(StringComparer.Ordinal);
                if (r.TryGetProperty("psi", out var ps)) foreach (var e in ps.EnumerateObject()) psi[e.Name] = e.Value.GetSingle();
                var tr = pose.GetProperty("translation");
                truth = new SceneTruth(beta.EnumerateArray().Select(x => x.GetSingle()).ToArray(), psi,
                    pose.GetProperty("yaw").GetSingle(), pose.GetProperty("pitch").GetSingle(), pose.GetProperty("roll").GetSingle(),
                    new Vector3(tr[0].GetSingle(), tr[1].GetSingle(), tr[2].GetSingle()), r.GetProperty("focal").GetSingle());
            }
            return new LabelRecord(image, box, layouts, ptsPath, turned) { Truth = truth };
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException or IndexOutOfRangeException)
        {
            throw new InvalidInputException(source, $"not a label record: {e.Message}");
        }
    }

    /// <summary>Reads every record of <paramref name="indexPath"/>; image paths are made absolute against its folder.</summary>
    /// <exception cref="InvalidInputException">Missing, oversized or malformed file (the message names the line).</exception>
    public static List<LabelRecord> ReadIndex(string indexPath)
    {
        if (!File.Exists(indexPath)) throw new InvalidInputException(indexPath, "label index not found");
        if (new FileInfo(indexPath).Length > MaxIndexBytes) throw new InvalidInputException(indexPath, $"is larger than {MaxIndexBytes >> 20} MiB");
        var dir = Path.GetDirectoryName(Path.GetFullPath(indexPath))!;
        var list = new List<LabelRecord>();
        int n = 0;
        foreach (var line in File.ReadLines(indexPath))
        {
            n++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            var rec = Parse(line, $"{indexPath}:{n}");
            list.Add(rec with { Image = Path.GetFullPath(rec.Image, dir) });
        }
        return list;
    }
}

/// <summary>
/// The exact scene of a synthetic image: identity β (model order), the non-zero expression weights by name, the head
/// pose (degrees, <see cref="Geometry.RigidTransform"/> conventions) with the translation of the model origin (cm,
/// camera space) and the focal length (pixels).
/// </summary>
public sealed record SceneTruth(float[] Identity, IReadOnlyDictionary<string, float> Expression, float Yaw, float Pitch, float Roll, Vector3 TranslationCm, float FocalPx);
