namespace DenseFace.Evaluation.Datasets;

/// <summary>
/// Finds image + iBUG <c>.pts</c> pairs (same stem, same folder) such as the 300-W folders
/// (<c>300w/helen/testset/*.jpg</c> with <c>*.pts</c>). Unpaired files, unreadable annotations and point-count
/// mismatches are collected as <see cref="DatasetProblem"/>s so one bad file does not stop a batch.
/// </summary>
public static class DatasetScanner
{
    /// <summary>Image file extensions recognised (case-insensitive).</summary>
    public static IReadOnlyList<string> ImageExtensions { get; } = [".jpg", ".jpeg", ".png", ".bmp", ".ppm", ".pgm"];

    /// <summary>
    /// Scans <paramref name="folder"/> (and its subfolders with <see cref="SearchOption.AllDirectories"/>).
    /// With <paramref name="expectedPointCount"/> set, annotations with another count are problems.
    /// Throws <see cref="InvalidInputException"/> only when the folder itself is missing or unreadable.
    /// </summary>
    public static DatasetScan Scan(string folder, SearchOption searchOption = SearchOption.TopDirectoryOnly, int? expectedPointCount = null)
    {
        var files = ListFiles(folder, searchOption);
        var images = new List<(string Key, string Path)>();
        var annotations = new List<(string Key, string Path)>();
        foreach (var f in files)
        {
            var key = Path.Combine(Path.GetDirectoryName(f)!, Path.GetFileNameWithoutExtension(f));
            if (IsImage(f)) images.Add((key, f));
            else if (Path.GetExtension(f).Equals(".pts", StringComparison.OrdinalIgnoreCase)) annotations.Add((key, f));
        }
        return Pair(images, annotations, expectedPointCount);
    }

    internal static bool IsImage(string path)
    {
        var ext = Path.GetExtension(path);
        foreach (var e in ImageExtensions)
            if (ext.Equals(e, StringComparison.OrdinalIgnoreCase)) return true;
        return false;
    }

    internal static string[] ListFiles(string folder, SearchOption searchOption)
    {
        ArgumentNullException.ThrowIfNull(folder);
        try
        {
            if (!Directory.Exists(folder)) throw new InvalidInputException(folder, "folder not found");
            return Directory.GetFiles(Path.GetFullPath(folder), "*", searchOption);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException)
        {
            throw new InvalidInputException(folder, $"cannot list folder: {e.Message}", e);
        }
    }

    /// <summary>Pairs images and annotations by key, parses the annotations, and sorts the results by key.</summary>
    internal static DatasetScan Pair(List<(string Key, string Path)> images, List<(string Key, string Path)> annotations, int? expectedPointCount)
    {
        var problems = new List<DatasetProblem>();
        var imageByKey = new Dictionary<string, string>(StringComparer.Ordinal);
        var ambiguous = new HashSet<string>(StringComparer.Ordinal);
        foreach (var group in images.GroupBy(i => i.Key, StringComparer.Ordinal))
        {
            var paths = group.Select(g => g.Path).Order(StringComparer.Ordinal).ToArray();
            if (paths.Length > 1 && ambiguous.Add(group.Key))
                problems.Add(new DatasetProblem(group.Key, $"several images share this name ({string.Join(", ", paths.Select(Path.GetFileName))}); skipped"));
            else imageByKey[group.Key] = paths[0];
        }
        var items = new List<(string Key, LabelledImage Item)>();
        var annotated = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (key, ptsPath) in annotations)
        {
            if (!annotated.Add(key))
            {
                problems.Add(new DatasetProblem(ptsPath, "a second annotation with the same name (differs only in extension case); skipped"));
                continue;
            }
            if (!imageByKey.TryGetValue(key, out var imagePath))
            {
                if (!ambiguous.Contains(key)) problems.Add(new DatasetProblem(ptsPath, "no image with the same name"));
                continue;
            }
            try
            {
                var landmarks = PtsFile.Read(ptsPath);
                if (expectedPointCount is int n && landmarks.Count != n)
                    problems.Add(new DatasetProblem(ptsPath, $"{landmarks.Count} points; expected {n}"));
                else items.Add((key, new LabelledImage(imagePath, ptsPath, landmarks)));
            }
            catch (InvalidInputException e)
            {
                problems.Add(new DatasetProblem(ptsPath, e.Problem));
            }
        }
        foreach (var (key, imagePath) in imageByKey)
            if (!annotated.Contains(key)) problems.Add(new DatasetProblem(imagePath, "no .pts annotation with the same name"));
        items.Sort((a, b) => NaturalCompare(a.Key, b.Key));
        problems.Sort((a, b) => NaturalCompare(a.Path, b.Path));
        return new DatasetScan(items.Select(i => i.Item).ToArray(), problems);
    }

    /// <summary>Ordinal order, except that two all-digit file names compare by value (frame 9 before frame 10).</summary>
    internal static int NaturalCompare(string a, string b)
    {
        var da = Path.GetDirectoryName(a) ?? "";
        var db = Path.GetDirectoryName(b) ?? "";
        int c = string.CompareOrdinal(da, db);
        if (c != 0) return c;
        var na = Path.GetFileNameWithoutExtension(a);
        var nb = Path.GetFileNameWithoutExtension(b);
        if (na.Length > 0 && nb.Length > 0 && na.Length <= 18 && nb.Length <= 18 && na.All(char.IsAsciiDigit) && nb.All(char.IsAsciiDigit))
        {
            c = long.Parse(na).CompareTo(long.Parse(nb));
            if (c != 0) return c;
        }
        return string.CompareOrdinal(a, b);
    }
}
