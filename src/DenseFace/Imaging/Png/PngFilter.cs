using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;

namespace DenseFace.Imaging.Png;

/// <summary>
/// The five PNG scanline filters (PNG spec section 9): 0 None, 1 Sub, 2 Up, 3 Average, 4 Paeth.
/// <c>bpp</c> is the filter's byte distance: bytes per complete pixel, at least 1.
/// </summary>
internal static class PngFilter
{
    public const int Count = 5;

    /// <summary>Reverses filter <paramref name="type"/> on <paramref name="row"/> in place; <paramref name="prior"/> is the
    /// previous reconstructed row of the same pass (all zeros for the first row). Returns false for an unknown filter type.</summary>
    public static bool Unfilter(int type, Span<byte> row, ReadOnlySpan<byte> prior, int bpp)
    {
        int n = row.Length;
        switch (type)
        {
            case 0:
                return true;
            case 1:
                for (int i = bpp; i < n; i++) row[i] += row[i - bpp];
                return true;
            case 2:
                TensorPrimitives.Add(row, prior[..n], row); // wrapping byte addition
                return true;
            case 3:
                for (int i = 0; i < bpp; i++) row[i] += (byte)(prior[i] >> 1);
                for (int i = bpp; i < n; i++) row[i] += (byte)((row[i - bpp] + prior[i]) >> 1);
                return true;
            case 4:
                for (int i = 0; i < bpp; i++) row[i] += prior[i];
                for (int i = bpp; i < n; i++) row[i] += Paeth(row[i - bpp], prior[i], prior[i - bpp]);
                return true;
            default:
                return false;
        }
    }

    /// <summary>Writes filter <paramref name="type"/> applied to <paramref name="raw"/> (previous raw row
    /// <paramref name="prior"/>) into <paramref name="dst"/> and returns the sum of the filtered bytes taken as signed
    /// values' magnitudes (the "minimum sum of absolute differences" heuristic of the PNG spec, section 12.8).</summary>
    public static long Filter(int type, ReadOnlySpan<byte> raw, ReadOnlySpan<byte> prior, int bpp, Span<byte> dst)
    {
        int n = raw.Length;
        prior = prior[..n];
        dst = dst[..n];
        int head = Math.Min(bpp, n);
        switch (type)
        {
            case 0:
                raw.CopyTo(dst);
                break;
            case 1:
                raw[..head].CopyTo(dst);
                for (int i = bpp; i < n; i++) dst[i] = (byte)(raw[i] - raw[i - bpp]);
                break;
            case 2:
                for (int i = 0; i < n; i++) dst[i] = (byte)(raw[i] - prior[i]);
                break;
            case 3:
                for (int i = 0; i < head; i++) dst[i] = (byte)(raw[i] - (prior[i] >> 1));
                for (int i = bpp; i < n; i++) dst[i] = (byte)(raw[i] - ((raw[i - bpp] + prior[i]) >> 1));
                break;
            default:
                for (int i = 0; i < head; i++) dst[i] = (byte)(raw[i] - prior[i]);
                for (int i = bpp; i < n; i++) dst[i] = (byte)(raw[i] - Paeth(raw[i - bpp], prior[i], prior[i - bpp]));
                break;
        }
        return SumAbsSigned(dst);
    }

    /// <summary>Sum of |(sbyte)b| over the bytes, SIMD where available.</summary>
    private static long SumAbsSigned(ReadOnlySpan<byte> bytes)
    {
        var s = MemoryMarshal.Cast<byte, sbyte>(bytes);
        long sum = 0;
        int i = 0;
        if (Simd.Level >= SimdLevel.Vector128 && Vector.IsHardwareAccelerated)
        {
            var acc = Vector<int>.Zero;
            for (; i + Vector<sbyte>.Count <= s.Length; i += Vector<sbyte>.Count)
            {
                Vector.Widen(new Vector<sbyte>(s[i..]), out Vector<short> lo, out Vector<short> hi);
                Vector.Widen(Vector.Abs(lo) + Vector.Abs(hi), out Vector<int> a, out Vector<int> b);
                acc += a + b;
            }
            sum = Vector.Sum(acc);
        }
        for (; i < s.Length; i++) sum += Math.Abs((int)s[i]);
        return sum;
    }

    private static byte Paeth(byte a, byte b, byte c)
    {
        int p = a + b - c;
        int pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
        if (pa <= pb && pa <= pc) return a;
        return pb <= pc ? b : c;
    }
}
