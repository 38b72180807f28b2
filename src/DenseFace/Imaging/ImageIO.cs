using DenseFace.IO;
using DenseFace.Imaging.Jpeg;
using DenseFace.Imaging.Png;
using DenseFace.Imaging.Pnm;

namespace DenseFace.Imaging;

/// <summary>
/// Reads and writes images by content (PNG, JPEG, PPM/PGM are recognised by their signatures, not by file
/// extension) and writes by extension (.png, .jpg/.jpeg, .ppm/.pgm). Errors are <see cref="InvalidInputException"/>
/// naming the file and the problem.
/// </summary>
public static class ImageIO
{
    /// <summary>Largest image file accepted (bytes).</summary>
    public const long MaxFileBytes = 256L << 20;

    /// <summary>The container formats <see cref="Decode"/> recognises.</summary>
    public enum Format
    {
        /// <summary>Not a recognised image file.</summary>
        Unknown,
        /// <summary>PNG (signature 89 50 4E 47).</summary>
        Png,
        /// <summary>JPEG (SOI marker FF D8).</summary>
        Jpeg,
        /// <summary>Netpbm PBM, PGM, PPM or PAM (P1-P7, <see cref="Pnm.PnmCodec"/>).</summary>
        Pnm,
    }

    /// <summary>Detects the format from the first bytes.</summary>
    public static Format Detect(ReadOnlySpan<byte> data)
    {
        if (PngDecoder.IsPng(data)) return Format.Png;
        if (data.Length >= 3 && data[0] == 0xFF && data[1] == 0xD8 && data[2] == 0xFF) return Format.Jpeg;
        if (PnmCodec.IsPnm(data)) return Format.Pnm;
        return Format.Unknown;
    }

    /// <summary>Decodes an in-memory image. JPEG EXIF orientation is applied so the image appears upright.</summary>
    public static Image8 Decode(ReadOnlySpan<byte> data, string sourceName)
    {
        if (data.IsEmpty) throw new InvalidInputException(sourceName, "file is empty");
        return Detect(data) switch
        {
            Format.Png => PngDecoder.Decode(data, sourceName),
            Format.Jpeg => JpegDecoder.Decode(data, sourceName),
            Format.Pnm => PnmCodec.Decode(data, sourceName),
            _ => throw new InvalidInputException(sourceName, "not a PNG, JPEG or PPM/PGM image (unrecognised signature)"),
        };
    }

    /// <summary>Reads and decodes an image file.</summary>
    public static Image8 Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        FileInfo info;
        try { info = new FileInfo(path); }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException)
        { throw new InvalidInputException(path, $"invalid path ({e.Message})"); }
        if (!info.Exists) throw new InvalidInputException(path, Directory.Exists(path) ? "is a folder, not an image file" : "file not found");
        if (info.Length > MaxFileBytes) throw new InvalidInputException(path, $"file is {info.Length} bytes, over the {MaxFileBytes}-byte limit for images");
        byte[] bytes;
        try { bytes = File.ReadAllBytes(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        { throw new InvalidInputException(path, $"cannot be read ({e.Message})"); }
        return Decode(bytes, path);
    }

    /// <summary>Encodes by the extension of <paramref name="path"/> (.png, .jpg/.jpeg, .ppm/.pgm/.pnm).</summary>
    public static byte[] Encode(Image8 image, string path, int jpegQuality = 90)
    {
        var ext = Path.GetExtension(path).ToLowerInvariant();
        return ext switch
        {
            ".png" => PngEncoder.Encode(image),
            ".jpg" or ".jpeg" => JpegEncoder.Encode(image, jpegQuality),
            ".ppm" or ".pgm" or ".pnm" => PnmCodec.Encode(image),
            _ => throw new InvalidInputException(path, $"unknown image extension '{ext}' (use .png, .jpg or .ppm)"),
        };
    }

    /// <summary>Encodes by extension and writes atomically (temporary file + rename), creating the folder if needed.</summary>
    public static void Save(Image8 image, string path, int jpegQuality = 90) =>
        AtomicFile.WriteAllBytes(path, Encode(image, path, jpegQuality));
}
