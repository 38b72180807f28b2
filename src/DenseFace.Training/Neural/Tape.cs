using DenseFace.Neural;

namespace DenseFace.Training.Neural;

/// <summary>
/// Reverse-mode differentiation of DenseFace.Neural module graphs. <see cref="Forward(Network, ReadOnlySpan{float}, int, int, int)"/>
/// runs a forward pass (in the network's current mode) and records a tree of <see cref="TapeNode"/>s, one per module call:
/// its input and output and whatever that layer's backward pass needs (batch statistics, max-pool indices, dropout
/// masks), with the gradient buffers and scratch the backward pass uses. <see cref="Backward(ReadOnlySpan{float})"/>
/// then takes dL/d(output) of that forward and returns dL/d(input), accumulating dL/d(parameter) into
/// <see cref="Parameter.Grad"/> (call <see cref="Gradients.ZeroGrad"/> first, as with PyTorch).
/// </summary>
/// <remarks>
/// Each layer kind is differentiated by its <see cref="LayerRule{TLayer}"/> (found by <see cref="LayerRules"/>); a layer
/// without one fails at the forward pass, naming its type. The runtime modules keep no training state: everything lives
/// here, and a forward pass of the same graph reuses the nodes of the previous one (their buffers and scratch), so a
/// training loop allocates nothing per step once shapes are settled. Work is split over channels or over fixed
/// contiguous chunks of the batch whose weight-gradient partials are summed in chunk order, so gradients are
/// bit-identical for a given thread count. The recording refers to the modules' output buffers: it is valid until the
/// next forward pass of the same modules, and a module called twice in one forward pass is not supported. A tape is not
/// thread-safe (one per network, like the network itself).
/// </remarks>
public sealed class Tape
{
    private readonly List<TapeNode> _open = [];
    private TapeNode? _root;
    private bool _complete;
    private Network? _network;
    private Tensor? _gradOutput;

    /// <summary>
    /// Recorded forward pass of <paramref name="network"/> on <paramref name="batch"/> NCHW images (checked and copied as
    /// <see cref="Network.Forward(ReadOnlySpan{float}, int, int, int)"/> does); returns [batch x outputs], valid until
    /// the next forward pass.
    /// </summary>
    public ReadOnlySpan<float> Forward(Network network, ReadOnlySpan<float> input, int batch, int height, int width)
    {
        var y = Forward(network.Root, network.PrepareInput(input, batch, height, width));
        _network = network;
        return y.Span;
    }

    /// <summary>Recorded forward pass of <paramref name="module"/> (and its descendants) on <paramref name="x"/> (not copied).</summary>
    public Tensor Forward(Module module, Tensor x)
    {
        _complete = false;
        _network = null;
        _open.Clear();
        if (_root == null || _root.Module != module) _root = new TapeNode(module, null);
        var y = Execute(_root, x);
        _complete = true;
        return y;
    }

    /// <summary>
    /// For layer rules: runs <paramref name="module"/> as a child of the call being recorded and records it;
    /// <paramref name="fused"/> is an activation that the module's forward applies in the same pass (the node then stands for both).
    /// </summary>
    internal Tensor Record(Module module, Tensor x, Module? fused = null)
    {
        if (_open.Count == 0) throw new InvalidOperationException("Tape.Record is for layer rules during a recorded forward pass");
        return Execute(_open[^1].NextChild(module, fused), x);
    }

    private Tensor Execute(TapeNode node, Tensor x)
    {
        node.Begin(x);
        _open.Add(node);
        node.Output = node.Rule.Forward(this, node, x);
        _open.RemoveAt(_open.Count - 1);
        return node.Output;
    }

    /// <summary>
    /// Backward pass of the last recorded forward: <paramref name="gradOutput"/> is dL/d(output) (the output's length);
    /// returns dL/d(input), valid until the next backward pass.
    /// </summary>
    public Tensor Backward(ReadOnlySpan<float> gradOutput) => Run(gradOutput, inputGradient: true)!;

