using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using DenseFace.Geometry;

namespace DenseFace.FaceModel;

/// <summary>
/// The ICT-FaceKit "Light" linear morphable face model (Li et al., "Learning Formation of Physically-Based
/// Face Attributes", CVPR 2020): a fixed topology of 26,719 vertices / 26,384 polygons (mostly quads) and
/// <code>
///   S(β, ψ) = S̄ + Σ_k β_k · I_k + Σ_e ψ_e · E_e
/// </code>
/// where S̄ is the neutral mesh, I_k the 100 identity PCA modes (β_k ~ N(0, 1)) and E_e the 53 expression
/// shapes (ARKit names with _L/_R, ψ_e ∈ [0, 1]). Both bases are deltas on the neutral, so expressions
/// are applied additively on top of the identity shape and do not depend on β.
/// <para>
/// Units and axes: centimetres, right-handed, as in the OBJ (measured on the neutral): +y up (top of the
/// head at y ≈ +14.5, bottom of the neck at y ≈ −19.3), +z toward the viewer (the face looks along +z;
/// nose tip, iBUG point 30 = vertex 4857, at (0, 0.41, 13.07)), +x to the subject's left (left eyeball
/// vertices average x ≈ +3.2; the model is mirror-symmetric about x = 0). To go to the OpenCV camera frame (x right, y down, z forward)
/// for a camera facing the face, rotate by 180° about x (y → −y, z → −z) and translate.
/// </para>
/// <para>
/// Memory layout: <see cref="Neutral"/> is float[3V] (x0 y0 z0 x1 …). The identity and expression bases
/// are stored mode-major: float[K·3V] where mode k's deltas are the contiguous run [k·3V, (k+1)·3V) in
/// the same xyz-interleaved order, which makes full-mesh evaluation a sequence of SIMD axpy's
/// (<see cref="Evaluate(ReadOnlySpan{float}, ReadOnlySpan{float}, Span{Vector3})"/>). For repeated
/// evaluation of a few hundred vertices (fitting), build a vertex-major <see cref="SubsetBasis"/> once;
/// <see cref="GetVertexBasis"/> and <see cref="EvaluateSubset"/> gather from the mode-major arrays.
/// Measured on the shared 2-core dev VM (bench/DenseFace.Bench MorphableModelBenchmarks, all 153
/// coefficients non-zero, noisy): full <c>Evaluate</c> ≈ 5 ms; <c>EvaluateSubset</c> ≈ 0.07 ms for 68
/// vertices, ≈ 1.5 ms for 700; <see cref="SubsetBasis.Evaluate(ReadOnlySpan{float}, ReadOnlySpan{float}, Span{Vector3})"/>
/// ≈ 8 µs for 68, ≈ 0.12 ms for 700 (building the 700-point basis: ≈ 6 ms, once). None allocate.
/// </para>
/// <para>An instance is immutable; all members may be called from several threads at once.</para>
/// </summary>
public sealed partial class MorphableModel
{
    readonly ModelData _d;
    readonly int _n; // 3V
    readonly Dictionary<string, int> _expressionIndex;
    readonly Vector2[] _uvs;
    readonly int[] _triangles, _triangleUvs, _polygonFirstTriangle;

    /// <summary>Units of every position and delta.</summary>
    public const string Units = "cm";

