using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace DenseFace.Evaluation.Datasets;

/// <summary>
/// Reader of MATLAB level-5 MAT-files (the format of <c>save -v6</c> and <c>-v7</c>; AFLW2000-3D, 300W-LP).
/// Supports both byte orders, zlib-compressed variables (miCOMPRESSED), the small data element format, every numeric
/// storage type (converted to the array's class, e.g. a double array stored as uint8), char, logical, struct and cell
/// arrays. Sparse, object, function-handle and v7.3 (HDF5) files are reported as unsupported.
/// <para>
/// Robustness: every length and count is checked against the bytes that remain before it is used or allocated;
/// decompressed data is capped at <see cref="MaxInflatedBytes"/> per file and at <see cref="MaxCompressionRatio"/>
/// times the compressed size of each variable (zlib cannot exceed about 1032:1, so real files never hit it);
/// nesting of struct/cell arrays is capped at <see cref="MaxDepth"/>, and the number of arrays and of elements per file at
/// <see cref="MaxArrays"/> and <see cref="MaxElements"/>, so memory stays proportional to the input. Anything truncated, corrupt or unsupported
/// throws <see cref="InvalidInputException"/> naming the file.
/// </para>
/// </summary>
public sealed class MatFile
{
    /// <summary>Largest file accepted by <see cref="Read"/>.</summary>
    public const long MaxFileBytes = 1L << 30;

    /// <summary>Most bytes all compressed variables of one file may inflate to (256 MiB).</summary>
    public const long MaxInflatedBytes = 256L << 20;

    /// <summary>Largest accepted ratio of a variable's inflated size to its compressed size (zlib's own maximum is ~1032).</summary>
    public const int MaxCompressionRatio = 1100;

    /// <summary>Deepest accepted nesting of struct and cell arrays.</summary>
    public const int MaxDepth = 32;

    /// <summary>Most arrays (variables, struct field values and cells together) one file may hold.</summary>
    public const int MaxArrays = 1_000_000;

    /// <summary>Most numeric/char elements one file may hold in total (each becomes a double: 1 GiB).</summary>
    public const long MaxElements = 1L << 27;

    /// <summary>Most fields a struct may have.</summary>
    public const int MaxStructFields = 65_536;

    private const int HeaderBytes = 128;
    private const uint MiInt8 = 1, MiUInt8 = 2, MiInt16 = 3, MiUInt16 = 4, MiInt32 = 5, MiUInt32 = 6, MiSingle = 7,
        MiDouble = 9, MiInt64 = 12, MiUInt64 = 13, MiMatrix = 14, MiCompressed = 15, MiUtf8 = 16, MiUtf16 = 17, MiUtf32 = 18;

    private MatFile(string sourceName, string headerText, Dictionary<string, MatArray> variables)
    {
        SourceName = sourceName;
        HeaderText = headerText;
        Variables = variables;
    }

    /// <summary>The file or input name given to the reader.</summary>
    public string SourceName { get; }

    /// <summary>The descriptive text of the 128-byte header (e.g. "MATLAB 5.0 MAT-file, Platform: ...").</summary>
    public string HeaderText { get; }

    /// <summary>Top-level variables by name.</summary>
    public IReadOnlyDictionary<string, MatArray> Variables { get; }

    /// <summary>The variable <paramref name="name"/>, or an <see cref="InvalidInputException"/> naming the file when it is absent.</summary>
    public MatArray Get(string name) =>
        Variables.TryGetValue(name, out var v) ? v : throw new InvalidInputException(SourceName, $"MAT-file has no variable '{name}'");

    /// <summary>Reads and parses a MAT-file.</summary>
    public static MatFile Read(string path) => Parse(DatasetFile.ReadAllBytes(path, MaxFileBytes), path);

