using DenseFace.Fuzz;
using SharpFuzz;

// DenseFace.Fuzz TARGET            under afl-fuzz (scripts/fuzz.sh): SharpFuzz's fork server feeds inputs on stdin
// DenseFace.Fuzz TARGET FILE...    replays files once each and reports each outcome (exit 1 on a finding)
// DenseFace.Fuzz seeds TARGET DIR  writes the target's starting corpus
if (args.Length == 3 && args[0] == "seeds")
{
    Seeds.Write(args[1], args[2]);
    return 0;
}
if (args.Length == 0 || !FuzzTargets.Names.Contains(args[0]))
{
    Console.Error.WriteLine($"usage: DenseFace.Fuzz TARGET [FILE...]   (targets: {string.Join(", ", FuzzTargets.Names)})");
    return 2;
}
string target = args[0];
if (args.Length > 1)
{
    int findings = 0;
    foreach (var file in args.Skip(1))
    {
        try
        {
            var outcome = FuzzTargets.Run(target, File.ReadAllBytes(file));
            Console.WriteLine($"{file}: {(outcome == null ? "read" : "rejected: " + outcome)}");
        }
        catch (Exception e)
        {
            findings++;
            Console.WriteLine($"{file}: FINDING {e.GetType().FullName}: {e.Message}\n{e.StackTrace}");
        }
    }
    return findings == 0 ? 0 : 1;
}
Fuzzer.Run(stream =>
{
    using var ms = new MemoryStream();
    stream.CopyTo(ms);
    FuzzTargets.Run(target, ms.GetBuffer().AsSpan(0, (int)ms.Length));
});
return 0;
