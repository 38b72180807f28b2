using System.CommandLine;

namespace DenseFace.Cli.Commands;

/// <summary><c>denseface model ...</c>: inspect, export and render the ICT-FaceKit morphable model.</summary>
internal static class ModelCommand
{
    public static Command Create()
    {
        var cmd = new Command("model", "Inspect, export and render the ICT-FaceKit face model.");
        cmd.Subcommands.Add(ModelInfoCommand.Create());
        cmd.Subcommands.Add(ModelExportCommand.Create());
        cmd.Subcommands.Add(ModelRenderCommand.Create());
        return cmd;
    }
}
