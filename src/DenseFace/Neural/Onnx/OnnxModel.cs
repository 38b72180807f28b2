using System.Buffers.Binary;

namespace DenseFace.Neural.Onnx;

/// <summary>
/// The parts of an ONNX <c>ModelProto</c> (onnx/onnx.proto, IR version 3 and later) that inference needs:
/// the default-domain opset, and the main graph's nodes (in file order, which ONNX requires to be
/// topological), initializers, inputs and outputs. Read with <see cref="ProtoReader"/>; no generated code.
/// </summary>
internal sealed class OnnxModel
{
    /// <summary>Opset version of the default ("" or "ai.onnx") domain.</summary>
    public long Opset { get; private set; }
    public string Producer { get; private set; } = "";
    public List<OnnxNode> Nodes { get; } = new();
    /// <summary>Initializers (weights and constants) by name.</summary>
    public Dictionary<string, OnnxTensor> Initializers { get; } = new();
    /// <summary>Graph inputs that are not initializers, in declaration order.</summary>
    public List<OnnxValueInfo> Inputs { get; } = new();
    public List<OnnxValueInfo> Outputs { get; } = new();

    /// <summary>Reads an .onnx file.</summary>
    public static OnnxModel Load(string path)
    {
        if (!File.Exists(path)) throw new InvalidInputException(path, "ONNX file not found");
        return Parse(File.ReadAllBytes(path), path);
    }

    /// <summary>Parses a serialised ModelProto; <paramref name="source"/> names it in errors.</summary>
    public static OnnxModel Parse(ReadOnlySpan<byte> bytes, string source)
    {
        var m = new OnnxModel();
        var r = new ProtoReader(bytes, source);
        bool haveGraph = false;
        while (r.More)
        {
            var (f, w) = r.ReadTag();
            switch (f)
            {
                case 2 when w == ProtoReader.LengthDelimited: m.Producer = r.ReadString(); break;
                case 7 when w == ProtoReader.LengthDelimited: m.ReadGraph(r.ReadMessage()); haveGraph = true; break;
                case 8 when w == ProtoReader.LengthDelimited:
                {
                    var o = r.ReadMessage();
                    string domain = "";
                    long version = 0;
                    while (o.More)
                    {
                        var (of, ow) = o.ReadTag();
                        if (of == 1 && ow == ProtoReader.LengthDelimited) domain = o.ReadString();
                        else if (of == 2 && ow == ProtoReader.Varint) version = o.ReadInt64();
                        else o.Skip(ow);
                    }
                    if (domain is "" or "ai.onnx") m.Opset = version;
                    break;
                }
                default: r.Skip(w); break;
            }
        }
        if (!haveGraph) throw new InvalidInputException(source, "no graph in the ONNX model");
        var inits = m.Initializers;
        m.Inputs.RemoveAll(i => inits.ContainsKey(i.Name));
        return m;
    }

    private void ReadGraph(ProtoReader r)
    {
        while (r.More)
        {
            var (f, w) = r.ReadTag();
            if (w != ProtoReader.LengthDelimited) { r.Skip(w); continue; }
            switch (f)
            {
                case 1: Nodes.Add(OnnxNode.Read(r.ReadMessage())); break;
                case 5: { var t = OnnxTensor.Read(r.ReadMessage()); Initializers[t.Name] = t; break; }
                case 11: Inputs.Add(OnnxValueInfo.Read(r.ReadMessage())); break;
                case 12: Outputs.Add(OnnxValueInfo.Read(r.ReadMessage())); break;
                case 15: throw r.Fail("sparse initializers are not supported");
                default: r.Skip(w); break;
            }
        }
    }
}

/// <summary>One node: operator type, inputs and outputs by value name ("" = omitted optional input), attributes.</summary>
internal sealed class OnnxNode
{
    public string Name { get; private set; } = "";
    public string OpType { get; private set; } = "";
    public string Domain { get; private set; } = "";
    public List<string> Inputs { get; } = new();
    public List<string> Outputs { get; } = new();
    public Dictionary<string, OnnxAttribute> Attributes { get; } = new();

    /// <summary>Integer attribute or <paramref name="fallback"/>.</summary>
    public long Int(string name, long fallback) => Attributes.TryGetValue(name, out var a) ? a.I : fallback;
    public float Float(string name, float fallback) => Attributes.TryGetValue(name, out var a) ? a.F : fallback;
    public string Str(string name, string fallback) => Attributes.TryGetValue(name, out var a) ? a.S : fallback;
    /// <summary>Integer-list attribute or null.</summary>
    public long[]? Ints(string name) => Attributes.TryGetValue(name, out var a) ? a.Ints : null;

    /// <summary>"OpType 'name'" for messages.</summary>
    public override string ToString() => Name.Length > 0 ? $"{OpType} '{Name}'" : OpType;

