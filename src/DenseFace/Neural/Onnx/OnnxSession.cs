using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using DenseFace.Neural.Kernels;

namespace DenseFace.Neural.Onnx;

/// <summary>
/// Runs an <see cref="OnnxNetwork"/>: for each new input shape it resolves every value's shape (evaluating
/// the integer shape subgraph), allocates one buffer per value and lists the kernels; later calls with
/// the same shape only copy the input in and run the kernels, without allocating (at one thread).
/// Not thread-safe: use one session per thread (the network itself is shared).
/// </summary>
public sealed class OnnxSession
{
    private readonly OnnxNetwork _net;
    private readonly List<Step> _steps = new();
    private readonly Dictionary<string, Tensor> _tensors = new();
    private int[] _shape = [];
    private Tensor? _input;

    /// <summary>Threads the kernels may use (default 1).</summary>
    public ComputeContext Compute { get; } = new();

    internal OnnxSession(OnnxNetwork net) => _net = net;

    /// <summary>
    /// Runs the graph on <paramref name="input"/> (row-major, of shape <paramref name="shape"/>). Outputs stay
    /// valid until the next call; read them with <see cref="Output"/>.
    /// </summary>
    public void Run(ReadOnlySpan<float> input, ReadOnlySpan<int> shape)
    {
        if (!shape.SequenceEqual(_shape)) Plan(shape);
        if (input.Length != _input!.Length)
            throw new InvalidInputException("input", $"has {input.Length} values for shape [{string.Join(", ", _shape)}]");
        input.CopyTo(_input.Span);
        foreach (var s in _steps) s.Run(Compute);
    }

    /// <summary>
    /// Runs once, then times each kernel on a second pass: (label "Op output-shape", milliseconds) in execution order.
    /// </summary>
    public IReadOnlyList<(string Step, double Milliseconds)> Profile(ReadOnlySpan<float> input, ReadOnlySpan<int> shape)
    {
        Run(input, shape);
        var times = new List<(string, double)>();
        foreach (var s in _steps)
        {
            long t0 = System.Diagnostics.Stopwatch.GetTimestamp();
            s.Run(Compute);
            times.Add((s.Label, System.Diagnostics.Stopwatch.GetElapsedTime(t0).TotalMilliseconds));
        }
        return times;
    }

    /// <summary>An output (or any intermediate float value) of the last run, by name.</summary>
    public Tensor Output(string name)
        => _tensors.TryGetValue(name, out var t) ? t : throw new InvalidInputException(name, $"no such float value in {_net.Source} (planned for shape [{string.Join(", ", _shape)}])");

    private void Plan(ReadOnlySpan<int> shape)
    {
        var declared = _net.Inputs[0];
        if (declared.Dims != null)
        {
            bool ok = declared.Dims.Length == shape.Length;
            for (int i = 0; ok && i < shape.Length; i++) ok = declared.Dims[i] < 0 || declared.Dims[i] == shape[i];
            if (!ok) throw new InvalidInputException(declared.Name, $"shape [{string.Join(", ", shape.ToArray())}] does not fit the model's [{string.Join(", ", declared.Dims)}] ({_net.Source})");
        }
        _steps.Clear();
        _tensors.Clear();
        _shape = shape.ToArray();
        _input = new Tensor(_shape);
        _tensors[declared.Name] = _input;
        var ints = new Dictionary<string, (long[] Values, int[] Dims)>();
        foreach (var (name, c) in _net.Constants)
        {
            if (c.Ints != null) ints[name] = (c.Ints, c.Dims);
            else _tensors[name] = new Tensor(c.Floats!, c.Dims);
        }
        var pairs = DepthwisePairs();
        var fusedInto = new HashSet<OnnxNetwork.Node>(pairs.Values);
        foreach (var node in _net.Nodes)
        {
            if (fusedInto.Contains(node)) continue; // planned with its 1x1 producer
            int before = _steps.Count;
            if (pairs.TryGetValue(node, out var dw) && PlanPair(node, dw)) continue;
            try { PlanNode(node, ints); }
            catch (Exception e) when (e is ArgumentException or IndexOutOfRangeException or InvalidOperationException)
            {
                throw new InvalidInputException(_net.Source, $"{node.Source}: {e.Message}");
            }
            if (_steps.Count > before && _tensors.TryGetValue(node.Outputs[0], out var produced))
                _steps[^1].Label = $"{node.Op}{(node.Op == "Conv" ? $" k{node.Geometry.Kernel} g{node.Geometry.Groups} {node.Geometry.InChannels}->" : " ")}{produced.ShapeString}";
        }
        foreach (var o in _net.OutputNames)
            if (!_tensors.ContainsKey(o)) throw new InvalidInputException(_net.Source, $"output '{o}' is not a computed float tensor");
    }

