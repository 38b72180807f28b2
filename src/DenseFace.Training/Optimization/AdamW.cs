using System.Numerics;
using System.Runtime.InteropServices;
using DenseFace.Neural;

namespace DenseFace.Training.Optimization;

/// <summary>
/// AdamW (Loshchilov &amp; Hutter 2019), as <c>torch.optim.AdamW</c>: for step t with learning rate η,
/// p ← p − η λ p (decoupled weight decay, only on parameters with <see cref="Parameter.Decay"/>: conv and
/// linear weights), m ← β1 m + (1 − β1) g, v ← β2 v + (1 − β2) g², p ← p − η m̂ / (√v̂ + ε) with the bias
/// corrections m̂ = m / (1 − β1^t), v̂ = v / (1 − β2^t).
/// </summary>
public sealed class AdamW
{
    private readonly Parameter[] _params;
    private readonly float[][] _m, _v;

    public float LearningRate { get; set; }
    public float Beta1 { get; }
    public float Beta2 { get; }
    public float Epsilon { get; }
    public float WeightDecay { get; }

    /// <summary>Steps taken so far.</summary>
    public int StepCount { get; private set; }

    public AdamW(IEnumerable<Parameter> parameters, float learningRate = 1e-3f, float beta1 = 0.9f, float beta2 = 0.999f,
        float epsilon = 1e-8f, float weightDecay = 0.01f)
    {
        if (!(learningRate >= 0) || !(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1) || !(epsilon > 0) || !(weightDecay >= 0))
            throw new ArgumentOutOfRangeException(nameof(learningRate), "invalid AdamW hyper-parameters");
        _params = parameters.Where(p => !p.IsBuffer).ToArray();
        _m = _params.Select(p => new float[p.Length]).ToArray();
        _v = _params.Select(p => new float[p.Length]).ToArray();
        LearningRate = learningRate; Beta1 = beta1; Beta2 = beta2; Epsilon = epsilon; WeightDecay = weightDecay;
    }

    /// <summary>
    /// Saves the moment estimates (tensors <c>m.NAME</c> and <c>v.NAME</c>, F32) and the step count (metadata
    /// <c>step</c>) as safetensors, so training resumes exactly.
    /// </summary>
    public void SaveState(string path)
    {
        var tensors = new List<(string, int[], float[], bool)>();
        for (int j = 0; j < _params.Length; j++)
        {
            tensors.Add(("m." + _params[j].Name, _params[j].Shape, _m[j], false));
            tensors.Add(("v." + _params[j].Name, _params[j].Shape, _v[j], false));
        }
        Safetensors.Write(path, tensors, SafetensorsDType.F32, new Dictionary<string, string> { ["step"] = StepCount.ToString(System.Globalization.CultureInfo.InvariantCulture) });
    }

    /// <summary>Restores what <see cref="SaveState"/> wrote for the same parameters; <paramref name="step"/> is the step count to continue from.</summary>
    /// <exception cref="InvalidInputException">A moment tensor is missing or has another size.</exception>
    public void LoadState(string path, int step)
    {
        var t = Safetensors.Read(path);
        for (int j = 0; j < _params.Length; j++)
        {
            foreach (var (prefix, dst) in new[] { ("m.", _m[j]), ("v.", _v[j]) })
            {
                if (!t.TryGetValue(prefix + _params[j].Name, out var x) || x.Data.Length != dst.Length)
                    throw new InvalidInputException(path, $"optimizer state for '{_params[j].Name}' is missing or has another size");
                x.Data.CopyTo(dst, 0);
            }
        }
        if (step < 0) throw new InvalidInputException(path, $"step {step} is negative");
        StepCount = step;
    }

    /// <summary>Applies one update from the parameters' gradients (parameters without a gradient are skipped).</summary>
    public void Step()
    {
        StepCount++;
        float lr = LearningRate, b1 = Beta1, b2 = Beta2, eps = Epsilon;
        float bc1 = 1f / (1f - MathF.Pow(b1, StepCount)), bc2 = 1f / (1f - MathF.Pow(b2, StepCount));
        for (int j = 0; j < _params.Length; j++)
        {
            var p = _params[j];
            var g = p.Grad;
            if (g == null) continue;
            var w = p.Value; var m = _m[j]; var v = _v[j];
            float decay = p.Decay ? 1f - lr * WeightDecay : 1f;
            int i = 0;
            if (Vector.IsHardwareAccelerated)
            {
                // Same operations in the same order as the scalar loop (no FMA contraction): bit-identical updates.
                var vb1 = new Vector<float>(b1); var vb2 = new Vector<float>(b2); var vc1 = new Vector<float>(1f - b1); var vc2 = new Vector<float>(1f - b2);
                var vbc1 = new Vector<float>(bc1); var vbc2 = new Vector<float>(bc2); var vlr = new Vector<float>(lr);
                var veps = new Vector<float>(eps); var vdecay = new Vector<float>(decay);
                var ws = MemoryMarshal.Cast<float, Vector<float>>(w.AsSpan()); var gs = MemoryMarshal.Cast<float, Vector<float>>(g.AsSpan(0, w.Length));
                var ms = MemoryMarshal.Cast<float, Vector<float>>(m.AsSpan()); var vs = MemoryMarshal.Cast<float, Vector<float>>(v.AsSpan());
                for (int k = 0; k < ws.Length; k++)
                {
                    var gi = gs[k];
                    var mi = ms[k] = vb1 * ms[k] + vc1 * gi;
                    var vi = vs[k] = vb2 * vs[k] + vc2 * gi * gi;
                    ws[k] = ws[k] * vdecay - vlr * (mi * vbc1) / (Vector.SquareRoot(vi * vbc2) + veps);
                }
                i = ws.Length * Vector<float>.Count;
            }
            for (; i < w.Length; i++)
            {
                float gi = g[i];
                float mi = m[i] = b1 * m[i] + (1f - b1) * gi;
                float vi = v[i] = b2 * v[i] + (1f - b2) * gi * gi;
                w[i] = w[i] * decay - lr * (mi * bc1) / (MathF.Sqrt(vi * bc2) + eps);
            }
        }
    }
}

