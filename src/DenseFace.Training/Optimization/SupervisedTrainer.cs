using DenseFace.Neural;
using DenseFace.Training.Losses;
using DenseFace.Training.Neural;

namespace DenseFace.Training.Optimization;

/// <summary>
/// One supervised training step: forward (training mode, recorded on the trainer's <see cref="Tape"/>), loss and its
/// gradient, backward, optional
/// global-norm clipping, learning-rate schedule, AdamW update and optional weight EMA.
/// </summary>
public sealed class SupervisedTrainer
{
    private float[] _grad = [];
    private readonly Tape _tape = new();

    public Network Network { get; }
    public AdamW Optimizer { get; }
    public ILoss Loss { get; }
    public WarmupCosineSchedule? Schedule { get; init; }
    /// <summary>Global gradient-norm bound (≤ 0: no clipping).</summary>
    public double ClipNorm { get; init; }
    public WeightEma? Ema { get; init; }

    public SupervisedTrainer(Network network, AdamW optimizer, ILoss loss)
    {
        Network = network; Optimizer = optimizer; Loss = loss;
    }

    /// <summary>Trains on one batch of NCHW images (<paramref name="height"/> x <paramref name="width"/>) and returns the loss before the update.</summary>
    public double Step(ReadOnlySpan<float> images, ReadOnlySpan<float> targets, int batch, int height, int width)
    {
        if (!Network.IsTraining) Network.Train();
        var y = _tape.Forward(Network, images, batch, height, width);
        if (_grad.Length != y.Length) _grad = new float[y.Length];
        double loss = Loss.Compute(y, targets, batch, _grad);
        Network.ZeroGrad();
        _tape.BackwardParameters(_grad);
        if (ClipNorm > 0) GradientClipping.ClipGlobalNorm(Network.TrainableParameters, ClipNorm);
        if (Schedule != null) Optimizer.LearningRate = Schedule.RateAt(Optimizer.StepCount);
        Optimizer.Step();
        Ema?.Update();
        return loss;
    }
}
