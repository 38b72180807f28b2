namespace DenseFace.Cli;

/// <summary>Turns expected failures (bad input) into a one-line message and exit code 2 instead of a stack trace.</summary>
internal static class CliErrors
{
    public static int Run(Func<int> body)
    {
        try { return body(); }
        catch (InvalidInputException e) { Console.Error.WriteLine($"error: {e.Message}"); return 2; }
        catch (IOException e) { Console.Error.WriteLine($"error: {e.Message}"); return 2; }
        catch (UnauthorizedAccessException e) { Console.Error.WriteLine($"error: {e.Message}"); return 2; }
    }
}
