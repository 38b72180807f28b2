using System.Numerics;
using DenseFace.Landmarks;
using DenseFace.Neural;

namespace DenseFace.Training.Landmarks;

/// <summary>Augmentation ranges of <see cref="LandmarkAugmenter"/> (fractions of the ROI side, degrees, probabilities).</summary>
public sealed record AugmentationOptions
{
    /// <summary>ROI side scaled by 1 ± this (uniform).</summary>
    public float Scale { get; init; } = 0.15f;
    /// <summary>ROI centre moved by up to ± this fraction of its side, per axis.</summary>
    public float Shift { get; init; } = 0.10f;
    /// <summary>Largest ROI rotation (degrees), drawn with probability <see cref="WideRotationProbability"/>; else up to ±<see cref="SmallRotation"/>.</summary>
    public float Rotation { get; init; } = 45;
    /// <summary>Rotation range of the usual case (degrees).</summary>
    public float SmallRotation { get; init; } = 12;
    /// <summary>Chance of a rotation from the wide range.</summary>
    public float WideRotationProbability { get; init; } = 0.35f;
    /// <summary>Chance of a horizontal flip (labels permuted by each layout's mirror map).</summary>
    public float Flip { get; init; } = 0.5f;
    /// <summary>Chance of colour jitter (brightness, contrast, per-channel gain, grey).</summary>
    public float Colour { get; init; } = 0.8f;
    /// <summary>Chance of a 3x3 blur.</summary>
    public float Blur { get; init; } = 0.15f;
    /// <summary>Chance of Gaussian pixel noise.</summary>
    public float Noise { get; init; } = 0.25f;
    /// <summary>Chance of an occluding patch (points under it are labelled hidden).</summary>
    public float Occluder { get; init; } = 0.25f;

    /// <summary>No augmentation: the plain box crop (evaluation).</summary>
    public static AugmentationOptions None { get; } = new() { Scale = 0, Shift = 0, Rotation = 0, SmallRotation = 0, Flip = 0, Colour = 0, Blur = 0, Noise = 0, Occluder = 0 };
}

/// <summary>
/// Turns a <see cref="LandmarkExample"/> into one training input and target vector: jittered ROI (scale, shift,
/// rotation) cut with <see cref="LandmarkCrop"/>, optional horizontal flip (points permuted by the mirror maps),
/// then photometric changes on the crop (colour, blur, noise, occluding patches). Deterministic for a given
/// <see cref="RandomSource"/> state. Thread-safe (no mutable state; scratch comes from the caller).
/// </summary>
public sealed class LandmarkAugmenter
{
    readonly LandmarkHead _head;
    readonly int _size;
    readonly float _roiScale;
    readonly float[] _mean, _std;
    readonly int[] _denseMirror, _ibugMirror;

    /// <summary>Augmentation ranges.</summary>
    public AugmentationOptions Options { get; }

    /// <summary>Creates an augmenter for a network input of <paramref name="inputSize"/> pixels.</summary>
    public LandmarkAugmenter(LandmarkHead head, int inputSize, float roiScale, float[] mean, float[] std, ReadOnlySpan<int> denseMirror, ReadOnlySpan<int> ibugMirror, AugmentationOptions? options = null)
    {
        if (denseMirror.Length != head.DensePoints || ibugMirror.Length != LandmarkHead.Ibug68) throw new ArgumentException("mirror maps do not match the head");
        _head = head; _size = inputSize; _roiScale = roiScale; _mean = mean; _std = std;
        _denseMirror = denseMirror.ToArray(); _ibugMirror = ibugMirror.ToArray();
        Options = options ?? new AugmentationOptions();
    }

    /// <summary>Floats of one input (3 x size x size).</summary>
    public int InputLength => 3 * _size * _size;

