namespace DenseFace.Fitting;

/// <summary>
/// One probabilistic 2D landmark: the mean position (<see cref="X"/>, <see cref="Y"/>) in pixels (0-based pixel
/// centres: the centre of the top-left pixel is (0, 0)) and the isotropic standard deviation
/// <see cref="Sigma"/> in pixels (&gt; 0). The fitter weighs its squared reprojection error by 1 / (2 σ²).
/// </summary>
public readonly record struct Landmark2D(float X, float Y, float Sigma)
{
    /// <summary>Checks every landmark is finite with σ &gt; 0; throws <see cref="InvalidInputException"/> naming <paramref name="inputName"/>.</summary>
    public static void Validate(ReadOnlySpan<Landmark2D> landmarks, string inputName)
    {
        for (int i = 0; i < landmarks.Length; i++)
        {
            var l = landmarks[i];
            if (!float.IsFinite(l.X) || !float.IsFinite(l.Y))
                throw new InvalidInputException(inputName, $"landmark {i} has a non-finite position ({l.X}, {l.Y})");
            if (!float.IsFinite(l.Sigma) || l.Sigma <= 0)
                throw new InvalidInputException(inputName, $"landmark {i} has sigma {l.Sigma}; it must be a positive finite number of pixels");
        }
    }
}
