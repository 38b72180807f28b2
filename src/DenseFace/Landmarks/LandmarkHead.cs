namespace DenseFace.Landmarks;

/// <summary>
/// Layout of the landmark network's output vector for one face, <see cref="OutputCount"/> = 4·L + 3·68 floats:
/// <list type="number">
/// <item>[0, 3L): the dense layout's L points as (μx, μy, s) triples, μ in normalised ROI coordinates
/// (<see cref="FaceRoi"/>) and s = log σ (σ in normalised units; isotropic 2D Gaussian, Wood et al. 2022 eq. 1);</item>
/// <item>[3L, 4L): one visibility logit per dense point (probability = sigmoid);</item>
/// <item>[4L, 4L + 204): the 68 points of the 300-W 2D annotation convention (jaw on the visible silhouette)
/// as (μx, μy, s) triples.</item>
/// </list>
/// </summary>
public readonly record struct LandmarkHead(int DensePoints)
{
    /// <summary>Points of the 300-W 2D-convention head.</summary>
    public const int Ibug68 = 68;

    /// <summary>Total outputs per face.</summary>
    public int OutputCount => 4 * DensePoints + 3 * Ibug68;

    /// <summary>Offset of dense point k's (μx, μy, s).</summary>
    public int Dense(int k) => 3 * k;

    /// <summary>Offset of dense point k's visibility logit.</summary>
    public int Visibility(int k) => 3 * DensePoints + k;

    /// <summary>Offset of 2D-convention point k's (μx, μy, s).</summary>
    public int Ibug(int k) => 4 * DensePoints + 3 * k;

    /// <summary>Largest |s| the decoder passes to exp (keeps σ finite for any network output).</summary>
    public const float MaxAbsLogSigma = 20;
}
