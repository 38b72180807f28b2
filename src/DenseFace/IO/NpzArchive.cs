using System.IO.Compression;

namespace DenseFace.IO;

/// <summary>
/// A NumPy <c>.npz</c> archive: a zip of <c>.npy</c> files (stored or deflated, as written by
/// <c>numpy.savez</c> / <c>savez_compressed</c>). <see cref="Read(string)"/> decompresses every entry
/// (sizes capped before allocating); <see cref="Get"/> parses an entry on first use. Not thread-safe.
/// </summary>
public sealed class NpzArchive
{
    /// <summary>Largest uncompressed entry accepted (bytes).</summary>
    public const long MaxEntryBytes = NpyArray.MaxDataBytes + NpyArray.MaxHeaderBytes + 16;
    /// <summary>Largest total uncompressed size accepted (bytes).</summary>
    public const long MaxTotalBytes = 4L << 30;
    /// <summary>Largest number of entries accepted.</summary>
    public const int MaxEntries = 4096;
    /// <summary>Deflate's largest expansion (1032:1, RFC 1951): entries declaring more than this times their compressed size are refused before allocating.</summary>
    const long MaxDeflateRatio = 1032;

    readonly Dictionary<string, byte[]> _raw;
    readonly Dictionary<string, NpyArray> _parsed = new();
    readonly List<string> _names;

    /// <summary>The file or stream name used in error messages.</summary>
    public string SourceName { get; }

    /// <summary>Array names in archive order, without the <c>.npy</c> suffix (e.g. "neutral").</summary>
    public IReadOnlyList<string> Names => _names;

    NpzArchive(string source, List<string> names, Dictionary<string, byte[]> raw) { SourceName = source; _names = names; _raw = raw; }

    /// <summary>Reads an <c>.npz</c> file; bad or truncated archives give <see cref="InvalidInputException"/> naming the file (and entry).</summary>
    public static NpzArchive Read(string path)
    {
        if (!File.Exists(path)) throw new InvalidInputException(path, "file not found");
        try
        {
            using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
            return Read(fs, path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        { throw new InvalidInputException(path, $"cannot read: {e.Message}", e); }
    }

    /// <summary>Reads an <c>.npz</c> archive from a seekable stream; <paramref name="sourceName"/> names it in errors.</summary>
    public static NpzArchive Read(Stream stream, string sourceName)
    {
        ZipArchive zip;
        try { zip = new ZipArchive(stream, ZipArchiveMode.Read, leaveOpen: true); }
        catch (InvalidDataException e) { throw new InvalidInputException(sourceName, $"not a valid .npz (zip) archive: {e.Message}", e); }
        using (zip)
        {
            // The central directory is read on first access to Entries, not by the constructor; its errors need the same handling.
            IReadOnlyCollection<ZipArchiveEntry> entries;
            try { entries = zip.Entries; }
            catch (InvalidDataException e) { throw new InvalidInputException(sourceName, $"not a valid .npz (zip) archive: corrupt central directory: {e.Message}", e); }
            if (entries.Count > MaxEntries) throw new InvalidInputException(sourceName, $"archive has {entries.Count} entries (cap {MaxEntries})");
            var names = new List<string>();
            var raw = new Dictionary<string, byte[]>(StringComparer.Ordinal);
            long total = 0;
            foreach (var entry in entries)
            {
                if (entry.FullName.EndsWith('/')) continue; // directory
                string name = entry.FullName.EndsWith(".npy", StringComparison.Ordinal) ? entry.FullName[..^4] : entry.FullName;
                string entrySource = $"{sourceName}:{entry.FullName}";
                long len = entry.Length;
                if (len < 0 || len > MaxEntryBytes) throw new InvalidInputException(entrySource, $"entry declares {len} uncompressed bytes (cap {MaxEntryBytes})");
                // The buffer is allocated at the declared size, so the size must be one the entry's data can produce:
                // deflate expands at most MaxDeflateRatio:1 (stored data not at all), and the data lies inside the file.
                long packed = Math.Min(entry.CompressedLength, stream.CanSeek ? stream.Length : long.MaxValue);
                if (len > MaxDeflateRatio * packed + 1024)
                    throw new InvalidInputException(entrySource, $"entry declares {len} uncompressed bytes from {entry.CompressedLength} compressed bytes (deflate expands at most {MaxDeflateRatio}:1)");
                total += len;
                if (total > MaxTotalBytes) throw new InvalidInputException(sourceName, $"archive declares more than {MaxTotalBytes} uncompressed bytes");
                if (!raw.TryAdd(name, ReadEntry(entry, (int)len, entrySource)))
                    throw new InvalidInputException(entrySource, "duplicate array name in archive");
                names.Add(name);
            }
            return new NpzArchive(sourceName, names, raw);
        }
    }

    static byte[] ReadEntry(ZipArchiveEntry entry, int length, string src)
    {
        var buf = new byte[length];
        try
        {
            using var s = entry.Open();
            int read = 0;
            while (read < length)
            {
                int n = s.Read(buf, read, length - read);
                if (n == 0) throw new InvalidInputException(src, $"entry is truncated: {read} of {length} bytes");
                read += n;
            }
            if (s.ReadByte() != -1) throw new InvalidInputException(src, $"entry is longer than its declared {length} bytes");
        }
        catch (InvalidDataException e) { throw new InvalidInputException(src, $"corrupt compressed data: {e.Message}", e); }
        catch (IOException e) { throw new InvalidInputException(src, $"cannot read entry: {e.Message}", e); }
        return buf;
    }

    /// <summary>True when the archive holds an array called <paramref name="name"/> (with or without ".npy").</summary>
    public bool Contains(string name) => _raw.ContainsKey(Strip(name));

    /// <summary>The array <paramref name="name"/> (with or without ".npy"); unknown names give <see cref="InvalidInputException"/> listing the available ones.</summary>
    public NpyArray Get(string name)
    {
        name = Strip(name);
        if (_parsed.TryGetValue(name, out var a)) return a;
        if (!_raw.TryGetValue(name, out var bytes))
            throw new InvalidInputException(SourceName, $"archive has no array '{name}' (it has: {string.Join(", ", _names)})");
        a = NpyArray.ParseOwned(bytes, bytes.Length, $"{SourceName}:{name}.npy");
        _parsed[name] = a;
        _raw[name] = []; // the parsed array now owns (or has copied) the bytes
        return a;
    }

    static string Strip(string name) => name.EndsWith(".npy", StringComparison.Ordinal) ? name[..^4] : name;
}