/// <summary>
/// Learning-rate schedule: linear warm-up from 0 to <see cref="BaseRate"/> over <see cref="WarmupSteps"/>,
/// then cosine decay to <see cref="MinRate"/> at <see cref="TotalSteps"/> (constant afterwards).
/// </summary>
public sealed record WarmupCosineSchedule(float BaseRate, int WarmupSteps, int TotalSteps, float MinRate = 0f)
{
    /// <summary>Rate for 0-based step <paramref name="step"/>.</summary>
    public float RateAt(int step)
    {
        if (step < WarmupSteps) return BaseRate * (step + 1) / WarmupSteps;
        int span = Math.Max(1, TotalSteps - WarmupSteps);
        double t = Math.Clamp((double)(step - WarmupSteps) / span, 0, 1);
        return (float)(MinRate + 0.5 * (BaseRate - MinRate) * (1 + Math.Cos(Math.PI * t)));
    }
}

/// <summary>Gradient clipping by global norm (<c>torch.nn.utils.clip_grad_norm_</c>).</summary>
public static class GradientClipping
{
    /// <summary>Scales all gradients by min(1, maxNorm / ||g||₂) (norm over every parameter); returns the norm before clipping.</summary>
    public static double ClipGlobalNorm(IEnumerable<Parameter> parameters, double maxNorm)
    {
        var list = parameters.Where(p => p.Grad != null).ToList();
        double sq = 0;
        foreach (var p in list) sq += SumOfSquares(p.Grad!);
        double norm = Math.Sqrt(sq);
        if (norm > maxNorm && norm > 0)
        {
            float s = (float)(maxNorm / (norm + 1e-6));
            foreach (var p in list) System.Numerics.Tensors.TensorPrimitives.Multiply(p.Grad!, s, p.Grad!);
        }
        return norm;
    }

    /// <summary>Σ g² accumulated in double (vectorised: per-lane double sums, added lane by lane at the end).</summary>
    private static double SumOfSquares(ReadOnlySpan<float> g)
    {
        double sq = 0;
        int i = 0;
        if (Vector.IsHardwareAccelerated && g.Length >= Vector<float>.Count)
        {
            var acc = Vector<double>.Zero;
            var gs = MemoryMarshal.Cast<float, Vector<float>>(g);
            foreach (var v in gs)
            {
                Vector.Widen(v, out Vector<double> lo, out Vector<double> hi);
                acc += lo * lo + hi * hi;
            }
            sq = Vector.Sum(acc);
            i = gs.Length * Vector<float>.Count;
        }
        for (; i < g.Length; i++) sq += (double)g[i] * g[i];
        return sq;
    }
}

/// <summary>
/// Exponential moving average of the weights (shadow = decay · shadow + (1 − decay) · value after each
/// step), evaluated by copying into a network of the same architecture; buffers (BN running statistics)
/// are copied as they are.
/// </summary>
public sealed class WeightEma
{
    private readonly IReadOnlyList<Parameter> _source;
    private readonly float[][] _shadow;

    public float Decay { get; }

    public WeightEma(IReadOnlyList<Parameter> state, float decay = 0.999f)
    {
        if (!(decay >= 0 && decay < 1)) throw new ArgumentOutOfRangeException(nameof(decay));
        _source = state; Decay = decay;
        _shadow = state.Select(p => (float[])p.Value.Clone()).ToArray();
    }

    /// <summary>Blends the current weights into the average.</summary>
    public void Update()
    {
        for (int j = 0; j < _source.Count; j++)
        {
            var p = _source[j]; var s = _shadow[j];
            if (p.IsBuffer) { p.Value.CopyTo(s, 0); continue; }
            for (int i = 0; i < s.Length; i++) s[i] = Decay * s[i] + (1 - Decay) * p.Value[i];
        }
    }

    /// <summary>Sets the average to <paramref name="source"/>'s weights (matched by name), e.g. a checkpointed shadow when resuming.</summary>
    public void LoadFrom(Network source)
    {
        for (int j = 0; j < _source.Count; j++)
        {
            var src = source.GetParameter(_source[j].Name);
            if (src.Length != _shadow[j].Length) throw new ArgumentException($"parameter '{src.Name}' has a different size");
            src.Value.CopyTo(_shadow[j], 0);
        }
    }

    /// <summary>Averaged value of the i-th state tensor.</summary>
    public ReadOnlySpan<float> Shadow(int index) => _shadow[index];

    /// <summary>Copies the averaged weights into <paramref name="target"/> (matched by name).</summary>
    public void CopyTo(Network target)
    {
        for (int j = 0; j < _source.Count; j++)
        {
            var dst = target.GetParameter(_source[j].Name);
            if (dst.Length != _shadow[j].Length) throw new ArgumentException($"parameter '{dst.Name}' has a different size");
            _shadow[j].CopyTo(dst.Value, 0);
        }
    }
}
