using System.Text;

namespace DenseFace.Tests.Neural;

/// <summary>
/// Writes small ONNX ModelProto files by hand (protobuf wire format, field numbers of onnx.proto) so the
/// importer can be tested on graphs whose outputs are computed by hand, independently of its reader.
/// </summary>
internal sealed class OnnxBuilder
{
    private readonly List<byte[]> _nodes = new(), _inits = new(), _inputs = new(), _outputs = new();
    public int Opset = 13;

    public OnnxBuilder Input(string name, params int[] dims) { _inputs.Add(ValueInfo(name, dims)); return this; }
    public OnnxBuilder Output(string name) { _outputs.Add(ValueInfo(name, null)); return this; }

    public OnnxBuilder Floats(string name, int[] dims, params float[] values)
    {
        var m = new Msg();
        foreach (var d in dims) m.Varint(1, (ulong)d);
        m.Varint(2, 1);
        m.String(8, name);
        var raw = new byte[values.Length * 4];
        Buffer.BlockCopy(values, 0, raw, 0, raw.Length);
        m.Bytes(9, raw);
        _inits.Add(m.ToArray());
        return this;
    }

    public OnnxBuilder Ints(string name, int[] dims, params long[] values)
    {
        var m = new Msg();
        foreach (var d in dims) m.Varint(1, (ulong)d);
        m.Varint(2, 7);
        m.String(8, name);
        var packed = new Msg();
        foreach (var v in values) packed.RawVarint((ulong)v);
        m.Bytes(7, packed.ToArray());
        _inits.Add(m.ToArray());
        return this;
    }

    /// <summary>Adds a node; attributes are (name, value) with long, float, string, long[] or float[] values.</summary>
    public OnnxBuilder Node(string op, string[] inputs, string[] outputs, params (string Name, object Value)[] attributes)
    {
        var m = new Msg();
        foreach (var i in inputs) m.String(1, i);
        foreach (var o in outputs) m.String(2, o);
        m.String(3, op + "_" + _nodes.Count);
        m.String(4, op);
        foreach (var (name, value) in attributes)
        {
            var a = new Msg();
            a.String(1, name);
            switch (value)
            {
                case int i: a.Varint(3, (ulong)i); a.Varint(20, 2); break;
                case long l: a.Varint(3, (ulong)l); a.Varint(20, 2); break;
                case float f: a.Fixed32(2, f); a.Varint(20, 1); break;
                case string s: a.String(4, s); a.Varint(20, 3); break;
                case long[] ls: foreach (var l in ls) a.Varint(8, (ulong)l); a.Varint(20, 7); break;
                case int[] ints: foreach (var l in ints) a.Varint(8, (ulong)l); a.Varint(20, 7); break;
                case float[] fs: foreach (var f in fs) a.Fixed32(7, f); a.Varint(20, 6); break;
                default: throw new ArgumentException(value.GetType().Name);
            }
            m.Bytes(5, a.ToArray());
        }
        _nodes.Add(m.ToArray());
        return this;
    }

    public byte[] Build()
    {
        var g = new Msg();
        foreach (var n in _nodes) g.Bytes(1, n);
        g.String(2, "test");
        foreach (var i in _inits) g.Bytes(5, i);
        foreach (var i in _inputs) g.Bytes(11, i);
        foreach (var o in _outputs) g.Bytes(12, o);
        var model = new Msg();
        model.Varint(1, 7);
        model.String(2, "OnnxBuilder");
        model.Bytes(7, g.ToArray());
        var opset = new Msg();
        opset.String(1, "");
        opset.Varint(2, (ulong)Opset);
        model.Bytes(8, opset.ToArray());
        return model.ToArray();
    }

    public DenseFace.Neural.Onnx.OnnxNetwork Network() => new(DenseFace.Neural.Onnx.OnnxModel.Parse(Build(), "test.onnx"), "test.onnx");

    private static byte[] ValueInfo(string name, int[]? dims)
    {
        var v = new Msg();
        v.String(1, name);
        var tensor = new Msg();
        tensor.Varint(1, 1);
        if (dims != null)
        {
            var shape = new Msg();
            foreach (var d in dims)
            {
                var dim = new Msg();
                if (d >= 0) dim.Varint(1, (ulong)d); else dim.String(2, "N");
                shape.Bytes(1, dim.ToArray());
            }
            tensor.Bytes(2, shape.ToArray());
        }
        var type = new Msg();
        type.Bytes(1, tensor.ToArray());
        v.Bytes(2, type.ToArray());
        return v.ToArray();
    }

    private sealed class Msg
    {
        private readonly MemoryStream _s = new();
        public void RawVarint(ulong v)
        {
            while (v >= 0x80) { _s.WriteByte((byte)(v | 0x80)); v >>= 7; }
            _s.WriteByte((byte)v);
        }
        private void Tag(int field, int wire) => RawVarint((ulong)(field << 3 | wire));
        public void Varint(int field, ulong v) { Tag(field, 0); RawVarint(v); }
        public void Fixed32(int field, float f) { Tag(field, 5); _s.Write(BitConverter.GetBytes(f)); }
        public void Bytes(int field, byte[] b) { Tag(field, 2); RawVarint((ulong)b.Length); _s.Write(b); }
        public void String(int field, string s) => Bytes(field, Encoding.UTF8.GetBytes(s));
        public byte[] ToArray() => _s.ToArray();
    }
}