    internal static OnnxNode Read(ProtoReader r)
    {
        var n = new OnnxNode();
        while (r.More)
        {
            var (f, w) = r.ReadTag();
            if (w != ProtoReader.LengthDelimited) { r.Skip(w); continue; }
            switch (f)
            {
                case 1: n.Inputs.Add(r.ReadString()); break;
                case 2: n.Outputs.Add(r.ReadString()); break;
                case 3: n.Name = r.ReadString(); break;
                case 4: n.OpType = r.ReadString(); break;
                case 5: { var a = OnnxAttribute.Read(r.ReadMessage()); n.Attributes[a.Name] = a; break; }
                case 7: n.Domain = r.ReadString(); break;
                default: r.Skip(w); break;
            }
        }
        return n;
    }
}

/// <summary>A node attribute (float, int, string, tensor, or lists of floats / ints).</summary>
internal sealed class OnnxAttribute
{
    public string Name { get; private set; } = "";
    public float F { get; private set; }
    public long I { get; private set; }
    public string S { get; private set; } = "";
    public OnnxTensor? T { get; private set; }
    public float[]? Floats { get; private set; }
    public long[]? Ints { get; private set; }

    internal static OnnxAttribute Read(ProtoReader r)
    {
        var a = new OnnxAttribute();
        List<float>? floats = null;
        List<long>? ints = null;
        while (r.More)
        {
            var (f, w) = r.ReadTag();
            switch (f)
            {
                case 1 when w == ProtoReader.LengthDelimited: a.Name = r.ReadString(); break;
                case 2 when w == ProtoReader.Fixed32: a.F = r.ReadFloat(); break;
                case 3 when w == ProtoReader.Varint: a.I = r.ReadInt64(); break;
                case 4 when w == ProtoReader.LengthDelimited: a.S = r.ReadString(); break;
                case 5 when w == ProtoReader.LengthDelimited: a.T = OnnxTensor.Read(r.ReadMessage()); break;
                case 7: r.ReadRepeatedFloat(w, floats ??= new()); break;
                case 8: r.ReadRepeatedInt64(w, ints ??= new()); break;
                default: r.Skip(w); break;
            }
        }
        a.Floats = floats?.ToArray();
        a.Ints = ints?.ToArray();
        return a;
    }
}

/// <summary>
/// A constant tensor (TensorProto). Float data (FLOAT, DOUBLE, FLOAT16 converted) is in <see cref="Floats"/>;
/// integer and boolean data (INT64, INT32, INT8, UINT8, BOOL, ...) in <see cref="Ints"/>.
/// </summary>
internal sealed class OnnxTensor
{
    public const int Float = 1, UInt8 = 2, Int8 = 3, UInt16 = 4, Int16 = 5, Int32 = 6, Int64 = 7, Bool = 9, Float16 = 10, Double = 11, UInt32 = 12, UInt64 = 13;

    public string Name { get; init; } = "";
    public int[] Dims { get; init; } = Array.Empty<int>();
    public int DataType { get; init; }
    public float[]? Floats { get; init; }
    public long[]? Ints { get; init; }

    /// <summary>Number of elements (1 for a scalar).</summary>
    public int Count => Tensor.CheckedCount(Dims);

