using System.Drawing;
using System.Text.Json;
using DenseFace.Imaging;
using DenseFace.IO;

namespace DenseFace.Landmarks;

/// <summary>
/// Writers of landmark predictions: the JSON line of <c>denseface landmarks</c> (keys "file", "width", "height",
/// "faces": [{"box": [x, y, w, h], "landmarks68": [[x, y] x 68], "landmarks68_3d": [[x, y] x 68],
/// "dense": {"layout", "points": [[x, y, sigma, visible], ...]}}], "timing_ms"; 0-based pixel centres, sigma in
/// pixels, visible a probability) and the overlay picture (points coloured by σ).
/// </summary>
public static class LandmarkOutput
{
    /// <summary>One JSON line for an image and its faces (each with the box it was predicted from).</summary>
    public static string JsonLine(string file, int width, int height, IReadOnlyList<(RectangleF Box, FaceLandmarks Face)> faces, IReadOnlyDictionary<string, double> timingMs) =>
        JsonLines.ImageLine(file, width, height, w =>
        {
            w.WriteStartArray("faces");
            foreach (var (box, f) in faces)
            {
                w.WriteStartObject();
                WriteFaceMembers(w, box, f);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            JsonLines.WriteNumbers(w, "timing_ms", timingMs);
        });

    /// <summary>Writes a face's "box", "landmarks68", "landmarks68_3d" and "dense" members into the open JSON object.</summary>
    internal static void WriteFaceMembers(Utf8JsonWriter w, RectangleF box, FaceLandmarks f)
    {
        JsonLines.WriteBox(w, "box", box.X, box.Y, box.Width, box.Height);
        WritePoints(w, "landmarks68", f.Landmarks68, false);
        WritePoints(w, "landmarks68_3d", f.Landmarks68In3DConvention, false);
        w.WriteStartObject("dense");
        w.WriteString("layout", f.Layout);
        WritePoints(w, "points", f.Points, true);
        w.WriteEndObject();
    }

    static void WritePoints(Utf8JsonWriter w, string name, ReadOnlySpan<PredictedLandmark> points, bool full)
    {
        w.WriteStartArray(name);
        foreach (var p in points)
        {
            w.WriteStartArray();
            w.WriteNumberValue(Math.Round(p.X, 2)); w.WriteNumberValue(Math.Round(p.Y, 2));
            if (full) { w.WriteNumberValue(Math.Round(p.Sigma, 3)); w.WriteNumberValue(Math.Round(p.Visibility, 3)); }
            w.WriteEndArray();
        }
        w.WriteEndArray();
    }

    /// <summary>
    /// A copy of <paramref name="image"/> with each face's dense points (discs when visibility ≥ 0.5, crosses when
    /// hidden) coloured by σ relative to the face size (green: under 1 % of the ROI side, through yellow, to red at
    /// 5 % and above) and the 2D-convention 68 points as small white dots.
    /// </summary>
    public static Image8 Overlay(Image8 image, IEnumerable<FaceLandmarks> faces)
    {
        var img = image.ConvertTo(3);
        foreach (var f in faces)
        {
            float r = MathF.Max(1f, f.Roi.Side / 160f);
            foreach (var p in f.Points)
            {
                var c = SigmaColour(p.Sigma / f.Roi.Side);
                if (p.Visibility >= 0.5f) Draw.Disc(img, p.Position, r, c);
                else Draw.Marker(img, p.Position, MarkerShape.Cross, r * 1.2f, c.WithAlpha(160));
            }
            foreach (var p in f.Landmarks68) Draw.Disc(img, p.Position, r * 0.6f, Rgba.White);
        }
        return img;
    }

    /// <summary>Green → yellow → red as σ goes from 1 % to 5 % of the ROI side.</summary>
    public static Rgba SigmaColour(float relativeSigma)
    {
        float t = Math.Clamp((relativeSigma - 0.01f) / 0.04f, 0, 1);
        return t < 0.5f ? new Rgba((byte)(510 * t), 255, 0) : new Rgba(255, (byte)(255 * (2 - 2 * t)), 0);
    }
}
