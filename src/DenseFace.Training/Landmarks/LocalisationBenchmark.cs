using System.Drawing;
using DenseFace.Detection;
using DenseFace.FaceModel;
using DenseFace.Imaging;
using DenseFace.Landmarks;
using DenseFace.Pipeline;
using DenseFace.Training.Synthesis;

namespace DenseFace.Training.Landmarks;

/// <summary>Result of <see cref="LocalisationBenchmark.Run"/>: counts per |yaw| bin and the relative σ of the searched windows.</summary>
public sealed record LocalisationResult(int[] Faces, int[] DetectorFound, int[] FallbackFound, int FallbackTried, int NonFaceImages, int NonFaceFalseAlarms,
    double[] FaceWinnerSigma, double[] NonFaceWinnerSigma);

/// <summary>
/// The detector, and the detector with <see cref="LandmarkWindowSearch"/> as its fallback, on synthetic renders with
/// |yaw| up to 90° (generator seed, 320 px, no photo backgrounds needed): a face is found when a box (the detector's
/// 68-point box, or the fallback's) overlaps the exact 68-point box by IoU ≥ 0.4; the fallback runs only where the
/// detector found nothing over the face. False alarms: the fallback on face-free images, the largest square of each
/// render that keeps 30 % of the face size clear of the face, resized to the render's size.
/// </summary>
public static class LocalisationBenchmark
{
    /// <summary>Runs on <paramref name="count"/> renders of <paramref name="seed"/>.</summary>
    public static LocalisationResult Run(MorphableModel model, FaceReconstructor reconstructor, int count, int seed, float maxRelativeSigma, Action<int>? progress = null)
    {
        var gen = new SyntheticFaceGenerator(model, new SynthesisOptions { Seed = seed, ImageSize = 320, Supersampling = 1, MaxYaw = 90, Layouts = [SynthesisLayout.From(reconstructor.Predictor.Layout)] });
        var source = new SyntheticLandmarkSource(model, gen);
        var search = new LandmarkWindowSearch(reconstructor.Predictor, maxRelativeSigma: maxRelativeSigma);
        var probe = new LandmarkWindowSearch(reconstructor.Predictor, maxRelativeSigma: 0.999f);
        int[] faces = new int[3], det = new int[3], fb = new int[3];
        int tried = 0, nonFace = 0, alarms = 0;
        var faceSigma = new List<double>(); var nonFaceSigma = new List<double>();
        for (int i = 0; i < count; i++)
        {
            var (e, s) = source.GetWithSample(i);
            int bin = Math.Abs(s.Pose.Yaw) <= 30 ? 0 : Math.Abs(s.Pose.Yaw) <= 60 ? 1 : 2;
            faces[bin]++;
            var truth = FaceBox.From(e.Box);
            var found = reconstructor.Detector!.Detect(s.Image).Any(d => FaceBox.IoU(d.Box68, truth) >= 0.4f);
            if (found) det[bin]++;
            else
            {
                tried++;
                if (probe.Find(s.Image) is { } p)
                {
                    faceSigma.Add(p.RelativeSigma);
                    if (p.RelativeSigma < maxRelativeSigma && FaceBox.IoU(FaceBox.From(p.Box), truth) >= 0.4f) fb[bin]++;
                }
            }
            // a face-free image: the render's corner farthest from the face, resized to 320
            var corner = FarCorner(s.Image, e.Box);
            if (corner is not null)
            {
                nonFace++;
                if (probe.Find(corner) is { } q)
                {
                    nonFaceSigma.Add(q.RelativeSigma);
                    if (q.RelativeSigma < maxRelativeSigma) alarms++;
                }
            }
            progress?.Invoke(i + 1);
        }
        return new LocalisationResult(faces, det, fb, tried, nonFace, alarms, faceSigma.Order().ToArray(), nonFaceSigma.Order().ToArray());
    }

    /// <summary>The largest square in a corner of <paramref name="image"/> that avoids <paramref name="face"/> (grown by 30 %), resized to the image size; null when it is under a quarter of the side.</summary>
    static Image8? FarCorner(Image8 image, RectangleF face)
    {
        float m = 0.3f * Math.Max(face.Width, face.Height);
        float x0 = face.Left - m, x1 = face.Right + m, y0 = face.Top - m, y1 = face.Bottom + m;
        int w = image.Width, h = image.Height;
        float left = x0, right = w - x1, top = y0, bottom = h - y1;
        // the square in each strip beside the face: left, right, top, bottom (the first largest wins)
        (float Side, float X, float Y)[] squares =
            [(Math.Min(left, h), 0, 0), (Math.Min(right, h), w - Math.Min(right, h), 0), (Math.Min(top, w), 0, 0), (Math.Min(bottom, w), 0, h - Math.Min(bottom, w))];
        var (best, sx, sy) = squares.MaxBy(q => q.Side);
        if (best < w / 4f) return null;
        double scale = w / (double)best;
        var t = Geometry.AffineTransform2D.Compose(Geometry.AffineTransform2D.Translation(-sx + 0.5, -sy + 0.5), Geometry.AffineTransform2D.Scale(scale, scale));
        t = Geometry.AffineTransform2D.Compose(t, Geometry.AffineTransform2D.Translation(-0.5, -0.5));
        return ImageWarp.WarpAffine(image, t, w, h, WarpFilter.Bilinear);
    }
}
