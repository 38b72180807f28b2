using System.Globalization;
using System.Numerics;
using DenseFace.Geometry;

using DenseFace.FaceModel;
using DenseFace.FaceModel.Layouts;

namespace DenseFace.Training.Layouts;

/// <summary>
/// Builds the built-in landmark layouts from the neutral ICT-FaceKit mesh, deterministically (no randomness; every
/// tie goes to the lower vertex index), so <c>denseface layouts build</c> reproduces models/layouts/*.json exactly.
/// Every generated landmark sits on a mesh vertex. Each layout's <see cref="LandmarkLayout.Description"/> records
/// the steps and how many points each contributed.
/// <para>
/// Symmetry: the ICT mesh is mirror-symmetric about x = 0 (every face, head, teeth and eyeball vertex has a partner
/// within 0.06 mm of its reflection). Every step keeps its points on the subject's left (x &gt; 0) and on the
/// midline and adds the mirror vertex of each left point, so all dense layouts are exactly symmetric and every
/// landmark has a mirror partner.
/// </para>
/// </summary>
public static class LayoutGenerator
{
    /// <summary>Builds the built-in layout <paramref name="name"/> (one of <see cref="LandmarkLayouts.Names"/>).</summary>
    public static LandmarkLayout Build(string name, MorphableModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var g = new Recipes(new HeadSurface(model));
        return name switch
        {
            LandmarkLayouts.Ibug68 => g.Ibug68(),
            LandmarkLayouts.Dense520 => g.Dense520(),
            LandmarkLayouts.Full703 => g.Full703(),
            LandmarkLayouts.Rt320 => g.Rt320(g.Full703()),
            _ => throw new InvalidInputException(nameof(name), $"unknown layout '{name}' (built-in: {string.Join(", ", LandmarkLayouts.Names)})"),
        };
    }

    /// <summary>Builds every built-in layout, in <see cref="LandmarkLayouts.Names"/> order.</summary>
    public static IReadOnlyList<LandmarkLayout> BuildAll(MorphableModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var g = new Recipes(new HeadSurface(model));
        var full = g.Full703();
        return [g.Ibug68(), g.Dense520(), full, g.Rt320(full)];
    }

    /// <summary>Standard iBUG-68 left/right flip partners (0-based).</summary>
    internal static ReadOnlySpan<int> Ibug68Mirror =>
    [
        16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0,
        26, 25, 24, 23, 22, 21, 20, 19, 18, 17,
        27, 28, 29, 30, 35, 34, 33, 32, 31,
        45, 44, 43, 42, 47, 46, 39, 38, 37, 36, 41, 40,
        54, 53, 52, 51, 50, 49, 48, 59, 58, 57, 56, 55,
        64, 63, 62, 61, 60, 67, 66, 65,
    ];

    static string Ibug68Region(int i) => i switch
    {
        <= 16 => LandmarkRegions.Jaw, <= 26 => LandmarkRegions.Brow, <= 35 => LandmarkRegions.Nose,
        <= 47 => LandmarkRegions.EyeContour, <= 59 => LandmarkRegions.LipOuter, _ => LandmarkRegions.LipInner,
    };

    /// <summary>Ordered, duplicate-free list of (vertex, region) under construction.</summary>
    sealed class PointList
    {
        public readonly List<int> Vertices = [];
        public readonly List<string> Regions = [];
        readonly HashSet<int> _set = [];
        public int Count => Vertices.Count;
        public bool Contains(int v) => _set.Contains(v);
        public bool Add(int v, string region)
        {
            if (!_set.Add(v)) return false;
            Vertices.Add(v); Regions.Add(region);
            return true;
        }
    }

    sealed class Recipes(HeadSurface s)
    {
        readonly int[] _lm = IctLandmarks.MultiPie68.ToArray();
        const float NeckBelowY = -9f;

        static string F(FormattableString f) => f.ToString(CultureInfo.InvariantCulture);

        // ------------------------------------------------------------------ ibug68

        public LandmarkLayout Ibug68()
        {
            var mirror = Ibug68Mirror;
            var pts = new LandmarkPoint[68];
            for (int i = 0; i < 68; i++)
                pts[i] = new LandmarkPoint(s.SurfaceOf(_lm[i]), FaceParts.PartOfVertex(_lm[i]), Ibug68Region(i), mirror[i], _lm[i]);
            return new LandmarkLayout(LandmarkLayouts.Ibug68,
                "The 68 Multi-PIE / iBUG landmarks on their ICT-FaceKit vertices (IctLandmarks.MultiPie68): jaw 0-16, brows 17-26, " +
                "nose 27-35, eyes 36-47, outer lips 48-59, inner lips 60-67; mirror indices follow the standard iBUG flip pairs.",
                s.Model.TriangleCount, pts);
        }

