using System.Drawing;
using System.Numerics;
using System.Text.Json;

namespace DenseFace.Evaluation.Datasets;

/// <summary>
/// Reader of mmpose's face-landmark annotation files (COCO keypoint JSON: <c>images[]</c> with <c>id</c>,
/// <c>file_name</c>, <c>width</c>, <c>height</c>; <c>annotations[]</c> with <c>image_id</c>, <c>id</c>,
/// <c>keypoints</c> [x, y, v]*, optional <c>bbox</c>, <c>center</c>, <c>scale</c>, <c>num_keypoints</c>), as used for
/// 300-W, 300-VW, 300W-LP, WFLW and COFW.
/// <para>
/// Coordinates: COCO and mmpose use the stored keypoints directly as pixel coordinates, so the default
/// <see cref="CoordinateBase.ZeroBased"/> takes them as stored. Caution: mmpose's 300-W and 300-VW files copy the iBUG
/// <c>.pts</c> values verbatim (checked on the 300-VW sample: the JSON keypoints equal <c>annot/*.pts</c> exactly), i.e.
/// they are 1-based; pass <see cref="CoordinateBase.OneBased"/> to get the same in-memory points as <see cref="PtsFile"/>.
/// </para>
/// </summary>
public static class MmposeAnnotations
{
    /// <summary>Largest accepted JSON file.</summary>
    public const long MaxFileBytes = 256L << 20;

    /// <summary>Largest accepted keypoint count per annotation.</summary>
    public const int MaxKeypoints = 100_000;

    /// <summary>Reads every annotation of <paramref name="jsonPath"/> in file order; malformed content throws <see cref="InvalidInputException"/> naming the file.</summary>
    public static IReadOnlyList<AnnotatedFace> Read(string jsonPath, CoordinateBase keypointBase = CoordinateBase.ZeroBased)
    {
        var bytes = DatasetFile.ReadAllBytes(jsonPath, MaxFileBytes);
        var folder = Path.GetDirectoryName(Path.GetFullPath(jsonPath)) ?? ".";
        double shift = keypointBase == CoordinateBase.OneBased ? 1.0 : 0.0; // subtracted in double, as PtsFile does
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(bytes, new JsonDocumentOptions { MaxDepth = 32 });
        }
        catch (JsonException e)
        {
            throw new InvalidInputException(jsonPath, $"invalid JSON at line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1}: {e.Message}", e);
        }
        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw new InvalidInputException(jsonPath, "top level is not a JSON object");
            var images = new Dictionary<long, (string Path, int? Width, int? Height)>();
            int index = 0;
            foreach (var image in RequiredArray(root, "images", "", jsonPath).EnumerateArray())
            {
                var where = $"images[{index++}]";
                long id = Integer(Required(image, "id", where, jsonPath), where + ".id", jsonPath);
                var fileName = Required(image, "file_name", where, jsonPath);
                if (fileName.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(fileName.GetString()) || fileName.GetString()!.Contains('\0'))
                    throw new InvalidInputException(jsonPath, $"{where}.file_name must be a non-empty string");
                var path = Path.GetFullPath(Path.Combine(folder, fileName.GetString()!));
                if (!images.TryAdd(id, (path, OptionalSize(image, "width", where, jsonPath), OptionalSize(image, "height", where, jsonPath))))
                    throw new InvalidInputException(jsonPath, $"{where}: image id {id} appears twice");
            }

