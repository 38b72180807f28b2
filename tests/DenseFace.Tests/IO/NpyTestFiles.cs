using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace DenseFace.Tests.IO;

/// <summary>Builds .npy / .npz bytes by hand, following numpy/lib/format.py, so the reader is tested against the format rather than itself.</summary>
internal static class NpyTestFiles
{
    public static byte[] Npy(string descr, bool fortran, int[] shape, byte[] data, int major = 1)
    {
        string shapeText = shape.Length switch
        {
            0 => "()",
            1 => $"({shape[0]},)",
            _ => "(" + string.Join(", ", shape) + ")",
        };
        string dict = $"{{'descr': '{descr}', 'fortran_order': {(fortran ? "True" : "False")}, 'shape': {shapeText}, }}";
        int prefix = major == 1 ? 10 : 12;
        int total = prefix + dict.Length + 1;
        int pad = (64 - total % 64) % 64;
        string header = dict + new string(' ', pad) + "\n";
        var ms = new MemoryStream();
        ms.Write([0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', (byte)major, 0]);
        var len = new byte[major == 1 ? 2 : 4];
        if (major == 1) BinaryPrimitives.WriteUInt16LittleEndian(len, (ushort)header.Length);
        else BinaryPrimitives.WriteUInt32LittleEndian(len, (uint)header.Length);
        ms.Write(len);
        ms.Write(major == 3 ? Encoding.UTF8.GetBytes(header) : Encoding.Latin1.GetBytes(header));
        ms.Write(data);
        return ms.ToArray();
    }

    public static byte[] FloatsLE(params float[] v)
    {
        var b = new byte[4 * v.Length];
        for (int i = 0; i < v.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(b.AsSpan(4 * i), v[i]);
        return b;
    }

    public static byte[] Zip(params (string Name, byte[] Data, CompressionLevel Level)[] entries)
    {
        var ms = new MemoryStream();
        using (var zip = new ZipArchive(ms, ZipArchiveMode.Create, leaveOpen: true))
            foreach (var (name, data, level) in entries)
            {
                var e = zip.CreateEntry(name, level);
                using var s = e.Open();
                s.Write(data);
            }
        return ms.ToArray();
    }
}
