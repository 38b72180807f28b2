using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;

namespace DenseFace.Tests.Geometry;

/// <summary>
/// Test oracle: parses a .glb (header, JSON and BIN chunks) and checks the glTF 2.0 rules that can be checked
/// without a full validator (chunk layout and padding, buffer/bufferView bounds, alignment, component types,
/// accessor sizes, POSITION min/max). Accessor data is read back by index.
/// </summary>
internal sealed class GlbTestReader
{
    public JsonElement Json { get; }
    public byte[] Bin { get; }

    GlbTestReader(JsonElement json, byte[] bin) { Json = json; Bin = bin; }

    public static GlbTestReader Read(byte[] glb)
    {
        Assert.True(glb.Length >= 28);
        Assert.Equal(0x46546C67u, BinaryPrimitives.ReadUInt32LittleEndian(glb));       // "glTF"
        Assert.Equal(2u, BinaryPrimitives.ReadUInt32LittleEndian(glb.AsSpan(4)));
        Assert.Equal((uint)glb.Length, BinaryPrimitives.ReadUInt32LittleEndian(glb.AsSpan(8)));

        int jsonLen = (int)BinaryPrimitives.ReadUInt32LittleEndian(glb.AsSpan(12));
        Assert.Equal(0x4E4F534Au, BinaryPrimitives.ReadUInt32LittleEndian(glb.AsSpan(16))); // "JSON"
        Assert.Equal(0, jsonLen % 4);
        var jsonText = Encoding.UTF8.GetString(glb, 20, jsonLen);
        int end = jsonText.TrimEnd(' ').Length;
        Assert.True(jsonLen - end < 4, "JSON padding longer than 3 bytes");
        var json = JsonDocument.Parse(jsonText).RootElement.Clone();

        int binStart = 20 + jsonLen;
        int binLen = (int)BinaryPrimitives.ReadUInt32LittleEndian(glb.AsSpan(binStart));
        Assert.Equal(0x004E4942u, BinaryPrimitives.ReadUInt32LittleEndian(glb.AsSpan(binStart + 4))); // "BIN\0"
        Assert.Equal(0, binLen % 4);
        Assert.Equal(glb.Length, binStart + 8 + binLen);
        var bin = glb.AsSpan(binStart + 8, binLen).ToArray();

        var r = new GlbTestReader(json, bin);
        r.CheckStructure();
        return r;
    }

    static readonly Dictionary<int, int> ComponentSize = new() { [5120] = 1, [5121] = 1, [5122] = 2, [5123] = 2, [5125] = 4, [5126] = 4 };
    static readonly Dictionary<string, int> TypeComponents = new() { ["SCALAR"] = 1, ["VEC2"] = 2, ["VEC3"] = 3, ["VEC4"] = 4, ["MAT4"] = 16 };

    void CheckStructure()
    {
        Assert.Equal("2.0", Json.GetProperty("asset").GetProperty("version").GetString());
        var buffers = Json.GetProperty("buffers");
        Assert.Equal(1, buffers.GetArrayLength());
        Assert.False(buffers[0].TryGetProperty("uri", out _));             // GLB-stored buffer
        long bufLen = buffers[0].GetProperty("byteLength").GetInt64();
        Assert.True(bufLen <= Bin.Length && Bin.Length - bufLen < 4, "buffer byteLength must match the BIN chunk up to padding");

        foreach (var v in Json.GetProperty("bufferViews").EnumerateArray())
        {
            long off = v.TryGetProperty("byteOffset", out var o) ? o.GetInt64() : 0;
            long len = v.GetProperty("byteLength").GetInt64();
            Assert.True(len >= 1 && off >= 0 && off + len <= bufLen, "bufferView out of buffer bounds");
            Assert.False(v.TryGetProperty("byteStride", out _));
            if (v.TryGetProperty("target", out var t)) Assert.Contains(t.GetInt32(), new[] { 34962, 34963 });
        }
        foreach (var a in Json.GetProperty("accessors").EnumerateArray())
        {
            int ct = a.GetProperty("componentType").GetInt32();
            Assert.True(ComponentSize.ContainsKey(ct), $"componentType {ct} invalid");
            int comps = TypeComponents[a.GetProperty("type").GetString()!];
            int count = a.GetProperty("count").GetInt32();
            Assert.True(count >= 1);
            if (a.TryGetProperty("bufferView", out var bv))
            {
                var view = Json.GetProperty("bufferViews")[bv.GetInt32()];
                long viewOff = view.TryGetProperty("byteOffset", out var vo) ? vo.GetInt64() : 0;
                long accOff = a.TryGetProperty("byteOffset", out var ao) ? ao.GetInt64() : 0;
                Assert.Equal(0, (viewOff + accOff) % ComponentSize[ct]);             // accessor alignment
                Assert.True(accOff + (long)count * comps * ComponentSize[ct] <= view.GetProperty("byteLength").GetInt64());
            }
            else Assert.False(a.TryGetProperty("byteOffset", out _));
            if (a.TryGetProperty("sparse", out var sparse))
            {
                int n = sparse.GetProperty("count").GetInt32();
                Assert.InRange(n, 1, count);
                var idx = sparse.GetProperty("indices");
                Assert.Contains(idx.GetProperty("componentType").GetInt32(), new[] { 5121, 5123, 5125 });
                foreach (var part in new[] { idx, sparse.GetProperty("values") })
                {
                    var view = Json.GetProperty("bufferViews")[part.GetProperty("bufferView").GetInt32()];
                    Assert.False(view.TryGetProperty("target", out _));                 // sparse views have no target
                    Assert.Equal(0, view.GetProperty("byteOffset").GetInt64() % 4);
                }
                var indices = SparseIndices(sparse);
                for (int k = 0; k < indices.Length; k++)
                    Assert.True(indices[k] < count && (k == 0 || indices[k] > indices[k - 1]), "sparse indices must increase strictly and stay below count");
            }
            if (a.TryGetProperty("min", out var min))
            {
                Assert.Equal(comps, min.GetArrayLength());
                Assert.Equal(comps, a.GetProperty("max").GetArrayLength());
            }
        }
        // POSITION accessors (base and every morph target) must declare min/max, equal to the data.
        var prim = Json.GetProperty("meshes")[0].GetProperty("primitives")[0];
        var positionAccessors = new List<int> { prim.GetProperty("attributes").GetProperty("POSITION").GetInt32() };
        if (prim.TryGetProperty("targets", out var targets))
            positionAccessors.AddRange(targets.EnumerateArray().Select(t => t.GetProperty("POSITION").GetInt32()));
        foreach (int acc in positionAccessors)
        {
            var data = Vec3(acc);
            var a = Json.GetProperty("accessors")[acc];
            Assert.True(a.TryGetProperty("min", out var min), $"accessor {acc} lacks min");
            Assert.True(a.TryGetProperty("max", out var max), $"accessor {acc} lacks max");
            var lo = new Vector3(float.PositiveInfinity); var hi = new Vector3(float.NegativeInfinity);
            foreach (var p in data) { lo = Vector3.Min(lo, p); hi = Vector3.Max(hi, p); }
            for (int k = 0; k < 3; k++)
            {
                Assert.Equal(lo[k], (float)min[k].GetDouble());
                Assert.Equal(hi[k], (float)max[k].GetDouble());
                Assert.Equal((double)lo[k], min[k].GetDouble());   // written exactly
            }
        }
    }

