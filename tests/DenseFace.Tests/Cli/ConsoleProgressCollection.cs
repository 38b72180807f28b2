namespace DenseFace.Tests.Cli;

/// <summary>
/// Test classes that run commands showing a Spectre.Console progress bar run alone: Spectre refuses two live
/// displays at once, so two such commands in parallel test classes would fail each other.
/// </summary>
[CollectionDefinition(nameof(ConsoleProgressCollection), DisableParallelization = true)]
public sealed class ConsoleProgressCollection;
