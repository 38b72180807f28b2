namespace DenseFace.Neural.Kernels;

/// <summary>
/// Shape of a 2D convolution on NCHW tensors (square kernel, symmetric zero padding, dilation 1), as in
/// <c>torch.nn.Conv2d</c>: output size = floor((in + 2 * padding - kernel) / stride) + 1.
/// </summary>
internal readonly record struct ConvGeometry(int InChannels, int OutChannels, int Kernel, int Stride, int Padding, int Groups)
{
    public int OutSize(int inSize) => (inSize + 2 * Padding - Kernel) / Stride + 1;
    public int InPerGroup => InChannels / Groups;
    public int OutPerGroup => OutChannels / Groups;
    /// <summary>True for depthwise convolutions (one input channel per group, one output per group).</summary>
    public bool IsDepthwise => Groups == InChannels && Groups == OutChannels && Groups > 1;
    /// <summary>True when the convolution is a plain matrix product per image (1x1, stride 1, no padding, one group).</summary>
    public bool IsPointwise => Kernel == 1 && Stride == 1 && Padding == 0 && Groups == 1;
    /// <summary>Weight element count: out * in/groups * k * k.</summary>
    public int WeightLength => OutChannels * InPerGroup * Kernel * Kernel;

    /// <summary>Throws unless the geometry is valid.</summary>
    public void Validate()
    {
        if (InChannels <= 0 || OutChannels <= 0 || Kernel <= 0 || Stride <= 0 || Padding < 0 || Groups <= 0)
            throw new ArgumentException($"invalid convolution {this}");
        if (InChannels % Groups != 0 || OutChannels % Groups != 0)
            throw new ArgumentException($"channels {InChannels}->{OutChannels} not divisible by groups {Groups}");
    }
}
