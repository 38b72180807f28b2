using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;

namespace DenseFace.IO;

/// <summary>Element types of the NumPy <c>.npy</c> format that <see cref="NpyArray"/> reads.</summary>
public enum NpyElementType
{
    /// <summary><c>b1</c> / <c>?</c>: one byte, 0 = false, anything else = true.</summary>
    Bool,
    /// <summary><c>i1</c></summary>
    Int8,
    /// <summary><c>i2</c></summary>
    Int16,
    /// <summary><c>i4</c></summary>
    Int32,
    /// <summary><c>i8</c></summary>
    Int64,
    /// <summary><c>u1</c></summary>
    UInt8,
    /// <summary><c>u2</c></summary>
    UInt16,
    /// <summary><c>u4</c></summary>
    UInt32,
    /// <summary><c>u8</c></summary>
    UInt64,
    /// <summary><c>f4</c></summary>
    Float32,
    /// <summary><c>f8</c></summary>
    Float64,
}

/// <summary>
/// One array of a NumPy <c>.npy</c> file (format versions 1.0, 2.0 and 3.0; see
/// numpy/lib/format.py). Numeric dtypes <c>b1 i1 i2 i4 i8 u1 u2 u4 u8 f4 f8</c> in either byte order
/// and either memory order are accepted. On parsing, the data is converted to the machine's byte order
/// and to C (row-major) order, so <see cref="AsSpan{T}"/> and the <c>To*</c> helpers always see row-major
/// elements; <see cref="WasFortranOrder"/> and <see cref="WasBigEndian"/> record how the file stored it.
/// </summary>
public sealed class NpyArray
{
    /// <summary>Largest data size accepted (bytes); larger arrays are rejected before allocating.</summary>
    public const long MaxDataBytes = 1L << 30;
    /// <summary>Largest header accepted (bytes). NumPy writes a few hundred bytes.</summary>
    public const int MaxHeaderBytes = 1 << 16;
    /// <summary>Largest number of dimensions accepted (NumPy's own limit is 64).</summary>
    public const int MaxDimensions = 32;

