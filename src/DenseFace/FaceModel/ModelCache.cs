using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;

namespace DenseFace.FaceModel;

/// <summary>
/// Binary cache of a parsed model (<see cref="ModelData"/>), so that <see cref="MorphableModel.Load(string?, bool)"/>
/// skips decompressing the npz and parsing the OBJ/JSON. The cache lives outside the (read-only) data
/// folder: <c>$DENSEFACE_CACHE</c>, else <c>$XDG_CACHE_HOME/denseface</c> or <c>~/.cache/denseface</c>
/// (LocalApplicationData\DenseFace\cache on Windows), else the temp folder. The file name is a hash of
/// the key: format version, byte order and each source file's full path, size and last-write time, so
/// any change to a source (or to this format) misses the cache. Files are written to a temp name and
/// renamed into place (atomic on one volume); a cache that cannot be read or written is ignored.
/// <para>
/// Layout (machine byte order): magic "DFICTMDL", int32 version, int32 key length + UTF-8 key, then each
/// array as int32 element count + raw elements (read straight into the destination array), strings as
/// int32 byte count + UTF-8 joined by '\n', and the end magic "DFEND!!!".
/// </para>
/// </summary>
internal static class ModelCache
{
    public const int FormatVersion = 1;
    static ReadOnlySpan<byte> Magic => "DFICTMDL"u8;
    static ReadOnlySpan<byte> EndMagic => "DFEND!!!"u8;
    /// <summary>Environment variable that overrides the cache folder.</summary>
    public const string EnvironmentVariable = "DENSEFACE_CACHE";
    /// <summary>Cap on any array read from a cache file (elements).</summary>
    const int MaxElements = 1 << 28;

    public static string DefaultDirectory()
    {
        var env = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(env)) return env;
        if (OperatingSystem.IsWindows())
        {
            var local = Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData);
            if (!string.IsNullOrEmpty(local)) return Path.Combine(local, "DenseFace", "cache");
        }
        else
        {
            var xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
            if (!string.IsNullOrWhiteSpace(xdg)) return Path.Combine(xdg, "denseface");
            var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
            if (!string.IsNullOrEmpty(home)) return Path.Combine(home, ".cache", "denseface");
        }
        return Path.Combine(Path.GetTempPath(), "denseface-cache");
    }

    /// <summary>The cache key of a set of source files (version, byte order, full path, size, mtime of each).</summary>
    public static string Key(params string[] sources)
    {
        var sb = new StringBuilder($"ict-facekit v{FormatVersion} {(BitConverter.IsLittleEndian ? "LE" : "BE")}");
        foreach (var s in sources)
        {
            var fi = new FileInfo(s);
            sb.Append('\n').Append(fi.FullName).Append('|').Append(fi.Length).Append('|').Append(fi.LastWriteTimeUtc.Ticks);
        }
        return sb.ToString();
    }

    /// <summary>Where the cache file for <paramref name="key"/> lives inside <paramref name="directory"/>.</summary>
    public static string PathFor(string directory, string key)
    {
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)))[..24];
        return Path.Combine(directory, $"ict-facekit-{hash}.bin");
    }

    /// <summary>Loads the cached data for <paramref name="key"/>, or null when absent, stale or unreadable.</summary>
    public static ModelData? TryLoad(string directory, string key)
    {
        string path = PathFor(directory, key);
        if (!File.Exists(path)) return null;
        try
        {
            using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16);
            var r = new Reader(fs);
            Span<byte> magic = stackalloc byte[8];
            fs.ReadExactly(magic);
            if (!magic.SequenceEqual(Magic) || r.Int() != FormatVersion) return null;
            if (r.Text() != key) return null;
            var d = new ModelData
            {
                VertexCount = r.Int(),
                Neutral = r.Array<float>(),
                Identity = r.Array<float>(),
                Expression = r.Array<float>(),
                ExpressionNames = r.Strings(),
                PolygonOffsets = r.Array<int>(),
                PolygonVertices = r.Array<int>(),
                PolygonUvs = r.Array<int>(),
                Uvs = r.Array<float>(),
                MaterialNames = r.Strings(),
                MaterialFirstPolygon = r.Array<int>(),
                Landmarks68 = r.Array<int>(),
                FittingVertices = r.Array<int>(),
                RigidVertices = r.Array<int>(),
                LaplacianRigidVertices = r.Array<int>(),
                RigidLandmarkIndices = r.Array<int>(),
            };
            fs.ReadExactly(magic);
            if (!magic.SequenceEqual(EndMagic) || fs.Position != fs.Length) return null;
            d.Validate(path);
            d.FromCache = true;
            return d;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidInputException or EndOfStreamException or FormatException)
        {
            return null;
        }
    }

    /// <summary>Writes <paramref name="d"/> for <paramref name="key"/> (temp file + rename); returns false when the cache folder is not writable.</summary>
    public static bool TrySave(string directory, string key, ModelData d)
    {
        string path = PathFor(directory, key);
        string tmp = $"{path}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp";
        try
        {
            System.IO.Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            using (var fs = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 1 << 16))
            {
                var w = new Writer(fs);
                fs.Write(Magic);
                w.Int(FormatVersion);
                w.Text(key);
                w.Int(d.VertexCount);
                w.Array(d.Neutral); w.Array(d.Identity); w.Array(d.Expression);
                w.Strings(d.ExpressionNames);
                w.Array(d.PolygonOffsets); w.Array(d.PolygonVertices); w.Array(d.PolygonUvs); w.Array(d.Uvs);
                w.Strings(d.MaterialNames); w.Array(d.MaterialFirstPolygon);
                w.Array(d.Landmarks68); w.Array(d.FittingVertices); w.Array(d.RigidVertices);
                w.Array(d.LaplacianRigidVertices); w.Array(d.RigidLandmarkIndices);
                fs.Write(EndMagic);
            }
            File.Move(tmp, path, overwrite: true);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            try { File.Delete(tmp); } catch (Exception e2) when (e2 is IOException or UnauthorizedAccessException) { }
            return false;
        }
    }

    readonly struct Writer(Stream s)
    {
        public void Int(int v) { Span<byte> b = stackalloc byte[4]; MemoryMarshal.Write(b, in v); s.Write(b); }
        public void Array<T>(T[] a) where T : unmanaged { Int(a.Length); s.Write(MemoryMarshal.AsBytes(a.AsSpan())); }
        public void Text(string t) { var b = Encoding.UTF8.GetBytes(t); Int(b.Length); s.Write(b); }
        public void Strings(string[] a) => Text(string.Join('\n', a));
    }

    readonly struct Reader(Stream s)
    {
        public int Int() { Span<byte> b = stackalloc byte[4]; s.ReadExactly(b); return MemoryMarshal.Read<int>(b); }
        int Count(int elementSize)
        {
            int n = Int();
            if (n < 0 || n > MaxElements || (long)n * elementSize > s.Length - s.Position) throw new FormatException("bad array length in cache");
            return n;
        }
        public T[] Array<T>() where T : unmanaged
        {
            var a = GC.AllocateUninitializedArray<T>(Count(System.Runtime.CompilerServices.Unsafe.SizeOf<T>()));
            s.ReadExactly(MemoryMarshal.AsBytes(a.AsSpan()));
            return a;
        }
        public string Text() { var b = new byte[Count(1)]; s.ReadExactly(b); return Encoding.UTF8.GetString(b); }
        public string[] Strings() { var t = Text(); return t.Length == 0 ? [] : t.Split('\n'); }
    }
}
