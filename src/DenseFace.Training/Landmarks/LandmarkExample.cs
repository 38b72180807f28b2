using System.Drawing;
using System.Numerics;
using DenseFace.Imaging;

namespace DenseFace.Training.Landmarks;

/// <summary>
/// One labelled face before cropping: the whole image, the face box the ROI is cut from (tight box of the
/// 2D-convention 68 points, pixels) and its labels in image pixels (0-based pixel centres). A weight of 0 marks
/// a label that is unknown (not projectable, not annotated); weights scale each point's loss term.
/// </summary>
public sealed class LandmarkExample
{
    /// <summary>The image (RGB).</summary>
    public required Image8 Image { get; init; }
    /// <summary>Face box (pixels): the ROI is cut around it.</summary>
    public required RectangleF Box { get; init; }
    /// <summary>Dense layout points (pixels).</summary>
    public required Vector2[] Dense { get; init; }
    /// <summary>Per dense point weight of the position term.</summary>
    public required float[] DenseWeight { get; init; }
    /// <summary>Per dense point visibility label.</summary>
    public required bool[] DenseVisible { get; init; }
    /// <summary>Per dense point weight of the visibility term.</summary>
    public required float[] VisibilityWeight { get; init; }
    /// <summary>The 68 points in 300-W's 2D annotation convention (pixels).</summary>
    public required Vector2[] Ibug68 { get; init; }
    /// <summary>Per point weight of the 68-point term.</summary>
    public required float[] Ibug68Weight { get; init; }

    /// <summary>Tight bounds of the points with positive weight (empty when there are none).</summary>
    public static RectangleF Bounds(ReadOnlySpan<Vector2> points, ReadOnlySpan<float> weights)
    {
        float x0 = float.MaxValue, y0 = float.MaxValue, x1 = float.MinValue, y1 = float.MinValue;
        for (int i = 0; i < points.Length; i++)
        {
            if (!(weights[i] > 0) || !float.IsFinite(points[i].X) || !float.IsFinite(points[i].Y)) continue;
            x0 = MathF.Min(x0, points[i].X); y0 = MathF.Min(y0, points[i].Y); x1 = MathF.Max(x1, points[i].X); y1 = MathF.Max(y1, points[i].Y);
        }
        return x0 > x1 ? RectangleF.Empty : new RectangleF(x0, y0, x1 - x0, y1 - y0);
    }
}

/// <summary>A source of labelled faces for the landmark trainer, indexed 0..Count-1; thread-safe.</summary>
public interface ILandmarkSource
{
    /// <summary>Number of distinct examples (synthetic sources are unbounded and report <see cref="int.MaxValue"/>).</summary>
    int Count { get; }
    /// <summary>Example <paramref name="index"/> (deterministic).</summary>
    LandmarkExample Get(long index);
}
