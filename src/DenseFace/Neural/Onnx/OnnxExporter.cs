using DenseFace.Neural.Kernels;

namespace DenseFace.Neural.Onnx;

/// <summary>How <see cref="OnnxExporter"/> writes a network.</summary>
public sealed record OnnxExportOptions
{
    /// <summary>Input height in pixels (null: the config's <see cref="NetworkConfig.InputSize"/>).</summary>
    public int? Height { get; init; }
    /// <summary>Input width in pixels (null: the config's <see cref="NetworkConfig.InputSize"/>).</summary>
    public int? Width { get; init; }
    /// <summary>Name of the graph input (float32 NCHW, normalised as the config says).</summary>
    public string InputName { get; init; } = "input";
    /// <summary>Name of the graph output (float32 [batch, outputs]).</summary>
    public string OutputName { get; init; } = "output";
    /// <summary>True: the batch dimension is symbolic ("batch"); false: fixed to 1.</summary>
    public bool DynamicBatch { get; init; } = true;
    /// <summary>Extra key/value pairs for the model's metadata_props (beside architecture, input size, mean and std).</summary>
    public IReadOnlyDictionary<string, string>? Metadata { get; init; }
    /// <summary>Human-readable description stored as the model's doc_string.</summary>
    public string? Description { get; init; }
}

/// <summary>
/// Writes a <see cref="Network"/> (MobileNetV2 / ResNet-18 with any head, or any graph an <see cref="InferencePlan"/>
/// compiles) as an ONNX file (IR version 7, default-domain opset 13) that ONNX Runtime and other engines run: the
/// graph is the evaluation-mode inference plan, so every BatchNorm2d is folded into its convolution
/// (w' = w * gamma / sqrt(var + eps), b' = beta + (b - mean) * gamma / sqrt(var + eps)) and dropout is gone.
/// Operators written: Conv (+ Add for residuals), Relu, Clip(0, 6) for ReLU6, MaxPool, GlobalAveragePool, Flatten
/// and Gemm (transB = 1) for linear layers; weights as float32 raw_data initializers named after the PyTorch
/// modules (<c>features.1.conv.0.0.weight</c>, folded). Input: float32 NCHW [batch, C, H, W], RGB normalised as
/// (v - mean) / std with v in [0, 1] (the same tensor <see cref="Network.Forward(ReadOnlySpan{float}, int)"/> takes);
/// output: float32 [batch, outputs]. The config's architecture, input size, mean and std go into metadata_props.
/// The protobuf is written by <see cref="ProtoWriter"/> (no generated code, no dependency); files must stay under 2 GB.
/// </summary>
public static class OnnxExporter
{
    /// <summary>Default-domain opset of the written files.</summary>
    public const int Opset = 13;
    /// <summary>ONNX IR version of the written files (the one that goes with opset 13).</summary>
    public const int IrVersion = 7;

    // onnx.proto field numbers (the importer's OnnxModel reads the same ones).
    private const int ModelIrVersion = 1, ModelProducerName = 2, ModelProducerVersion = 3, ModelDocString = 6, ModelGraph = 7, ModelOpsetImport = 8, ModelMetadata = 14;
    private const int GraphNode = 1, GraphName = 2, GraphInitializer = 5, GraphInput = 11, GraphOutput = 12;
    private const int NodeInput = 1, NodeOutput = 2, NodeName = 3, NodeOpType = 4, NodeAttribute = 5;
    private const int AttrName = 1, AttrI = 3, AttrInts = 8, AttrType = 20, AttrTypeInt = 2, AttrTypeInts = 7;
    private const int TensorDims = 1, TensorDataType = 2, TensorName = 8, TensorRawData = 9;
    private const int ValueName = 1, ValueType = 2, TypeTensor = 1, TensorTypeElem = 1, TensorTypeShape = 2, ShapeDim = 1, DimValue = 1, DimParam = 2;

    /// <summary>Writes <paramref name="network"/> to <paramref name="path"/> atomically (see <see cref="Export"/>).</summary>
    public static void Save(Network network, string path, OnnxExportOptions? options = null)
    {
        var bytes = Export(network, options);
        IO.AtomicFile.Write(path, s => s.Write(bytes));
    }

