namespace DenseFace.Neural;

/// <summary>
/// A regression network (backbone + head) with PyTorch-compatible parameter names. <see cref="Forward(ReadOnlySpan{float}, int, int, int)"/>
/// runs the module graph in the current mode (training: batch-statistics BN and dropout; evaluation:
/// running statistics); <see cref="CompileInference"/> builds a faster BN-folded plan for deployment.
/// The backward pass (a tape that records a training forward), losses and optimisers live in DenseFace.Training. A network is not thread-safe: it
/// owns its activation buffers (use one network or plan per thread; kernels parallelise internally).
/// </summary>
public sealed class Network
{
    private Tensor? _input;

    /// <summary>Architecture and input preparation.</summary>
    public NetworkConfig Config { get; }

    /// <summary>The module graph (root of the PyTorch-style names).</summary>
    public Module Root { get; }

    /// <summary>Threading settings shared by all layers.</summary>
    public ComputeContext Compute { get; } = new();

    /// <summary>All parameters and buffers in state_dict order (the safetensors content).</summary>
    public IReadOnlyList<Parameter> State { get; }

    /// <summary>Trainable parameters (no buffers).</summary>
    public IReadOnlyList<Parameter> TrainableParameters { get; }

    /// <summary>True in training mode.</summary>
    public bool IsTraining { get; private set; }

    /// <summary>Output of the last forward pass ([batch, outputs]).</summary>
    public Tensor? LastOutput { get; private set; }

    /// <summary>Input tensor of the last forward pass (NCHW).</summary>
    public Tensor? LastInput => _input;

    /// <summary>Wraps a module graph; <paramref name="config"/> describes inputs (defaults if null).</summary>
    public Network(Module root, NetworkConfig? config = null)
    {
        Root = root;
        Config = config ?? new NetworkConfig();
        root.Bind("", Compute);
        State = root.Parameters().ToList();
        TrainableParameters = State.Where(p => !p.IsBuffer).ToList();
        var dup = State.GroupBy(p => p.Name).FirstOrDefault(g => g.Count() > 1);
        if (dup != null) throw new ArgumentException($"duplicate parameter name '{dup.Key}'");
        root.SetTraining(false);
        InputChannels = root.Modules().OfType<Conv2d>().FirstOrDefault()?.Geometry.InChannels ?? 0;
    }

    /// <summary>Channels the first convolution expects (0 if the graph has none).</summary>
    public int InputChannels { get; }

    /// <summary>Builds the architecture of <paramref name="config"/> with torchvision's initialisation from <paramref name="seed"/>.</summary>
    public static Network Create(NetworkConfig config, ulong seed = 0) => Build(config, seed, true);

    private static Network Build(NetworkConfig config, ulong seed, bool initialize)
    {
        config.Validate("config");
        Module root = config.Architecture == Architectures.ResNet18Name
            ? Architectures.ResNet18(config.NumOutputs, seed, initialize)
            : Architectures.MobileNetV2(config.NumOutputs, config.WidthMultiplier, seed, initialize);
        return new Network(root, config);
    }

    /// <summary>Loads a network from a config JSON and a safetensors weights file.</summary>
    public static Network Load(string configPath, string weightsPath)
    {
        var net = Build(NetworkConfig.Load(configPath), 0, initialize: false);
        net.LoadWeights(weightsPath);
        return net;
    }

    /// <summary>Threads the kernels may use (1 = calling thread only).</summary>
    public int MaxDegreeOfParallelism
    {
        get => Compute.MaxDegreeOfParallelism;
        set => Compute.MaxDegreeOfParallelism = value;
    }

    /// <summary>Switches to training mode.</summary>
    public void Train() { Root.SetTraining(true); IsTraining = true; }

    /// <summary>Switches to evaluation mode.</summary>
    public void Eval() { Root.SetTraining(false); IsTraining = false; }

    /// <summary>Forward pass on a square batch of <see cref="NetworkConfig.InputSize"/> pixels.</summary>
    public ReadOnlySpan<float> Forward(ReadOnlySpan<float> input, int batch) => Forward(input, batch, Config.InputSize, Config.InputSize);

    /// <summary>
    /// Forward pass on <paramref name="batch"/> images, NCHW (channels = input length / (batch * h * w)).
    /// Returns [batch x outputs], valid until the next forward pass.
    /// </summary>
    public ReadOnlySpan<float> Forward(ReadOnlySpan<float> input, int batch, int height, int width)
        => ForwardTensor(PrepareInput(input, batch, height, width)).Span;

