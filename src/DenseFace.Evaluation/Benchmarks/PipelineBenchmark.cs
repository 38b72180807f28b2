using DenseFace.Geometry;
using DenseFace.Imaging;
using DenseFace.Imaging.Video;
using DenseFace.Landmarks;
using DenseFace.Pipeline;

namespace DenseFace.Evaluation.Benchmarks;

/// <summary>Median stage times (ms) of one benchmark run over <see cref="Count"/> photos or frames.</summary>
public readonly record struct StageMedians(int Count, double Decode, double Detect, double Landmarks, double Fit, double Total);

/// <summary>
/// Result of <see cref="PipelineBenchmark.Run"/>: medians per run name, and with a peer its median time per photo
/// (its own detector + mesh + iris, one thread) on the same 640 px photos.
/// </summary>
public sealed record PipelineBenchmarkResult(IReadOnlyDictionary<string, StageMedians> Runs, string? Peer = null, int PeerPhotos = 0, double PeerMedianMs = 0);

/// <summary>
/// End-to-end speed on one thread. Photos: the first N HELEN test photos (sorted by name) resized to 640 px on the long
/// side (area filter) and held as JPEG q90 bytes; each is decoded and reconstructed (detect + landmarks + fit, no
/// texture) with 2 and with 1 landmark pass, the two interleaved photo by photo so machine noise hits both alike; the
/// first 3 photos warm up untimed. Tracking: every frame of a video after the first (which is a full fit), landmarks +
/// fit, decode excluded.
/// </summary>
public static class PipelineBenchmark
{
    /// <summary>Runs on <paramref name="photos"/> photos and the video at <paramref name="videoPath"/> (default data/video/obama.mp4).</summary>
    /// <param name="photos">Timed photos.</param>
    /// <param name="videoPath">Video for the tracking frames.</param>
    /// <param name="progress">Called with the photo count done.</param>
    /// <param name="peerDirectory">Also time the MediaPipe face mesh peer (<see cref="Peers.MediapipeFaceMesh"/>) installed
    /// there (empty string: its default folder) on the same timed photos, written as the same JPEG bytes.</param>
    public static PipelineBenchmarkResult Run(int photos, string? videoPath = null, Action<int>? progress = null, string? peerDirectory = null)
    {
        var files = Directory.GetFiles(DataRoot.Path("data", "300w", "helen", "testset"), "*.jpg").Order(StringComparer.Ordinal).Take(photos + 3).ToList();
        if (files.Count == 0) throw new InvalidInputException("data/300w/helen/testset", "no photos");
        var jpegs = files.Select(f => ImageIO.Encode(To640(ImageIO.Load(f)), "x.jpg", 90)).ToList();
        var two = FaceReconstructor.Load(new ReconstructionOptions { Landmarks = new PredictionOptions { Passes = 2 } });
        var one = new FaceReconstructor(two.Model, two.Predictor, two.Detector, two.Options with { Landmarks = new PredictionOptions { Passes = 1 } });
        var runs = new Dictionary<string, List<StageTimings>> { ["photo 640 px, 2 passes"] = [], ["photo 640 px, 1 pass"] = [] };
        for (int i = 0; i < jpegs.Count; i++)
        {
            foreach (var (name, r) in new[] { ("photo 640 px, 2 passes", two), ("photo 640 px, 1 pass", one) })
            {
                long t0 = System.Diagnostics.Stopwatch.GetTimestamp();
                var image = ImageIO.Decode(jpegs[i], "photo");
                double decode = System.Diagnostics.Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
                var rec = r.Reconstruct(image);
                if (i >= 3 && rec.Faces.Count > 0)
                    runs[name].Add(rec.Timings with { Decode = decode, Total = rec.Timings.Total + decode, Landmarks = rec.Timings.Landmarks / rec.Faces.Count, Fit = rec.Timings.Fit / rec.Faces.Count });
            }
            progress?.Invoke(i + 1);
        }
        var track = new List<StageTimings>();
        using (var reader = new VideoReader(videoPath ?? DataRoot.Path("data", "video", "obama.mp4")))
        {
            var tracker = new FaceTracker(two, reader.Info.Width, reader.Info.Height);
            while (reader.TryRead(out var frame, out int index))
            {
                var f = tracker.Track(frame, index / reader.Info.FramesPerSecond);
                if (index > 0 && f.Face is not null && !f.Detected) track.Add(f.Timings);
            }
        }
        var result = runs.ToDictionary(kv => kv.Key, kv => Medians(kv.Value));
        result["tracking frame (landmarks + fit)"] = Medians(track);
        if (peerDirectory is null) return new PipelineBenchmarkResult(result);
        var dir = Directory.CreateTempSubdirectory("denseface-peer-photos-").FullName;
        try
        {
            var paths = jpegs.Skip(3).Select((b, i) => { var f = Path.Combine(dir, $"photo{i:D4}.jpg"); File.WriteAllBytes(f, b); return f; }).ToList();
            var peer = Peers.MediapipeFaceMesh.Run(paths, peerDirectory.Length == 0 ? null : peerDirectory);
            var ms = peer.Milliseconds.Order().ToArray();
            return new PipelineBenchmarkResult(result, peer.Name, ms.Length, ms.Length == 0 ? 0 : ms[ms.Length / 2]);
        }
        finally { Directory.Delete(dir, true); }
    }

    /// <summary>Resizes so the long side is 640 px (area filter), pixel centres kept.</summary>
    static Image8 To640(Image8 img)
    {
        if (img.Channels != 3) img = img.ConvertTo(3);
        double s = 640.0 / Math.Max(img.Width, img.Height);
        int w = (int)Math.Round(img.Width * s), h = (int)Math.Round(img.Height * s);
        var t = AffineTransform2D.Compose(AffineTransform2D.Compose(AffineTransform2D.Translation(0.5, 0.5), AffineTransform2D.Scale(s, s)), AffineTransform2D.Translation(-0.5, -0.5));
        return ImageWarp.WarpAffine(img, t, w, h, s < 1 ? WarpFilter.Area : WarpFilter.Bilinear);
    }

    static StageMedians Medians(List<StageTimings> t)
    {
        static double M(IEnumerable<double> v) { var a = v.Order().ToArray(); return a.Length == 0 ? double.NaN : a[a.Length / 2]; }
        return new StageMedians(t.Count, M(t.Select(x => x.Decode)), M(t.Select(x => x.Detect)), M(t.Select(x => x.Landmarks)), M(t.Select(x => x.Fit)), M(t.Select(x => x.Total)));
    }
}
