using System.Numerics;

namespace DenseFace.Geometry;

/// <summary>
/// Delaunay triangulation of a 2D point set by Bowyer–Watson incremental insertion (Bowyer 1981, Watson 1981).
/// <para>
/// The convex hull is handled with "ghost" triangles (a, b, ∞) on every hull edge instead of a big super-triangle,
/// so no far-away helper vertices distort the predicates and every hull edge comes out right. A ghost triangle's
/// "circumcircle" is the open half-plane beyond its hull edge plus the open edge itself. Each insertion finds one
/// triangle whose circumcircle holds the new point, grows the cavity over neighbours whose circumcircles hold it
/// (so the cavity is always connected and star-shaped around the point), and fans the cavity boundary to the point.
/// Predicates (orientation, in-circle) are evaluated in double precision on coordinates relative to the query point.
/// </para>
/// <para>
/// Cost: point location walks from the last new triangle (falling back to a scan of the live triangles when the
/// walk leaves the hull), so spatially coherent input is fast and the worst case is O(n²) — meant for the few
/// thousand points of landmark-layout design, capped at <see cref="MaxPoints"/>.
/// </para>
/// </summary>
internal static class Delaunay2D
{
    /// <summary>Largest accepted point count.</summary>
    public const int MaxPoints = 20000;

    const int Infinite = -1;

    /// <summary>
    /// Triangulates <paramref name="points"/> and returns the triangles as point-index triples, counter-clockwise
    /// in a y-up frame (positive signed area). For n points in general position with h on the convex hull there are
    /// 2n − 2 − h triangles. Fewer than three points, or all points on one line, give no triangles.
    /// </summary>
    /// <exception cref="InvalidInputException">More than <see cref="MaxPoints"/> points, a non-finite coordinate, or two equal points.</exception>
    public static int[] Triangulate(ReadOnlySpan<Vector2> points)
    {
        if (points.Length > MaxPoints) throw new InvalidInputException(nameof(points), $"{points.Length} points exceed the limit of {MaxPoints}");
        var p = new Vector2d[points.Length];
        for (int i = 0; i < points.Length; i++)
        {
            if (!float.IsFinite(points[i].X) || !float.IsFinite(points[i].Y))
                throw new InvalidInputException(nameof(points), $"point {i} is not finite ({points[i]})");
            p[i] = new Vector2d(points[i].X, points[i].Y);
        }
        var dup = new Dictionary<Vector2d, int>(p.Length);
        for (int i = 0; i < p.Length; i++)
            if (!dup.TryAdd(p[i], i)) throw new InvalidInputException(nameof(points), $"points {dup[p[i]]} and {i} coincide ({points[i]})");
        return new Builder(p).Run();
    }

    readonly record struct Vector2d(double X, double Y);

    sealed class Builder(Vector2d[] p)
    {
        // Triangles as (a, b, c) with c = Infinite for ghosts; alive flags; directed edge -> triangle map.
        readonly List<int> _tri = [];
        readonly List<bool> _alive = [];
        readonly Dictionary<(int, int), int> _edge = [];
        readonly Stack<int> _free = new();
        // Per-insertion scratch, reused.
        readonly HashSet<int> _cavity = [];
        readonly List<int> _cavityList = [];
        readonly Queue<int> _queue = new();
        readonly List<(int A, int B)> _boundary = [];
        int _last;   // a recently created triangle: point location starts there

        public int[] Run()
        {
            int n = p.Length;
            if (n < 3) return [];
            int i0 = 0, i1 = 1, i2 = -1;
            for (int i = 2; i < n; i++)
                if (Orient(p[i0], p[i1], p[i]) != 0) { i2 = i; break; }
            if (i2 < 0) return [];
            if (Orient(p[i0], p[i1], p[i2]) < 0) (i0, i1) = (i1, i0);
            _last = AddTriangle(i0, i1, i2);
            AddTriangle(i1, i0, Infinite);
            AddTriangle(i2, i1, Infinite);
            AddTriangle(i0, i2, Infinite);
            for (int i = 2; i < n; i++)
                if (i != i2) Insert(i);

            var result = new List<int>(6 * n);
            for (int t = 0; t < _alive.Count; t++)
            {
                if (!_alive[t] || _tri[3 * t + 2] == Infinite) continue;
                result.Add(_tri[3 * t]); result.Add(_tri[3 * t + 1]); result.Add(_tri[3 * t + 2]);
            }
            return result.ToArray();
        }

        int AddTriangle(int a, int b, int c)
        {
            int t;
            if (_free.Count > 0)
            {
                t = _free.Pop();
                _tri[3 * t] = a; _tri[3 * t + 1] = b; _tri[3 * t + 2] = c; _alive[t] = true;
            }
            else
            {
                t = _alive.Count;
                _tri.Add(a); _tri.Add(b); _tri.Add(c); _alive.Add(true);
            }
            _edge[(a, b)] = t; _edge[(b, c)] = t; _edge[(c, a)] = t;
            return t;
        }

        void RemoveTriangle(int t)
        {
            int a = _tri[3 * t], b = _tri[3 * t + 1], c = _tri[3 * t + 2];
            RemoveEdge((a, b), t); RemoveEdge((b, c), t); RemoveEdge((c, a), t);
            _alive[t] = false;
            _free.Push(t);
        }