    /// <summary>
    /// 1x1 convolutions (at most <see cref="PointwiseConv.MaxK"/> input channels) whose only consumer is a 3x3 stride-1
    /// depthwise convolution of their output (YuNet's blocks), mapped to that consumer: such pairs run as one
    /// <see cref="PointwiseDepthwise"/> step.
    /// </summary>
    private Dictionary<OnnxNetwork.Node, OnnxNetwork.Node> DepthwisePairs()
    {
        var uses = new Dictionary<string, int>();
        foreach (var n in _net.Nodes) foreach (var i in n.Inputs) uses[i] = uses.GetValueOrDefault(i) + 1;
        foreach (var o in _net.OutputNames) uses[o] = uses.GetValueOrDefault(o) + 1;
        var producers = _net.Nodes.Where(n => n.Op == "Conv" && n.Geometry.IsPointwise && n.Geometry.InChannels <= PointwiseConv.MaxK && n.Packed != null)
            .ToDictionary(n => n.Outputs[0]);
        var pairs = new Dictionary<OnnxNetwork.Node, OnnxNetwork.Node>();
        foreach (var n in _net.Nodes)
            if (n.Op == "Conv" && n.Inputs.Length > 0 && producers.TryGetValue(n.Inputs[0], out var pw) && uses.GetValueOrDefault(n.Inputs[0]) == 1
                && n.Geometry is { IsDepthwise: true, Kernel: 3, Stride: 1, Padding: 1 } && n.Geometry.InChannels == pw.Geometry.OutChannels && n.Weight != null)
                pairs[pw] = n;
        return pairs;
    }

    /// <summary>Plans a 1x1 + depthwise pair as one step (false when the shapes do not fit; then both are planned alone).</summary>
    private bool PlanPair(OnnxNetwork.Node pw, OnnxNetwork.Node dw)
    {
        if (!_tensors.TryGetValue(pw.Inputs[0], out var x) || x.Rank != 4 || x.C != pw.Geometry.InChannels) return false;
        var mid = NewOutput(pw, [x.N, pw.Geometry.OutChannels, x.H, x.W]);
        var y = NewOutput(dw, [x.N, dw.Geometry.OutChannels, x.H, x.W]);
        _steps.Add(new PointwiseDepthwiseStep(x, mid, y, pw, dw) { Label = $"Conv k1 g1 {pw.Geometry.InChannels}->{mid.ShapeString} + Conv k3 g{dw.Geometry.Groups} (fused)" });
        return true;
    }

    private Exception Fail(OnnxNetwork.Node node, string what) => new InvalidInputException(_net.Source, $"{node.Source}: {what}");

    private Tensor In(OnnxNetwork.Node node, int i)
    {
        string name = node.Inputs[i];
        return _tensors.TryGetValue(name, out var t) ? t : throw Fail(node, $"input '{name}' is not a float tensor (integer tensors only feed shape operators)");
    }

    private Tensor NewOutput(OnnxNetwork.Node node, int[] shape)
    {
        var t = new Tensor(shape);
        _tensors[node.Outputs[0]] = t;
        return t;
    }

