using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace DenseFace.Geometry.Export;

/// <summary>Writes spans of primitives to a stream in little-endian byte order (a block copy on little-endian hosts).</summary>
internal static class LittleEndianOutput
{
    public static void Write<T>(Stream stream, ReadOnlySpan<T> values) where T : unmanaged
    {
        if (BitConverter.IsLittleEndian) { stream.Write(MemoryMarshal.AsBytes(values)); return; }
        // Big-endian fallback: every supported primitive here is 4 bytes (float, int, uint) or a struct of floats.
        var words = MemoryMarshal.Cast<T, uint>(values);
        Span<byte> b = stackalloc byte[4];
        foreach (var w in words) { BinaryPrimitives.WriteUInt32LittleEndian(b, w); stream.Write(b); }
    }
}
