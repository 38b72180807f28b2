using System.CommandLine;
using DenseFace.Cli;

var root = new RootCommand("DenseFace: dense facial landmarks with uncertainty and a fitted 3D face (ICT-FaceKit).");
foreach (var command in CommandRegistry.All())
    root.Subcommands.Add(command);
return CliErrors.Run(() => root.Parse(args).Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false }));