        void RemoveEdge((int, int) e, int t)
        {
            if (_edge.TryGetValue(e, out int owner) && owner == t) _edge.Remove(e);
        }

        /// <summary>True when <paramref name="q"/> is strictly inside triangle t's circumcircle (ghost: beyond its hull edge).</summary>
        bool InCircle(int t, Vector2d q)
        {
            int a = _tri[3 * t], b = _tri[3 * t + 1], c = _tri[3 * t + 2];
            if (c == Infinite)
            {
                double o = Orient(p[a], p[b], q);
                if (o != 0) return o > 0;
                // On the hull line: inside only on the open segment.
                double dot = (q.X - p[a].X) * (p[b].X - p[a].X) + (q.Y - p[a].Y) * (p[b].Y - p[a].Y);
                double len2 = (p[b].X - p[a].X) * (p[b].X - p[a].X) + (p[b].Y - p[a].Y) * (p[b].Y - p[a].Y);
                return dot > 0 && dot < len2;
            }
            double adx = p[a].X - q.X, ady = p[a].Y - q.Y;
            double bdx = p[b].X - q.X, bdy = p[b].Y - q.Y;
            double cdx = p[c].X - q.X, cdy = p[c].Y - q.Y;
            double det = (adx * adx + ady * ady) * (bdx * cdy - cdx * bdy)
                       - (bdx * bdx + bdy * bdy) * (adx * cdy - cdx * ady)
                       + (cdx * cdx + cdy * cdy) * (adx * bdy - bdx * ady);
            return det > 0;
        }

        bool Contains(int t, Vector2d q)
        {
            int a = _tri[3 * t], b = _tri[3 * t + 1], c = _tri[3 * t + 2];
            if (c == Infinite) return Orient(p[a], p[b], q) > 0;
            return Orient(p[a], p[b], q) >= 0 && Orient(p[b], p[c], q) >= 0 && Orient(p[c], p[a], q) >= 0;
        }

        /// <summary>
        /// Point location: walks from the last created triangle toward <paramref name="q"/> (crossing an edge that has q
        /// strictly on its far side) until q is inside the current triangle or beyond a hull edge; a walk that runs
        /// long (possible only through rounding) falls back to a scan.
        /// Returns a real triangle containing q, or a ghost whose half-plane holds it.
        /// </summary>
        int Locate(Vector2d q)
        {
            int t = _last;
            for (int steps = 0; steps < 4 * _alive.Count && _alive[t] && _tri[3 * t + 2] != Infinite; steps++)
            {
                int next = -1;
                for (int k = 0; k < 3 && next < 0; k++)
                {
                    int a = _tri[3 * t + k], b = _tri[3 * t + (k + 1) % 3];
                    if (Orient(p[a], p[b], q) < 0 && _edge.TryGetValue((b, a), out int nb)) next = nb;
                }
                if (next < 0 || _tri[3 * next + 2] == Infinite) return next < 0 ? t : next;   // inside t, or beyond a hull edge
                t = next;
            }
            for (int u = 0; u < _alive.Count; u++)
                if (_alive[u] && _tri[3 * u + 2] != Infinite && Contains(u, q)) return u;
            for (int u = 0; u < _alive.Count; u++)
                if (_alive[u] && _tri[3 * u + 2] == Infinite && InCircle(u, q)) return u;
            throw new InvalidOperationException("Delaunay2D: no triangle holds the new point (unreachable for a valid triangulation)");
        }

        void Insert(int i)
        {
            var q = p[i];
            int seed = Locate(q);

            // Grow the cavity from the seed across edges into neighbours whose circumcircle holds q.
            _cavity.Clear(); _cavityList.Clear(); _queue.Clear(); _boundary.Clear();
            _cavity.Add(seed); _cavityList.Add(seed);
            _queue.Enqueue(seed);
            while (_queue.Count > 0)
            {
                int t = _queue.Dequeue();
                for (int k = 0; k < 3; k++)
                {
                    int a = _tri[3 * t + k], b = _tri[3 * t + (k + 1) % 3];
                    if (_edge.TryGetValue((b, a), out int nb) && !_cavity.Contains(nb) && InCircle(nb, q))
                    {
                        _cavity.Add(nb); _cavityList.Add(nb);
                        _queue.Enqueue(nb);
                    }
                }
            }

            // Boundary edges: their twin is outside the cavity (BFS order keeps the result deterministic).
            foreach (int t in _cavityList)
                for (int k = 0; k < 3; k++)
                {
                    int a = _tri[3 * t + k], b = _tri[3 * t + (k + 1) % 3];
                    if (!_edge.TryGetValue((b, a), out int nb) || !_cavity.Contains(nb)) _boundary.Add((a, b));
                }
            foreach (int t in _cavityList) RemoveTriangle(t);
            foreach (var (a, b) in _boundary)
            {
                if (a == Infinite) AddTriangle(b, i, Infinite);
                else if (b == Infinite) AddTriangle(i, a, Infinite);
                else _last = AddTriangle(a, b, i);
            }
        }

        static double Orient(Vector2d a, Vector2d b, Vector2d c) =>
            (b.X - a.X) * (c.Y - a.Y) - (b.Y - a.Y) * (c.X - a.X);
    }
}
