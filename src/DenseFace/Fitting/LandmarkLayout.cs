using System.Numerics;
using DenseFace.FaceModel;

namespace DenseFace.Fitting;

/// <summary>
/// Which model surface point each 2D landmark corresponds to: any vertex or any barycentric point on a triangle
/// of <see cref="MorphableModel.Triangles"/>, so any annotation layout can be fitted. Some landmarks may
/// instead slide along a contour: for those, <see cref="ContourCandidates"/> lists the model vertices the
/// fitter may choose from, re-picked from the current pose (on the side of the face turned away from the camera,
/// the one whose projection is nearest the observed point, as in eos's contour fitting; near-side and frontal
/// points keep their fixed vertex), which is how the silhouette points of the jaw in 68-point sets are matched.
/// </summary>
public sealed class LandmarkLayout
{
    readonly SurfacePoint[] _points;
    readonly int[]?[] _contour;

    /// <summary>Layout name (e.g. "ibug68", "dense320").</summary>
    public string Name { get; }
    /// <summary>Number of landmarks.</summary>
    public int Count => _points.Length;
    /// <summary>The fixed surface point of every landmark (the start correspondence of sliding landmarks).</summary>
    public ReadOnlySpan<SurfacePoint> Points => _points;
    /// <summary>Candidate vertices of landmark <paramref name="landmark"/> when it slides along a contour; empty when it is fixed.</summary>
    public ReadOnlySpan<int> ContourCandidates(int landmark) => _contour[landmark];
    /// <summary>True when at least one landmark slides.</summary>
    public bool HasContour { get; }

    /// <summary>
    /// Creates a layout. <paramref name="contourCandidates"/> (optional, one entry per landmark, null or empty =
    /// fixed) lists vertices a landmark may slide to.
    /// </summary>
    /// <exception cref="InvalidInputException">No points, a triangle or vertex outside the model, or non-finite barycentrics.</exception>
    public LandmarkLayout(string name, MorphableModel model, SurfacePoint[] points, int[]?[]? contourCandidates = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(points);
        if (points.Length == 0) throw new InvalidInputException("layout", "has no landmarks");
        for (int i = 0; i < points.Length; i++)
        {
            var p = points[i];
            if ((uint)p.Triangle >= (uint)model.TriangleCount)
                throw new InvalidInputException("layout", $"landmark {i} uses triangle {p.Triangle}, outside 0..{model.TriangleCount - 1}");
            if (!float.IsFinite(p.U) || !float.IsFinite(p.V))
                throw new InvalidInputException("layout", $"landmark {i} has non-finite barycentric coordinates");
        }
        if (contourCandidates is not null && contourCandidates.Length != points.Length)
            throw new InvalidInputException("layout", $"{contourCandidates.Length} contour candidate lists for {points.Length} landmarks");
        _contour = new int[]?[points.Length];
        for (int i = 0; i < points.Length; i++)
        {
            var c = contourCandidates?[i];
            if (c is null || c.Length == 0) continue;
            foreach (int v in c)
                if ((uint)v >= (uint)model.VertexCount) throw new InvalidInputException("layout", $"contour candidate vertex {v} of landmark {i} is outside the model");
            _contour[i] = (int[])c.Clone();
            HasContour = true;
        }
        Name = name;
        _points = (SurfacePoint[])points.Clone();
    }

    /// <summary>A layout of model vertices (no sliding).</summary>
    public static LandmarkLayout FromVertices(string name, MorphableModel model, ReadOnlySpan<int> vertices)
    {
        var pts = new SurfacePoint[vertices.Length];
        var first = FirstCorner(model);
        for (int i = 0; i < vertices.Length; i++)
        {
            int v = vertices[i];
            if ((uint)v >= (uint)model.VertexCount || first[v] < 0) throw new InvalidInputException("layout", $"vertex {v} (landmark {i}) is outside the model or in no triangle");
            pts[i] = CornerPoint(first[v]);
        }
        return new LandmarkLayout(name, model, pts);
    }

