using DenseFace.Neural.Kernels;

namespace DenseFace.Neural.Onnx;

/// <summary>
/// An ONNX graph imported into this engine (float32, NCHW, CPU). Loading checks every node against the
/// supported operators (<see cref="SupportedOps"/>) and refuses any other with an
/// <see cref="InvalidInputException"/> naming the operator and node; it folds BatchNormalization into a
/// preceding Conv (w' = w * gamma / sqrt(var + eps), b' = beta + (b - mean) * gamma / sqrt(var + eps)),
/// fuses a following Relu or Clip(0, 6) into the convolution's epilogue and packs the convolution weights
/// once. Shapes are resolved per input shape by an <see cref="OnnxSession"/> (dynamic sizes: the shape
/// subgraph Shape/Gather/Unsqueeze/Concat is evaluated when a session sees a new input shape).
/// The network is immutable after loading and may be shared by sessions on any number of threads.
/// </summary>
public sealed class OnnxNetwork
{
    /// <summary>Operators the importer maps (default ONNX domain, opsets 7-21 semantics).</summary>
    public static readonly IReadOnlySet<string> SupportedOps = new HashSet<string>
    {
        "Conv", "Relu", "Clip", "Sigmoid", "MaxPool", "GlobalAveragePool", "Resize", "Add", "Sub", "Mul", "Div", "Concat", "Reshape",
        "Transpose", "Flatten", "Gemm", "BatchNormalization", "Identity",
        // evaluated on shapes when a session is planned
        "Shape", "Gather", "Unsqueeze", "Squeeze", "Constant", "Cast",
    };

    /// <summary>A node after import: a convolution carries its folded weights and fused activation.</summary>
    internal sealed class Node
    {
        public required OnnxNode Source;
        public required string Op;
        public required string[] Inputs;
        public required string[] Outputs;
        public ConvGeometry Geometry;
        public float[]? Weight, Bias, Packed;
        public FusedActivation Activation;
    }

    internal readonly List<Node> Nodes = new();
    internal readonly Dictionary<string, OnnxTensor> Constants;

    /// <summary>The file or stream the graph came from (for messages).</summary>
    public string Source { get; }
    /// <summary>The graph's (non-initializer) inputs.</summary>
    public IReadOnlyList<OnnxValueInfo> Inputs { get; }
    /// <summary>The graph's outputs, in declaration order.</summary>
    public IReadOnlyList<string> OutputNames { get; }

    /// <summary>Loads and imports an .onnx file.</summary>
    public static OnnxNetwork Load(string path) => new(OnnxModel.Load(path), path);

    internal OnnxNetwork(OnnxModel model, string source)
    {
        Source = source;
        Inputs = model.Inputs.ToArray();
        OutputNames = model.Outputs.Select(o => o.Name).ToArray();
        if (Inputs.Count != 1) throw new InvalidInputException(source, $"the graph has {Inputs.Count} inputs; one is supported");
        Constants = new Dictionary<string, OnnxTensor>(model.Initializers);
        foreach (var n in model.Nodes)
        {
            if (n.Domain is not ("" or "ai.onnx") || !SupportedOps.Contains(n.OpType))
                throw new InvalidInputException(source, $"unsupported ONNX operator '{(n.Domain.Length > 0 ? n.Domain + "." : "")}{n.OpType}' (node '{n.Name}'); supported: {string.Join(", ", SupportedOps.Order())}");
            if (n.OpType == "Constant")
            {
                var t = n.Attributes.TryGetValue("value", out var a) && a.T != null ? a.T
                    : throw new InvalidInputException(source, $"Constant node '{n.Name}' has no tensor 'value' (only that form is supported)");
                Constants[n.Outputs[0]] = new OnnxTensor { Name = n.Outputs[0], Dims = t.Dims, DataType = t.DataType, Floats = t.Floats, Ints = t.Ints };
                continue;
            }
            Nodes.Add(new Node { Source = n, Op = n.OpType, Inputs = n.Inputs.ToArray(), Outputs = n.Outputs.ToArray() });
        }
        Fuse(model);
        foreach (var node in Nodes) if (node.Op == "Conv") PrepareConv(node);
    }

