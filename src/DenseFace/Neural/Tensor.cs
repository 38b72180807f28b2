namespace DenseFace.Neural;

/// <summary>
/// A dense float32 tensor: a shape and a row-major <see cref="float"/> buffer (the last dimension varies
/// fastest). Image tensors are NCHW: batch, channels, rows (top to bottom), columns (left to right).
/// The buffer may be longer than the shape needs (it is reused when a layer's output shape changes to a
/// smaller one), so always use <see cref="Span"/> or <see cref="Length"/>, never <c>Data.Length</c>.
/// </summary>
public sealed class Tensor
{
    /// <summary>Largest element count a tensor may hold (1 Gi floats = 4 GiB).</summary>
    public const long MaxElements = 1L << 30;

    private int[] _shape;

    /// <summary>The backing buffer (at least <see cref="Length"/> floats).</summary>
    public float[] Data { get; private set; }

    /// <summary>Number of elements described by the shape.</summary>
    public int Length { get; private set; }

    /// <summary>The shape (do not modify the returned array).</summary>
    public ReadOnlySpan<int> Shape => _shape;

    /// <summary>Number of dimensions.</summary>
    public int Rank => _shape.Length;

    /// <summary>The elements described by the shape.</summary>
    public Span<float> Span => Data.AsSpan(0, Length);

    /// <summary>Creates a zero tensor of the given shape.</summary>
    public Tensor(params int[] shape)
    {
        Length = CheckedCount(shape);
        _shape = (int[])shape.Clone();
        Data = new float[Length];
    }

    /// <summary>Wraps <paramref name="data"/> (not copied) with the given shape.</summary>
    public Tensor(float[] data, params int[] shape)
    {
        Length = CheckedCount(shape);
        if (data.Length < Length)
            throw new ArgumentException($"buffer has {data.Length} floats, shape needs {Length}", nameof(data));
        _shape = (int[])shape.Clone();
        Data = data;
    }

    /// <summary>Size of dimension <paramref name="i"/>.</summary>
    public int Dim(int i) => _shape[i];

    /// <summary>Batch size: dimension 0 of an NCHW tensor.</summary>
    public int N => _shape[0];
    /// <summary>Channels: dimension 1 of an NCHW tensor.</summary>
    public int C => _shape[1];
    /// <summary>Height: dimension 2 of an NCHW tensor (valid for rank-4 tensors).</summary>
    public int H => _shape[2];
    /// <summary>Width: dimension 3 of an NCHW tensor (valid for rank-4 tensors).</summary>
    public int W => _shape[3];

    /// <summary>True when the shape equals <paramref name="shape"/>.</summary>
    public bool HasShape(ReadOnlySpan<int> shape) => shape.SequenceEqual(_shape);

    /// <summary>Shape as text, e.g. <c>[1, 3, 128, 128]</c>.</summary>
    public string ShapeString => "[" + string.Join(", ", _shape) + "]";

    /// <summary>
    /// Returns <paramref name="t"/> reshaped to <paramref name="shape"/>, reusing its buffer when it is large
    /// enough; allocates only on first use or growth. This is how layers keep their activation buffers
    /// across forward passes (no allocation in steady state).
    /// </summary>
    public static Tensor Reuse(ref Tensor? t, params ReadOnlySpan<int> shape)
    {
        if (t != null && t.HasShape(shape)) return t;
        int count = CheckedCount(shape);
        if (t == null || t.Data.Length < count) t = new Tensor(shape.ToArray());
        else { t._shape = shape.ToArray(); t.Length = count; }
        return t;
    }

    /// <summary>Points the tensor at another buffer (at least <see cref="Length"/> floats); used by inference plans to share buffers.</summary>
    internal void Rebind(float[] data)
    {
        if (data.Length < Length) throw new ArgumentException("buffer too small", nameof(data));
        Data = data;
    }

    internal static int CheckedCount(ReadOnlySpan<int> shape)
    {
        long n = 1;
        foreach (var d in shape)
        {
            if (d < 0) throw new ArgumentOutOfRangeException(nameof(shape), "negative dimension");
            n *= d;
            if (n > MaxElements) throw new ArgumentOutOfRangeException(nameof(shape), $"tensor larger than {MaxElements} elements");
        }
        return (int)n;
    }
}
