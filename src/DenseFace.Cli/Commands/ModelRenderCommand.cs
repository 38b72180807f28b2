using System.CommandLine;
using DenseFace.FaceModel;
using DenseFace.Imaging;
using DenseFace.Rendering;

namespace DenseFace.Cli.Commands;

/// <summary><c>denseface model render</c>: a shaded software render of a head, for a quick look.</summary>
internal static class ModelRenderCommand
{
    public static Command Create()
    {
        var cmd = new Command("render", "Render a shaded picture of a head of the face model (PNG or JPEG).");
        var shape = new ModelShapeOptions();
        shape.AddTo(cmd);
        var output = new Option<FileInfo>("--out") { Description = "Output image (.png or .jpg).", Required = true };
        var size = new Option<int>("--size") { Description = "Image width and height in pixels.", DefaultValueFactory = _ => 512 };
        var yaw = new Option<float>("--yaw") { Description = "Yaw in degrees (positive turns the face toward the image right).", DefaultValueFactory = _ => 0 };
        var pitch = new Option<float>("--pitch") { Description = "Pitch in degrees.", DefaultValueFactory = _ => 0 };
        var roll = new Option<float>("--roll") { Description = "Roll in degrees.", DefaultValueFactory = _ => 0 };
        var parts = new Option<string>("--parts") { Description = "Comma-separated parts to draw (default: all but the transparent eye overlays), e.g. Face,HeadAndNeck,EyeballLeft,EyeballRight.", DefaultValueFactory = _ => "" };
        foreach (var o in new Option[] { output, size, yaw, pitch, roll, parts }) cmd.Options.Add(o);
        cmd.SetAction(parse =>
        {
            var path = parse.GetValue(output)!.FullName;
            var model = MorphableModel.Load();
            var coeffs = shape.Read(parse, model);
            var image = Render(model, coeffs, parse.GetValue(size), parse.GetValue(yaw), parse.GetValue(pitch), parse.GetValue(roll), ParseParts(parse.GetValue(parts)));
            ImageIO.Save(image, path);
            Console.WriteLine($"wrote {path}");
            return 0;
        });
        return cmd;
    }

    public static Image8 Render(MorphableModel model, ShapeCoefficients coeffs, int size, float yaw, float pitch, float roll, FacePart[]? parts = null)
    {
        parts ??= DefaultParts;
        var mesh = model.ToMesh(model.Evaluate(coeffs.Identity, coeffs.Expression), includeUvs: false, parts: parts);
        return SimpleRenderer.RenderPortrait(mesh, size, yaw, pitch, roll);
    }

    /// <summary>
    /// Every part except the eye blend, eye occlusion and lacrimal-fluid shells: those are transparent overlays
    /// meant for a real-time shader and would hide the eyes in an opaque render.
    /// </summary>
    public static readonly FacePart[] DefaultParts = Enum.GetValues<FacePart>()
        .Where(p => p is not (FacePart.EyeBlendLeft or FacePart.EyeBlendRight or FacePart.EyeOcclusionLeft
            or FacePart.EyeOcclusionRight or FacePart.LacrimalFluidLeft or FacePart.LacrimalFluidRight))
        .ToArray();

    static FacePart[]? ParseParts(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        return text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(p => Enum.TryParse<FacePart>(p, ignoreCase: true, out var part) ? part
                : throw new InvalidInputException("--parts", $"unknown part '{p}' (known: {string.Join(", ", Enum.GetNames<FacePart>())})"))
            .ToArray();
    }
}