        /// <summary>Adds vertices that are left or midline with their mirrors; returns how many points were added.</summary>
        int AddSymmetric(PointList list, IEnumerable<int> vertices, string region)
        {
            int before = list.Count;
            foreach (int v in vertices)
            {
                if (!s.IsLeftOrMidline(v)) continue;
                list.Add(v, region);
                list.Add(s.Mirror(v), region);
            }
            return list.Count - before;
        }

        LandmarkLayout Assemble(string name, string description, PointList list)
        {
            var index = new Dictionary<int, int>();
            for (int i = 0; i < list.Count; i++) index[list.Vertices[i]] = i;
            var pts = new LandmarkPoint[list.Count];
            for (int i = 0; i < list.Count; i++)
            {
                int v = list.Vertices[i];
                if (!index.TryGetValue(s.Mirror(v), out int m))
                    throw new InvalidOperationException($"{name}: mirror vertex {s.Mirror(v)} of vertex {v} is not in the layout");
                pts[i] = new LandmarkPoint(s.SurfaceOf(v), FaceParts.PartOfVertex(v), list.Regions[i], m, v);
            }
            return new LandmarkLayout(name, description, s.Model.TriangleCount, pts);
        }

        // ------------------------------------------------------------------ semantic contours

        /// <summary>The face mesh's eye-opening and mouth-opening boundary loops (left eye, mouth), each starting at the vertex nearest <paramref name="startLandmark"/>.</summary>
        int[] OpeningLoop(int firstLandmark, int lastLandmark, int startLandmark)
        {
            var centre = Vector3.Zero;
            for (int i = firstLandmark; i <= lastLandmark; i++) centre += s.P[_lm[i]];
            centre /= lastLandmark - firstLandmark + 1;
            var loop = s.FaceBoundaryLoops().Skip(1).MinBy(l => Vector3.Distance(Centroid(l), centre))!;
            int start = Enumerable.Range(0, loop.Length).MinBy(i => Vector3.DistanceSquared(s.P[loop[i]], s.P[_lm[startLandmark]]));
            return [.. loop[start..], .. loop[..start]];
        }

        Vector3 Centroid(IEnumerable<int> vs)
        {
            var c = Vector3.Zero; int n = 0;
            foreach (int v in vs) { c += s.P[v]; n++; }
            return c / n;
        }

        IEnumerable<int> Lm(int from, int to) => Enumerable.Range(from, to - from + 1).Select(i => _lm[i]);

        /// <summary>Dense semantic contours (all symmetric); returns a description line.</summary>
        string AddContours(PointList list)
        {
            var parts = new List<string>();
            void Add(string what, IEnumerable<int> vs, string region) => parts.Add(F($"{what} +{AddSymmetric(list, vs, region)}"));
            Add("jaw contour (face-mesh shortest path through iBUG 0-16, 41 samples)", s.Resample(s.FacePolyline(Lm(0, 16).ToList(), false), 41, false), LandmarkRegions.Jaw);
            Add("brow contours (path through iBUG 22-26, 11 samples, mirrored)", s.Resample(s.FacePolyline(Lm(22, 26).ToList(), false), 11, false), LandmarkRegions.Brow);
            Add("eyelid margins (face-mesh eye-opening loop, 42 vertices, every other one, mirrored)", s.Resample(OpeningLoop(42, 47, 45), 21, true), LandmarkRegions.EyeContour);
            Add("outer lip contour (closed path through iBUG 48-59, 40 samples)", s.Resample(s.FacePolyline(Lm(48, 59).ToList(), true), 40, true), LandmarkRegions.LipOuter);
            Add("inner lip contour (face-mesh mouth-opening loop, 74 vertices, 37 samples)", s.Resample(OpeningLoop(60, 67, 64), 37, true), LandmarkRegions.LipInner);
            Add("nose bridge (path through iBUG 27-30, 8 samples)", s.Resample(s.FacePolyline(Lm(27, 30).ToList(), false), 8, false), LandmarkRegions.Nose);
            Add("nose base (path through iBUG 31-35, 9 samples)", s.Resample(s.FacePolyline(Lm(31, 35).ToList(), false), 9, false), LandmarkRegions.Nose);
            return string.Join("; ", parts);
        }