    /// <summary>
    /// The iBUG / Multi-PIE 68-point layout on the ICT vertices (<see cref="IctLandmarks.MultiPie68"/>). With
    /// <paramref name="slidingContour"/> the jaw points 0–6 and 10–16 slide: each may move to any face vertex of a
    /// horizontal strip (±0.35 cm in model y) running from its jaw vertex inward across the cheek (|x| between
    /// 35 % and 100 % of the jaw point's, up to 1 cm behind it), which is where the silhouette moves when the head
    /// turns; the fitter slides only the points on the side turned away from the camera. Chin points 7–9 stay fixed.
    /// </summary>
    public static LandmarkLayout Ibug68(MorphableModel model, bool slidingContour = true)
    {
        var fixedLayout = FromVertices("ibug68", model, IctLandmarks.MultiPie68);
        if (!slidingContour) return fixedLayout;
        var contour = new int[]?[68];
        var neutral = model.NeutralPositions;
        var face = FaceParts.Vertices(FaceSubArea.NarrowFace);
        var used = UsedVertices(model);
        for (int k = 0; k <= 16; k++)
        {
            if (k is >= 7 and <= 9) continue;
            var p = neutral[IctLandmarks.MultiPie68[k]];
            var list = new List<int> { IctLandmarks.MultiPie68[k] };
            for (int v = face.Start; v < face.End; v++)
            {
                if (!used[v] || v == IctLandmarks.MultiPie68[k]) continue;
                var q = neutral[v];
                if (MathF.Abs(q.Y - p.Y) > 0.35f || MathF.Sign(q.X) != MathF.Sign(p.X)) continue;
                float ax = MathF.Abs(q.X), px = MathF.Abs(p.X);
                if (ax < 0.35f * px || ax > px + 0.3f || q.Z < p.Z - 1f) continue;
                list.Add(v);
            }
            contour[k] = list.ToArray();
        }
        return new LandmarkLayout("ibug68", model, fixedLayout._points, contour);
    }

    /// <summary>
    /// A dense layout of <paramref name="count"/> face vertices chosen by farthest-point sampling (Euclidean, on the
    /// neutral mesh) over the narrow face area (<see cref="FaceSubArea.NarrowFace"/>: no ears, neck or forehead
    /// top), seeded at the nose tip. Deterministic. Named "dense{count}".
    /// </summary>
    public static LandmarkLayout Dense(MorphableModel model, int count)
    {
        ArgumentNullException.ThrowIfNull(model);
        var area = FaceParts.Vertices(FaceSubArea.NarrowFace);
        var used = UsedVertices(model);
        var cand = new List<int>(area.Count);
        for (int v = area.Start; v < area.End; v++) if (used[v]) cand.Add(v);
        if (count < 1 || count > cand.Count) throw new InvalidInputException("count", $"{count} landmarks requested; the face area has {cand.Count} vertices");
        var neutral = model.NeutralPositions;
        var dist = new float[cand.Count];
        Array.Fill(dist, float.PositiveInfinity);
        var chosen = new int[count];
        int seed = IctLandmarks.MultiPie68[30], next = Math.Max(0, cand.IndexOf(seed));
        for (int i = 0; i < count; i++)
        {
            chosen[i] = cand[next];
            var c = neutral[cand[next]];
            int best = 0; float bestD = -1;
            for (int j = 0; j < cand.Count; j++)
            {
                float d = Vector3.DistanceSquared(neutral[cand[j]], c);
                if (d < dist[j]) dist[j] = d;
                if (dist[j] > bestD) { bestD = dist[j]; best = j; }
            }
            next = best;
        }
        return FromVertices($"dense{count}", model, chosen);
    }

    static int[] FirstCorner(MorphableModel model)
    {
        var first = new int[model.VertexCount];
        Array.Fill(first, -1);
        var tris = model.Triangles;
        for (int i = tris.Length - 1; i >= 0; i--) first[tris[i]] = i;
        return first;
    }

    static bool[] UsedVertices(MorphableModel model)
    {
        var used = new bool[model.VertexCount];
        foreach (int v in model.Triangles) used[v] = true;
        return used;
    }

    static SurfacePoint CornerPoint(int corner) => (corner % 3) switch
    {
        0 => new SurfacePoint(corner / 3, 0, 0),
        1 => new SurfacePoint(corner / 3, 1, 0),
        _ => new SurfacePoint(corner / 3, 0, 1),
    };
}