    /// <summary>Parses MAT-file bytes; <paramref name="sourceName"/> names the input in error messages.</summary>
    public static MatFile Parse(ReadOnlySpan<byte> data, string sourceName)
    {
        ArgumentNullException.ThrowIfNull(sourceName);
        if (data.Length < HeaderBytes)
            throw new InvalidInputException(sourceName, $"{data.Length} bytes is too short for a MAT-file (128-byte header)");
        var headerText = Encoding.ASCII.GetString(data[..116]).TrimEnd(' ', '\0');
        bool bigEndian;
        if (data[126] == (byte)'I' && data[127] == (byte)'M') bigEndian = false;
        else if (data[126] == (byte)'M' && data[127] == (byte)'I') bigEndian = true;
        else if (headerText.StartsWith("MATLAB 7.3", StringComparison.Ordinal))
            throw new InvalidInputException(sourceName, "MAT-file v7.3 (HDF5) is not supported; save with -v7");
        else throw new InvalidInputException(sourceName, "not a MATLAB v5/v7 MAT-file (no 'IM'/'MI' endian indicator at byte 126)");

        var ctx = new Context(sourceName, bigEndian);
        var variables = new Dictionary<string, MatArray>(StringComparer.Ordinal);
        int pos = HeaderBytes;
        while (pos < data.Length)
        {
            int start = pos;
            var type = ctx.ReadElement(data, ref pos, $"top-level element at byte {start}", padded: false, out var payload);
            MatArray array;
            if (type == MiCompressed)
            {
                var inflated = ctx.Inflate(payload, start);
                int ipos = 0;
                var itype = ctx.ReadElement(inflated, ref ipos, $"compressed element at byte {start}", padded: true, out var ipayload);
                if (itype != MiMatrix)
                    throw ctx.Error($"compressed element at byte {start} holds data type {itype}, expected miMATRIX (14)");
                array = ctx.ParseMatrix(ipayload, 0, $"variable at byte {start}");
            }
            else if (type == MiMatrix)
            {
                array = ctx.ParseMatrix(payload, 0, $"variable at byte {start}");
                pos = Math.Min(data.Length, start + 8 + Pad8(payload.Length)); // uncompressed elements are 8-byte aligned
            }
            else throw ctx.Error($"top-level element at byte {start} has data type {type}; expected miMATRIX (14) or miCOMPRESSED (15)");
            if (!variables.TryAdd(array.Name, array))
                throw ctx.Error($"variable '{array.Name}' appears twice");
        }
        return new MatFile(sourceName, headerText, variables);
    }

    private static int Pad8(int n) => (n + 7) & ~7;

    /// <summary>Parsing state: the input name, byte order and the remaining inflate budget.</summary>
    private sealed class Context(string source, bool bigEndian)
    {
        private long _inflateBudget = MaxInflatedBytes;
        private long _elementBudget = MaxElements;
        private int _arrayBudget = MaxArrays;

        public InvalidInputException Error(string problem) => new(source, problem);

        private uint U32(ReadOnlySpan<byte> b) => bigEndian ? BinaryPrimitives.ReadUInt32BigEndian(b) : BinaryPrimitives.ReadUInt32LittleEndian(b);

        private int I32(ReadOnlySpan<byte> b) => (int)U32(b);

        /// <summary>Reads one data element (regular or small format) at <paramref name="pos"/>, advances past it and returns its data type.</summary>
        public uint ReadElement(ReadOnlySpan<byte> buf, ref int pos, string what, bool padded, out ReadOnlySpan<byte> payload)
        {
            int left = buf.Length - pos;
            if (left < 8) throw Error($"truncated: {what} needs an 8-byte tag, {left} bytes left");
            uint first = U32(buf.Slice(pos, 4));
            if ((first >> 16) != 0)
            {
                uint n = first >> 16;
                if (n > 4) throw Error($"corrupt: {what} is a small element of {n} bytes (at most 4)");
                payload = buf.Slice(pos + 4, (int)n);
                pos += 8;
                return first & 0xFFFF;
            }
            uint count = U32(buf.Slice(pos + 4, 4));
            if (count > (uint)(left - 8))
                throw Error($"truncated or corrupt: {what} declares {count} bytes but {left - 8} remain");
            payload = buf.Slice(pos + 8, (int)count);
            pos += 8 + (int)count;
            if (padded) pos = Math.Min(buf.Length, pos + (Pad8((int)count) - (int)count));
            return first;
        }

