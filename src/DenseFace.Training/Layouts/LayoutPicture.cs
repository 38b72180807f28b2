using System.Numerics;
using DenseFace.Geometry;
using DenseFace.Imaging;
using DenseFace.Rendering;

using DenseFace.FaceModel;
using DenseFace.FaceModel.Layouts;

namespace DenseFace.Training.Layouts;

/// <summary>
/// Sanity pictures of a <see cref="LandmarkLayout"/>: the head rendered with <see cref="SimpleRenderer"/> in three
/// panels — neutral front, neutral at 60° yaw, and front with the jaw open (jawOpen = 0.6, showing that landmarks
/// follow expressions and where the teeth points are) — with the landmarks projected through the same camera and
/// drawn as discs coloured by region (<see cref="RegionColor"/>). Landmarks hidden by the head (depth test against
/// a z-buffer of the same mesh, 2.5 mm tolerance) are left out.
/// </summary>
public static class LayoutPicture
{
    /// <summary>Parts drawn: all but the transparent eye shells (blend, occlusion, lacrimal fluid) meant for real-time shaders.</summary>
    static readonly FacePart[] DrawnParts = Enum.GetValues<FacePart>()
        .Where(p => p is not (FacePart.EyeBlendLeft or FacePart.EyeBlendRight or FacePart.EyeOcclusionLeft
            or FacePart.EyeOcclusionRight or FacePart.LacrimalFluidLeft or FacePart.LacrimalFluidRight))
        .ToArray();

    /// <summary>Colour of a region label (unknown labels are grey).</summary>
    public static Rgba RegionColor(string region) => region switch
    {
        LandmarkRegions.Jaw => new Rgba(255, 200, 0),
        LandmarkRegions.Brow => new Rgba(170, 90, 255),
        LandmarkRegions.EyeContour => new Rgba(0, 220, 255),
        LandmarkRegions.LipOuter => new Rgba(255, 40, 60),
        LandmarkRegions.LipInner => new Rgba(255, 120, 200),
        LandmarkRegions.Nose => new Rgba(255, 130, 0),
        LandmarkRegions.Face => new Rgba(60, 220, 90),
        LandmarkRegions.Ear => new Rgba(0, 120, 255),
        LandmarkRegions.Scalp => new Rgba(150, 150, 255),
        LandmarkRegions.Neck => new Rgba(0, 170, 150),
        LandmarkRegions.Iris => new Rgba(255, 255, 255),
        LandmarkRegions.Teeth => new Rgba(255, 255, 120),
        _ => new Rgba(160, 160, 160),
    };

    /// <summary>Renders the three panels side by side, each <paramref name="panelSize"/> pixels square.</summary>
    public static Image8 Render(MorphableModel model, LandmarkLayout layout, int panelSize = 400)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(layout);
        Image8.Validate(3 * panelSize, panelSize, 3, nameof(panelSize));
        layout.Validate(model);
        var neutral = model.NeutralPositions.ToArray();
        var jawOpen = new float[model.ExpressionCount];
        jawOpen[model.IndexOfExpression("jawOpen")] = 0.6f;
        var open = model.Evaluate([], jawOpen);

        // One camera for all panels, framed on the neutral head like SimpleRenderer.RenderPortrait.
        var neutralMesh = model.ToMesh(neutral, includeUvs: false, parts: DrawnParts);
        var lo = new Vector3(float.PositiveInfinity); var hi = new Vector3(float.NegativeInfinity);
        foreach (var p in neutralMesh.Positions) { lo = Vector3.Min(lo, p); hi = Vector3.Max(hi, p); }
        var centre = (lo + hi) / 2;
        float radius = neutralMesh.Positions.Max(p => Vector3.Distance(p, centre));
        float f = 2f * panelSize, k = 0.45f * panelSize / f;
        float distance = radius * MathF.Sqrt(1 + 1 / (k * k));
        var camera = new PinholeCamera(panelSize, panelSize, f, f);