    /// <summary>
    /// Serialises <paramref name="network"/>'s evaluation-mode graph (current weights, BN folded) as an ONNX ModelProto.
    /// Throws <see cref="InvalidInputException"/> naming the module when a layer has no ONNX mapping here.
    /// </summary>
    public static byte[] Export(Network network, OnnxExportOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(network);
        options ??= new OnnxExportOptions();
        int h = options.Height ?? network.Config.InputSize, w = options.Width ?? network.Config.InputSize;
        if (h <= 0 || w <= 0) throw new InvalidInputException("ONNX export", $"input size {w}x{h} must be positive");
        if (string.IsNullOrEmpty(options.InputName) || string.IsNullOrEmpty(options.OutputName) || options.InputName == options.OutputName)
            throw new InvalidInputException("ONNX export", "input and output names must be non-empty and different");
        var plan = network.CompileInference(h, w, 1);
        var graph = new GraphWriter(plan, options);
        foreach (var op in plan.Ops) graph.Emit(op);
        var g = graph.Finish(network.Config.Architecture);

        var model = new ProtoWriter()
            .Varint(ModelIrVersion, IrVersion)
            .String(ModelProducerName, "DenseFace")
            .String(ModelProducerVersion, typeof(OnnxExporter).Assembly.GetName().Version?.ToString() ?? "0")
            .Message(ModelOpsetImport, new ProtoWriter().String(1, "").Varint(2, Opset));
        if (options.Description is { Length: > 0 } doc) model.String(ModelDocString, doc);
        model.Message(ModelGraph, g);
        var cfg = network.Config;
        var meta = new Dictionary<string, string>
        {
            ["architecture"] = cfg.Architecture,
            ["width_multiplier"] = cfg.WidthMultiplier.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["input_size"] = $"{h}x{w}",
            ["input_layout"] = "NCHW float32, RGB, (v - mean) / std with v in [0, 1]",
            ["mean"] = string.Join(",", cfg.Mean.Select(v => v.ToString("R", System.Globalization.CultureInfo.InvariantCulture))),
            ["std"] = string.Join(",", cfg.Std.Select(v => v.ToString("R", System.Globalization.CultureInfo.InvariantCulture))),
            ["num_outputs"] = plan.Outputs.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        if (options.Metadata != null) foreach (var (k, v) in options.Metadata) meta[k] = v;
        foreach (var (k, v) in meta) model.Message(ModelMetadata, new ProtoWriter().String(1, k).String(2, v));
        return model.ToArray();
    }

    /// <summary>Builds the GraphProto: value names per plan tensor, nodes and initializers.</summary>
    private sealed class GraphWriter
    {
        private readonly ProtoWriter _nodes = new(), _inits = new();
        private readonly Dictionary<Tensor, string> _names = new(ReferenceEqualityComparer.Instance);
        private readonly HashSet<string> _used = [];
        private readonly InferencePlan _plan;
        private readonly OnnxExportOptions _options;
        private string? _clipMin, _clipMax;
        private int _count;

        public GraphWriter(InferencePlan plan, OnnxExportOptions options)
        {
            _plan = plan;
            _options = options;
            _names[plan.InputTensor] = options.InputName;
            _used.Add(options.InputName);
            _used.Add(options.OutputName);
        }

        public void Emit(InferencePlan.Op op)
        {
            string x = NameOf(op.Input);
            switch (op)
            {
                case InferencePlan.ConvOp c:
                {
                    var g = c.Geometry;
                    string wName = Initializer($"{c.Name}.weight", [g.OutChannels, g.InPerGroup, g.Kernel, g.Kernel], c.Weight);
                    string bName = Initializer($"{c.Name}.bias", [g.OutChannels], c.Bias);
                    bool more = c.Residual != null || c.Activation != FusedActivation.None;
                    string y = more ? Fresh(c.Name) : OutputOf(op);
                    Node("Conv", c.Name, [x, wName, bName], y,
                        Ints("kernel_shape", g.Kernel, g.Kernel), Ints("strides", g.Stride, g.Stride),
                        Ints("pads", g.Padding, g.Padding, g.Padding, g.Padding), Ints("dilations", 1, 1), Int("group", g.Groups));
                    if (c.Residual != null)
                    {
                        string sum = c.Activation != FusedActivation.None ? Fresh(c.Name + ".add") : OutputOf(op);
                        Node("Add", c.Name + ".add", [y, NameOf(c.Residual)], sum);
                        y = sum;
                    }
                    if (c.Activation != FusedActivation.None) Activation(c.Activation, c.Name + ".act", y, OutputOf(op));
                    return;
                }
                case InferencePlan.LinearOp l:
                {
                    var layer = l.Layer;
                    if (op.Input.Rank != 2) { string flat = Fresh(layer.Name + ".flatten"); Node("Flatten", layer.Name + ".flatten", [x], flat, Int("axis", 1)); x = flat; }
                    string wName = Initializer($"{layer.Name}.weight", [layer.OutFeatures, layer.InFeatures], layer.Weight.Value);
                    string bName = Initializer($"{layer.Name}.bias", [layer.OutFeatures], layer.Bias.Value);
                    Node("Gemm", layer.Name, [x, wName, bName], OutputOf(op), Int("transB", 1));
                    return;
                }
                case InferencePlan.ModuleOp { Module: var m }:
                    EmitModule(m, x, op);
                    return;
                default:
                    throw new InvalidInputException("ONNX export", $"plan step '{op.Label}' has no ONNX mapping");
            }
        }

        private void EmitModule(Module m, string x, InferencePlan.Op op)
        {
            switch (m)
            {
                case GlobalAvgPool:
                {
                    string pooled = Fresh(m.Name + ".pool");
                    Node("GlobalAveragePool", m.Name, [x], pooled);
                    Node("Flatten", m.Name + ".flatten", [pooled], OutputOf(op), Int("axis", 1));
                    return;
                }
                case MaxPool2d p:
                    Node("MaxPool", m.Name, [x], OutputOf(op), Ints("kernel_shape", p.Kernel, p.Kernel), Ints("strides", p.Stride, p.Stride),
                        Ints("pads", p.Padding, p.Padding, p.Padding, p.Padding));
                    return;
                case ReLU: Activation(FusedActivation.ReLU, m.Name, x, OutputOf(op)); return;
                case ReLU6: Activation(FusedActivation.ReLU6, m.Name, x, OutputOf(op)); return;
                default:
                    throw new InvalidInputException("ONNX export", $"module '{m.Name}' ({m.GetType().Name}) has no ONNX mapping (supported: conv, batch norm, ReLU, ReLU6, max pooling, global average pooling, linear, dropout and the MobileNetV2 / ResNet blocks)");
            }
        }

        private void Activation(FusedActivation act, string name, string x, string y)
        {
            if (act == FusedActivation.ReLU) { Node("Relu", name, [x], y); return; }
            _clipMin ??= Initializer("relu6.min", [], [0f]);
            _clipMax ??= Initializer("relu6.max", [], [6f]);
            Node("Clip", name, [x, _clipMin, _clipMax], y);
        }

        public ProtoWriter Finish(string graphName)
        {
            if (!_names.TryGetValue(_plan.OutputTensor, out var last) || last != _options.OutputName)
                throw new InvalidInputException("ONNX export", "the plan's last step does not produce its output tensor");
            // _nodes and _inits already hold complete (tagged) repeated fields: appended as they are
            var g = new ProtoWriter().AppendRaw(_nodes.Written).String(GraphName, graphName).AppendRaw(_inits.Written);
            string? batch = _options.DynamicBatch ? "batch" : null;
            g.Message(GraphInput, ValueInfo(_options.InputName, batch, [_plan.InputChannels, _plan.Height, _plan.Width]));
            g.Message(GraphOutput, ValueInfo(_options.OutputName, batch, [_plan.Outputs]));
            return g;
        }

        private static ProtoWriter ValueInfo(string name, string? batchParam, int[] rest)
        {
            var shape = new ProtoWriter();
            shape.Message(ShapeDim, batchParam != null ? new ProtoWriter().String(DimParam, batchParam) : new ProtoWriter().Varint(DimValue, 1));
            foreach (var d in rest) shape.Message(ShapeDim, new ProtoWriter().Varint(DimValue, d));
            var tensor = new ProtoWriter().Varint(TensorTypeElem, OnnxTensor.Float).Message(TensorTypeShape, shape);
            return new ProtoWriter().String(ValueName, name).Message(ValueType, new ProtoWriter().Message(TypeTensor, tensor));
        }

        /// <summary>The value name of <paramref name="op"/>'s output: the graph output's name, else one derived from the module.</summary>
        private string OutputOf(InferencePlan.Op op)
        {
            if (ReferenceEquals(op.Output, _plan.OutputTensor)) return _names[op.Output] = _options.OutputName;
            string module = op switch
            {
                InferencePlan.ConvOp c => c.Name,
                InferencePlan.LinearOp l => l.Layer.Name,
                InferencePlan.ModuleOp m => m.Module.Name,
                _ => "value",
            };
            return _names[op.Output] = Fresh(module);
        }

        private string NameOf(Tensor t) => _names.TryGetValue(t, out var n) ? n
            : throw new InvalidInputException("ONNX export", "a plan step reads a value no earlier step produced");

        /// <summary>A value name not used before, derived from <paramref name="stem"/>.</summary>
        private string Fresh(string stem)
        {
            if (stem.Length == 0) stem = "value";
            string name = stem;
            while (!_used.Add(name)) name = $"{stem}_{++_count}";
            return name;
        }

        private string Initializer(string stem, int[] dims, ReadOnlySpan<float> values)
        {
            string name = Fresh(stem);
            var t = new ProtoWriter();
            foreach (var d in dims) t.Varint(TensorDims, d);
            t.Varint(TensorDataType, OnnxTensor.Float).String(TensorName, name).RawFloats(TensorRawData, values);
            _inits.Message(GraphInitializer, t);
            return name;
        }

        private void Node(string opType, string name, string[] inputs, string output, params ProtoWriter[] attributes)
        {
            var n = new ProtoWriter();
            foreach (var i in inputs) n.String(NodeInput, i);
            n.String(NodeOutput, output).String(NodeName, name.Length > 0 ? name : opType).String(NodeOpType, opType);
            foreach (var a in attributes) n.Message(NodeAttribute, a);
            _nodes.Message(GraphNode, n);
        }

        private static ProtoWriter Int(string name, long value) => new ProtoWriter().String(AttrName, name).Varint(AttrI, value).Varint(AttrType, AttrTypeInt);

        private static ProtoWriter Ints(string name, params long[] values)
        {
            var a = new ProtoWriter().String(AttrName, name);
            foreach (var v in values) a.Varint(AttrInts, v); // unpacked, as onnx's own writers do
            return a.Varint(AttrType, AttrTypeInts);
        }
    }
}
