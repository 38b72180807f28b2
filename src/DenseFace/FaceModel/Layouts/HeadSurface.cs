using System.Numerics;

namespace DenseFace.FaceModel.Layouts;

/// <summary>
/// Geometry of the neutral ICT-FaceKit head used to design layouts: vertex positions and normals, a surface point
/// for every vertex, the left/right mirror map, face-mesh adjacency and boundary loops, graph shortest paths and
/// symmetric farthest-point sampling. Everything is deterministic (ties go to the lower vertex index).
/// </summary>
internal sealed class HeadSurface
{
    public MorphableModel Model { get; }
    /// <summary>Neutral positions, cm.</summary>
    public Vector3[] P { get; }
    /// <summary>Area-weighted vertex normals of the neutral mesh.</summary>
    public Vector3[] N { get; }

    readonly int[] _vertexTriangle;
    readonly byte[] _vertexCorner;
    readonly int[] _mirror;
    readonly List<int>[] _faceNeighbours;

    public HeadSurface(MorphableModel model)
    {
        Model = model;
        P = model.NeutralPositions.ToArray();
        int v = P.Length;
        var tris = model.Triangles;
        N = new Vector3[v];
        _vertexTriangle = new int[v];
        _vertexCorner = new byte[v];
        Array.Fill(_vertexTriangle, -1);
        for (int t = 0; t < tris.Length / 3; t++)
        {
            int a = tris[3 * t], b = tris[3 * t + 1], c = tris[3 * t + 2];
            var fn = Vector3.Cross(P[b] - P[a], P[c] - P[a]);
            N[a] += fn; N[b] += fn; N[c] += fn;
            for (int k = 0; k < 3; k++)
            {
                int x = tris[3 * t + k];
                if (_vertexTriangle[x] < 0) { _vertexTriangle[x] = t; _vertexCorner[x] = (byte)k; }
            }
        }
        for (int i = 0; i < v; i++) { float l = N[i].Length(); if (l > 0) N[i] /= l; }
        _mirror = new int[v];
        Array.Fill(_mirror, -1);

        var face = FaceParts.Vertices(FacePart.Face);
        _faceNeighbours = new List<int>[face.Count];
        for (int i = 0; i < face.Count; i++) _faceNeighbours[i] = [];
        var ft = model.TriangleRange(FacePart.Face);
        for (int t = ft.Start; t < ft.End; t++)
            for (int k = 0; k < 3; k++)
            {
                int a = tris[3 * t + k], b = tris[3 * t + (k + 1) % 3];
                if (!_faceNeighbours[a - face.Start].Contains(b)) _faceNeighbours[a - face.Start].Add(b);
                if (!_faceNeighbours[b - face.Start].Contains(a)) _faceNeighbours[b - face.Start].Add(a);
            }
    }

    /// <summary>Vertex <paramref name="v"/> as a surface point: weight 1 on its corner of the first triangle that uses it.</summary>
    public SurfacePoint SurfaceOf(int v)
    {
        int t = _vertexTriangle[v];
        if (t < 0) throw new InvalidOperationException($"vertex {v} is not used by any triangle");
        return _vertexCorner[v] switch { 0 => new SurfacePoint(t, 0, 0), 1 => new SurfacePoint(t, 1, 0), _ => new SurfacePoint(t, 0, 1) };
    }

    /// <summary>The part mirrored left/right (EyeballLeft ↔ EyeballRight …); parts spanning both sides map to themselves.</summary>
    public static FacePart MirrorPart(FacePart part) => part switch
    {
        FacePart.EyeSocketLeft => FacePart.EyeSocketRight, FacePart.EyeSocketRight => FacePart.EyeSocketLeft,
        FacePart.EyeballLeft => FacePart.EyeballRight, FacePart.EyeballRight => FacePart.EyeballLeft,
        FacePart.LacrimalFluidLeft => FacePart.LacrimalFluidRight, FacePart.LacrimalFluidRight => FacePart.LacrimalFluidLeft,
        FacePart.EyeBlendLeft => FacePart.EyeBlendRight, FacePart.EyeBlendRight => FacePart.EyeBlendLeft,
        FacePart.EyeOcclusionLeft => FacePart.EyeOcclusionRight, FacePart.EyeOcclusionRight => FacePart.EyeOcclusionLeft,
        FacePart.EyelashesLeft => FacePart.EyelashesRight, FacePart.EyelashesRight => FacePart.EyelashesLeft,
        _ => part,
    };

