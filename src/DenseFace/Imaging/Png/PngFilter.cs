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
                for (int i = 0; i < n; i++) row[i] += prior[i];
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
        long sum = 0;
        for (int i = 0; i < n; i++)
        {
            byte a = i >= bpp ? raw[i - bpp] : (byte)0;
            byte b = prior[i];
            byte c = i >= bpp ? prior[i - bpp] : (byte)0;
            byte v = type switch
            {
                0 => raw[i],
                1 => (byte)(raw[i] - a),
                2 => (byte)(raw[i] - b),
                3 => (byte)(raw[i] - ((a + b) >> 1)),
                _ => (byte)(raw[i] - Paeth(a, b, c)),
            };
            dst[i] = v;
            sum += Math.Abs((int)(sbyte)v);
        }
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
