using DenseFace.FaceModel.Layouts;
using System.CommandLine;
using System.Drawing;
using System.Globalization;
using System.Text;
using System.Text.Json;
using DenseFace.Evaluation.Datasets;
using DenseFace.FaceModel;
using DenseFace.Imaging;
using DenseFace.IO;
using DenseFace.Training.Synthesis;
using Spectre.Console;

namespace DenseFace.Cli.Commands;

/// <summary>
/// <c>denseface synth</c>: writes synthetic training images with labels: DIR/images/NNNNNN.jpg (or .png),
/// DIR/index.jsonl (one JSON object per image: image, box, layouts, beta, psi, pose, focal) and
/// DIR/contact_sheet.png (the first 16 samples with their iBUG 68 points, visible green, hidden red).
/// </summary>
internal static class SynthCommand
{
    /// <summary>Most images one call writes.</summary>
    const int MaxCount = 10_000_000;
    /// <summary>Photos from the data root's 300W folders used as backgrounds (sorted by path, first ones kept).</summary>
    const int MaxBackgroundPhotos = 200;

    public static Command Create()
    {
        var cmd = new Command("synth", "Render synthetic face images with exact dense landmark labels (images + index.jsonl + contact sheet).");
        var count = new Option<int>("--count") { Description = "Number of images.", DefaultValueFactory = _ => 16 };
        var size = new Option<int>("--size") { Description = "Image width and height in pixels.", DefaultValueFactory = _ => 256 };
        var seed = new Option<int>("--seed") { Description = "Random seed (same seed, same images).", DefaultValueFactory = _ => 0 };
        var output = new Option<DirectoryInfo>("--out") { Description = "Output folder.", Required = true };
        var layouts = new Option<string>("--layouts") { Description = "Comma-separated layouts to label: built-in names (ibug68, dense520, full703, rt320) or layout .json files.", DefaultValueFactory = _ => "ibug68,dense520,full703" };
        var format = new Option<string>("--format") { Description = "Image format: jpg or png.", DefaultValueFactory = _ => "jpg" };
        var threads = new Option<int>("--threads") { Description = "Images generated in parallel (-1 = all cores).", DefaultValueFactory = _ => -1 };
        var photos = new Option<bool>("--photo-backgrounds") { Description = "Crop backgrounds from the 300W photos of the data root (away from the annotated face).", DefaultValueFactory = _ => true };
        var textures = new Option<string?>("--textures") { Description = "Folder of real textures from `denseface textures extract` (its index.jsonl); about half the people wear one." };
        foreach (var o in new Option[] { count, size, seed, output, layouts, format, threads, photos, textures }) cmd.Options.Add(o);
        cmd.SetAction(parse =>
        {
            int n = parse.GetValue(count);
            if (n < 1 || n > MaxCount) throw new InvalidInputException("--count", $"{n} is outside 1..{MaxCount}");
            var ext = parse.GetValue(format)?.ToLowerInvariant() switch
            {
                "jpg" or "jpeg" => ".jpg",
                "png" => ".png",
                var f => throw new InvalidInputException("--format", $"'{f}' is not jpg or png"),
            };
            int threadCount = parse.GetValue(threads);
            if (threadCount == 0 || threadCount < -1) throw new InvalidInputException("--threads", $"{threadCount} (expected -1 or a positive count)");
            var dir = parse.GetValue(output)!.FullName;
            var model = MorphableModel.Load();
            var options = new SynthesisOptions
            {
                Seed = parse.GetValue(seed),
                ImageSize = parse.GetValue(size),
                Layouts = ParseLayouts(model, parse.GetValue(layouts)),
                Backgrounds = parse.GetValue(photos) ? FindBackgrounds() : [],
                RealTextures = parse.GetValue(textures) is string t ? RealTexture.LoadFolder(t) : [],
            };
            var generator = new SyntheticFaceGenerator(model, options);
            Run(generator, n, dir, ext, threadCount);
            return 0;
        });
        return cmd;
    }

