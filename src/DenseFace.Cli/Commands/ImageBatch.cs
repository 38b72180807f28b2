using System.Diagnostics;
using System.Text;
using System.Text.Json;
using DenseFace.IO;
using Spectre.Console;

namespace DenseFace.Cli.Commands;

/// <summary>
/// Driver of the commands that write one JSON line per image (<c>reconstruct</c>, <c>landmarks</c>): runs the work in
/// parallel under a progress bar, appends each line to the JSONL as soon as it is done (so an interrupted run loses
/// nothing), resumes (images whose "file" key is already in the JSONL are not redone; a torn last line is dropped and
/// redone), skips a bad image with its reason, and at the end prints a summary and writes the skipped images to
/// &lt;jsonl stem&gt;.skipped.jsonl.
/// </summary>
internal static class ImageBatch
{
    /// <summary>What one image gave: its JSON line and the number of faces in it.</summary>
    public readonly record struct Outcome(string Line, int Faces);

    /// <summary>Counts of a run.</summary>
    public sealed record Summary(int Written, int Resumed, int WithoutFaces, IReadOnlyList<(string Path, string Problem)> Skipped);

    /// <summary>
    /// Runs <paramref name="work"/> on every item not yet in <paramref name="jsonlPath"/>; it throws
    /// <see cref="InvalidInputException"/> or an I/O error to skip the image.
    /// </summary>
    public static Summary Run(string title, IReadOnlyList<(string Key, string Path)> items, string jsonlPath, int threads, Func<(string Key, string Path), Outcome> work)
    {
        if (threads == 0 || threads < -1) throw new InvalidInputException("--threads", $"{threads} (expected -1 or a positive count)");
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(jsonlPath))!);
        var done = ExistingKeys(jsonlPath);
        var todo = items.Where(i => !done.Contains(i.Key)).ToList();
        var skipped = new List<(string, string)>();
        int written = 0, noFace = 0;
        var gate = new object();
        var clock = Stopwatch.StartNew();
        using (var writer = new StreamWriter(jsonlPath, append: true, new UTF8Encoding(false)) { NewLine = "\n" })
        {
            void One((string Key, string Path) item)
            {
                try
                {
                    var o = work(item);
                    lock (gate)
                    {
                        writer.WriteLine(o.Line); writer.Flush();
                        written++;
                        if (o.Faces == 0) noFace++;
                    }
                }
                catch (Exception e) when (e is InvalidInputException or IOException or UnauthorizedAccessException)
                {
                    lock (gate) skipped.Add((item.Path, e.Message));
                }
            }
            var parallel = new ParallelOptions { MaxDegreeOfParallelism = threads };
            if (todo.Count <= 1 || Console.IsErrorRedirected && Console.IsOutputRedirected) Parallel.ForEach(todo, parallel, One);
            else
                AnsiConsole.Progress().Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
                    .Start(ctx =>
                    {
                        var task = ctx.AddTask(title, maxValue: todo.Count);
                        Parallel.ForEach(todo, parallel, item => { One(item); task.Increment(1); });
                    });
        }
        var skippedPath = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(jsonlPath))!, Path.GetFileNameWithoutExtension(jsonlPath) + ".skipped.jsonl");
        if (skipped.Count > 0 || File.Exists(skippedPath))
            AtomicFile.WriteAllText(skippedPath, string.Concat(skipped.Select(p => JsonSerializer.Serialize(new Dictionary<string, string> { ["path"] = p.Item1, ["problem"] = p.Item2 }) + "\n")));
        foreach (var (path, problem) in skipped.Take(20)) Console.Error.WriteLine($"skipped {path}: {problem}");
        if (skipped.Count > 20) Console.Error.WriteLine($"... and {skipped.Count - 20} more (see {skippedPath})");
        Console.WriteLine($"{written} images written to {jsonlPath} ({noFace} without a face), {done.Count} already there, {skipped.Count} skipped; {clock.Elapsed.TotalSeconds:F1} s");
        return new Summary(written, done.Count, noFace, skipped);
    }

    /// <summary>The "file" keys of the complete lines of <paramref name="jsonl"/>; a torn (unterminated) last line is cut off so it is redone.</summary>
    static HashSet<string> ExistingKeys(string jsonl)
    {
        var set = new HashSet<string>(StringComparer.Ordinal);
        if (!File.Exists(jsonl)) return set;
        var bytes = File.ReadAllBytes(jsonl);
        int end = bytes.Length;
        while (end > 0 && bytes[end - 1] != (byte)'\n') end--;
        if (end < bytes.Length) using (var f = new FileStream(jsonl, FileMode.Open, FileAccess.Write)) f.SetLength(end);
        foreach (var line in Encoding.UTF8.GetString(bytes, 0, end).Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            try { using var d = JsonDocument.Parse(line); if (d.RootElement.GetProperty("file").GetString() is string f) set.Add(f); }
            catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException) { }
        }
        return set;
    }
}