    private void PlanNode(OnnxNetwork.Node node, Dictionary<string, (long[] Values, int[] Dims)> ints)
    {
        var src = node.Source;
        // Shape arithmetic, evaluated now.
        switch (node.Op)
        {
            case "Shape":
            {
                var dims = _tensors.TryGetValue(node.Inputs[0], out var t) ? t.Shape.ToArray() : ints.TryGetValue(node.Inputs[0], out var iv) ? iv.Dims : throw Fail(node, "unknown input");
                ints[node.Outputs[0]] = (dims.Select(d => (long)d).ToArray(), [dims.Length]);
                return;
            }
            case "Gather" when ints.ContainsKey(node.Inputs[0]):
            {
                var (data, dims) = ints[node.Inputs[0]];
                var (idx, idims) = IntInput(node, ints, 1);
                if (dims.Length != 1 || src.Int("axis", 0) != 0) throw Fail(node, "only Gather along axis 0 of a 1-D integer tensor is supported");
                ints[node.Outputs[0]] = (idx.Select(i => data[i < 0 ? i + data.Length : i]).ToArray(), idims);
                return;
            }
            case "Unsqueeze" or "Squeeze" when ints.ContainsKey(node.Inputs[0]):
            {
                var (data, dims) = ints[node.Inputs[0]];
                var axes = Axes(node, ints);
                ints[node.Outputs[0]] = (data, node.Op == "Unsqueeze" ? UnsqueezeDims(dims, axes) : SqueezeDims(dims, axes));
                return;
            }
            case "Concat" when node.Inputs.All(ints.ContainsKey):
            {
                var parts = node.Inputs.Select(i => ints[i]).ToArray();
                if (parts.Any(p => p.Dims.Length > 1)) throw Fail(node, "only 1-D integer Concat is supported");
                ints[node.Outputs[0]] = (parts.SelectMany(p => p.Values).ToArray(), [parts.Sum(p => p.Values.Length)]);
                return;
            }
            case "Cast" or "Identity" when ints.ContainsKey(node.Inputs[0]):
            {
                long to = src.Int("to", OnnxTensor.Int64);
                if (node.Op == "Cast" && to is OnnxTensor.Float or OnnxTensor.Double)
                {
                    var (v, d) = ints[node.Inputs[0]];
                    NewOutput(node, d).Span.Clear();
                    var o = _tensors[node.Outputs[0]].Span;
                    for (int i = 0; i < v.Length; i++) o[i] = v[i];
                }
                else ints[node.Outputs[0]] = ints[node.Inputs[0]];
                return;
            }
            case "Gather" or "Cast":
                throw Fail(node, "only supported on integer shape tensors");
        }

        var x = In(node, 0);
        switch (node.Op)
        {
            case "Conv":
            {
                var g = node.Geometry;
                if (x.Rank != 4 || x.C != g.InChannels) throw Fail(node, $"input {x.ShapeString} does not fit a convolution of {g.InChannels} channels");
                int oh = g.OutSize(x.H), ow = g.OutSize(x.W);
                if (oh <= 0 || ow <= 0) throw Fail(node, $"input {x.ShapeString} is smaller than the kernel");
                _steps.Add(new ConvStep(x, NewOutput(node, [x.N, g.OutChannels, oh, ow]), node));
                return;
            }
            case "Relu": _steps.Add(new UnaryStep(x, NewOutput(node, x.Shape.ToArray()), 0f, float.PositiveInfinity, false)); return;
            case "Clip":
            {
                var (lo, hi) = _net.ClipBounds(node);
                _steps.Add(new UnaryStep(x, NewOutput(node, x.Shape.ToArray()), lo, hi, false));
                return;
            }
            case "Sigmoid": _steps.Add(new UnaryStep(x, NewOutput(node, x.Shape.ToArray()), 0, 0, true)); return;
            case "Identity": _steps.Add(new CopyStep(x, NewOutput(node, x.Shape.ToArray()))); return;
            case "BatchNormalization":
            {
                if (x.Rank < 2) throw Fail(node, $"input {x.ShapeString} has no channel axis");
                float eps = src.Float("epsilon", 1e-5f);
                float[] gamma = _net.Constant(node, node.Inputs[1], "scale").Floats!, beta = _net.Constant(node, node.Inputs[2], "B").Floats!,
                    mean = _net.Constant(node, node.Inputs[3], "mean").Floats!, variance = _net.Constant(node, node.Inputs[4], "var").Floats!;
                if (gamma.Length != x.Dim(1)) throw Fail(node, $"{gamma.Length} scales for {x.Dim(1)} channels");
                var scale = new float[gamma.Length];
                var shift = new float[gamma.Length];
                for (int c = 0; c < scale.Length; c++)
                {
                    scale[c] = gamma[c] / MathF.Sqrt(variance[c] + eps);
                    shift[c] = beta[c] - mean[c] * scale[c];
                }
                _steps.Add(new ChannelAffineStep(x, NewOutput(node, x.Shape.ToArray()), scale, shift));
                return;
            }
            case "Add" or "Sub" or "Mul" or "Div":
            {
                var b = In(node, 1);
                var shape = BroadcastShape(node, x.Shape, b.Shape);
                _steps.Add(new BinaryStep(x, b, NewOutput(node, shape), node.Op[0]));
                return;
            }
            case "Concat":
            {
                var parts = Enumerable.Range(0, node.Inputs.Length).Select(i => In(node, i)).ToArray();
                int axis = Axis(node, src.Int("axis", 0), x.Rank);
                var shape = x.Shape.ToArray();
                shape[axis] = 0;
                foreach (var p in parts)
                {
                    if (p.Rank != x.Rank) throw Fail(node, "inputs of different ranks");
                    for (int d = 0; d < x.Rank; d++)
                        if (d != axis && p.Dim(d) != x.Dim(d)) throw Fail(node, $"input {p.ShapeString} does not match {x.ShapeString} off axis {axis}");
                    shape[axis] += p.Dim(axis);
                }
                _steps.Add(new ConcatStep(parts, NewOutput(node, shape), axis));
                return;
            }
            case "Reshape":
            {
                var (target, _) = IntInput(node, ints, 1);
                var shape = new int[target.Length];
                int infer = -1;
                long known = 1;
                for (int i = 0; i < shape.Length; i++)
                {
                    long d = target[i];
                    if (d == 0 && src.Int("allowzero", 0) == 0) d = i < x.Rank ? x.Dim(i) : throw Fail(node, "0 beyond the input's rank");
                    if (d == -1) { if (infer >= 0) throw Fail(node, "two -1 dimensions"); infer = i; continue; }
                    if (d < 0) throw Fail(node, $"dimension {d}");
                    shape[i] = (int)d;
                    known *= d;
                }
                if (infer >= 0) shape[infer] = known == 0 ? 0 : (int)(x.Length / known);
                if (Tensor.CheckedCount(shape) != x.Length) throw Fail(node, $"cannot reshape {x.ShapeString} to [{string.Join(", ", target)}]");
                _steps.Add(new CopyStep(x, NewOutput(node, shape)));
                return;
            }
            case "Flatten":
            {
                int axis = Axis(node, src.Int("axis", 1), x.Rank + 1);
                int outer = 1;
                for (int d = 0; d < axis; d++) outer *= x.Dim(d);
                _steps.Add(new CopyStep(x, NewOutput(node, [outer, outer == 0 ? 0 : x.Length / outer])));
                return;
            }
            case "Unsqueeze" or "Squeeze":
            {
                var dims = node.Op == "Unsqueeze" ? UnsqueezeDims(x.Shape.ToArray(), Axes(node, ints)) : SqueezeDims(x.Shape.ToArray(), Axes(node, ints));
                _steps.Add(new CopyStep(x, NewOutput(node, dims)));
                return;
            }
            case "Transpose":
            {
                var perm = src.Ints("perm")?.Select(p => (int)p).ToArray() ?? Enumerable.Range(0, x.Rank).Reverse().ToArray();
                if (perm.Length != x.Rank || perm.Order().Where((p, i) => p != i).Any()) throw Fail(node, $"perm [{string.Join(", ", perm)}] is not a permutation of {x.Rank} axes");
                _steps.Add(new TransposeStep(x, NewOutput(node, perm.Select(p => x.Dim(p)).ToArray()), perm));
                return;
            }
            case "MaxPool": _steps.Add(PlanMaxPool(node, x)); return;
            case "GlobalAveragePool":
                if (x.Rank != 4) throw Fail(node, $"only 2D pooling is supported (input {x.ShapeString})");
                _steps.Add(new GlobalAveragePoolStep(x, NewOutput(node, [x.N, x.C, 1, 1])));
                return;
            case "Resize": _steps.Add(PlanResize(node, x, ints)); return;
            case "Gemm": _steps.Add(PlanGemm(node, x)); return;
        }
        throw Fail(node, "operator not handled by the planner");
    }

