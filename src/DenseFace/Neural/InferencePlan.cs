using DenseFace.Neural.Kernels;

namespace DenseFace.Neural;

/// <summary>
/// A network compiled for evaluation at a fixed input size and batch: every BatchNorm2d is folded into
/// the preceding convolution (w' = w * gamma / sqrt(var + eps), b' = beta + (b - mean) * gamma / sqrt(var + eps)),
/// ReLU/ReLU6 and residual additions are fused into the convolution epilogue, dropout is removed, and all
/// activation buffers are allocated once, so <see cref="Run"/> allocates nothing for activations. The plan
/// snapshots the weights: recompile after changing them. Not thread-safe (one plan per thread). With
/// <see cref="Compute"/> allowing T &gt; 1 threads and a batch of at least T, each thread runs its own slice of the
/// batch image by image (see <see cref="RunShards"/>); smaller batches split every layer over the threads.
/// </summary>
internal sealed class InferencePlan
{
    /// <summary>One step of the plan (also read by <see cref="Onnx.OnnxExporter"/>, which writes the plan as an ONNX graph).</summary>
    internal abstract class Op(Tensor input, Tensor output)
    {
        public string Label = "";
        public Tensor Input => input;
        public Tensor Output => output;
        public virtual IEnumerable<Tensor> Inputs => [input];
        public abstract void Run(ComputeContext compute);
    }

    /// <summary>y = act(conv(x, folded weight) + folded bias [+ residual]).</summary>
    internal sealed class ConvOp(Tensor input, Tensor output, string name, ConvGeometry geometry, float[] weight, float[] bias, FusedActivation act,
        float[]? packed = null) : Op(input, output)
    {
        private readonly float[]? _packed = geometry.IsDepthwise ? null : packed ?? Convolution.PackWeights(geometry, weight);
        /// <summary>The weights packed for the matrix product (null for depthwise), shared with the plan's batch shards.</summary>
        public float[]? Packed => _packed;
        public Tensor? Residual;
        /// <summary>The convolution's module name (e.g. <c>features.1.conv.0.0</c>).</summary>
        public string Name => name;
        public ConvGeometry Geometry => geometry;
        /// <summary>BN-folded weight [out, in/groups, k, k].</summary>
        public float[] Weight => weight;
        /// <summary>BN-folded bias [out].</summary>
        public float[] Bias => bias;
        public FusedActivation Activation => act;
        public override IEnumerable<Tensor> Inputs => Residual == null ? [Input] : [Input, Residual];
        public override void Run(ComputeContext compute) => Convolution.Forward(Input, geometry, weight, bias, act, Output, Residual, compute, _packed);
    }

    /// <summary>
    /// y = x W^T + b. <see cref="Half"/>: the weights as fp16 when every one is exactly representable (the shipped
    /// landmark model's, loaded from an fp16 file), read by the matrix-vector products at batch 1 and 2 (half the memory
    /// traffic of the memory-bound head; results bit-identical, accumulation in fp32 in the same order); null keeps fp32.
    /// </summary>
    internal sealed class LinearOp(Tensor input, Tensor output, Linear layer, Half[]? half, Half[]? halfPanels) : Op(input, output)
    {
        public Linear Layer => layer;
        /// <summary>The fp16 copy of the weights (a snapshot taken at compile time): [out, in] for the matrix-vector products of batch 1
        /// and 2, or packed into <see cref="HalfGemm"/> panels for larger batches (<see cref="Packed"/>); null when they stay fp32.</summary>
        public Half[]? Half => half ?? halfPanels;
        public bool Packed => halfPanels != null;
        public override void Run(ComputeContext compute)
            => Linear.Apply(Input.Data, Input.Dim(0), layer.Weight.Value, layer.Bias.Value, layer.InFeatures, layer.OutFeatures, Output.Data, compute, half, halfPanels);
    }

    /// <summary>A layer without a fused form (pooling, PReLU, lone BN...) run through its own forward.</summary>
    internal sealed class ModuleOp(Tensor input, Module module, Tensor output) : Op(input, output)
    {
        public Module Module => module;
        public override void Run(ComputeContext compute)
        {
            // the module's Forward writes its own (shared) output buffer, and several plans of one network may run
            // at once (LandmarkPredictor's worker pool): one at a time per module
            lock (module)
            {
                var y = module.Forward(Input);
                if (!ReferenceEquals(y, Output)) y.Span.CopyTo(Output.Span);
            }
        }
    }