    internal static OnnxTensor Read(ProtoReader r)
    {
        var dims = new List<long>();
        int type = 0;
        string name = "";
        List<float>? floatData = null;
        List<long>? intData = null;
        List<double>? doubleData = null;
        byte[]? raw = null;
        bool external = false;
        while (r.More)
        {
            var (f, w) = r.ReadTag();
            switch (f)
            {
                case 1: r.ReadRepeatedInt64(w, dims); break;
                case 2 when w == ProtoReader.Varint: type = (int)r.ReadInt64(); break;
                case 4: r.ReadRepeatedFloat(w, floatData ??= new()); break;
                case 5 or 7: r.ReadRepeatedInt64(w, intData ??= new()); break;
                case 8 when w == ProtoReader.LengthDelimited: name = r.ReadString(); break;
                case 9 when w == ProtoReader.LengthDelimited: raw = r.ReadBytes().ToArray(); break;
                case 10: r.ReadRepeatedDouble(w, doubleData ??= new()); break;
                case 11: r.ReadRepeatedInt64(w, intData ??= new()); break;
                case 13: external = true; r.Skip(w); break;
                case 14 when w == ProtoReader.Varint: external |= r.ReadInt64() == 1; break;
                default: r.Skip(w); break;
            }
        }
        if (external) throw r.Fail($"tensor '{name}' uses external data, which is not supported");
        var shape = new int[dims.Count];
        for (int i = 0; i < shape.Length; i++)
        {
            if (dims[i] < 0 || dims[i] > int.MaxValue) throw r.Fail($"tensor '{name}' has dimension {dims[i]}");
            shape[i] = (int)dims[i];
        }
        int count = Tensor.CheckedCount(shape);
        float[]? floats = null;
        long[]? ints = null;
        switch (type)
        {
            case Float or Double or Float16:
                floats = new float[count];
                if (raw != null)
                {
                    int size = type == Float ? 4 : type == Double ? 8 : 2;
                    if (raw.Length != count * size) throw r.Fail($"tensor '{name}' has {raw.Length} raw bytes for {count} elements");
                    for (int i = 0; i < count; i++)
                        floats[i] = type == Float ? BinaryPrimitives.ReadSingleLittleEndian(raw.AsSpan(4 * i))
                            : type == Double ? (float)BinaryPrimitives.ReadDoubleLittleEndian(raw.AsSpan(8 * i))
                            : (float)BitConverter.UInt16BitsToHalf(BinaryPrimitives.ReadUInt16LittleEndian(raw.AsSpan(2 * i)));
                }
                else if (type == Float) Fill(floatData, floats, name, r);
                else if (type == Double) { var d = doubleData ?? new(); Check(d.Count, count, name, r); for (int i = 0; i < count; i++) floats[i] = (float)d[i]; }
                else { var d = intData ?? new(); Check(d.Count, count, name, r); for (int i = 0; i < count; i++) floats[i] = (float)BitConverter.UInt16BitsToHalf((ushort)d[i]); }
                break;
            case Int64 or Int32 or Int16 or Int8 or UInt8 or UInt16 or Bool or UInt32 or UInt64:
                ints = new long[count];
                if (raw != null)
                {
                    int size = type switch { Int64 or UInt64 => 8, Int32 or UInt32 => 4, Int16 or UInt16 => 2, _ => 1 };
                    if (raw.Length != count * size) throw r.Fail($"tensor '{name}' has {raw.Length} raw bytes for {count} elements");
                    for (int i = 0; i < count; i++)
                        ints[i] = type switch
                        {
                            Int64 or UInt64 => BinaryPrimitives.ReadInt64LittleEndian(raw.AsSpan(8 * i)),
                            Int32 => BinaryPrimitives.ReadInt32LittleEndian(raw.AsSpan(4 * i)),
                            UInt32 => BinaryPrimitives.ReadUInt32LittleEndian(raw.AsSpan(4 * i)),
                            Int16 => BinaryPrimitives.ReadInt16LittleEndian(raw.AsSpan(2 * i)),
                            UInt16 => BinaryPrimitives.ReadUInt16LittleEndian(raw.AsSpan(2 * i)),
                            Int8 => (sbyte)raw[i],
                            _ => raw[i],
                        };
                }
                else
                {
                    var d = intData ?? new();
                    Check(d.Count, count, name, r);
                    d.CopyTo(ints);
                }
                break;
            default: throw r.Fail($"tensor '{name}' has unsupported data type {type}");
        }
        return new OnnxTensor { Name = name, Dims = shape, DataType = type, Floats = floats, Ints = ints };
    }

    private static void Fill(List<float>? src, float[] dst, string name, ProtoReader r)
    {
        var s = src ?? new();
        Check(s.Count, dst.Length, name, r);
        s.CopyTo(dst);
    }

    private static void Check(int have, int want, string name, ProtoReader r)
    {
        if (have != want) throw r.Fail($"tensor '{name}' has {have} values for {want} elements");
    }
}

/// <summary>A graph input or output: name, element type and dimensions (-1 for a symbolic or unknown one).</summary>
public sealed class OnnxValueInfo
{
    /// <summary>The value's name in the graph (what <see cref="OnnxSession.Output"/> takes).</summary>
    public string Name { get; private set; } = "";
    /// <summary>ONNX TensorProto.DataType code (1 = float32, 7 = int64, ...); 0 when not given.</summary>
    public int ElementType { get; private set; }
    /// <summary>Dimensions, -1 where symbolic; null when the shape is not given.</summary>
    public int[]? Dims { get; private set; }

    internal static OnnxValueInfo Read(ProtoReader r)
    {
        var v = new OnnxValueInfo();
        while (r.More)
        {
            var (f, w) = r.ReadTag();
            if (f == 1 && w == ProtoReader.LengthDelimited) v.Name = r.ReadString();
            else if (f == 2 && w == ProtoReader.LengthDelimited)
            {
                var type = r.ReadMessage();
                while (type.More)
                {
                    var (tf, tw) = type.ReadTag();
                    if (tf != 1 || tw != ProtoReader.LengthDelimited) { type.Skip(tw); continue; }
                    var tensor = type.ReadMessage();
                    while (tensor.More)
                    {
                        var (xf, xw) = tensor.ReadTag();
                        if (xf == 1 && xw == ProtoReader.Varint) v.ElementType = (int)tensor.ReadInt64();
                        else if (xf == 2 && xw == ProtoReader.LengthDelimited)
                        {
                            var dims = new List<int>();
                            var shape = tensor.ReadMessage();
                            while (shape.More)
                            {
                                var (sf, sw) = shape.ReadTag();
                                if (sf != 1 || sw != ProtoReader.LengthDelimited) { shape.Skip(sw); continue; }
                                var dim = shape.ReadMessage();
                                int value = -1;
                                while (dim.More)
                                {
                                    var (df, dw) = dim.ReadTag();
                                    if (df == 1 && dw == ProtoReader.Varint) value = (int)dim.ReadInt64();
                                    else dim.Skip(dw);
                                }
                                dims.Add(value);
                            }
                            v.Dims = dims.ToArray();
                        }
                        else tensor.Skip(xw);
                    }
                }
            }
            else r.Skip(w);
        }
        return v;
    }
}
