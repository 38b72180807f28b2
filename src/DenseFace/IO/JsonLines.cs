using System.Text;
using System.Text.Json;

namespace DenseFace.IO;

/// <summary>The per-image JSON line shared by the CLI's JSONL outputs (detect, landmarks, ...).</summary>
internal static class JsonLines
{
    /// <summary>
    /// One compact JSON object <c>{"file", "width", "height", ...}</c> whose remaining members <paramref name="body"/>
    /// writes (the writer is inside the object).
    /// </summary>
    public static string ImageLine(string file, int width, int height, Action<Utf8JsonWriter> body)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms))
        {
            w.WriteStartObject();
            w.WriteString("file", file);
            w.WriteNumber("width", width);
            w.WriteNumber("height", height);
            body(w);
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(ms.ToArray());
    }

    /// <summary>Writes <c>"name": [x, y, w, h]</c> rounded to 0.01 px.</summary>
    public static void WriteBox(Utf8JsonWriter w, string name, float x, float y, float width, float height)
    {
        w.WriteStartArray(name);
        w.WriteNumberValue(Math.Round(x, 2)); w.WriteNumberValue(Math.Round(y, 2));
        w.WriteNumberValue(Math.Round(width, 2)); w.WriteNumberValue(Math.Round(height, 2));
        w.WriteEndArray();
    }

    /// <summary>Writes <c>"name": {"key": value, ...}</c> with the values rounded to <paramref name="digits"/> decimals.</summary>
    public static void WriteNumbers(Utf8JsonWriter w, string name, IEnumerable<KeyValuePair<string, double>> values, int digits = 3)
    {
        w.WriteStartObject(name);
        foreach (var (k, v) in values) w.WriteNumber(k, Math.Round(v, digits));
        w.WriteEndObject();
    }

    /// <summary>Writes <c>"name": [v0, v1, ...]</c> rounded to <paramref name="digits"/> decimals.</summary>
    public static void WriteArray(Utf8JsonWriter w, string name, ReadOnlySpan<float> values, int digits = 4)
    {
        w.WriteStartArray(name);
        foreach (float v in values) w.WriteNumberValue(Math.Round(v, digits));
        w.WriteEndArray();
    }
}