        var result = new Image8(3 * panelSize, panelSize, 3);
        var panels = new (Vector3[] Positions, float Yaw)[] { (neutral, 0), (neutral, 60), (open, 0) };
        for (int i = 0; i < panels.Length; i++)
        {
            var (positions, yaw) = panels[i];
            var mesh = i == 0 ? neutralMesh : model.ToMesh(positions, includeUvs: false, parts: DrawnParts);
            var pose = RigidTransform.LookAtFace(distance, yaw, 0, 0, centre);
            var panel = SimpleRenderer.Render(mesh, camera, pose);
            DrawLandmarks(panel, model, layout, mesh, positions, camera, pose);
            for (int y = 0; y < panelSize; y++)
                panel.Row(y).CopyTo(result.Row(y).Slice(3 * i * panelSize, 3 * panelSize));
        }
        return result;
    }

    static void DrawLandmarks(Image8 image, MorphableModel model, LandmarkLayout layout, TriangleMesh mesh, Vector3[] positions,
        in PinholeCamera camera, in RigidTransform pose)
    {
        var depth = DepthBuffer(mesh, camera, pose);
        var pts = new Vector3[layout.Count];
        layout.Positions(model, positions, pts);
        float r = MathF.Max(1.5f, image.Width / 170f);
        var cam = new Vector3[pts.Length];
        for (int i = 0; i < pts.Length; i++) cam[i] = pose.Apply(pts[i]);
        foreach (int i in Enumerable.Range(0, pts.Length).OrderByDescending(i => cam[i].Z))   // far points first, near ones on top
        {
            var pc = cam[i];
            var px = camera.Project(pc);
            int x = (int)MathF.Round(px.X), y = (int)MathF.Round(px.Y);
            if ((uint)x >= (uint)image.Width || (uint)y >= (uint)image.Height) continue;
            if (pc.Z > depth[y * image.Width + x] + 0.25f) continue;   // hidden by the head
            Draw.Disc(image, px, r + 0.8f, new Rgba(0, 0, 0, 200));
            Draw.Disc(image, px, r, RegionColor(layout.Points[i].Region));
        }
    }

    /// <summary>Nearest camera depth (cm) per pixel centre; +∞ where the mesh does not cover the pixel.</summary>
    static float[] DepthBuffer(TriangleMesh mesh, in PinholeCamera camera, in RigidTransform pose)
    {
        int w = camera.Width, h = camera.Height;
        var depth = new float[w * h];
        Array.Fill(depth, float.PositiveInfinity);
        var cam = new Vector3[mesh.Positions.Length];
        var px = new Vector2[cam.Length];
        for (int i = 0; i < cam.Length; i++) { cam[i] = pose.Apply(mesh.Positions[i]); px[i] = camera.Project(cam[i]); }
        var t = mesh.Triangles;
        for (int i = 0; i < t.Length; i += 3)
        {
            Vector2 a = px[t[i]], b = px[t[i + 1]], c = px[t[i + 2]];
            float area = (b.X - a.X) * (c.Y - a.Y) - (b.Y - a.Y) * (c.X - a.X);
            if (MathF.Abs(area) < 1e-12f || !float.IsFinite(area)) continue;
            int x0 = Math.Max(0, (int)MathF.Ceiling(MathF.Min(a.X, MathF.Min(b.X, c.X)))), x1 = Math.Min(w - 1, (int)MathF.Floor(MathF.Max(a.X, MathF.Max(b.X, c.X))));
            int y0 = Math.Max(0, (int)MathF.Ceiling(MathF.Min(a.Y, MathF.Min(b.Y, c.Y)))), y1 = Math.Min(h - 1, (int)MathF.Floor(MathF.Max(a.Y, MathF.Max(b.Y, c.Y))));
            for (int y = y0; y <= y1; y++)
                for (int x = x0; x <= x1; x++)
                {
                    float wb = ((x - a.X) * (c.Y - a.Y) - (y - a.Y) * (c.X - a.X)) / area;
                    float wc = ((b.X - a.X) * (y - a.Y) - (b.Y - a.Y) * (x - a.X)) / area;
                    float wa = 1 - wb - wc;
                    if (wa < 0 || wb < 0 || wc < 0) continue;
                    float z = wa * cam[t[i]].Z + wb * cam[t[i + 1]].Z + wc * cam[t[i + 2]].Z;
                    ref float d = ref depth[y * w + x];
                    if (z < d) d = z;
                }
        }
        return depth;
    }
}
