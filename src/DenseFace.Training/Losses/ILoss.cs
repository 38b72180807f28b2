namespace DenseFace.Training.Losses;

/// <summary>
/// A training loss on a batch: <see cref="Compute"/> returns the loss value and writes its gradient with
/// respect to every prediction (so the result can be passed straight to the network's backward pass).
/// </summary>
public interface ILoss
{
    /// <summary>
    /// Loss of <paramref name="predictions"/> ([batch x PredictionsPerSample]) against <paramref name="targets"/>
    /// ([batch x TargetsPerSample]); writes dLoss/dPrediction into <paramref name="gradient"/> (same length as predictions).
    /// </summary>
    double Compute(ReadOnlySpan<float> predictions, ReadOnlySpan<float> targets, int batch, Span<float> gradient);
}

internal static class LossChecks
{
    /// <summary>Element-wise losses: predictions and targets of equal length, a whole number per sample.</summary>
    public static void Shapes(int predictions, int targets, int gradient, int batch, string loss)
    {
        if (batch <= 0) throw new ArgumentOutOfRangeException(nameof(batch), $"{loss}: batch must be positive");
        if (gradient != predictions) throw new ArgumentException($"{loss}: gradient length {gradient} differs from predictions {predictions}");
        if (targets != predictions || predictions % batch != 0)
            throw new ArgumentException($"{loss}: {predictions} predictions and {targets} targets do not fit batch {batch}");
    }
}
