using System.Buffers.Binary;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Unicode;
using System.Text.Json;

namespace DenseFace.Neural;

/// <summary>Element types of safetensors files this library reads (F32, F16, BF16, I64) and writes (F32, F16, I64).</summary>
public enum SafetensorsDType
{
    /// <summary>IEEE 754 binary32.</summary>
    F32,
    /// <summary>IEEE 754 binary16 (half).</summary>
    F16,
    /// <summary>bfloat16 (the top 16 bits of a binary32); read only.</summary>
    BF16,
    /// <summary>Signed 64-bit integer (e.g. BatchNorm's num_batches_tracked).</summary>
    I64,
}

/// <summary>One tensor read from a safetensors file, converted to float32.</summary>
public sealed record SafetensorsTensor(string Name, SafetensorsDType DType, int[] Shape, float[] Data);

/// <summary>
/// Reader and writer of the safetensors format (Hugging Face): an 8-byte little-endian header length N,
/// N bytes of UTF-8 JSON <c>{name: {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {...}}</c>,
/// then the raw little-endian tensor data, offsets relative to the end of the header. Every malformed
/// file (truncated, absurd header length, bad JSON, offsets out of range or overlapping, size not matching
/// dtype and shape) raises <see cref="InvalidInputException"/> naming the file and the tensor.
/// </summary>
public static class Safetensors
{
    /// <summary>Largest accepted header (bytes).</summary>
    public const long MaxHeaderBytes = 100L << 20;
    /// <summary>Largest accepted file (bytes).</summary>
    public const long MaxFileBytes = int.MaxValue;

    /// <summary>Reads every tensor of <paramref name="path"/>, converted to float32, keyed by name.</summary>
    public static Dictionary<string, SafetensorsTensor> Read(string path)
    {
        if (!File.Exists(path)) throw new InvalidInputException(path, "safetensors file not found");
        long length = new FileInfo(path).Length;
        if (length > MaxFileBytes) throw new InvalidInputException(path, $"file of {length} bytes exceeds the {MaxFileBytes}-byte limit");
        return Parse(File.ReadAllBytes(path), path);
    }

