using System.CommandLine;

namespace DenseFace.Cli.Commands;

/// <summary><c>denseface bench ...</c>: measurements that print tables and write machine-readable JSON.</summary>
internal static class BenchCommand
{
    public static Command Create()
    {
        var cmd = new Command("bench", "Benchmarks (accuracy and speed), printed and written as JSON.");
        cmd.Subcommands.Add(BenchNnCommand.Create());
        return cmd;
    }
}
