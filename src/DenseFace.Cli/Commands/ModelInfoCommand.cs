using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using DenseFace.FaceModel;
using Spectre.Console;

namespace DenseFace.Cli.Commands;

/// <summary><c>denseface model info [--json] [--model DIR] [--no-cache]</c>: loads the ICT-FaceKit model and prints its sizes, parts and expressions.</summary>
internal static class ModelInfoCommand
{
    public static Command Create()
    {
        var json = new Option<bool>("--json") { Description = "Print the summary as JSON instead of tables." };
        var model = new Option<string?>("--model") { Description = "ICT-FaceKit folder (default: <data root>/facemodel/ict-facekit)." };
        var noCache = new Option<bool>("--no-cache") { Description = "Parse the npz/OBJ/JSON sources instead of using the binary cache." };
        var cmd = new Command("info", "Show the face model's vertices, polygons, parts, identity modes and expressions.") { json, model, noCache };
        cmd.SetAction(parse => CliErrors.Run(() =>
        {
            var sw = Stopwatch.StartNew();
            var m = MorphableModel.Load(parse.GetValue(model), useCache: !parse.GetValue(noCache));
            double loadMs = sw.Elapsed.TotalMilliseconds;
            var info = m.Info();
            if (parse.GetValue(json)) PrintJson(parse.InvocationConfiguration.Output, info, loadMs, m.LoadedFromCache);
            else PrintTables(info, loadMs, m.LoadedFromCache);
            return 0;
        }));
        return cmd;
    }

    static void PrintJson(TextWriter output, ModelInfo info, double loadMs, bool fromCache)
    {
        var o = new
        {
            vertices = info.Vertices,
            polygons = info.Polygons,
            triangles = info.Triangles,
            uvs = info.Uvs,
            identityModes = info.IdentityModes,
            expressions = info.Expressions,
            expressionNames = info.ExpressionNames,
            landmarks = info.Landmarks,
            units = info.Units,
            parts = info.Parts.Select(p => new
            {
                name = p.Part.ToString(),
                vertexStart = p.Vertices.Start, vertexCount = p.Vertices.Count,
                polygonStart = p.Polygons.Start, polygonCount = p.Polygons.Count,
                triangleStart = p.Triangles.Start, triangleCount = p.Triangles.Count,
            }),
            loadMs = Math.Round(loadMs, 1),
            loadedFromCache = fromCache,
        };
        output.WriteLine(JsonSerializer.Serialize(o, new JsonSerializerOptions { WriteIndented = true }));
    }

    static void PrintTables(ModelInfo info, double loadMs, bool fromCache)
    {
        var summary = new Table().Title("ICT-FaceKit morphable model").AddColumn("Property").AddColumn(new TableColumn("Value").RightAligned());
        summary.AddRow("Vertices", info.Vertices.ToString("N0"));
        summary.AddRow("Polygons", info.Polygons.ToString("N0"));
        summary.AddRow("Triangles", info.Triangles.ToString("N0"));
        summary.AddRow("UVs", info.Uvs.ToString("N0"));
        summary.AddRow("Identity modes", info.IdentityModes.ToString());
        summary.AddRow("Expressions", info.Expressions.ToString());
        summary.AddRow("Landmarks (Multi-PIE 68)", info.Landmarks.ToString());
        summary.AddRow("Units", info.Units);
        summary.AddRow("Load time", $"{loadMs:F0} ms ({(fromCache ? "binary cache" : "parsed sources")})");
        AnsiConsole.Write(summary);

        var parts = new Table().Title("Parts").AddColumn("Part").AddColumn("Vertices")
            .AddColumn(new TableColumn("#V").RightAligned()).AddColumn(new TableColumn("#Polygons").RightAligned())
            .AddColumn(new TableColumn("#Triangles").RightAligned());
        foreach (var p in info.Parts)
            parts.AddRow(p.Part.ToString(), $"{p.Vertices.Start}..{p.Vertices.End - 1}", p.Vertices.Count.ToString(),
                p.Polygons.Count.ToString(), p.Triangles.Count.ToString());
        AnsiConsole.Write(parts);

        var names = new Table().Title("Expressions (ARKit names, weights 0..1)").AddColumn("#").AddColumn("Name").AddColumn("#").AddColumn("Name").AddColumn("#").AddColumn("Name");
        int rows = (info.ExpressionNames.Count + 2) / 3;
        for (int r = 0; r < rows; r++)
        {
            var cells = new List<string>();
            for (int c = 0; c < 3; c++)
            {
                int i = r + c * rows;
                cells.Add(i < info.ExpressionNames.Count ? i.ToString() : "");
                cells.Add(i < info.ExpressionNames.Count ? Markup.Escape(info.ExpressionNames[i]) : "");
            }
            names.AddRow(cells.ToArray());
        }
        AnsiConsole.Write(names);
    }
}