    /// <summary>Parses safetensors bytes; <paramref name="source"/> names the input in errors.</summary>
    public static Dictionary<string, SafetensorsTensor> Parse(ReadOnlySpan<byte> bytes, string source)
    {
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("big-endian hosts are not supported");
        if (bytes.Length < 8) throw new InvalidInputException(source, $"truncated: {bytes.Length} bytes, no header length");
        ulong headerLen = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        if (headerLen > (ulong)MaxHeaderBytes || headerLen > (ulong)(bytes.Length - 8))
            throw new InvalidInputException(source, $"header length {headerLen} exceeds the file ({bytes.Length} bytes) or the {MaxHeaderBytes}-byte limit");
        var header = bytes.Slice(8, (int)headerLen);
        var data = bytes[(8 + (int)headerLen)..];
        var result = new Dictionary<string, SafetensorsTensor>(StringComparer.Ordinal);
        var ranges = new List<(long Begin, long End, string Name)>();
        // JsonDocument checks the structure but transcodes strings only when they are read, where invalid UTF-8 would
        // surface as InvalidOperationException; the format requires a UTF-8 header, so check it first.
        if (!Utf8.IsValid(header)) throw new InvalidInputException(source, "header is not valid UTF-8");
        JsonDocument doc;
        try { doc = JsonDocument.Parse(header.ToArray()); }
        catch (JsonException e) { throw new InvalidInputException(source, $"header is not valid JSON: {e.Message}", e); }
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object) throw new InvalidInputException(source, "header is not a JSON object");
            try
            {
                foreach (var entry in doc.RootElement.EnumerateObject())
                {
                    if (entry.Name == "__metadata__") continue;
                    var t = ParseEntry(entry, data, source, out long begin, out long end);
                    if (!result.TryAdd(t.Name, t)) throw new InvalidInputException(source, $"tensor '{t.Name}' appears twice");
                    ranges.Add((begin, end, t.Name));
                }
            }
            catch (InvalidOperationException e) // strings are unescaped when read: a \u escape of a lone surrogate fails here
            {
                throw new InvalidInputException(source, $"header holds a string that is not valid Unicode: {e.Message}", e);
            }
        }
        ranges.Sort((a, b) => a.Begin != b.Begin ? a.Begin.CompareTo(b.Begin) : a.End.CompareTo(b.End));
        for (int i = 1; i < ranges.Count; i++)
            if (ranges[i].Begin < ranges[i - 1].End)
                throw new InvalidInputException(source, $"tensor '{ranges[i].Name}' overlaps tensor '{ranges[i - 1].Name}'");
        return result;
    }

    private static SafetensorsTensor ParseEntry(JsonProperty entry, ReadOnlySpan<byte> data, string source, out long begin, out long end)
    {
        string name = entry.Name;
        string where = $"tensor '{name}'";
        var e = entry.Value;
        if (e.ValueKind != JsonValueKind.Object
            || !e.TryGetProperty("dtype", out var dt) || dt.ValueKind != JsonValueKind.String
            || !e.TryGetProperty("shape", out var sh) || sh.ValueKind != JsonValueKind.Array
            || !e.TryGetProperty("data_offsets", out var off) || off.ValueKind != JsonValueKind.Array || off.GetArrayLength() != 2)
            throw new InvalidInputException(source, $"{where}: entry needs dtype, shape and data_offsets [begin, end]");
        SafetensorsDType dtype = dt.GetString() switch
        {
            "F32" => SafetensorsDType.F32, "F16" => SafetensorsDType.F16, "BF16" => SafetensorsDType.BF16, "I64" => SafetensorsDType.I64,
            var s => throw new InvalidInputException(source, $"{where}: unsupported dtype '{s}' (F32, F16, BF16, I64 are read)"),
        };
        var shape = new int[sh.GetArrayLength()];
        long count = 1;
        int d = 0;
        foreach (var v in sh.EnumerateArray())
        {
            if (v.ValueKind != JsonValueKind.Number || !v.TryGetInt32(out int dim) || dim < 0)
                throw new InvalidInputException(source, $"{where}: shape must hold non-negative integers");
            shape[d++] = dim;
            count *= dim;
            if (count > Tensor.MaxElements) throw new InvalidInputException(source, $"{where}: more than {Tensor.MaxElements} elements");
        }
        begin = end = -1;
        if (off[0].ValueKind != JsonValueKind.Number || off[1].ValueKind != JsonValueKind.Number // TryGetInt64 throws on other kinds
            || !off[0].TryGetInt64(out begin) || !off[1].TryGetInt64(out end) || begin < 0 || end < begin || end > data.Length)
            throw new InvalidInputException(source, $"{where}: data_offsets [{off[0].GetRawText()}, {off[1].GetRawText()}] are not integers or lie outside the {data.Length}-byte data section");
        int size = ElementSize(dtype);
        if (end - begin != count * size)
            throw new InvalidInputException(source, $"{where}: {end - begin} bytes for {count} {dtype} elements (expected {count * size})");
        var raw = data.Slice((int)begin, (int)(end - begin));
        var values = new float[count];
        switch (dtype)
        {
            case SafetensorsDType.F32: MemoryMarshal.Cast<byte, float>(raw).CopyTo(values); break;
            case SafetensorsDType.F16: TensorPrimitives.ConvertToSingle(MemoryMarshal.Cast<byte, Half>(raw), values); break;
            case SafetensorsDType.BF16:
                var u16 = MemoryMarshal.Cast<byte, ushort>(raw);
                for (int i = 0; i < values.Length; i++) values[i] = BitConverter.UInt32BitsToSingle((uint)u16[i] << 16);
                break;
            case SafetensorsDType.I64:
                var i64 = MemoryMarshal.Cast<byte, long>(raw);
                for (int i = 0; i < values.Length; i++) values[i] = i64[i];
                break;
        }
        return new SafetensorsTensor(name, dtype, shape, values);
    }

    private static int ElementSize(SafetensorsDType t) => t switch
    {
        SafetensorsDType.F32 => 4, SafetensorsDType.F16 or SafetensorsDType.BF16 => 2, _ => 8,
    };

    /// <summary>
    /// Writes tensors in the given order as <paramref name="dtype"/> (F32 or F16); tensors flagged integer are
    /// written as I64 (PyTorch's <c>num_batches_tracked</c>). The header is padded with spaces to a multiple
    /// of 8 bytes, as the reference implementation does.
    /// </summary>
    public static void Write(string path, IEnumerable<(string Name, int[] Shape, float[] Data, bool IsInteger)> tensors,
        SafetensorsDType dtype = SafetensorsDType.F32, IReadOnlyDictionary<string, string>? metadata = null)
    {
        if (dtype is not (SafetensorsDType.F32 or SafetensorsDType.F16)) throw new ArgumentException("only F32 and F16 are written", nameof(dtype));
        var list = tensors.ToList();
        using var headerStream = new MemoryStream();
        long offset = 0;
        using (var w = new Utf8JsonWriter(headerStream))
        {
            w.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                w.WriteStartObject("__metadata__");
                foreach (var (k, v) in metadata) w.WriteString(k, v);
                w.WriteEndObject();
            }
            foreach (var (name, shape, data, isInt) in list)
            {
                var t = isInt ? SafetensorsDType.I64 : dtype;
                long bytes = (long)data.Length * ElementSize(t);
                w.WriteStartObject(name);
                w.WriteString("dtype", t.ToString());
                w.WriteStartArray("shape");
                foreach (var s in shape) w.WriteNumberValue(s);
                w.WriteEndArray();
                w.WriteStartArray("data_offsets");
                w.WriteNumberValue(offset); w.WriteNumberValue(offset + bytes);
                w.WriteEndArray();
                w.WriteEndObject();
                offset += bytes;
            }
            w.WriteEndObject();
        }
        var header = headerStream.ToArray().ToList();
        while (header.Count % 8 != 0) header.Add((byte)' ');
        using var fs = new FileStream(path, FileMode.Create, FileAccess.Write);
        Span<byte> len = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(len, (ulong)header.Count);
        fs.Write(len);
        fs.Write(header.ToArray());
        foreach (var (_, _, data, isInt) in list)
        {
            if (isInt)
            {
                var l = new long[data.Length];
                for (int i = 0; i < l.Length; i++) l[i] = (long)data[i];
                fs.Write(MemoryMarshal.AsBytes(l.AsSpan()));
            }
            else if (dtype == SafetensorsDType.F32) fs.Write(MemoryMarshal.AsBytes(data.AsSpan()));
            else
            {
                var h = new Half[data.Length];
                TensorPrimitives.ConvertToHalf(data, h);
                fs.Write(MemoryMarshal.AsBytes(h.AsSpan()));
            }
        }
    }
}