    private (long[] Values, int[] Dims) IntInput(OnnxNetwork.Node node, Dictionary<string, (long[] Values, int[] Dims)> ints, int i)
        => i < node.Inputs.Length && ints.TryGetValue(node.Inputs[i], out var v) ? v
            : throw Fail(node, $"input {i} must be an integer tensor known when planning (a constant or computed from shapes)");

    private long[] Axes(OnnxNetwork.Node node, Dictionary<string, (long[] Values, int[] Dims)> ints)
        => node.Source.Ints("axes") ?? (node.Inputs.Length > 1 ? IntInput(node, ints, 1).Values : []);

    private static int[] UnsqueezeDims(int[] dims, long[] axes)
    {
        int rank = dims.Length + axes.Length;
        var norm = axes.Select(a => (int)(a < 0 ? a + rank : a)).ToHashSet();
        var result = new int[rank];
        for (int i = 0, j = 0; i < rank; i++) result[i] = norm.Contains(i) ? 1 : dims[j++];
        return result;
    }

    private static int[] SqueezeDims(int[] dims, long[] axes)
    {
        var norm = axes.Select(a => (int)(a < 0 ? a + dims.Length : a)).ToHashSet();
        return dims.Where((d, i) => norm.Count == 0 ? d != 1 : !norm.Contains(i)).ToArray();
    }

    private int Axis(OnnxNetwork.Node node, long axis, int rank)
    {
        long a = axis < 0 ? axis + rank : axis;
        if (a < 0 || a >= rank) throw Fail(node, $"axis {axis} out of range for rank {rank}");
        return (int)a;
    }

    private int[] BroadcastShape(OnnxNetwork.Node node, ReadOnlySpan<int> a, ReadOnlySpan<int> b)
    {
        int rank = Math.Max(a.Length, b.Length);
        var s = new int[rank];
        for (int i = 0; i < rank; i++)
        {
            int da = i - (rank - a.Length) >= 0 ? a[i - (rank - a.Length)] : 1, db = i - (rank - b.Length) >= 0 ? b[i - (rank - b.Length)] : 1;
            if (da != db && da != 1 && db != 1) throw Fail(node, $"shapes [{string.Join(", ", a.ToArray())}] and [{string.Join(", ", b.ToArray())}] do not broadcast");
            s[i] = da == 1 ? db : da;
        }
        return s;
    }

    private Step PlanMaxPool(OnnxNetwork.Node node, Tensor x)
    {
        var n = node.Source;
        if (x.Rank != 4) throw Fail(node, $"only 2D pooling is supported (input {x.ShapeString})");
        if (n.Str("auto_pad", "NOTSET") is not ("NOTSET" or "VALID")) throw Fail(node, $"auto_pad '{n.Str("auto_pad", "")}' is not supported");
        if (n.Ints("dilations") is { } dil && dil.Any(d => d != 1)) throw Fail(node, "dilated pooling is not supported");
        if (node.Outputs.Length > 1 && node.Outputs[1].Length > 0) throw Fail(node, "the Indices output is not supported");
        var k = n.Ints("kernel_shape") ?? throw Fail(node, "no kernel_shape");
        var s = n.Ints("strides") ?? [1, 1];
        var p = n.Str("auto_pad", "NOTSET") == "VALID" ? [0, 0, 0, 0] : n.Ints("pads") ?? [0, 0, 0, 0];
        bool ceil = n.Int("ceil_mode", 0) != 0;
        int OutSize(int size, long kk, long ss, long p0, long p1)
        {
            long span = size + p0 + p1 - kk;
            long o = (ceil ? (span + ss - 1) / ss : span / ss) + 1;
            if (ceil && (o - 1) * ss >= size + p0) o--;
            return (int)o;
        }
        var pool = new PoolGeometry((int)k[0], (int)k[1], (int)s[0], (int)s[1], (int)p[0], (int)p[1]);
        int oh = OutSize(x.H, k[0], s[0], p[0], p[2]), ow = OutSize(x.W, k[1], s[1], p[1], p[3]);
        if (oh <= 0 || ow <= 0) throw Fail(node, $"input {x.ShapeString} is smaller than the pooling window");
        return new MaxPoolStep(x, NewOutput(node, [x.N, x.C, oh, ow]), pool);
    }

