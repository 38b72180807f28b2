using System.Diagnostics;
using System.Numerics;
using DenseFace.Detection;
using DenseFace.Evaluation.Metrics;
using DenseFace.Geometry;
using DenseFace.Imaging;
using DenseFace.Imaging.Pnm;
using DenseFace.Landmarks;

namespace DenseFace.Evaluation.Protocols;

/// <summary>Result of <see cref="TemporalStability.Warps"/>: fractions of the inter-ocular distance (×100 for percent).</summary>
/// <param name="Sequences">Annotated stills turned into sequences.</param>
/// <param name="Frames">Frames per sequence.</param>
/// <param name="VelocityError">Mean velocity error of our 68 points (<see cref="TemporalMetrics.VelocityError"/>).</param>
/// <param name="Jitter">Acceleration jitter of the predictions.</param>
/// <param name="TruthJitter">Acceleration jitter of the ground truth itself (the smooth motion's own share).</param>
/// <param name="Nme">Mean per-frame inter-ocular NME.</param>
public sealed record WarpStabilityResult(int Sequences, int Frames, double VelocityError, double Jitter, double TruthJitter, double Nme);

/// <summary>Result of <see cref="TemporalStability.Video"/> for one clip (fractions of the predicted inter-ocular distance).</summary>
public sealed record VideoJitterResult(string Clip, int Frames, double Jitter, double MillisecondsPerFrame);

/// <summary>
/// Temporal stability without per-frame video labels (none are available). (1) Smooth random similarity warps of
/// annotated stills: each still becomes a sequence whose frames rotate (±8°), scale (±8 %) and shift (±6 % of the face
/// size) the image about the face centre along sums of two random-phase sinusoids, the ground truth moving exactly with
/// it; each frame is predicted independently from its ground-truth box (protocol (a)) and the velocity error of the 68
/// points (Chandran et al., "Infinite 3D Landmarks") is reported with the predictions' acceleration jitter and, for scale,
/// the ground truth's. (2) Unlabelled clips: the face found by our detector in the first frame is tracked by
/// re-cropping each frame from the previous frame's 68 points (the pipeline's tracking mode) and the acceleration jitter is
/// reported; clips are decoded by <c>ffmpeg</c>.
/// </summary>
public static class TemporalStability
{
    /// <summary>
    /// The similarity warp of frame <paramref name="t"/> (at 30 frames per second: the sinusoids have 0.5–1.5 and
    /// 1.5–2.5 cycles per second) about <paramref name="centre"/> (pixels) for a face of size <paramref name="faceSize"/>.
    /// </summary>
    public static AffineTransform2D Warp(int t, Vector2 centre, double faceSize, int seed)
    {
        var rng = new SeededRandom(seed);
        double Wave(double amplitude)
        {
            double p1 = rng.NextDouble() * 2 * Math.PI, p2 = rng.NextDouble() * 2 * Math.PI, f1 = 0.5 + rng.NextDouble(), f2 = 1.5 + rng.NextDouble();
            double u = t / 30.0;
            return amplitude * (0.7 * Math.Sin(2 * Math.PI * f1 * u + p1) + 0.3 * Math.Sin(2 * Math.PI * f2 * u + p2));
        }
        double angle = Wave(8 * Math.PI / 180), scale = 1 + Wave(0.08), dx = Wave(0.06 * faceSize), dy = Wave(0.06 * faceSize);
        return AffineTransform2D.Translation(-centre.X, -centre.Y)
            .Then(AffineTransform2D.Rotation(angle)).Then(AffineTransform2D.Scale(scale, scale))
            .Then(AffineTransform2D.Translation(centre.X + dx, centre.Y + dy));
    }

