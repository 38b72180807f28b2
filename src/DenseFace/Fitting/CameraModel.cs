namespace DenseFace.Fitting;

/// <summary>
/// The cameras of a fit (Wood et al. 2022, sec. 3.2): pinhole projection with OpenCV axes (x right, y down, z
/// forward), focal length f_j in pixels (fx = fy), principal point c_j in pixels (0-based pixel centres), and the
/// rigid transform from the first camera (R_j, t_j in cm; identity for camera 0). A model point S (cm) of frame i
/// lands in camera j at Y = R_j (R_i S + t_i) + t_j and projects to x = f_j (Y_x, Y_y) / Y_z + c_j.
/// The per-frame pose (R_i, t_i), f_j, R_j and t_j live in <see cref="FitState"/>; this class holds what the solver
/// does not move (principal points, focal bounds) and the projection with its derivatives. Allocates nothing.
/// </summary>
internal sealed class CameraModel
{
    /// <summary>Smallest camera-space depth (cm) a point must exceed to be in front of the camera.</summary>
    public const double MinDepth = 1e-3;

    /// <summary>A focal step may shrink the focal length to at most this fraction of its value (keeps it positive).</summary>
    const double MaxFocalShrink = 0.2;

    readonly double[] _principalX, _principalY;  // per camera, px
    readonly double[] _focalMin, _focalMax;       // per camera, px

    /// <summary>Cameras at the origin of the image (principal point (0, 0)) with unbounded focal lengths.</summary>
    public CameraModel(int cameraCount)
    {
        _principalX = new double[cameraCount]; _principalY = new double[cameraCount];
        _focalMin = new double[cameraCount]; _focalMax = new double[cameraCount];
        Array.Fill(_focalMax, double.MaxValue);
    }

    /// <summary>Number of cameras.</summary>
    public int Count => _principalX.Length;

    /// <summary>Sets camera <paramref name="camera"/>'s principal point (px, 0-based pixel centres).</summary>
    public void SetPrincipalPoint(int camera, double cx, double cy) { _principalX[camera] = cx; _principalY[camera] = cy; }

    /// <summary>Range (px) an optimised focal length of <paramref name="camera"/> is projected onto after each step.</summary>
    public void SetFocalBounds(int camera, double min, double max) { _focalMin[camera] = min; _focalMax[camera] = max; }

    /// <summary>
    /// The focal length after a step: <paramref name="focal"/> + <paramref name="delta"/>, shrunk to at most a fifth
    /// of <paramref name="focal"/> per step and projected onto the bounds of <see cref="SetFocalBounds"/> (px).
    /// </summary>
    public double StepFocal(int camera, double focal, double delta) =>
        Math.Clamp(Math.Max(focal + delta, MaxFocalShrink * focal), _focalMin[camera], _focalMax[camera]);

    /// <summary>
    /// Projects the model point (<paramref name="x"/>, <paramref name="y"/>, <paramref name="z"/>) (cm) of frame
    /// <paramref name="frame"/> into camera <paramref name="camera"/>: (<paramref name="u"/>, <paramref name="v"/>) in
    /// px. False (and (0, 0)) when the point is not in front of the camera (depth ≤ <see cref="MinDepth"/>).
    /// </summary>
    public bool Project(FitState s, int frame, int camera, double x, double y, double z, out double u, out double v)
    {
        var (qx, qy, qz) = s.Rotation[frame].Transform(x, y, z);
        double X = qx + s.Translation[3 * frame], Y = qy + s.Translation[3 * frame + 1], Z = qz + s.Translation[3 * frame + 2];
        if (camera > 0)
        {
            (X, Y, Z) = s.CameraRotation[camera].Transform(X, Y, Z);
            X += s.CameraTranslation[3 * camera]; Y += s.CameraTranslation[3 * camera + 1]; Z += s.CameraTranslation[3 * camera + 2];
        }
        if (!(Z > MinDepth)) { u = v = 0; return false; }
        u = s.Focal[camera] * X / Z + _principalX[camera];
        v = s.Focal[camera] * Y / Z + _principalY[camera];
        return true;
    }

    /// <summary>Depth (cm, along the optical axis) of the model point (<paramref name="x"/>, <paramref name="y"/>, <paramref name="z"/>) of frame <paramref name="frame"/> in camera <paramref name="camera"/>.</summary>
    public static double Depth(FitState s, int frame, int camera, double x, double y, double z)
    {
        var (qx, qy, qz) = s.Rotation[frame].Transform(x, y, z);
        double X = qx + s.Translation[3 * frame], Y = qy + s.Translation[3 * frame + 1], Z = qz + s.Translation[3 * frame + 2];
        if (camera > 0) (_, _, Z) = s.CameraRotation[camera].Transform(X, Y, Z);
        return Z + (camera > 0 ? s.CameraTranslation[3 * camera + 2] : 0);
    }

