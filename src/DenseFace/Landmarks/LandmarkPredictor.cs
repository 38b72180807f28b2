using System.Collections.Concurrent;
using System.Diagnostics;
using System.Drawing;
using DenseFace.FaceModel.Layouts;
using DenseFace.Imaging;
using DenseFace.Neural;

namespace DenseFace.Landmarks;

/// <summary>How <see cref="LandmarkPredictor"/> runs the network on a face.</summary>
public sealed record PredictionOptions
{
    /// <summary>1: one pass on the box's ROI; 2: a second pass on the ROI refined from the first pass's 68 points (eyes levelled, Wood et al.).</summary>
    public int Passes { get; init; } = 2;
    /// <summary>Also run each pass on the mirrored crop and average the two (test-time flip averaging; twice the network time).</summary>
    public bool FlipAveraging { get; init; }

    /// <summary>The defaults.</summary>
    public static PredictionOptions Default { get; } = new();

    internal void Validate()
    {
        if (Passes is < 1 or > 3) throw new InvalidInputException(nameof(Passes), $"{Passes} (expected 1, 2 or 3)");
    }
}

/// <summary>
/// The dense landmark network at inference: for a face box (the tight box of its 68 landmarks, 300-W
/// convention; a detector's box converted to it), cuts the ROI (<see cref="FaceRoi.FromBox"/>), runs the
/// BN-folded network and decodes per-point Gaussians (μ, σ in pixels) and visibility, optionally refining the ROI
/// with a second pass. Thread-safe: each concurrent call takes its own single-threaded inference plan from a pool,
/// and after warm-up a call allocates only its result.
/// </summary>
public sealed class LandmarkPredictor
{
    sealed class Worker
    {
        public required InferencePlan Plan;
        public required float[] Input;
        public required float[] Output;
        public required float[] Flipped;
    }

    readonly Network _network;
    readonly ConcurrentBag<Worker> _workers = new();
    readonly bool _halfHead;
    readonly int[] _denseMirror, _ibugMirror;

    /// <summary>The model's config (layout, ROI scale, backbone).</summary>
    public LandmarkModelConfig Config { get; }
    /// <summary>The dense layout predicted.</summary>
    public LandmarkLayout Layout { get; }
    /// <summary>Output layout.</summary>
    public LandmarkHead Head { get; }
    /// <summary>Network input size (pixels).</summary>
    public int InputSize => Config.Network.InputSize;

    /// <summary>File names of a landmark model in its folder.</summary>
    public const string ConfigFileName = "landmarks.json", WeightsFileName = "landmarks.safetensors";

    /// <summary>
    /// Wraps <paramref name="network"/> (its current weights are snapshotted into BN-folded plans when first used;
    /// do not train it while predicting).
    /// </summary>
    public LandmarkPredictor(LandmarkModelConfig config, Network network) : this(config, network, halfHead: true) { }

    /// <summary>
    /// <paramref name="halfHead"/> false keeps the fully connected head's weights in fp32 even when they are exactly
    /// representable in fp16 (same results, twice the head's memory traffic; benchmark A/B).
    /// </summary>
    internal LandmarkPredictor(LandmarkModelConfig config, Network network, bool halfHead)
    {
        _halfHead = halfHead;
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(network);
        Layout = config.Validate("landmark model config");
        if (network.Config.NumOutputs != config.Network.NumOutputs) throw new InvalidInputException("network", $"has {network.Config.NumOutputs} outputs, the config {config.Network.NumOutputs}");
        Config = config; _network = network; Head = config.Head(Layout);
        if (!Layout.HasCompleteMirror) throw new InvalidInputException(Layout.Name, "layout has no complete mirror map");
        _denseMirror = Layout.MirrorIndices.ToArray();
        _ibugMirror = LandmarkLayouts.Load(LandmarkLayouts.Ibug68).MirrorIndices.ToArray();
        // a warm worker, so the first call is not slower than the rest and errors show at construction
        _workers.Add(NewWorker());
    }