        PointList StartWithIbug68()
        {
            var list = new PointList();
            for (int i = 0; i < 68; i++) list.Add(_lm[i], Ibug68Region(i));
            return list;
        }

        // ------------------------------------------------------------------ dense520

        public LandmarkLayout Dense520()
        {
            const int Target = 520;
            var list = StartWithIbug68();
            var steps = new List<string> { "0. the 68 iBUG points first (indices 0-67 equal ibug68): 68" };

            // Frontal orthographic domain: the face inside the jaw hull is a height field over (x, y).
            var faceTris = s.Model.TriangleRange(FacePart.Face);
            var tris = s.Model.Triangles;
            var frontTris = new List<(Vector2 A, Vector2 B, Vector2 C)>();
            for (int t = faceTris.Start; t < faceTris.End; t++)
            {
                Vector3 a = s.P[tris[3 * t]], b = s.P[tris[3 * t + 1]], c = s.P[tris[3 * t + 2]];
                if (Vector3.Cross(b - a, c - a).Z > 0) frontTris.Add((Xy(a), Xy(b), Xy(c)));
            }
            var faceRange = FaceParts.Vertices(FacePart.Face);
            var frontVertices = Enumerable.Range(faceRange.Start, faceRange.Count).Where(v => s.N[v].Z > 0.1f).ToArray();

            var set = new List<int>(Lm(0, 16)) { _lm[30] };
            var inSet = new HashSet<int>(set);
            for (int round = 1; round <= 3; round++)
            {
                var xy = set.Select(v => Xy(s.P[v])).ToArray();
                var tri = Delaunay2D.Triangulate(xy);
                int triangles = tri.Length / 3, outside = 0, merged = 0;
                var fresh = new List<int>();
                var freshSet = new HashSet<int>();
                for (int t = 0; t < tri.Length; t += 3)
                {
                    var c = (xy[tri[t]] + xy[tri[t + 1]] + xy[tri[t + 2]]) / 3;
                    if (!frontTris.Any(f => InTriangle(c, f.A, f.B, f.C))) { outside++; continue; }
                    int v = frontVertices.MinBy(x => Vector2.DistanceSquared(Xy(s.P[x]), c));
                    if (inSet.Contains(v) || !freshSet.Add(v)) { merged++; continue; }
                    fresh.Add(v);
                }
                var sym = new List<int>();
                foreach (int v in fresh)
                {
                    if (!s.IsLeftOrMidline(v)) continue;
                    foreach (int x in new[] { v, s.Mirror(v) })
                        if (inSet.Add(x)) sym.Add(x);
                }
                set.AddRange(sym);
                int added = 0;
                foreach (int v in sym) if (list.Add(v, LandmarkRegions.Face)) added++;
                steps.Add(F($"{round}. Delaunay round {round} on {xy.Length} points: {triangles} triangles, {outside} centroids off the face (eye openings), {merged} snapped onto existing points, {fresh.Count} new vertices, {sym.Count} after symmetrisation, {added} not already among the 68: +{added}"));
            }
            steps.Add("4. contours: " + AddContours(list));
            int before = list.Count;
            var narrow = FaceParts.Vertices(FaceSubArea.NarrowFace);
            var taken = new List<int>(list.Vertices);
            foreach (int v in s.SymmetricFps(Enumerable.Range(narrow.Start, narrow.Count), taken, Target - list.Count))
                list.Add(v, LandmarkRegions.Face);
            steps.Add(F($"5. fill: symmetric farthest-point sampling on the narrow face area (forehead, temples and cheek sides the jaw hull leaves out) up to {Target}: +{list.Count - before}"));

            return Assemble(LandmarkLayouts.Dense520,
                F($"Dense face layout after Basak et al. (dense 3D landmarks), {list.Count} vertices of the Face part, all symmetric. ") +
                "Domain: frontal orthographic projection (x, y) of the neutral face (inside the jaw hull the face is a height field over (x, y), so Delaunay triangles there map to non-overlapping surface triangles, x -> -x keeps the mirror symmetry exact, and no UV seams need handling; the UV map was not used). " +
                "Seeds: iBUG jaw 0-16 and nose tip 30. Each round Delaunay-triangulates the current set (Bowyer-Watson), keeps centroids that fall on a front-facing face triangle, snaps each to the nearest front-facing face vertex (2D), dedupes, and symmetrises (left/midline points plus their mirrors). Steps: " +
                string.Join(" | ", steps), list);
        }

