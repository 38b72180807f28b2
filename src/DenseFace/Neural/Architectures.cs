namespace DenseFace.Neural;

/// <summary>
/// Builders for the supported backbones with a regression head, reproducing torchvision's module
/// structure and parameter names exactly so weights exported from PyTorch load unchanged.
/// </summary>
public static class Architectures
{
    /// <summary>Architecture name of torchvision's <c>mobilenet_v2</c>.</summary>
    public const string MobileNetV2Name = "mobilenet_v2";
    /// <summary>Architecture name of torchvision's <c>resnet18</c>.</summary>
    public const string ResNet18Name = "resnet18";

    /// <summary>torchvision's <c>_make_divisible</c>: round to the nearest multiple of divisor, never below 90% of v.</summary>
    public static int MakeDivisible(double v, int divisor = 8)
    {
        int newV = Math.Max(divisor, (int)(v + divisor / 2.0) / divisor * divisor);
        if (newV < 0.9 * v) newV += divisor;
        return newV;
    }

    /// <summary>
    /// torchvision <c>mobilenet_v2(width_mult, num_classes=outputs)</c>: <c>features.0</c> stem
    /// (3x3 stride-2 conv-BN-ReLU6), <c>features.1..17</c> inverted residual blocks (t, c, n, s) =
    /// (1,16,1,1) (6,24,2,2) (6,32,3,2) (6,64,4,2) (6,96,3,1) (6,160,3,2) (6,320,1,1), <c>features.18</c>
    /// 1x1 conv-BN-ReLU6 to 1280 * max(1, width) channels, global average pooling, <c>classifier</c> =
    /// Dropout(0.2), Linear(last, outputs). Any input size (stride 32 overall). Initialised like
    /// torchvision (Kaiming fan-out convs, BN 1/0, Linear N(0, 0.01)) unless <paramref name="initialize"/> is false
    /// (weights about to be loaded: conv and linear weights stay zero).
    /// </summary>
    public static Sequential MobileNetV2(int outputs, double widthMultiplier, ulong seed, bool initialize = true)
    {
        if (outputs <= 0) throw new ArgumentOutOfRangeException(nameof(outputs));
        if (!(widthMultiplier > 0 && widthMultiplier <= 4)) throw new ArgumentOutOfRangeException(nameof(widthMultiplier));
        int[,] setting = { { 1, 16, 1, 1 }, { 6, 24, 2, 2 }, { 6, 32, 3, 2 }, { 6, 64, 4, 2 }, { 6, 96, 3, 1 }, { 6, 160, 3, 2 }, { 6, 320, 1, 1 } };
        int input = MakeDivisible(32 * widthMultiplier);
        int last = MakeDivisible(1280 * Math.Max(1.0, widthMultiplier));
        var features = new List<Module> { InvertedResidual.ConvBnAct(3, input, 3, 2, 1) };
        for (int r = 0; r < setting.GetLength(0); r++)
        {
            int output = MakeDivisible(setting[r, 1] * widthMultiplier);
            for (int i = 0; i < setting[r, 2]; i++)
            {
                features.Add(new InvertedResidual(input, output, i == 0 ? setting[r, 3] : 1, setting[r, 0]));
                input = output;
            }
        }
        features.Add(InvertedResidual.ConvBnAct(input, last, 1, 1, 1));
        var head = new Linear(last, outputs);
        var net = new Sequential(("features", new Sequential(features.ToArray())), ("pool", new GlobalAvgPool()),
            ("classifier", new Sequential(new Dropout(0.2f, seed), head)));
        if (!initialize) return net;
        var rng = new RandomSource(seed);
        foreach (var m in net.Modules())
            if (m is Conv2d c) c.InitKaimingFanOut(rng);
        head.InitNormal(rng, 0.01);
        return net;
    }

    /// <summary>
    /// torchvision <c>resnet18(num_classes=outputs)</c>: conv1 7x7/2, bn1, relu, maxpool 3x3/2, layer1..4 of two
    /// <see cref="BasicBlock"/>s (64, 128, 256, 512 channels; stride 2 from layer2), global average pooling,
    /// fc Linear(512, outputs). Initialised like torchvision unless <paramref name="initialize"/> is false.
    /// </summary>
    public static Sequential ResNet18(int outputs, ulong seed, bool initialize = true)
    {
        if (outputs <= 0) throw new ArgumentOutOfRangeException(nameof(outputs));
        var list = new List<(string, Module)>
        {
            ("conv1", new Conv2d(3, 64, 7, 2, 3, bias: false)), ("bn1", new BatchNorm2d(64)), ("relu", new ReLU()),
            ("maxpool", new MaxPool2d(3, 2, 1)),
        };
        int inC = 64;
        int[] planes = [64, 128, 256, 512];
        for (int l = 0; l < 4; l++)
        {
            var b0 = new BasicBlock(inC, planes[l], l == 0 ? 1 : 2);
            var b1 = new BasicBlock(planes[l], planes[l], 1);
            list.Add(($"layer{l + 1}", new Sequential(b0, b1)));
            inC = planes[l];
        }
        var fc = new Linear(512, outputs);
        list.Add(("avgpool", new GlobalAvgPool()));
        list.Add(("fc", fc));
        var net = new Sequential(list.ToArray());
        if (!initialize) return net;
        var rng = new RandomSource(seed);
        foreach (var m in net.Modules())
            if (m is Conv2d c) c.InitKaimingFanOut(rng);
        fc.InitUniformDefault(rng);
        return net;
    }
}
