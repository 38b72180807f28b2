using System.Numerics;

namespace DenseFace.Geometry;

/// <summary>
/// A rigid transform p' = R p + t (rotation then translation, translation in cm), used to map model space to
/// OpenCV camera space (x right, y down, z forward).
/// <para>
/// Head pose convention (<see cref="HeadRotation"/>, <see cref="FromHeadPose"/>): angles in degrees, rotations
/// about the axes of the y-up model frame (ICT-FaceKit: +x toward the viewer's right when the face looks at the
/// viewer, +y up, +z out of the face), right-handed, composed as R = Rz(roll) * Ry(yaw) * Rx(pitch) (pitch first).
/// Signs (as in face3d / 3DDFA): positive yaw turns the face to the subject's left (the nose moves to the image
/// right); positive pitch tilts the face down (nose moves down in the image); positive roll tilts the head
/// toward the subject's right shoulder (the top of the head moves to the image left). The model frame is then
/// turned into the camera frame by a 180 degree rotation about x (y and z flip, <see cref="ModelToCamera"/>), so
/// an unrotated face looks straight into the camera, upright.
/// </para>
/// </summary>
public readonly struct RigidTransform
{
    /// <summary>Unit rotation quaternion R.</summary>
    public Quaternion Rotation { get; }
    /// <summary>Translation t, applied after the rotation (cm).</summary>
    public Vector3 Translation { get; }

    /// <summary>Creates p' = R p + t; <paramref name="rotation"/> is normalised.</summary>
    /// <exception cref="InvalidInputException">The rotation is zero or not finite, or the translation is not finite.</exception>
    public RigidTransform(Quaternion rotation, Vector3 translation)
    {
        float len = rotation.Length();
        if (!float.IsFinite(len) || len < 1e-6f)
            throw new InvalidInputException(nameof(rotation), $"quaternion {rotation} is zero or not finite");
        if (!float.IsFinite(translation.X) || !float.IsFinite(translation.Y) || !float.IsFinite(translation.Z))
            throw new InvalidInputException(nameof(translation), $"translation {translation} is not finite");
        Rotation = Quaternion.Normalize(rotation);
        Translation = translation;
    }

    /// <summary>The identity transform.</summary>
    public static RigidTransform Identity => new(Quaternion.Identity, Vector3.Zero);

    /// <summary>180 degrees about x: maps the y-up, z-toward-viewer model frame to OpenCV camera axes (y down, z forward).</summary>
    public static Quaternion ModelToCamera => new(1, 0, 0, 0);

    /// <summary>R p + t.</summary>
    public Vector3 Apply(Vector3 point) => Vector3.Transform(point, Rotation) + Translation;

    /// <summary>R v (directions and normals).</summary>
    public Vector3 ApplyRotation(Vector3 direction) => Vector3.Transform(direction, Rotation);

    /// <summary>The inverse transform: p = R^T (p' - t).</summary>
    public RigidTransform Inverse()
    {
        var inv = Quaternion.Conjugate(Rotation);
        return new RigidTransform(inv, -Vector3.Transform(Translation, inv));
    }

    /// <summary><paramref name="second"/> applied after <paramref name="first"/>.</summary>
    public static RigidTransform Compose(in RigidTransform first, in RigidTransform second) =>
        new(second.Rotation * first.Rotation, second.Apply(first.Translation));

    /// <summary>The model-frame head rotation Rz(roll) * Ry(yaw) * Rx(pitch) (see the type remarks for signs).</summary>
    public static Quaternion HeadRotation(float yawDegrees, float pitchDegrees, float rollDegrees)
    {
        const float D = MathF.PI / 180f;
        return Quaternion.CreateFromAxisAngle(Vector3.UnitZ, rollDegrees * D)
             * Quaternion.CreateFromAxisAngle(Vector3.UnitY, yawDegrees * D)
             * Quaternion.CreateFromAxisAngle(Vector3.UnitX, pitchDegrees * D);
    }

    /// <summary>Model to camera: p_cam = ModelToCamera * HeadRotation(yaw, pitch, roll) * p + <paramref name="translationCm"/>.</summary>
    public static RigidTransform FromHeadPose(float yawDegrees, float pitchDegrees, float rollDegrees, Vector3 translationCm) =>
        new(ModelToCamera * HeadRotation(yawDegrees, pitchDegrees, rollDegrees), translationCm);

    /// <summary>
    /// Places a y-up model upright in front of the camera: the head pose rotates about <paramref name="modelCentreCm"/>,
    /// which lands on the optical axis at depth <paramref name="distanceCm"/>.
    /// </summary>
    public static RigidTransform LookAtFace(float distanceCm, float yawDegrees, float pitchDegrees, float rollDegrees, Vector3 modelCentreCm = default)
    {
        if (!float.IsFinite(distanceCm) || distanceCm <= 0)
            throw new InvalidInputException(nameof(distanceCm), $"distance {distanceCm} cm must be positive and finite");
        var r = ModelToCamera * HeadRotation(yawDegrees, pitchDegrees, rollDegrees);
        return new RigidTransform(r, new Vector3(0, 0, distanceCm) - Vector3.Transform(modelCentreCm, r));
    }

    /// <summary>
    /// Recovers (yaw, pitch, roll) in degrees of a model-to-camera rotation built by <see cref="FromHeadPose"/>
    /// (yaw in [-90, 90]; at yaw = +-90 the split between pitch and roll is arbitrary).
    /// </summary>
    public (float Yaw, float Pitch, float Roll) ToHeadPoseDegrees()
    {
        var head = Quaternion.Conjugate(ModelToCamera) * Rotation;
        var ex = Vector3.Transform(Vector3.UnitX, head);   // first column of R
        var ey = Vector3.Transform(Vector3.UnitY, head);
        var ez = Vector3.Transform(Vector3.UnitZ, head);
        const float R = 180f / MathF.PI;
        float yaw = MathF.Asin(Math.Clamp(-ex.Z, -1f, 1f));
        float pitch = MathF.Atan2(ey.Z, ez.Z);
        float roll = MathF.Atan2(ex.Y, ex.X);
        return (yaw * R, pitch * R, roll * R);
    }
}
