namespace DenseFace;

/// <summary>
/// Locates the licensed data folder (face model, datasets). It is <c>$DENSEFACE_DATA</c> when set,
/// otherwise <c>../shared</c> from the repository root (the folder holding <c>DenseFace.slnx</c>, found
/// by walking up from the current directory, then from the application's base directory).
/// </summary>
public static class DataRoot
{
    /// <summary>Environment variable that overrides the data root.</summary>
    public const string EnvironmentVariable = "DENSEFACE_DATA";

    /// <summary>Returns the data root, or throws <see cref="InvalidInputException"/> saying how to set it.</summary>
    public static string Resolve()
    {
        var env = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(env))
        {
            if (!Directory.Exists(env))
                throw new InvalidInputException(EnvironmentVariable, $"data root '{env}' does not exist");
            return System.IO.Path.GetFullPath(env);
        }
        if (FindRepositoryRoot() is { } repo)
        {
            var candidate = System.IO.Path.GetFullPath(System.IO.Path.Combine(repo, "..", "shared"));
            if (Directory.Exists(candidate)) return candidate;
        }
        throw new InvalidInputException(EnvironmentVariable,
            "data root not found: set DENSEFACE_DATA or place the shared data folder at ../shared from the repository root");
    }

    /// <summary>
    /// The repository root (the folder holding <c>DenseFace.slnx</c>), found by walking up from the current
    /// directory, then from the application's base directory; null when neither is inside the repository.
    /// </summary>
    public static string? FindRepositoryRoot()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
            for (var dir = new DirectoryInfo(start); dir != null; dir = dir.Parent)
                if (File.Exists(System.IO.Path.Combine(dir.FullName, "DenseFace.slnx"))) return dir.FullName;
        return null;
    }

    /// <summary>A path below the data root, e.g. <c>Path("facemodel", "ict-facekit")</c>; throws if it does not exist.</summary>
    public static string Path(params string[] parts)
    {
        var p = System.IO.Path.Combine([Resolve(), .. parts]);
        if (!File.Exists(p) && !Directory.Exists(p))
            throw new InvalidInputException(p, "not found under the data root");
        return p;
    }
}