    private Step PlanResize(OnnxNetwork.Node node, Tensor x, Dictionary<string, (long[] Values, int[] Dims)> ints)
    {
        var n = node.Source;
        string mode = n.Str("mode", "nearest"), coord = n.Str("coordinate_transformation_mode", "half_pixel"), nearest = n.Str("nearest_mode", "round_prefer_floor");
        if (mode != "nearest") throw Fail(node, $"mode '{mode}' is not supported (nearest only)");
        if (x.Rank != 4) throw Fail(node, $"only 4-D inputs are supported ({x.ShapeString})");
        if (coord is not ("asymmetric" or "half_pixel" or "pytorch_half_pixel" or "align_corners"))
            throw Fail(node, $"coordinate_transformation_mode '{coord}' is not supported");
        if (nearest is not ("floor" or "ceil" or "round_prefer_floor" or "round_prefer_ceil"))
            throw Fail(node, $"nearest_mode '{nearest}' is not supported");
        // Opset 11+: (X, roi, scales, sizes); opset 10: (X, scales).
        int scalesAt = node.Inputs.Length == 2 ? 1 : 2;
        float[]? scales = null;
        int[]? sizes = null;
        if (node.Inputs.Length > 3 && node.Inputs[3].Length > 0) sizes = IntInput(node, ints, 3).Values.Select(v => (int)v).ToArray();
        else if (node.Inputs.Length > scalesAt && _tensors.TryGetValue(node.Inputs[scalesAt], out var st) && st.Length > 0) scales = st.Span.ToArray();
        else throw Fail(node, "neither scales nor sizes given");
        if ((scales?.Length ?? sizes!.Length) != 4) throw Fail(node, "scales/sizes must have 4 values");
        if (scales != null && (scales[0] != 1 || scales[1] != 1) || sizes != null && (sizes[0] != x.N || sizes[1] != x.C))
            throw Fail(node, "only spatial (H, W) resizing is supported");
        int oh = sizes?[2] ?? (int)MathF.Floor(x.H * scales![2]), ow = sizes?[3] ?? (int)MathF.Floor(x.W * scales![3]);
        float sh = scales?[2] ?? (float)oh / x.H, sw = scales?[3] ?? (float)ow / x.W;
        int[] Map(int outSize, int inSize, float scale)
        {
            var map = new int[outSize];
            for (int i = 0; i < outSize; i++)
            {
                float src = coord switch
                {
                    "asymmetric" => i / scale,
                    "align_corners" => outSize == 1 ? 0 : i * (inSize - 1f) / (outSize - 1f),
                    "pytorch_half_pixel" when outSize == 1 => 0,
                    _ => (i + 0.5f) / scale - 0.5f,
                };
                double r = nearest switch
                {
                    "floor" => Math.Floor(src),
                    "ceil" => Math.Ceiling(src),
                    "round_prefer_ceil" => Math.Floor(src + 0.5),
                    _ => Math.Ceiling(src - 0.5),
                };
                map[i] = (int)Math.Clamp(r, 0, inSize - 1);
            }
            return map;
        }
        return new ResizeNearestStep(x, NewOutput(node, [x.N, x.C, oh, ow]), Map(oh, x.H, sh), Map(ow, x.W, sw));
    }

    private Step PlanGemm(OnnxNetwork.Node node, Tensor a)
    {
        var n = node.Source;
        var b = In(node, 1);
        bool ta = n.Int("transA", 0) != 0, tb = n.Int("transB", 0) != 0;
        if (a.Rank != 2 || b.Rank != 2) throw Fail(node, $"inputs must be matrices ({a.ShapeString}, {b.ShapeString})");
        int m = ta ? a.Dim(1) : a.Dim(0), k = ta ? a.Dim(0) : a.Dim(1), nn = tb ? b.Dim(0) : b.Dim(1);
        if ((tb ? b.Dim(1) : b.Dim(0)) != k) throw Fail(node, $"inner dimensions differ ({a.ShapeString} x {b.ShapeString})");
        var y = NewOutput(node, [m, nn]);
        Tensor? c = node.Inputs.Length > 2 && node.Inputs[2].Length > 0 ? In(node, 2) : null;
        if (c != null) BroadcastShape(node, c.Shape, y.Shape);
        return new GemmStep(a, b, c, y, ta, tb, m, nn, k, n.Float("alpha", 1f), n.Float("beta", 1f));
    }

    // ---- kernels ----

