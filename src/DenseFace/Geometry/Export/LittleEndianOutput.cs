using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace DenseFace.Geometry.Export;

/// <summary>Writes spans of primitives (or structs of 4-byte primitives) to a stream in little-endian byte order (a block copy on little-endian hosts).</summary>
internal static class LittleEndianOutput
{
    public static void Write<T>(Stream stream, ReadOnlySpan<T> values) where T : unmanaged
    {
        if (BitConverter.IsLittleEndian || Unsafe.SizeOf<T>() == 1) { stream.Write(MemoryMarshal.AsBytes(values)); return; }
        Span<byte> b = stackalloc byte[4];
        if (Unsafe.SizeOf<T>() == 2)
        {
            foreach (var h in MemoryMarshal.Cast<T, ushort>(values)) { BinaryPrimitives.WriteUInt16LittleEndian(b, h); stream.Write(b[..2]); }
            return;
        }
        // float, int, uint and Vector2/Vector3 are made of 4-byte words.
        foreach (var w in MemoryMarshal.Cast<T, uint>(values)) { BinaryPrimitives.WriteUInt32LittleEndian(b, w); stream.Write(b); }
    }
}
