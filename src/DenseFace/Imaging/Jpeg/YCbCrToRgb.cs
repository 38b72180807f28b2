using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace DenseFace.Imaging.Jpeg;

/// <summary>
/// JFIF YCbCr -> RGB with libjpeg's fixed-point arithmetic (jdcolor.c, 16 fractional bits):
/// R = Y + 1.402 (Cr-128), G = Y - 0.34414 (Cb-128) - 0.71414 (Cr-128), B = Y + 1.772 (Cb-128), each clamped to 0..255.
/// The AVX2 path evaluates exactly the same integer expressions for 8 pixels at a time.
/// </summary>
internal static class YCbCrToRgb
{
    private const int ScaleBits = 16, Half = 1 << (ScaleBits - 1);
    private const int CrToR = 91881, CbToB = 116130, CrToG = -46802, CbToG = -22554; // FIX(1.402), FIX(1.772), -FIX(0.71414), -FIX(0.34414)

    /// <summary>Converts one row; <paramref name="rgb"/> receives 3 * y.Length bytes.</summary>
    public static void ConvertRow(ReadOnlySpan<byte> y, ReadOnlySpan<byte> cb, ReadOnlySpan<byte> cr, Span<byte> rgb)
    {
        int n = y.Length;
        if (cb.Length < n || cr.Length < n || rgb.Length < 3 * n) throw new ArgumentException("row buffers too short");
        int x = 0;
        if (Simd.Level >= SimdLevel.Vector256 && Avx2.IsSupported) x = ConvertAvx2(y, cb, cr, rgb);
        for (; x < n; x++)
        {
            int yy = y[x], u = cb[x] - 128, v = cr[x] - 128;
            rgb[3 * x] = Clamp(yy + ((CrToR * v + Half) >> ScaleBits));
            rgb[3 * x + 1] = Clamp(yy + ((CbToG * u + CrToG * v + Half) >> ScaleBits));
            rgb[3 * x + 2] = Clamp(yy + ((CbToB * u + Half) >> ScaleBits));
        }
    }

    private static byte Clamp(int v) => (byte)Math.Clamp(v, 0, 255);

    /// <summary>Converts 8 pixels per step while 16 output bytes can be stored; returns the first pixel not converted.</summary>
    private static int ConvertAvx2(ReadOnlySpan<byte> y, ReadOnlySpan<byte> cb, ReadOnlySpan<byte> cr, Span<byte> rgb)
    {
        ref byte py = ref MemoryMarshal.GetReference(y);
        ref byte pb = ref MemoryMarshal.GetReference(cb);
        ref byte pr = ref MemoryMarshal.GetReference(cr);
        ref byte po = ref MemoryMarshal.GetReference(rgb);
        var c128 = Vector256.Create(128);
        var half = Vector256.Create(Half);
        var crR = Vector256.Create(CrToR); var cbB = Vector256.Create(CbToB);
        var crG = Vector256.Create(CrToG); var cbG = Vector256.Create(CbToG);
        var zero = Vector256<int>.Zero; var max = Vector256.Create(255);
        // Per 128-bit lane: 4 pixels as R,G,B,0 -> 12 packed bytes (the last 4 bytes are don't-care).
        var pack = Vector256.Create((byte)0, 1, 2, 4, 5, 6, 8, 9, 10, 12, 13, 14, 0x80, 0x80, 0x80, 0x80,
                                    0, 1, 2, 4, 5, 6, 8, 9, 10, 12, 13, 14, 0x80, 0x80, 0x80, 0x80);
        int n = y.Length, x = 0;
        // Each step writes 2 x 16 bytes at 3x and 3x + 12, i.e. up to 3x + 28.
        for (; x + 8 <= n && 3 * x + 28 <= rgb.Length; x += 8)
        {
            var vy = Avx2.ConvertToVector256Int32(Vector128.CreateScalarUnsafe(Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref py, x))).AsByte());
            var vb = Avx2.ConvertToVector256Int32(Vector128.CreateScalarUnsafe(Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref pb, x))).AsByte()) - c128;
            var vr = Avx2.ConvertToVector256Int32(Vector128.CreateScalarUnsafe(Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref pr, x))).AsByte()) - c128;
            var r = vy + Vector256.ShiftRightArithmetic(vr * crR + half, ScaleBits);
            var g = vy + Vector256.ShiftRightArithmetic(vb * cbG + vr * crG + half, ScaleBits);
            var b = vy + Vector256.ShiftRightArithmetic(vb * cbB + half, ScaleBits);
            r = Vector256.Min(Vector256.Max(r, zero), max);
            g = Vector256.Min(Vector256.Max(g, zero), max);
            b = Vector256.Min(Vector256.Max(b, zero), max);
            var px = r | Vector256.ShiftLeft(g, 8) | Vector256.ShiftLeft(b, 16);
            var packed = Avx2.Shuffle(px.AsByte(), pack);
            packed.GetLower().StoreUnsafe(ref po, (nuint)(3 * x));
            packed.GetUpper().StoreUnsafe(ref po, (nuint)(3 * x + 12));
        }
        return x;
    }
}