        /// <summary>Inflates one miCOMPRESSED payload after validating the inner element's declared size against the caps.</summary>
        public byte[] Inflate(ReadOnlySpan<byte> compressed, int fileOffset)
        {
            // FLG bit 5 (FDICT): the stream needs a preset dictionary, which MATLAB never writes and zlib cannot inflate without.
            if (compressed.Length >= 2 && (compressed[1] & 0x20) != 0)
                throw Error($"corrupt zlib data in compressed element at byte {fileOffset}: the stream requires a preset dictionary (FDICT flag set)");
            try
            {
                using var z = new ZLibStream(new MemoryStream(compressed.ToArray(), writable: false), CompressionMode.Decompress);
                Span<byte> tag = stackalloc byte[8];
                if (z.ReadAtLeast(tag, 8, throwOnEndOfStream: false) < 8)
                    throw Error($"truncated: compressed element at byte {fileOffset} inflates to fewer than 8 bytes");
                uint first = U32(tag);
                long total = (first >> 16) != 0 ? 8 : 8L + U32(tag[4..]);
                if (total > _inflateBudget)
                    throw Error($"compressed element at byte {fileOffset} declares {total} inflated bytes; more than the {MaxInflatedBytes}-byte limit per file allows");
                if (total > (long)MaxCompressionRatio * compressed.Length + 64)
                    throw Error($"corrupt: compressed element at byte {fileOffset} declares {total} inflated bytes from {compressed.Length} compressed bytes");
                _inflateBudget -= total;
                var buffer = new byte[total];
                tag.CopyTo(buffer);
                int got = z.ReadAtLeast(buffer.AsSpan(8), buffer.Length - 8, throwOnEndOfStream: false);
                if (got < buffer.Length - 8)
                    throw Error($"truncated: compressed element at byte {fileOffset} inflates to {8 + got} of {total} declared bytes");
                return buffer;
            }
            catch (Exception e) when (e is InvalidDataException or IOException)
            {
                // zlib's own error codes surface as ZLibException, an IOException, not as InvalidDataException.
                throw new InvalidInputException(source, $"corrupt zlib data in compressed element at byte {fileOffset}: {e.Message}", e);
            }
        }

        /// <summary>Parses the payload of an miMATRIX element.</summary>
        public MatArray ParseMatrix(ReadOnlySpan<byte> m, int depth, string what)
        {
            if (depth > MaxDepth) throw Error($"{what}: struct/cell nesting deeper than {MaxDepth}");
            if (--_arrayBudget < 0) throw Error($"{what}: more than {MaxArrays} arrays in one file");
            if (m.IsEmpty) return new MatArray("", MatClass.Double, [0, 0], [], false); // MATLAB writes [] cells this way
            int pos = 0;

            var ft = ReadElement(m, ref pos, $"{what}: array flags", true, out var flags);
            if (ft != MiUInt32 || flags.Length != 8) throw Error($"corrupt: {what}: array flags must be 8 bytes of miUINT32");
            uint flagWord = U32(flags);
            int classCode = (int)(flagWord & 0xFF);
            bool complex = (flagWord & 0x800) != 0, logical = (flagWord & 0x200) != 0;

            var dt = ReadElement(m, ref pos, $"{what}: dimensions", true, out var dimBytes);
            if (dt != MiInt32 || dimBytes.Length % 4 != 0 || dimBytes.Length < 8 || dimBytes.Length > 4 * 32)
                throw Error($"corrupt: {what}: dimensions must be 2 to 32 miINT32 values");
            var dims = new int[dimBytes.Length / 4];
            long numel = 1;
            for (int i = 0; i < dims.Length; i++)
            {
                dims[i] = I32(dimBytes.Slice(4 * i, 4));
                if (dims[i] < 0) throw Error($"corrupt: {what}: negative dimension {dims[i]}");
                numel = Math.Min(numel * dims[i], (long)int.MaxValue + 1); // saturates instead of overflowing
            }
            if (numel > int.MaxValue) throw Error($"{what}: {string.Join('x', dims)} elements exceed the supported count");

            var nt = ReadElement(m, ref pos, $"{what}: name", true, out var nameBytes);
            if (nt != MiInt8 && nt != MiUInt8 && nt != MiUtf8) throw Error($"corrupt: {what}: name has data type {nt}, expected miINT8");
            var name = Encoding.UTF8.GetString(nameBytes).TrimEnd('\0');
            if (name.Length > 0) what = $"variable '{name}'";

            var rest = m[pos..];
            switch (classCode)
            {
                case 1: return ParseCell(rest, name, dims, (int)numel, depth, what);
                case 2: return ParseStruct(rest, name, dims, (int)numel, depth, what);
                case 3: throw Error($"{what}: MATLAB objects are not supported");
                case 5: throw Error($"{what}: sparse arrays are not supported");
                case 4: case >= 6 and <= 15: break;
                default: throw Error($"{what}: unsupported array class {classCode}");
            }
            var cls = classCode switch
            {
                4 => MatClass.Char, 6 => MatClass.Double, 7 => MatClass.Single, 8 => MatClass.Int8,
                9 => logical ? MatClass.Logical : MatClass.UInt8, 10 => MatClass.Int16, 11 => MatClass.UInt16,
                12 => MatClass.Int32, 13 => MatClass.UInt32, 14 => MatClass.Int64, _ => MatClass.UInt64,
            };
            _elementBudget -= numel;
            if (_elementBudget < 0) throw Error($"{what}: more than {MaxElements} numeric elements in one file");
            int rpos = 0;
            var rt = ReadElement(rest, ref rpos, $"{what}: real part", true, out var real);
            var values = ReadNumbers(rt, real, (int)numel, cls == MatClass.Char, $"{what}: real part");
            if (complex)
            {
                var it = ReadElement(rest, ref rpos, $"{what}: imaginary part", true, out var imag);
                ReadNumbers(it, imag, (int)numel, false, $"{what}: imaginary part"); // validated, then dropped
            }
            return new MatArray(name, cls, dims, values, complex);
        }

