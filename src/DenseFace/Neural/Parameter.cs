namespace DenseFace.Neural;

/// <summary>
/// A named tensor of a network: a trainable parameter (conv/linear weights, BN affine) or a buffer
/// (BN running statistics, <c>num_batches_tracked</c>). Names follow PyTorch's <c>state_dict</c> keys
/// (e.g. <c>features.1.conv.0.0.weight</c>) so safetensors files are interchangeable with torchvision.
/// </summary>
public sealed class Parameter
{
    /// <summary>Full dotted name (state_dict key).</summary>
    public string Name { get; internal set; }

    /// <summary>Local name within its module (<c>weight</c>, <c>bias</c>, <c>running_mean</c>...).</summary>
    public string LocalName { get; }

    /// <summary>PyTorch shape (e.g. <c>[out, in/groups, kh, kw]</c> for a conv weight; <c>[]</c> for a scalar).</summary>
    public int[] Shape { get; }

    /// <summary>Values, row-major in <see cref="Shape"/>.</summary>
    public float[] Value { get; }

    /// <summary>Gradient of the loss (same layout as <see cref="Value"/>); null until training allocates it.</summary>
    public float[]? Grad { get; internal set; }

    /// <summary>True for buffers (running statistics): saved and loaded, but not trained.</summary>
    public bool IsBuffer { get; }

    /// <summary>True when the tensor is stored as int64 in PyTorch (<c>num_batches_tracked</c>).</summary>
    public bool IsInteger { get; }

    /// <summary>Whether weight decay applies (conv and linear weights: yes; biases and BN affine: no).</summary>
    public bool Decay { get; }

    internal Parameter(string localName, int[] shape, bool isBuffer = false, bool isInteger = false, bool decay = true)
    {
        Name = LocalName = localName;
        Shape = shape;
        Value = new float[Tensor.CheckedCount(shape)];
        IsBuffer = isBuffer;
        IsInteger = isInteger;
        Decay = decay && !isBuffer;
    }

    /// <summary>Element count.</summary>
    public int Length => Value.Length;

    /// <summary>Allocates (or zeroes) the gradient buffer.</summary>
    public void ZeroGrad()
    {
        if (Grad == null) Grad = new float[Value.Length];
        else Array.Clear(Grad);
    }
}
