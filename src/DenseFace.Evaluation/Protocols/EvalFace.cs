using System.Drawing;
using System.Numerics;

namespace DenseFace.Evaluation.Protocols;

/// <summary>
/// One annotated face of a benchmark: the image, the ground-truth points scored (0-based pixels), which of them are
/// labelled (null: all), the ground-truth yaw (degrees, for the |yaw| bins), the crop box of protocol (a) (tight box
/// of the ground-truth points) and the NME normaliser (pixels). <paramref name="Pose"/>: the ground-truth head pose in
/// our convention (<see cref="Geometry.RigidTransform"/>, degrees) where the dataset has one (AFLW2000-3D, converted by
/// <see cref="Datasets.Aflw2000Pose"/>).
/// </summary>
public sealed record EvalFace(string ImagePath, Vector2[] Truth, bool[]? Labelled, double YawDegrees, RectangleF Box, double Normaliser,
    (float Yaw, float Pitch, float Roll)? Pose = null)
{
    /// <summary>The file name, used to name the sample in errors and reports.</summary>
    public string Name => Path.GetFileName(ImagePath);
}

/// <summary>
/// A method's answer for one face: both 68-point sets (0-based pixels; the 2D annotation convention with the jaw on the
/// visible silhouette, and the 3D convention with the jaw on the surface) and the time it took (milliseconds, one thread).
/// Methods with only one set give it for both. <paramref name="Sigma68"/>: the predicted σ (pixels) of
/// <paramref name="Points68"/>, when the method has one.
/// </summary>
public sealed record FacePrediction(Vector2[] Points68, Vector2[] Points68In3D, double Milliseconds, float[]? Sigma68 = null);

/// <summary>
/// A landmark method under test (ours or a peer): predicts the face of <see cref="EvalFace"/> in its already loaded RGB
/// image, or returns null when it misses the face (protocol (b): its detector found no face over the annotated one).
/// Must be thread-safe when the protocol runs with several threads.
/// </summary>
public interface ILandmarkMethod
{
    /// <summary>Name in tables and JSON.</summary>
    string Name { get; }

    /// <summary>The prediction, or null for a missed face.</summary>
    FacePrediction? Predict(EvalFace face, Imaging.Image8 image);
}

/// <summary>Runs a method over a benchmark's faces (the part every protocol shares).</summary>
public static class ProtocolRunner
{
    /// <summary>Each face's prediction (null where the method missed it), images decoded as RGB, in <paramref name="threads"/> parallel threads.</summary>
    public static FacePrediction?[] Predict(ILandmarkMethod method, IReadOnlyList<EvalFace> faces, int threads = 1, Action<int, int>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(method);
        if (faces.Count == 0) throw new InvalidInputException("faces", "no annotated faces to evaluate");
        var predictions = new FacePrediction?[faces.Count];
        int done = 0;
        Parallel.For(0, faces.Count, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, threads) }, i =>
        {
            var image = Imaging.ImageIO.Load(faces[i].ImagePath);
            if (image.Channels != 3) image = image.ConvertTo(3);
            predictions[i] = method.Predict(faces[i], image);
            progress?.Invoke(Interlocked.Increment(ref done), faces.Count);
        });
        return predictions;
    }
}
