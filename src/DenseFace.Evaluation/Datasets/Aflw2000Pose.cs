using System.Numerics;
using DenseFace.Geometry;

namespace DenseFace.Evaluation.Datasets;

/// <summary>
/// AFLW2000-3D's / 300W-LP's <c>Pose_Para</c> (3DDFA, Zhu et al. CVPR 2016) and its conversion to and from this
/// project's head pose (<see cref="RigidTransform"/>): the one place where the two conventions meet.
/// <para>
/// 3DDFA: angles (pitch φ, yaw γ, roll θ) in radians, R = Rx(φ)·Ry(γ)·Rz(θ) with the transposed elementary rotations of
/// its MATLAB <c>RotationMatrix.m</c> (Rx = [1 0 0; 0 cos sin; 0 −sin cos], Ry = [cos 0 −sin; 0 1 0; sin 0 cos],
/// Rz = [cos sin 0; −sin cos 0; 0 0 1]); a model point X (Basel Face Model frame: y up, z out of the face, x to the
/// subject's left) projects orthographically as p = f·R·X + t3d, then the image row is flipped: 1-based
/// (x, y) = (p.x, H + 1 − p.y) for an image of height H, i.e. 0-based (p.x − 1, H − p.y). <c>pt3d_68</c> stores
/// (x, H + 1 − p.y, p.z), 1-based.
/// </para>
/// <para>
/// Ours: the same y-up model frame (ICT-FaceKit's axes), R_head = Rz(roll)·Ry(yaw)·Rx(pitch) with standard rotations,
/// then 180° about x into OpenCV camera axes, which is exactly 3DDFA's row flip. So the two rotation matrices are the
/// same matrix, R_head = R_3DDFA, and only its Euler split differs: R_3DDFA = (Rz(θ)·Ry(γ)·Rx(φ))ᵀ in standard
/// rotations, hence 3DDFA's angles are our angles of R_headᵀ. For small angles yaw ≈ −γ, pitch ≈ −φ, roll ≈ −θ
/// (single-axis rotations: exactly): positive 3DDFA yaw turns the face to the subject's right, positive pitch up,
/// positive roll tilts the top of the head to the image's right (checked on the shared samples by the tests).
/// </para>
/// </summary>
/// <param name="Pitch">φ, radians as stored.</param>
/// <param name="Yaw">γ, radians as stored.</param>
/// <param name="Roll">θ, radians as stored.</param>
/// <param name="Translation">t3d (pixels, before the row flip).</param>
/// <param name="Scale">f: pixels per model unit (BFM units in the dataset).</param>
public readonly record struct Aflw2000Pose(double Pitch, double Yaw, double Roll, Vector3 Translation, double Scale)
{
    /// <summary>The pose stored in a sample.</summary>
    public static Aflw2000Pose From(Aflw2000Sample sample) => new(sample.PitchRadians, sample.YawRadians, sample.RollRadians, sample.Translation, sample.Scale);

    /// <summary>3DDFA's R = Rx(φ)·Ry(γ)·Rz(θ) (row-major 3×3, acting on column vectors).</summary>
    public double[,] RotationMatrix()
    {
        double cx = Math.Cos(Pitch), sx = Math.Sin(Pitch), cy = Math.Cos(Yaw), sy = Math.Sin(Yaw), cz = Math.Cos(Roll), sz = Math.Sin(Roll);
        double[,] rx = { { 1, 0, 0 }, { 0, cx, sx }, { 0, -sx, cx } };
        double[,] ry = { { cy, 0, -sy }, { 0, 1, 0 }, { sy, 0, cy } };
        double[,] rz = { { cz, sz, 0 }, { -sz, cz, 0 }, { 0, 0, 1 } };
        return Mul(Mul(rx, ry), rz);
    }

    /// <summary>Our model-frame head rotation (<see cref="RigidTransform.HeadRotation"/> convention): the same matrix as <see cref="RotationMatrix"/>.</summary>
    public Quaternion HeadRotation()
    {
        var r = RotationMatrix();
        // System.Numerics matrices act on row vectors (v·M): M = Rᵀ
        var m = new Matrix4x4((float)r[0, 0], (float)r[1, 0], (float)r[2, 0], 0, (float)r[0, 1], (float)r[1, 1], (float)r[2, 1], 0,
                              (float)r[0, 2], (float)r[1, 2], (float)r[2, 2], 0, 0, 0, 0, 1);
        return Quaternion.Normalize(Quaternion.CreateFromRotationMatrix(m));
    }

    /// <summary>Our yaw, pitch, roll in degrees (<see cref="RigidTransform.ToHeadPoseDegrees"/>) of this pose.</summary>
    public (float Yaw, float Pitch, float Roll) ToHeadPoseDegrees()
        => new RigidTransform(RigidTransform.ModelToCamera * HeadRotation(), Vector3.Zero).ToHeadPoseDegrees();

    /// <summary>
    /// The <c>Pose_Para</c> angles of our head pose (degrees, <see cref="RigidTransform"/> convention), with the given
    /// orthographic translation and scale: 3DDFA's angles are our decomposition of R_headᵀ.
    /// </summary>
    public static Aflw2000Pose FromHeadPose(float yawDegrees, float pitchDegrees, float rollDegrees, Vector3 translation = default, double scale = 1)
    {
        var head = RigidTransform.HeadRotation(yawDegrees, pitchDegrees, rollDegrees);
        var (y, p, r) = new RigidTransform(RigidTransform.ModelToCamera * Quaternion.Conjugate(head), Vector3.Zero).ToHeadPoseDegrees();
        const double D = Math.PI / 180;
        return new Aflw2000Pose(p * D, y * D, r * D, translation, scale);
    }

    /// <summary>
    /// Projects model point <paramref name="model"/> with our rotation (<see cref="HeadRotation"/> then the OpenCV flip)
    /// and 3DDFA's scale and translation: 0-based pixel centres of an image <paramref name="imageHeight"/> rows high,
    /// and depth f·(R X)_z + t_z (larger towards the camera), as in <c>pt3d_68</c> less its 1-based offset on x and y.
    /// </summary>
    public Vector3 Project(Vector3 model, int imageHeight)
    {
        var cam = Vector3.Transform(model, RigidTransform.ModelToCamera * HeadRotation());     // (x, −y, −z) of R X
        float f = (float)Scale;
        return new Vector3(f * cam.X + Translation.X - 1, f * cam.Y + imageHeight - Translation.Y, -f * cam.Z + Translation.Z);
    }

    /// <summary>The inverse of <see cref="Project"/>: the model point of a 0-based <c>pt3d_68</c>-style point.</summary>
    /// <exception cref="InvalidInputException">The scale is not positive.</exception>
    public Vector3 Unproject(Vector3 image, int imageHeight)
    {
        if (!(Scale > 0)) throw new InvalidInputException("Pose_Para", $"scale {Scale} is not positive");
        float f = (float)Scale;
        var cam = new Vector3((image.X + 1 - Translation.X) / f, (image.Y - imageHeight + Translation.Y) / f, -(image.Z - Translation.Z) / f);
        return Vector3.Transform(cam, Quaternion.Conjugate(RigidTransform.ModelToCamera * HeadRotation()));
    }

    static double[,] Mul(double[,] a, double[,] b)
    {
        var c = new double[3, 3];
        for (int i = 0; i < 3; i++) for (int j = 0; j < 3; j++) for (int k = 0; k < 3; k++) c[i, j] += a[i, k] * b[k, j];
        return c;
    }
}
