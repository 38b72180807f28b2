namespace DenseFace.Fitting;

/// <summary>
/// The parameters Φ of a landmark fit (Wood et al. 2022, sec. 3.2): identity β, per frame the head rotation R_i,
/// translation t_i (model → first camera, OpenCV axes, cm) and expression ψ_i ∈ [0, 1], per camera the focal
/// length f_j (px) and the transform from the first camera (R_j, t_j; identity for camera 0).
/// </summary>
internal sealed class FitState
{
    public readonly double[] Beta;
    public readonly Matrix3d[] Rotation;
    public readonly double[] Translation; // 3 per frame
    public readonly double[] Psi;         // E per frame
    public readonly double[] Focal;       // per camera
    public readonly Matrix3d[] CameraRotation;
    public readonly double[] CameraTranslation; // 3 per camera

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

    public void CopyFrom(FitState o)
    {
        o.Beta.CopyTo(Beta, 0); o.Rotation.CopyTo(Rotation, 0); o.Translation.CopyTo(Translation, 0);
        o.Psi.CopyTo(Psi, 0); o.Focal.CopyTo(Focal, 0); o.CameraRotation.CopyTo(CameraRotation, 0);
        o.CameraTranslation.CopyTo(CameraTranslation, 0);
    }

    /// <summary>Copies frame <paramref name="from"/> of <paramref name="o"/> into frame <paramref name="to"/> of this state.</summary>
    public void CopyFrame(FitState o, int from, int to)
    {
        int e = Psi.Length / Rotation.Length;
        Rotation[to] = o.Rotation[from];
        Array.Copy(o.Translation, 3 * from, Translation, 3 * to, 3);
        Array.Copy(o.Psi, e * from, Psi, e * to, e);
    }
}
