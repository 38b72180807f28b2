using System.CommandLine;
using DenseFace.FaceModel;
using DenseFace.Geometry.Export;

namespace DenseFace.Cli.Commands;

/// <summary><c>denseface model export</c>: writes a head as .glb (53 ARKit morph targets), .obj (+.mtl) or .ply.</summary>
internal static class ModelExportCommand
{
    public static Command Create()
    {
        var cmd = new Command("export", "Export a head of the face model as .glb (with the 53 ARKit expressions as named morph targets), .obj or .ply.");
        var shape = new ModelShapeOptions();
        shape.AddTo(cmd);
        var output = new Option<FileInfo>("--out") { Description = "Output file: .glb, .obj or .ply (units: glb in metres, obj/ply in centimetres).", Required = true };
        cmd.Options.Add(output);
        cmd.SetAction(parse =>
        {
            var path = parse.GetValue(output)!.FullName;
            var ext = Path.GetExtension(path).ToLowerInvariant();
            if (ext is not (".glb" or ".obj" or ".ply"))
                throw new InvalidInputException(path, $"unknown mesh extension '{ext}' (use .glb, .obj or .ply)");
            var model = MorphableModel.Load();
            var coeffs = shape.Read(parse, model);
            Export(model, coeffs, path);
            Console.WriteLine($"wrote {path}");
            return 0;
        });
        return cmd;
    }

    /// <summary>Writes the head (<see cref="HeadExport.Write"/>).</summary>
    public static void Export(MorphableModel model, ShapeCoefficients coeffs, string path) => HeadExport.Write(model, coeffs.Identity, coeffs.Expression, path);
}
