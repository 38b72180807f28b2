using System.Buffers.Binary;
using System.Text;

namespace DenseFace.Neural.Onnx;

/// <summary>
/// Reader of the protocol-buffers wire format (https://protobuf.dev/programming-guides/encoding/):
/// a message is a sequence of (tag = field number &lt;&lt; 3 | wire type, value) pairs, with wire types
/// 0 varint, 1 fixed 64-bit, 2 length-delimited (bytes, strings, sub-messages, packed repeated
/// scalars) and 5 fixed 32-bit. Groups (types 3 and 4) are refused. Only what the ONNX reader needs.
/// Malformed input raises <see cref="InvalidInputException"/> naming <see cref="Source"/>.
/// </summary>
internal ref struct ProtoReader
{
    public const int Varint = 0, Fixed64 = 1, LengthDelimited = 2, Fixed32 = 5;

    private readonly ReadOnlySpan<byte> _data;
    private int _pos;

    /// <summary>What is being read (a file name), for error messages.</summary>
    public readonly string Source;

    public ProtoReader(ReadOnlySpan<byte> data, string source)
    {
        _data = data;
        _pos = 0;
        Source = source;
    }

    /// <summary>True while fields remain.</summary>
    public readonly bool More => _pos < _data.Length;

    /// <summary>Reads the next tag.</summary>
    public (int Field, int WireType) ReadTag()
    {
        ulong tag = ReadVarint();
        int field = (int)(tag >> 3), wire = (int)(tag & 7);
        if (field <= 0) throw Fail($"invalid field number {field}");
        return (field, wire);
    }

    public ulong ReadVarint()
    {
        ulong v = 0;
        for (int shift = 0; shift < 64; shift += 7)
        {
            if (_pos >= _data.Length) throw Fail("truncated varint");
            byte b = _data[_pos++];
            v |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80) return v;
        }
        throw Fail("varint longer than 10 bytes");
    }

    public long ReadInt64() => (long)ReadVarint();

    public float ReadFloat()
    {
        var s = Take(4);
        return BinaryPrimitives.ReadSingleLittleEndian(s);
    }

    public double ReadDouble() => BinaryPrimitives.ReadDoubleLittleEndian(Take(8));

    /// <summary>Reads a length-delimited field's bytes.</summary>
    public ReadOnlySpan<byte> ReadBytes()
    {
        ulong len = ReadVarint();
        if (len > (ulong)(_data.Length - _pos)) throw Fail($"length {len} runs past the end");
        return Take((int)len);
    }

    public string ReadString() => Encoding.UTF8.GetString(ReadBytes());

    /// <summary>A sub-message reader over the next length-delimited field.</summary>
    public ProtoReader ReadMessage() => new(ReadBytes(), Source);

    /// <summary>Skips a field's value of the given wire type.</summary>
    public void Skip(int wireType)
    {
        switch (wireType)
        {
            case Varint: ReadVarint(); break;
            case Fixed64: Take(8); break;
            case LengthDelimited: ReadBytes(); break;
            case Fixed32: Take(4); break;
            default: throw Fail($"unsupported wire type {wireType}");
        }
    }

    /// <summary>Appends a repeated int64 field (packed or not) to <paramref name="dst"/>.</summary>
    public void ReadRepeatedInt64(int wireType, List<long> dst)
    {
        if (wireType == Varint) { dst.Add(ReadInt64()); return; }
        if (wireType != LengthDelimited) throw Fail($"wire type {wireType} for a repeated integer");
        var inner = ReadMessage();
        while (inner.More) dst.Add(inner.ReadInt64());
    }

    /// <summary>Appends a repeated float field (packed or not) to <paramref name="dst"/>.</summary>
    public void ReadRepeatedFloat(int wireType, List<float> dst)
    {
        if (wireType == Fixed32) { dst.Add(ReadFloat()); return; }
        if (wireType != LengthDelimited) throw Fail($"wire type {wireType} for a repeated float");
        var bytes = ReadBytes();
        if (bytes.Length % 4 != 0) throw Fail("packed float field length not a multiple of 4");
        for (int i = 0; i < bytes.Length; i += 4) dst.Add(BinaryPrimitives.ReadSingleLittleEndian(bytes[i..]));
    }

    /// <summary>Appends a repeated double field (packed or not) to <paramref name="dst"/>.</summary>
    public void ReadRepeatedDouble(int wireType, List<double> dst)
    {
        if (wireType == Fixed64) { dst.Add(ReadDouble()); return; }
        if (wireType != LengthDelimited) throw Fail($"wire type {wireType} for a repeated double");
        var bytes = ReadBytes();
        if (bytes.Length % 8 != 0) throw Fail("packed double field length not a multiple of 8");
        for (int i = 0; i < bytes.Length; i += 8) dst.Add(BinaryPrimitives.ReadDoubleLittleEndian(bytes[i..]));
    }

    private ReadOnlySpan<byte> Take(int n)
    {
        if (n > _data.Length - _pos) throw Fail("truncated field");
        var s = _data.Slice(_pos, n);
        _pos += n;
        return s;
    }

    public readonly InvalidInputException Fail(string what) => new(Source, $"malformed protobuf ({what})");
}
