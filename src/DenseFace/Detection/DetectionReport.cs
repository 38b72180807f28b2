using System.Numerics;
using System.Text.Json;
using DenseFace.Imaging;

namespace DenseFace.Detection;

/// <summary>
/// Output formats of a detection run: one JSON object per image (the <c>denseface detect --jsonl</c> line) and an
/// overlay picture. Coordinates are image pixels (0-based pixel centres); boxes are [x, y, width, height].
/// </summary>
public static class DetectionReport
{
    /// <summary>
    /// {"file", "width", "height", "faces": [{"box", "score", "keypoints5", "box68"}], "timing_ms"} on one line;
    /// key points as [[x, y] x 5] in YuNet's order (see <see cref="DetectedFace"/>), numbers rounded to 0.01 px / 1e-4.
    /// </summary>
    public static string JsonLine(string file, int width, int height, IReadOnlyList<DetectedFace> faces, double timingMs) =>
        DenseFace.IO.JsonLines.ImageLine(file, width, height, w =>
        {
            w.WriteStartArray("faces");
            foreach (var f in faces)
            {
                w.WriteStartObject();
                WriteBox(w, "box", f.Box);
                w.WriteNumber("score", Math.Round(f.Score, 4));
                w.WriteStartArray("keypoints5");
                for (int i = 0; i < 5; i++)
                {
                    w.WriteStartArray();
                    w.WriteNumberValue(Math.Round(f.Keypoints[i].X, 2));
                    w.WriteNumberValue(Math.Round(f.Keypoints[i].Y, 2));
                    w.WriteEndArray();
                }
                w.WriteEndArray();
                WriteBox(w, "box68", f.Box68);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteNumber("timing_ms", Math.Round(timingMs, 3));
        });

    private static void WriteBox(Utf8JsonWriter w, string name, FaceBox b) => DenseFace.IO.JsonLines.WriteBox(w, name, b.X, b.Y, b.Width, b.Height);

    /// <summary>A copy of <paramref name="image"/> (RGB) with YuNet's boxes (yellow), the 68-point box estimates (green) and the key points (red).</summary>
    public static Image8 Overlay(Image8 image, IReadOnlyList<DetectedFace> faces)
    {
        var img = image.ConvertTo(3);
        float t = Math.Max(1, Math.Max(img.Width, img.Height) / 400f);
        foreach (var f in faces)
        {
            Rectangle(img, f.Box, Rgba.Yellow, t);
            Rectangle(img, f.Box68, Rgba.Green, t);
            for (int i = 0; i < 5; i++) Draw.Disc(img, f.Keypoints[i], 1.5f * t, Rgba.Red);
        }
        return img;
    }

    private static void Rectangle(Image8 img, FaceBox b, Rgba color, float thickness)
    {
        Vector2 a = new(b.X, b.Y), c = new(b.Right, b.Y), d = new(b.Right, b.Bottom), e = new(b.X, b.Bottom);
        Draw.Line(img, a, c, color, thickness);
        Draw.Line(img, c, d, color, thickness);
        Draw.Line(img, d, e, color, thickness);
        Draw.Line(img, e, a, color, thickness);
    }
}
