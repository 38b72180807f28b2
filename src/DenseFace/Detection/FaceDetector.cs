using System.Collections.Concurrent;
using System.Numerics;
using DenseFace.Geometry;
using DenseFace.Imaging;
using DenseFace.Neural.Onnx;

namespace DenseFace.Detection;

/// <summary>Settings of <see cref="FaceDetector"/>.</summary>
public sealed record FaceDetectorOptions
{
    /// <summary>The image is scaled so its long side is this many pixels (0 = full resolution), then padded to a multiple of 32. 320 finds faces from about 10 % of the image.</summary>
    public int LongSide { get; init; } = 320;
    /// <summary>Optional second, finer pass (e.g. 640) for small faces; its detections are merged by the same NMS. 0 = off.</summary>
    public int FineLongSide { get; init; }
    /// <summary>Minimum score sqrt(cls * obj) of a detection.</summary>
    public float ScoreThreshold { get; init; } = 0.6f;
    /// <summary>Non-maximum suppression: a detection overlapping a better one by more than this IoU is dropped.</summary>
    public float NmsIoU { get; init; } = 0.45f;
    /// <summary>At most this many faces per image (best first).</summary>
    public int MaxFaces { get; init; } = 750;

    internal void Validate()
    {
        if (LongSide < 0 || LongSide is > 0 and < 32) throw new InvalidInputException(nameof(LongSide), $"{LongSide} (0 or at least 32)");
        if (FineLongSide < 0 || FineLongSide is > 0 and < 32) throw new InvalidInputException(nameof(FineLongSide), $"{FineLongSide} (0 or at least 32)");
        if (!(ScoreThreshold is >= 0 and <= 1)) throw new InvalidInputException(nameof(ScoreThreshold), $"{ScoreThreshold} (expected 0..1)");
        if (!(NmsIoU is > 0 and <= 1)) throw new InvalidInputException(nameof(NmsIoU), $"{NmsIoU} (expected (0, 1])");
        if (MaxFaces < 1) throw new InvalidInputException(nameof(MaxFaces), $"{MaxFaces} (at least 1)");
    }
}

/// <summary>
/// The YuNet face detector (libfacedetection, Apache-2.0) run by this library's engine from its ONNX file.
/// Input: the image resampled (area filter) so its long side is <see cref="FaceDetectorOptions.LongSide"/>,
/// BGR 0..255 planes, zero-padded right and bottom to a multiple of 32. Decoding per stride s in {8, 16, 32}
/// with one prior per cell (col, row): centre ((col + dx) s, (row + dy) s), size (exp(dw) s, exp(dh) s),
/// key point ((col + kx) s, (row + ky) s), score sqrt(cls * obj) (libfacedetection's <c>bbox_decode</c>), then
/// greedy NMS. Network coordinates p map back as (p + 0.5) / scale - 0.5 (pixel centres) and sizes as size / scale.
/// Thread-safe: concurrent calls each take a private worker (session and buffers) from a pool; after the first
/// call at a given network input size, <see cref="Detect(Image8, List{DetectedFace})"/> allocates nothing
/// (for RGB input; grey and RGBA images are converted first).
/// </summary>
public sealed class FaceDetector
{
    private static readonly int[] Strides = [8, 16, 32];
    private static readonly string[][] HeadNames = Strides.Select(s => new[] { $"cls_{s}", $"obj_{s}", $"bbox_{s}", $"kps_{s}" }).ToArray();
    private readonly OnnxNetwork _network;
    private readonly ConcurrentBag<Worker> _workers = new();

    /// <summary>The options the detector was made with (validated).</summary>
    public FaceDetectorOptions Options { get; }
    /// <summary>Maps detections to the tight 68-landmark box.</summary>
    public Box68Regression Box68 { get; }

    /// <summary>A detector on an imported YuNet network (<see cref="OnnxNetwork.Load"/>); <paramref name="box68"/> defaults to <see cref="Box68Regression.Default"/>.</summary>
    public FaceDetector(OnnxNetwork network, FaceDetectorOptions? options = null, Box68Regression? box68 = null)
    {
        _network = network;
        Options = options ?? new FaceDetectorOptions();
        Options.Validate();
        Box68 = box68 ?? Box68Regression.Default;
        foreach (var s in Strides)
            foreach (var head in new[] { "cls", "obj", "bbox", "kps" })
                if (!network.OutputNames.Contains($"{head}_{s}"))
                    throw new InvalidInputException(network.Source, $"not a YuNet graph: output '{head}_{s}' missing");
    }

