using System.CommandLine;
using System.Diagnostics;
using DenseFace.FaceModel;
using DenseFace.Imaging;
using Spectre.Console;

namespace DenseFace.Cli.Commands;

/// <summary>
/// <c>denseface demo</c>: the main job on a default input. For now it builds a random head of the face model,
/// exports it as .glb (53 ARKit morph targets), .obj and .ply, and renders three views into one picture.
/// </summary>
internal static class DemoCommand
{
    public static Command Create()
    {
        var cmd = new Command("demo", "Run the default job: build a random head (identity + expression), export .glb/.obj/.ply and render three views.");
        var output = new Option<DirectoryInfo>("--out") { Description = "Output folder.", DefaultValueFactory = _ => new DirectoryInfo("out/demo") };
        var seed = new Option<int>("--seed") { Description = "Random seed for the identity.", DefaultValueFactory = _ => 7 };
        cmd.Options.Add(output);
        cmd.Options.Add(seed);
        cmd.SetAction(parse =>
        {
            var dir = parse.GetValue(output)!.FullName;
            Directory.CreateDirectory(dir);
            var sw = Stopwatch.StartNew();
            var model = MorphableModel.Load();
            AnsiConsole.MarkupLine($"[grey]face model loaded in {sw.ElapsedMilliseconds} ms: {model.VertexCount} vertices, {model.IdentityCount} identity modes, {model.ExpressionCount} expressions[/]");
            var coeffs = new ShapeCoefficients(model);
            coeffs.RandomizeIdentity(parse.GetValue(seed));
            coeffs.SetExpressions(model, "mouthSmile_L=0.6,mouthSmile_R=0.6,jawOpen=0.15,browInnerUp_L=0.3,browInnerUp_R=0.3");
            var written = new List<string>();
            foreach (var ext in new[] { ".glb", ".obj", ".ply" })
            {
                var path = Path.Combine(dir, "head" + ext);
                ModelExportCommand.Export(model, coeffs, path);
                written.Add(path);
            }
            var views = new[] { (-50f, 0f), (0f, 0f), (50f, 0f) }
                .Select(v => ModelRenderCommand.Render(model, coeffs, 384, v.Item1, v.Item2, 0))
                .ToArray();
            var sheet = SideBySide(views);
            var png = Path.Combine(dir, "head_views.png");
            ImageIO.Save(sheet, png);
            written.Add(png);
            var table = new Table().AddColumn("output").AddColumn("bytes");
            foreach (var f in written) table.AddRow(Markup.Escape(f), new FileInfo(f).Length.ToString("N0"));
            AnsiConsole.Write(table);
            AnsiConsole.MarkupLine($"done in {sw.Elapsed.TotalSeconds:F1} s");
            return 0;
        });
        return cmd;
    }

    /// <summary>Places equally tall images left to right.</summary>
    internal static Image8 SideBySide(IReadOnlyList<Image8> images)
    {
        int h = images[0].Height, c = images[0].Channels, w = images.Sum(i => i.Width);
        var dst = new Image8(w, h, c);
        int x0 = 0;
        foreach (var img in images)
        {
            if (img.Height != h || img.Channels != c) throw new ArgumentException("images must share height and channel count");
            for (int y = 0; y < h; y++)
                img.Row(y).CopyTo(dst.Row(y).Slice(x0 * c));
            x0 += img.Width;
        }
        return dst;
    }
}