    /// <summary>Runs protocol (1) on the first <paramref name="sequences"/> faces of a 300-W style folder.</summary>
    /// <exception cref="InvalidInputException">Bad counts or an unusable folder.</exception>
    public static WarpStabilityResult Warps(LandmarkPredictor predictor, string folder, int sequences, int frames, PredictionOptions? options = null, int seed = 1, int threads = 1)
    {
        if (sequences < 1 || frames < 3) throw new InvalidInputException("sequences", $"{sequences} sequences of {frames} frames; need at least 1 of 3");
        var (faces, _) = Landmarks300W.Faces(folder);
        var chosen = faces.Take(sequences).ToList();
        var results = new (double Vel, double Jit, double TruthJit, double Nme)[chosen.Count];
        Parallel.For(0, chosen.Count, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, threads) }, i =>
        {
            var face = chosen[i];
            var image = ImageIO.Load(face.ImagePath);
            if (image.Channels != 3) image = image.ConvertTo(3);
            var box = FaceBox.Tight(face.Truth);
            double size = Math.Sqrt(box.Width * box.Height);
            var pred = new List<Vector2[]>(); var truth = new List<Vector2[]>(); var norm = new List<double>();
            double nme = 0;
            for (int t = 0; t < frames; t++)
            {
                var w = Warp(t, box.Centre, size, seed * 7919 + i);
                var frame = ImageWarp.WarpAffine(image, w, image.Width, image.Height);
                var g = face.Truth.Select(p => { var (x, y) = w.Apply(p.X, p.Y); return new Vector2((float)x, (float)y); }).ToArray();
                var f = predictor.Predict(frame, FaceBox.Tight(g).ToRectangle(), options);
                var p = f.Landmarks68.Select(q => q.Position).ToArray();
                pred.Add(p); truth.Add(g); norm.Add(LandmarkMetrics.OuterEyeCornerDistance(g));
                nme += LandmarkMetrics.NmeInterOcular(p, g, $"{face.Name} frame {t}");
            }
            string name = face.Name + " (warped)";
            results[i] = (TemporalMetrics.VelocityError(pred, truth, norm, name), TemporalMetrics.Jitter(pred, norm, name), TemporalMetrics.Jitter(truth, norm, name), nme / frames);
        });
        return new WarpStabilityResult(chosen.Count, frames, results.Average(r => r.Vel), results.Average(r => r.Jit), results.Average(r => r.TruthJit), results.Average(r => r.Nme));
    }

    /// <summary>Runs protocol (2) on the first <paramref name="maxFrames"/> frames of <paramref name="clip"/>.</summary>
    /// <exception cref="InvalidInputException">ffmpeg fails, no face in the first frame, or fewer than 3 frames.</exception>
    public static VideoJitterResult Video(LandmarkPredictor predictor, FaceDetector detector, string clip, int maxFrames, PredictionOptions? options = null)
    {
        var frames = DecodeFrames(clip, maxFrames);
        if (frames.Count < 3) throw new InvalidInputException(clip, $"{frames.Count} frames decoded; need at least 3");
        var first = detector.Detect(frames[0]);
        if (first.Count == 0) throw new InvalidInputException(clip, "no face found in the first frame");
        var box = first.OrderByDescending(d => d.Box68.Area).First().Box68.ToRectangle();
        var pred = new List<Vector2[]>(); var norm = new List<double>();
        var sw = Stopwatch.StartNew();
        foreach (var frame in frames)
        {
            var f = predictor.Predict(frame, box, options);
            var p = f.Landmarks68.Select(q => q.Position).ToArray();
            pred.Add(p); norm.Add(LandmarkMetrics.OuterEyeCornerDistance(p));
            box = FaceBox.Tight(p).ToRectangle();
        }
        double ms = sw.Elapsed.TotalMilliseconds / frames.Count;
        return new VideoJitterResult(Path.GetFileName(clip), frames.Count, TemporalMetrics.Jitter(pred, norm, clip), ms);
    }

    /// <summary>Decodes up to <paramref name="maxFrames"/> RGB frames of a video with <c>ffmpeg</c> (binary PPM stream).</summary>
    public static List<Image8> DecodeFrames(string clip, int maxFrames)
    {
        if (!File.Exists(clip)) throw new InvalidInputException(clip, "video not found");
        var psi = new ProcessStartInfo("ffmpeg") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "-v", "error", "-i", clip, "-frames:v", maxFrames.ToString(), "-f", "image2pipe", "-vcodec", "ppm", "-" }) psi.ArgumentList.Add(a);
        Process proc;
        try { proc = Process.Start(psi)!; }
        catch (System.ComponentModel.Win32Exception e) { throw new InvalidInputException("ffmpeg", $"needed to decode {clip}: {e.Message}"); }
        using (proc)
        {
            var err = proc.StandardError.ReadToEndAsync();
            using var ms = new MemoryStream();
            proc.StandardOutput.BaseStream.CopyTo(ms);
            proc.WaitForExit();
            if (proc.ExitCode != 0) throw new InvalidInputException(clip, $"ffmpeg failed: {err.Result.Trim()}");
            var data = ms.ToArray();
            var frames = new List<Image8>();
            int pos = 0;
            while (pos < data.Length)
            {
                // P6 <w> <h> 255 then w*h*3 bytes
                int p = pos; var fields = new int[3];
                if (data[p] != 'P' || data[p + 1] != '6') throw new InvalidInputException(clip, "ffmpeg output is not a PPM stream");
                p += 2;
                for (int k = 0; k < 3; k++)
                {
                    while (char.IsWhiteSpace((char)data[p])) p++;
                    int v = 0;
                    while (char.IsDigit((char)data[p])) v = v * 10 + (data[p++] - '0');
                    fields[k] = v;
                }
                p++;
                int end = p + fields[0] * fields[1] * 3;
                frames.Add(PnmCodec.Decode(data.AsSpan(pos, end - pos), $"{clip} frame {frames.Count}"));
                pos = end;
            }
            return frames;
        }
    }
}