    /// <summary>Mirror vertex: the vertex of the mirrored part nearest to (−x, y, z) of <paramref name="v"/> (cached).</summary>
    public int Mirror(int v)
    {
        if (_mirror[v] >= 0) return _mirror[v];
        var q = P[v] with { X = -P[v].X };
        var r = FaceParts.Vertices(MirrorPart(FaceParts.PartOfVertex(v)));
        int best = -1; float bd = float.PositiveInfinity;
        for (int i = r.Start; i < r.End; i++)
        {
            float d = Vector3.DistanceSquared(q, P[i]);
            if (d < bd) { bd = d; best = i; }
        }
        return _mirror[v] = best;
    }

    /// <summary>True for a vertex that is its own mirror (on the mid-sagittal plane).</summary>
    public bool IsMidline(int v) => Mirror(v) == v;

    /// <summary>True for a vertex kept by symmetrisation: on the subject's left (x &gt; 0) or on the midline.</summary>
    public bool IsLeftOrMidline(int v) => P[v].X > 0 || IsMidline(v);

    /// <summary>Face-part boundary loops, each ordered along its directed boundary edges, largest first.</summary>
    public List<int[]> FaceBoundaryLoops()
    {
        var tris = Model.Triangles;
        var ft = Model.TriangleRange(FacePart.Face);
        var directed = new HashSet<(int, int)>();
        for (int t = ft.Start; t < ft.End; t++)
            for (int k = 0; k < 3; k++) directed.Add((tris[3 * t + k], tris[3 * t + (k + 1) % 3]));
        var next = new SortedDictionary<int, int>();
        foreach (var (a, b) in directed)
            if (!directed.Contains((b, a))) next[b] = a;   // boundary edge, walked against the triangle winding
        var loops = new List<int[]>();
        var used = new HashSet<int>();
        foreach (var start in next.Keys)
        {
            if (used.Contains(start)) continue;
            var loop = new List<int>();
            for (int x = start; used.Add(x); x = next[x]) loop.Add(x);
            loops.Add(loop.ToArray());
        }
        return loops.OrderByDescending(l => l.Length).ThenBy(l => l.Min()).ToList();
    }

    /// <summary>Shortest path (Dijkstra on face-mesh edges, Euclidean lengths) from <paramref name="from"/> to <paramref name="to"/>, both ends included.</summary>
    public List<int> FacePath(int from, int to)
    {
        var face = FaceParts.Vertices(FacePart.Face);
        var dist = new float[face.Count];
        var prev = new int[face.Count];
        Array.Fill(dist, float.PositiveInfinity);
        Array.Fill(prev, -1);
        var pq = new PriorityQueue<int, (float, int)>();
        dist[from - face.Start] = 0;
        pq.Enqueue(from, (0, from));
        while (pq.TryDequeue(out int u, out var pr))
        {
            if (pr.Item1 > dist[u - face.Start]) continue;
            if (u == to) break;
            foreach (int w in _faceNeighbours[u - face.Start])
            {
                float nd = pr.Item1 + Vector3.Distance(P[u], P[w]);
                if (nd < dist[w - face.Start]) { dist[w - face.Start] = nd; prev[w - face.Start] = u; pq.Enqueue(w, (nd, w)); }
            }
        }
        if (float.IsPositiveInfinity(dist[to - face.Start])) throw new InvalidOperationException($"no face path from {from} to {to}");
        var path = new List<int>();
        for (int x = to; x != -1; x = x == from ? -1 : prev[x - face.Start]) path.Add(x);
        path.Reverse();
        return path;
    }

