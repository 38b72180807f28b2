using System.Buffers.Binary;
using System.Numerics;
using System.Text;

namespace DenseFace.Tests.Geometry;

/// <summary>
/// Test oracle: an independent binary little-endian PLY reader that interprets the header generically
/// (scalar properties of any PLY type, list properties) for the vertex and face elements.
/// </summary>
internal sealed class PlyTestReader
{
    public List<string> HeaderLines { get; } = [];
    public List<Dictionary<string, double>> Vertices { get; } = [];
    public List<int[]> Faces { get; } = [];

    public static PlyTestReader Read(byte[] data)
    {
        var r = new PlyTestReader();
        int pos = 0;
        while (true)
        {
            int nl = Array.IndexOf(data, (byte)'\n', pos);
            Assert.True(nl >= 0, "header not terminated");
            var line = Encoding.ASCII.GetString(data, pos, nl - pos);
            pos = nl + 1;
            r.HeaderLines.Add(line);
            if (line == "end_header") break;
        }
        Assert.Equal("ply", r.HeaderLines[0]);
        Assert.Equal("format binary_little_endian 1.0", r.HeaderLines[1]);

        var elements = new List<(string Name, int Count, List<string[]> Props)>();
        foreach (var line in r.HeaderLines)
        {
            var p = line.Split(' ');
            if (p[0] == "element") elements.Add((p[1], int.Parse(p[2]), []));
            else if (p[0] == "property") elements[^1].Props.Add(p[1..]);
        }
        foreach (var (name, count, props) in elements)
        {
            for (int i = 0; i < count; i++)
            {
                var rec = new Dictionary<string, double>();
                foreach (var prop in props)
                {
                    if (prop[0] == "list")
                    {
                        int n = (int)ReadScalar(data, ref pos, prop[1]);
                        var items = new int[n];
                        for (int k = 0; k < n; k++) items[k] = (int)ReadScalar(data, ref pos, prop[2]);
                        if (name == "face") r.Faces.Add(items);
                    }
                    else rec[prop[1]] = ReadScalar(data, ref pos, prop[0]);
                }
                if (name == "vertex") r.Vertices.Add(rec);
            }
        }
        Assert.Equal(data.Length, pos); // no trailing bytes
        return r;
    }

    static double ReadScalar(byte[] d, ref int pos, string type)
    {
        var s = d.AsSpan(pos);
        (double v, int size) = type switch
        {
            "char" or "int8" => ((double)(sbyte)s[0], 1),
            "uchar" or "uint8" => (s[0], 1),
            "short" or "int16" => (BinaryPrimitives.ReadInt16LittleEndian(s), 2),
            "ushort" or "uint16" => (BinaryPrimitives.ReadUInt16LittleEndian(s), 2),
            "int" or "int32" => (BinaryPrimitives.ReadInt32LittleEndian(s), 4),
            "uint" or "uint32" => (BinaryPrimitives.ReadUInt32LittleEndian(s), 4),
            "float" or "float32" => (BinaryPrimitives.ReadSingleLittleEndian(s), 4),
            "double" or "float64" => (BinaryPrimitives.ReadDoubleLittleEndian(s), 8),
            _ => throw new InvalidDataException($"unknown PLY type {type}"),
        };
        pos += size;
        return v;
    }

    public Vector3 Position(int i) => new((float)Vertices[i]["x"], (float)Vertices[i]["y"], (float)Vertices[i]["z"]);
}
