using DenseFace.Neural.Onnx;

namespace DenseFace.Tests.Neural;

/// <summary>The ONNX importer, one operator at a time on hand-built graphs with hand-computed outputs.</summary>
public class OnnxImporterTests
{
    private static float[] Run(OnnxBuilder b, float[] input, int[] shape, string output = "y") => Run(b.Network(), input, shape, output, out _);

    private static float[] Run(OnnxNetwork net, float[] input, int[] shape, string output, out int[] outShape)
    {
        var s = net.CreateSession();
        s.Run(input, shape);
        var t = s.Output(output);
        outShape = t.Shape.ToArray();
        return t.Span.ToArray();
    }

    private static float[] Seq(int n, float scale = 1, float offset = 0) => Enumerable.Range(0, n).Select(i => i * scale + offset).ToArray();

    private static void Close(float[] expected, float[] actual, float tol = 1e-5f)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tol * (1 + Math.Abs(expected[i])), $"element {i}: expected {expected[i]}, got {actual[i]}");
    }

    /// <summary>Direct-loop reference convolution (NCHW, square kernel, symmetric padding).</summary>
    private static float[] ConvReference(float[] x, int c, int h, int w, float[] wt, float[] bias, int m, int k, int stride, int pad, int groups, out int oh, out int ow)
    {
        oh = (h + 2 * pad - k) / stride + 1;
        ow = (w + 2 * pad - k) / stride + 1;
        var y = new float[m * oh * ow];
        int cpg = c / groups, mpg = m / groups;
        for (int o = 0; o < m; o++)
            for (int oy = 0; oy < oh; oy++)
                for (int ox = 0; ox < ow; ox++)
                {
                    double s = bias[o];
                    int g = o / mpg;
                    for (int ci = 0; ci < cpg; ci++)
                        for (int ky = 0; ky < k; ky++)
                            for (int kx = 0; kx < k; kx++)
                            {
                                int iy = oy * stride - pad + ky, ix = ox * stride - pad + kx;
                                if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
                                s += x[((g * cpg + ci) * h + iy) * w + ix] * wt[((o * cpg + ci) * k + ky) * k + kx];
                            }
                    y[(o * oh + oy) * ow + ox] = (float)s;
                }
        return y;
    }

    [Fact]
    public void Conv_1x1_is_a_weighted_channel_sum_plus_bias()
    {
        // y[o] = sum_c w[o, c] x[c] + b[o] on a 2-channel 1x2 image
        var b = new OnnxBuilder().Input("x", 1, 2, 1, 2).Output("y")
            .Floats("w", [2, 2, 1, 1], 1, 2, -1, 0.5f).Floats("b", [2], 10, 20)
            .Node("Conv", ["x", "w", "b"], ["y"], ("kernel_shape", new long[] { 1, 1 }));
        // x: c0 = [1, 2], c1 = [3, 4]
        Close([1 + 6 + 10, 2 + 8 + 10, -1 + 1.5f + 20, -2 + 2 + 20], Run(b, [1, 2, 3, 4], [1, 2, 1, 2]));
    }

    [Theory]
    [InlineData(3, 4, 3, 1, 1, 1)]   // plain 3x3, padded
    [InlineData(3, 6, 3, 2, 1, 1)]   // strided (the YuNet stem)
    [InlineData(4, 6, 3, 1, 1, 2)]   // grouped
    [InlineData(8, 8, 3, 1, 1, 8)]   // depthwise
    [InlineData(8, 8, 3, 2, 1, 8)]   // depthwise, strided
    [InlineData(2, 3, 5, 1, 2, 1)]   // 5x5
    public void Conv_matches_a_direct_loop(int c, int m, int k, int stride, int pad, int groups)
    {
        int h = 9, w = 11;
        var x = Seq(c * h * w, 0.37f, -3).Select(v => MathF.Sin(v)).ToArray();
        var wt = Seq(m * c / groups * k * k, 0.11f, 1).Select(v => MathF.Cos(v)).ToArray();
        var bias = Seq(m, 0.5f, -1);
        var b = new OnnxBuilder().Input("x", 1, c, -1, -1).Output("y")
            .Floats("w", [m, c / groups, k, k], wt).Floats("b", [m], bias)
            .Node("Conv", ["x", "w", "b"], ["y"], ("kernel_shape", new long[] { k, k }), ("strides", new long[] { stride, stride }),
                ("pads", new long[] { pad, pad, pad, pad }), ("group", (long)groups));
        var expected = ConvReference(x, c, h, w, wt, bias, m, k, stride, pad, groups, out int oh, out int ow);
        var got = Run(b.Network(), x, [1, c, h, w], "y", out var shape);
        Assert.Equal([1, m, oh, ow], shape);
        Close(expected, got, 1e-5f);
    }

    [Fact]
    public void Conv_BatchNormalization_Relu_are_folded_and_fused_with_the_same_result()
    {
        // conv 1x1 (w = 2, b = 1), BN (gamma 3, beta -1, mean 0.5, var 4 - eps), ReLU: y = max(0, 3 (2x + 1 - 0.5) / 2 - 1)
        var b = new OnnxBuilder().Input("x", 1, 1, 1, 3).Output("y")
            .Floats("w", [1, 1, 1, 1], 2).Floats("b", [1], 1)
            .Floats("g", [1], 3).Floats("beta", [1], -1).Floats("mu", [1], 0.5f).Floats("var", [1], 4 - 1e-5f)
            .Node("Conv", ["x", "w", "b"], ["c"])
            .Node("BatchNormalization", ["c", "g", "beta", "mu", "var"], ["n"])
            .Node("Relu", ["n"], ["y"]);
        var net = b.Network();
        Assert.Single(net.Nodes);
        float F(float x) => MathF.Max(0, 3 * (2 * x + 1 - 0.5f) / 2 - 1);
        Close([F(-2), F(0), F(1.5f)], Run(net, [-2, 0, 1.5f], [1, 1, 1, 3], "y", out _));
    }

    [Fact]
    public void BatchNormalization_alone_is_a_per_channel_affine_map()
    {
        var b = new OnnxBuilder().Input("x", 1, 2, 1, 2).Output("y")
            .Floats("g", [2], 1, 2).Floats("beta", [2], 0, 1).Floats("mu", [2], 1, 0).Floats("var", [2], 1, 4)
            .Node("BatchNormalization", ["x", "g", "beta", "mu", "var"], ["y"], ("epsilon", 0f));
        // c0: (x - 1) / 1; c1: 2 x / sqrt(4) + 1
        Close([0, 1, 5, 5], Run(b, [1, 2, 4, 4], [1, 2, 1, 2]));
    }

    [Fact]
    public void Relu_Clip_Sigmoid()
    {
        float[] x = [-2, -0.5f, 0, 3, 7];
        Close([0, 0, 0, 3, 7], Run(new OnnxBuilder().Input("x", 5).Output("y").Node("Relu", ["x"], ["y"]), x, [5]));
        var clip = new OnnxBuilder().Input("x", 5).Output("y").Floats("lo", [], -1).Floats("hi", [], 6).Node("Clip", ["x", "lo", "hi"], ["y"]);
        Close([-1, -0.5f, 0, 3, 6], Run(clip, x, [5]));
        Close(x.Select(v => 1 / (1 + MathF.Exp(-v))).ToArray(), Run(new OnnxBuilder().Input("x", 5).Output("y").Node("Sigmoid", ["x"], ["y"]), x, [5]), 1e-6f);
    }

    [Fact]
    public void MaxPool_2x2_stride_2_and_padded_3x3()
    {
        // 4x4 plane 0..15
        var b = new OnnxBuilder().Input("x", 1, 1, 4, 4).Output("y")
            .Node("MaxPool", ["x"], ["y"], ("kernel_shape", new long[] { 2, 2 }), ("strides", new long[] { 2, 2 }));
        Close([5, 7, 13, 15], Run(b, Seq(16), [1, 1, 4, 4]));
        // odd size (floor mode drops the last row and column): 5x5 plane 0..24, reversed in the second channel
        var odd = new OnnxBuilder().Input("x", 1, 2, 5, 5).Output("y")
            .Node("MaxPool", ["x"], ["y"], ("kernel_shape", new long[] { 2, 2 }), ("strides", new long[] { 2, 2 }));
        Close([6, 8, 16, 18, 24 - 0, 24 - 2, 24 - 10, 24 - 12], Run(odd, Seq(25).Concat(Seq(25).Reverse()).ToArray(), [1, 2, 5, 5]));
        var p = new OnnxBuilder().Input("x", 1, 1, 3, 3).Output("y")
            .Node("MaxPool", ["x"], ["y"], ("kernel_shape", new long[] { 3, 3 }), ("strides", new long[] { 2, 2 }), ("pads", new long[] { 1, 1, 1, 1 }));
        // all values negative (-1 .. -9): padded positions must not win with a 0
        Close([-1, -2, -4, -5], Run(p, Seq(9, -1, -1), [1, 1, 3, 3]));
    }

    [Fact]
    public void Resize_nearest_x2_asymmetric_floor_repeats_pixels()
    {
        var b = new OnnxBuilder { Opset = 11 }.Input("x", 1, 1, 2, 2).Output("y")
            .Floats("roi", [0]).Floats("scales", [4], 1, 1, 2, 2)
            .Node("Resize", ["x", "roi", "scales"], ["y"], ("mode", "nearest"), ("coordinate_transformation_mode", "asymmetric"), ("nearest_mode", "floor"));
        Close([1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4], Run(b, [1, 2, 3, 4], [1, 1, 2, 2]));
    }

    [Fact]
    public void Add_broadcasts_like_numpy()
    {
        var b = new OnnxBuilder().Input("x", 2, 3).Output("y").Floats("c", [3], 10, 20, 30).Node("Add", ["x", "c"], ["y"]);
        Close([10, 21, 32, 13, 24, 35], Run(b, Seq(6), [2, 3]));
        var col = new OnnxBuilder().Input("x", 2, 3).Output("y").Floats("c", [2, 1], 100, 200).Node("Add", ["x", "c"], ["y"]);
        Close([100, 101, 102, 203, 204, 205], Run(col, Seq(6), [2, 3]));
        var same = new OnnxBuilder().Input("x", 2, 3).Output("y").Node("Add", ["x", "x"], ["y"]);
        Close(Seq(6, 2), Run(same, Seq(6), [2, 3]));
    }

    [Fact]
    public void Concat_along_channels_and_last_axis()
    {
        var b = new OnnxBuilder().Input("x", 1, 2, 2).Output("y").Floats("c", [1, 1, 2], 8, 9).Node("Concat", ["x", "c"], ["y"], ("axis", 1L));
        Close([0, 1, 2, 3, 8, 9], Run(b, Seq(4), [1, 2, 2]));
        var last = new OnnxBuilder().Input("x", 1, 2, 2).Output("y").Floats("c", [1, 2, 1], 8, 9).Node("Concat", ["x", "c"], ["y"], ("axis", -1L));
        Close([0, 1, 8, 2, 3, 9], Run(last, Seq(4), [1, 2, 2]));
    }

    [Fact]
    public void Transpose_NCHW_to_NHWC()
    {
        var b = new OnnxBuilder().Input("x", 1, 2, 2, 3).Output("y").Node("Transpose", ["x"], ["y"], ("perm", new long[] { 0, 2, 3, 1 }));
        var got = Run(b.Network(), Seq(12), [1, 2, 2, 3], "y", out var shape);
        Assert.Equal([1, 2, 3, 2], shape);
        Close([0, 6, 1, 7, 2, 8, 3, 9, 4, 10, 5, 11], got);
    }

    [Fact]
    public void Reshape_with_a_shape_subgraph_follows_a_dynamic_input()
    {
        // YuNet's head pattern: Transpose -> Shape -> Gather(0) -> Unsqueeze -> Concat(-1, 2) -> Reshape
        var b = new OnnxBuilder { Opset = 11 }.Input("x", -1, 2, -1, -1).Output("y")
            .Ints("zero", [], 0).Ints("m1", [1], -1).Ints("two", [1], 2)
            .Node("Transpose", ["x"], ["t"], ("perm", new long[] { 0, 2, 3, 1 }))
            .Node("Shape", ["t"], ["s"])
            .Node("Gather", ["s", "zero"], ["n"], ("axis", 0L))
            .Node("Unsqueeze", ["n"], ["n1"], ("axes", new long[] { 0 }))
            .Node("Concat", ["n1", "m1", "two"], ["shape"], ("axis", 0L))
            .Node("Reshape", ["t", "shape"], ["y"]);
        var net = b.Network();
        var s = net.CreateSession();
        foreach (var (h, w) in new[] { (2, 2), (3, 5) })
        {
            s.Run(Seq(2 * h * w), [1, 2, h, w]);
            var y = s.Output("y");
            Assert.Equal([1, h * w, 2], y.Shape.ToArray());
            Assert.Equal(h * w, y.Span[1]);   // pixel 0, channel 1 = x[0, 1, 0, 0]
            Assert.Equal(1, y.Span[2]);       // pixel 1, channel 0 = x[0, 0, 0, 1]
        }
    }

    [Fact]
    public void Flatten_and_Gemm_with_transposed_weights()
    {
        // y = x W^T + b with x = flatten([1, 2, 1, 2]) = [1, 4]
        var b = new OnnxBuilder().Input("x", 1, 2, 1, 2).Output("y")
            .Floats("w", [2, 4], 1, 0, 0, 0, 0, 1, 1, 1).Floats("b", [2], 0.5f, -0.5f)
            .Node("Flatten", ["x"], ["f"], ("axis", 1L))
            .Node("Gemm", ["f", "w", "b"], ["y"], ("transB", 1L), ("alpha", 2f));
        // x = [1, 2, 3, 4]: row 0 -> 2 * 1 + 0.5; row 1 -> 2 * 9 - 0.5
        Close([2.5f, 17.5f], Run(b, [1, 2, 3, 4], [1, 2, 1, 2]));
    }

    [Fact]
    public void Unsupported_operator_is_refused_by_name()
    {
        var b = new OnnxBuilder().Input("x", 4).Output("y").Node("Softplus", ["x"], ["y"]);
        var e = Assert.Throws<InvalidInputException>(() => b.Network());
        Assert.Contains("Softplus", e.Message);
        Assert.Contains("test.onnx", e.Message);
    }

    [Fact]
    public void Malformed_file_and_wrong_input_size_are_reported()
    {
        var bytes = new OnnxBuilder().Input("x", 4).Output("y").Node("Relu", ["x"], ["y"]).Build();
        Assert.Throws<InvalidInputException>(() => OnnxModel.Parse(bytes.AsSpan(0, bytes.Length - 3), "cut.onnx"));
        var net = new OnnxBuilder().Input("x", 1, 3, -1, -1).Output("y").Node("Relu", ["x"], ["y"]).Network();
        var e = Assert.Throws<InvalidInputException>(() => net.CreateSession().Run(new float[8], [1, 2, 2, 2]));
        Assert.Contains("x", e.InputName);
    }
}
