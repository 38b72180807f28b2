using System.Numerics;
using DenseFace.FaceModel;
using DenseFace.Fitting;
using DenseFace.Geometry;
using DenseFace.Training.Synthesis;

namespace DenseFace.Training.Landmarks;

/// <summary>
/// Synthetic training faces streamed from <see cref="SyntheticFaceGenerator"/> (labelling one dense layout):
/// exact dense points and visibility (weight 1), and the 300-W 2D-convention 68 points with the jaw placed on
/// the rendered silhouette as annotators do (<see cref="SilhouetteJaw"/>). The face box is the bounds of
/// those 68 points, as for photos. Example i is generator sample i.
/// </summary>
public sealed class SyntheticLandmarkSource : ILandmarkSource
{
    readonly SyntheticFaceGenerator _generator;
    readonly SilhouetteJaw _jaw;

    /// <summary>Wraps a generator whose first layout is the dense layout the network learns.</summary>
    public SyntheticLandmarkSource(MorphableModel model, SyntheticFaceGenerator generator)
    {
        _generator = generator;
        _jaw = new SilhouetteJaw(model);
    }

    /// <inheritdoc />
    public int Count => int.MaxValue;

    /// <inheritdoc />
    public LandmarkExample Get(long index) => GetWithSample(index).Example;

    /// <summary>Example <paramref name="index"/> with the synthetic sample it was made from (shape, pose, camera).</summary>
    public (LandmarkExample Example, Sample Sample) GetWithSample(long index)
    {
        var s = _generator.Generate(index);
        var dense = s.Layouts[0];
        int l = dense.Points.Length;
        var w = new float[l]; var vw = new float[l];
        for (int k = 0; k < l; k++)
        {
            bool ok = float.IsFinite(dense.Points[k].X) && float.IsFinite(dense.Points[k].Y);
            w[k] = ok ? 1 : 0; vw[k] = 1;
        }
        var ibug = new Vector2[68];
        _jaw.Project(s.Identity, s.Expression, s.ModelToCamera, s.Camera, ibug);
        var iw = new float[68];
        for (int k = 0; k < 68; k++) iw[k] = float.IsFinite(ibug[k].X) && float.IsFinite(ibug[k].Y) ? 1 : 0;
        return (new LandmarkExample
        {
            Image = s.Image, Box = LandmarkExample.Bounds(ibug, iw),
            Dense = dense.Points, DenseWeight = w, DenseVisible = dense.Visible, VisibilityWeight = vw,
            Ibug68 = ibug, Ibug68Weight = iw,
        }, s);
    }
}

/// <summary>
/// The 68 points in 300-W's 2D annotation convention for a known head: the iBUG vertices, except that jaw points
/// on the side turned away from the camera (their depth exceeds their mirror image's by more than 1 cm, the
/// fitter's rule) move to the occluding contour: among the landmark's contour candidates
/// (<see cref="FittingLayout.Ibug68"/>, a horizontal band of jaw and cheek vertices), the one projecting
/// farthest outward along the image direction of the head's lateral axis on that side.
/// </summary>
public sealed class SilhouetteJaw
{
    readonly MorphableModel _model;
    readonly int[] _vertices;          // 68 fixed vertices, then candidates
    readonly int[][] _candidates;      // per landmark: indices into _vertices (empty when fixed)

    /// <summary>Prepares the candidate bands of <paramref name="model"/>.</summary>
    public SilhouetteJaw(MorphableModel model)
    {
        _model = model;
        var layout = FittingLayout.Ibug68(model, slidingContour: true);
        var list = new List<int>(IctLandmarks.MultiPie68.ToArray());
        _candidates = new int[68][];
        for (int k = 0; k < 68; k++)
        {
            var c = layout.ContourCandidates(k);
            _candidates[k] = new int[c.Length];
            for (int i = 0; i < c.Length; i++) { _candidates[k][i] = list.Count; list.Add(c[i]); }
        }
        _vertices = list.ToArray();
    }

    /// <summary>Writes the 68 2D-convention points (pixels; NaN behind the camera) of the head (β, ψ) seen with <paramref name="pose"/> and <paramref name="camera"/>.</summary>
    public void Project(ReadOnlySpan<float> identity, ReadOnlySpan<float> expression, in RigidTransform pose, in PinholeCamera camera, Span<Vector2> points)
    {
        var pos = new Vector3[_vertices.Length];
        _model.EvaluateSubset(_vertices, identity, expression, pos);
        for (int k = 0; k < 68; k++)
        {
            var pc = pose.Apply(pos[k]);
            points[k] = pc.Z > 1e-3f ? camera.Project(pc) : new Vector2(float.NaN);
            var cand = _candidates[k];
            if (cand.Length == 0 || !(pc.Z > 1e-3f)) continue;
            var mirror = pose.Apply(new Vector3(-pos[k].X, pos[k].Y, pos[k].Z));
            if (!(pc.Z > mirror.Z + 1f)) continue;
            // outward image direction of the lateral axis on this side
            var lateral = pose.ApplyRotation(new Vector3(MathF.Sign(pos[k].X), 0, 0));
            var outward = camera.Project(pc + 0.5f * lateral) - points[k];
            float best = float.NegativeInfinity;
            foreach (int c in cand)
            {
                var q = pose.Apply(pos[c]);
                if (!(q.Z > 1e-3f)) continue;
                var pq = camera.Project(q);
                float d = Vector2.Dot(pq, outward);
                if (d > best) { best = d; points[k] = pq; }
            }
        }
    }
}