    private readonly List<Op> _ops = [];
    private readonly Tensor _input;
    private readonly Tensor _output;
    private readonly Network _network;
    /// <summary>While a parent plan compiles its batch shards: its convolutions by module, whose folded and packed weights the shard reuses.</summary>
    private readonly Dictionary<Conv2d, ConvOp>? _sharedConvs;
    private readonly Dictionary<Conv2d, ConvOp> _convs = new(ReferenceEqualityComparer.Instance);
    /// <summary>Batch-level parallelism: one single-threaded plan per thread over a contiguous slice of the batch (built on first use).</summary>
    private InferencePlan[]? _shards;
    private Action<int>? _runShard;
    private int _head;
    private readonly bool _halfHead;

    /// <summary>Batch-level parallelism on (default); off splits every layer over the threads at any batch (benchmark A/B).</summary>
    internal bool BatchShards { get; set; } = true;

    /// <summary>The steps in execution order, the plan's input and its output tensor.</summary>
    internal IReadOnlyList<Op> Ops => _ops;
    internal Tensor InputTensor => _input;
    internal Tensor OutputTensor => _output;
    /// <summary>Fully connected layers whose weights this plan holds as fp16.</summary>
    internal int HalfLinearLayers => _ops.Count(o => o is LinearOp { Half: not null });

    /// <summary>Threads the kernels may use.</summary>
    public ComputeContext Compute { get; } = new();

    public int Batch { get; }
    public int Height { get; }
    public int Width { get; }
    public int InputChannels { get; }
    /// <summary>Outputs per image.</summary>
    public int Outputs { get; }

    /// <param name="network">The network (its weights are snapshotted).</param>
    /// <param name="height">Input height.</param>
    /// <param name="width">Input width.</param>
    /// <param name="batch">Images per run.</param>
    /// <param name="halfHead">Store a fully connected layer's weights as fp16 when every weight is exactly representable
    /// (bit-identical results; see <see cref="LinearOp"/>); false keeps fp32 everywhere (benchmark A/B, tests).</param>
    internal InferencePlan(Network network, int height, int width, int batch, bool halfHead = true) : this(network, height, width, batch, null, halfHead) { }

    private InferencePlan(Network network, int height, int width, int batch, Dictionary<Conv2d, ConvOp>? sharedConvs, bool halfHead)
    {
        _network = network;
        _sharedConvs = sharedConvs;
        _halfHead = halfHead;
        if (batch <= 0 || height <= 0 || width <= 0) throw new ArgumentOutOfRangeException(nameof(batch));
        Batch = batch; Height = height; Width = width;
        var first = network.Root.Modules().OfType<Conv2d>().FirstOrDefault()
            ?? throw new ArgumentException("network has no convolution to infer the input channels from");
        InputChannels = first.Geometry.InChannels;
        Compute.MaxDegreeOfParallelism = network.Compute.MaxDegreeOfParallelism;
        _input = new Tensor(batch, InputChannels, height, width);
        _output = Emit(network.Root, _input);
        Outputs = _output.Length / batch;
        ShareBuffers();
    }

    /// <summary>
    /// Liveness-based buffer sharing: each intermediate tensor takes the smallest free buffer that fits and
    /// returns it after its last reader, so the working set stays small (cache-resident) and memory is
    /// roughly two or three activations instead of all of them.
    /// </summary>
    private void ShareBuffers()
    {
        var lastUse = new Dictionary<Tensor, int>(ReferenceEqualityComparer.Instance);
        for (int i = 0; i < _ops.Count; i++)
            foreach (var t in _ops[i].Inputs) lastUse[t] = i;
        var free = new List<float[]>();
        var assigned = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
        for (int i = 0; i < _ops.Count; i++)
        {
            var o = _ops[i].Output;
            if (o != _output && o != _input && assigned.Add(o))
            {
                int best = -1;
                for (int j = 0; j < free.Count; j++)
                    if (free[j].Length >= o.Length && (best < 0 || free[j].Length < free[best].Length)) best = j;
                float[] buffer;
                if (best >= 0) { buffer = free[best]; free.RemoveAt(best); }
                else buffer = new float[o.Length];
                o.Rebind(buffer);
            }
            foreach (var t in _ops[i].Inputs.Distinct(ReferenceEqualityComparer.Instance).Cast<Tensor>())
                if (lastUse[t] == i && t != _input && t != _output && assigned.Contains(t)) free.Add(t.Data);
        }
    }