    static ReadOnlySpan<byte> Magic => [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    readonly byte[] _buffer;
    readonly int _offset;

    /// <summary>Element type.</summary>
    public NpyElementType ElementType { get; }
    /// <summary>Dimensions, outermost first (empty for a 0-d scalar).</summary>
    public IReadOnlyList<int> Shape { get; }
    /// <summary>Number of elements (product of <see cref="Shape"/>; 1 for a scalar).</summary>
    public int Count { get; }
    /// <summary>Size of one element in bytes.</summary>
    public int ElementSize => ElementSizeOf(ElementType);
    /// <summary>True when the file stored the array in Fortran (column-major) order; the data here is row-major.</summary>
    public bool WasFortranOrder { get; }
    /// <summary>True when the file stored multi-byte elements big-endian; the data here is in machine order.</summary>
    public bool WasBigEndian { get; }
    /// <summary>Format version of the file, e.g. (1, 0).</summary>
    public (int Major, int Minor) Version { get; }

    NpyArray(NpyElementType type, int[] shape, int count, byte[] buffer, int offset, bool fortran, bool bigEndian, (int, int) version)
    {
        ElementType = type; Shape = shape; Count = count; _buffer = buffer; _offset = offset;
        WasFortranOrder = fortran; WasBigEndian = bigEndian; Version = version;
    }

    /// <summary>The elements as raw bytes (row-major, machine byte order).</summary>
    public ReadOnlySpan<byte> Bytes => _buffer.AsSpan(_offset, Count * ElementSize);

    /// <summary>Zero-copy typed view; <typeparamref name="T"/> must match <see cref="ElementType"/> (e.g. float for f4, bool for b1).</summary>
    public ReadOnlySpan<T> AsSpan<T>() where T : unmanaged
    {
        if (ClrType(ElementType) != typeof(T))
            throw new InvalidOperationException($"array has element type {ElementType}; AsSpan<{typeof(T).Name}> needs {ClrType(ElementType).Name}");
        return MemoryMarshal.Cast<byte, T>(Bytes);
    }

    /// <summary>Copies the elements converted to float (any numeric type; bool -> 0/1) into <paramref name="destination"/> (length ≥ <see cref="Count"/>).</summary>
    public void CopyTo(Span<float> destination)
    {
        if (destination.Length < Count) throw new ArgumentException($"destination holds {destination.Length} elements, array has {Count}", nameof(destination));
        if (ElementType == NpyElementType.Float32) { AsSpan<float>().CopyTo(destination); return; }
        for (int i = 0; i < Count; i++) destination[i] = (float)GetDouble(i);
    }

    /// <summary>The elements converted to float (any numeric type; may round 64-bit values).</summary>
    public float[] ToFloatArray() { var a = new float[Count]; CopyTo(a); return a; }

    /// <summary>The elements converted to double.</summary>
    public double[] ToDoubleArray()
    {
        var a = new double[Count];
        if (ElementType == NpyElementType.Float64) AsSpan<double>().CopyTo(a);
        else for (int i = 0; i < Count; i++) a[i] = GetDouble(i);
        return a;
    }

    /// <summary>The elements as int; floats must be integral and every value must fit in an int, else <see cref="InvalidInputException"/> naming <paramref name="inputName"/>.</summary>
    public int[] ToInt32Array(string inputName = "npy array")
    {
        var a = new int[Count];
        for (int i = 0; i < Count; i++)
        {
            if (ElementType is NpyElementType.Int64 or NpyElementType.UInt64)
            {
                long l = ElementType == NpyElementType.Int64 ? AsSpan<long>()[i] : (long)Math.Min(AsSpan<ulong>()[i], long.MaxValue);
                if (l < int.MinValue || l > int.MaxValue) throw new InvalidInputException(inputName, $"element {i} = {l} does not fit in a 32-bit int");
                a[i] = (int)l;
                continue;
            }
            double d = GetDouble(i); // exact for every other type
            if (d != Math.Floor(d) || d < int.MinValue || d > int.MaxValue)
                throw new InvalidInputException(inputName, $"element {i} = {d} is not a 32-bit integer");
            a[i] = (int)d;
        }
        return a;
    }

    /// <summary>The elements as long (integer and bool types only; uint64 above long.MaxValue is rejected).</summary>
    public long[] ToInt64Array(string inputName = "npy array")
    {
        var a = new long[Count];
        for (int i = 0; i < Count; i++)
        {
            switch (ElementType)
            {
                case NpyElementType.Int64: a[i] = AsSpan<long>()[i]; break;
                case NpyElementType.UInt64:
                    ulong u = AsSpan<ulong>()[i];
                    if (u > long.MaxValue) throw new InvalidInputException(inputName, $"element {i} = {u} does not fit in a 64-bit signed int");
                    a[i] = (long)u; break;
                case NpyElementType.Float32 or NpyElementType.Float64:
                    throw new InvalidInputException(inputName, $"element type {ElementType} is not an integer type");
                default: a[i] = (long)GetDouble(i); break;
            }
        }
        return a;
    }

    /// <summary>The elements as bool (nonzero = true).</summary>
    public bool[] ToBoolArray()
    {
        var a = new bool[Count];
        for (int i = 0; i < Count; i++) a[i] = GetDouble(i) != 0;
        return a;
    }

    /// <summary>Element <paramref name="index"/> (row-major) converted to double.</summary>
    public double GetDouble(int index)
    {
        if ((uint)index >= (uint)Count) throw new ArgumentOutOfRangeException(nameof(index));
        var b = Bytes;
        return ElementType switch
        {
            NpyElementType.Bool => b[index] != 0 ? 1 : 0,
            NpyElementType.Int8 => (sbyte)b[index],
            NpyElementType.UInt8 => b[index],
            NpyElementType.Int16 => MemoryMarshal.Cast<byte, short>(b)[index],
            NpyElementType.UInt16 => MemoryMarshal.Cast<byte, ushort>(b)[index],
            NpyElementType.Int32 => MemoryMarshal.Cast<byte, int>(b)[index],
            NpyElementType.UInt32 => MemoryMarshal.Cast<byte, uint>(b)[index],
            NpyElementType.Int64 => MemoryMarshal.Cast<byte, long>(b)[index],
            NpyElementType.UInt64 => MemoryMarshal.Cast<byte, ulong>(b)[index],
            NpyElementType.Float32 => MemoryMarshal.Cast<byte, float>(b)[index],
            _ => MemoryMarshal.Cast<byte, double>(b)[index],
        };
    }

    /// <summary>Size in bytes of one element of <paramref name="type"/>.</summary>
    public static int ElementSizeOf(NpyElementType type) => type switch
    {
        NpyElementType.Bool or NpyElementType.Int8 or NpyElementType.UInt8 => 1,
        NpyElementType.Int16 or NpyElementType.UInt16 => 2,
        NpyElementType.Int32 or NpyElementType.UInt32 or NpyElementType.Float32 => 4,
        _ => 8,
    };

    static Type ClrType(NpyElementType type) => type switch
    {
        NpyElementType.Bool => typeof(bool),
        NpyElementType.Int8 => typeof(sbyte),
        NpyElementType.UInt8 => typeof(byte),
        NpyElementType.Int16 => typeof(short),
        NpyElementType.UInt16 => typeof(ushort),
        NpyElementType.Int32 => typeof(int),
        NpyElementType.UInt32 => typeof(uint),
        NpyElementType.Int64 => typeof(long),
        NpyElementType.UInt64 => typeof(ulong),
        NpyElementType.Float32 => typeof(float),
        _ => typeof(double),
    };

    /// <summary>
    /// Parses a complete <c>.npy</c> file held in memory (the bytes are copied).
    /// <paramref name="sourceName"/> names the input in errors (a path, or "archive.npz:entry.npy").
    /// Throws <see cref="InvalidInputException"/> for a bad magic, version, header, unsupported dtype,
    /// a shape whose size overflows or exceeds <see cref="MaxDataBytes"/>, or data shorter than the shape needs.
    /// </summary>
    public static NpyArray Parse(ReadOnlySpan<byte> data, string sourceName)
    {
        var h = ParseHeader(data, sourceName);
        var copy = new byte[h.DataBytes];
        data.Slice(h.DataOffset, h.DataBytes).CopyTo(copy);
        return Finish(h, copy, 0, sourceName);
    }

    /// <summary>Parses a <c>.npy</c> file held in a buffer this class may keep and modify (no copy in the common case).</summary>
    internal static NpyArray ParseOwned(byte[] buffer, int length, string sourceName)
    {
        var h = ParseHeader(buffer.AsSpan(0, length), sourceName);
        return Finish(h, buffer, h.DataOffset, sourceName);
    }

    /// <summary>Reads and parses a <c>.npy</c> file (size capped before reading).</summary>
    public static NpyArray Read(string path)
    {
        if (!File.Exists(path)) throw new InvalidInputException(path, "file not found");
        byte[] bytes;
        try
        {
            long len = new FileInfo(path).Length;
            if (len > MaxDataBytes + MaxHeaderBytes + 16) throw new InvalidInputException(path, $"file is {len} bytes, above the {MaxDataBytes} byte cap");
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw new InvalidInputException(path, $"cannot read: {e.Message}", e); }
        return ParseOwned(bytes, bytes.Length, path);
    }

    readonly record struct Header(NpyElementType Type, bool BigEndian, bool Fortran, int[] Shape, int Count, int DataOffset, int DataBytes, (int, int) Version);

    static Header ParseHeader(ReadOnlySpan<byte> data, string src)
    {
        if (data.Length < 10 || !data[..6].SequenceEqual(Magic))
            throw new InvalidInputException(src, "not a NumPy .npy file (missing \\x93NUMPY magic)");
        int major = data[6], minor = data[7];
        int headerLen, prefix;
        if (major == 1) { headerLen = BinaryPrimitives.ReadUInt16LittleEndian(data.Slice(8, 2)); prefix = 10; }
        else if (major is 2 or 3)
        {
            if (data.Length < 12) throw new InvalidInputException(src, "truncated .npy header");
            uint l = BinaryPrimitives.ReadUInt32LittleEndian(data.Slice(8, 4));
            if (l > MaxHeaderBytes) throw new InvalidInputException(src, $".npy header length {l} exceeds the {MaxHeaderBytes} byte cap");
            headerLen = (int)l; prefix = 12;
        }
        else throw new InvalidInputException(src, $"unsupported .npy format version {major}.{minor} (1.0, 2.0 and 3.0 are supported)");
        if (minor != 0) throw new InvalidInputException(src, $"unsupported .npy format version {major}.{minor}");
        if (data.Length < prefix + headerLen) throw new InvalidInputException(src, $"truncated .npy header: needs {prefix + headerLen} bytes, file has {data.Length}");
        var headerBytes = data.Slice(prefix, headerLen);
        string text = major == 3 ? Encoding.UTF8.GetString(headerBytes) : Encoding.Latin1.GetString(headerBytes);

        var dict = new HeaderDictParser(text, src).Parse();
        if (!dict.TryGetValue("descr", out var descrObj) || descrObj is not string descr)
            throw new InvalidInputException(src, "npy header has no string 'descr' (structured dtypes are not supported)");
        if (!dict.TryGetValue("fortran_order", out var fo) || fo is not bool fortran)
            throw new InvalidInputException(src, "npy header has no boolean 'fortran_order'");
        if (!dict.TryGetValue("shape", out var shObj) || shObj is not List<long> shapeList)
            throw new InvalidInputException(src, "npy header has no tuple 'shape'");
        if (shapeList.Count > MaxDimensions) throw new InvalidInputException(src, $"npy shape has {shapeList.Count} dimensions (cap {MaxDimensions})");

        var (type, bigEndian) = ParseDescr(descr, src);
        int esize = ElementSizeOf(type);
        var shape = new int[shapeList.Count];
        long count = 1;
        for (int i = 0; i < shape.Length; i++)
        {
            long d = shapeList[i];
            if (d < 0) throw new InvalidInputException(src, $"npy shape dimension {i} is negative ({d})");
            if (d > MaxDataBytes) throw new InvalidInputException(src, $"npy shape dimension {i} = {d} exceeds the {MaxDataBytes} byte cap");
            shape[i] = (int)d;
            count *= d; // both factors <= 2^30 and count is kept <= 2^30 below: no overflow
            if (count * esize > MaxDataBytes)
                throw new InvalidInputException(src, $"npy shape ({string.Join(", ", shapeList)}) needs more than the {MaxDataBytes} byte cap");
        }
        int dataBytes = (int)(count * esize);
        int dataOffset = prefix + headerLen;
        if (data.Length - dataOffset < dataBytes)
            throw new InvalidInputException(src, $"npy data is truncated: shape ({string.Join(", ", shapeList)}) of {type} needs {dataBytes} bytes, file has {data.Length - dataOffset}");
        return new Header(type, bigEndian, fortran, shape, (int)count, dataOffset, dataBytes, (major, minor));
    }

    static (NpyElementType, bool BigEndian) ParseDescr(string descr, string src)
    {
        if (descr.Length < 2) throw new InvalidInputException(src, $"unsupported npy dtype '{descr}'");
        if (descr[1..] == "O")
            throw new InvalidInputException(src, "npy dtype '|O' holds pickled Python objects, which are not supported (only numeric arrays)");
        char order = descr[0];
        string rest = descr[1..];
        bool big;
        switch (order)
        {
            case '<': big = false; break;
            case '>': big = true; break;
            case '|' or '=': big = !BitConverter.IsLittleEndian; break;
            default: big = !BitConverter.IsLittleEndian; rest = descr; break;
        }
        NpyElementType type = rest switch
        {
            "b1" or "?" => NpyElementType.Bool,
            "i1" => NpyElementType.Int8,
            "i2" => NpyElementType.Int16,
            "i4" => NpyElementType.Int32,
            "i8" => NpyElementType.Int64,
            "u1" => NpyElementType.UInt8,
            "u2" => NpyElementType.UInt16,
            "u4" => NpyElementType.UInt32,
            "u8" => NpyElementType.UInt64,
            "f4" => NpyElementType.Float32,
            "f8" => NpyElementType.Float64,
            _ => throw new InvalidInputException(src, $"unsupported npy dtype '{descr}' (supported: b1 i1 i2 i4 i8 u1 u2 u4 u8 f4 f8)"),
        };
        return (type, big);
    }

    static NpyArray Finish(Header h, byte[] buffer, int offset, string src)
    {
        int esize = ElementSizeOf(h.Type);
        var span = buffer.AsSpan(offset, h.DataBytes);
        if (h.BigEndian == BitConverter.IsLittleEndian && esize > 1)
        {
            switch (esize)
            {
                case 2: BinaryPrimitives.ReverseEndianness(MemoryMarshal.Cast<byte, ushort>(span), MemoryMarshal.Cast<byte, ushort>(span)); break;
                case 4: BinaryPrimitives.ReverseEndianness(MemoryMarshal.Cast<byte, uint>(span), MemoryMarshal.Cast<byte, uint>(span)); break;
                default: BinaryPrimitives.ReverseEndianness(MemoryMarshal.Cast<byte, ulong>(span), MemoryMarshal.Cast<byte, ulong>(span)); break;
            }
        }
        if (h.Fortran && h.Shape.Length > 1 && h.Count > 1)
        {
            var c = new byte[h.DataBytes];
            FortranToC(span, c, h.Shape, esize);
            buffer = c; offset = 0;
        }
        return new NpyArray(h.Type, h.Shape, h.Count, buffer, offset, h.Fortran, h.BigEndian && esize > 1, h.Version);
    }

    /// <summary>Reorders column-major elements to row-major by walking the row-major index with an odometer.</summary>
    static void FortranToC(ReadOnlySpan<byte> src, Span<byte> dst, int[] shape, int esize)
    {
        int nd = shape.Length;
        Span<long> fStride = stackalloc long[nd];
        long s = 1;
        for (int d = 0; d < nd; d++) { fStride[d] = s; s *= shape[d]; }
        Span<int> idx = stackalloc int[nd];
        long srcIndex = 0;
        int count = dst.Length / esize;
        for (int i = 0; i < count; i++)
        {
            src.Slice((int)srcIndex * esize, esize).CopyTo(dst.Slice(i * esize, esize));
            for (int d = nd - 1; d >= 0; d--)
            {
                idx[d]++; srcIndex += fStride[d];
                if (idx[d] < shape[d]) break;
                srcIndex -= fStride[d] * shape[d]; idx[d] = 0;
            }
        }
    }

    /// <summary>Parser for the Python dict literal of the .npy header: string keys, values str / bool / tuple of ints.</summary>
    ref struct HeaderDictParser(string text, string src)
    {
        int _pos;

        public Dictionary<string, object> Parse()
        {
            var dict = new Dictionary<string, object>();
            Skip(); Expect('{');
            while (true)
            {
                Skip();
                if (Peek() == '}') { _pos++; break; }
                string key = ReadString();
                Skip(); Expect(':'); Skip();
                dict[key] = ReadValue();
                Skip();
                if (Peek() == ',') { _pos++; continue; }
                Skip(); Expect('}'); break;
            }
            return dict;
        }

        object ReadValue()
        {
            char c = Peek();
            if (c is '\'' or '"') return ReadString();
            if (c == '(')
            {
                _pos++;
                var list = new List<long>();
                while (true)
                {
                    Skip();
                    if (Peek() == ')') { _pos++; break; }
                    list.Add(ReadInt());
                    Skip();
                    if (Peek() == ',') { _pos++; continue; }
                    Expect(')'); break;
                }
                return list;
            }
            if (Match("True")) return true;
            if (Match("False")) return false;
            if (c == '[') throw Fail("structured (record) dtypes are not supported");
            throw Fail($"unexpected character '{c}'");
        }

        long ReadInt()
        {
            int start = _pos;
            while (_pos < text.Length && char.IsAsciiDigit(text[_pos])) _pos++;
            if (_pos < text.Length && text[_pos] == 'L') { _pos++; } // Python 2 long suffix
            var digits = text.AsSpan(start, _pos - start).TrimEnd('L');
            if (digits.Length == 0) throw Fail("expected a non-negative integer in 'shape'");
            if (digits.Length > 18 || !long.TryParse(digits, out long v)) throw Fail($"shape dimension '{digits}' is too large");
            return v;
        }

        string ReadString()
        {
            char q = Peek();
            if (q is not ('\'' or '"')) throw Fail("expected a quoted key or string");
            int end = text.IndexOf(q, _pos + 1);
            if (end < 0) throw Fail("unterminated string");
            var s = text.Substring(_pos + 1, end - _pos - 1);
            _pos = end + 1;
            return s;
        }

        bool Match(string word)
        {
            if (string.CompareOrdinal(text, _pos, word, 0, word.Length) != 0) return false;
            _pos += word.Length; return true;
        }

        void Expect(char c) { if (Peek() != c) throw Fail($"expected '{c}'"); _pos++; }
        char Peek() => _pos < text.Length ? text[_pos] : '\0';
        void Skip() { while (_pos < text.Length && char.IsWhiteSpace(text[_pos])) _pos++; }
        InvalidInputException Fail(string what) => new(src, $"malformed npy header at character {_pos}: {what} (header: {Truncate(text)})");
        static string Truncate(string s) => s.Length > 120 ? s[..120] + "..." : s.TrimEnd();
    }
}