    MorphableModel(ModelData d)
    {
        _d = d;
        _n = 3 * d.VertexCount;
        _expressionIndex = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int e = 0; e < d.ExpressionNames.Length; e++) _expressionIndex[d.ExpressionNames[e]] = e;
        _uvs = MemoryMarshal.Cast<float, Vector2>(d.Uvs).ToArray();
        (_triangles, _triangleUvs, _polygonFirstTriangle) = Triangulate(d.PolygonOffsets, d.PolygonVertices, d.PolygonUvs);
        LandmarkVertices68 = Array.AsReadOnly(d.Landmarks68);
        FittingVertices = Array.AsReadOnly(d.FittingVertices);
        RigidVertices = Array.AsReadOnly(d.RigidVertices);
        LaplacianRigidVertices = Array.AsReadOnly(d.LaplacianRigidVertices);
        RigidLandmarkIndices = Array.AsReadOnly(d.RigidLandmarkIndices);
        ExpressionNames = Array.AsReadOnly(d.ExpressionNames);
        MissingShapes = Array.AsReadOnly(d.MissingShapes);
        var mats = new MaterialGroup[d.MaterialNames.Length];
        for (int i = 0; i < mats.Length; i++)
        {
            int start = d.MaterialFirstPolygon[i];
            int end = i + 1 < mats.Length ? d.MaterialFirstPolygon[i + 1] : PolygonCount;
            mats[i] = new MaterialGroup(d.MaterialNames[i], new IndexRange(start, end - start));
        }
        Materials = mats;
    }

    // ---------------------------------------------------------------- dimensions and data

    /// <summary>Number of vertices V (26,719).</summary>
    public int VertexCount => _d.VertexCount;
    /// <summary>Number of identity modes K (100).</summary>
    public int IdentityCount => _d.IdentityCount;
    /// <summary>Number of expression shapes E (53).</summary>
    public int ExpressionCount => _d.ExpressionNames.Length;
    /// <summary>Expression names (ARKit names with _L/_R) in basis order.</summary>
    public IReadOnlyList<string> ExpressionNames { get; }
    /// <summary>Shapes that <see cref="ImportOriginal"/> did not find (zero deltas); empty for a complete model.</summary>
    public IReadOnlyList<string> MissingShapes { get; }

    /// <summary>True when <see cref="Load(string?, bool)"/> read the binary cache instead of parsing the npz/OBJ/JSON.</summary>
    public bool LoadedFromCache => _d.FromCache;

    /// <summary>Neutral mesh S̄ as float[3V] (x0 y0 z0 x1 …), cm.</summary>
    public ReadOnlySpan<float> Neutral => _d.Neutral;
    /// <summary>Neutral mesh as one <see cref="Vector3"/> per vertex, cm.</summary>
    public ReadOnlySpan<Vector3> NeutralPositions => MemoryMarshal.Cast<float, Vector3>(_d.Neutral.AsSpan());
    /// <summary>The whole identity basis, mode-major float[K·3V] (mode k at [k·3V, (k+1)·3V)), cm per unit β.</summary>
    public ReadOnlySpan<float> IdentityBasisData => _d.Identity;
    /// <summary>The whole expression basis, mode-major float[E·3V], cm per unit ψ.</summary>
    public ReadOnlySpan<float> ExpressionBasisData => _d.Expression;
    /// <summary>Identity mode k's per-vertex deltas I_k as float[3V] (contiguous slice of the mode-major basis), cm per unit β_k.</summary>
    public ReadOnlySpan<float> IdentityBasis(int k) => _d.Identity.AsSpan(CheckIndex(k, IdentityCount, nameof(k)) * _n, _n);
    /// <summary>Expression e's per-vertex deltas E_e as float[3V], cm per unit ψ_e.</summary>
    public ReadOnlySpan<float> ExpressionBasis(int e) => _d.Expression.AsSpan(CheckIndex(e, ExpressionCount, nameof(e)) * _n, _n);

    /// <summary>Index of the expression called <paramref name="name"/> (case-sensitive, e.g. "jawOpen").</summary>
    public int IndexOfExpression(string name)
    {
        if (name is not null && _expressionIndex.TryGetValue(name, out int e)) return e;
        var close = ExpressionNames
            .Select(n => (n, d: NameDistance(n, name ?? "")))
            .OrderBy(t => t.d).Take(3).Where(t => t.d <= Math.Max(3, (name?.Length ?? 0) / 2)).Select(t => t.n).ToList();
        string hint = close.Count > 0 ? $"; did you mean {string.Join(", ", close)}?" : $"; names are: {string.Join(", ", ExpressionNames)}";
        throw new InvalidInputException("expression name", $"unknown expression '{name}' (names are case-sensitive ARKit names with _L/_R){hint}");
    }

    /// <summary>Case-insensitive edit distance, for suggestions only.</summary>
    static int NameDistance(string a, string b)
    {
        a = a.ToLowerInvariant(); b = b.ToLowerInvariant();
        var prev = new int[b.Length + 1];
        var cur = new int[b.Length + 1];
        for (int j = 0; j <= b.Length; j++) prev[j] = j;
        for (int i = 1; i <= a.Length; i++)
        {
            cur[0] = i;
            for (int j = 1; j <= b.Length; j++)
                cur[j] = Math.Min(Math.Min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            (prev, cur) = (cur, prev);
        }
        return prev[b.Length];
    }

    // ---------------------------------------------------------------- landmarks and index lists

    /// <summary>The 68 Multi-PIE / iBUG landmark vertices (vertex_indices.json "idx_to_landmark_verts").</summary>
    public IReadOnlyList<int> LandmarkVertices68 { get; }
    /// <summary>Vertices ICT-FaceKit uses for fitting (vertex_indices.json "idx_to_fitting_verts").</summary>
    public IReadOnlyList<int> FittingVertices { get; }
    /// <summary>Vertices that move rigidly with the skull (vertex_indices.json "idx_to_rigid_verts").</summary>
    public IReadOnlyList<int> RigidVertices { get; }
    /// <summary>Vertices held rigid in ICT-FaceKit's Laplacian deformation (vertex_indices.json "idx_to_lap_rigid_verts").</summary>
    public IReadOnlyList<int> LaplacianRigidVertices { get; }
    /// <summary>Indices into the 68 landmarks that lie on rigid parts (vertex_indices.json "idx_to_rigid_landmark_idx").</summary>
    public IReadOnlyList<int> RigidLandmarkIndices { get; }

    // ---------------------------------------------------------------- topology

    /// <summary>Number of polygons of the original OBJ (26,384).</summary>
    public int PolygonCount => _d.PolygonOffsets.Length - 1;
    /// <summary>Polygon p's corners are <see cref="PolygonVertices"/>[PolygonOffsets[p] .. PolygonOffsets[p+1]).</summary>
    public ReadOnlySpan<int> PolygonOffsets => _d.PolygonOffsets;
    /// <summary>Vertex index of every polygon corner, in OBJ order.</summary>
    public ReadOnlySpan<int> PolygonVertices => _d.PolygonVertices;
    /// <summary>Texture coordinate index of every polygon corner (parallel to <see cref="PolygonVertices"/>).</summary>
    public ReadOnlySpan<int> PolygonUvIndices => _d.PolygonUvs;
    /// <summary>Texture coordinates (u right, v up, OBJ convention). The ICT layout uses UDIM-like tiles, so some u exceed 1.</summary>
    public ReadOnlySpan<Vector2> Uvs => _uvs;
    /// <summary>
    /// Triangles, three vertex indices each, in polygon order: polygon (c0, c1, …, c(n−1)) becomes the fan
    /// (c0, c_i, c_(i+1)) for i = 1..n−2, keeping the OBJ's counter-clockwise (outward) winding.
    /// </summary>
    public ReadOnlySpan<int> Triangles => _triangles;
    /// <summary>Texture coordinate indices per triangle corner, parallel to <see cref="Triangles"/>.</summary>
    public ReadOnlySpan<int> TriangleUvIndices => _triangleUvs;
    /// <summary>Number of triangles (Σ over polygons of corners − 2).</summary>
    public int TriangleCount => _triangles.Length / 3;
    /// <summary>Polygon p's triangles are [PolygonFirstTriangle[p], PolygonFirstTriangle[p+1]).</summary>
    public ReadOnlySpan<int> PolygonFirstTriangle => _polygonFirstTriangle;
    /// <summary>The OBJ's <c>usemtl</c> blocks with their polygon ranges.</summary>
    public IReadOnlyList<MaterialGroup> Materials { get; }

    /// <summary>
    /// True when the topology is the ICT-FaceKit one (26,719 vertices, 26,384 polygons), for which the
    /// <see cref="FacePart"/> ranges are defined. The part members throw for any other topology.
    /// </summary>
    public bool HasIctTopology => VertexCount == FaceParts.VertexCount && PolygonCount == FaceParts.PolygonCount;

    /// <summary>Vertex range of <paramref name="part"/> (README table).</summary>
    public IndexRange VertexRange(FacePart part) { RequireIctTopology(); return FaceParts.Vertices(part); }
    /// <summary>Polygon range of <paramref name="part"/> (README table).</summary>
    public IndexRange PolygonRange(FacePart part) { RequireIctTopology(); return FaceParts.Polygons(part); }
    /// <summary>Triangle range of <paramref name="part"/>: the triangles of its polygons.</summary>
    public IndexRange TriangleRange(FacePart part) => TrianglesOf(PolygonRange(part));
    /// <summary>Triangle range of <paramref name="area"/>.</summary>
    public IndexRange TriangleRange(FaceSubArea area) { RequireIctTopology(); return TrianglesOf(FaceParts.Polygons(area)); }
    /// <summary>The part that owns vertex <paramref name="vertex"/>.</summary>
    public FacePart PartOfVertex(int vertex) { RequireIctTopology(); return FaceParts.PartOfVertex(vertex); }

    IndexRange TrianglesOf(IndexRange polygons)
    {
        int s = _polygonFirstTriangle[polygons.Start], e = _polygonFirstTriangle[polygons.End];
        return new IndexRange(s, e - s);
    }

    void RequireIctTopology()
    {
        if (!HasIctTopology)
            throw new InvalidInputException("face parts", $"part ranges are defined for the ICT-FaceKit topology ({FaceParts.VertexCount} vertices, {FaceParts.PolygonCount} polygons); this model has {VertexCount} and {PolygonCount}");
    }

    static (int[] Tri, int[] TriUv, int[] First) Triangulate(int[] offsets, int[] verts, int[] uvs)
    {
        int polys = offsets.Length - 1;
        var first = new int[polys + 1];
        for (int p = 0; p < polys; p++) first[p + 1] = first[p] + offsets[p + 1] - offsets[p] - 2;
        int tris = first[polys];
        var tri = new int[3 * tris];
        var triUv = uvs.Length != 0 ? new int[3 * tris] : [];
        for (int p = 0; p < polys; p++)
        {
            int o = offsets[p], n = offsets[p + 1] - o, t = 3 * first[p];
            for (int i = 1; i + 1 < n; i++, t += 3)
            {
                tri[t] = verts[o]; tri[t + 1] = verts[o + i]; tri[t + 2] = verts[o + i + 1];
                if (triUv.Length != 0) { triUv[t] = uvs[o]; triUv[t + 1] = uvs[o + i]; triUv[t + 2] = uvs[o + i + 1]; }
            }
        }
        return (tri, triUv, first);
    }

    // ---------------------------------------------------------------- evaluation

    /// <summary>
    /// Output floats processed per block in <see cref="Evaluate(ReadOnlySpan{float}, ReadOnlySpan{float}, Span{Vector3})"/>:
    /// a 64 KB output block stays in L1/L2 while the blocks of every mode stream through. Evaluation is
    /// memory-bound (it reads 4·3V bytes = 320 KB per non-zero mode, 49 MB for all 153); on the 2-core dev
    /// VM block sizes from 4K floats to unblocked measured within noise of each other (6–10 ms).
    /// </summary>
    const int EvaluateBlock = 16384;

    /// <summary>
    /// Full-mesh evaluation S(β, ψ) into <paramref name="positionsOut"/> (length ≥ V; the first V entries are
    /// written), cm. <paramref name="identity"/> may be shorter than <see cref="IdentityCount"/> and
    /// <paramref name="expression"/> shorter than <see cref="ExpressionCount"/> (missing coefficients are 0).
    /// Zero coefficients are skipped; the rest are SIMD multiply-adds over blocks of the output. Allocates nothing.
    /// </summary>
    public void Evaluate(ReadOnlySpan<float> identity, ReadOnlySpan<float> expression, Span<Vector3> positionsOut)
    {
        CheckCoefficients(identity, expression);
        if (positionsOut.Length < VertexCount)
            throw new InvalidInputException(nameof(positionsOut), $"holds {positionsOut.Length} positions, the model has {VertexCount} vertices");
        var outF = MemoryMarshal.Cast<Vector3, float>(positionsOut[..VertexCount]);
        int n = _n;
        var id = _d.Identity.AsSpan();
        var ex = _d.Expression.AsSpan();
        for (int c0 = 0; c0 < n; c0 += EvaluateBlock)
        {
            int len = Math.Min(EvaluateBlock, n - c0);
            var o = outF.Slice(c0, len);
            _d.Neutral.AsSpan(c0, len).CopyTo(o);
            for (int k = 0; k < identity.Length; k++)
                if (identity[k] != 0) TensorPrimitives.MultiplyAdd(id.Slice(k * n + c0, len), identity[k], o, o);
            for (int e = 0; e < expression.Length; e++)
                if (expression[e] != 0) TensorPrimitives.MultiplyAdd(ex.Slice(e * n + c0, len), expression[e], o, o);
        }
    }

    /// <summary>Full-mesh evaluation into a new array (see <see cref="Evaluate(ReadOnlySpan{float}, ReadOnlySpan{float}, Span{Vector3})"/>).</summary>
    public Vector3[] Evaluate(ReadOnlySpan<float> identity, ReadOnlySpan<float> expression)
    {
        var p = new Vector3[VertexCount];
        Evaluate(identity, expression, p);
        return p;
    }

    /// <summary>
    /// Evaluates only the vertices <paramref name="vertexIndices"/> (out[i] = S(β, ψ) at vertex vertexIndices[i]),
    /// gathering from the mode-major bases. Good for one-off queries; for repeated evaluation of the same
    /// subset use <see cref="CreateSubsetBasis(ReadOnlySpan{int}, int)"/>. Allocates nothing.
    /// </summary>
    public void EvaluateSubset(ReadOnlySpan<int> vertexIndices, ReadOnlySpan<float> identity, ReadOnlySpan<float> expression, Span<Vector3> positionsOut)
    {
        CheckCoefficients(identity, expression);
        if (positionsOut.Length < vertexIndices.Length)
            throw new InvalidInputException(nameof(positionsOut), $"holds {positionsOut.Length} positions for {vertexIndices.Length} vertices");
        var neutral = NeutralPositions;
        for (int i = 0; i < vertexIndices.Length; i++)
        {
            int v = vertexIndices[i];
            if ((uint)v >= (uint)VertexCount) throw new InvalidInputException(nameof(vertexIndices), $"vertex index {v} (entry {i}) is outside 0..{VertexCount - 1}");
            positionsOut[i] = neutral[v];
        }
        for (int k = 0; k < identity.Length; k++)
            if (identity[k] != 0) GatherAxpy(_d.Identity.AsSpan(k * _n, _n), identity[k], vertexIndices, positionsOut);
        for (int e = 0; e < expression.Length; e++)
            if (expression[e] != 0) GatherAxpy(_d.Expression.AsSpan(e * _n, _n), expression[e], vertexIndices, positionsOut);
    }

    static void GatherAxpy(ReadOnlySpan<float> mode, float c, ReadOnlySpan<int> idx, Span<Vector3> acc)
    {
        var m = MemoryMarshal.Cast<float, Vector3>(mode);
        for (int i = 0; i < idx.Length; i++) acc[i] += c * m[idx[i]];
    }

    /// <summary>
    /// Copies vertex <paramref name="vertex"/>'s basis rows: <paramref name="identity3xK"/> receives a row-major
    /// 3×K matrix (row x = ∂x/∂β_0..K−1, then row y, then row z; length ≥ 3K) and <paramref name="expression3xE"/>
    /// a row-major 3×E matrix (length ≥ 3E). Either span may be empty to skip it. Same layout as a
    /// <see cref="SubsetBasis"/> block.
    /// </summary>
    public void GetVertexBasis(int vertex, Span<float> identity3xK, Span<float> expression3xE)
    {
        CheckIndex(vertex, VertexCount, nameof(vertex));
        int K = IdentityCount, E = ExpressionCount;
        if (!identity3xK.IsEmpty)
        {
            if (identity3xK.Length < 3 * K) throw new InvalidInputException(nameof(identity3xK), $"needs {3 * K} floats, got {identity3xK.Length}");
            for (int k = 0; k < K; k++)
            {
                int o = k * _n + 3 * vertex;
                identity3xK[k] = _d.Identity[o]; identity3xK[K + k] = _d.Identity[o + 1]; identity3xK[2 * K + k] = _d.Identity[o + 2];
            }
        }
        if (!expression3xE.IsEmpty)
        {
            if (expression3xE.Length < 3 * E) throw new InvalidInputException(nameof(expression3xE), $"needs {3 * E} floats, got {expression3xE.Length}");
            for (int e = 0; e < E; e++)
            {
                int o = e * _n + 3 * vertex;
                expression3xE[e] = _d.Expression[o]; expression3xE[E + e] = _d.Expression[o + 1]; expression3xE[2 * E + e] = _d.Expression[o + 2];
            }
        }
    }

    /// <summary>Position of <paramref name="point"/> on an evaluated mesh (<paramref name="positions"/> from <see cref="Evaluate(ReadOnlySpan{float}, ReadOnlySpan{float}, Span{Vector3})"/>).</summary>
    public Vector3 SurfacePosition(SurfacePoint point, ReadOnlySpan<Vector3> positions)
    {
        var (a, b, c) = TriangleCorners(point.Triangle, nameof(point));
        if (positions.Length < VertexCount) throw new InvalidInputException(nameof(positions), $"holds {positions.Length} positions, the model has {VertexCount} vertices");
        return point.W * positions[a] + point.U * positions[b] + point.V * positions[c];
    }

    /// <summary>Evaluates surface points directly from the bases (through their three corner vertices each), cm.</summary>
    public void EvaluateSurfacePoints(ReadOnlySpan<SurfacePoint> points, ReadOnlySpan<float> identity, ReadOnlySpan<float> expression, Span<Vector3> positionsOut)
    {
        if (positionsOut.Length < points.Length) throw new InvalidInputException(nameof(positionsOut), $"holds {positionsOut.Length} positions for {points.Length} points");
        Span<int> corners = stackalloc int[3];
        Span<Vector3> p = stackalloc Vector3[3];
        for (int i = 0; i < points.Length; i++)
        {
            (corners[0], corners[1], corners[2]) = TriangleCorners(points[i].Triangle, nameof(points));
            EvaluateSubset(corners, identity, expression, p);
            positionsOut[i] = points[i].W * p[0] + points[i].U * p[1] + points[i].V * p[2];
        }
    }

    internal (int A, int B, int C) TriangleCorners(int triangle, string inputName)
    {
        if ((uint)triangle >= (uint)TriangleCount) throw new InvalidInputException(inputName, $"triangle {triangle} is outside 0..{TriangleCount - 1}");
        return (_triangles[3 * triangle], _triangles[3 * triangle + 1], _triangles[3 * triangle + 2]);
    }

    /// <summary>Builds a vertex-major basis for repeated evaluation of <paramref name="vertexIndices"/> (see <see cref="SubsetBasis"/>), keeping the first <paramref name="identityCount"/> identity modes (−1 = all).</summary>
    public SubsetBasis CreateSubsetBasis(ReadOnlySpan<int> vertexIndices, int identityCount = -1)
    {
        var corners = new (int, float)[vertexIndices.Length, 1];
        for (int i = 0; i < vertexIndices.Length; i++)
        {
            CheckIndex(vertexIndices[i], VertexCount, nameof(vertexIndices));
            corners[i, 0] = (vertexIndices[i], 1f);
        }
        return new SubsetBasis(this, corners, ResolveIdentityCount(identityCount));
    }

    /// <summary>Builds a vertex-major basis for repeated evaluation of surface points (rows are the barycentric blends of the corner rows; exact because the model is linear).</summary>
    public SubsetBasis CreateSubsetBasis(ReadOnlySpan<SurfacePoint> points, int identityCount = -1)
    {
        var corners = new (int, float)[points.Length, 3];
        for (int i = 0; i < points.Length; i++)
        {
            var (a, b, c) = TriangleCorners(points[i].Triangle, nameof(points));
            if (!float.IsFinite(points[i].U) || !float.IsFinite(points[i].V)) throw new InvalidInputException(nameof(points), $"point {i} has non-finite barycentric coordinates");
            corners[i, 0] = (a, points[i].W); corners[i, 1] = (b, points[i].U); corners[i, 2] = (c, points[i].V);
        }
        return new SubsetBasis(this, corners, ResolveIdentityCount(identityCount));
    }

    int ResolveIdentityCount(int identityCount)
    {
        if (identityCount < 0) return IdentityCount;
        if (identityCount > IdentityCount) throw new InvalidInputException(nameof(identityCount), $"{identityCount} exceeds the model's {IdentityCount} identity modes");
        return identityCount;
    }

    /// <summary>Expression e's deltas as a new array (cm per unit weight): the morph target to add on top of any identity shape S̄ + Σ β_k I_k.</summary>
    public Vector3[] ExpressionDeltas(int e) => MemoryMarshal.Cast<float, Vector3>(ExpressionBasis(e)).ToArray();

    // ---------------------------------------------------------------- meshes

    /// <summary>
    /// A triangle mesh of <paramref name="positions"/> (V entries, e.g. from Evaluate). With
    /// <paramref name="parts"/> only those parts' triangles are kept and vertices/UVs are compacted to the ones
    /// they use (in increasing original index order). With <paramref name="includeExpressionMorphTargets"/> the 53
    /// expression deltas are attached as named morph targets (compacted the same way).
    /// </summary>
    public TriangleMesh ToMesh(ReadOnlySpan<Vector3> positions, bool includeUvs = true, FacePart[]? parts = null, bool includeExpressionMorphTargets = false)
    {
        if (positions.Length != VertexCount) throw new InvalidInputException(nameof(positions), $"holds {positions.Length} positions, the model has {VertexCount} vertices");
        var triRanges = parts is null ? [new IndexRange(0, TriangleCount)] : parts.Distinct().OrderBy(p => p).Select(TriangleRange).ToArray();
        int triCount = triRanges.Sum(r => r.Count);
        var vertexMap = new int[VertexCount];
        Array.Fill(vertexMap, -1);
        foreach (var r in triRanges)
            for (int i = 3 * r.Start; i < 3 * r.End; i++) vertexMap[_triangles[i]] = 0;
        var kept = new List<int>(VertexCount);
        for (int v = 0; v < VertexCount; v++) if (vertexMap[v] == 0) { vertexMap[v] = kept.Count; kept.Add(v); }
        var pos = new Vector3[kept.Count];
        for (int i = 0; i < kept.Count; i++) pos[i] = positions[kept[i]];
        var tris = new int[3 * triCount];
        int t = 0;
        foreach (var r in triRanges)
            for (int i = 3 * r.Start; i < 3 * r.End; i++) tris[t++] = vertexMap[_triangles[i]];

        Vector2[]? uvs = null;
        int[]? uvTris = null;
        if (includeUvs && _triangleUvs.Length != 0)
        {
            var uvMap = new int[_uvs.Length];
            Array.Fill(uvMap, -1);
            var uvList = new List<Vector2>();
            uvTris = new int[3 * triCount];
            t = 0;
            foreach (var r in triRanges)
                for (int i = 3 * r.Start; i < 3 * r.End; i++)
                {
                    int u = _triangleUvs[i];
                    if (uvMap[u] < 0) { uvMap[u] = uvList.Count; uvList.Add(_uvs[u]); }
                    uvTris[t++] = uvMap[u];
                }
            uvs = uvList.ToArray();
        }
        var morphs = new List<(string, Vector3[])>();
        if (includeExpressionMorphTargets)
            for (int e = 0; e < ExpressionCount; e++)
            {
                var all = MemoryMarshal.Cast<float, Vector3>(ExpressionBasis(e));
                var d = new Vector3[kept.Count];
                for (int i = 0; i < kept.Count; i++) d[i] = all[kept[i]];
                morphs.Add((ExpressionNames[e], d));
            }
        return new TriangleMesh(pos, tris) { Uvs = uvs, UvTriangles = uvTris, MorphTargets = morphs };
    }

    /// <summary>A summary of the model's sizes and parts.</summary>
    public ModelInfo Info()
    {
        var parts = HasIctTopology ? FaceParts.All.Select(p => new PartInfo(p, VertexRange(p), PolygonRange(p), TriangleRange(p))).ToArray() : [];
        return new ModelInfo(VertexCount, PolygonCount, TriangleCount, _uvs.Length, IdentityCount, ExpressionCount,
            ExpressionNames, LandmarkVertices68.Count, parts, Units);
    }

    // ---------------------------------------------------------------- checks

    void CheckCoefficients(ReadOnlySpan<float> identity, ReadOnlySpan<float> expression)
    {
        if (identity.Length > IdentityCount) throw new InvalidInputException(nameof(identity), $"{identity.Length} coefficients for {IdentityCount} identity modes");
        if (expression.Length > ExpressionCount) throw new InvalidInputException(nameof(expression), $"{expression.Length} coefficients for {ExpressionCount} expressions");
        if (!AllFinite(identity)) throw new InvalidInputException(nameof(identity), "contains NaN or infinity");
        if (!AllFinite(expression)) throw new InvalidInputException(nameof(expression), "contains NaN or infinity");
    }

    static bool AllFinite(ReadOnlySpan<float> x)
    {
        foreach (var f in x) if (!float.IsFinite(f)) return false;
        return true;
    }

    static int CheckIndex(int i, int count, string name) =>
        (uint)i < (uint)count ? i : throw new InvalidInputException(name, $"index {i} is outside 0..{count - 1}");
}

/// <summary>One <c>usemtl</c> block of the OBJ: material name and the polygons that use it.</summary>
public readonly record struct MaterialGroup(string Name, IndexRange Polygons);