        static Vector2 Xy(Vector3 p) => new(p.X, p.Y);

        static bool InTriangle(Vector2 p, Vector2 a, Vector2 b, Vector2 c)
        {
            float d1 = Cross(b - a, p - a), d2 = Cross(c - b, p - b), d3 = Cross(a - c, p - c);
            return d1 >= 0 && d2 >= 0 && d3 >= 0;
        }

        static float Cross(Vector2 u, Vector2 v) => u.X * v.Y - u.Y * v.X;

        // ------------------------------------------------------------------ full703

        /// <summary>Left-ear centre: centroid of the face vertices more than 8.3 cm to the left (the outer ear rim protrudes beyond the head's 7.9 cm).</summary>
        Vector3 LeftEarCentre()
        {
            var r = FaceParts.Vertices(FacePart.Face);
            return Centroid(Enumerable.Range(r.Start, r.Count).Where(v => s.P[v].X > 8.3f));
        }

        internal bool IsEar(int v, Vector3 leftEar)
        {
            var p = s.P[v];
            var c = leftEar with { X = MathF.CopySign(leftEar.X, p.X) };
            return MathF.Abs(p.X) >= 7.4f && Vector3.Distance(p, c) <= 3.3f;
        }

        public LandmarkLayout Full703()
        {
            const int Target = 703, EarQuota = 48, ScalpQuota = 100, NeckQuota = 48;
            var list = StartWithIbug68();
            var steps = new List<string> { "iBUG-68 first (indices 0-67 equal ibug68): 68" };
            steps.Add("contours: " + AddContours(list));

            // Irises: centre + 8-point limbus ring per eye.
            int before = list.Count;
            AddSymmetric(list, IrisPoints(FaceSubArea.IrisLeft), LandmarkRegions.Iris);
            steps.Add(F($"irises: centre (front-most iris vertex) + 8 limbus vertices at 45 degree steps on a 5.8 mm radius, per eye: +{list.Count - before}"));

            // Front teeth: incisal tip and most labial vertex of the 6 upper and 6 lower incisors and canines.
            before = list.Count;
            AddSymmetric(list, TeethPoints(), LandmarkRegions.Teeth);
            steps.Add(F($"teeth: incisal tip + most anterior (labial) vertex of the central/lateral incisors and canines, upper and lower: +{list.Count - before}"));

            var ear = LeftEarCentre();
            var face = FaceParts.Vertices(FacePart.Face);
            var head = FaceParts.Vertices(FacePart.HeadAndNeck);
            var skin = Enumerable.Range(face.Start, face.Count).Concat(Enumerable.Range(head.Start, head.Count)).ToArray();
            var taken = new List<int>(list.Vertices);
            void Fps(string region, string what, IEnumerable<int> candidates, int quota)
            {
                int b = list.Count;
                foreach (int v in s.SymmetricFps(candidates, taken, quota)) list.Add(v, region);
                steps.Add(F($"{what}: +{list.Count - b}"));
            }
            Fps(LandmarkRegions.Ear, F($"ears: FPS quota {EarQuota} among Face/HeadAndNeck vertices with |x| >= 7.4 cm within 3.3 cm of the ear centre ({ear.X:F2}, {ear.Y:F2}, {ear.Z:F2}) cm mirrored"),
                skin.Where(v => IsEar(v, ear)), EarQuota);
            Fps(LandmarkRegions.Scalp, F($"scalp and back of head: FPS quota {ScalpQuota} among HeadAndNeck vertices with y >= {NeckBelowY} cm, not ear"),
                Enumerable.Range(head.Start, head.Count).Where(v => s.P[v].Y >= NeckBelowY && !IsEar(v, ear)), ScalpQuota);
            Fps(LandmarkRegions.Neck, F($"neck: FPS quota {NeckQuota} among Face/HeadAndNeck vertices with y < {NeckBelowY} cm"),
                skin.Where(v => s.P[v].Y < NeckBelowY), NeckQuota);
            Fps(LandmarkRegions.Face, F($"face fill: FPS among Face vertices with y >= {NeckBelowY} cm, not ear, up to {Target} points"),
                Enumerable.Range(face.Start, face.Count).Where(v => s.P[v].Y >= NeckBelowY && !IsEar(v, ear)), Target - list.Count);

            return Assemble(LandmarkLayouts.Full703,
                F($"Whole-head layout after Wood et al. (dense landmarks, 703 points), {list.Count} vertices, all symmetric. ") +
                "Semantic points first, then per-region quotas filled by symmetric farthest-point sampling (Euclidean on the neutral mesh, seeded by every point placed before, ties to the lower vertex). Steps: " +
                string.Join(" | ", steps), list);
        }

