using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;
using DenseFace.Neural;
using DenseFace.Neural.Kernels;

namespace DenseFace.Training.Neural;

/// <summary><see cref="Linear"/>: dX = dY W, dW += dY^T X, db += Σ_n dY.</summary>
internal sealed class LinearRule : LayerRule<Linear>
{
    protected override Tensor? Backward(TapeNode node, Linear layer, Tensor dy, bool inputGradient)
    {
        var x = node.Input;
        var dx = node.GradInput(x);
        int n = x.Dim(0), inF = layer.InFeatures, outF = layer.OutFeatures;
        Sgemm.Multiply(false, false, n, inF, outF, dy.Data, outF, layer.Weight.Value, inF, dx.Data, inF, compute: layer.Compute);
        Sgemm.Multiply(true, false, outF, inF, n, dy.Data, outF, x.Data, inF, layer.Weight.Grad!, inF, accumulate: true, compute: layer.Compute);
        var gb = layer.Bias.Grad!;
        for (int b = 0; b < n; b++) TensorPrimitives.Add(gb, dy.Data.AsSpan(b * outF, outF), gb);
        return dx;
    }
}
