using System.Drawing;
using System.Numerics;
using DenseFace.Geometry;

namespace DenseFace.Landmarks;

/// <summary>
/// The square region of interest the landmark network sees: a square of side <see cref="Side"/> pixels centred
/// on (<see cref="CenterX"/>, <see cref="CenterY"/>), turned by <see cref="Rotation"/> radians (image axes, y down:
/// a positive angle turns the ROI's x axis towards +y, i.e. clockwise on screen), resampled upright to the
/// network's input size. One definition for training and inference.
/// <para>
/// Normalised ROI coordinates (what the network predicts): the ROI centre is (0, 0) and its outer pixel edges
/// are at ±1, so for an input of S pixels the crop pixel centre c maps to n = (c − (S − 1)/2) · 2/S. A length of
/// 1 in normalised units is <see cref="Side"/>/2 image pixels.
/// </para>
/// </summary>
public readonly record struct FaceRoi(float CenterX, float CenterY, float Side, float Rotation)
{
    /// <summary>
    /// The ROI of a face box (x, y of the top-left corner, width, height; pixels; the tight box of the 68
    /// landmarks in the 300-W convention): centred on the box, side <paramref name="scale"/> · max(w, h), upright
    /// unless <paramref name="rotation"/> is given.
    /// </summary>
    /// <exception cref="InvalidInputException">Empty, non-finite box or non-positive scale.</exception>
    public static FaceRoi FromBox(RectangleF box, float scale, float rotation = 0)
    {
        if (!(box.Width > 0 && box.Height > 0) || !float.IsFinite(box.X) || !float.IsFinite(box.Y) || !float.IsFinite(box.Width) || !float.IsFinite(box.Height))
            throw new InvalidInputException("box", $"face box ({box.X}, {box.Y}, {box.Width}, {box.Height}) is not a finite box of positive size");
        if (!(scale > 0) || !float.IsFinite(scale)) throw new InvalidInputException("scale", $"ROI scale {scale} must be positive");
        return new FaceRoi(box.X + box.Width / 2, box.Y + box.Height / 2, scale * MathF.Max(box.Width, box.Height), rotation);
    }

    /// <summary>
    /// The ROI refined from 68 landmarks in the 300-W order (Wood et al.'s second pass): eyes levelled (the
    /// rotation of the line from the centre of points 36–41 to the centre of 42–47), centred on the landmarks'
    /// box in that rotated frame, side <paramref name="scale"/> · its larger extent.
    /// </summary>
    /// <exception cref="InvalidInputException">Fewer than 68 points or non-finite points.</exception>
    public static FaceRoi FromLandmarks68(ReadOnlySpan<Vector2> points, float scale)
    {
        if (points.Length < 68) throw new InvalidInputException("landmarks", $"{points.Length} points given, 68 needed");
        Vector2 r = default, l = default;
        for (int i = 36; i < 42; i++) r += points[i];
        for (int i = 42; i < 48; i++) l += points[i];
        var eye = (l - r) / 6;
        float angle = MathF.Atan2(eye.Y, eye.X);
        if (!float.IsFinite(angle)) throw new InvalidInputException("landmarks", "eye points are not finite");
        float c = MathF.Cos(angle), s = MathF.Sin(angle);
        float x0 = float.MaxValue, y0 = float.MaxValue, x1 = float.MinValue, y1 = float.MinValue;
        for (int i = 0; i < 68; i++)
        {
            // coordinates in the eye-levelled frame (rotation by −angle)
            float u = c * points[i].X + s * points[i].Y, v = -s * points[i].X + c * points[i].Y;
            x0 = MathF.Min(x0, u); x1 = MathF.Max(x1, u); y0 = MathF.Min(y0, v); y1 = MathF.Max(y1, v);
        }
        float side = scale * MathF.Max(x1 - x0, y1 - y0);
        if (!(side > 0) || !float.IsFinite(side)) throw new InvalidInputException("landmarks", "landmarks span no area");
        float mu = (x0 + x1) / 2, mv = (y0 + y1) / 2;
        return new FaceRoi(c * mu - s * mv, s * mu + c * mv, side, angle);
    }

    /// <summary>Map from image pixels to normalised ROI coordinates.</summary>
    public AffineTransform2D ImageToNormalized =>
        AffineTransform2D.Translation(-CenterX, -CenterY).Then(AffineTransform2D.Rotation(-Rotation)).Then(AffineTransform2D.Scale(2.0 / Side, 2.0 / Side));

    /// <summary>Map from image pixels to crop pixels of an <paramref name="inputSize"/>-pixel network input (for <see cref="Imaging.ImageWarp"/>).</summary>
    public AffineTransform2D ImageToCrop(int inputSize) => AffineTransform2D.SimilarityFromBox(CenterX, CenterY, Side, inputSize, Rotation);

    /// <summary>Normalised ROI coordinates of image point <paramref name="p"/> (pixels).</summary>
    public Vector2 ToNormalized(Vector2 p)
    {
        float dx = p.X - CenterX, dy = p.Y - CenterY, c = MathF.Cos(Rotation), s = MathF.Sin(Rotation), k = 2 / Side;
        return new Vector2((c * dx + s * dy) * k, (-s * dx + c * dy) * k);
    }

    /// <summary>Image point (pixels) of normalised ROI coordinates <paramref name="n"/>.</summary>
    public Vector2 ToImage(Vector2 n)
    {
        float c = MathF.Cos(Rotation), s = MathF.Sin(Rotation), k = Side / 2;
        float u = n.X * k, v = n.Y * k;
        return new Vector2(CenterX + c * u - s * v, CenterY + s * u + c * v);
    }

    /// <summary>A length in normalised units as image pixels.</summary>
    public float ToPixels(float normalizedLength) => normalizedLength * Side / 2;
}