    private abstract class Step
    {
        public string Label = "";
        public abstract void Run(ComputeContext compute);
    }

    private sealed class ConvStep(Tensor x, Tensor y, OnnxNetwork.Node node) : Step
    {
        public override void Run(ComputeContext compute)
            => Convolution.Forward(x, node.Geometry, node.Weight!, node.Bias, node.Activation, y, null, compute, node.Packed);
    }

    /// <summary>A 1x1 convolution and the depthwise 3x3 that consumes it: fused (<see cref="PointwiseDepthwise"/>) at one thread on Vector512, else the two layers.</summary>
    private sealed class PointwiseDepthwiseStep(Tensor x, Tensor mid, Tensor y, OnnxNetwork.Node pw, OnnxNetwork.Node dw) : Step
    {
        public override void Run(ComputeContext compute)
        {
            if (compute.MaxDegreeOfParallelism == 1 && PointwiseDepthwise.Applies(pw.Geometry, dw.Geometry, x.W)) { Fused(); return; }
            Convolution.Forward(x, pw.Geometry, pw.Weight!, pw.Bias, pw.Activation, mid, null, compute, pw.Packed);
            Convolution.Forward(mid, dw.Geometry, dw.Weight!, dw.Bias, dw.Activation, y, null, compute, dw.Packed);
        }

        private unsafe void Fused()
        {
            int k = x.C, m = mid.C, h = x.H, w = x.W;
            fixed (float* px = x.Data, py = y.Data, pk = pw.Packed, pb1 = pw.Bias, pwd = dw.Weight, pb2 = dw.Bias)
                for (int n = 0; n < x.N; n++)
                    PointwiseDepthwise.Forward(px + (long)n * k * h * w, k, h, w, pk, m, pb1, pw.Activation, pwd, pb2, dw.Activation, py + (long)n * m * h * w);
        }
    }

    /// <summary>Clamp to [lo, hi] (Relu: [0, inf)), or the logistic sigmoid.</summary>
    private sealed class UnaryStep(Tensor x, Tensor y, float lo, float hi, bool sigmoid) : Step
    {
        public override void Run(ComputeContext compute)
        {
            if (sigmoid) { TensorPrimitives.Sigmoid(x.Span, y.Span); return; }
            TensorPrimitives.Max(x.Span, lo, y.Span);
            if (!float.IsPositiveInfinity(hi)) TensorPrimitives.Min(y.Span, hi, y.Span);
        }
    }

    private sealed class CopyStep(Tensor x, Tensor y) : Step
    {
        public override void Run(ComputeContext compute) => x.Span.CopyTo(y.Span);
    }

    /// <summary>y[n, c, ...] = x[n, c, ...] * scale[c] + shift[c].</summary>
    private sealed class ChannelAffineStep(Tensor x, Tensor y, float[] scale, float[] shift) : Step
    {
        public override void Run(ComputeContext compute)
        {
            int c = x.Dim(1), plane = x.Length / Math.Max(1, x.Dim(0) * c);
            var xs = x.Span;
            var ys = y.Span;
            for (int i = 0, o = 0; i < x.Dim(0) * c; i++, o += plane)
                VectorOps.ScaleShift(xs.Slice(o, plane), scale[i % c], shift[i % c], ys.Slice(o, plane));
        }
    }

    /// <summary>Element-wise a (op) b with NumPy broadcasting; the last axis runs as a vector loop when both operands are contiguous there.</summary>
    private sealed class BinaryStep : Step
    {
        private readonly Tensor _a, _b, _y;
        private readonly char _op;
        private readonly int[] _dims, _sa, _sb;
        private readonly int[] _index;

        public BinaryStep(Tensor a, Tensor b, Tensor y, char op)
        {
            (_a, _b, _y, _op) = (a, b, y, op);
            _dims = y.Shape.ToArray();
            _sa = BroadcastStrides(a.Shape, _dims);
            _sb = BroadcastStrides(b.Shape, _dims);
            _index = new int[_dims.Length];
        }

