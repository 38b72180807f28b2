using DenseFace.Neural.Kernels;

namespace DenseFace.Neural;

/// <summary>
/// 2D convolution (<c>torch.nn.Conv2d</c>): square kernel, stride, symmetric zero padding, groups
/// (depthwise when groups = in = out), optional bias. Parameters <c>weight</c> [out, in/groups, k, k] and
/// <c>bias</c> [out].
/// </summary>
internal sealed class Conv2d : Module
{
    private readonly Parameter[] _params;

    public ConvGeometry Geometry { get; }
    public Parameter Weight { get; }
    public Parameter? Bias { get; }

    public Conv2d(int inChannels, int outChannels, int kernel, int stride = 1, int padding = 0, int groups = 1, bool bias = true)
    {
        Geometry = new ConvGeometry(inChannels, outChannels, kernel, stride, padding, groups);
        Geometry.Validate();
        Weight = new Parameter("weight", [outChannels, inChannels / groups, kernel, kernel]);
        Bias = bias ? new Parameter("bias", [outChannels], decay: false) : null;
        _params = Bias == null ? [Weight] : [Weight, Bias];
    }

    public override IReadOnlyList<Parameter> OwnParameters => _params;

    public override Tensor Forward(Tensor x)
    {
        RequireNchw(x, Geometry.InChannels);
        int oh = Geometry.OutSize(x.H), ow = Geometry.OutSize(x.W);
        if (oh <= 0 || ow <= 0) throw new ArgumentException($"Conv2d '{Name}': input {x.ShapeString} too small for kernel {Geometry.Kernel}");
        var y = Tensor.Reuse(ref OutputBuffer, x.N, Geometry.OutChannels, oh, ow);
        Convolution.Forward(x, Geometry, Weight.Value, Bias?.Value, FusedActivation.None, y, null, Compute);
        return y;
    }

    /// <summary>Kaiming-normal initialisation with fan_out mode (torchvision's MobileNetV2/ResNet), zero bias.</summary>
    public void InitKaimingFanOut(RandomSource rng)
    {
        double std = Math.Sqrt(2.0 / (Geometry.OutPerGroup * Geometry.Kernel * Geometry.Kernel));
        var w = Weight.Value;
        for (int i = 0; i < w.Length; i++) w[i] = (float)(std * rng.NextGaussian());
        if (Bias != null) Array.Clear(Bias.Value);
    }
}
