namespace DenseFace.Bench;

/// <summary>Small helpers shared by the bench project's commands.</summary>
internal static class BenchArgs
{
    /// <summary>The value after <paramref name="name"/> in <paramref name="args"/> (<c>--json OUT</c>), or null.</summary>
    public static string? Arg(string[] args, string name)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }

    /// <summary>max |a[i] - b[i]|; the lengths must agree (<paramref name="what"/> names b in the error).</summary>
    public static double MaxAbsDiff(ReadOnlySpan<float> a, ReadOnlySpan<float> b, string what = "reference output")
    {
        if (a.Length != b.Length) throw new InvalidInputException(what, $"length {b.Length}, ours {a.Length}");
        double m = 0;
        for (int i = 0; i < a.Length; i++) m = Math.Max(m, Math.Abs(a[i] - b[i]));
        return m;
    }
}
