using System.Numerics;
using DenseFace.FaceModel;
using DenseFace.FaceModel.Layouts;
using DenseFace.Geometry;
using DenseFace.Imaging;
using DenseFace.Rendering;
using DenseFace.Training.Synthesis;

namespace DenseFace.Training.PseudoLabels;

/// <summary>
/// Turns a photo fit (<see cref="PhotoFit"/>) into labels in the same form as <see cref="SyntheticFaceGenerator"/>:
/// every point of each layout projected with the fitted pose and camera (0-based pixel centres), visible when the
/// depth render of the fitted head (<see cref="TextureExtractor.RenderVisibility"/>) shows it and it faces the
/// camera (<see cref="RenderResult.IsVisible"/>), plus β, ψ, pose, focal and the face box (bounds of the projected
/// narrow-face vertices). The labels are only as good as the fit: report <see cref="PhotoFit.Nme"/> with them.
/// </summary>
public sealed class PseudoLabeler
{
    readonly MorphableModel _model;
    readonly LandmarkLayout[] _layouts;
    readonly int[] _boxVertices;

    /// <summary>Creates a labeler for <paramref name="layouts"/> (e.g. <see cref="LandmarkLayouts.Load"/>).</summary>
    /// <exception cref="InvalidInputException">No layouts, repeated names, or a layout made for another topology.</exception>
    public PseudoLabeler(MorphableModel model, IReadOnlyList<LandmarkLayout> layouts)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(layouts);
        if (layouts.Count == 0) throw new InvalidInputException(nameof(layouts), "no layout given");
        if (layouts.Select(l => l.Name).Distinct().Count() != layouts.Count) throw new InvalidInputException(nameof(layouts), "a layout is repeated");
        foreach (var l in layouts)
            if (l.TriangleCount != model.TriangleCount)
                throw new InvalidInputException(l.Name, $"refers to {l.TriangleCount} triangles but the model has {model.TriangleCount}");
        _model = model;
        _layouts = layouts.ToArray();
        var narrow = FaceParts.Vertices(FaceSubArea.NarrowFace);
        _boxVertices = Enumerable.Range(narrow.Start, narrow.Count).ToArray();
    }

    /// <summary>The layouts labelled, in order.</summary>
    public IReadOnlyList<LandmarkLayout> Layouts => _layouts;

    /// <summary>
    /// Labels <paramref name="photo"/> (the photo the fit was made on; kept as <see cref="Sample.Image"/>, not copied)
    /// as sample <paramref name="index"/>. <paramref name="visibility"/> is the depth render of the fitted head; it
    /// is made here when null.
    /// </summary>
    public Sample Label(long index, Image8 photo, PhotoFit fit, RenderResult? visibility = null)
    {
        ArgumentNullException.ThrowIfNull(photo);
        ArgumentNullException.ThrowIfNull(fit);
        var camera = fit.Camera; var pose = fit.Pose;
        if (photo.Width != camera.Width || photo.Height != camera.Height)
            throw new InvalidInputException(nameof(photo), $"is {photo.Width}x{photo.Height} but the fit's camera is {camera.Width}x{camera.Height}");
        visibility ??= TextureExtractor.RenderVisibility(_model, fit.Positions, camera, pose);
        var normals = new TriangleMesh(fit.Positions, _model.Triangles.ToArray()).ComputeVertexNormals();
        var tris = _model.Triangles;
        var labels = new LayoutLabels[_layouts.Length];
        for (int l = 0; l < _layouts.Length; l++)
        {
            var sp = _layouts[l].SurfacePoints;
            var pts = new Vector2[sp.Length]; var vis = new bool[sp.Length]; var cam = new Vector3[sp.Length];
            for (int i = 0; i < sp.Length; i++)
            {
                var s = sp[i];
                int a = tris[3 * s.Triangle], b = tris[3 * s.Triangle + 1], c = tris[3 * s.Triangle + 2];
                var pc = pose.Apply(s.W * fit.Positions[a] + s.U * fit.Positions[b] + s.V * fit.Positions[c]);
                var nc = pose.ApplyRotation(s.W * normals[a] + s.U * normals[b] + s.V * normals[c]);
                cam[i] = pc;
                pts[i] = pc.Z > 1e-3f ? camera.Project(pc) : new Vector2(float.NaN);
                vis[i] = visibility.IsVisible(pc, nc);
            }
            labels[l] = new LayoutLabels(_layouts[l].Name, pts, vis, cam);
        }
        var (yaw, pitch, roll) = fit.HeadPose;
        return new Sample
        {
            Index = index, Image = photo, Mask = visibility.Mask, Depth = visibility.Depth,
            Identity = fit.Result.Identity, Expression = fit.Result.Frames[0].Expression,
            Pose = new HeadPose(yaw, pitch, roll, pose.Translation), ModelToCamera = pose, Camera = camera,
            Box = SyntheticFaceGenerator.ProjectedBox(_boxVertices, fit.Positions, pose, camera), Layouts = labels, AppearanceIndex = -1,
        };
    }
}