    /// <summary>
    /// Checks <paramref name="input"/> (NCHW, <paramref name="batch"/> images of <paramref name="height"/> x <paramref name="width"/>)
    /// and copies it into the network's input tensor, which it returns (reused across calls).
    /// </summary>
    internal Tensor PrepareInput(ReadOnlySpan<float> input, int batch, int height, int width)
    {
        if (batch <= 0 || height <= 0 || width <= 0) throw new InvalidInputException("input", $"batch {batch} and size {width}x{height} must be positive");
        long per = (long)batch * height * width;
        if (input.Length == 0 || input.Length % per != 0)
            throw new InvalidInputException("input", $"{input.Length} floats is not a whole number of channels of {batch} x {height} x {width}");
        long channels = input.Length / per;
        if (InputChannels > 0 && channels != InputChannels)
            throw new InvalidInputException("input", $"{input.Length} floats is {channels} channels of {batch} x {height} x {width}; the network expects {InputChannels}");
        var x = Tensor.Reuse(ref _input, batch, (int)channels, height, width);
        input.CopyTo(x.Span);
        return x;
    }

    /// <summary>Forward pass on an NCHW tensor (not copied; it becomes <see cref="LastInput"/>).</summary>
    public Tensor ForwardTensor(Tensor x)
    {
        _input = x;
        LastOutput = Root.Forward(x);
        return LastOutput;
    }

    /// <summary>Parameter or buffer by state_dict name.</summary>
    public Parameter GetParameter(string name)
        => State.FirstOrDefault(p => p.Name == name) ?? throw new KeyNotFoundException($"no parameter '{name}'");

    /// <summary>
    /// Loads every parameter and buffer from a safetensors file (F32/F16/BF16 converted to float32). Missing,
    /// unexpected or mis-shaped tensors raise <see cref="InvalidInputException"/> naming the file and tensor.
    /// </summary>
    public void LoadWeights(string path)
    {
        var tensors = Safetensors.Read(path);
        foreach (var p in State)
        {
            if (!tensors.TryGetValue(p.Name, out var t)) throw new InvalidInputException(path, $"tensor '{p.Name}' missing");
            if (!t.Shape.AsSpan().SequenceEqual(p.Shape))
                throw new InvalidInputException(path, $"tensor '{p.Name}' has shape [{string.Join(", ", t.Shape)}], expected [{string.Join(", ", p.Shape)}]");
        }
        var names = State.Select(p => p.Name).ToHashSet();
        var extra = tensors.Keys.FirstOrDefault(k => !names.Contains(k));
        if (extra != null) throw new InvalidInputException(path, $"unexpected tensor '{extra}' (not a parameter of {Config.Architecture})");
        foreach (var p in State)
        {
            var data = tensors[p.Name].Data;
            // MaxMagnitude propagates NaN and returns infinity if present.
            if (data.Length > 0 && !float.IsFinite(System.Numerics.Tensors.TensorPrimitives.MaxMagnitude<float>(data)))
                throw new InvalidInputException(path, $"tensor '{p.Name}' contains NaN or infinity");
            data.CopyTo(p.Value, 0);
        }
    }

    /// <summary>Saves all parameters and buffers as safetensors (F32 or F16; num_batches_tracked as I64).</summary>
    public void SaveWeights(string path, SafetensorsDType dtype = SafetensorsDType.F32)
        => Safetensors.Write(path, State.Select(p => (p.Name, p.Shape, p.Value, p.IsInteger)), dtype,
            new Dictionary<string, string> { ["format"] = "pt", ["architecture"] = Config.Architecture });

    /// <summary>Builds a BN-folded, activation-fused inference plan for fixed input size and batch (snapshot of the current weights).</summary>
    /// <param name="height">Input height.</param>
    /// <param name="width">Input width.</param>
    /// <param name="batch">Images per run.</param>
    /// <param name="halfHead">Fully connected weights that are exactly representable in fp16 are stored as fp16 (bit-identical
    /// results, half the head's memory traffic at batch 1); false keeps fp32.</param>
    internal InferencePlan CompileInference(int height, int width, int batch = 1, bool halfHead = true) => new(this, height, width, batch, halfHead);
}
