using DenseFace.Neural;

namespace DenseFace.Training.Neural;

/// <summary><see cref="Conv2d"/>: <see cref="ConvBackward"/> with the node's input-gradient buffer and weight-gradient scratch.</summary>
internal sealed class Conv2dRule : LayerRule<Conv2d>
{
    protected override Tensor? Backward(TapeNode node, Conv2d layer, Tensor dy, bool inputGradient)
    {
        var scratch = node.State as ConvBackward.Scratch;
        if (scratch == null) node.State = scratch = new ConvBackward.Scratch();
        return ConvBackward.Backward(layer, node.Input, dy, node.GradInput(node.Input), scratch, inputGradient);
    }
}
