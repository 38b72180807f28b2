using System.Globalization;
using System.Text;

namespace DenseFace.Pipeline;

/// <summary>
/// One slice of a collection, <see cref="Index"/> of <see cref="Count"/> (1-based: shard 1/4 to 4/4), for splitting a
/// collection across the tasks of a cluster job array with no coordination.
/// </summary>
public readonly record struct Shard(int Index, int Count)
{
    /// <summary>The whole collection (1/1).</summary>
    public static Shard All => new(1, 1);

    /// <summary>Parses "K/N" (1 ≤ K ≤ N).</summary>
    /// <exception cref="InvalidInputException">Not of the form K/N with 1 ≤ K ≤ N.</exception>
    public static Shard Parse(string text, string source = "--shard")
    {
        var parts = (text ?? "").Split('/');
        if (parts.Length != 2 || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int k) || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int n))
            throw new InvalidInputException(source, $"'{text}' is not K/N (e.g. 3/8)");
        if (n < 1 || k < 1 || k > n) throw new InvalidInputException(source, $"'{text}': shards are numbered 1 to N (for 0-based array indices such as Kubernetes' JOB_COMPLETION_INDEX pass index + 1)");
        return new Shard(k, n);
    }

    /// <summary>
    /// True when the item with key <paramref name="key"/> (a path relative to the collection's root, '/'-separated)
    /// belongs to this shard: FNV-1a 64 of its UTF-8 bytes modulo <see cref="Count"/> equals <see cref="Index"/> − 1.
    /// Depends only on the key, so every task agrees without coordination, and adding files to a collection does not
    /// move the others between shards.
    /// </summary>
    public bool Contains(string key)
    {
        if (Count == 1) return true;
        ulong h = 14695981039346656037UL;
        foreach (byte b in Encoding.UTF8.GetBytes(key)) { h ^= b; h *= 1099511628211UL; }
        return (int)(h % (ulong)Count) == Index - 1;
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Index}/{Count}";
}

/// <summary>
/// The images a batch command works on: one image file, every image under a folder (recursively), or a list file
/// (.txt or .lst: one path per line, relative to the list's folder; blank lines and lines starting with # are
/// ignored). Each image has a key: its path relative to the folder (or list folder) with '/' separators (files outside
/// it: their absolute path without the root), which names it in outputs and decides its <see cref="Shard"/>.
/// </summary>
public sealed class ImageCollection
{
    /// <summary>File extensions (lower case) taken from a folder.</summary>
    public static IReadOnlyList<string> ImageExtensions { get; } = [".jpg", ".jpeg", ".png", ".ppm", ".pgm", ".pnm"];

    /// <summary>The folder keys are relative to.</summary>
    public string Root { get; }
    /// <summary>True when the input was a single image.</summary>
    public bool IsSingleImage { get; }
    /// <summary>The images, sorted by key (ordinal), as (key, absolute path).</summary>
    public IReadOnlyList<(string Key, string Path)> Items { get; }

    ImageCollection(string root, bool single, List<(string, string)> items) { Root = root; IsSingleImage = single; Items = items; }

    /// <summary>Resolves <paramref name="input"/> (image, folder or list file).</summary>
    /// <exception cref="InvalidInputException">The input does not exist, or a list names a missing file.</exception>
    public static ImageCollection Open(string input)
    {
        ArgumentException.ThrowIfNullOrEmpty(input);
        string path = System.IO.Path.GetFullPath(input);
        if (Directory.Exists(path))
        {
            var items = Directory.EnumerateFiles(path, "*", SearchOption.AllDirectories)
                .Where(f => ImageExtensions.Contains(System.IO.Path.GetExtension(f).ToLowerInvariant()))
                .Select(f => (Key(path, f), f)).OrderBy(t => t.Item1, StringComparer.Ordinal).ToList();
            return new ImageCollection(path, false, items);
        }
        if (!File.Exists(path)) throw new InvalidInputException(input, "no such image, folder or list file");
        string ext = System.IO.Path.GetExtension(path).ToLowerInvariant();
        string root = System.IO.Path.GetDirectoryName(path)!;
        if (ext is ".txt" or ".lst")
        {
            var items = new List<(string, string)>();
            var seen = new HashSet<string>(StringComparer.Ordinal);
            int n = 0;
            foreach (var raw in File.ReadLines(path))
            {
                n++;
                var line = raw.Trim();
                if (line.Length == 0 || line.StartsWith('#')) continue;
                var file = System.IO.Path.GetFullPath(line, root);
                if (!File.Exists(file)) throw new InvalidInputException($"{input}:{n}", $"'{line}' does not exist");
                var key = Key(root, file);
                if (seen.Add(key)) items.Add((key, file));
            }
            return new ImageCollection(root, false, items);
        }
        return new ImageCollection(root, true, [(System.IO.Path.GetFileName(path), path)]);
    }

    /// <summary>The items of <paramref name="shard"/>, in key order.</summary>
    public IReadOnlyList<(string Key, string Path)> Select(Shard shard) => Items.Where(i => shard.Contains(i.Key)).ToList();

    /// <summary>
    /// The file's path relative to <paramref name="root"/> with '/' separators; a file outside the root (a list naming
    /// absolute paths or ../ paths) keys by its absolute path without the root prefix, so keys never climb out of an
    /// output folder they name files in.
    /// </summary>
    public static string Key(string root, string file)
    {
        var rel = System.IO.Path.GetRelativePath(root, file).Replace('\\', '/');
        if (rel == ".." || rel.StartsWith("../", StringComparison.Ordinal) || System.IO.Path.IsPathRooted(rel))
        {
            var full = System.IO.Path.GetFullPath(file);
            rel = full[System.IO.Path.GetPathRoot(full)!.Length..].Replace('\\', '/');
        }
        return rel;
    }
}
