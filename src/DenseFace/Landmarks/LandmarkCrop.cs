using DenseFace.Geometry;
using DenseFace.Imaging;

namespace DenseFace.Landmarks;

/// <summary>
/// Cuts a <see cref="FaceRoi"/> out of an image into the network's normalised CHW input: the one crop used by
/// training and inference. Pixels outside the image are black; the filter is the area average when the ROI
/// shrinks by more than 1.5x, bilinear otherwise. A mirrored crop is the horizontal flip of the unmirrored one
/// about the crop centre (its normalised x is the negated unmirrored x).
/// </summary>
internal static class LandmarkCrop
{
    /// <summary>The map from image pixels to input pixels for an <paramref name="inputSize"/>-pixel input.</summary>
    public static AffineTransform2D ImageToInput(in FaceRoi roi, int inputSize, bool mirror)
    {
        var t = roi.ImageToCrop(inputSize);
        return mirror ? t.Then(new AffineTransform2D(-1, 0, inputSize - 1, 0, 1, 0)) : t;
    }

    /// <summary>
    /// Writes the crop into <paramref name="destination"/> (3 x size x size floats, RGB planes, (v/255 − mean)/std).
    /// Allocates nothing.
    /// </summary>
    /// <exception cref="InvalidInputException">The image is not RGB or the destination is too short.</exception>
    public static void Extract(Image8 image, in FaceRoi roi, int inputSize, bool mirror, ReadOnlySpan<float> mean, ReadOnlySpan<float> std, Span<float> destination)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (image.Channels != 3) throw new InvalidInputException(nameof(image), $"has {image.Channels} channels; the landmark network takes RGB");
        var filter = roi.Side > 1.5f * inputSize ? WarpFilter.Area : WarpFilter.Bilinear;
        ImageWarp.WarpAffineNormalized(image, ImageToInput(roi, inputSize, mirror), inputSize, inputSize, destination, mean, std, filter);
    }
}
