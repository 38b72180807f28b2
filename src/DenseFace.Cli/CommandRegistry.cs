using System.CommandLine;
using DenseFace.Cli.Commands;

namespace DenseFace.Cli;

/// <summary>The top-level commands of <c>denseface</c>; each lives in its own file under Commands/.</summary>
internal static class CommandRegistry
{
    public static IEnumerable<Command> All()
    {
        yield return ModelCommand.Create();
        yield return DemoCommand.Create();
        yield return LayoutsCommand.Create();
        yield return SynthCommand.Create();
        yield return FitCommand.Create();
        yield return TexturesCommand.Create();
        yield return PseudoLabelCommand.Create();
        yield return TrainCommand.Create();
        yield return LandmarksCommand.Create();
        yield return ReconstructCommand.Create();
        yield return TrackCommand.Create();
        yield return MultiViewCommand.Create();
        yield return EvalCommand.Create();
        yield return DetectCommand.Create();
        yield return BenchCommand.Create();
    }
}
