namespace DenseFace.Imaging.Jpeg;

/// <summary>Colour space of the decoded components.</summary>
internal enum JpegColorTransform { Gray, YCbCr, Rgb, Cmyk, Ycck }

/// <summary>
/// Turns decoded component planes into an interleaved <see cref="Image8"/>: upsamples subsampled components
/// the way libjpeg does by default ("fancy" triangle filters for 2:1 ratios, replication otherwise; jdsample.c)
/// and converts YCbCr to RGB with libjpeg's 16-bit fixed-point arithmetic (jdcolor.c).
/// </summary>
internal static class JpegColorOutput
{
    public static Image8 Convert(JpegComponent[] comps, int width, int height, int hMax, int vMax, JpegColorTransform transform, string source)
    {
        if (transform == JpegColorTransform.Gray)
        {
            var gray = new Image8(width, height, 1, GC.AllocateUninitializedArray<byte>(width * height));
            var c = comps[0];
            for (int y = 0; y < height; y++)
                c.Plane.AsSpan(y * c.Stride, width).CopyTo(gray.Row(y));
            return gray;
        }
        var image = new Image8(width, height, 3, GC.AllocateUninitializedArray<byte>(checked(width * height * 3)));
        int n = comps.Length;
        int scratchWidth = width + 8 * hMax; // room for the one-sample overhang of 2x upsampling
        var scratch = new byte[n][];
        for (int i = 0; i < n; i++) scratch[i] = new byte[scratchWidth];
        var colSums = new ushort[scratchWidth];
        for (int y = 0; y < height; y++)
        {
            var r0 = UpsampleRow(comps[0], y, hMax / comps[0].H, vMax / comps[0].V, scratch[0], colSums);
            var r1 = UpsampleRow(comps[1], y, hMax / comps[1].H, vMax / comps[1].V, scratch[1], colSums);
            var r2 = UpsampleRow(comps[2], y, hMax / comps[2].H, vMax / comps[2].V, scratch[2], colSums);
            var r3 = n > 3 ? UpsampleRow(comps[3], y, hMax / comps[3].H, vMax / comps[3].V, scratch[3], colSums) : default;
            var dst = image.Row(y);
            switch (transform)
            {
                case JpegColorTransform.YCbCr:
                    YCbCrToRgb.ConvertRow(r0[..width], r1[..width], r2[..width], dst);
                    break;
                case JpegColorTransform.Rgb:
                    for (int x = 0; x < width; x++) { dst[3 * x] = r0[x]; dst[3 * x + 1] = r1[x]; dst[3 * x + 2] = r2[x]; }
                    break;
                case JpegColorTransform.Cmyk:
                    for (int x = 0; x < width; x++)
                    {
                        int k = r3[x];
                        dst[3 * x] = MulDiv255(r0[x], k); dst[3 * x + 1] = MulDiv255(r1[x], k); dst[3 * x + 2] = MulDiv255(r2[x], k);
                    }
                    break;
                case JpegColorTransform.Ycck:
                    YCbCrToRgb.ConvertRow(r0[..width], r1[..width], r2[..width], dst);
                    for (int x = 0; x < width; x++)
                    {
                        int k = r3[x];
                        dst[3 * x] = MulDiv255(255 - dst[3 * x], k); dst[3 * x + 1] = MulDiv255(255 - dst[3 * x + 1], k); dst[3 * x + 2] = MulDiv255(255 - dst[3 * x + 2], k);
                    }
                    break;
                default:
                    throw new InvalidInputException(source, $"unsupported JPEG colour transform {transform}");
            }
        }
        return image;
    }

    /// <summary>Adobe CMYK is stored inverted (255 = no ink), so R = C' * K' / 255 (rounded).</summary>
    private static byte MulDiv255(int a, int b)
    {
        int t = a * b + 128;
        return (byte)((t + (t >> 8)) >> 8);
    }

    /// <summary>Returns output row <paramref name="y"/> of component <paramref name="c"/> at full resolution (at least image width samples).</summary>
    private static ReadOnlySpan<byte> UpsampleRow(JpegComponent c, int y, int hr, int vr, byte[] scratch, ushort[] colSums)
    {
        var plane = c.Plane;
        int stride = c.Stride, w = c.Width, lastRow = c.Height - 1;
        if (hr == 1 && vr == 1) return plane.AsSpan(y * stride, stride);
        int iy = y / vr;
        if (hr == 2 && vr == 1 && w > 2)
        {
            Upsample.H2V1Fancy(plane.AsSpan(iy * stride, w), scratch);
            return scratch;
        }
        if (hr == 1 && vr == 2)
        {
            bool upper = (y & 1) == 0;
            int farRow = Math.Clamp(upper ? iy - 1 : iy + 1, 0, lastRow);
            Upsample.H1V2Fancy(plane.AsSpan(iy * stride, w), plane.AsSpan(farRow * stride, w), upper ? 1 : 2, scratch);
            return scratch;
        }
        if (hr == 2 && vr == 2 && w > 2)
        {
            bool upper = (y & 1) == 0;
            int farRow = Math.Clamp(upper ? iy - 1 : iy + 1, 0, lastRow);
            Upsample.H2V2Fancy(plane.AsSpan(iy * stride, w), plane.AsSpan(farRow * stride, w), scratch, colSums);
            return scratch;
        }
        // Integral ratios without a fancy filter: replicate (libjpeg's int_upsample / h2v1_upsample / h2v2_upsample).
        var src = plane.AsSpan(iy * stride, w);
        for (int x = 0, o = 0; x < w; x++)
        {
            byte v = src[x];
            for (int k = 0; k < hr; k++) scratch[o++] = v;
        }
        return scratch;
    }
}
