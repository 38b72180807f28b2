using BindingFlags = System.Reflection.BindingFlags;
using DenseFace.Neural;

namespace DenseFace.Training.Neural;

/// <summary>
/// How training differentiates one layer kind: a rule runs the layer's forward pass for a <see cref="Tape"/>
/// (calling the runtime layer's own forward and keeping on the <see cref="TapeNode"/> whatever its backward pass needs)
/// and later its backward pass from dL/d(output) to dL/d(input), accumulating dL/d(parameter) into
/// <see cref="Parameter.Grad"/>. A container's rule records its children through <see cref="Tape.Record"/>, wiring
/// them as the container's <c>Forward</c> does, and in its backward pass calls <see cref="TapeNode.Backward"/> on them.
/// </summary>
/// <remarks>
/// Adding a layer = the module in src/DenseFace/Neural plus one <see cref="LayerRule{TLayer}"/> subclass in
/// Neural/Rules/: <see cref="LayerRules"/> finds every rule of this assembly by reflection (one per layer type),
/// so there is no central list or switch to edit. Rules are stateless singletons; per-call buffers and scratch live
/// on the tape's nodes (<see cref="TapeNode.GradInput"/>, <see cref="TapeNode.State"/>) and are reused across steps.
/// </remarks>
internal abstract class LayerRule
{
    /// <summary>The exact module type this rule differentiates.</summary>
    public abstract Type LayerType { get; }

    /// <summary>Runs <see cref="TapeNode.Module"/> on <paramref name="x"/> for <paramref name="tape"/>; returns its output.</summary>
    internal abstract Tensor Forward(Tape tape, TapeNode node, Tensor x);

    /// <summary>
    /// Given dL/d(output) <paramref name="dy"/> of the recorded call <paramref name="node"/>, accumulates the parameter
    /// gradients and returns dL/d(input) (may be null when <paramref name="inputGradient"/> is false and the rule skipped it).
    /// </summary>
    internal abstract Tensor? Backward(TapeNode node, Tensor dy, bool inputGradient);
}

/// <summary>A <see cref="LayerRule"/> for modules of type <typeparamref name="TLayer"/> (see the base class).</summary>
internal abstract class LayerRule<TLayer> : LayerRule where TLayer : Module
{
    /// <inheritdoc/>
    public sealed override Type LayerType => typeof(TLayer);

    internal sealed override Tensor Forward(Tape tape, TapeNode node, Tensor x) => Forward(tape, node, (TLayer)node.Module, x);

    internal sealed override Tensor? Backward(TapeNode node, Tensor dy, bool inputGradient) => Backward(node, (TLayer)node.Module, dy, inputGradient);

    /// <summary>Forward pass of <paramref name="layer"/>; by default its own <see cref="Module.Forward"/> (the tape keeps input and output).</summary>
    protected virtual Tensor Forward(Tape tape, TapeNode node, TLayer layer, Tensor x) => layer.Forward(x);

    /// <summary>Backward pass of the call recorded in <paramref name="node"/> (see <see cref="LayerRule.Backward(TapeNode, Tensor, bool)"/>).</summary>
    protected abstract Tensor? Backward(TapeNode node, TLayer layer, Tensor dy, bool inputGradient);
}

/// <summary>
/// The registry of <see cref="LayerRule"/>s: every non-abstract rule class in this assembly, keyed by the exact module
/// type it differentiates (built once, on first use; two rules for one type are an error).
/// </summary>
internal static class LayerRules
{
    private static readonly Lazy<Dictionary<Type, LayerRule>> Rules = new(Discover);

    /// <summary>The rule for <paramref name="module"/>'s type; a type without one fails here, naming it.</summary>
    public static LayerRule For(Module module)
        => Rules.Value.TryGetValue(module.GetType(), out var rule) ? rule
            : throw new NotSupportedException($"no training rule for layer type {module.GetType().FullName} (module '{module.Name}'): "
                + $"add a LayerRule<{module.GetType().Name}> to DenseFace.Training (Neural/Rules/) to train it");

    private static Dictionary<Type, LayerRule> Discover()
    {
        var rules = new Dictionary<Type, LayerRule>();
        foreach (var t in typeof(LayerRule).Assembly.GetTypes())
        {
            if (t.IsAbstract || !t.IsSubclassOf(typeof(LayerRule))) continue;
            var ctor = t.GetConstructor(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic, Type.EmptyTypes)
                ?? throw new InvalidOperationException($"training rule {t.Name} needs a parameterless constructor");
            var rule = (LayerRule)ctor.Invoke(null);
            if (!rules.TryAdd(rule.LayerType, rule))
                throw new InvalidOperationException($"two training rules for {rule.LayerType.Name}: {rules[rule.LayerType].GetType().Name} and {t.Name}");
        }
        return rules;
    }
}
