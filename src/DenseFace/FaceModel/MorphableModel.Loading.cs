using System.Text.Json;
using DenseFace.IO;

namespace DenseFace.FaceModel;

public sealed partial class MorphableModel
{
    /// <summary>File names inside the model folder.</summary>
    public const string BasesFile = "ict_facekit_bases.npz", MeshFile = "generic_neutral_mesh.obj", IndicesFile = "vertex_indices.json";

    /// <summary>
    /// Loads the model from <paramref name="folder"/> (default: DataRoot.Path("facemodel", "ict-facekit")):
    /// <c>ict_facekit_bases.npz</c> (neutral, identity, expression arrays), <c>generic_neutral_mesh.obj</c>
    /// (topology, UVs, materials) and <c>vertex_indices.json</c> (expression names, landmark and other
    /// vertex lists). Bad or missing files give <see cref="InvalidInputException"/> naming the file.
    /// With <paramref name="useCache"/> the parsed arrays are cached in a binary file outside the data
    /// folder (see <c>ModelCache</c>: keyed by the sources' paths, sizes and modification times) and later
    /// loads read that file instead (<see cref="LoadedFromCache"/>). Measured in a fresh process on the 2-core
    /// dev VM: parsing ≈ 0.7–0.8 s (mostly inflating the 49 MB of the npz), from the cache ≈ 0.1–0.17 s.
    /// </summary>
    public static MorphableModel Load(string? folder = null, bool useCache = true) =>
        Load(folder, useCache ? ModelCache.DefaultDirectory() : null);

    /// <summary><see cref="Load(string?, bool)"/> with an explicit cache folder (null = no cache).</summary>
    internal static MorphableModel Load(string? folder, string? cacheDirectory)
    {
        folder ??= DataRoot.Path("facemodel", "ict-facekit");
        if (!Directory.Exists(folder)) throw new InvalidInputException(folder, "face model folder not found");
        string npz = Path.Combine(folder, BasesFile), obj = Path.Combine(folder, MeshFile), json = Path.Combine(folder, IndicesFile);
        foreach (var f in new[] { npz, obj, json })
            if (!File.Exists(f)) throw new InvalidInputException(f, "file not found (expected in the ICT-FaceKit model folder)");
        if (cacheDirectory is null) return new MorphableModel(ParseSources(npz, obj, json));
        string key = ModelCache.Key(npz, obj, json);
        var data = ModelCache.TryLoad(cacheDirectory, key);
        if (data is null)
        {
            data = ParseSources(npz, obj, json);
            ModelCache.TrySave(cacheDirectory, key, data);
        }
        return new MorphableModel(data);
    }

    /// <summary>Parses the three source files into validated arrays (no cache).</summary>
    internal static ModelData ParseSources(string npzPath, string objPath, string jsonPath)
    {
        var indices = ReadIndices(jsonPath);
        var mesh = ObjPolygonReader.Read(objPath);
        var npz = NpzArchive.Read(npzPath);
        int v = mesh.VertexCount;
        float[] neutral = GetBasis(npz, "neutral", 1, v, npzPath);
        float[] identity = GetBasis(npz, "identity", -1, v, npzPath);
        float[] expression = GetBasis(npz, "expression", indices.Expressions.Length, v, npzPath);
        var d = BuildData(v, neutral, identity, expression, indices, mesh);
        d.Validate(npzPath);
        return d;
    }

    static ModelData BuildData(int v, float[] neutral, float[] identity, float[] expression, IndexLists indices, ObjPolygonReader mesh)
    {
        bool hasUvs = mesh.CornerUvs.Count > 0 && !mesh.CornerUvs.Contains(-1);
        return new ModelData
        {
            VertexCount = v,
            Neutral = neutral,
            Identity = identity,
            Expression = expression,
            ExpressionNames = indices.Expressions,
            PolygonOffsets = mesh.PolygonOffsets.ToArray(),
            PolygonVertices = mesh.CornerVertices.ToArray(),
            PolygonUvs = hasUvs ? mesh.CornerUvs.ToArray() : [],
            Uvs = hasUvs ? mesh.Uvs.ToArray() : [],
            MaterialNames = mesh.Materials.Select(m => m.Name).ToArray(),
            MaterialFirstPolygon = mesh.Materials.Select(m => m.FirstPolygon).ToArray(),
            Landmarks68 = indices.Landmarks68,
            FittingVertices = indices.Fitting,
            RigidVertices = indices.Rigid,
            LaplacianRigidVertices = indices.LaplacianRigid,
            RigidLandmarkIndices = indices.RigidLandmarks,
        };
    }

