namespace DenseFace.Neural;

/// <summary>
/// A layer or a block of layers, organised like <c>torch.nn.Module</c>: named children, own parameters
/// and buffers, a forward pass on NCHW tensors, and a training/evaluation mode. Each module owns its
/// output buffer and reuses it across calls (the returned tensor is overwritten by the next forward).
/// Modules hold only what inference needs (parameters, output buffer, forward); training records what
/// the backward pass needs on its own tape (<c>DenseFace.Training.Neural.Tape</c>).
/// </summary>
public abstract class Module
{
    private static readonly (string, Module)[] NoChildren = [];
    private static readonly Parameter[] NoParameters = [];

    /// <summary>Full dotted path of this module in its network ("" for the root).</summary>
    public string Name { get; private set; } = "";

    /// <summary>True in training mode (batch statistics in BatchNorm, dropout active).</summary>
    public bool IsTraining { get; private set; }

    /// <summary>Threading settings shared by the network's modules.</summary>
    protected internal ComputeContext Compute { get; private set; } = new();

    /// <summary>Output buffer, reused across forward passes.</summary>
    internal Tensor? OutputBuffer;

    /// <summary>Named children in registration order (the order of PyTorch's state_dict).</summary>
    public virtual IReadOnlyList<(string Name, Module Module)> Children => NoChildren;

    /// <summary>This module's own parameters then buffers (state_dict order).</summary>
    public virtual IReadOnlyList<Parameter> OwnParameters => NoParameters;

    /// <summary>Runs the layer on <paramref name="x"/>; the result is owned by the module.</summary>
    public abstract Tensor Forward(Tensor x);

    /// <summary>All parameters and buffers of this module and its descendants, in state_dict order.</summary>
    public IEnumerable<Parameter> Parameters()
    {
        foreach (var p in OwnParameters) yield return p;
        foreach (var (_, child) in Children)
            foreach (var p in child.Parameters()) yield return p;
    }

    /// <summary>This module and its descendants, parents first.</summary>
    public IEnumerable<Module> Modules()
    {
        yield return this;
        foreach (var (_, child) in Children)
            foreach (var m in child.Modules()) yield return m;
    }

    /// <summary>Sets training (true) or evaluation (false) mode recursively.</summary>
    public void SetTraining(bool training)
    {
        foreach (var m in Modules()) m.IsTraining = training;
    }

    /// <summary>Assigns full dotted names (module and parameter) and the compute context, recursively.</summary>
    internal void Bind(string name, ComputeContext compute)
    {
        Name = name;
        Compute = compute;
        foreach (var p in OwnParameters) p.Name = name.Length == 0 ? p.LocalName : name + "." + p.LocalName;
        foreach (var (childName, child) in Children) child.Bind(name.Length == 0 ? childName : name + "." + childName, compute);
    }

    /// <summary>Throws unless <paramref name="x"/> is rank 4 with <paramref name="channels"/> channels.</summary>
    protected void RequireNchw(Tensor x, int channels)
    {
        if (x.Rank != 4 || x.C != channels)
            throw new ArgumentException($"{GetType().Name} '{Name}' expects NCHW input with {channels} channels, got {x.ShapeString}");
    }
}

/// <summary>Children run in order (<c>torch.nn.Sequential</c>); children are named "0", "1"... unless named explicitly.</summary>
public sealed class Sequential : Module
{
    private readonly (string, Module)[] _children;

    /// <summary>Children <paramref name="modules"/>, named "0", "1", ... in order.</summary>
    public Sequential(params Module[] modules) => _children = modules.Select((m, i) => (i.ToString(), m)).ToArray();

    /// <summary>Children with explicit names (PyTorch state_dict keys), run in order.</summary>
    public Sequential(params (string Name, Module Module)[] modules) => _children = modules;

    /// <inheritdoc/>
    public override IReadOnlyList<(string Name, Module Module)> Children => _children;

    /// <inheritdoc/>
    public override Tensor Forward(Tensor x)
    {
        for (int i = 0; i < _children.Length; i++)
        {
            var m = _children[i].Item2;
            if (i + 1 < _children.Length && FusesWithActivation(m, _children[i + 1].Item2))
            {
                x = ((BatchNorm2d)m).ForwardWithActivation(x, _children[++i].Item2); // one pass instead of two
                continue;
            }
            x = m.Forward(x);
        }
        return x;
    }

    /// <summary>True when <paramref name="module"/> and the <paramref name="next"/> child run as one pass (batch norm then ReLU or ReLU6).</summary>
    internal static bool FusesWithActivation(Module module, Module next) => module is BatchNorm2d && next is ReLU or ReLU6;
}
