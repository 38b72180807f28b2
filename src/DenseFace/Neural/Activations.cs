using System.Numerics.Tensors;

namespace DenseFace.Neural;

/// <summary>max(x, 0) (<c>torch.nn.ReLU</c>).</summary>
internal sealed class ReLU : Module
{
    public override Tensor Forward(Tensor x)
    {
        var y = Tensor.Reuse(ref OutputBuffer, x.Shape);
        Compute.ForRange(x.Length, (a, n) => TensorPrimitives.Max(x.Data.AsSpan(a, n), 0f, y.Data.AsSpan(a, n)));
        return y;
    }
}

/// <summary>min(max(x, 0), 6) (<c>torch.nn.ReLU6</c>).</summary>
internal sealed class ReLU6 : Module
{
    public override Tensor Forward(Tensor x)
    {
        var y = Tensor.Reuse(ref OutputBuffer, x.Shape);
        Compute.ForRange(x.Length, (a, n) => Kernels.VectorOps.ReLU6(x.Data.AsSpan(a, n), y.Data.AsSpan(a, n)));
        return y;
    }
}

/// <summary>
/// Parametric ReLU (<c>torch.nn.PReLU</c>): y = x for x &gt; 0, a_c x otherwise, with one slope per channel
/// (or one shared slope when created with 1 parameter). Parameter <c>weight</c> [num], initialised to 0.25.
/// </summary>
internal sealed class PReLU : Module
{
    private readonly Parameter[] _params;
    public Parameter Weight { get; }

    public PReLU(int numParameters = 1, float init = 0.25f)
    {
        if (numParameters < 1) throw new ArgumentOutOfRangeException(nameof(numParameters));
        Weight = new Parameter("weight", [numParameters], decay: false);
        Array.Fill(Weight.Value, init);
        _params = [Weight];
    }

    public override IReadOnlyList<Parameter> OwnParameters => _params;

    public override Tensor Forward(Tensor x)
    {
        int num = Weight.Length;
        if (num > 1) RequireNchw(x, num);
        var y = Tensor.Reuse(ref OutputBuffer, x.Shape);
        int channels = x.Rank >= 2 ? x.Dim(1) : 1;
        int plane = x.Length / Math.Max(1, x.Dim(0) * channels);
        var xd = x.Data; var yd = y.Data; var a = Weight.Value;
        for (int i = 0, off = 0; i < x.Dim(0) * channels; i++, off += plane)
        {
            float s = a[num == 1 ? 0 : i % channels];
            for (int j = off; j < off + plane; j++) { float v = xd[j]; yd[j] = v > 0f ? v : s * v; }
        }
        return y;
    }
}
