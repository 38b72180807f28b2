using System.Numerics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace DenseFace.FaceModel.Layouts;

/// <summary>
/// A named set of landmarks defined on the ICT-FaceKit surface (<see cref="MorphableModel"/> topology): every
/// landmark is a <see cref="SurfacePoint"/> (triangle + barycentric coordinates), so it deforms exactly with the
/// model and evaluates as a blend of three vertices. Built-in layouts: <see cref="LandmarkLayouts"/>.
/// <para>
/// JSON form (schema <see cref="SchemaVersion"/>): <c>{"schema":1, "name", "description", "triangleCount",
/// "points":[{"triangle", "u", "v", "vertex", "part", "region", "mirror"}, …]}</c>, where
/// <c>triangleCount</c> is the model's triangle count the indices refer to, <c>part</c> a <see cref="FacePart"/>
/// name and <c>vertex</c> −1 for interior surface points.
/// </para>
/// </summary>
public sealed class LandmarkLayout
{
    /// <summary>Version of the JSON schema written by <see cref="ToJson"/>; <see cref="FromJson"/> accepts only this one.</summary>
    public const int SchemaVersion = 1;
    /// <summary>Largest accepted landmark count.</summary>
    public const int MaxPoints = 100_000;
    /// <summary>Largest accepted JSON text, in characters.</summary>
    public const int MaxJsonChars = 32 << 20;

    readonly LandmarkPoint[] _points;
    readonly SurfacePoint[] _surface;
    readonly int[] _mirror;

    /// <summary>Short identifier (lower-case letters, digits, '_'), e.g. "dense520".</summary>
    public string Name { get; }
    /// <summary>How the layout was made, for people.</summary>
    public string Description { get; }
    /// <summary>Triangle count of the model topology the triangle indices refer to (52,220 for ICT-FaceKit light).</summary>
    public int TriangleCount { get; }
    /// <summary>The landmarks in layout order.</summary>
    public IReadOnlyList<LandmarkPoint> Points => _points;
    /// <summary>Number of landmarks.</summary>
    public int Count => _points.Length;
    /// <summary>The landmarks' surface points (for <see cref="MorphableModel.CreateSubsetBasis(ReadOnlySpan{SurfacePoint}, int)"/>).</summary>
    public ReadOnlySpan<SurfacePoint> SurfacePoints => _surface;
    /// <summary>
    /// Mirror partner of each landmark, −1 for none (an involution on the others: Mirror[Mirror[i]] = i). When
    /// <see cref="HasCompleteMirror"/> it is the permutation to apply after a horizontal image flip.
    /// </summary>
    public ReadOnlySpan<int> MirrorIndices => _mirror;
    /// <summary>True when every landmark has a mirror partner (itself on the midline), so flip augmentation can relabel.</summary>
    public bool HasCompleteMirror { get; }
    /// <summary>The distinct parts the landmarks lie on, in <see cref="FacePart"/> order.</summary>
    public IReadOnlyList<FacePart> Parts { get; }
    /// <summary>The distinct region labels, in order of first appearance.</summary>
    public IReadOnlyList<string> Regions { get; }

