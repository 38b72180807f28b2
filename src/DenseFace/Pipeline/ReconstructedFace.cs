using System.Drawing;
using System.Numerics;
using DenseFace.FaceModel;
using DenseFace.Fitting;
using DenseFace.Geometry;
using DenseFace.Landmarks;
using DenseFace.Rendering;

namespace DenseFace.Pipeline;

/// <summary>
/// Head pose of a reconstructed face: the rotation as yaw, pitch and roll in degrees (conventions of
/// <see cref="RigidTransform"/>, as in 3DDFA: positive yaw turns the face to the subject's left, so the nose moves
/// to the image right; positive pitch tilts the face down; positive roll tilts the head toward the subject's right
/// shoulder), the model origin in camera space (cm, OpenCV axes:
/// x right, y down, z forward) and the focal length in pixels.
/// </summary>
public readonly record struct HeadPose(float Yaw, float Pitch, float Roll, Vector3 TranslationCm, float FocalPx);

/// <summary>
/// Wall-clock milliseconds of each stage of one image (or video frame): decoding, face detection (0 when the boxes
/// were given or the face was tracked), the landmark network, the 3DMM fit, the UV texture and the whole call.
/// </summary>
public readonly record struct StageTimings(double Decode, double Detect, double Landmarks, double Fit, double Texture, double Total);

/// <summary>
/// One face of an image (or video frame), reconstructed: where it is, its dense landmarks with σ and visibility, the
/// fitted ICT-FaceKit face (identity β, expression weights ψ ∈ [0, 1] in model order with their ARKit names, head
/// pose, camera). Pixel coordinates are 0-based pixel centres; model space is y up, cm.
/// </summary>
public sealed record ReconstructedFace
{
    Vector3[]? _positions;

    /// <summary>The face box the landmarks were predicted from: the tight box of the 68 landmarks (pixels).</summary>
    public required RectangleF Box { get; init; }
    /// <summary>Detector score in [0, 1]; 1 for a box given by the caller or a face followed from the previous frame.</summary>
    public required float Score { get; init; }
    /// <summary>The landmark network's output: dense layout points (μ, σ, visibility) and both 68-point sets.</summary>
    public required FaceLandmarks Landmarks { get; init; }
    /// <summary>Identity coefficients β (length = model identity count).</summary>
    public required float[] Identity { get; init; }
    /// <summary>Expression weights ψ in model order (<see cref="MorphableModel.ExpressionNames"/>).</summary>
    public required float[] Expression { get; init; }
    /// <summary>Model to camera transform (cm, OpenCV camera axes).</summary>
    public required RigidTransform ModelToCamera { get; init; }
    /// <summary>The fitted camera (focal length in pixels, principal point).</summary>
    public required PinholeCamera Camera { get; init; }
    /// <summary>Root mean square distance between the fitted landmark projections and the predicted points, pixels.</summary>
    public required double RmsReprojectionPx { get; init; }
    /// <summary>The full single-image fit (energies, per-landmark errors, iterations); null for tracked video frames.</summary>
    public FitResult? Fit { get; init; }
    /// <summary>The UV texture of the face tile taken from the photo (mirror-filled), when requested.</summary>
    public ExtractedTexture? Texture { get; init; }

    /// <summary>Head pose in degrees with translation and focal length.</summary>
    public HeadPose Pose
    {
        get
        {
            var (yaw, pitch, roll) = ModelToCamera.ToHeadPoseDegrees();
            return new HeadPose(yaw, pitch, roll, ModelToCamera.Translation, Camera.Fx);
        }
    }

    /// <summary>Posed vertex positions in model space (cm): identity plus expression, all model vertices (computed once).</summary>
    public Vector3[] Positions(MorphableModel model) => _positions ??= model.Evaluate(Identity, Expression);

    /// <summary>Projections (pixels) of model surface points (e.g. the first 68 of a layout: the iBUG points) on the fitted face.</summary>
    public Vector2[] Project(MorphableModel model, ReadOnlySpan<SurfacePoint> points)
    {
        var p3 = new Vector3[points.Length];
        model.EvaluateSurfacePoints(points, Identity, Expression, p3);
        var p2 = new Vector2[points.Length];
        for (int i = 0; i < p3.Length; i++) p2[i] = Camera.Project(ModelToCamera.Apply(p3[i]));
        return p2;
    }

    /// <summary>Expression weights by ARKit name (ICT-FaceKit's names, e.g. "jawOpen", "eyeBlink_L").</summary>
    public IReadOnlyDictionary<string, float> Blendshapes(MorphableModel model)
    {
        var d = new Dictionary<string, float>(model.ExpressionCount, StringComparer.Ordinal);
        for (int e = 0; e < model.ExpressionCount; e++) d[model.ExpressionNames[e]] = Expression[e];
        return d;
    }

    /// <summary>A face from a single-image fit.</summary>
    public static ReconstructedFace FromFit(RectangleF box, float score, FaceLandmarks landmarks, FitResult fit) => new()
    {
        Box = box, Score = score, Landmarks = landmarks, Identity = fit.Identity, Expression = fit.Frames[0].Expression,
        ModelToCamera = fit.Frames[0].Pose, Camera = fit.Cameras[0], RmsReprojectionPx = fit.RmsReprojectionPx, Fit = fit,
    };
}

/// <summary>The faces reconstructed in one image, with the image size and per-stage timings.</summary>
/// <param name="Width">Image width in pixels.</param>
/// <param name="Height">Image height in pixels.</param>
/// <param name="Faces">Faces in detection order (best score first) or in the order of the given boxes.</param>
/// <param name="Timings">Stage timings of the whole image (all faces).</param>
public sealed record ImageReconstruction(int Width, int Height, IReadOnlyList<ReconstructedFace> Faces, StageTimings Timings);