        private MatArray ParseCell(ReadOnlySpan<byte> rest, string name, int[] dims, int numel, int depth, string what)
        {
            if ((long)numel * 8 > rest.Length) throw Error($"truncated: {what}: {numel} cells cannot fit in {rest.Length} bytes");
            var cells = new MatArray[numel];
            int pos = 0;
            for (int i = 0; i < numel; i++)
            {
                var t = ReadElement(rest, ref pos, $"{what}: cell {i}", true, out var payload);
                if (t != MiMatrix) throw Error($"corrupt: {what}: cell {i} has data type {t}, expected miMATRIX");
                cells[i] = ParseMatrix(payload, depth + 1, $"{what}{{{i}}}");
            }
            return new MatArray(name, MatClass.Cell, dims, null, false, cells: cells);
        }

        private MatArray ParseStruct(ReadOnlySpan<byte> rest, string name, int[] dims, int numel, int depth, string what)
        {
            int pos = 0;
            var lt = ReadElement(rest, ref pos, $"{what}: field name length", true, out var lenBytes);
            if ((lt != MiInt32 && lt != MiUInt32) || lenBytes.Length != 4) throw Error($"corrupt: {what}: field name length must be one miINT32");
            int fieldLen = I32(lenBytes);
            if (fieldLen < 1 || fieldLen > 4096) throw Error($"corrupt: {what}: field name length {fieldLen} out of range 1..4096");
            var nt = ReadElement(rest, ref pos, $"{what}: field names", true, out var names);
            if ((nt != MiInt8 && nt != MiUInt8) || names.Length % fieldLen != 0)
                throw Error($"corrupt: {what}: field names are {names.Length} bytes, not a multiple of {fieldLen}");
            int fieldCount = names.Length / fieldLen;
            if (fieldCount > MaxStructFields) throw Error($"{what}: {fieldCount} struct fields; at most {MaxStructFields} are supported");
            var fieldNames = new string[fieldCount];
            var seen = new HashSet<string>(fieldCount, StringComparer.Ordinal);
            for (int f = 0; f < fieldCount; f++)
            {
                var raw = names.Slice(f * fieldLen, fieldLen);
                int nul = raw.IndexOf((byte)0);
                fieldNames[f] = Encoding.UTF8.GetString(nul < 0 ? raw : raw[..nul]);
                if (!seen.Add(fieldNames[f])) throw Error($"corrupt: {what}: field '{fieldNames[f]}' appears twice");
            }
            if (numel > _arrayBudget) throw Error($"{what}: {numel} struct elements exceed the limit of {MaxArrays} arrays in one file");
            _arrayBudget -= numel;
            if ((long)numel * fieldCount * 8 > rest.Length - pos)
                throw Error($"truncated: {what}: {numel}x{fieldCount} field values cannot fit in {rest.Length - pos} bytes");
            var elements = new IReadOnlyDictionary<string, MatArray>[numel];
            for (int e = 0; e < numel; e++)
            {
                var fields = new Dictionary<string, MatArray>(fieldCount, StringComparer.Ordinal);
                foreach (var fieldName in fieldNames)
                {
                    var t = ReadElement(rest, ref pos, $"{what}({e}).{fieldName}", true, out var payload);
                    if (t != MiMatrix) throw Error($"corrupt: {what}({e}).{fieldName} has data type {t}, expected miMATRIX");
                    fields[fieldName] = ParseMatrix(payload, depth + 1, $"{what}({e}).{fieldName}");
                }
                elements[e] = fields;
            }
            return new MatArray(name, MatClass.Struct, dims, null, false, fieldNames, elements);
        }

