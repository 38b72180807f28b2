using System.Numerics;

namespace DenseFace.Landmarks;

/// <summary>
/// One predicted landmark: position (0-based pixel centres of the input image), the standard deviation σ of its
/// isotropic 2D Gaussian (pixels) and the probability that it is visible (not self-occluded, not under an
/// occluder, inside the image). Points without a visibility output (the 2D-convention 68) report 1.
/// </summary>
public readonly record struct PredictedLandmark(float X, float Y, float Sigma, float Visibility)
{
    /// <summary>The position as a vector (pixels).</summary>
    public Vector2 Position => new(X, Y);
}

/// <summary>
/// The landmark network's prediction for one face.
/// </summary>
/// <param name="Layout">Name of the dense layout (<see cref="DenseFace.FaceModel.Layouts.LandmarkLayouts"/>).</param>
/// <param name="Points">Dense layout points in layout order; the first 68 are the iBUG 68 surface points.</param>
/// <param name="Landmarks68">68 points in 300-W's 2D annotation convention (jaw on the visible silhouette).</param>
/// <param name="Roi">The ROI of the last pass.</param>
/// <param name="Milliseconds">Time of the prediction (crops, network passes and decoding), wall clock.</param>
public sealed record FaceLandmarks(string Layout, PredictedLandmark[] Points, PredictedLandmark[] Landmarks68, FaceRoi Roi, double Milliseconds)
{
    /// <summary>
    /// The 68 iBUG points as surface points (the first 68 of the dense layout): AFLW2000-3D's and 3DDFA's
    /// convention, where the jaw points stay on the model jaw even when it is hidden.
    /// </summary>
    public ReadOnlySpan<PredictedLandmark> Landmarks68In3DConvention => Points.AsSpan(0, 68);

    /// <summary>
    /// The median σ of the 68 2D-convention points over the ROI side: how sure the network is that it sees a face in
    /// its crop (a few percent on faces, about ten on face-free crops; see <c>bench localise</c>).
    /// </summary>
    public float MedianRelativeSigma68
    {
        get
        {
            Span<float> s = stackalloc float[Landmarks68.Length];
            for (int k = 0; k < s.Length; k++) s[k] = Landmarks68[k].Sigma;
            s.Sort();
            return s[s.Length / 2] / Roi.Side;
        }
    }
}