        private static int[] BroadcastStrides(ReadOnlySpan<int> shape, int[] outDims)
        {
            var s = new int[outDims.Length];
            int stride = 1, off = outDims.Length - shape.Length;
            for (int i = shape.Length - 1; i >= 0; i--)
            {
                s[i + off] = shape[i] == 1 ? 0 : stride;
                stride *= shape[i];
            }
            return s;
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public override void Run(ComputeContext compute)
        {
            ReadOnlySpan<float> a = _a.Span, b = _b.Span;
            var y = _y.Span;
            if (_a.Length == _y.Length && _b.Length == _y.Length) { Apply(a, b, y); return; }
            if (_b.Length == 1) { ApplyScalarB(a, b[0], y); return; }
            int rank = _dims.Length, inner = rank == 0 ? 1 : _dims[rank - 1];
            int sa = rank == 0 ? 0 : _sa[rank - 1], sb = rank == 0 ? 0 : _sb[rank - 1];
            Array.Clear(_index);
            for (int o = 0; o < y.Length; o += inner)
            {
                int ia = 0, ib = 0;
                for (int d = 0; d < rank - 1; d++) { ia += _index[d] * _sa[d]; ib += _index[d] * _sb[d]; }
                if (sa == 1 && sb == 1) Apply(a.Slice(ia, inner), b.Slice(ib, inner), y.Slice(o, inner));
                else if (sa == 1 && sb == 0) ApplyScalarB(a.Slice(ia, inner), b[ib], y.Slice(o, inner));
                else
                    for (int j = 0; j < inner; j++) y[o + j] = Scalar(a[ia + j * sa], b[ib + j * sb]);
                for (int d = rank - 2; d >= 0; d--)
                {
                    if (++_index[d] < _dims[d]) break;
                    _index[d] = 0;
                }
            }
        }

        private float Scalar(float u, float v) => _op switch { 'A' => u + v, 'S' => u - v, 'M' => u * v, _ => u / v };

        private void Apply(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> y)
        {
            switch (_op)
            {
                case 'A': TensorPrimitives.Add(a, b, y); break;
                case 'S': TensorPrimitives.Subtract(a, b, y); break;
                case 'M': TensorPrimitives.Multiply(a, b, y); break;
                default: TensorPrimitives.Divide(a, b, y); break;
            }
        }

        private void ApplyScalarB(ReadOnlySpan<float> a, float b, Span<float> y)
        {
            switch (_op)
            {
                case 'A': TensorPrimitives.Add(a, b, y); break;
                case 'S': TensorPrimitives.Subtract(a, b, y); break;
                case 'M': TensorPrimitives.Multiply(a, b, y); break;
                default: TensorPrimitives.Divide(a, b, y); break;
            }
        }
    }

    private sealed class ConcatStep(Tensor[] parts, Tensor y, int axis) : Step
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public override void Run(ComputeContext compute)
        {
            int inner = 1, outer = 1;
            for (int d = axis + 1; d < y.Rank; d++) inner *= y.Dim(d);
            for (int d = 0; d < axis; d++) outer *= y.Dim(d);
            var ys = y.Span;
            int rowOut = y.Dim(axis) * inner;
            for (int o = 0; o < outer; o++)
            {
                int at = o * rowOut;
                foreach (var p in parts)
                {
                    int len = p.Dim(axis) * inner;
                    p.Span.Slice(o * len, len).CopyTo(ys.Slice(at, len));
                    at += len;
                }
            }
        }
    }

    /// <summary>y = x with axes permuted: y index (i0..ir) reads x at sum_d i_d * stride_x[perm[d]].</summary>
    private sealed class TransposeStep : Step
    {
        private readonly Tensor _x, _y;
        private readonly int[] _dims, _strides, _index;

        public TransposeStep(Tensor x, Tensor y, int[] perm)
        {
            (_x, _y) = (x, y);
            int rank = perm.Length;
            var xs = new int[rank];
            for (int d = rank - 1, s = 1; d >= 0; d--) { xs[d] = s; s *= x.Dim(d); }
            _dims = y.Shape.ToArray();
            _strides = perm.Select(p => xs[p]).ToArray();
            _index = new int[rank];
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public override void Run(ComputeContext compute)
        {
            ReadOnlySpan<float> x = _x.Span;
            var y = _y.Span;
            int rank = _dims.Length;
            if (rank == 0) { y[0] = x[0]; return; }
            int inner = _dims[rank - 1], step = _strides[rank - 1];
            Array.Clear(_index);
            for (int o = 0; o < y.Length; o += inner)
            {
                int src = 0;
                for (int d = 0; d < rank - 1; d++) src += _index[d] * _strides[d];
                for (int j = 0; j < inner; j++, src += step) y[o + j] = x[src];
                for (int d = rank - 2; d >= 0; d--)
                {
                    if (++_index[d] < _dims[d]) break;
                    _index[d] = 0;
                }
            }
        }
    }

    private readonly record struct PoolGeometry(int KH, int KW, int SH, int SW, int PadTop, int PadLeft);

    /// <summary>A kernel that maps each N x C plane of a rank-4 input to the same plane of the output.</summary>
    private abstract class PlaneStep(Tensor x, Tensor y) : Step
    {
        protected readonly Tensor X = x, Y = y;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public override void Run(ComputeContext compute)
        {
            ReadOnlySpan<float> xs = X.Span;
            var ys = Y.Span;
            int inPlane = X.H * X.W, outPlane = Y.H * Y.W;
            for (int plane = 0; plane < X.N * X.C; plane++)
                Plane(xs.Slice(plane * inPlane, inPlane), ys.Slice(plane * outPlane, outPlane));
        }

        /// <summary>One plane: <paramref name="src"/> is X.H x X.W, <paramref name="dst"/> Y.H x Y.W.</summary>
        protected abstract void Plane(ReadOnlySpan<float> src, Span<float> dst);
    }