    /// <summary>
    /// Loads the model in <paramref name="directory"/> (<see cref="ConfigFileName"/> + <see cref="WeightsFileName"/>);
    /// by default the shipped model: <c>models/landmarks</c> next to the assembly, else in the repository.
    /// </summary>
    /// <exception cref="InvalidInputException">No model found, or an invalid one.</exception>
    public static LandmarkPredictor Load(string? directory = null)
    {
        directory ??= DefaultModelDirectory() ?? throw new InvalidInputException("models/landmarks", "no landmark model found next to the DenseFace assembly or in the repository");
        var cfgPath = Path.Combine(directory, ConfigFileName);
        var config = LandmarkModelConfig.Load(cfgPath);
        var net = Network.Create(config.Network with { }, 0);
        net.LoadWeights(Path.Combine(directory, WeightsFileName));
        return new LandmarkPredictor(config, net);
    }

    /// <summary>Writes a model folder (<see cref="ConfigFileName"/> + <see cref="WeightsFileName"/> as <paramref name="dtype"/>), the weights atomically.</summary>
    public static void Save(string directory, LandmarkModelConfig config, Network network, SafetensorsDType dtype = SafetensorsDType.F16)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(network);
        Directory.CreateDirectory(directory);
        var tmp = Path.Combine(directory, WeightsFileName + ".tmp");
        network.SaveWeights(tmp, dtype);
        File.Move(tmp, Path.Combine(directory, WeightsFileName), overwrite: true);
        config.Save(Path.Combine(directory, ConfigFileName));
    }

    /// <summary>
    /// Writes the landmark network as an ONNX file (<see cref="Neural.Onnx.OnnxExporter"/>: BN folded, opset 13, input
    /// [batch, 3, S, S] float32 RGB crops normalised as (v/255 − mean)/std, output [batch, <see cref="LandmarkHead.OutputCount"/>]).
    /// The metadata adds the layout, ROI scale and the output layout of <see cref="LandmarkHead"/> (dense (μx, μy, log σ)
    /// triples, visibility logits, 68-point triples; μ in normalised ROI coordinates, see <see cref="FaceRoi"/>).
    /// </summary>
    public static void SaveOnnx(string path, LandmarkModelConfig config, Network network)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(network);
        var layout = config.Validate("landmark model config");
        var head = config.Head(layout);
        if (network.Config.NumOutputs != head.OutputCount) throw new InvalidInputException("network", $"has {network.Config.NumOutputs} outputs, the layout {head.OutputCount}");
        string inv(double v) => v.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var metadata = new Dictionary<string, string>
        {
            ["denseface_model"] = "landmarks",
            ["layout"] = config.Layout,
            ["dense_points"] = inv(head.DensePoints),
            ["roi_scale"] = inv(config.RoiScale),
            ["output_layout"] = $"[0, {head.Visibility(0)}): {head.DensePoints} dense points as (mu_x, mu_y, log_sigma); "
                + $"[{head.Visibility(0)}, {head.Ibug(0)}): {head.DensePoints} visibility logits; "
                + $"[{head.Ibug(0)}, {head.OutputCount}): {LandmarkHead.Ibug68} iBUG-68 points (300-W 2D convention) as (mu_x, mu_y, log_sigma)",
            ["coordinates"] = "mu in normalised ROI coordinates: ROI centre (0, 0), outer pixel edges at +-1; crop pixel centre c = (n * S / 2) + (S - 1) / 2",
            ["roi"] = $"square of side roi_scale * max(w, h) of the tight 68-point face box, centred on it, resampled to the input size",
        };
        Neural.Onnx.OnnxExporter.Save(network, path, new Neural.Onnx.OnnxExportOptions
        {
            Metadata = metadata,
            Description = $"DenseFace landmark network ({config.Layout}, {network.Config.Architecture}, {network.Config.InputSize} px input)",
        });
    }

    /// <summary>The shipped model's folder: <c>models/landmarks</c> beside the assembly, else under the repository root; null when neither has one.</summary>
    public static string? DefaultModelDirectory()
    {
        var candidates = new List<string> { Path.Combine(AppContext.BaseDirectory, "models", "landmarks") };
        if (DataRoot.FindRepositoryRoot() is string repo) candidates.Add(Path.Combine(repo, "models", "landmarks"));
        return candidates.FirstOrDefault(d => File.Exists(Path.Combine(d, ConfigFileName)) && File.Exists(Path.Combine(d, WeightsFileName)));
    }

    Worker NewWorker()
    {
        lock (_network)
        {
            int s = InputSize;
            var plan = _network.CompileInference(s, s, 1, _halfHead);
            plan.Compute.MaxDegreeOfParallelism = 1;
            return new Worker { Plan = plan, Input = new float[3 * s * s], Output = new float[Head.OutputCount], Flipped = new float[Head.OutputCount] };
        }
    }

    /// <summary>Predicts the landmarks of the face in <paramref name="box"/> (pixels, tight 68-point box) of RGB <paramref name="image"/>.</summary>
    /// <exception cref="InvalidInputException">Not RGB, or an empty / non-finite box.</exception>
    public FaceLandmarks Predict(Image8 image, RectangleF box, PredictionOptions? options = null)
        => Predict(image, FaceRoi.FromBox(box, Config.RoiScale), options);

    /// <summary>Predicts the landmarks of the face in ROI <paramref name="roi"/> (first pass; later passes refine it).</summary>
    public FaceLandmarks Predict(Image8 image, FaceRoi roi, PredictionOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(image);
        options ??= PredictionOptions.Default;
        options.Validate();
        if (image.Channels != 3) throw new InvalidInputException(nameof(image), $"has {image.Channels} channels; convert it to RGB");
        long t0 = Stopwatch.GetTimestamp();
        if (!_workers.TryTake(out var w)) w = NewWorker();
        try
        {
            var dense = new PredictedLandmark[Head.DensePoints];
            var ibug = new PredictedLandmark[LandmarkHead.Ibug68];
            Span<System.Numerics.Vector2> p68 = stackalloc System.Numerics.Vector2[68];
            for (int pass = 0; pass < options.Passes; pass++)
            {
                if (pass > 0)
                {
                    for (int k = 0; k < 68; k++) p68[k] = ibug[k].Position;
                    roi = FaceRoi.FromLandmarks68(p68, Config.RoiScale);
                }
                Run(w, image, roi, options.FlipAveraging);
                LandmarkDecoder.Decode(w.Output, Head, roi, dense, ibug);
            }
            return new FaceLandmarks(Layout.Name, dense, ibug, roi, Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
        }
        finally { _workers.Add(w); }
    }

    /// <summary>Predicts several faces (in parallel up to <paramref name="maxDegreeOfParallelism"/>, −1 = all cores); results in input order.</summary>
    public FaceLandmarks[] PredictBatch(IReadOnlyList<(Image8 Image, RectangleF Box)> faces, PredictionOptions? options = null, int maxDegreeOfParallelism = -1)
    {
        ArgumentNullException.ThrowIfNull(faces);
        var results = new FaceLandmarks[faces.Count];
        Parallel.For(0, faces.Count, new ParallelOptions { MaxDegreeOfParallelism = maxDegreeOfParallelism }, i => results[i] = Predict(faces[i].Image, faces[i].Box, options));
        return results;
    }

    /// <summary>One network pass on <paramref name="roi"/> (flip-averaged on request) into the worker's output buffer.</summary>
    void Run(Worker w, Image8 image, in FaceRoi roi, bool flip)
    {
        var cfg = Config.Network;
        LandmarkCrop.Extract(image, roi, InputSize, false, cfg.Mean, cfg.Std, w.Input);
        w.Plan.Run(w.Input).CopyTo(w.Output);
        if (!flip) return;
        LandmarkCrop.Extract(image, roi, InputSize, true, cfg.Mean, cfg.Std, w.Input);
        LandmarkDecoder.Unflip(w.Plan.Run(w.Input), Head, _denseMirror, _ibugMirror, w.Flipped);
        for (int i = 0; i < w.Output.Length; i++) w.Output[i] = 0.5f * (w.Output[i] + w.Flipped[i]);
    }
}
