namespace DenseFace.Evaluation.Datasets;

/// <summary>File access shared by the dataset readers: size cap checked before reading, I/O errors as <see cref="InvalidInputException"/>.</summary>
internal static class DatasetFile
{
    /// <summary>Reads the whole file after checking that it exists and is at most <paramref name="maxBytes"/> long.</summary>
    public static byte[] ReadAllBytes(string path, long maxBytes)
    {
        ArgumentNullException.ThrowIfNull(path);
        try
        {
            var info = new FileInfo(path);
            if (!info.Exists) throw new InvalidInputException(path, "file not found");
            if (info.Length > maxBytes)
                throw new InvalidInputException(path, $"file is {info.Length} bytes; the limit for this format is {maxBytes} bytes");
            return File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new InvalidInputException(path, $"cannot read file: {e.Message}", e);
        }
    }
}
