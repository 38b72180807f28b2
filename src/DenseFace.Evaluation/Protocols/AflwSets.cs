using System.Numerics;
using DenseFace.Evaluation.Datasets;
using DenseFace.Evaluation.Metrics;
using DenseFace.Detection;
using DenseFace.IO;

namespace DenseFace.Evaluation.Protocols;

/// <summary>
/// The AFLW benchmarks of 3DDFA (Zhu et al., CVPR 2016) as <see cref="EvalFace"/> lists for <see cref="YawBinnedProtocol"/>:
/// AFLW2000-3D (68 points in the 3D convention, 2D error) and AFLW with 21 points (3DDFA's <c>pts21.npy</c> layout).
/// </summary>
public static class AflwSets
{
    /// <summary>Point set of <see cref="Aflw2000"/>, stated in reports.</summary>
    public const string Aflw2000PointSet = "68 points, 3D convention (pt3d_68 x/y; jaw on the surface), NME / sqrt(w*h) of the ground-truth box";

    /// <summary>Point set of <see cref="Aflw21"/>, stated in reports.</summary>
    public const string Aflw21PointSet = "AFLW 21 points less the 2 ears (19, from our 2D-convention 68, Aflw21Points), NME / sqrt(w*h) of the box of the labelled ground truth";

    /// <summary>
    /// An AFLW2000-3D folder: every <c>imageNNNNN.mat</c> with its <c>.jpg</c> (sorted). Truth: the x/y of <c>pt3d_68</c>,
    /// box and normaliser from them, yaw from <c>Pose_Para</c>. Unreadable .mat files and .mat files without an image
    /// count as missing.
    /// </summary>
    /// <exception cref="InvalidInputException">No such folder, or no usable sample.</exception>
    public static (List<EvalFace> Faces, int Missing) Aflw2000(string folder)
    {
        if (!Directory.Exists(folder)) throw new InvalidInputException(folder, "AFLW2000-3D folder not found");
        var faces = new List<EvalFace>(); int missing = 0;
        foreach (var mat in Directory.GetFiles(folder, "*.mat").Order(StringComparer.Ordinal))
        {
            Aflw2000Sample s;
            try { s = Aflw2000Sample.Read(mat); }
            catch (InvalidInputException) { missing++; continue; }
            if (s.ImagePath is null) { missing++; continue; }
            var truth = s.Landmarks2D68.Points;
            faces.Add(new EvalFace(s.ImagePath, truth, null, s.YawDegrees, FaceBox.Tight(truth).ToRectangle(), LandmarkMetrics.BoxSize(truth),
                Aflw2000Pose.From(s).ToHeadPoseDegrees()));
        }
        missing += Directory.GetFiles(folder, "*.jpg").Count(j => !File.Exists(Path.ChangeExtension(j, ".mat")));
        if (faces.Count == 0) throw new InvalidInputException(folder, "no AFLW2000-3D samples (.mat with .jpg)");
        return (faces, missing);
    }

    /// <summary>
    /// 3DDFA's AFLW layout: <paramref name="folder"/> holds the images, <c>list.txt</c> (one image file name per line,
    /// relative to the folder), <c>pts21.npy</c> (N × 2 × 21: x row then y row, 1-based pixels, −1 for an unlabelled point)
    /// and <c>yaws.npy</c> (N, degrees). Truth: the 21 points (0-based); labelled = annotated and not an ear
    /// (<see cref="Aflw21Points.Scored"/>); box and normaliser from all annotated points. Listed images that do not exist
    /// count as missing.
    /// </summary>
    /// <exception cref="InvalidInputException">Missing files, or shapes that do not agree.</exception>
    public static (List<EvalFace> Faces, int Missing) Aflw21(string folder)
    {
        string list = Path.Combine(folder, "list.txt"), ptsPath = Path.Combine(folder, "pts21.npy"), yawPath = Path.Combine(folder, "yaws.npy");
        foreach (var f in new[] { list, ptsPath, yawPath })
            if (!File.Exists(f)) throw new InvalidInputException(f, "not found (an AFLW 21-point folder has list.txt, pts21.npy and yaws.npy beside the images)");
        var names = File.ReadAllLines(list).Select(l => l.Trim()).Where(l => l.Length > 0).ToArray();
        var pts = NpyArray.Read(ptsPath); var yaws = NpyArray.Read(yawPath);
        if (pts.Shape.Count != 3 || pts.Shape[0] != names.Length || pts.Shape[1] != 2 || pts.Shape[2] != Aflw21Points.Count)
            throw new InvalidInputException(ptsPath, $"shape ({string.Join(", ", pts.Shape)}); expected ({names.Length}, 2, 21) for the {names.Length} images of list.txt");
        if (yaws.Count != names.Length) throw new InvalidInputException(yawPath, $"{yaws.Count} yaws for {names.Length} images");
        var p = pts.ToDoubleArray(); var y = yaws.ToDoubleArray();
        var faces = new List<EvalFace>(); int missing = 0;
        for (int n = 0; n < names.Length; n++)
        {
            var image = Path.Combine(folder, names[n]);
            if (!File.Exists(image)) { missing++; continue; }
            var truth = new Vector2[21]; var labelled = new bool[21]; var annotated = new List<Vector2>();
            for (int k = 0; k < 21; k++)
            {
                double x = p[(n * 2) * 21 + k], yy = p[(n * 2 + 1) * 21 + k];
                if (!double.IsFinite(x) || !double.IsFinite(yy)) throw new InvalidInputException(ptsPath, $"image {n} ({names[n]}) point {k} is not finite");
                bool present = x >= 0 && yy >= 0;
                truth[k] = present ? new Vector2((float)(x - 1), (float)(yy - 1)) : default;
                labelled[k] = present && Aflw21Points.Scored(k);
                if (present) annotated.Add(truth[k]);
            }
            if (!labelled.Any(b => b) || !double.IsFinite(y[n])) throw new InvalidInputException(ptsPath, $"image {n} ({names[n]}) has no scored point or no finite yaw");
            var pointsSpan = annotated.ToArray();
            faces.Add(new EvalFace(image, truth, labelled, y[n], FaceBox.Tight(pointsSpan).ToRectangle(), LandmarkMetrics.BoxSize(pointsSpan)));
        }
        if (faces.Count == 0) throw new InvalidInputException(folder, "none of the listed images exists");
        return (faces, missing);
    }
}
