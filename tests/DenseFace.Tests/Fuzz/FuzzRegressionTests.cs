using DenseFace.Fuzz;

namespace DenseFace.Tests.Fuzz;

/// <summary>
/// Replays the inputs that coverage-guided fuzzing (scripts/fuzz.sh, docs/fuzzing.md) found crashing or hanging,
/// kept under Fuzz/Regressions/&lt;target&gt;/, through the same target code as the fuzzer (fuzz/DenseFace.Fuzz/FuzzTargets.cs):
/// each must read or raise <see cref="InvalidInputException"/> naming the input, within a time bound.
/// </summary>
public class FuzzRegressionTests
{
    /// <summary>Per input; generous, since the suite runs on a loaded machine: it catches hangs, not slowness.</summary>
    static readonly TimeSpan Limit = TimeSpan.FromSeconds(20);

    static string RegressionDir(string target) => Path.Combine(AppContext.BaseDirectory, "Fuzz", "Regressions", target);

    public static TheoryData<string> Targets() => new(FuzzTargets.Names);

    [Theory]
    [MemberData(nameof(Targets))]
    public void KeptInputsAreReadOrRejected(string target)
    {
        var dir = RegressionDir(target);
        var files = Directory.Exists(dir) ? Directory.GetFiles(dir).Order(StringComparer.Ordinal).ToArray() : [];
        var problems = files.Select(f => Replay(target, Path.GetFileName(f), File.ReadAllBytes(f))).OfType<string>().ToList();
        Assert.True(problems.Count == 0, $"{problems.Count} of {files.Length} kept {target} inputs break the contract:\n{string.Join("\n", problems)}");
    }

    /// <summary>The harness's own seeds go through the targets cleanly and most of them read, so the targets are wired to real readers.</summary>
    [Theory]
    [MemberData(nameof(Targets))]
    public void SeedsAreReadByTheTarget(string target)
    {
        var seeds = Seeds.For(target).Where(s => !s.Name.EndsWith(".src", StringComparison.Ordinal)).ToArray();
        Assert.NotEmpty(seeds);
        foreach (var (name, data) in seeds) Assert.Null(Replay(target, name, data));
        Assert.Contains(seeds, s => FuzzTargets.Run(target, s.Data) == null);
    }

    /// <summary>A mistyped target is a usage error, never a silent pass.</summary>
    [Fact]
    public void UnknownTargetIsAnArgumentError() =>
        Assert.Throws<ArgumentException>(() => FuzzTargets.Run("gif", [1, 2, 3]));

    /// <summary>Null when the input was read or rejected with InvalidInputException in time; otherwise what went wrong.</summary>
    static string? Replay(string target, string name, byte[] data)
    {
        Exception? error = null;
        // A dedicated thread, not the pool: a queued pool task under a loaded parallel run would look like a hang.
        var thread = new Thread(() =>
        {
            try { FuzzTargets.Run(target, data); }
            catch (Exception e) { error = e; }
        }, maxStackSize: 16 << 20) { IsBackground = true };
        thread.Start();
        if (!thread.Join(Limit)) return $"{name}: did not finish within {Limit.TotalSeconds} s";
        return error == null ? null : $"{name}: {error.GetType().Name}: {error.Message}\n{error.StackTrace}";
    }
}