    /// <summary>Creates an execution context (buffers, plan per input shape); one per thread.</summary>
    public OnnxSession CreateSession() => new(this);

    private void Fuse(OnnxModel model)
    {
        var uses = new Dictionary<string, int>();
        foreach (var n in Nodes) foreach (var i in n.Inputs) uses[i] = uses.GetValueOrDefault(i) + 1;
        foreach (var o in OutputNames) uses[o] = uses.GetValueOrDefault(o) + 1;
        for (int k = 0; k + 1 < Nodes.Count; k++)
        {
            var conv = Nodes[k];
            if (conv.Op != "Conv") continue;
            // the consumer of a single-use conv output (graph order is topological; the consumer need not be adjacent)
            int next = FindConsumer(k, conv.Outputs[0], uses);
            if (next < 0) continue;
            var bn = Nodes[next];
            if (bn.Op == "BatchNormalization" && bn.Outputs.Length == 1 && conv.Activation == FusedActivation.None
                && bn.Inputs.Skip(1).All(Constants.ContainsKey) && conv.Weight == null)
            {
                FoldBatchNorm(conv, bn);
                conv.Outputs = bn.Outputs;
                Nodes.RemoveAt(next);
                next = FindConsumer(k, conv.Outputs[0], uses);
                if (next < 0) continue;
            }
            var act = Nodes[next];
            var fused = act.Op switch
            {
                "Relu" => FusedActivation.ReLU,
                "Clip" => ClipActivation(act),
                _ => (FusedActivation?)null,
            };
            if (fused is { } f && f != FusedActivation.None)
            {
                conv.Activation = f;
                conv.Outputs = act.Outputs;
                Nodes.RemoveAt(next);
            }
        }
    }

    private int FindConsumer(int k, string value, Dictionary<string, int> uses)
    {
        if (uses.GetValueOrDefault(value) != 1) return -1;
        for (int j = k + 1; j < Nodes.Count; j++)
            if (Nodes[j].Inputs.Length > 0 && Nodes[j].Inputs[0] == value) return j;
        return -1;
    }

    /// <summary>ReLU6 or ReLU when a Clip node's bounds are (0, 6) or (0, +inf); None otherwise.</summary>
    private FusedActivation ClipActivation(Node clip)
    {
        var (lo, hi) = ClipBounds(clip);
        if (lo != 0f) return FusedActivation.None;
        return hi == 6f ? FusedActivation.ReLU6 : float.IsPositiveInfinity(hi) ? FusedActivation.ReLU : FusedActivation.None;
    }

    /// <summary>Clip's bounds: attributes min/max before opset 11, optional constant inputs 1 and 2 after.</summary>
    internal (float Lo, float Hi) ClipBounds(Node clip)
    {
        float lo = clip.Source.Float("min", float.NegativeInfinity), hi = clip.Source.Float("max", float.PositiveInfinity);
        if (clip.Inputs.Length > 1 && clip.Inputs[1].Length > 0) lo = ScalarConstant(clip, clip.Inputs[1]);
        if (clip.Inputs.Length > 2 && clip.Inputs[2].Length > 0) hi = ScalarConstant(clip, clip.Inputs[2]);
        return (lo, hi);
    }

    private float ScalarConstant(Node node, string name)
    {
        if (!Constants.TryGetValue(name, out var t) || t.Count != 1)
            throw new InvalidInputException(Source, $"{node.Source}: input '{name}' must be a constant scalar");
        return t.Floats != null ? t.Floats[0] : t.Ints![0];
    }

    internal OnnxTensor Constant(Node node, string name, string what)
    {
        if (!Constants.TryGetValue(name, out var t))
            throw new InvalidInputException(Source, $"{node.Source}: {what} '{name}' must be a constant (initializer)");
        return t;
    }

    private float[] FloatConstant(Node node, string name, string what)
        => Constant(node, name, what).Floats ?? throw new InvalidInputException(Source, $"{node.Source}: {what} '{name}' is not a float tensor");