    /// <summary>
    /// Like <see cref="Backward(ReadOnlySpan{float})"/> for training: accumulates the parameter gradients only, skipping
    /// the work that serves nothing but dL/d(input) (the first convolution's input gradient, when the graph starts with
    /// nested <see cref="Sequential"/>s down to a convolution).
    /// </summary>
    public void BackwardParameters(ReadOnlySpan<float> gradOutput) => Run(gradOutput, inputGradient: false);

    private Tensor? Run(ReadOnlySpan<float> gradOutput, bool inputGradient)
    {
        if (!_complete || _root == null) throw new InvalidOperationException("Backward called before a recorded forward pass");
        var y = _root.Output;
        if (gradOutput.Length != y.Length) throw new ArgumentException($"gradient has {gradOutput.Length} values, output has {y.Length}", nameof(gradOutput));
        if (_network != null)
            foreach (var p in _network.TrainableParameters)
                if (p.Grad == null) p.ZeroGrad();
        var g = Tensor.Reuse(ref _gradOutput, y.Shape);
        gradOutput.CopyTo(g.Span);
        return _root.Backward(g, inputGradient);
    }
}

/// <summary>
/// One recorded module call on a <see cref="Tape"/>: the module, its input and output, the calls it made (children, in
/// order), its input-gradient buffer and its rule's saved state. Nodes are reused by the next forward pass that makes
/// the same call at the same place, so their buffers persist across training steps.
/// </summary>
internal sealed class TapeNode
{
    private readonly List<TapeNode> _children = [];
    private int _count;
    private Tensor? _gradInput;

    internal TapeNode(Module module, Module? fused)
    {
        Module = module;
        Fused = fused;
        Rule = LayerRules.For(module);
    }

    /// <summary>The module that ran.</summary>
    public Module Module { get; }

    /// <summary>An activation the module's forward applied in the same pass (batch norm + ReLU/ReLU6), or null.</summary>
    public Module? Fused { get; }

    /// <summary>The module's rule.</summary>
    public LayerRule Rule { get; }

    /// <summary>Input of the call.</summary>
    public Tensor Input { get; private set; } = null!;

    /// <summary>Output of the call (with <see cref="Fused"/>: the activation's output).</summary>
    public Tensor Output { get; internal set; } = null!;

    /// <summary>What the rule keeps between forward and backward or across steps (statistics, masks, scratch); owned by the rule.</summary>
    public object? State { get; set; }

    /// <summary>Calls recorded while this one ran.</summary>
    public int ChildCount => _count;

    /// <summary>The <paramref name="i"/>-th call recorded while this one ran.</summary>
    public TapeNode Child(int i) => (uint)i < (uint)_count ? _children[i] : throw new ArgumentOutOfRangeException(nameof(i));

    /// <summary>The node's dL/d(input) buffer, shaped like <paramref name="like"/> (reused across steps).</summary>
    public Tensor GradInput(Tensor like) => Tensor.Reuse(ref _gradInput, like.Shape);

    /// <summary>Backward pass of this call (allocates the gradients of its module's parameters on first use).</summary>
    public Tensor? Backward(Tensor dy, bool inputGradient)
    {
        AllocateGradients(Module);
        if (Fused != null) AllocateGradients(Fused);
        return Rule.Backward(this, dy, inputGradient);
    }

    private static void AllocateGradients(Module module)
    {
        var ps = module.OwnParameters;
        for (int i = 0; i < ps.Count; i++)
            if (!ps[i].IsBuffer && ps[i].Grad == null) ps[i].ZeroGrad();
    }

    internal void Begin(Tensor x)
    {
        Input = x;
        _count = 0;
    }

    internal TapeNode NextChild(Module module, Module? fused)
    {
        if (_count == _children.Count) _children.Add(new TapeNode(module, fused));
        else if (_children[_count].Module != module || _children[_count].Fused != fused) _children[_count] = new TapeNode(module, fused);
        return _children[_count++];
    }
}

/// <summary>Parameter-gradient helpers.</summary>
public static class Gradients
{
    /// <summary>Allocates or zeroes the gradients of every trainable parameter.</summary>
    public static void ZeroGrad(this Network network)
    {
        foreach (var p in network.TrainableParameters) p.ZeroGrad();
    }
}
