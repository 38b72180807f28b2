using DenseFace.Neural;
using DenseFace.Neural.Kernels;

namespace DenseFace.Training.Neural;

/// <summary><see cref="ReLU"/>: dx = dy where the output is positive (y &gt; 0 iff x &gt; 0).</summary>
internal sealed class ReLURule : LayerRule<ReLU>
{
    protected override Tensor? Backward(TapeNode node, ReLU layer, Tensor dy, bool inputGradient)
    {
        var dx = node.GradInput(node.Input);
        Mask(layer.Compute, node.Output, dy, dx, float.PositiveInfinity);
        return dx;
    }

    /// <summary>dx = dy where 0 &lt; y &lt; hi, else 0 (the derivative of ReLU/ReLU6 taken as 0 at the kinks, like PyTorch), from the activation's output y.</summary>
    internal static void Mask(ComputeContext compute, Tensor y, Tensor dy, Tensor dx, float hi)
        => compute.ForRange(y.Length, (a, n) => VectorOps.MaskBetween(y.Data.AsSpan(a, n), dy.Data.AsSpan(a, n), 0f, hi, dx.Data.AsSpan(a, n)));
}

/// <summary><see cref="ReLU6"/>: dx = dy where 0 &lt; y &lt; 6 (iff 0 &lt; x &lt; 6).</summary>
internal sealed class ReLU6Rule : LayerRule<ReLU6>
{
    protected override Tensor? Backward(TapeNode node, ReLU6 layer, Tensor dy, bool inputGradient)
    {
        var dx = node.GradInput(node.Input);
        ReLURule.Mask(layer.Compute, node.Output, dy, dx, 6f);
        return dx;
    }
}

/// <summary><see cref="PReLU"/>: dx = dy (x &gt; 0) or a dy; da += Σ dy x over x ≤ 0, summed per channel in image order.</summary>
internal sealed class PReLURule : LayerRule<PReLU>
{
    protected override Tensor? Backward(TapeNode node, PReLU layer, Tensor dy, bool inputGradient)
    {
        var x = node.Input;
        var dx = node.GradInput(x);
        int num = layer.Weight.Length, channels = x.Rank >= 2 ? x.Dim(1) : 1, n = x.Dim(0);
        int plane = x.Length / (n * channels);
        var a = layer.Weight.Value; var ga = layer.Weight.Grad!;
        var sums = node.State as double[];
        if (sums == null || sums.Length != num) node.State = sums = new double[num];
        else Array.Clear(sums);
        for (int c = 0; c < channels; c++)
        {
            int k = num == 1 ? 0 : c;
            double s = 0;
            for (int b = 0; b < n; b++)
            {
                int off = (b * channels + c) * plane;
                for (int j = off; j < off + plane; j++)
                {
                    float v = x.Data[j];
                    if (v > 0f) dx.Data[j] = dy.Data[j];
                    else { dx.Data[j] = a[k] * dy.Data[j]; s += (double)dy.Data[j] * v; }
                }
            }
            sums[k] += s;
        }
        for (int k = 0; k < num; k++) ga[k] += (float)sums[k];
        return dx;
    }
}
