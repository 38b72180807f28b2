using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace DenseFace.Tests.Datasets;

/// <summary>Builds small MAT-file v5 byte streams (either byte order) for reader tests.</summary>
internal sealed class MatTestWriter(bool bigEndian)
{
    public const uint MiInt8 = 1, MiUInt8 = 2, MiInt16 = 3, MiUInt16 = 4, MiInt32 = 5, MiUInt32 = 6, MiSingle = 7, MiDouble = 9,
        MiInt64 = 12, MiMatrix = 14, MiCompressed = 15, MiUtf8 = 16;
    public const int ClassCell = 1, ClassStruct = 2, ClassChar = 4, ClassSparse = 5, ClassDouble = 6, ClassSingle = 7,
        ClassUInt8 = 9, ClassInt16 = 10, ClassInt32 = 12, ClassInt64 = 14;

    public byte[] U32(uint v) { var b = new byte[4]; if (bigEndian) BinaryPrimitives.WriteUInt32BigEndian(b, v); else BinaryPrimitives.WriteUInt32LittleEndian(b, v); return b; }
    public byte[] I32s(params int[] v) => v.SelectMany(x => U32((uint)x)).ToArray();
    public byte[] I16s(params short[] v) => v.SelectMany(x => { var b = new byte[2]; if (bigEndian) BinaryPrimitives.WriteInt16BigEndian(b, x); else BinaryPrimitives.WriteInt16LittleEndian(b, x); return b; }).ToArray();
    public byte[] U16s(params ushort[] v) => v.SelectMany(x => { var b = new byte[2]; if (bigEndian) BinaryPrimitives.WriteUInt16BigEndian(b, x); else BinaryPrimitives.WriteUInt16LittleEndian(b, x); return b; }).ToArray();
    public byte[] Doubles(params double[] v) => v.SelectMany(x => { var b = new byte[8]; if (bigEndian) BinaryPrimitives.WriteDoubleBigEndian(b, x); else BinaryPrimitives.WriteDoubleLittleEndian(b, x); return b; }).ToArray();
    public byte[] Singles(params float[] v) => v.SelectMany(x => { var b = new byte[4]; if (bigEndian) BinaryPrimitives.WriteSingleBigEndian(b, x); else BinaryPrimitives.WriteSingleLittleEndian(b, x); return b; }).ToArray();
    public byte[] I64s(params long[] v) => v.SelectMany(x => { var b = new byte[8]; if (bigEndian) BinaryPrimitives.WriteInt64BigEndian(b, x); else BinaryPrimitives.WriteInt64LittleEndian(b, x); return b; }).ToArray();

    /// <summary>A regular data element padded to 8 bytes.</summary>
    public byte[] Element(uint type, byte[] payload) =>
        [.. U32(type), .. U32((uint)payload.Length), .. payload, .. new byte[(8 - payload.Length % 8) % 8]];

    /// <summary>A small data element (at most 4 bytes packed into the tag).</summary>
    public byte[] Small(uint type, byte[] payload) =>
        [.. U32(((uint)payload.Length << 16) | type), .. payload, .. new byte[4 - payload.Length]];

    public byte[] Matrix(string name, int classCode, int[] dims, byte[] content, uint flags = 0) =>
        Element(MiMatrix, [.. Element(MiUInt32, [.. U32((uint)classCode | flags), .. U32(0)]), .. Element(MiInt32, I32s(dims)),
            .. (name.Length <= 4 && name.Length > 0 ? Small(MiInt8, Encoding.ASCII.GetBytes(name)) : Element(MiInt8, Encoding.ASCII.GetBytes(name))),
            .. content]);

    public byte[] Struct(string name, int[] dims, string[] fields, params byte[][] values)
    {
        const int len = 32;
        var names = new byte[len * fields.Length];
        for (int i = 0; i < fields.Length; i++) Encoding.ASCII.GetBytes(fields[i]).CopyTo(names, i * len);
        return Matrix(name, ClassStruct, dims, [.. Small(MiInt32, I32s(len)), .. Element(MiInt8, names), .. values.SelectMany(v => v)]);
    }

    public byte[] Compressed(byte[] element)
    {
        using var ms = new MemoryStream();
        using (var z = new ZLibStream(ms, CompressionLevel.Optimal)) z.Write(element);
        var c = ms.ToArray();
        return [.. U32(MiCompressed), .. U32((uint)c.Length), .. c];
    }

    public byte[] File(params byte[][] elements)
    {
        var header = new byte[128];
        Array.Fill(header, (byte)' ', 0, 116);
        Encoding.ASCII.GetBytes("MATLAB 5.0 MAT-file, written by DenseFace tests").CopyTo(header, 0);
        header[124] = bigEndian ? (byte)1 : (byte)0;
        header[125] = bigEndian ? (byte)0 : (byte)1;
        header[126] = bigEndian ? (byte)'M' : (byte)'I';
        header[127] = bigEndian ? (byte)'I' : (byte)'M';
        return [.. header, .. elements.SelectMany(e => e)];
    }
}