    /// <summary>2D max pooling; padded positions are ignored (as ONNX specifies: padding never wins).</summary>
    private sealed class MaxPoolStep(Tensor x, Tensor y, PoolGeometry p) : PlaneStep(x, y)
    {
        public override void Run(ComputeContext compute)
        {
            if (p is { KH: 2, KW: 2, SH: 2, SW: 2, PadTop: 0, PadLeft: 0 } && Y.H == X.H / 2 && Y.W == X.W / 2) Pool2x2();
            else base.Run(compute);
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        protected override void Plane(ReadOnlySpan<float> src, Span<float> dst)
        {
            int h = X.H, w = X.W, oh = Y.H, ow = Y.W;
            for (int oy = 0; oy < oh; oy++)
            {
                int y0 = Math.Max(0, oy * p.SH - p.PadTop), y1 = Math.Min(h, oy * p.SH - p.PadTop + p.KH);
                for (int ox = 0; ox < ow; ox++)
                {
                    int x0 = Math.Max(0, ox * p.SW - p.PadLeft), x1 = Math.Min(w, ox * p.SW - p.PadLeft + p.KW);
                    float m = float.NegativeInfinity;
                    for (int yy = y0; yy < y1; yy++)
                        for (int xx = x0; xx < x1; xx++) m = MathF.Max(m, src[yy * w + xx]);
                    dst[oy * ow + ox] = m;
                }
            }
        }

        /// <summary>
        /// The common 2 x 2, stride 2, unpadded case (YuNet's pools): max of each pixel quad. AVX-512: 16 outputs per step
        /// (rows maxed, then even/odd columns deinterleaved with vpermt2ps and maxed); the rest branch-free scalar.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private unsafe void Pool2x2()
        {
            int h = X.H, w = X.W, oh = Y.H, ow = Y.W;
            bool avx512 = Simd.Level == SimdLevel.Vector512 && Avx512F.IsSupported;
            var even = Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
            var odd = Vector512.Create(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
            fixed (float* px = X.Data, py = Y.Data)
                for (int plane = 0; plane < X.N * X.C; plane++)
                {
                    float* src = px + (long)plane * h * w, dst = py + (long)plane * oh * ow;
                    for (int oy = 0; oy < oh; oy++)
                    {
                        float* r0 = src + 2 * oy * w, r1 = r0 + w, d = dst + oy * ow;
                        int ox = 0;
                        if (avx512)
                            for (; ox + 16 <= ow; ox += 16)
                            {
                                var lo = Vector512.MaxNative(Vector512.Load(r0 + 2 * ox), Vector512.Load(r1 + 2 * ox));
                                var hi = Vector512.MaxNative(Vector512.Load(r0 + 2 * ox + 16), Vector512.Load(r1 + 2 * ox + 16));
                                Vector512.MaxNative(
                                    Avx512F.PermuteVar16x32x2(lo, even, hi),
                                    Avx512F.PermuteVar16x32x2(lo, odd, hi)).Store(d + ox);
                            }
                        for (; ox < ow; ox++)
                            d[ox] = MathF.Max(MathF.Max(r0[2 * ox], r0[2 * ox + 1]), MathF.Max(r1[2 * ox], r1[2 * ox + 1]));
                    }
                }
        }
    }

    /// <summary>Mean of each plane (the [N, C, 1, 1] output of GlobalAveragePool).</summary>
    private sealed class GlobalAveragePoolStep(Tensor x, Tensor y) : PlaneStep(x, y)
    {
        protected override void Plane(ReadOnlySpan<float> src, Span<float> dst) => dst[0] = TensorPrimitives.Sum(src) * (1f / src.Length);
    }

    /// <summary>Nearest-neighbour resize with precomputed source rows and columns.</summary>
    private sealed class ResizeNearestStep(Tensor x, Tensor y, int[] rows, int[] cols) : PlaneStep(x, y)
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        protected override void Plane(ReadOnlySpan<float> src, Span<float> dst)
        {
            int w = X.W, ow = Y.W;
            for (int oy = 0; oy < Y.H; oy++)
            {
                var srow = src.Slice(rows[oy] * w, w);
                var drow = dst.Slice(oy * ow, ow);
                for (int ox = 0; ox < ow; ox++) drow[ox] = srow[cols[ox]];
            }
        }
    }

    /// <summary>Y = alpha * op(A) op(B) + beta * C (C broadcast to [M, N]).</summary>
    private sealed class GemmStep(Tensor a, Tensor b, Tensor? c, Tensor y, bool ta, bool tb, int m, int n, int k, float alpha, float beta) : Step
    {
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public override void Run(ComputeContext compute)
        {
            var ys = y.Span;
            Sgemm.Multiply(ta, tb, m, n, k, a.Span, a.Dim(1), b.Span, b.Dim(1), ys, n, compute: compute);
            if (alpha != 1f) TensorPrimitives.Multiply(ys, alpha, ys);
            if (c == null || beta == 0f) return;
            ReadOnlySpan<float> cs = c.Span;
            int cr = c.Rank == 2 ? c.Dim(0) : 1, cc = c.Rank == 0 ? 1 : c.Dim(c.Rank - 1);
            for (int i = 0; i < m; i++)
                for (int j = 0; j < n; j++)
                    ys[i * n + j] += beta * cs[(cr == 1 ? 0 : i) * cc + (cc == 1 ? 0 : j)];
        }
    }
}