        /// <summary>Limbus radius used for the iris ring, cm (mean human iris diameter ≈ 11.7 mm).</summary>
        const float LimbusRadius = 0.58f;

        /// <summary>
        /// Iris centre and an 8-point limbus ring of one eye. ICT's iris area is a whole inner sphere (its front cap
        /// carries the iris texture), so the pupil centre is its front-most vertex (the eyes look along +z) and the
        /// ring takes, at 45° steps around the z axis starting lateral, the front-cap vertex (within 3 mm of the apex
        /// depth) closest to radius <see cref="LimbusRadius"/> in the frontal plane and to the azimuth.
        /// </summary>
        IEnumerable<int> IrisPoints(FaceSubArea iris)
        {
            var ir = FaceParts.Vertices(iris);
            var vs = Enumerable.Range(ir.Start, ir.Count).ToArray();
            int apex = vs.MaxBy(v => s.P[v].Z);
            yield return apex;
            var a = s.P[apex];
            var cap = vs.Where(v => s.P[v].Z > a.Z - 0.3f && v != apex).ToArray();
            float side = MathF.Sign(a.X);
            for (int k = 0; k < 8; k++)
            {
                float phi = MathF.PI * k / 4;
                yield return cap.MinBy(v =>
                {
                    float dx = (s.P[v].X - a.X) * side, dy = s.P[v].Y - a.Y;
                    float da = MathF.Abs(MathF.IEEERemainder(MathF.Atan2(dy, dx) - phi, 2 * MathF.PI));
                    return MathF.Abs(MathF.Sqrt(dx * dx + dy * dy) - LimbusRadius) + LimbusRadius * da;
                });
            }
        }

        IEnumerable<int> TeethPoints()
        {
            foreach (var tooth in FaceParts.Teeth.Where(t => t.Name.EndsWith("left") && (t.Name.Contains("incisor") || t.Name.Contains("Canine"))))
            {
                bool upper = tooth.Name.Contains("upper");
                var vs = Enumerable.Range(tooth.Vertices.Start, tooth.Vertices.Count).ToArray();
                int tip = upper ? vs.MinBy(v => s.P[v].Y) : vs.MaxBy(v => s.P[v].Y);
                yield return tip;
                yield return vs.Where(v => MathF.Abs(s.P[v].Y - s.P[tip].Y) > 0.3f).MaxBy(v => s.P[v].Z);
            }
        }

        // ------------------------------------------------------------------ rt320

        /// <summary>Per-region quotas of rt320 (total 320), in selection order; the 68 iBUG points come first and count toward their regions.</summary>
        internal static readonly (string Region, int Quota)[] Rt320Quotas =
        [
            (LandmarkRegions.Jaw, 25), (LandmarkRegions.Brow, 14), (LandmarkRegions.EyeContour, 32), (LandmarkRegions.LipOuter, 20),
            (LandmarkRegions.LipInner, 16), (LandmarkRegions.Nose, 13), (LandmarkRegions.Iris, 10), (LandmarkRegions.Teeth, 8),
            (LandmarkRegions.Ear, 16), (LandmarkRegions.Scalp, 40), (LandmarkRegions.Neck, 16), (LandmarkRegions.Face, 110),
        ];

        public LandmarkLayout Rt320(LandmarkLayout full)
        {
            var list = StartWithIbug68();
            var steps = new List<string> { "iBUG-68 (indices 0-67): 68" };
            var taken = new List<int>(list.Vertices);
            foreach (var (region, quota) in Rt320Quotas)
            {
                int have = list.Regions.Count(r => r == region);
                var cands = full.Points.Where(p => p.Region == region).Select(p => p.Vertex);
                int b = list.Count;
                foreach (int v in s.SymmetricFps(cands, taken, quota - have)) list.Add(v, region);
                steps.Add(F($"{region} quota {quota}: +{list.Count - b}"));
            }
            return Assemble(LandmarkLayouts.Rt320,
                F($"Real-time subset of full703, {list.Count} points (all of them full703 points, symmetric). ") +
                "The 68 iBUG points first, then per region a symmetric farthest-point sample of full703's points of that region, seeded by all points chosen so far, so the semantic contours stay (at lower density). Steps: " +
                string.Join(" | ", steps), list);
        }
    }
}
