using System.Numerics;
using DenseFace.FaceModel;
using DenseFace.Geometry;
using DenseFace.Imaging;
using DenseFace.Rendering;
using DenseFace.Training.Synthesis;

namespace DenseFace.Training.PseudoLabels;

/// <summary>
/// 300W-LP-style novel views of a fitted photo (Zhu et al., "Face Alignment Across Large Poses: A 3D Solution",
/// CVPR 2016, in a simple form): the fitted head wears the textures extracted from the photo and is turned by a
/// yaw offset about its centre, then rendered over the photo whose original head region (the fitted head's mask,
/// dilated) is filled by push-pull from its surroundings. The textures carry the photo's shading, so the head is
/// rendered under constant white light. Labels come from <see cref="PseudoLabeler"/> at the new pose.
/// </summary>
public sealed class RotatedView
{
    readonly MorphableModel _model;
    readonly PseudoLabeler _labeler;
    readonly HeadGeometry _geometry;

    /// <summary>Creates a renderer that labels with <paramref name="labeler"/>'s layouts.</summary>
    public RotatedView(MorphableModel model, PseudoLabeler labeler)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(labeler);
        _model = model; _labeler = labeler; _geometry = HeadGeometry.For(model);
    }

    /// <summary>The model-to-camera transform of <paramref name="pose"/> with the head turned by <paramref name="yawDegrees"/> about its centre (model y axis, the yaw of <see cref="RigidTransform.HeadRotation"/>).</summary>
    public static RigidTransform Turn(in RigidTransform pose, float yawDegrees)
    {
        var turn = Quaternion.CreateFromAxisAngle(Vector3.UnitY, yawDegrees * MathF.PI / 180);
        var c = SyntheticFaceGenerator.HeadCentre;
        var rotation = pose.Rotation * turn;
        return new RigidTransform(rotation, pose.Apply(c) - Vector3.Transform(c, rotation));
    }

    /// <summary>
    /// The photo with the fitted head region filled from its surroundings (linear-light push-pull), the region being
    /// the fitted head's mask dilated by <paramref name="marginPx"/> pixels.
    /// </summary>
    public static Image8 RemoveHead(Image8 photo, RenderResult visibility, int marginPx)
    {
        ArgumentNullException.ThrowIfNull(photo);
        ArgumentNullException.ThrowIfNull(visibility);
        int w = photo.Width, h = photo.Height;
        if (visibility.Camera.Width != w || visibility.Camera.Height != h) throw new InvalidInputException(nameof(visibility), "render and photo sizes differ");
        var rgb = photo.Channels == 3 ? photo : photo.ConvertTo(3);
        // dilate the mask with a separable max filter (square window of side 2 margin + 1)
        var rows = new byte[w * h]; var mask = visibility.Mask.Pixels;
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                byte m = 0;
                for (int k = Math.Max(0, x - marginPx); k <= Math.Min(w - 1, x + marginPx) && m == 0; k++) m = mask[y * w + k];
                rows[y * w + x] = m;
            }
        var colour = new Vector3[w * h]; var weight = new float[w * h];
        var decode = Srgb.Decode;
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                bool head = false;
                for (int k = Math.Max(0, y - marginPx); k <= Math.Min(h - 1, y + marginPx) && !head; k++) head = rows[k * w + x] != 0;
                int i = y * w + x;
                if (head) continue;
                weight[i] = 1;
                colour[i] = new Vector3(decode[rgb.Pixels[3 * i]], decode[rgb.Pixels[3 * i + 1]], decode[rgb.Pixels[3 * i + 2]]);
            }
        var filled = PushPull.Fill(colour, weight, w, h);
        var result = new Image8(w, h, 3);
        for (int i = 0; i < filled.Length; i++)
        {
            if (weight[i] == 1) { rgb.Pixels.AsSpan(3 * i, 3).CopyTo(result.Pixels.AsSpan(3 * i, 3)); continue; }
            result.Pixels[3 * i] = Srgb.Encode(filled[i].X); result.Pixels[3 * i + 1] = Srgb.Encode(filled[i].Y); result.Pixels[3 * i + 2] = Srgb.Encode(filled[i].Z);
        }
        return result;
    }

    /// <summary>
    /// Renders the head of <paramref name="fit"/> turned by <paramref name="yawDegrees"/>, wearing
    /// <paramref name="face"/> (tile 0) and <paramref name="head"/> (tile 1) textures, over <paramref name="background"/>
    /// (<see cref="RemoveHead"/>), and labels it. Eyes and teeth are painted from <paramref name="appearanceSeed"/>.
    /// </summary>
    /// <exception cref="InvalidInputException">The turned head would face away (|yaw| &gt; 90°) or sizes disagree.</exception>
    public Sample Render(long index, Image8 background, PhotoFit fit, Image8 face, Image8? head, float yawDegrees, int appearanceSeed = 0)
    {
        ArgumentNullException.ThrowIfNull(background);
        ArgumentNullException.ThrowIfNull(fit);
        ArgumentNullException.ThrowIfNull(face);
        if (!float.IsFinite(yawDegrees) || MathF.Abs(fit.HeadPose.Yaw + yawDegrees) > 90)
            throw new InvalidInputException(nameof(yawDegrees), $"turning yaw {fit.HeadPose.Yaw:F0} by {yawDegrees} deg leaves [-90, 90]");
        if (background.Width != fit.Camera.Width || background.Height != fit.Camera.Height || background.Channels != 3)
            throw new InvalidInputException(nameof(background), $"is {background.Width}x{background.Height}x{background.Channels}, expected the fit's {fit.Camera.Width}x{fit.Camera.Height} RGB");
        var pose = Turn(fit.Pose, yawDegrees);
        var appearance = FaceAppearance.FromTextures(_model, AppearanceParameters.Sample(appearanceSeed), face, head, 128);
        var settings = new MeshRenderSettings { BackgroundImage = background, Supersampling = 2 };
        var render = MeshRenderer.Render(_geometry.BuildMesh(fit.Positions), fit.Camera, pose, appearance.Materials, _geometry.TriangleMaterials, settings);
        return _labeler.Label(index, render.Color, fit with { Pose = pose });
    }
}