        /// <summary>Converts a data element of any numeric storage type to <paramref name="count"/> doubles.</summary>
        private double[] ReadNumbers(uint type, ReadOnlySpan<byte> b, int count, bool isChar, string what)
        {
            if (type == MiUtf8)
            {
                if (!isChar) throw Error($"corrupt: {what}: UTF-8 data in a numeric array");
                var text = Encoding.UTF8.GetString(b);
                if (text.Length != count) throw Error($"corrupt: {what}: {text.Length} characters for {count} elements");
                var chars = new double[count];
                for (int i = 0; i < count; i++) chars[i] = text[i];
                return chars;
            }
            int size = type switch
            {
                MiInt8 or MiUInt8 => 1,
                MiInt16 or MiUInt16 or MiUtf16 => 2,
                MiInt32 or MiUInt32 or MiSingle or MiUtf32 => 4,
                MiDouble or MiInt64 or MiUInt64 => 8,
                _ => throw Error($"corrupt: {what}: unsupported data type {type}"),
            };
            if ((long)count * size != b.Length)
                throw Error($"corrupt: {what}: {b.Length} bytes for {count} elements of {size} bytes");
            var v = new double[count];
            bool le = !bigEndian;
            for (int i = 0; i < count; i++)
            {
                var s = b.Slice(i * size, size);
                v[i] = type switch
                {
                    MiInt8 => (sbyte)s[0],
                    MiUInt8 => s[0],
                    MiInt16 => le ? BinaryPrimitives.ReadInt16LittleEndian(s) : BinaryPrimitives.ReadInt16BigEndian(s),
                    MiUInt16 or MiUtf16 => le ? BinaryPrimitives.ReadUInt16LittleEndian(s) : BinaryPrimitives.ReadUInt16BigEndian(s),
                    MiInt32 => le ? BinaryPrimitives.ReadInt32LittleEndian(s) : BinaryPrimitives.ReadInt32BigEndian(s),
                    MiUInt32 or MiUtf32 => le ? BinaryPrimitives.ReadUInt32LittleEndian(s) : BinaryPrimitives.ReadUInt32BigEndian(s),
                    MiSingle => le ? BinaryPrimitives.ReadSingleLittleEndian(s) : BinaryPrimitives.ReadSingleBigEndian(s),
                    MiDouble => le ? BinaryPrimitives.ReadDoubleLittleEndian(s) : BinaryPrimitives.ReadDoubleBigEndian(s),
                    MiInt64 => le ? BinaryPrimitives.ReadInt64LittleEndian(s) : BinaryPrimitives.ReadInt64BigEndian(s),
                    _ => le ? BinaryPrimitives.ReadUInt64LittleEndian(s) : BinaryPrimitives.ReadUInt64BigEndian(s),
                };
            }
            return v;
        }
    }
}