    private void LoadConvWeights(Node conv)
    {
        if (conv.Weight != null) return;
        var w = Constant(conv, conv.Inputs[1], "weight");
        if (w.Dims.Length != 4 || w.Floats == null)
            throw new InvalidInputException(Source, $"{conv.Source}: only 2D float convolutions are supported (weight shape [{string.Join(", ", w.Dims)}])");
        conv.Weight = (float[])w.Floats.Clone();
        conv.Bias = conv.Inputs.Length > 2 && conv.Inputs[2].Length > 0 ? (float[])FloatConstant(conv, conv.Inputs[2], "bias").Clone() : new float[w.Dims[0]];
        if (conv.Bias.Length != w.Dims[0]) throw new InvalidInputException(Source, $"{conv.Source}: bias has {conv.Bias.Length} values for {w.Dims[0]} output channels");
    }

    private void FoldBatchNorm(Node conv, Node bn)
    {
        LoadConvWeights(conv);
        float eps = bn.Source.Float("epsilon", 1e-5f);
        float[] gamma = FloatConstant(bn, bn.Inputs[1], "scale"), beta = FloatConstant(bn, bn.Inputs[2], "B"),
            mean = FloatConstant(bn, bn.Inputs[3], "mean"), variance = FloatConstant(bn, bn.Inputs[4], "var");
        int m = conv.Bias!.Length, per = conv.Weight!.Length / m;
        if (gamma.Length != m || beta.Length != m || mean.Length != m || variance.Length != m)
            throw new InvalidInputException(Source, $"{bn.Source}: parameters do not match the {m} channels of {conv.Source}");
        for (int c = 0; c < m; c++)
        {
            float s = gamma[c] / MathF.Sqrt(variance[c] + eps);
            for (int i = 0; i < per; i++) conv.Weight[c * per + i] *= s;
            conv.Bias[c] = beta[c] + (conv.Bias[c] - mean[c]) * s;
        }
    }

    private void PrepareConv(Node conv)
    {
        LoadConvWeights(conv);
        var w = Constant(conv, conv.Inputs[1], "weight");
        var n = conv.Source;
        string autoPad = n.Str("auto_pad", "NOTSET");
        long[] kernel = n.Ints("kernel_shape") ?? [w.Dims[2], w.Dims[3]];
        long[] strides = n.Ints("strides") ?? [1, 1];
        long[] pads = autoPad == "VALID" ? [0, 0, 0, 0] : n.Ints("pads") ?? [0, 0, 0, 0];
        long[] dilations = n.Ints("dilations") ?? [1, 1];
        if (autoPad is not ("NOTSET" or "VALID"))
            throw new InvalidInputException(Source, $"{n}: auto_pad '{autoPad}' is not supported (use explicit pads)");
        if (kernel.Length != 2 || kernel[0] != kernel[1] || kernel[0] != w.Dims[2] || w.Dims[2] != w.Dims[3])
            throw new InvalidInputException(Source, $"{n}: only square 2D kernels are supported (kernel [{string.Join(", ", kernel)}])");
        if (strides.Length != 2 || strides[0] != strides[1])
            throw new InvalidInputException(Source, $"{n}: only equal strides are supported (strides [{string.Join(", ", strides)}])");
        if (pads.Length != 4 || pads.Any(p => p != pads[0]))
            throw new InvalidInputException(Source, $"{n}: only symmetric, equal padding is supported (pads [{string.Join(", ", pads)}])");
        if (dilations.Any(d => d != 1))
            throw new InvalidInputException(Source, $"{n}: dilated convolutions are not supported (dilations [{string.Join(", ", dilations)}])");
        int groups = (int)n.Int("group", 1);
        var g = new ConvGeometry(w.Dims[1] * groups, w.Dims[0], w.Dims[2], (int)strides[0], (int)pads[0], groups);
        try { g.Validate(); }
        catch (ArgumentException e) { throw new InvalidInputException(Source, $"{n}: {e.Message}"); }
        conv.Geometry = g;
        conv.Packed = g.IsDepthwise ? null : Convolution.PackWeights(g, conv.Weight!);
    }
}
