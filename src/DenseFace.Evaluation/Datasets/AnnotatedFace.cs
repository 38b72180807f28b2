using System.Drawing;
using System.Numerics;

namespace DenseFace.Evaluation.Datasets;

/// <summary>One face annotation of an mmpose / COCO-style JSON file, in 0-based pixel-centre coordinates.</summary>
public sealed class AnnotatedFace
{
    /// <summary>Absolute path of the image (<c>file_name</c> resolved against the JSON file's folder; not checked for existence).</summary>
    public required string ImagePath { get; init; }

    /// <summary>COCO <c>image_id</c>.</summary>
    public required long ImageId { get; init; }

    /// <summary>COCO annotation <c>id</c>.</summary>
    public required long AnnotationId { get; init; }

    /// <summary>Image width in pixels from the <c>images</c> entry, when given.</summary>
    public int? ImageWidth { get; init; }

    /// <summary>Image height in pixels from the <c>images</c> entry, when given.</summary>
    public int? ImageHeight { get; init; }

    /// <summary>COCO <c>bbox</c> (x, y of the top-left corner, width, height) in pixels, shifted like the keypoints; null when absent.</summary>
    public RectangleF? Box { get; init; }

    /// <summary>
    /// The keypoints. <see cref="LandmarkSet.Visibility"/> is COCO's v &gt; 0 ("labelled"; mmpose's face sets use v = 1 or 2
    /// for every point, so nothing is marked occluded).
    /// </summary>
    public required LandmarkSet Landmarks { get; init; }

    /// <summary>Layout inferred from the keypoint count.</summary>
    public required FaceDatasetKind Kind { get; init; }

    /// <summary>mmpose/HRNet <c>center</c> (pixels, shifted like the keypoints) when present.</summary>
    public Vector2? Center { get; init; }

    /// <summary>mmpose/HRNet <c>scale</c> when present: the face box size in units of 200 pixels.</summary>
    public float? Scale { get; init; }
}
