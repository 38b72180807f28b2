using System.CommandLine;
using System.CommandLine.Help;
using DenseFace.Cli;

// A plain Command as the root so help shows "denseface" whatever the assembly is called.
var root = new Command("denseface", "DenseFace: dense facial landmarks with uncertainty and a fitted 3D face (ICT-FaceKit).");
root.Options.Add(new HelpOption());
root.Options.Add(new VersionOption());
foreach (var command in CommandRegistry.All())
    root.Subcommands.Add(command);
return CliErrors.Run(() => root.Parse(args).Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false }));
