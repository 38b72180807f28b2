using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;
using DenseFace.Neural;

namespace DenseFace.Training.Neural;

/// <summary><see cref="GlobalAvgPool"/>: each input pixel gets its channel's dy / (H W).</summary>
internal sealed class GlobalAvgPoolRule : LayerRule<GlobalAvgPool>
{
    protected override Tensor? Backward(TapeNode node, GlobalAvgPool layer, Tensor dy, bool inputGradient)
    {
        var x = node.Input;
        var dx = node.GradInput(x);
        int plane = x.H * x.W;
        for (int i = 0; i < x.N * x.C; i++) dx.Data.AsSpan(i * plane, plane).Fill(dy.Data[i] / plane);
        return dx;
    }
}

/// <summary><see cref="MaxPool2d"/>: the forward's argmax indices (kept in the node) route dy back to the maxima.</summary>
internal sealed class MaxPool2dRule : LayerRule<MaxPool2d>
{
    protected override Tensor Forward(Tape tape, TapeNode node, MaxPool2d layer, Tensor x)
    {
        int[]? argMax = node.State as int[] ?? [];
        var y = layer.Forward(x, ref argMax);
        node.State = argMax;
        return y;
    }

    protected override Tensor? Backward(TapeNode node, MaxPool2d layer, Tensor dy, bool inputGradient)
    {
        var x = node.Input;
        var dx = node.GradInput(x);
        var argMax = (int[])node.State!;
        int inPlane = x.H * x.W, outPlane = dy.Length / (x.N * x.C);
        layer.Compute.For(x.N * x.C, p =>
        {
            dx.Data.AsSpan(p * inPlane, inPlane).Clear();
            for (int i = p * outPlane; i < (p + 1) * outPlane; i++) dx.Data[argMax[i]] += dy.Data[i];
        });
        return dx;
    }
}

/// <summary><see cref="Dropout"/>: dy times the forward's mask (kept in the node); dy itself when the forward was the identity.</summary>
internal sealed class DropoutRule : LayerRule<Dropout>
{
    protected override Tensor Forward(Tape tape, TapeNode node, Dropout layer, Tensor x)
    {
        float[]? mask = node.State as float[] ?? [];
        var y = layer.Forward(x, ref mask);
        node.State = mask;
        return y;
    }

    protected override Tensor? Backward(TapeNode node, Dropout layer, Tensor dy, bool inputGradient)
    {
        if (ReferenceEquals(node.Output, node.Input)) return dy; // evaluation mode or p = 0
        var dx = node.GradInput(node.Input);
        TensorPrimitives.Multiply(dy.Span, ((float[])node.State!).AsSpan(0, dx.Length), dx.Span);
        return dx;
    }
}
