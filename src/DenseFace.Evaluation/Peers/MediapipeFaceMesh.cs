using System.Diagnostics;
using System.Numerics;
using System.Text.Json;
using DenseFace.Detection;
using DenseFace.Evaluation.Protocols;
using DenseFace.Imaging;

namespace DenseFace.Evaluation.Peers;

/// <summary>
/// The MediaPipe face mesh peer (<c>tools/peers/mediapipe-facemesh</c> under the data root: BlazeFace + the 468-point mesh
/// + iris through <c>@vladmandic/human</c> in Node, offline). <see cref="Run"/> runs it once over a list of images (one
/// thread, <c>--threads 1</c>) and keeps its faces; as an <see cref="ILandmarkMethod"/> it answers with the face whose
/// mapped 68 points' box overlaps the ground-truth box most (IoU ≥ <see cref="OurLandmarkMethod.MinIoU"/>, the rule our
/// detector gets), mapped by <see cref="To68"/>; time is the peer's own per-image <c>ms</c> (detector + mesh + iris).
/// </summary>
public sealed class MediapipeFaceMesh : ILandmarkMethod
{
    /// <summary>
    /// MediaPipe canonical-mesh vertex for each iBUG 68 point (0-based, iBUG order; the widely used dlib-68 table): jaw
    /// 127 234 93 132 58 172 136 150 152 377 365 397 288 361 323 454 356, brows 70 63 105 66 107 | 336 296 334 293 300,
    /// nose 168 197 5 4 | 75 97 2 326 305, eyes 33 160 158 133 153 144 | 362 385 387 263 373 380, outer lips 61 39 37 0 267
    /// 269 291 405 314 17 84 181, inner lips 78 82 13 312 308 317 14 87.
    /// <para>
    /// Jaw mismatch: the mesh's face oval is a fixed ring of surface vertices that runs from the temples past the ears to the
    /// chin (3D convention, and higher on the cheek than iBUG's jaw 0/16 at the tragus), while 300-W annotates the visible
    /// silhouette; so jaw points carry a systematic offset, largest at large yaw. Inner points correspond well. No mapping
    /// is learned by default; <see cref="LearnedPointCorrection"/> fitted on the 300-W training photos (never on test images)
/// is the optional second variant.
    /// </para>
    /// </summary>
    public static ReadOnlySpan<int> To68 =>
    [
        127, 234, 93, 132, 58, 172, 136, 150, 152, 377, 365, 397, 288, 361, 323, 454, 356,
        70, 63, 105, 66, 107, 336, 296, 334, 293, 300,
        168, 197, 5, 4, 75, 97, 2, 326, 305,
        33, 160, 158, 133, 153, 144, 362, 385, 387, 263, 373, 380,
        61, 39, 37, 0, 267, 269, 291, 405, 314, 17, 84, 181,
        78, 82, 13, 312, 308, 317, 14, 87,
    ];

    readonly Dictionary<string, (double Ms, List<Vector2[]> Faces)> _results = new(StringComparer.Ordinal);
    LearnedPointCorrection? _correction;

    /// <inheritdoc/>
    public string Name => _correction is null ? "MediaPipe face mesh" : "MediaPipe face mesh + learned 68";

    /// <summary>The peer's time per image of every image it ran on (ms, its detector + mesh + iris).</summary>
    public IEnumerable<double> Milliseconds => _results.Values.Select(r => r.Ms);

    /// <summary>The peer's folder under the data root.</summary>
    public static string DefaultDirectory => DataRoot.Path("tools", "peers", "mediapipe-facemesh");

    /// <summary>The 68 mapped points of a 468- or 478-point mesh (x, y pixels).</summary>
    public static Vector2[] Map(IReadOnlyList<Vector2> mesh)
    {
        if (mesh.Count < 468) throw new InvalidInputException("mediapipe mesh", $"{mesh.Count} points; expected 468 (or 478 with iris)");
        var r = new Vector2[68];
        for (int k = 0; k < 68; k++) r[k] = mesh[To68[k]];
        return r;
    }

