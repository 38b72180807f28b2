namespace DenseFace.Neural;

/// <summary>
/// MobileNetV2 inverted residual block (torchvision <c>InvertedResidual</c>): child <c>conv</c> =
/// [1x1 expand conv-BN-ReLU6 (when expand ratio != 1)], 3x3 depthwise conv-BN-ReLU6, 1x1 projection conv,
/// BN; the input is added to the result when stride = 1 and in = out channels.
/// </summary>
internal sealed class InvertedResidual : Module
{
    private readonly (string, Module)[] _children;
    public Sequential Conv { get; }
    public bool UseResidual { get; }

    public InvertedResidual(int inChannels, int outChannels, int stride, int expandRatio)
    {
        if (stride is not (1 or 2)) throw new ArgumentOutOfRangeException(nameof(stride));
        int hidden = (int)Math.Round((double)inChannels * expandRatio, MidpointRounding.ToEven);
        UseResidual = stride == 1 && inChannels == outChannels;
        var layers = new List<Module>();
        if (expandRatio != 1) layers.Add(ConvBnAct(inChannels, hidden, 1, 1, 1));
        layers.Add(ConvBnAct(hidden, hidden, 3, stride, hidden));
        layers.Add(new Conv2d(hidden, outChannels, 1, bias: false));
        layers.Add(new BatchNorm2d(outChannels));
        Conv = new Sequential(layers.ToArray());
        _children = [("conv", Conv)];
    }

    /// <summary>torchvision <c>Conv2dNormActivation</c>: conv (padding (k-1)/2, no bias), BN, ReLU6.</summary>
    public static Sequential ConvBnAct(int inChannels, int outChannels, int kernel, int stride, int groups)
        => new(new Conv2d(inChannels, outChannels, kernel, stride, (kernel - 1) / 2, groups, bias: false), new BatchNorm2d(outChannels), new ReLU6());

    public override IReadOnlyList<(string Name, Module Module)> Children => _children;

    public override Tensor Forward(Tensor x)
    {
        var r = Conv.Forward(x);
        return UseResidual ? AddResidual(r, x) : r;
    }

    /// <summary>The block's output r + x (only with <see cref="UseResidual"/>), into the output buffer.</summary>
    internal Tensor AddResidual(Tensor r, Tensor x)
    {
        var y = Tensor.Reuse(ref OutputBuffer, r.Shape);
        Compute.ForRange(y.Length, (a, n) => System.Numerics.Tensors.TensorPrimitives.Add(r.Data.AsSpan(a, n), x.Data.AsSpan(a, n), y.Data.AsSpan(a, n)));
        return y;
    }
}

/// <summary>
/// ResNet basic block (torchvision <c>BasicBlock</c>): relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut), the
/// shortcut being <c>downsample</c> (1x1 strided conv + BN) when the shape changes, else the identity.
/// </summary>
internal sealed class BasicBlock : Module
{
    private readonly (string, Module)[] _children;
    public Conv2d Conv1 { get; }
    public BatchNorm2d Bn1 { get; }
    public ReLU Relu1 { get; } = new();
    public Conv2d Conv2 { get; }
    public BatchNorm2d Bn2 { get; }
    public Sequential? Downsample { get; }

    public BasicBlock(int inChannels, int planes, int stride)
    {
        Conv1 = new Conv2d(inChannels, planes, 3, stride, 1, bias: false);
        Bn1 = new BatchNorm2d(planes);
        Conv2 = new Conv2d(planes, planes, 3, 1, 1, bias: false);
        Bn2 = new BatchNorm2d(planes);
        if (stride != 1 || inChannels != planes)
            Downsample = new Sequential(new Conv2d(inChannels, planes, 1, stride, 0, bias: false), new BatchNorm2d(planes));
        var list = new List<(string, Module)> { ("conv1", Conv1), ("bn1", Bn1), ("relu", Relu1), ("conv2", Conv2), ("bn2", Bn2) };
        if (Downsample != null) list.Add(("downsample", Downsample));
        _children = list.ToArray();
    }

    public override IReadOnlyList<(string Name, Module Module)> Children => _children;

    public override Tensor Forward(Tensor x)
        => Join(Bn2.Forward(Conv2.Forward(Bn1.ForwardWithActivation(Conv1.Forward(x), Relu1))), Downsample?.Forward(x) ?? x);

    /// <summary>The block's output relu(<paramref name="r"/> + <paramref name="shortcut"/>), into the output buffer.</summary>
    internal Tensor Join(Tensor r, Tensor shortcut)
    {
        var y = Tensor.Reuse(ref OutputBuffer, r.Shape);
        Compute.ForRange(y.Length, (a, n) =>
        {
            var ys = y.Data.AsSpan(a, n);
            System.Numerics.Tensors.TensorPrimitives.Add(r.Data.AsSpan(a, n), shortcut.Data.AsSpan(a, n), ys);
            System.Numerics.Tensors.TensorPrimitives.Max(ys, 0f, ys);
        });
        return y;
    }
}
