namespace DenseFace;

/// <summary>
/// Raised when an input (file, array, parameter) is malformed or out of range. The message always names
/// the input (<see cref="InputName"/>: a file path or parameter name) and the problem, so a batch job can
/// report it and skip to the next item.
/// </summary>
public class InvalidInputException : Exception
{
    /// <summary>The offending input: a file path, a stream name or a parameter name.</summary>
    public string InputName { get; }

    /// <summary>What is wrong with it, without the input name.</summary>
    public string Problem { get; }

    /// <summary>An error about <paramref name="inputName"/>; the message reads "inputName: problem".</summary>
    public InvalidInputException(string inputName, string problem, Exception? inner = null)
        : base($"{inputName}: {problem}", inner)
    {
        InputName = inputName;
        Problem = problem;
    }
}