    /// <summary>Gets an (M, V, 3) or (V, 3) float array from the npz; <paramref name="modes"/> = 1 means (V, 3), −1 any M.</summary>
    static float[] GetBasis(NpzArchive npz, string name, int modes, int vertexCount, string src)
    {
        var a = npz.Get(name);
        var s = a.Shape;
        string entry = $"{src}:{name}.npy";
        bool ok = modes == 1 ? s.Count == 2 && s[0] == vertexCount && s[1] == 3
                             : s.Count == 3 && s[1] == vertexCount && s[2] == 3 && (modes < 0 || s[0] == modes);
        if (!ok)
        {
            string want = modes == 1 ? $"({vertexCount}, 3)" : $"({(modes < 0 ? "M" : modes.ToString())}, {vertexCount}, 3)";
            throw new InvalidInputException(entry, $"shape ({string.Join(", ", s)}) does not match the expected {want} (vertex count from {MeshFile})");
        }
        if (a.ElementType is not (NpyElementType.Float32 or NpyElementType.Float64))
            throw new InvalidInputException(entry, $"element type {a.ElementType} is not floating point");
        return a.ToFloatArray();
    }

    sealed record IndexLists(string[] Expressions, int[] Landmarks68, int[] Fitting, int[] Rigid, int[] LaplacianRigid, int[] RigidLandmarks);

    /// <summary>Largest vertex_indices.json accepted (bytes).</summary>
    const long MaxJsonBytes = 64L << 20;

