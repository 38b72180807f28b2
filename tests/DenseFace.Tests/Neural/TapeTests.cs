using DenseFace.Neural;
using DenseFace.Training.Neural;

namespace DenseFace.Tests.Neural;

/// <summary>The training tape: rule discovery, clear failures, and buffers reused across steps.</summary>
[Collection("Simd")]
public class TapeTests
{
    private sealed class Unregistered : Module
    {
        public override Tensor Forward(Tensor x) => x;
    }

    [Fact]
    public void EveryRuntimeLayerHasATrainingRule()
    {
        var layers = typeof(Module).Assembly.GetTypes().Where(t => !t.IsAbstract && t.IsSubclassOf(typeof(Module))).ToList();
        Assert.Contains(typeof(Conv2d), layers);
        foreach (var t in layers)
            Assert.True(LayerRules.For((Module)System.Runtime.CompilerServices.RuntimeHelpers.GetUninitializedObject(t)).LayerType == t, t.Name);
    }

    [Fact]
    public void ALayerWithoutARuleFailsNamingItsType()
    {
        var net = new Network(new Sequential(new ReLU(), new Unregistered()));
        var e = Assert.Throws<NotSupportedException>(() => new Tape().Forward(net.Root, new Tensor(1, 2)));
        Assert.Contains(typeof(Unregistered).FullName!, e.Message);
        Assert.Contains("'1'", e.Message); // the module's name in the network
    }

    [Fact]
    public void BackwardNeedsARecordedForward()
    {
        var tape = new Tape();
        Assert.Throws<InvalidOperationException>(() => tape.Backward([1f]));
        var lin = new Linear(3, 2);
        _ = new Network(lin);
        tape.Forward(lin, new Tensor(1, 3));
        Assert.Throws<ArgumentException>(() => tape.Backward([1f, 2f, 3f]));
    }

    [Fact]
    public void StepsReuseTheTapesBuffersAndMatchTheNetworksForward()
    {
        var net = Network.Create(new NetworkConfig { WidthMultiplier = 0.35, NumOutputs = 6, InputSize = 32 }, 3);
        net.Train();
        var x = Reference.Random(2 * 3 * 32 * 32, 4);
        var r = Reference.Random(2 * 6, 5);
        var tape = new Tape();
        var dropout = net.Root.Modules().OfType<Dropout>().Single();
        dropout.Reseed(1); // the same dropout mask in both steps
        var y1 = tape.Forward(net, x, 2, 32, 32).ToArray();
        var dx1 = tape.Backward(r);
        var first = dx1.Span.ToArray();
        dropout.Reseed(1);
        var y2 = tape.Forward(net, x, 2, 32, 32).ToArray();
        var dx2 = tape.Backward(r);
        Assert.Same(dx1, dx2);
        Assert.Equal(y1, y2);
        Assert.Equal(first, dx2.Span.ToArray());
        net.Eval();
        var evalTape = tape.Forward(net, x, 2, 32, 32).ToArray();
        Assert.Equal(net.Forward(x, 2, 32, 32).ToArray(), evalTape);
    }
}
