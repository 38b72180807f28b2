using System.Numerics;

namespace DenseFace.Evaluation.Datasets;

/// <summary>
/// A set of 2D landmarks read from an annotation file, in 0-based pixel-centre image coordinates
/// (the centre of the top-left pixel is (0, 0), x right, y down). Readers of 1-based formats
/// (iBUG <c>.pts</c>, AFLW2000-3D <c>.mat</c>) convert on read; nothing downstream converts again.
/// </summary>
public sealed class LandmarkSet
{
    /// <summary>The points in the annotation's own order (e.g. iBUG 68: jaw 0-16, brows 17-26, nose 27-35, eyes 36-47, mouth 48-67).</summary>
    public Vector2[] Points { get; }

    /// <summary>
    /// Per-point flag, same length as <see cref="Points"/>, or null when the format has none (then every point counts
    /// as labelled). A false entry marks a point the annotation does not label; its coordinates carry no meaning.
    /// </summary>
    public bool[]? Visibility { get; }

    /// <summary>The file (or other input) the points came from, for messages.</summary>
    public string SourceName { get; }

    /// <summary>Wraps <paramref name="points"/> (not copied). Throws <see cref="ArgumentException"/> when the visibility length differs.</summary>
    public LandmarkSet(Vector2[] points, bool[]? visibility, string sourceName)
    {
        ArgumentNullException.ThrowIfNull(points);
        ArgumentNullException.ThrowIfNull(sourceName);
        if (visibility != null && visibility.Length != points.Length)
            throw new ArgumentException($"visibility has {visibility.Length} entries for {points.Length} points", nameof(visibility));
        Points = points;
        Visibility = visibility;
        SourceName = sourceName;
    }

    /// <summary>Number of points.</summary>
    public int Count => Points.Length;

    /// <summary>True when point <paramref name="index"/> is labelled (always true without a visibility array).</summary>
    public bool IsVisible(int index)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)index, (uint)Points.Length, nameof(index));
        return Visibility?[index] ?? true;
    }
}