    ReadOnlySpan<byte> AccessorBytes(int accessor, int elementSize)
    {
        var a = Json.GetProperty("accessors")[accessor];
        var view = Json.GetProperty("bufferViews")[a.GetProperty("bufferView").GetInt32()];
        long off = (view.TryGetProperty("byteOffset", out var vo) ? vo.GetInt64() : 0) + (a.TryGetProperty("byteOffset", out var ao) ? ao.GetInt64() : 0);
        return Bin.AsSpan((int)off, a.GetProperty("count").GetInt32() * elementSize);
    }

    /// <summary>FLOAT VEC3 data: zeros or the bufferView contents, then sparse substitutions.</summary>
    public Vector3[] Vec3(int accessor)
    {
        var a = Json.GetProperty("accessors")[accessor];
        Assert.Equal("VEC3", a.GetProperty("type").GetString());
        Assert.Equal(5126, a.GetProperty("componentType").GetInt32());
        var data = a.TryGetProperty("bufferView", out _)
            ? MemoryMarshal.Cast<byte, Vector3>(AccessorBytes(accessor, 12)).ToArray()
            : new Vector3[a.GetProperty("count").GetInt32()];
        if (a.TryGetProperty("sparse", out var sparse))
        {
            var idx = SparseIndices(sparse);
            var values = MemoryMarshal.Cast<byte, Vector3>(BufferView(sparse.GetProperty("values").GetProperty("bufferView").GetInt32())).ToArray();
            Assert.True(values.Length >= idx.Length);
            for (int k = 0; k < idx.Length; k++) data[idx[k]] = values[k];
        }
        return data;
    }

    public bool IsSparse(int accessor) => Json.GetProperty("accessors")[accessor].TryGetProperty("sparse", out _);

    uint[] SparseIndices(JsonElement sparse)
    {
        int n = sparse.GetProperty("count").GetInt32();
        var idx = sparse.GetProperty("indices");
        var bytes = BufferView(idx.GetProperty("bufferView").GetInt32());
        return idx.GetProperty("componentType").GetInt32() switch
        {
            5121 => bytes.Take(n).Select(b => (uint)b).ToArray(),
            5123 => MemoryMarshal.Cast<byte, ushort>(bytes)[..n].ToArray().Select(v => (uint)v).ToArray(),
            _ => MemoryMarshal.Cast<byte, uint>(bytes)[..n].ToArray(),
        };
    }

    public Vector2[] Vec2(int accessor)
    {
        Assert.Equal("VEC2", Json.GetProperty("accessors")[accessor].GetProperty("type").GetString());
        return MemoryMarshal.Cast<byte, Vector2>(AccessorBytes(accessor, 8)).ToArray();
    }

    public uint[] UInt(int accessor)
    {
        Assert.Equal(5125, Json.GetProperty("accessors")[accessor].GetProperty("componentType").GetInt32());
        return MemoryMarshal.Cast<byte, uint>(AccessorBytes(accessor, 4)).ToArray();
    }

    public byte[] BufferView(int view)
    {
        var v = Json.GetProperty("bufferViews")[view];
        return Bin.AsSpan((int)v.GetProperty("byteOffset").GetInt64(), (int)v.GetProperty("byteLength").GetInt64()).ToArray();
    }

    public JsonElement Mesh => Json.GetProperty("meshes")[0];
    public JsonElement Primitive => Mesh.GetProperty("primitives")[0];
    public int Attribute(string name) => Primitive.GetProperty("attributes").GetProperty(name).GetInt32();
}
