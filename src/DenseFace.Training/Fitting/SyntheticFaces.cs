using System.Numerics;
using DenseFace.FaceModel;
using DenseFace.Geometry;

using DenseFace.Fitting;

namespace DenseFace.Training.Fitting;

/// <summary>Ranges of the synthetic faces of <see cref="SyntheticFaces"/> (angles in degrees, focal in px, noise σ in px).</summary>
public sealed record SyntheticFaceOptions
{
    /// <summary>Square image side, px.</summary>
    public int ImageSize { get; init; } = 512;
    /// <summary>Identity β ~ N(0, IdentityScale²).</summary>
    public float IdentityScale { get; init; } = 1f;
    /// <summary>Number of non-zero expressions, each uniform in [0, <see cref="MaxExpression"/>].</summary>
    public int ActiveExpressions { get; init; } = 4;
    public float MaxExpression { get; init; } = 0.8f;
    public float MaxYaw { get; init; } = 80f;
    public float MaxPitch { get; init; } = 25f;
    public float MaxRoll { get; init; } = 20f;
    public float MinFocal { get; init; } = 500f;
    public float MaxFocal { get; init; } = 2000f;
    /// <summary>Landmark noise σ (px) given to every landmark.</summary>
    public float Sigma { get; init; } = 1.5f;
    /// <summary>When true, every other landmark gets 5σ noise (and reports σ = 5σ).</summary>
    public bool NoisyHalf { get; init; }
}

/// <summary>One synthetic face: ground truth parameters, camera and noisy landmarks (σ = the noise actually added).</summary>
public sealed record SyntheticFace(float[] Identity, float[] Expression, RigidTransform Pose, PinholeCamera Camera, Landmark2D[] Landmarks);

/// <summary>
/// Synthetic ground truth for the fitter: random identity, sparse expressions, head pose and focal length; the layout's
/// points are evaluated with <see cref="MorphableModel.EvaluateSurfacePoints"/>, posed with
/// <see cref="RigidTransform.FromHeadPose"/> and projected with <see cref="PinholeCamera.Project"/> (independent of the
/// fitter's own code), then Gaussian noise is added. The face (about 16 cm of landmarks) spans about half the image.
/// </summary>
public static class SyntheticFaces
{
    /// <summary>A random face seen by a random camera.</summary>
    public static SyntheticFace Generate(MorphableModel model, FittingLayout layout, Random rng, SyntheticFaceOptions? options = null)
    {
        var o = options ?? new SyntheticFaceOptions();
        var beta = new float[model.IdentityCount];
        for (int k = 0; k < beta.Length; k++) beta[k] = o.IdentityScale * Gaussian(rng);
        var psi = RandomExpression(model, rng, o);
        float f = o.MinFocal + (float)rng.NextDouble() * (o.MaxFocal - o.MinFocal);
        var cam = new PinholeCamera(o.ImageSize, o.ImageSize, f, f);
        var pose = RandomPose(rng, o, f);
        return new SyntheticFace(beta, psi, pose, cam, Project(model, layout, beta, psi, pose, cam, rng, o));
    }

    /// <summary>Sparse random expression weights (<see cref="SyntheticFaceOptions.ActiveExpressions"/> non-zero).</summary>
    public static float[] RandomExpression(MorphableModel model, Random rng, SyntheticFaceOptions o)
    {
        var psi = new float[model.ExpressionCount];
        for (int i = 0; i < o.ActiveExpressions; i++) psi[rng.Next(psi.Length)] = (float)rng.NextDouble() * o.MaxExpression;
        return psi;
    }

    /// <summary>A random head pose at the depth where 16 cm spans half the image, shifted up to 10 % of the depth sideways.</summary>
    public static RigidTransform RandomPose(Random rng, SyntheticFaceOptions o, float focal)
    {
        float yaw = (2 * (float)rng.NextDouble() - 1) * o.MaxYaw;
        float pitch = (2 * (float)rng.NextDouble() - 1) * o.MaxPitch;
        float roll = (2 * (float)rng.NextDouble() - 1) * o.MaxRoll;
        float depth = focal * 16f / (0.5f * o.ImageSize);
        float sx = (2 * (float)rng.NextDouble() - 1) * 0.1f * depth, sy = (2 * (float)rng.NextDouble() - 1) * 0.1f * depth;
        return RigidTransform.FromHeadPose(yaw, pitch, roll, new Vector3(sx, sy, depth));
    }

    /// <summary>Projects the layout's points of S(β, ψ) posed by <paramref name="pose"/> and adds noise (σ per <paramref name="o"/>).</summary>
    public static Landmark2D[] Project(MorphableModel model, FittingLayout layout, float[] beta, float[] psi, RigidTransform pose, PinholeCamera camera, Random rng, SyntheticFaceOptions o)
    {
        var pts = new Vector3[layout.Count];
        model.EvaluateSurfacePoints(layout.Points, beta, psi, pts);
        var lms = new Landmark2D[layout.Count];
        for (int k = 0; k < pts.Length; k++)
        {
            var x = camera.Project(pose.Apply(pts[k]));
            float s = o.NoisyHalf && k % 2 == 1 ? 5 * o.Sigma : o.Sigma;
            lms[k] = new Landmark2D(x.X + s * Gaussian(rng), x.Y + s * Gaussian(rng), s);
        }
        return lms;
    }

    /// <summary>A standard normal sample as float (see <see cref="RandomExtensions.NextGaussian"/>).</summary>
    public static float Gaussian(Random rng) => (float)rng.NextGaussian();
}
