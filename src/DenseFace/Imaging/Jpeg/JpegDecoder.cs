namespace DenseFace.Imaging.Jpeg;

/// <summary>
/// Managed JPEG decoder (ITU-T T.81): baseline and extended sequential (8-bit, Huffman) and progressive
/// (spectral selection and successive approximation) frames, any integral sampling factors, restart markers,
/// grayscale, YCbCr, RGB (Adobe transform 0) and Adobe CMYK/YCCK. Output matches libjpeg's <c>djpeg</c> defaults:
/// accurate integer IDCT, "fancy" (triangle) chroma upsampling for h2v1/h1v2/h2v2 and libjpeg's fixed-point
/// YCbCr->RGB conversion.
/// </summary>
/// <remarks>
/// Error policy: malformed headers, tables or Huffman codes throw <see cref="InvalidInputException"/>.
/// Entropy-coded data that ends early (truncated file or a premature marker) is decoded as far as it goes and
/// the rest of the image is filled as if the missing bits were zeros, as libjpeg does (it only warns);
/// a progressive file missing later scans yields the coarser image. Decoding time is bounded by the number
/// of MCUs, so no input can make it hang.
/// </remarks>
public static class JpegDecoder
{
    /// <summary>
    /// Decodes a JPEG file. Returns a 1-channel image for grayscale JPEGs and 3-channel RGB otherwise.
    /// </summary>
    /// <param name="data">The complete JPEG file.</param>
    /// <param name="sourceName">Name of the input (a path) used in error messages.</param>
    /// <param name="applyExifOrientation">When true, an Exif orientation tag (0x0112, values 2..8) is applied so
    /// the returned image appears upright (width and height swap for orientations 5..8).</param>
    /// <exception cref="InvalidInputException">The data is not a decodable JPEG or is of an unsupported kind.</exception>
    public static Image8 Decode(ReadOnlySpan<byte> data, string sourceName, bool applyExifOrientation = true)
    {
        ArgumentNullException.ThrowIfNull(sourceName);
        var decoder = new JpegFrameDecoder(data.ToArray(), sourceName);
        var image = decoder.Decode();
        if (applyExifOrientation && decoder.ExifOrientation is > 1 and <= 8)
            image = ExifOrientation.Apply(image, decoder.ExifOrientation);
        return image;
    }

    /// <summary>Reads the Exif orientation (1..8) of a JPEG without decoding it; 1 when absent or unreadable.</summary>
    internal static int ReadExifOrientation(ReadOnlySpan<byte> data) => ExifOrientation.FindInJpeg(data);
}