    /// <summary>Creates a layout, checking names, barycentric coordinates and that the mirror map is an involution.</summary>
    /// <exception cref="InvalidInputException">Any of those checks fails.</exception>
    public LandmarkLayout(string name, string description, int triangleCount, IEnumerable<LandmarkPoint> points)
    {
        ArgumentNullException.ThrowIfNull(points);
        if (string.IsNullOrEmpty(name) || name.Length > 64 || !name.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '_'))
            throw new InvalidInputException(nameof(name), $"layout name '{name}' must be 1–64 characters of a–z, 0–9 and '_'");
        if (triangleCount <= 0) throw new InvalidInputException(nameof(triangleCount), $"triangle count {triangleCount} must be positive");
        _points = points.Take(MaxPoints + 1).ToArray();
        if (_points.Length == 0) throw new InvalidInputException(name, "layout has no points");
        if (_points.Length > MaxPoints) throw new InvalidInputException(name, $"layout has more than {MaxPoints} points");
        Name = name;
        Description = description ?? "";
        TriangleCount = triangleCount;
        _surface = new SurfacePoint[_points.Length];
        _mirror = new int[_points.Length];
        for (int i = 0; i < _points.Length; i++)
        {
            var p = _points[i];
            var s = p.Surface;
            if ((uint)s.Triangle >= (uint)triangleCount) throw new InvalidInputException(name, $"point {i}: triangle {s.Triangle} is outside 0..{triangleCount - 1}");
            if (!(s.U >= 0 && s.V >= 0 && s.U <= 1 && s.V <= 1 && s.U + s.V <= 1 + 1e-6f))
                throw new InvalidInputException(name, $"point {i}: barycentric coordinates (u {s.U}, v {s.V}) are not inside the triangle");
            if (!Enum.IsDefined(p.Part)) throw new InvalidInputException(name, $"point {i}: unknown part {(int)p.Part}");
            if (string.IsNullOrEmpty(p.Region)) throw new InvalidInputException(name, $"point {i}: empty region label");
            if (p.Mirror < -1 || p.Mirror >= _points.Length) throw new InvalidInputException(name, $"point {i}: mirror index {p.Mirror} is outside −1..{_points.Length - 1}");
            if (p.Vertex < -1) throw new InvalidInputException(name, $"point {i}: vertex {p.Vertex} must be −1 or a vertex index");
            _surface[i] = s;
            _mirror[i] = p.Mirror;
        }
        for (int i = 0; i < _mirror.Length; i++)
            if (_mirror[i] >= 0 && _mirror[_mirror[i]] != i) throw new InvalidInputException(name, $"mirror map is not an involution: point {i} → {_mirror[i]} → {_mirror[_mirror[i]]}");
        HasCompleteMirror = !_mirror.Contains(-1);
        Parts = _points.Select(p => p.Part).Distinct().Order().ToArray();
        Regions = _points.Select(p => p.Region).Distinct().ToArray();
    }

    /// <summary>
    /// Checks the layout against <paramref name="model"/>: triangle indices in range, each point's part owns its
    /// triangle, and a point with a vertex sits with weight 1 on that corner.
    /// </summary>
    /// <exception cref="InvalidInputException">The layout does not fit the model.</exception>
    public void Validate(MorphableModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (TriangleCount != model.TriangleCount)
            throw new InvalidInputException(Name, $"layout is for a topology with {TriangleCount} triangles, the model has {model.TriangleCount}");
        var tris = model.Triangles;
        for (int i = 0; i < _points.Length; i++)
        {
            var p = _points[i];
            int t = p.Surface.Triangle;
            if (!model.TriangleRange(p.Part).Contains(t)) throw new InvalidInputException(Name, $"point {i}: triangle {t} is not on part {p.Part}");
            if (p.Vertex < 0) continue;
            float w = tris[3 * t] == p.Vertex ? p.Surface.W : tris[3 * t + 1] == p.Vertex ? p.Surface.U : tris[3 * t + 2] == p.Vertex ? p.Surface.V : 0;
            if (w != 1) throw new InvalidInputException(Name, $"point {i}: vertex {p.Vertex} does not carry weight 1 on triangle {t}");
        }
    }

    /// <summary>
    /// Landmark positions on an evaluated mesh (<paramref name="meshPositions"/>: V positions from
    /// <see cref="MorphableModel.Evaluate(ReadOnlySpan{float}, ReadOnlySpan{float}, Span{Vector3})"/>, cm) into
    /// <paramref name="output"/> (length ≥ <see cref="Count"/>). Allocates nothing.
    /// </summary>
    public void Positions(MorphableModel model, ReadOnlySpan<Vector3> meshPositions, Span<Vector3> output)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (TriangleCount != model.TriangleCount)
            throw new InvalidInputException(Name, $"layout is for a topology with {TriangleCount} triangles, the model has {model.TriangleCount}");
        if (meshPositions.Length < model.VertexCount) throw new InvalidInputException(nameof(meshPositions), $"holds {meshPositions.Length} positions, the model has {model.VertexCount} vertices");
        if (output.Length < _surface.Length) throw new InvalidInputException(nameof(output), $"holds {output.Length} entries for {_surface.Length} landmarks");
        var tris = model.Triangles;
        for (int i = 0; i < _surface.Length; i++)
        {
            var s = _surface[i];
            int o = 3 * s.Triangle;
            output[i] = s.W * meshPositions[tris[o]] + s.U * meshPositions[tris[o + 1]] + s.V * meshPositions[tris[o + 2]];
        }
    }

    /// <summary>Landmark positions of the model with the given coefficients, straight from the bases (see <see cref="MorphableModel.EvaluateSurfacePoints"/>), cm.</summary>
    public void Evaluate(MorphableModel model, ReadOnlySpan<float> identity, ReadOnlySpan<float> expression, Span<Vector3> output)
    {
        ArgumentNullException.ThrowIfNull(model);
        model.EvaluateSurfacePoints(_surface, identity, expression, output);
    }

    // ------------------------------------------------------------------ JSON

    sealed class Dto
    {
        [JsonPropertyName("schema"), JsonRequired] public int Schema { get; set; }
        [JsonPropertyName("name"), JsonRequired] public string? Name { get; set; }
        [JsonPropertyName("description")] public string? Description { get; set; }
        [JsonPropertyName("triangleCount"), JsonRequired] public int TriangleCount { get; set; }
        [JsonPropertyName("points"), JsonRequired] public List<PointDto>? Points { get; set; }
    }

    sealed class PointDto
    {
        [JsonPropertyName("triangle"), JsonRequired] public int Triangle { get; set; }
        [JsonPropertyName("u"), JsonRequired] public float U { get; set; }
        [JsonPropertyName("v"), JsonRequired] public float V { get; set; }
        [JsonPropertyName("vertex")] public int Vertex { get; set; } = -1;
        [JsonPropertyName("part"), JsonRequired] public string? Part { get; set; }
        [JsonPropertyName("region"), JsonRequired] public string? Region { get; set; }
        [JsonPropertyName("mirror"), JsonRequired] public int Mirror { get; set; }
    }

    static readonly JsonSerializerOptions ReadOptions = new() { MaxDepth = 8, NumberHandling = JsonNumberHandling.Strict };

    /// <summary>The layout as JSON text (UTF-8 friendly, '\n' line ends, one point per line, deterministic).</summary>
    public string ToJson()
    {
        var sb = new StringBuilder(128 * _points.Length);
        sb.Append("{\n");
        sb.Append("  \"schema\": ").Append(SchemaVersion).Append(",\n");
        sb.Append("  \"name\": ").Append(JsonSerializer.Serialize(Name)).Append(",\n");
        sb.Append("  \"description\": ").Append(JsonSerializer.Serialize(Description)).Append(",\n");
        sb.Append("  \"triangleCount\": ").Append(TriangleCount).Append(",\n");
        sb.Append("  \"points\": [\n");
        for (int i = 0; i < _points.Length; i++)
        {
            var p = _points[i];
            var dto = new PointDto { Triangle = p.Surface.Triangle, U = p.Surface.U, V = p.Surface.V, Vertex = p.Vertex, Part = p.Part.ToString(), Region = p.Region, Mirror = p.Mirror };
            sb.Append("    ").Append(JsonSerializer.Serialize(dto));
            sb.Append(i + 1 < _points.Length ? ",\n" : "\n");
        }
        sb.Append("  ]\n}\n");
        return sb.ToString();
    }

    /// <summary>Parses JSON written by <see cref="ToJson"/>; <paramref name="sourceName"/> names the input in errors.</summary>
    /// <exception cref="InvalidInputException">Malformed JSON, another schema version, or an invalid layout.</exception>
    public static LandmarkLayout FromJson(string json, string sourceName)
    {
        ArgumentNullException.ThrowIfNull(json);
        if (json.Length > MaxJsonChars) throw new InvalidInputException(sourceName, $"layout JSON of {json.Length} characters exceeds the limit of {MaxJsonChars}");
        Dto? dto;
        try { dto = JsonSerializer.Deserialize<Dto>(json, ReadOptions); }
        catch (JsonException e) { throw new InvalidInputException(sourceName, $"malformed layout JSON: {e.Message}", e); }
        if (dto is null) throw new InvalidInputException(sourceName, "layout JSON is null");
        if (dto.Schema != SchemaVersion) throw new InvalidInputException(sourceName, $"layout schema {dto.Schema} is not supported (expected {SchemaVersion})");
        if (dto.Points is null) throw new InvalidInputException(sourceName, "layout JSON has no \"points\" array");
        if (dto.Points.Count > MaxPoints) throw new InvalidInputException(sourceName, $"layout has {dto.Points.Count} points, more than {MaxPoints}");
        var points = new LandmarkPoint[dto.Points.Count];
        for (int i = 0; i < points.Length; i++)
        {
            var p = dto.Points[i] ?? throw new InvalidInputException(sourceName, $"point {i} is null");
            if (p.Part is null || !Enum.TryParse<FacePart>(p.Part, ignoreCase: false, out var part) || !Enum.IsDefined(part) || char.IsDigit(p.Part[0]))
                throw new InvalidInputException(sourceName, $"point {i}: unknown part '{p.Part}'");
            points[i] = new LandmarkPoint(new SurfacePoint(p.Triangle, p.U, p.V), part, p.Region ?? "", p.Mirror, p.Vertex);
        }
        try { return new LandmarkLayout(dto.Name ?? "", dto.Description ?? "", dto.TriangleCount, points); }
        catch (InvalidInputException e) { throw new InvalidInputException(sourceName, e.Problem, e); }
    }

    /// <summary>Reads a layout JSON file (see <see cref="FromJson"/>).</summary>
    public static LandmarkLayout Load(string path)
    {
        var info = new FileInfo(path);
        if (!info.Exists) throw new InvalidInputException(path, "layout file not found");
        if (info.Length > 4L * MaxJsonChars) throw new InvalidInputException(path, $"layout file of {info.Length} bytes is too large");
        return FromJson(File.ReadAllText(path), path);
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Name} ({Count} points)";
}
