using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;
using DenseFace.Neural;

namespace DenseFace.Training.Neural;

/// <summary>
/// <see cref="Sequential"/>: records the children in order, batch norm + ReLU/ReLU6 as one fused call exactly where
/// <see cref="Sequential.Forward"/> fuses them; backward runs the children's backward passes in reverse.
/// </summary>
internal sealed class SequentialRule : LayerRule<Sequential>
{
    protected override Tensor Forward(Tape tape, TapeNode node, Sequential layer, Tensor x)
    {
        var children = layer.Children;
        for (int i = 0; i < children.Count; i++)
        {
            var m = children[i].Module;
            if (i + 1 < children.Count && Sequential.FusesWithActivation(m, children[i + 1].Module))
                x = tape.Record(m, x, fused: children[++i].Module);
            else x = tape.Record(m, x);
        }
        return x;
    }

    protected override Tensor? Backward(TapeNode node, Sequential layer, Tensor dy, bool inputGradient)
    {
        Tensor? g = dy;
        for (int i = node.ChildCount - 1; i >= 0; i--) g = node.Child(i).Backward(g!, i == 0 ? inputGradient : true);
        return g;
    }
}

/// <summary><see cref="InvertedResidual"/>: the conv branch, plus dy itself on the residual path.</summary>
internal sealed class InvertedResidualRule : LayerRule<InvertedResidual>
{
    protected override Tensor Forward(Tape tape, TapeNode node, InvertedResidual layer, Tensor x)
    {
        var r = tape.Record(layer.Conv, x);
        return layer.UseResidual ? layer.AddResidual(r, x) : r;
    }

    protected override Tensor? Backward(TapeNode node, InvertedResidual layer, Tensor dy, bool inputGradient)
    {
        var g = node.Child(0).Backward(dy, inputGradient: true)!;
        if (!layer.UseResidual) return g;
        var dx = node.GradInput(node.Input);
        layer.Compute.ForRange(dx.Length, (a, n) => TensorPrimitives.Add(g.Data.AsSpan(a, n), dy.Data.AsSpan(a, n), dx.Data.AsSpan(a, n)));
        return dx;
    }
}

/// <summary>
/// <see cref="BasicBlock"/>: recorded as conv1, bn1 + relu (fused), conv2, bn2 and the downsample shortcut, like
/// <see cref="BasicBlock.Forward"/>; backward masks dy with the final ReLU (output &gt; 0 iff the sum &gt; 0) and adds both paths.
/// </summary>
internal sealed class BasicBlockRule : LayerRule<BasicBlock>
{
    protected override Tensor Forward(Tape tape, TapeNode node, BasicBlock layer, Tensor x)
    {
        var h = tape.Record(layer.Conv1, x);
        h = tape.Record(layer.Bn1, h, fused: layer.Relu1);
        var r = tape.Record(layer.Bn2, tape.Record(layer.Conv2, h));
        return layer.Join(r, layer.Downsample is { } d ? tape.Record(d, x) : x);
    }

    protected override Tensor? Backward(TapeNode node, BasicBlock layer, Tensor dy, bool inputGradient)
    {
        var ds = node.State as Tensor;
        ds = Tensor.Reuse(ref ds, node.Output.Shape);
        node.State = ds;
        ReLURule.Mask(layer.Compute, node.Output, dy, ds, float.PositiveInfinity);
        Tensor g = ds;
        for (int i = 3; i >= 0; i--) g = node.Child(i).Backward(g, inputGradient: true)!; // bn2, conv2, bn1 + relu, conv1
        var gs = layer.Downsample == null ? ds : node.Child(4).Backward(ds, inputGradient: true)!;
        var dx = node.GradInput(node.Input);
        layer.Compute.ForRange(dx.Length, (a, n) => TensorPrimitives.Add(g.Data.AsSpan(a, n), gs.Data.AsSpan(a, n), dx.Data.AsSpan(a, n)));
        return dx;
    }
}