    /// <summary>
    /// The projection (<paramref name="u"/>, <paramref name="v"/>) (px) of the model point (<paramref name="x"/>,
    /// <paramref name="y"/>, <paramref name="z"/>) (cm) of frame <paramref name="frame"/> in camera
    /// <paramref name="camera"/> and its derivatives, each 2×n row-major (row u, then row v):
    /// <paramref name="modelJacobian"/> 2×3 = ∂x/∂S (px/cm); <paramref name="poseJacobian"/> 2×6 = ∂x/∂(δω_i, t_i)
    /// for the head rotation update R_i ← exp([δω]×) R_i (px/rad) and translation (px/cm);
    /// (<paramref name="focalU"/>, <paramref name="focalV"/>) = ∂x/∂f_j (px/px); and, for camera j &gt; 0 only,
    /// <paramref name="extrinsicsJacobian"/> 2×6 = ∂x/∂(δω_j, t_j) (left untouched for camera 0). The point must be in
    /// front of the camera (no depth check).
    /// </summary>
    public void Derivatives(FitState s, int frame, int camera, double x, double y, double z, out double u, out double v,
        Span<double> modelJacobian, Span<double> poseJacobian, out double focalU, out double focalV, Span<double> extrinsicsJacobian)
    {
        var R = s.Rotation[frame];
        var (qx, qy, qz) = R.Transform(x, y, z);
        double X = qx + s.Translation[3 * frame], Y = qy + s.Translation[3 * frame + 1], Z = qz + s.Translation[3 * frame + 2];
        var Rc = camera > 0 ? s.CameraRotation[camera] : Matrix3d.Identity;
        double Yx = X, Yy = Y, Yz = Z;
        if (camera > 0)
        {
            (Yx, Yy, Yz) = Rc.Transform(X, Y, Z);
            Yx += s.CameraTranslation[3 * camera]; Yy += s.CameraTranslation[3 * camera + 1]; Yz += s.CameraTranslation[3 * camera + 2];
        }
        double fl = s.Focal[camera], iz = 1 / Yz;
        u = fl * Yx * iz + _principalX[camera]; v = fl * Yy * iz + _principalY[camera];
        focalU = Yx * iz; focalV = Yy * iz;
        // A = ∂(u,v)/∂Y
        double a00 = fl * iz, a02 = -fl * Yx * iz * iz, a11 = fl * iz, a12 = -fl * Yy * iz * iz;
        // B = A Rc (∂/∂X, camera-0 point)
        double b00 = a00 * Rc.M00 + a02 * Rc.M20, b01 = a00 * Rc.M01 + a02 * Rc.M21, b02 = a00 * Rc.M02 + a02 * Rc.M22;
        double b10 = a11 * Rc.M10 + a12 * Rc.M20, b11 = a11 * Rc.M11 + a12 * Rc.M21, b12 = a11 * Rc.M12 + a12 * Rc.M22;
        // ∂/∂model point = B R
        var gm = modelJacobian;
        gm[0] = b00 * R.M00 + b01 * R.M10 + b02 * R.M20; gm[1] = b00 * R.M01 + b01 * R.M11 + b02 * R.M21; gm[2] = b00 * R.M02 + b01 * R.M12 + b02 * R.M22;
        gm[3] = b10 * R.M00 + b11 * R.M10 + b12 * R.M20; gm[4] = b10 * R.M01 + b11 * R.M11 + b12 * R.M21; gm[5] = b10 * R.M02 + b11 * R.M12 + b12 * R.M22;
        // ∂X/∂δω = −[q]× with q = R S, so B·(−[q]×), (−[q]×) = [[0, qz, −qy], [−qz, 0, qx], [qy, −qx, 0]]; ∂X/∂t = I
        var pose = poseJacobian;
        pose[0] = -b01 * qz + b02 * qy; pose[1] = b00 * qz - b02 * qx; pose[2] = -b00 * qy + b01 * qx;
        pose[3] = b00; pose[4] = b01; pose[5] = b02;
        pose[6] = -b11 * qz + b12 * qy; pose[7] = b10 * qz - b12 * qx; pose[8] = -b10 * qy + b11 * qx;
        pose[9] = b10; pose[10] = b11; pose[11] = b12;
        if (camera > 0)
        {
            // ∂Y/∂δω_c = −[Rc X]×, ∂Y/∂t_c = I
            var cam = extrinsicsJacobian;
            double wx = Yx - s.CameraTranslation[3 * camera], wy = Yy - s.CameraTranslation[3 * camera + 1], wz = Yz - s.CameraTranslation[3 * camera + 2];
            cam[0] = a02 * wy; cam[1] = a00 * wz - a02 * wx; cam[2] = -a00 * wy;
            cam[3] = a00; cam[4] = 0; cam[5] = a02;
            cam[6] = -a11 * wz + a12 * wy; cam[7] = -a12 * wx; cam[8] = a11 * wx;
            cam[9] = 0; cam[10] = a11; cam[11] = a12;
        }
    }
}
