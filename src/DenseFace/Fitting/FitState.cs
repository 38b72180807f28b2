namespace DenseFace.Fitting;

/// <summary>
/// The parameters Φ of a landmark fit (Wood et al. 2022, sec. 3.2): identity β, per frame the head rotation R_i,
/// translation t_i (model → first camera, OpenCV axes, cm) and expression ψ_i ∈ [0, 1], per camera the focal
/// length f_j (px) and the transform from the first camera (R_j, t_j; identity for camera 0).
/// </summary>
internal sealed class FitState
{
    /// <summary>Identity coefficients β (units of the model's identity modes), one per optimised mode.</summary>
    public readonly double[] Beta;
    /// <summary>Per frame: head rotation R_i, model → first camera.</summary>
    public readonly Matrix3d[] Rotation;
    /// <summary>Per frame: head translation t_i (cm, first-camera axes), 3 per frame (x, y, z).</summary>
    public readonly double[] Translation;
    /// <summary>Per frame: expression weights ψ_i ∈ [0, 1] (model order), expression count per frame, frame-major.</summary>
    public readonly double[] Psi;
    /// <summary>Per camera: focal length f_j (px, fx = fy).</summary>
    public readonly double[] Focal;
    /// <summary>Per camera: rotation R_j from the first camera (identity for camera 0).</summary>
    public readonly Matrix3d[] CameraRotation;
    /// <summary>Per camera: translation t_j from the first camera (cm), 3 per camera (zero for camera 0).</summary>
    public readonly double[] CameraTranslation;

    /// <summary>A zero state (identity rotations, zero translations, focal lengths and weights).</summary>
    public FitState(int identityModes, int expressions, int frames, int cameras)
    {
        Beta = new double[identityModes];
        Rotation = new Matrix3d[frames];
        Array.Fill(Rotation, Matrix3d.Identity);
        Translation = new double[3 * frames];
        Psi = new double[expressions * frames];
        Focal = new double[cameras];
        CameraRotation = new Matrix3d[cameras];
        Array.Fill(CameraRotation, Matrix3d.Identity);
        CameraTranslation = new double[3 * cameras];
    }

    /// <summary>Number of identity modes (length of <see cref="Beta"/>).</summary>
    public int IdentityCount => Beta.Length;
    /// <summary>Number of frames.</summary>
    public int FrameCount => Rotation.Length;
    /// <summary>Expressions per frame.</summary>
    public int ExpressionCount => Psi.Length / Rotation.Length;
    /// <summary>Number of cameras.</summary>
    public int CameraCount => Focal.Length;

    /// <summary>Copies every parameter of <paramref name="o"/> (same dimensions) into this state.</summary>
    public void CopyFrom(FitState o)
    {
        o.Beta.CopyTo(Beta, 0); o.Rotation.CopyTo(Rotation, 0); o.Translation.CopyTo(Translation, 0);
        o.Psi.CopyTo(Psi, 0); o.Focal.CopyTo(Focal, 0); o.CameraRotation.CopyTo(CameraRotation, 0);
        o.CameraTranslation.CopyTo(CameraTranslation, 0);
    }

    /// <summary>Copies frame <paramref name="from"/> of <paramref name="o"/> into frame <paramref name="to"/> of this state.</summary>
    public void CopyFrame(FitState o, int from, int to)
    {
        int e = ExpressionCount;
        Rotation[to] = o.Rotation[from];
        Array.Copy(o.Translation, 3 * from, Translation, 3 * to, 3);
        Array.Copy(o.Psi, e * from, Psi, e * to, e);
    }
}
