using System.Drawing;
using System.Numerics;
using DenseFace.Geometry;
using DenseFace.Imaging;

namespace DenseFace.Training.Synthesis;

/// <summary>Head pose of a sample: angles in degrees (<see cref="RigidTransform"/> conventions), translation in cm (camera space).</summary>
public readonly record struct HeadPose(float Yaw, float Pitch, float Roll, Vector3 Translation);

/// <summary>
/// Labels of one layout in one image. Points are in 0-based pixel-centre coordinates; a point is visible when it
/// faces the camera, lies inside the image, passes the depth test against the rendered head and is not under an
/// occluder.
/// </summary>
public sealed record LayoutLabels(string Name, Vector2[] Points, bool[] Visible, Vector3[] CameraPoints);

/// <summary>One synthetic image with its labels.</summary>
public sealed class Sample
{
    /// <summary>Index the sample was generated from.</summary>
    public required long Index { get; init; }
    /// <summary>The RGB image (sRGB).</summary>
    public required Image8 Image { get; init; }
    /// <summary>Gray mask: 255 × the fraction of a pixel covered by the rendered head and not by an occluder.</summary>
    public required Image8 Mask { get; init; }
    /// <summary>Per-pixel camera-space depth of the head (cm, row-major; +∞ where none).</summary>
    public required float[] Depth { get; init; }
    /// <summary>Identity coefficients β.</summary>
    public required float[] Identity { get; init; }
    /// <summary>Expression weights ψ in model order (<see cref="DenseFace.FaceModel.MorphableModel.ExpressionNames"/>).</summary>
    public required float[] Expression { get; init; }
    /// <summary>Head pose.</summary>
    public required HeadPose Pose { get; init; }
    /// <summary>Model-to-camera transform (<see cref="RigidTransform.FromHeadPose"/> of <see cref="Pose"/>).</summary>
    public required RigidTransform ModelToCamera { get; init; }
    /// <summary>The camera (square pixels, principal point at the image centre).</summary>
    public required PinholeCamera Camera { get; init; }
    /// <summary>Face box (x, y of the top-left corner, width, height; pixels) bounding the projected inner-face vertices.</summary>
    public required RectangleF Box { get; init; }
    /// <summary>Labels per layout, in the order of <see cref="SynthesisOptions.Layouts"/>.</summary>
    public required IReadOnlyList<LayoutLabels> Layouts { get; init; }
    /// <summary>Index of the appearance (person) in the generator's pool.</summary>
    public required int AppearanceIndex { get; init; }
}