    /// <summary>The dynamic-size YuNet under the data root: models/yunet/yunet_n_dynamic.onnx.</summary>
    public static string DefaultModelPath => DataRoot.Path("models", "yunet", "yunet_n_dynamic.onnx");

    /// <summary>Loads YuNet from <paramref name="onnxPath"/> (default <see cref="DefaultModelPath"/>).</summary>
    public static FaceDetector Load(string? onnxPath = null, FaceDetectorOptions? options = null)
        => new(OnnxNetwork.Load(onnxPath ?? DefaultModelPath), options);

    /// <summary>Detects faces; returns them best first.</summary>
    public List<DetectedFace> Detect(Image8 image)
    {
        var list = new List<DetectedFace>();
        Detect(image, list);
        return list;
    }

    /// <summary>Clears <paramref name="faces"/> and fills it with the detections, best first.</summary>
    public void Detect(Image8 image, List<DetectedFace> faces)
    {
        ArgumentNullException.ThrowIfNull(image);
        faces.Clear();
        if (image.Channels != 3) image = image.ConvertTo(3);
        if (!_workers.TryTake(out var w)) w = new Worker(_network);
        try
        {
            w.Candidates.Count = 0;
            w.Run(image, Options.LongSide, Options.ScoreThreshold);
            if (Options.FineLongSide > 0) w.Run(image, Options.FineLongSide, Options.ScoreThreshold);
            w.Candidates.Suppress(Options.NmsIoU, Options.MaxFaces, faces, Box68);
        }
        finally { _workers.Add(w); }
    }

    /// <summary>Network input size for an image: scaled so the long side is <paramref name="longSide"/> (0 = unscaled), each side rounded up to a multiple of 32.</summary>
    public static (int Width, int Height, float Scale) InputSize(int width, int height, int longSide)
    {
        float scale = longSide <= 0 ? 1f : (float)longSide / Math.Max(width, height);
        int w = Math.Max(1, (int)MathF.Round(width * scale)), h = Math.Max(1, (int)MathF.Round(height * scale));
        return ((w + 31) / 32 * 32, (h + 31) / 32 * 32, scale);
    }

    /// <summary>
    /// Writes YuNet's input for <paramref name="image"/> into <paramref name="destination"/> (3 x height x width floats, BGR 0..255,
    /// padding zero) and returns the scale used. Same as what <see cref="Detect(Image8)"/> feeds the network.
    /// </summary>
    public static float Preprocess(Image8 image, int longSide, Span<float> destination, out int width, out int height)
    {
        if (image.Channels != 3) image = image.ConvertTo(3);
        var (pw, ph, scale) = InputSize(image.Width, image.Height, longSide);
        width = pw; height = ph;
        // pixel centres: dst = (src + 0.5) * scale - 0.5; outside the image reads as the zero border (the padding).
        var map = AffineTransform2D.Translation(0.5, 0.5).Then(AffineTransform2D.Scale(scale, scale)).Then(AffineTransform2D.Translation(-0.5, -0.5));
        ReadOnlySpan<float> mean = [0f, 0f, 0f];
        ReadOnlySpan<float> std = [1 / 255f, 1 / 255f, 1 / 255f];
        ImageWarp.WarpAffineNormalized(image, map, pw, ph, destination, mean, std, scale < 1 ? WarpFilter.Area : WarpFilter.Bilinear);
        int plane = pw * ph;
        var r = destination[..plane];
        var b = destination.Slice(2 * plane, plane);
        for (int i = 0; i < plane; i++) (r[i], b[i]) = (b[i], r[i]); // RGB -> BGR
        return scale;
    }