    static IndexLists ReadIndices(string path)
    {
        byte[] bytes;
        try
        {
            var len = new FileInfo(path).Length;
            if (len > MaxJsonBytes) throw new InvalidInputException(path, $"file is {len} bytes (cap {MaxJsonBytes})");
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        { throw new InvalidInputException(path, $"cannot read: {e.Message}", e); }
        try
        {
            using var doc = JsonDocument.Parse(bytes);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw new InvalidInputException(path, "top level is not a JSON object");
            var expressions = StringList(root, "expressions", path, required: true);
            var landmarks = IntList(root, "idx_to_landmark_verts", path, required: true);
            if (landmarks.Length != 68) throw new InvalidInputException(path, $"'idx_to_landmark_verts' has {landmarks.Length} entries, expected 68");
            return new IndexLists(expressions, landmarks,
                IntList(root, "idx_to_fitting_verts", path, false), IntList(root, "idx_to_rigid_verts", path, false),
                IntList(root, "idx_to_lap_rigid_verts", path, false), IntList(root, "idx_to_rigid_landmark_idx", path, false));
        }
        catch (JsonException e) { throw new InvalidInputException(path, $"invalid JSON: {e.Message}", e); }
    }

    static string[] StringList(JsonElement root, string key, string path, bool required)
    {
        if (!root.TryGetProperty(key, out var el))
            return required ? throw new InvalidInputException(path, $"missing '{key}'") : [];
        if (el.ValueKind != JsonValueKind.Array) throw new InvalidInputException(path, $"'{key}' is not an array");
        return el.EnumerateArray().Select(x => x.ValueKind == JsonValueKind.String ? x.GetString()!
            : throw new InvalidInputException(path, $"'{key}' holds a non-string")).ToArray();
    }

    static int[] IntList(JsonElement root, string key, string path, bool required)
    {
        if (!root.TryGetProperty(key, out var el))
            return required ? throw new InvalidInputException(path, $"missing '{key}'") : [];
        if (el.ValueKind != JsonValueKind.Array) throw new InvalidInputException(path, $"'{key}' is not an array");
        return el.EnumerateArray().Select(x => x.ValueKind == JsonValueKind.Number && x.TryGetInt32(out int i) ? i
            : throw new InvalidInputException(path, $"'{key}' holds a value that is not a 32-bit integer")).ToArray();
    }

    /// <summary>
    /// Imports the ORIGINAL ICT-FaceKit folder layout (FaceXModel/): <c>generic_neutral_mesh.obj</c> plus one
    /// OBJ per shape with absolute positions on the same topology — <c>identity000.obj</c> …
    /// <c>identity{K−1:000}.obj</c> and <c>&lt;expressionName&gt;.obj</c> for each expression (names from the
    /// folder's <c>vertex_indices.json</c> when present, else <see cref="IctLandmarks.ExpressionNames"/>).
    /// Deltas = shape − neutral. A missing shape file is an error unless <paramref name="allowPartial"/>,
    /// in which case its deltas are zero and its name is listed in <see cref="MissingShapes"/>. Landmark
    /// and index lists come from vertex_indices.json when present, else the README's 68 landmarks.
    /// </summary>
    public static MorphableModel ImportOriginal(string folder, bool allowPartial = false, int identityCount = 100)
    {
        if (!Directory.Exists(folder)) throw new InvalidInputException(folder, "ICT-FaceKit folder not found");
        if (identityCount is < 0 or > 1000) throw new InvalidInputException(nameof(identityCount), $"{identityCount} is outside 0..1000");
        string objPath = Path.Combine(folder, MeshFile), jsonPath = Path.Combine(folder, IndicesFile);
        if (!File.Exists(objPath)) throw new InvalidInputException(objPath, "file not found (the original layout needs the neutral mesh)");
        var mesh = ObjPolygonReader.Read(objPath);
        var indices = File.Exists(jsonPath) ? ReadIndices(jsonPath)
            : new IndexLists(IctLandmarks.ExpressionNames.ToArray(), IctLandmarks.MultiPie68.ToArray(), [], [], [], []);
        int v = mesh.VertexCount, n = 3 * v;
        var neutral = mesh.Positions.ToArray();
        var identityNames = Enumerable.Range(0, identityCount).Select(k => $"identity{k:000}").ToArray();
        var missing = new List<string>();
        foreach (var name in identityNames.Concat(indices.Expressions))
            if (!File.Exists(Path.Combine(folder, name + ".obj"))) missing.Add(name);
        if (missing.Count > 0 && !allowPartial)
            throw new InvalidInputException(folder, $"{missing.Count} shape file(s) missing, e.g. {string.Join(", ", missing.Take(5))}.obj (pass allowPartial to import the rest with zero deltas)");
        var identity = new float[(long)identityCount * n];
        var expression = new float[(long)indices.Expressions.Length * n];
        for (int k = 0; k < identityCount; k++) ReadShapeDeltas(folder, identityNames[k], neutral, identity.AsSpan(k * n, n));
        for (int e = 0; e < indices.Expressions.Length; e++) ReadShapeDeltas(folder, indices.Expressions[e], neutral, expression.AsSpan(e * n, n));
        var d = BuildData(v, neutral, identity, expression, indices, mesh);
        d.MissingShapes = missing.ToArray();
        d.Validate(folder);
        return new MorphableModel(d);
    }

    static void ReadShapeDeltas(string folder, string name, float[] neutral, Span<float> deltas)
    {
        string path = Path.Combine(folder, name + ".obj");
        if (!File.Exists(path)) return; // reported as missing by the caller
        var shape = ObjPolygonReader.Read(path, positionsOnly: true);
        if (shape.Positions.Count != neutral.Length)
            throw new InvalidInputException(path, $"has {shape.VertexCount} vertices, the neutral mesh has {neutral.Length / 3}");
        for (int i = 0; i < deltas.Length; i++) deltas[i] = shape.Positions[i] - neutral[i];
    }
}
