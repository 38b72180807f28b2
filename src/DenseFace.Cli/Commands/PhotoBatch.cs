using System.Diagnostics;
using System.Numerics;
using DenseFace.Evaluation.Datasets;
using DenseFace.FaceModel;
using DenseFace.Fitting;
using DenseFace.IO;
using Spectre.Console;

namespace DenseFace.Cli.Commands;

/// <summary>
/// Shared driver of the commands that fit annotated photos one by one (<c>textures extract</c>, <c>pseudolabel</c>):
/// scans image + .pts folders, names every photo by a key unique across folders, runs the work in parallel with one
/// <see cref="FaceFitter"/> per thread under a progress bar, resumes (items whose record DIR/&lt;key&gt;.json exists
/// are not redone), collects skipped photos with their reasons, and writes DIR/index.jsonl (records in scan order)
/// and DIR/skipped.jsonl atomically at the end.
/// </summary>
internal static class PhotoBatch
{
    /// <summary>One annotated photo: key (file-name safe), paths and the 68 points (0-based pixel centres).</summary>
    public sealed record Item(string Key, string ImagePath, string PtsPath, Vector2[] Points);

    /// <summary>Scans every folder (top level) for image + 68-point .pts pairs; problems are appended to <paramref name="problems"/>.</summary>
    public static List<Item> Scan(IReadOnlyList<string> folders, int? limit, List<(string Path, string Problem)> problems)
    {
        if (folders.Count == 0) throw new InvalidInputException("--images", "give at least one folder of images with .pts files");
        if (limit is int l && l < 1) throw new InvalidInputException("--limit", $"{l} must be positive");
        var items = new List<Item>();
        var keys = new HashSet<string>(StringComparer.Ordinal);
        foreach (var folder in folders)
        {
            var scan = DatasetScanner.Scan(folder, expectedPointCount: 68);
            problems.AddRange(scan.Problems.Select(p => (p.Path, p.Problem)));
            foreach (var it in scan.Items)
            {
                var key = KeyOf(it.ImagePath);
                if (!keys.Add(key)) { problems.Add((it.ImagePath, $"another photo already has the key '{key}'; skipped")); continue; }
                items.Add(new Item(key, it.ImagePath, it.AnnotationPath, it.Landmarks.Points));
                if (items.Count == limit) return items;
            }
        }
        return items;
    }

    /// <summary>"&lt;grandparent&gt;_&lt;parent&gt;_&lt;stem&gt;" with characters other than letters, digits, '-' and '_' replaced by '_' (e.g. helen_trainset_100032540_1).</summary>
    public static string KeyOf(string imagePath)
    {
        var full = Path.GetFullPath(imagePath);
        var dir = Path.GetDirectoryName(full) ?? "";
        var parent = Path.GetFileName(dir);
        var grand = Path.GetFileName(Path.GetDirectoryName(dir) ?? "");
        var raw = string.Join('_', new[] { grand, parent, Path.GetFileNameWithoutExtension(full) }.Where(s => !string.IsNullOrEmpty(s)));
        return new string(raw.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' ? c : '_').ToArray());
    }

    /// <summary>
    /// Runs <paramref name="work"/> for every item without a record yet, with one fitter per thread (of
    /// <paramref name="layout"/>, default the iBUG 68 with sliding jaw contour); it returns the record (one JSON line, written
    /// to DIR/&lt;key&gt;.json) or throws <see cref="InvalidInputException"/> (or an I/O error) to skip the photo. Returns the number of
    /// records in the index.
    /// </summary>
    public static int Run(string title, string outDir, MorphableModel model, IReadOnlyList<Item> items, List<(string Path, string Problem)> problems, int threads,
        Func<FaceFitter, Item, string> work, Func<MorphableModel, FittingLayout>? layout = null)
    {
        if (threads == 0 || threads < -1) throw new InvalidInputException("--threads", $"{threads} (expected -1 or a positive count)");
        Directory.CreateDirectory(outDir);
        using var fitters = new ThreadLocal<FaceFitter>(() => new FaceFitter(model, layout?.Invoke(model) ?? FittingLayout.Ibug68(model)));
        var records = new string?[items.Count];
        var skipped = new (string, string)?[items.Count];
        int resumed = 0, done = 0;
        long ticks = 0;
        var clock = Stopwatch.StartNew();
        AnsiConsole.Progress().Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask(title, maxValue: Math.Max(1, items.Count));
                Parallel.For(0, items.Count, new ParallelOptions { MaxDegreeOfParallelism = threads }, i =>
                {
                    var item = items[i];
                    var recordPath = Path.Combine(outDir, item.Key + ".json");
                    try
                    {
                        if (File.Exists(recordPath))
                        {
                            records[i] = File.ReadAllText(recordPath).TrimEnd();
                            Interlocked.Increment(ref resumed);
                        }
                        else
                        {
                            long t0 = Stopwatch.GetTimestamp();
                            var line = work(fitters.Value!, item);
                            AtomicFile.WriteAllText(recordPath, line + "\n");
                            records[i] = line;
                            Interlocked.Add(ref ticks, Stopwatch.GetTimestamp() - t0);
                            Interlocked.Increment(ref done);
                        }
                    }
                    catch (Exception e) when (e is InvalidInputException or IOException or UnauthorizedAccessException) { skipped[i] = (item.ImagePath, e.Message); }
                    task.Increment(1);
                });
            });
        problems.AddRange(skipped.Where(s => s is not null).Select(s => s!.Value));
        var lines = records.Where(r => r is not null).ToArray();
        AtomicFile.WriteAllText(Path.Combine(outDir, "index.jsonl"), lines.Length == 0 ? "" : string.Join("\n", lines) + "\n");
        AtomicFile.WriteAllText(Path.Combine(outDir, "skipped.jsonl"), string.Concat(problems.Select(p =>
            System.Text.Json.JsonSerializer.Serialize(new Dictionary<string, string> { ["path"] = p.Path, ["problem"] = p.Problem }) + "\n")));
        foreach (var (path, problem) in problems.Take(20)) AnsiConsole.MarkupLine($"[yellow]skipped[/] {Markup.Escape(path)}: {Markup.Escape(problem)}");
        if (problems.Count > 20) AnsiConsole.MarkupLine($"[yellow]... and {problems.Count - 20} more[/] (see skipped.jsonl)");
        double perImage = done > 0 ? ticks / (double)Stopwatch.Frequency / done : 0;
        AnsiConsole.MarkupLine($"{lines.Length} records in {Markup.Escape(Path.Combine(outDir, "index.jsonl"))}: {done} new ({perImage:F2} s per photo per thread), {resumed} resumed, {problems.Count} skipped; {clock.Elapsed.TotalSeconds:F1} s");
        return lines.Length;
    }
}