    /// <summary>Concatenated shortest paths through <paramref name="anchors"/> (closed: back to the first).</summary>
    public List<int> FacePolyline(IReadOnlyList<int> anchors, bool closed)
    {
        var line = new List<int> { anchors[0] };
        int n = closed ? anchors.Count : anchors.Count - 1;
        for (int i = 0; i < n; i++)
        {
            var seg = FacePath(anchors[i], anchors[(i + 1) % anchors.Count]);
            line.AddRange(seg.Skip(1));
        }
        if (closed) line.RemoveAt(line.Count - 1);
        return line;
    }

    /// <summary>
    /// <paramref name="count"/> vertices of <paramref name="polyline"/> at equal arc-length spacing (closed: around
    /// the loop starting at its first vertex; open: both ends included), each the polyline vertex nearest in arc length.
    /// Consecutive repeats are dropped.
    /// </summary>
    public List<int> Resample(IReadOnlyList<int> polyline, int count, bool closed)
    {
        int n = polyline.Count, m = closed ? n + 1 : n;   // a closed loop repeats its first vertex at the end
        var s = new double[m];
        for (int i = 1; i < m; i++) s[i] = s[i - 1] + Vector3.Distance(P[polyline[i - 1]], P[polyline[i % n]]);
        double total = s[m - 1];
        var result = new List<int>();
        int j = 0;
        for (int k = 0; k < count; k++)
        {
            double target = closed ? total * k / count : total * k / Math.Max(1, count - 1);
            while (j + 1 < m && s[j + 1] <= target) j++;
            int pick = j + 1 < m && s[j + 1] - target < target - s[j] ? j + 1 : j;
            int v = polyline[pick % n];
            if (result.Count == 0 || result[^1] != v) result.Add(v);
        }
        if (closed && result.Count > 1 && result[0] == result[^1]) result.RemoveAt(result.Count - 1);
        return result;
    }

    /// <summary>
    /// Symmetric farthest-point sampling (Euclidean, neutral mesh): repeatedly takes the candidate (left side or
    /// midline only) farthest from every point taken so far and adds it with its mirror, until
    /// <paramref name="quota"/> points were added (a midline pick adds one point, others two; when one point is left only midline
    /// candidates are taken, so the count is exact unless the candidates have no free midline vertex).
    /// <paramref name="taken"/> seeds the distances and receives the new points; returns the added vertices in order.
    /// </summary>
    public List<int> SymmetricFps(IEnumerable<int> candidates, List<int> taken, int quota)
    {
        var cand = candidates.Where(IsLeftOrMidline).Distinct().Order().ToArray();
        var d = new float[cand.Length];
        Array.Fill(d, float.PositiveInfinity);
        var takenSet = new HashSet<int>(taken);
        foreach (int t in taken) Update(t);
        var added = new List<int>();
        while (added.Count < quota)
        {
            int best = -1; float bd = -1;
            bool lastOne = quota - added.Count == 1;   // only a midline point keeps the count exact
            for (int i = 0; i < cand.Length; i++)
                if (d[i] > bd && !takenSet.Contains(cand[i]) && (!lastOne || IsMidline(cand[i]))) { bd = d[i]; best = i; }
            if (best < 0) break;
            int v = cand[best], m = Mirror(v);
            foreach (int x in m == v ? [v] : new[] { v, m })
            {
                if (!takenSet.Add(x)) continue;
                taken.Add(x); added.Add(x); Update(x);
            }
        }
        return added;

        void Update(int t)
        {
            var pt = P[t];
            for (int i = 0; i < cand.Length; i++)
            {
                var q = P[cand[i]];
                // Distance to the point and to its reflection: both halves share one sampling.
                float dd = MathF.Min(Vector3.DistanceSquared(pt, q), Vector3.DistanceSquared(pt with { X = -pt.X }, q));
                if (dd < d[i]) d[i] = dd;
            }
        }
    }
}