    /// <summary>
    /// Decodes one YuNet output level (stride <paramref name="stride"/>, <paramref name="cols"/> cells per row, outputs
    /// row-major per cell: cls, obj [cells], bbox [cells x 4], kps [cells x 10]) and appends every cell scoring at least
    /// <paramref name="threshold"/> to <paramref name="candidates"/>, mapped to image pixels by the network-to-image
    /// scales (<paramref name="sx"/>, <paramref name="sy"/>): p_image = (p_net + 0.5) / s - 0.5.
    /// </summary>
    internal static void DecodeLevel(int stride, int cols, ReadOnlySpan<float> cls, ReadOnlySpan<float> obj, ReadOnlySpan<float> bbox,
        ReadOnlySpan<float> kps, float sx, float sy, float threshold, Candidates candidates)
    {
        int s = stride;
        for (int i = 0; i < cls.Length; i++)
        {
            float score = MathF.Sqrt(Math.Clamp(cls[i], 0f, 1f) * Math.Clamp(obj[i], 0f, 1f));
            if (!(score >= threshold)) continue;
            int row = i / cols, col = i % cols;
            float cx = (col + bbox[4 * i]) * s, cy = (row + bbox[4 * i + 1]) * s;
            float w = MathF.Exp(bbox[4 * i + 2]) * s, h = MathF.Exp(bbox[4 * i + 3]) * s;
            var k = default(Keypoints5);
            for (int j = 0; j < 5; j++)
                k[j] = new Vector2(((col + kps[10 * i + 2 * j]) * s + 0.5f) / sx - 0.5f, ((row + kps[10 * i + 2 * j + 1]) * s + 0.5f) / sy - 0.5f);
            candidates.Add(FaceBox.FromCentre((cx + 0.5f) / sx - 0.5f, (cy + 0.5f) / sy - 0.5f, w / sx, h / sy), k, score);
        }
    }

    /// <summary>Detections before suppression, in growable arrays reused across calls.</summary>
    internal sealed class Candidates
    {
        private FaceBox[] _boxes = new FaceBox[64];
        private Keypoints5[] _kps = new Keypoints5[64];
        private float[] _keys = new float[64];
        private int[] _order = new int[64];
        private bool[] _dead = new bool[64];
        public int Count;

        public void Add(in FaceBox box, in Keypoints5 kps, float score)
        {
            if (Count == _boxes.Length)
            {
                int n = _boxes.Length * 2;
                Array.Resize(ref _boxes, n); Array.Resize(ref _kps, n); Array.Resize(ref _keys, n);
                _order = new int[n]; _dead = new bool[n];
            }
            _boxes[Count] = box;
            _kps[Count] = kps;
            _keys[Count] = -score;
            Count++;
        }

        /// <summary>
        /// Greedy non-maximum suppression: best score first, each kept box removes the remaining ones overlapping it by
        /// IoU &gt; <paramref name="iou"/>; appends at most <paramref name="maxFaces"/> faces and empties the buffer.
        /// </summary>
        public void Suppress(float iou, int maxFaces, List<DetectedFace> faces, Box68Regression box68)
        {
            for (int i = 0; i < Count; i++) { _order[i] = i; _dead[i] = false; }
            Array.Sort(_keys, _order, 0, Count); // ascending -score: best first
            for (int a = 0; a < Count && faces.Count < maxFaces; a++)
            {
                if (_dead[a]) continue;
                int i = _order[a];
                faces.Add(new DetectedFace(_boxes[i], -_keys[a], _kps[i], box68.Apply(_boxes[i], _kps[i])));
                for (int b = a + 1; b < Count; b++)
                    if (!_dead[b] && FaceBox.IoU(_boxes[i], _boxes[_order[b]]) > iou) _dead[b] = true;
            }
            Count = 0;
        }
    }

    /// <summary>Per-thread state: the session, the input buffer and the candidates.</summary>
    private sealed class Worker(OnnxNetwork network)
    {
        private readonly OnnxSession _session = network.CreateSession();
        private float[] _input = [];
        private readonly int[] _shape = new int[4];
        public readonly Candidates Candidates = new();

        public void Run(Image8 image, int longSide, float threshold)
        {
            var (pw, ph, _) = InputSize(image.Width, image.Height, longSide);
            if (_input.Length < 3 * pw * ph) _input = new float[3 * pw * ph];
            float scale = Preprocess(image, longSide, _input, out _, out _);
            _shape[0] = 1; _shape[1] = 3; _shape[2] = ph; _shape[3] = pw;
            _session.Run(_input.AsSpan(0, 3 * pw * ph), _shape);
            // the rounded size over the original: exact mapping of network pixels to image pixels
            float sx = MathF.Round(image.Width * scale) / image.Width, sy = MathF.Round(image.Height * scale) / image.Height;
            for (int level = 0; level < Strides.Length; level++)
            {
                var names = HeadNames[level];
                DecodeLevel(Strides[level], pw / Strides[level], _session.Output(names[0]).Span, _session.Output(names[1]).Span,
                    _session.Output(names[2]).Span, _session.Output(names[3]).Span, sx, sy, threshold, Candidates);
            }
        }
    }
}