    /// <summary>
    /// Writes example <paramref name="e"/>'s input (<see cref="InputLength"/> floats) and targets
    /// (<see cref="LandmarkTargets.PerSample"/> floats) using random draws from <paramref name="rng"/>; returns the ROI used.
    /// </summary>
    public FaceRoi Apply(LandmarkExample e, RandomSource rng, Span<float> input, Span<float> targets)
    {
        var o = Options;
        var roi = FaceRoi.FromBox(e.Box, _roiScale);
        float side = roi.Side * (1 + o.Scale * (2 * (float)rng.NextDouble() - 1));
        float cx = roi.CenterX + o.Shift * side * (2 * (float)rng.NextDouble() - 1);
        float cy = roi.CenterY + o.Shift * side * (2 * (float)rng.NextDouble() - 1);
        float range = rng.NextDouble() < o.WideRotationProbability ? o.Rotation : o.SmallRotation;
        float rot = range * (2 * (float)rng.NextDouble() - 1) * MathF.PI / 180;
        roi = new FaceRoi(cx, cy, side, rot);
        bool flip = rng.NextDouble() < o.Flip;
        LandmarkCrop.Extract(e.Image, roi, _size, flip, _mean, _std, input);

        for (int k = 0; k < _head.DensePoints; k++)
        {
            int src = flip ? _denseMirror[k] : k, q = LandmarkTargets.Dense(k);
            var n = roi.ToNormalized(e.Dense[src]);
            bool ok = float.IsFinite(n.X) && float.IsFinite(n.Y);
            targets[q] = ok ? (flip ? -n.X : n.X) : 0; targets[q + 1] = ok ? n.Y : 0;
            targets[q + 2] = ok ? e.DenseWeight[src] : 0;
            targets[q + 3] = e.DenseVisible[src] ? 1 : 0;
            targets[q + 4] = e.VisibilityWeight[src];
        }
        for (int j = 0; j < LandmarkHead.Ibug68; j++)
        {
            int src = flip ? _ibugMirror[j] : j, q = LandmarkTargets.Ibug(_head, j);
            var n = roi.ToNormalized(e.Ibug68[src]);
            bool ok = float.IsFinite(n.X) && float.IsFinite(n.Y);
            targets[q] = ok ? (flip ? -n.X : n.X) : 0; targets[q + 1] = ok ? n.Y : 0;
            targets[q + 2] = ok ? e.Ibug68Weight[src] : 0;
        }
        Photometric(rng, input, targets);
        return roi;
    }

    void Photometric(RandomSource rng, Span<float> input, Span<float> targets)
    {
        var o = Options;
        int plane = _size * _size;
        bool colour = rng.NextDouble() < o.Colour, occlude = rng.NextDouble() < o.Occluder, blur = rng.NextDouble() < o.Blur, noise = rng.NextDouble() < o.Noise;
        if (!(colour || occlude || blur || noise)) return;   // the crop stays exactly as cut
        // to [0, 1] RGB
        for (int c = 0; c < 3; c++)
        {
            var p = input.Slice(c * plane, plane);
            for (int i = 0; i < plane; i++) p[i] = p[i] * _std[c] + _mean[c];
        }
        if (colour)
        {
            float brightness = 0.25f * (2 * (float)rng.NextDouble() - 1), contrast = 1 + 0.35f * (2 * (float)rng.NextDouble() - 1);
            bool grey = rng.NextDouble() < 0.1;
            Span<float> gain = stackalloc float[3];
            for (int c = 0; c < 3; c++) gain[c] = 1 + 0.15f * (2 * (float)rng.NextDouble() - 1);
            for (int i = 0; i < plane; i++)
            {
                float r = input[i], g = input[plane + i], b = input[2 * plane + i];
                if (grey) r = g = b = 0.299f * r + 0.587f * g + 0.114f * b;
                input[i] = (r * gain[0] - 0.5f) * contrast + 0.5f + brightness;
                input[plane + i] = (g * gain[1] - 0.5f) * contrast + 0.5f + brightness;
                input[2 * plane + i] = (b * gain[2] - 0.5f) * contrast + 0.5f + brightness;
            }
        }
        if (occlude) Occlude(rng, input, targets);
        if (blur)
        {
            Span<float> row = stackalloc float[_size * 3];
            for (int c = 0; c < 3; c++) Blur3(input.Slice(c * plane, plane), row);
        }
        if (noise)
        {
            float sd = 0.01f + 0.04f * (float)rng.NextDouble();
            for (int i = 0; i < 3 * plane; i++) input[i] += sd * (float)rng.NextGaussian();
        }
        for (int c = 0; c < 3; c++)
        {
            var p = input.Slice(c * plane, plane);
            float m = _mean[c], inv = 1 / _std[c];
            for (int i = 0; i < plane; i++) p[i] = (Math.Clamp(p[i], 0f, 1f) - m) * inv;
        }
    }