    /// <summary>Runs the plan on NCHW <paramref name="input"/> (batch x channels x height x width floats); returns [batch x outputs], valid until the next run.</summary>
    public ReadOnlySpan<float> Run(ReadOnlySpan<float> input)
    {
        if (input.Length != _input.Length)
            throw new InvalidInputException("input", $"{input.Length} floats given, plan expects {Batch} x {InputChannels} x {Height} x {Width} = {_input.Length}");
        input.CopyTo(_input.Span);
        int threads = Compute.MaxDegreeOfParallelism;
        if (threads > 1 && Batch >= threads && BatchShards) RunShards(threads);
        else foreach (var op in _ops) op.Run(Compute);
        return _output.Span;
    }

    /// <summary>
    /// Batch-level parallelism for batch &gt;= threads: thread t takes images [B t / T, B (t + 1) / T) and runs them one
    /// at a time through its own single-threaded batch-1 plan (same folded, packed weights; own activation buffers,
    /// small enough to stay in cache, which a whole batch's activations are not), instead of every layer being split
    /// over the threads with a barrier after each (small late layers leave the second thread idle). The trailing
    /// fully connected head then runs once for the whole batch on all threads, so its weights (8 MB for MobileNetV2's
    /// 1280 -> 1560 head) stream from memory once per batch, not once per image. Every op sees exactly the inputs it
    /// sees in the layer-split plan and convolutions and pooling compute each image alone, so the results are
    /// bit-identical to the layer-split plan's.
    /// </summary>
    private void RunShards(int threads)
    {
        if (_shards == null || _shards.Length != threads)
        {
            var shards = new InferencePlan[threads];
            for (int t = 0; t < threads; t++)
            {
                shards[t] = new InferencePlan(_network, Height, Width, 1, _convs, false);
                shards[t].Compute.MaxDegreeOfParallelism = 1;
            }
            _shards = shards;
            _head = HeadStart();
        }
        Compute.For(threads, _runShard ??= RunShard);
        for (int i = _head; i < _ops.Count; i++) _ops[i].Run(Compute);
    }

    /// <summary>Index of the first op of the trailing run of fully connected layers (no convolution after it); the op count when there is none.</summary>
    private int HeadStart()
    {
        int head = _ops.Count;
        while (head > 0 && _ops[head - 1] is LinearOp) head--;
        // the head's input must hold the images one after another ([batch, features]), as a Linear layer's does
        return head < _ops.Count && _ops[head].Input.Rank == 2 ? head : _ops.Count;
    }

    private void RunShard(int t)
    {
        var shard = _shards!;
        int threads = shard.Length, i0 = (int)((long)Batch * t / threads), i1 = (int)((long)Batch * (t + 1) / threads);
        int perImage = _input.Length / Batch;
        var plan = shard[t];
        var target = _head < _ops.Count ? _ops[_head].Input : _output; // the head's input, or the plan's output
        int perOut = target.Length / Batch;
        for (int i = i0; i < i1; i++)
        {
            _input.Data.AsSpan(i * perImage, perImage).CopyTo(plan._input.Span);
            for (int k = 0; k < _head; k++) plan._ops[k].Run(plan.Compute);
            var y = _head < _ops.Count ? plan._ops[_head].Input : plan._output;
            y.Span.CopyTo(target.Data.AsSpan(i * perOut, perOut));
        }
    }

    /// <summary>Runs the plan once and returns each step's label and wall time in milliseconds (diagnostics).</summary>
    public IReadOnlyList<(string Step, double Milliseconds)> Profile(ReadOnlySpan<float> input)
    {
        Run(input);
        var times = new List<(string, double)>();
        foreach (var op in _ops)
        {
            long t0 = System.Diagnostics.Stopwatch.GetTimestamp();
            op.Run(Compute);
            times.Add((op.Label, System.Diagnostics.Stopwatch.GetElapsedTime(t0).TotalMilliseconds));
        }
        return times;
    }