    /// <summary>
    /// Runs the peer in <paramref name="directory"/> (default <see cref="DefaultDirectory"/>; it must have been installed with
    /// <c>npm install --no-audit --no-fund --ignore-scripts</c>) on <paramref name="images"/> with one thread.
    /// </summary>
    /// <exception cref="InvalidInputException">The peer is not installed, or it failed (its error output is quoted).</exception>
    public static MediapipeFaceMesh Run(IReadOnlyList<string> images, string? directory = null, LearnedPointCorrection? correction = null)
    {
        directory = Path.GetFullPath(directory ?? DefaultDirectory);
        if (!File.Exists(Path.Combine(directory, "run.js"))) throw new InvalidInputException(directory, "no MediaPipe peer here (run.js missing)");
        if (!Directory.Exists(Path.Combine(directory, "node_modules")))
            throw new InvalidInputException(directory, "the peer is not installed: run 'npm install --no-audit --no-fund --ignore-scripts' there (see its README)");
        var output = Path.Combine(Path.GetTempPath(), $"denseface-mediapipe-{Guid.NewGuid():N}.jsonl");
        try
        {
            var psi = new ProcessStartInfo("node") { WorkingDirectory = directory, RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
            foreach (var a in new[] { "run.js", "--threads", "1", output }) psi.ArgumentList.Add(a);
            foreach (var i in images) psi.ArgumentList.Add(Path.GetFullPath(i));
            using var proc = Process.Start(psi) ?? throw new InvalidInputException("node", "could not start Node.js");
            var stderr = proc.StandardError.ReadToEndAsync();
            proc.StandardOutput.ReadToEnd();
            proc.WaitForExit();
            if (proc.ExitCode != 0) throw new InvalidInputException(directory, $"the peer exited with code {proc.ExitCode}: {stderr.Result.Trim()}");
            return FromJsonl(output, correction);
        }
        catch (System.ComponentModel.Win32Exception e) { throw new InvalidInputException("node", $"Node.js is needed for the MediaPipe peer: {e.Message}"); }
        finally { File.Delete(output); }
    }

    /// <summary>The same peer results answered through <paramref name="correction"/> (a second method from one peer run).</summary>
    public static MediapipeFaceMesh FromResults(MediapipeFaceMesh results, LearnedPointCorrection correction)
    {
        var peer = new MediapipeFaceMesh { _correction = correction };
        foreach (var kv in results._results) peer._results[kv.Key] = kv.Value;
        return peer;
    }

    /// <summary>Reads the peer's output lines (<c>run.js</c>'s JSONL) instead of running it.</summary>
    /// <exception cref="InvalidInputException">Missing file or a malformed line.</exception>
    public static MediapipeFaceMesh FromJsonl(string path, LearnedPointCorrection? correction = null)
    {
        if (!File.Exists(path)) throw new InvalidInputException(path, "peer output not found");
        var peer = new MediapipeFaceMesh { _correction = correction };
        int n = 0;
        foreach (var line in File.ReadLines(path))
        {
            n++;
            try
            {
                using var d = JsonDocument.Parse(line);
                var r = d.RootElement;
                var faces = new List<Vector2[]>();
                foreach (var f in r.GetProperty("faces").EnumerateArray())
                    faces.Add(Map(f.GetProperty("mesh").EnumerateArray().Select(p => new Vector2((float)p[0].GetDouble(), (float)p[1].GetDouble())).ToList()));
                peer._results[Path.GetFullPath(r.GetProperty("file").GetString()!)] = (r.GetProperty("ms").GetDouble(), faces);
            }
            catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
            {
                throw new InvalidInputException(path, $"line {n}: {e.Message}");
            }
        }
        return peer;
    }

    /// <summary>The peer's face over <paramref name="face"/>'s ground-truth box (mapped 68 points, uncorrected) and its time, or null.</summary>
    public (Vector2[] Points, double Ms)? Match(EvalFace face)
    {
        if (!_results.TryGetValue(Path.GetFullPath(face.ImagePath), out var r)) return null;
        var truth = FaceBox.From(face.Box);
        var best = r.Faces.Select(f => (f, IoU: FaceBox.IoU(FaceBox.Tight(f), truth))).OrderByDescending(x => x.IoU).FirstOrDefault();
        if (best.f is null || best.IoU < OurLandmarkMethod.MinIoU) return null;
        return (best.f, r.Ms);
    }

    /// <inheritdoc/>
    public FacePrediction? Predict(EvalFace face, Image8 image)
    {
        if (Match(face) is not { } m) return null;
        var (points, ms) = m;
        var p = _correction?.Apply(points) ?? points;
        return new FacePrediction(p, p, ms);
    }
}