    static IReadOnlyList<SynthesisLayout> ParseLayouts(MorphableModel model, string? text)
    {
        var names = (text ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (names.Length == 0) throw new InvalidInputException("--layouts", "no layout named");
        return names.Distinct().Select(name =>
            LandmarkLayouts.Names.Contains(name) ? SynthesisLayout.From(LandmarkLayouts.Load(name))
            : File.Exists(name) ? SynthesisLayout.From(LandmarkLayout.Load(name))
            : throw new InvalidInputException("--layouts", $"unknown layout '{name}' (built in: {string.Join(", ", LandmarkLayouts.Names)}; or a layout .json file)"))
            .ToArray();
    }

    /// <summary>300W photos with their .pts files (face box = landmark bounds); none when the data root lacks them.</summary>
    static IReadOnlyList<BackgroundPhoto> FindBackgrounds()
    {
        string root;
        try { root = DataRoot.Path("data", "300w"); }
        catch (InvalidInputException) { return []; }
        return BackgroundPhoto.FromAnnotatedPhotos([root], MaxBackgroundPhotos);
    }

    /// <summary>
    /// Generates in chunks (in parallel inside a chunk), saves every image atomically and streams the index lines in
    /// sample order into a temporary file that replaces index.jsonl only when all images are written.
    /// </summary>
    static void Run(SyntheticFaceGenerator generator, int count, string dir, string ext, int threads)
    {
        Directory.CreateDirectory(Path.Combine(dir, "images"));
        var sheet = new List<Sample>();
        const int Chunk = 64;
        var started = DateTime.UtcNow;
        AtomicFile.Write(Path.Combine(dir, "index.jsonl"), index =>
        {
            using var writer = new StreamWriter(index, new UTF8Encoding(false), 1 << 16, leaveOpen: true) { NewLine = "\n" };
            AnsiConsole.Progress().Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
                .Start(ctx =>
                {
                    var task = ctx.AddTask("synthesising", maxValue: count);
                    var lines = new string[Chunk];
                    for (int c0 = 0; c0 < count; c0 += Chunk)
                    {
                        int c1 = Math.Min(count, c0 + Chunk);
                        Parallel.For(c0, c1, new ParallelOptions { MaxDegreeOfParallelism = threads }, i =>
                        {
                            var s = generator.Generate(i);
                            var name = $"images/{i:D6}{ext}";
                            ImageIO.Save(s.Image, Path.Combine(dir, name), jpegQuality: 92);
                            lines[i - c0] = JsonLine(name, s, generator);
                            if (i < 16) lock (sheet) sheet.Add(s);
                            task.Increment(1);
                        });
                        for (int i = c0; i < c1; i++) writer.WriteLine(lines[i - c0]);
                    }
                });
            writer.Flush();
        });
        sheet.Sort((a, b) => a.Index.CompareTo(b.Index));
        ImageIO.Save(ContactSheet(sheet), Path.Combine(dir, "contact_sheet.png"));
        double secs = (DateTime.UtcNow - started).TotalSeconds;
        AnsiConsole.MarkupLine($"wrote {count} images to {Markup.Escape(dir)} in {secs:F1} s ({count / Math.Max(secs, 1e-9):F1} images/s), index.jsonl and contact_sheet.png");
    }

    /// <summary>One index line; the first three keys are image, box, layouts.</summary>
    internal static string JsonLine(string imagePath, Sample s, SyntheticFaceGenerator generator) => JsonLine(imagePath, s, generator.ExpressionNames);

    /// <summary>
    /// One index line: image, box, layouts, beta, psi (non-zero weights by name), pose, focal, then whatever
    /// <paramref name="extra"/> writes (e.g. fit errors of pseudo-labels).
    /// </summary>
    internal static string JsonLine(string imagePath, Sample s, IReadOnlyList<string> expressionNames, Action<Utf8JsonWriter>? extra = null)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms))
        {
            w.WriteStartObject();
            w.WriteString("image", imagePath);
            w.WriteStartArray("box");
            foreach (var v in new[] { s.Box.X, s.Box.Y, s.Box.Width, s.Box.Height }) w.WriteNumberValue(Math.Round(v, 2));
            w.WriteEndArray();
            w.WriteStartObject("layouts");
            foreach (var l in s.Layouts)
            {
                w.WriteStartArray(l.Name);
                for (int i = 0; i < l.Points.Length; i++)
                {
                    w.WriteStartArray();
                    if (float.IsFinite(l.Points[i].X) && float.IsFinite(l.Points[i].Y)) { w.WriteNumberValue(Math.Round(l.Points[i].X, 3)); w.WriteNumberValue(Math.Round(l.Points[i].Y, 3)); }
                    else { w.WriteNullValue(); w.WriteNullValue(); }   // behind the camera: no projection (LabelRecord reads null)
                    w.WriteNumberValue(l.Visible[i] ? 1 : 0);
                    w.WriteEndArray();
                }
                w.WriteEndArray();
            }
            w.WriteEndObject();
            w.WriteStartArray("beta");
            foreach (var b in s.Identity) w.WriteNumberValue(Math.Round(b, 4));
            w.WriteEndArray();
            w.WriteStartObject("psi");
            var names = expressionNames;
            for (int e = 0; e < s.Expression.Length; e++)
                if (s.Expression[e] != 0) w.WriteNumber(names[e], Math.Round(s.Expression[e], 4));
            w.WriteEndObject();
            w.WriteStartObject("pose");
            w.WriteNumber("yaw", Math.Round(s.Pose.Yaw, 3));
            w.WriteNumber("pitch", Math.Round(s.Pose.Pitch, 3));
            w.WriteNumber("roll", Math.Round(s.Pose.Roll, 3));
            w.WriteStartArray("translation");
            foreach (var t in new[] { s.Pose.Translation.X, s.Pose.Translation.Y, s.Pose.Translation.Z }) w.WriteNumberValue(Math.Round(t, 4));
            w.WriteEndArray();
            w.WriteEndObject();
            w.WriteNumber("focal", Math.Round(s.Camera.Fx, 3));
            extra?.Invoke(w);
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(ms.ToArray());
    }


    /// <summary>A 4-column grid of the samples with their iBUG 68 points (visible green, hidden red).</summary>
    internal static Image8 ContactSheet(IReadOnlyList<Sample> samples)
    {
        int size = samples[0].Image.Width, cols = Math.Min(4, samples.Count), rows = (samples.Count + cols - 1) / cols;
        var sheet = new Image8(cols * size, rows * size, 3);
        for (int k = 0; k < samples.Count; k++)
        {
            var s = samples[k];
            var img = s.Image.ConvertTo(3);   // a copy to draw on
            var layout = s.Layouts.FirstOrDefault(l => l.Name == "ibug68") ?? s.Layouts[0];
            float r = MathF.Max(1f, size / 160f);
            for (int i = 0; i < layout.Points.Length; i++)
                Draw.Disc(img, layout.Points[i], r, layout.Visible[i] ? Rgba.Green : Rgba.Red);
            int ox = (k % cols) * size, oy = (k / cols) * size;
            for (int y = 0; y < size; y++) img.Row(y).CopyTo(sheet.Row(oy + y).Slice(ox * 3));
        }
        return sheet;
    }
}
