namespace DenseFace.Evaluation.Metrics;

/// <summary>
/// Calibration of predicted isotropic 2D Gaussians (σ in pixels): the share of points whose error is within 1σ and
/// 2σ of the prediction. An isotropic 2D Gaussian with standard deviation σ per axis puts 1 − e^(−k²/2) of its mass
/// within radius kσ: 39.3 % (k = 1) and 86.5 % (k = 2); more means σ is too large (under-confident), less too small.
/// </summary>
/// <param name="Points">Points counted.</param>
/// <param name="WithinOneSigma">Fraction with error ≤ σ.</param>
/// <param name="WithinTwoSigma">Fraction with error ≤ 2σ.</param>
public readonly record struct SigmaCalibration(long Points, double WithinOneSigma, double WithinTwoSigma)
{
    /// <summary>The Gaussian's share within 1σ: 1 − e^(−1/2).</summary>
    public static readonly double GaussianOneSigma = 1 - Math.Exp(-0.5);
    /// <summary>The Gaussian's share within 2σ: 1 − e^(−2).</summary>
    public static readonly double GaussianTwoSigma = 1 - Math.Exp(-2);
}

/// <summary>Accumulates <see cref="SigmaCalibration"/> over samples (not thread-safe; one per thread, then <see cref="Add(SigmaCalibrationCounter)"/>).</summary>
public sealed class SigmaCalibrationCounter
{
    long _n, _one, _two;

    /// <summary>Counts one point of error <paramref name="error"/> and predicted σ <paramref name="sigma"/> (pixels).</summary>
    /// <exception cref="InvalidInputException">σ is not positive and finite or the error is not finite, naming <paramref name="sample"/>.</exception>
    public void Add(double error, double sigma, string sample)
    {
        if (!(sigma > 0) || !double.IsFinite(sigma)) throw new InvalidInputException(sample, $"predicted sigma {sigma} is not a positive finite number");
        if (!double.IsFinite(error)) throw new InvalidInputException(sample, $"point error {error} is not finite");
        _n++;
        if (error <= sigma) _one++;
        if (error <= 2 * sigma) _two++;
    }

    /// <summary>Adds another counter's points.</summary>
    public void Add(SigmaCalibrationCounter other) { _n += other._n; _one += other._one; _two += other._two; }

    /// <summary>The shares so far.</summary>
    /// <exception cref="InvalidInputException">No points were counted.</exception>
    public SigmaCalibration Result => _n == 0 ? throw new InvalidInputException("sigma calibration", "no points counted")
        : new SigmaCalibration(_n, _one / (double)_n, _two / (double)_n);
}