            var faces = new List<AnnotatedFace>();
            index = 0;
            foreach (var ann in RequiredArray(root, "annotations", "", jsonPath).EnumerateArray())
            {
                var where = $"annotations[{index++}]";
                if (ann.ValueKind != JsonValueKind.Object) throw new InvalidInputException(jsonPath, $"{where} is not an object");
                long imageId = Integer(Required(ann, "image_id", where, jsonPath), where + ".image_id", jsonPath);
                if (!images.TryGetValue(imageId, out var image))
                    throw new InvalidInputException(jsonPath, $"{where}.image_id {imageId} matches no entry of 'images'");
                long id = Integer(Required(ann, "id", where, jsonPath), where + ".id", jsonPath);
                var kp = Numbers(Required(ann, "keypoints", where, jsonPath), where + ".keypoints", jsonPath, -1);
                if (kp.Length == 0 || kp.Length % 3 != 0 || kp.Length / 3 > MaxKeypoints)
                    throw new InvalidInputException(jsonPath, $"{where}.keypoints has {kp.Length} numbers; expected a positive multiple of 3 (x, y, v per point)");
                int n = kp.Length / 3;
                var points = new Vector2[n];
                var labelled = new bool[n];
                for (int i = 0; i < n; i++)
                {
                    points[i] = new Vector2(ToFloat(kp[3 * i] - shift), ToFloat(kp[3 * i + 1] - shift));
                    double v = kp[3 * i + 2];
                    if (v is not (0 or 1 or 2)) throw new InvalidInputException(jsonPath, $"{where}.keypoints: visibility of point {i} is {v}; expected 0, 1 or 2");
                    labelled[i] = v > 0;
                }
                RectangleF? box = null;
                if (ann.TryGetProperty("bbox", out var bboxElement))
                {
                    var b = Numbers(bboxElement, where + ".bbox", jsonPath, 4);
                    if (b[2] < 0 || b[3] < 0) throw new InvalidInputException(jsonPath, $"{where}.bbox has a negative width or height");
                    box = new RectangleF(ToFloat(b[0] - shift), ToFloat(b[1] - shift), ToFloat(b[2]), ToFloat(b[3]));
                }
                Vector2? center = null;
                if (ann.TryGetProperty("center", out var centerElement))
                {
                    var c = Numbers(centerElement, where + ".center", jsonPath, 2);
                    center = new Vector2(ToFloat(c[0] - shift), ToFloat(c[1] - shift));
                }
                float? scale = null;
                if (ann.TryGetProperty("scale", out var scaleElement))
                {
                    scale = ToFloat(Number(scaleElement, where + ".scale", jsonPath));
                    if (scale <= 0) throw new InvalidInputException(jsonPath, $"{where}.scale must be positive");
                }
                faces.Add(new AnnotatedFace
                {
                    ImagePath = image.Path,
                    ImageId = imageId,
                    AnnotationId = id,
                    ImageWidth = image.Width,
                    ImageHeight = image.Height,
                    Box = box,
                    Landmarks = new LandmarkSet(points, labelled, $"{jsonPath} {where}"),
                    Kind = FaceDatasetKinds.FromPointCount(n),
                    Center = center,
                    Scale = scale,
                });
            }
            return faces;
        }
    }

    private static JsonElement Required(JsonElement obj, string name, string where, string file)
    {
        if (obj.ValueKind != JsonValueKind.Object) throw new InvalidInputException(file, $"{(where.Length == 0 ? "top level" : where)} is not an object");
        return obj.TryGetProperty(name, out var v) ? v : throw new InvalidInputException(file, $"{(where.Length == 0 ? "top level" : where)}: missing '{name}'");
    }

    private static JsonElement RequiredArray(JsonElement obj, string name, string where, string file)
    {
        var v = Required(obj, name, where, file);
        return v.ValueKind == JsonValueKind.Array ? v : throw new InvalidInputException(file, $"'{name}' is not an array");
    }

    private static long Integer(JsonElement e, string where, string file) =>
        e.ValueKind == JsonValueKind.Number && e.TryGetInt64(out var v) ? v : throw new InvalidInputException(file, $"{where} must be an integer");

    private static int? OptionalSize(JsonElement obj, string name, string where, string file)
    {
        if (!obj.TryGetProperty(name, out var e)) return null;
        return e.ValueKind == JsonValueKind.Number && e.TryGetInt32(out var v) && v > 0 ? v
            : throw new InvalidInputException(file, $"{where}.{name} must be a positive integer");
    }

    /// <summary>A JSON number whose magnitude fits a float (so the later float conversion stays finite).</summary>
    private static double Number(JsonElement e, string where, string file)
    {
        if (e.ValueKind != JsonValueKind.Number || !e.TryGetDouble(out var d)) throw new InvalidInputException(file, $"{where} is not a number");
        return Math.Abs(d) <= 1e30 ? d : throw new InvalidInputException(file, $"{where} is out of range ({d})");
    }

    private static float ToFloat(double d) => (float)d;

    private static double[] Numbers(JsonElement e, string where, string file, int expectedCount)
    {
        if (e.ValueKind != JsonValueKind.Array) throw new InvalidInputException(file, $"{where} is not an array");
        int n = e.GetArrayLength();
        if (expectedCount >= 0 && n != expectedCount) throw new InvalidInputException(file, $"{where} has {n} numbers; expected {expectedCount}");
        var result = new double[n];
        int i = 0;
        foreach (var item in e.EnumerateArray()) { result[i] = Number(item, $"{where}[{i}]", file); i++; }
        return result;
    }
}