    /// <summary>A rectangle of flat colour or noise over part of the crop; dense points under it become hidden.</summary>
    void Occlude(RandomSource rng, Span<float> input, Span<float> targets)
    {
        int plane = _size * _size;
        float w = _size * (0.15f + 0.35f * (float)rng.NextDouble()), h = _size * (0.15f + 0.35f * (float)rng.NextDouble());
        // around the face: the centre half of the crop
        float x0 = _size * (0.2f + 0.6f * (float)rng.NextDouble()) - w / 2, y0 = _size * (0.2f + 0.6f * (float)rng.NextDouble()) - h / 2;
        int ix0 = Math.Max(0, (int)x0), iy0 = Math.Max(0, (int)y0), ix1 = Math.Min(_size, (int)(x0 + w)), iy1 = Math.Min(_size, (int)(y0 + h));
        Span<float> colour = stackalloc float[3];
        for (int c = 0; c < 3; c++) colour[c] = (float)rng.NextDouble();
        bool noisy = rng.NextDouble() < 0.5;
        for (int y = iy0; y < iy1; y++)
            for (int x = ix0; x < ix1; x++)
                for (int c = 0; c < 3; c++)
                    input[c * plane + y * _size + x] = noisy ? colour[c] * 0.6f + 0.4f * (float)rng.NextDouble() : colour[c];
        // normalised bounds of the patch (crop pixel centre c -> (c - (S-1)/2) * 2/S, edges at ±0.5 px)
        float k = 2f / _size, half = (_size - 1) / 2f;
        float nx0 = (ix0 - 0.5f - half) * k, nx1 = (ix1 - 0.5f - half) * k, ny0 = (iy0 - 0.5f - half) * k, ny1 = (iy1 - 0.5f - half) * k;
        for (int i = 0; i < _head.DensePoints; i++)
        {
            int q = LandmarkTargets.Dense(i);
            float px = targets[q], py = targets[q + 1];
            if (px >= nx0 && px <= nx1 && py >= ny0 && py <= ny1 && targets[q + 4] > 0) targets[q + 3] = 0;
        }
    }

    /// <summary>In-place 3x3 box blur of one plane (edges replicate).</summary>
    void Blur3(Span<float> p, Span<float> scratch)
    {
        int n = _size;
        // horizontal then vertical, each with a one-row scratch
        for (int y = 0; y < n; y++)
        {
            var r = p.Slice(y * n, n);
            r.CopyTo(scratch);
            for (int x = 0; x < n; x++) r[x] = (scratch[Math.Max(0, x - 1)] + scratch[x] + scratch[Math.Min(n - 1, x + 1)]) / 3;
        }
        var prev = scratch.Slice(0, n); var cur = scratch.Slice(n, n);
        p.Slice(0, n).CopyTo(prev);
        for (int y = 0; y < n; y++)
        {
            p.Slice(y * n, n).CopyTo(cur);
            var next = p.Slice(Math.Min(n - 1, y + 1) * n, n);
            var r = p.Slice(y * n, n);
            for (int x = 0; x < n; x++) r[x] = (prev[x] + cur[x] + next[x]) / 3;
            cur.CopyTo(prev);
        }
    }
}