    private Tensor Emit(Module m, Tensor x)
    {
        switch (m)
        {
            case Sequential s: return EmitSequence(s.Children.Select(c => c.Module).ToList(), x);
            case InvertedResidual r:
            {
                var y = EmitSequence(r.Conv.Children.Select(c => c.Module).ToList(), x);
                if (r.UseResidual) LastConv().Residual = x;
                return y;
            }
            case BasicBlock b:
            {
                var h = EmitConv(b.Conv1, b.Bn1, FusedActivation.ReLU, x);
                var shortcut = b.Downsample == null ? x : Emit(b.Downsample, x);
                var y = EmitConv(b.Conv2, b.Bn2, FusedActivation.ReLU, h);
                LastConv().Residual = shortcut;
                return y;
            }
            case Dropout: return x;
            case Linear l:
            {
                var y = new Tensor(x.Dim(0), l.OutFeatures);
                // fp16 where it is read: the matrix-vector products of batch 1 and 2, the packed Vector512 product of larger
                // batches (batch shards never run the head)
                bool gemv = x.Dim(0) <= 2;
                Half[]? half = !_halfHead || _sharedConvs != null || (!gemv && Simd.Level != SimdLevel.Vector512) ? null : HalfConvert.TryNarrowExact(l.Weight.Value);
                Half[]? panels = null;
                if (half != null && !gemv) (panels, half) = (HalfGemm.Pack(half, l.OutFeatures, l.InFeatures), null);
                _ops.Add(new LinearOp(x, y, l, half, panels) { Label = $"linear {l.Name} {l.InFeatures}->{l.OutFeatures}" + (half != null || panels != null ? " fp16" : "") });
                return y;
            }
            default:
            {
                int[] shape;
                lock (m) shape = m.Forward(x).Shape.ToArray(); // shape inference (eval mode; locked like ModuleOp.Run, which may be running in another plan)
                var y = new Tensor(shape);
                _ops.Add(new ModuleOp(x, m, y) { Label = $"{m.GetType().Name} {m.Name}" });
                return y;
            }
        }
    }

    private ConvOp LastConv() => _ops[^1] as ConvOp ?? throw new InvalidOperationException("residual block does not end with a convolution");

    private Tensor EmitSequence(List<Module> list, Tensor x)
    {
        for (int i = 0; i < list.Count; i++)
        {
            if (list[i] is Conv2d conv)
            {
                var bn = i + 1 < list.Count ? list[i + 1] as BatchNorm2d : null;
                if (bn != null) i++;
                var act = FusedActivation.None;
                if (i + 1 < list.Count && list[i + 1] is ReLU) { act = FusedActivation.ReLU; i++; }
                else if (i + 1 < list.Count && list[i + 1] is ReLU6) { act = FusedActivation.ReLU6; i++; }
                x = EmitConv(conv, bn, act, x);
            }
            else x = Emit(list[i], x);
        }
        return x;
    }

    private Tensor EmitConv(Conv2d conv, BatchNorm2d? bn, FusedActivation act, Tensor x)
    {
        var g = conv.Geometry;
        if (x.Rank != 4 || x.C != g.InChannels) throw new ArgumentException($"conv '{conv.Name}' expects {g.InChannels} channels, got {x.ShapeString}");
        var y = new Tensor(x.N, g.OutChannels, g.OutSize(x.H), g.OutSize(x.W));
        ConvOp op;
        string label = $"conv {conv.Name} {g.InChannels}->{g.OutChannels} k{g.Kernel} s{g.Stride} g{g.Groups} {x.H}x{x.W}";
        if (_sharedConvs != null && _sharedConvs.TryGetValue(conv, out var parent))
            op = new ConvOp(x, y, conv.Name, g, parent.Weight, parent.Bias, act, parent.Packed) { Label = label };
        else
        {
            var (w, b) = Fold(conv, bn);
            op = new ConvOp(x, y, conv.Name, g, w, b, act) { Label = label };
        }
        _convs[conv] = op;
        _ops.Add(op);
        return y;
    }

    /// <summary>Folds an evaluation-mode BN into the convolution's weights and bias.</summary>
    public static (float[] Weight, float[] Bias) Fold(Conv2d conv, BatchNorm2d? bn)
    {
        var g = conv.Geometry;
        var w = (float[])conv.Weight.Value.Clone();
        var b = conv.Bias != null ? (float[])conv.Bias.Value.Clone() : new float[g.OutChannels];
        if (bn == null) return (w, b);
        if (bn.Channels != g.OutChannels) throw new ArgumentException($"BN '{bn.Name}' does not match conv '{conv.Name}'");
        var scale = new float[g.OutChannels]; var shift = new float[g.OutChannels];
        bn.EvalAffine(scale, shift);
        int per = w.Length / g.OutChannels;
        for (int o = 0; o < g.OutChannels; o++)
        {
            for (int i = 0; i < per; i++) w[o * per + i] *= scale[o];
            b[o] = b[o] * scale[o] + shift[o];
        }
        return (w, b);
    }
}
