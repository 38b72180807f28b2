using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;

namespace DenseFace.Neural.Onnx;

/// <summary>
/// Writer of the protocol-buffers wire format, the counterpart of <see cref="ProtoReader"/>: each field is a
/// tag (field number &lt;&lt; 3 | wire type) and a value; wire types 0 (varint), 2 (length-delimited: strings,
/// bytes, sub-messages, packed repeated scalars) and 5 (fixed 32-bit float). A sub-message is written into its
/// own writer and then embedded with <see cref="Message"/> (its length must precede it). Little-endian output
/// regardless of the host.
/// </summary>
internal sealed class ProtoWriter
{
    private byte[] _buffer = new byte[256];
    private int _length;

    /// <summary>Bytes written so far.</summary>
    public ReadOnlySpan<byte> Written => _buffer.AsSpan(0, _length);

    /// <summary>A copy of the bytes written.</summary>
    public byte[] ToArray() => Written.ToArray();

    /// <summary>Varint field (int32/int64/enum/bool; negative values take 10 bytes, as protobuf specifies for int64).</summary>
    public ProtoWriter Varint(int field, long value)
    {
        Tag(field, ProtoReader.Varint);
        RawVarint((ulong)value);
        return this;
    }

    /// <summary>Fixed 32-bit float field.</summary>
    public ProtoWriter Float(int field, float value)
    {
        Tag(field, ProtoReader.Fixed32);
        BinaryPrimitives.WriteSingleLittleEndian(Grow(4), value);
        return this;
    }

    /// <summary>Length-delimited bytes field.</summary>
    public ProtoWriter Bytes(int field, ReadOnlySpan<byte> bytes)
    {
        Tag(field, ProtoReader.LengthDelimited);
        RawVarint((ulong)bytes.Length);
        bytes.CopyTo(Grow(bytes.Length));
        return this;
    }

    /// <summary>UTF-8 string field.</summary>
    public ProtoWriter String(int field, string value) => Bytes(field, Encoding.UTF8.GetBytes(value));

    /// <summary>Embedded message field.</summary>
    public ProtoWriter Message(int field, ProtoWriter message) => Bytes(field, message.Written);

    /// <summary>Packed repeated int64 field (one length-delimited run of varints).</summary>
    public ProtoWriter PackedInt64(int field, ReadOnlySpan<long> values)
    {
        var inner = new ProtoWriter();
        foreach (var v in values) inner.RawVarint((ulong)v);
        return Message(field, inner);
    }

    /// <summary>Length-delimited field holding <paramref name="values"/> as little-endian float32 (TensorProto.raw_data).</summary>
    public ProtoWriter RawFloats(int field, ReadOnlySpan<float> values)
    {
        Tag(field, ProtoReader.LengthDelimited);
        RawVarint((ulong)values.Length * 4);
        var dst = Grow(checked(values.Length * 4));
        if (BitConverter.IsLittleEndian) MemoryMarshal.AsBytes(values).CopyTo(dst);
        else
            for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(dst[(4 * i)..], values[i]);
        return this;
    }

    /// <summary>Appends already-encoded fields (e.g. another writer's repeated fields) unchanged.</summary>
    public ProtoWriter AppendRaw(ReadOnlySpan<byte> encodedFields)
    {
        encodedFields.CopyTo(Grow(encodedFields.Length));
        return this;
    }

    private void Tag(int field, int wireType)
    {
        if (field <= 0) throw new ArgumentOutOfRangeException(nameof(field), "protobuf field numbers start at 1");
        RawVarint((ulong)field << 3 | (uint)wireType);
    }

    private void RawVarint(ulong v)
    {
        var dst = Grow(10);
        int n = 0;
        while (v >= 0x80) { dst[n++] = (byte)(v | 0x80); v >>= 7; }
        dst[n++] = (byte)v;
        _length -= 10 - n;
    }

    /// <summary>Reserves <paramref name="n"/> bytes at the end and returns them.</summary>
    private Span<byte> Grow(int n)
    {
        if (_buffer.Length - _length < n)
        {
            long size = Math.Max((long)_buffer.Length * 2, (long)_length + n);
            if (size > Array.MaxLength) throw new InvalidOperationException("protobuf message larger than 2 GB (ONNX files above 2 GB need external data, which is not written)");
            Array.Resize(ref _buffer, (int)size);
        }
        var s = _buffer.AsSpan(_length, n);
        _length += n;
        return s;
    }
}
