namespace DenseFace.Imaging.Jpeg;

/// <summary>
/// JFIF YCbCr -> RGB with libjpeg's fixed-point arithmetic (jdcolor.c, 16 fractional bits):
/// R = Y + 1.402 (Cr-128), G = Y - 0.34414 (Cb-128) - 0.71414 (Cr-128), B = Y + 1.772 (Cb-128), each clamped to 0..255.
/// </summary>
internal static class YCbCrToRgb
{
    private const int ScaleBits = 16, Half = 1 << (ScaleBits - 1);
    private static readonly int[] CrR = new int[256], CbB = new int[256], CrG = new int[256], CbG = new int[256];

    static YCbCrToRgb()
    {
        for (int i = 0; i < 256; i++)
        {
            int x = i - 128;
            CrR[i] = (91881 * x + Half) >> ScaleBits;   // FIX(1.40200)
            CbB[i] = (116130 * x + Half) >> ScaleBits;  // FIX(1.77200)
            CrG[i] = -46802 * x;                        // -FIX(0.71414)
            CbG[i] = -22554 * x + Half;                 // -FIX(0.34414), rounding folded in
        }
    }

    /// <summary>Converts one row; <paramref name="rgb"/> receives 3 * y.Length bytes.</summary>
    public static void ConvertRow(ReadOnlySpan<byte> y, ReadOnlySpan<byte> cb, ReadOnlySpan<byte> cr, Span<byte> rgb)
    {
        int n = y.Length;
        if (cb.Length < n || cr.Length < n || rgb.Length < 3 * n) throw new ArgumentException("row buffers too short");
        var crR = CrR; var cbB = CbB; var crG = CrG; var cbG = CbG;
        for (int x = 0; x < n; x++)
        {
            int yy = y[x], u = cb[x], v = cr[x];
            rgb[3 * x] = Clamp(yy + crR[v]);
            rgb[3 * x + 1] = Clamp(yy + ((cbG[u] + crG[v]) >> ScaleBits));
            rgb[3 * x + 2] = Clamp(yy + cbB[u]);
        }
    }

    private static byte Clamp(int v) => (byte)Math.Clamp(v, 0, 255);
}
