using System.Globalization;
using System.Numerics;
using System.Text;

namespace DenseFace.Evaluation.Datasets;

/// <summary>
/// Reader and writer of iBUG <c>.pts</c> landmark files (300-W, 300-VW, menpo):
/// <code>
/// version: 1
/// n_points: 68
/// {
/// x1 y1
/// ...
/// }
/// </code>
/// The file holds 1-based (MATLAB) pixel coordinates; in memory points are 0-based pixel centres.
/// <see cref="Parse"/> subtracts 1 and <see cref="Write"/> adds 1 — this is the only place the conversion happens.
/// Accepts LF, CRLF and CR line ends, blank lines, extra spaces and tabs, a UTF-8 byte-order mark and header lines
/// other than <c>version</c>/<c>n_points</c> (ignored); everything else that deviates is an
/// <see cref="InvalidInputException"/> naming the file and the line.
/// </summary>
public static class PtsFile
{
    /// <summary>Largest accepted <c>n_points</c> (dense annotations have a few thousand points at most).</summary>
    public const int MaxPoints = 100_000;

    /// <summary>Largest accepted file size in bytes.</summary>
    public const long MaxFileBytes = 16L << 20;

    /// <summary>Reads a <c>.pts</c> file; points come back 0-based (file value − 1), with no visibility array.</summary>
    public static LandmarkSet Read(string path)
    {
        var bytes = DatasetFile.ReadAllBytes(path, MaxFileBytes);
        return Parse(Encoding.UTF8.GetString(bytes), path);
    }

    /// <summary>Parses <c>.pts</c> text; <paramref name="sourceName"/> names the input in error messages.</summary>
    public static LandmarkSet Parse(string text, string sourceName)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(sourceName);
        int declared = -1, count = 0, lineNo = 0;
        bool inBody = false, closed = false;
        Vector2[]? points = null;
        foreach (var rawLine in text.AsSpan().EnumerateLines())
        {
            lineNo++;
            var line = rawLine.Trim();
            if (lineNo == 1 && line.Length > 0 && line[0] == '\uFEFF') line = line[1..].Trim();
            if (line.IsEmpty) continue;
            if (closed) throw Error(sourceName, lineNo, "unexpected content after the closing '}'");
            if (!inBody)
            {
                if (line.SequenceEqual("{"))
                {
                    if (declared < 0) throw Error(sourceName, lineNo, "'{' before an 'n_points:' header");
                    points = new Vector2[declared];
                    inBody = true;
                    continue;
                }
                int colon = line.IndexOf(':');
                if (colon <= 0) throw Error(sourceName, lineNo, $"expected a 'key: value' header line or '{{', found '{Clip(line)}'");
                var key = line[..colon].Trim();
                var value = line[(colon + 1)..].Trim();
                if (key.SequenceEqual("n_points"))
                {
                    if (declared >= 0) throw Error(sourceName, lineNo, "'n_points' given twice");
                    if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out declared) || declared > MaxPoints)
                        throw Error(sourceName, lineNo, $"'n_points' must be an integer from 0 to {MaxPoints}, found '{Clip(value)}'");
                }
                else if (key.SequenceEqual("version"))
                {
                    if (!double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) || !double.IsFinite(v))
                        throw Error(sourceName, lineNo, $"'version' must be a number, found '{Clip(value)}'");
                }
                continue;
            }
            if (line.SequenceEqual("}"))
            {
                if (count != declared) throw Error(sourceName, lineNo, $"n_points is {declared} but {count} points are listed");
                closed = true;
                continue;
            }
            if (count == declared) throw Error(sourceName, lineNo, $"more points than n_points ({declared}), or a missing '}}'");
            points![count++] = ParsePoint(line, sourceName, lineNo);
        }
        if (!inBody) throw Error(sourceName, lineNo, declared < 0 ? "no 'n_points:' header and no '{'" : "missing '{'");
        if (!closed) throw Error(sourceName, lineNo, $"missing closing '}}' (end of file after {count} of {declared} points)");
        return new LandmarkSet(points!, null, sourceName);
    }

    /// <summary>
    /// Writes 0-based <paramref name="points"/> as a <c>.pts</c> file (version 1, 1-based values, LF line ends).
    /// Each value is written with the fewest digits that read back to the identical in-memory float.
    /// </summary>
    public static void Write(string path, ReadOnlySpan<Vector2> points)
    {
        ArgumentNullException.ThrowIfNull(path);
        var sb = new StringBuilder(32 + points.Length * 24);
        sb.Append("version: 1\nn_points: ").Append(points.Length.ToString(CultureInfo.InvariantCulture)).Append("\n{\n");
        for (int i = 0; i < points.Length; i++)
        {
            var p = points[i];
            if (!float.IsFinite(p.X) || !float.IsFinite(p.Y))
                throw new InvalidInputException(path, $"point {i} is not finite ({p.X}, {p.Y}); nothing was written");
            sb.Append(FormatOneBased(p.X)).Append(' ').Append(FormatOneBased(p.Y)).Append('\n');
        }
        sb.Append("}\n");
        try
        {
            File.WriteAllText(path, sb.ToString(), new UTF8Encoding(false));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new InvalidInputException(path, $"cannot write file: {e.Message}", e);
        }
    }

    /// <summary>Shortest decimal of value + 1 (computed exactly in double) that reads back to <paramref name="value"/>.</summary>
    private static string FormatOneBased(float value)
    {
        double shifted = (double)value + 1.0;
        for (int digits = 6; digits < 17; digits++)
        {
            var s = shifted.ToString("G" + digits.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
            if ((float)(double.Parse(s, CultureInfo.InvariantCulture) - 1.0) == value) return s;
        }
        return shifted.ToString("R", CultureInfo.InvariantCulture);
    }

    private static Vector2 ParsePoint(ReadOnlySpan<char> line, string source, int lineNo)
    {
        Span<Range> parts = stackalloc Range[3];
        int n = line.SplitAny(parts, " \t", StringSplitOptions.RemoveEmptyEntries);
        if (n != 2) throw Error(source, lineNo, $"expected two numbers 'x y', found '{Clip(line)}'");
        return new Vector2(ParseCoordinate(line[parts[0]], source, lineNo), ParseCoordinate(line[parts[1]], source, lineNo));
    }

    private static float ParseCoordinate(ReadOnlySpan<char> token, string source, int lineNo)
    {
        if (!double.TryParse(token, NumberStyles.Float, CultureInfo.InvariantCulture, out var v))
            throw Error(source, lineNo, $"'{Clip(token)}' is not a number");
        // 1-based file value -> 0-based pixel centre, subtracted in double so that Write/Read round-trips exactly.
        float f = (float)(v - 1.0);
        if (!float.IsFinite(f)) throw Error(source, lineNo, $"coordinate '{Clip(token)}' is not a finite number");
        return f;
    }

    private static string Clip(ReadOnlySpan<char> s) => s.Length <= 40 ? s.ToString() : string.Concat(s[..40], "...");

    private static InvalidInputException Error(string source, int lineNo, string problem) => new(source, $"line {lineNo}: {problem}");
}
