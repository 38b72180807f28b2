using DenseFace.Training.Layouts;
using System.CommandLine;
using DenseFace.FaceModel;
using DenseFace.FaceModel.Layouts;
using DenseFace.Imaging;
using DenseFace.IO;

namespace DenseFace.Cli.Commands;

/// <summary>
/// <c>denseface layouts build|show</c>: regenerates the built-in landmark layouts (JSON + pictures) and draws a
/// layout on the rendered head.
/// </summary>
internal static class LayoutsCommand
{
    public static Command Create()
    {
        var cmd = new Command("layouts", "Dense landmark layouts on the face model: build the built-in ones, draw one.");
        cmd.Subcommands.Add(CreateBuild());
        cmd.Subcommands.Add(CreateShow());
        return cmd;
    }

    static Command CreateBuild()
    {
        var cmd = new Command("build", "Regenerate every built-in layout deterministically: <out>/<name>.json and a picture <pictures>/<name>.png each.");
        var output = new Option<DirectoryInfo>("--out") { Description = "Folder for the layout JSON files (the repository's models/layouts).", Required = true };
        var pictures = new Option<DirectoryInfo?>("--pictures") { Description = "Folder for the PNG pictures (default: docs/layouts next to the JSON folder's models/ parent)." };
        var noPictures = new Option<bool>("--no-pictures") { Description = "Write only the JSON files." };
        foreach (var o in new Option[] { output, pictures, noPictures }) cmd.Options.Add(o);
        cmd.SetAction(parse =>
        {
            var outDir = parse.GetValue(output)!.FullName;
            var picDir = parse.GetValue(pictures)?.FullName ?? Path.GetFullPath(Path.Combine(outDir, "..", "..", "docs", "layouts"));
            var model = MorphableModel.Load();
            foreach (var path in Build(model, outDir, parse.GetValue(noPictures) ? null : picDir))
                Console.WriteLine($"wrote {path}");
            return 0;
        });
        return cmd;
    }

    static Command CreateShow()
    {
        var cmd = new Command("show", "Draw a layout on the rendered head (front, 60 degree side, jaw open) as a PNG.");
        var layout = new Option<string>("--layout") { Description = $"Built-in layout name ({string.Join(", ", LandmarkLayouts.Names)}) or a layout .json file.", Required = true };
        var output = new Option<FileInfo>("--out") { Description = "Output image (.png or .jpg).", Required = true };
        var size = new Option<int>("--size") { Description = "Panel width and height in pixels.", DefaultValueFactory = _ => 400 };
        foreach (var o in new Option[] { layout, output, size }) cmd.Options.Add(o);
        cmd.SetAction(parse =>
        {
            var name = parse.GetValue(layout)!;
            var l = name.EndsWith(".json", StringComparison.OrdinalIgnoreCase) ? LandmarkLayout.Load(name) : LandmarkLayouts.Load(name);
            var model = MorphableModel.Load();
            var path = parse.GetValue(output)!.FullName;
            ImageIO.Save(LayoutPicture.Render(model, l, parse.GetValue(size)), path);
            Console.WriteLine($"wrote {path} ({l.Name}, {l.Count} points)");
            return 0;
        });
        return cmd;
    }

    /// <summary>Builds all layouts into <paramref name="jsonFolder"/> (and pictures into <paramref name="pictureFolder"/> unless null); returns the written paths.</summary>
    public static List<string> Build(MorphableModel model, string jsonFolder, string? pictureFolder)
    {
        Directory.CreateDirectory(jsonFolder);
        if (pictureFolder != null) Directory.CreateDirectory(pictureFolder);
        var written = new List<string>();
        foreach (var layout in LayoutGenerator.BuildAll(model))
        {
            var json = Path.Combine(jsonFolder, layout.Name + ".json");
            AtomicFile.WriteAllText(json, layout.ToJson());
            written.Add(json);
            if (pictureFolder == null) continue;
            var png = Path.Combine(pictureFolder, layout.Name + ".png");
            ImageIO.Save(LayoutPicture.Render(model, layout), png);
            written.Add(png);
        }
        return written;
    }
}
