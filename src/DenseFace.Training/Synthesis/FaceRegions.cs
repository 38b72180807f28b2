using System.Numerics;
using System.Runtime.CompilerServices;
using DenseFace.FaceModel;

namespace DenseFace.Training.Synthesis;

/// <summary>
/// Per-vertex region weights in [0, 1] on the neutral mesh, derived from the Multi-PIE 68 landmark vertices
/// (<see cref="IctLandmarks.MultiPie68"/>) by distances in the frontal (x, y) plane: lips (inside the outer lip
/// contour 48–59), brows (a band under the brow polylines 17–21, 22–26), the skin around the eyes (contours 36–41,
/// 42–47), cheeks and nose tip (Gaussians), the beard area (below the nose, rising toward the sideburns), plus
/// part flags for the mouth interior and the eye sockets. Painted into UV space by <see cref="UvPainter"/>.
/// Computed once per model.
/// </summary>
internal sealed class FaceRegions
{
    public const int Lip = 0, Brow = 1, EyeRing = 2, Cheek = 3, Nose = 4, Beard = 5, MouthInterior = 6, Socket = 7, Channels = 8;

    static readonly ConditionalWeakTable<MorphableModel, FaceRegions> Cache = new();

    /// <summary>Vertex-major weights, <see cref="Channels"/> per vertex.</summary>
    public float[] Weights { get; }

    /// <summary>Eyeball centres (left = subject's left, +x), cm, and the iris radius, from the eyeball geometry.</summary>
    public Vector3 EyeCentreLeft { get; }
    public Vector3 EyeCentreRight { get; }
    public float IrisRadius => 0.6f;

    /// <summary>Height (y, cm) of the nose base (landmark 33) and of the brows, used for the hairline.</summary>
    public float NoseBaseY { get; }
    public float BrowY { get; }

    public static FaceRegions For(MorphableModel model) => Cache.GetValue(model, m => new FaceRegions(m));

    FaceRegions(MorphableModel model)
    {
        var pos = model.NeutralPositions.ToArray();
        var lm = IctLandmarks.MultiPie68.ToArray();
        Vector2 L(int i) => new(pos[lm[i]].X, pos[lm[i]].Y);
        var lip = Enumerable.Range(48, 12).Select(L).ToArray();
        var browR = Enumerable.Range(17, 5).Select(i => L(i) - new Vector2(0, 0.25f)).ToArray();
        var browL = Enumerable.Range(22, 5).Select(i => L(i) - new Vector2(0, 0.25f)).ToArray();
        var eyeR = Enumerable.Range(36, 6).Select(L).ToArray();
        var eyeL = Enumerable.Range(42, 6).Select(L).ToArray();
        float lipZ = pos[lm[48]].Z - 1.2f;
        var noseTip = pos[lm[30]];
        NoseBaseY = pos[lm[33]].Y;
        BrowY = pos[lm[19]].Y;
        float eyeY = (pos[lm[36]].Y + pos[lm[45]].Y) / 2, jawY = pos[lm[8]].Y;
        var cheekR = new Vector2((L(36).X + L(39).X) / 2 - 0.4f, L(30).Y);
        var cheekL = new Vector2((L(42).X + L(45).X) / 2 + 0.4f, L(30).Y);

        int n = model.VertexCount;
        var w = new float[n * Channels];
        var face = model.VertexRange(FacePart.Face);
        var head = model.VertexRange(FacePart.HeadAndNeck);
        for (int v = 0; v < n; v++)
        {
            var p = pos[v];
            var xy = new Vector2(p.X, p.Y);
            int o = v * Channels;
            var part = model.PartOfVertex(v);
            if (part == FacePart.MouthSocket) { w[o + MouthInterior] = 1; continue; }
            if (part is FacePart.EyeSocketLeft or FacePart.EyeSocketRight) { w[o + Socket] = 1; continue; }
            if (!face.Contains(v) && !head.Contains(v)) continue;
            bool front = p.Z > 4f;
            if (front && p.Z > lipZ) w[o + Lip] = 1 - SmoothStep(-0.05f, 0.12f, SignedDistance(xy, lip));
            if (front && p.Z > 6f) w[o + Brow] = 1 - SmoothStep(0.25f, 0.45f, MathF.Min(PolylineDistance(xy, browR), PolylineDistance(xy, browL)));
            if (front && p.Z > 6f) w[o + EyeRing] = 1 - SmoothStep(0.1f, 1.1f, MathF.Min(SignedDistance(xy, eyeR), SignedDistance(xy, eyeL)));
            if (front)
            {
                float dc = MathF.Min(Vector2.Distance(xy, cheekR), Vector2.Distance(xy, cheekL));
                w[o + Cheek] = MathF.Exp(-dc * dc / (2 * 1.7f * 1.7f));
            }
            float dn = Vector3.Distance(p, noseTip);
            w[o + Nose] = MathF.Exp(-dn * dn / (2 * 0.9f * 0.9f));
            float beardTop = MathF.Min(NoseBaseY - 0.4f + MathF.Max(0, MathF.Abs(p.X) - 3.5f) * 0.9f, eyeY - 1.6f);
            float beard = SmoothStep(beardTop + 0.3f, beardTop - 0.3f, p.Y) * SmoothStep(jawY - 3.5f, jawY - 1.8f, p.Y)
                        * (1 - w[o + Lip]) * SmoothStep(7.4f, 6.6f, MathF.Abs(p.X)) * SmoothStep(-1f, 1.5f, p.Z);
            w[o + Beard] = beard;
        }
        Weights = w;
        EyeCentreLeft = Centre(pos, model.VertexRange(FacePart.EyeballLeft));
        EyeCentreRight = Centre(pos, model.VertexRange(FacePart.EyeballRight));
    }

    static Vector3 Centre(ReadOnlySpan<Vector3> pos, IndexRange r)
    {
        var lo = new Vector3(float.MaxValue); var hi = new Vector3(float.MinValue);
        for (int v = r.Start; v < r.End; v++) { lo = Vector3.Min(lo, pos[v]); hi = Vector3.Max(hi, pos[v]); }
        return (lo + hi) / 2;
    }

    public static float SmoothStep(float e0, float e1, float x)
    {
        float t = Math.Clamp((x - e0) / (e1 - e0), 0f, 1f);
        return t * t * (3 - 2 * t);
    }

    static float SegmentDistance(Vector2 p, Vector2 a, Vector2 b)
    {
        var ab = b - a;
        float t = Math.Clamp(Vector2.Dot(p - a, ab) / MathF.Max(ab.LengthSquared(), 1e-12f), 0, 1);
        return Vector2.Distance(p, a + t * ab);
    }

    static float PolylineDistance(Vector2 p, Vector2[] line)
    {
        float d = float.MaxValue;
        for (int i = 0; i + 1 < line.Length; i++) d = MathF.Min(d, SegmentDistance(p, line[i], line[i + 1]));
        return d;
    }

    /// <summary>Distance to a closed polygon's outline, negative inside (even-odd rule).</summary>
    static float SignedDistance(Vector2 p, Vector2[] poly)
    {
        float d = float.MaxValue;
        bool inside = false;
        for (int i = 0, j = poly.Length - 1; i < poly.Length; j = i++)
        {
            d = MathF.Min(d, SegmentDistance(p, poly[j], poly[i]));
            if ((poly[i].Y > p.Y) != (poly[j].Y > p.Y) && p.X < (poly[j].X - poly[i].X) * (p.Y - poly[i].Y) / (poly[j].Y - poly[i].Y) + poly[i].X)
                inside = !inside;
        }
        return inside ? -d : d;
    }
}
