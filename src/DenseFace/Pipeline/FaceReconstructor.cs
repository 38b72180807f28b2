using System.Collections.Concurrent;
using System.Diagnostics;
using System.Drawing;
using DenseFace.Detection;
using DenseFace.FaceModel;
using DenseFace.Fitting;
using DenseFace.Imaging;
using DenseFace.Landmarks;
using DenseFace.Rendering;

namespace DenseFace.Pipeline;

/// <summary>Settings of <see cref="FaceReconstructor"/>.</summary>
public sealed record ReconstructionOptions
{
    /// <summary>How the landmark network runs (passes, flip averaging).</summary>
    public PredictionOptions Landmarks { get; init; } = PredictionOptions.Default;
    /// <summary>
    /// Energy weights and solver settings of the fit (<see cref="FaceFitter"/>). Default: <see cref="FitOptions"/>'s
    /// weights with 30 identity modes, focal lengths 1.6 and 4 × max(width, height) tried for the rigid start, and at
    /// most 30 iterations: on 40 held-out synthetic renders (seed 2000, <c>bench landmarks --fit-sweep</c>) these gave
    /// the same errors to 0.01 mm, 0.01° and 0.001 as 60 modes, 5 focal lengths and 60 iterations (4.51 mm, 3.46°
    /// median rotation, 0.046 expression error) in 3.2 instead of 8.2 ms per fit: landmarks as uncertain as the
    /// network's do not pin down the higher identity modes.
    /// </summary>
    public FitOptions Fit { get; init; } = DefaultFit;

    /// <summary>The default <see cref="Fit"/>.</summary>
    public static FitOptions DefaultFit { get; } = new() { IdentityModes = 30, FocalSweep = [1.6, 4.0], MaxIterations = 30 };
    /// <summary>Known focal length in pixels; null estimates it per image.</summary>
    public float? FocalPx { get; init; }
    /// <summary>
    /// Predicted σ below this many pixels is raised to it before fitting, so a few overconfident points cannot
    /// dominate the energy. Default 0.5 px.
    /// </summary>
    public float MinSigmaPx { get; init; } = 0.5f;
    /// <summary>
    /// The predicted σ is multiplied by this before fitting (σ' = max(scale · σ, <see cref="MinSigmaPx"/>)), which
    /// weighs the landmark term by 1 / scale² against the priors: the network's errors are correlated across
    /// neighbouring points, so treating hundreds of them as independent overweights the data. Default 8, chosen on
    /// 40 held-out synthetic renders (generator seed 2000; <c>bench landmarks --seed 2000 --fit-sweep</c>): scales
    /// 1 / 2 / 4 / 8 / 16 gave face-vertex errors 4.78 / 4.62 / 4.52 / 4.51 / 4.54 mm (mean face 4.62 mm) and
    /// expression errors 0.074 / 0.065 / 0.055 / 0.046 / 0.041; 16 damps real expressions more for no shape gain.
    /// </summary>
    public float SigmaScale { get; init; } = 8f;
    /// <summary>Side of the UV texture of the face tile taken from the photo (16 to 4096), or 0 for none. Default 0.</summary>
    public int TextureSize { get; init; }
    /// <summary>At most this many detected faces per image are reconstructed (best score first). Default 32.</summary>
    public int MaxFaces { get; init; } = 32;
    /// <summary>
    /// When the detector finds no face, search the image with the landmark network (<see cref="LandmarkWindowSearch"/>)
    /// for one face it is sure of: mostly profiles the detector misses. Default true.
    /// </summary>
    public bool WindowSearchFallback { get; init; } = true;

    /// <summary>The defaults.</summary>
    public static ReconstructionOptions Default { get; } = new();

    internal void Validate()
    {
        ArgumentNullException.ThrowIfNull(Landmarks);
        ArgumentNullException.ThrowIfNull(Fit);
        if (FocalPx is float f && !(float.IsFinite(f) && f > 0)) throw new InvalidInputException("focal length", $"{f} px must be positive and finite");
        if (!(MinSigmaPx > 0 && float.IsFinite(MinSigmaPx))) throw new InvalidInputException("minimum sigma", $"{MinSigmaPx} px must be positive and finite");
        if (!(SigmaScale > 0 && float.IsFinite(SigmaScale))) throw new InvalidInputException("sigma scale", $"{SigmaScale} must be positive and finite");
        if (TextureSize != 0 && TextureSize is < 16 or > 4096) throw new InvalidInputException("texture size", $"{TextureSize} texels is outside 16 to 4096 (0 = no texture)");
        if (MaxFaces < 1) throw new InvalidInputException("maximum faces", $"{MaxFaces} must be at least 1");
    }
}

/// <summary>
/// Photos to 3D faces: face detection (<see cref="FaceDetector"/>, unless the caller gives boxes; when it finds nothing,
/// the landmark network's own window search, <see cref="LandmarkWindowSearch"/>), the dense
/// landmark network (<see cref="LandmarkPredictor"/>: μ, σ and visibility per point) and the 3DMM fit to every
/// dense point weighted by its predicted σ (Wood et al. 2022, eq. 3: Σ ‖x − μ‖² / (2σ²) with fixed surface
/// correspondences, since the network predicts points on the model surface, hidden ones included), optionally
/// followed by a UV texture from the photo. Thread-safe: concurrent calls share the networks' worker pools and take
/// a fitter each from a pool.
/// </summary>
public sealed class FaceReconstructor
{
    readonly ConcurrentBag<FaceFitter> _fitters = new();
    readonly FittingLayout _layout;
    readonly Lazy<LandmarkWindowSearch?> _search;

    /// <summary>The face model fitted.</summary>
    public MorphableModel Model { get; }
    /// <summary>The landmark network.</summary>
    public LandmarkPredictor Predictor { get; }
    /// <summary>The face detector, or null when every call gives its boxes.</summary>
    public FaceDetector? Detector { get; }
    /// <summary>The settings.</summary>
    public ReconstructionOptions Options { get; }

    /// <summary>Creates a reconstructor from its parts (<paramref name="detector"/> may be null when boxes are always given).</summary>
    /// <exception cref="InvalidInputException">Invalid options, or a predictor whose layout does not fit the model.</exception>
    public FaceReconstructor(MorphableModel model, LandmarkPredictor predictor, FaceDetector? detector, ReconstructionOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(predictor);
        Options = options ?? ReconstructionOptions.Default;
        Options.Validate();
        Model = model;
        Predictor = predictor;
        Detector = detector;
        _layout = FittingLayout.From(model, predictor.Layout);
        _search = new(() => Options.WindowSearchFallback ? new LandmarkWindowSearch(predictor) : null);
    }

    /// <summary>The fallback face search when the detector finds nothing (null when switched off).</summary>
    public LandmarkWindowSearch? WindowSearch => _search.Value;

    /// <summary>
    /// The faces of an RGB image without given boxes: the detector's (tight 68-point boxes with scores, best first, at
    /// most <see cref="ReconstructionOptions.MaxFaces"/>), or when it finds none, the one face the
    /// <see cref="WindowSearch"/> is sure of (score 1 − its relative σ); empty when neither finds one.
    /// </summary>
    /// <exception cref="InvalidInputException">The reconstructor has no detector (naming <paramref name="source"/>).</exception>
    internal List<(RectangleF Box, float Score)> Locate(Image8 image, string source)
    {
        if (Detector is null) throw new InvalidInputException(source, "no face boxes given and the reconstructor has no face detector");
        var faces = Detector.Detect(image).Take(Options.MaxFaces).Select(d => (d.Box68.ToRectangle(), d.Score)).ToList();
        if (faces.Count == 0 && WindowSearch?.Find(image) is { } found) faces.Add((found.Box, 1 - found.RelativeSigma));
        return faces;
    }

    /// <summary>
    /// Loads the face model, the shipped landmark network (or the one in <paramref name="landmarkModelDirectory"/>)
    /// and, with <paramref name="withDetector"/>, the YuNet face detector from the data root.
    /// </summary>
    /// <exception cref="InvalidInputException">A model is missing or invalid.</exception>
    public static FaceReconstructor Load(ReconstructionOptions? options = null, string? landmarkModelDirectory = null, bool withDetector = true) =>
        new(MorphableModel.Load(), LandmarkPredictor.Load(landmarkModelDirectory), withDetector ? FaceDetector.Load() : null, options);

    /// <summary>
    /// Decodes the image at <paramref name="path"/> (JPEG, PNG, PNM) and reconstructs its faces (see
    /// <see cref="Reconstruct(Image8, IReadOnlyList{RectangleF}?)"/>); the decode time is included.
    /// </summary>
    /// <exception cref="InvalidInputException">The file is missing, unreadable or not a supported image; or see the other overload.</exception>
    public ImageReconstruction Reconstruct(string path, IReadOnlyList<RectangleF>? boxes = null)
    {
        long t0 = Stopwatch.GetTimestamp();
        var image = ImageIO.Load(path);
        double decode = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
        var r = Reconstruct(image, boxes, path);
        return r with { Timings = r.Timings with { Decode = decode, Total = r.Timings.Total + decode } };
    }

    /// <summary>
    /// Reconstructs the faces of <paramref name="image"/> (gray, RGB or RGBA): those in <paramref name="boxes"/>
    /// (pixels, the tight box of each face's 68 landmarks), or every face the detector finds (up to
    /// <see cref="ReconstructionOptions.MaxFaces"/>). An image without faces gives an empty list.
    /// </summary>
    /// <exception cref="InvalidInputException">No boxes and no detector, an empty or non-finite box, or a fit that cannot be solved (degenerate landmarks).</exception>
    public ImageReconstruction Reconstruct(Image8 image, IReadOnlyList<RectangleF>? boxes = null) => Reconstruct(image, boxes, "image");

    ImageReconstruction Reconstruct(Image8 image, IReadOnlyList<RectangleF>? boxes, string source)
    {
        ArgumentNullException.ThrowIfNull(image);
        long t0 = Stopwatch.GetTimestamp();
        if (image.Channels != 3) image = image.ConvertTo(3);
        double detectMs = 0;
        List<(RectangleF Box, float Score)> faces;
        if (boxes is not null) faces = boxes.Select(b => (b, 1f)).ToList();
        else
        {
            long td = Stopwatch.GetTimestamp();
            faces = Locate(image, source);
            detectMs = Stopwatch.GetElapsedTime(td).TotalMilliseconds;
        }
        double landmarksMs = 0, fitMs = 0, textureMs = 0;
        var results = new List<ReconstructedFace>(faces.Count);
        var fitter = RentFitter();
        try
        {
            foreach (var (box, score) in faces)
            {
                long tl = Stopwatch.GetTimestamp();
                var landmarks = Predictor.Predict(image, box, Options.Landmarks);
                landmarksMs += Stopwatch.GetElapsedTime(tl).TotalMilliseconds;
                long tf = Stopwatch.GetTimestamp();
                var fit = fitter.FitImage(ToObservations(landmarks, Options), new CameraSpec(image.Width, image.Height, Options.FocalPx));
                var face = ReconstructedFace.FromFit(box, score, landmarks, fit);
                fitMs += Stopwatch.GetElapsedTime(tf).TotalMilliseconds;
                if (Options.TextureSize > 0)
                {
                    long tt = Stopwatch.GetTimestamp();
                    face = face with { Texture = ExtractTexture(image, face) };
                    textureMs += Stopwatch.GetElapsedTime(tt).TotalMilliseconds;
                }
                results.Add(face);
            }
        }
        finally { _fitters.Add(fitter); }
        double total = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
        return new ImageReconstruction(image.Width, image.Height, results, new StageTimings(0, detectMs, landmarksMs, fitMs, textureMs, total));
    }

    /// <summary>The face tile's texture, or null when the face is not seen at all (e.g. fitted behind the camera).</summary>
    internal ExtractedTexture? ExtractTexture(Image8 image, ReconstructedFace face)
    {
        try
        {
            var extractor = new TextureExtractor(Model, face.Positions(Model), face.Camera, face.ModelToCamera, image);
            return extractor.Extract(TextureTile.Face, new TextureExtractionOptions { Size = Options.TextureSize });
        }
        catch (InvalidInputException) { return null; }
    }

    /// <summary>A fitter for the predictor's layout (fixed correspondences), from the pool or new.</summary>
    FaceFitter RentFitter() => _fitters.TryTake(out var f) ? f : new FaceFitter(Model, _layout, Options.Fit);

    /// <summary>The fitting layout: the predictor's dense layout on the model surface, fixed correspondences (its first 68 points are the iBUG 68).</summary>
    public FittingLayout Layout => _layout;

    /// <summary>
    /// The dense points as fitting observations in layout order: position μ and σ' = max(scale · σ, minimum)
    /// (<see cref="ReconstructionOptions.SigmaScale"/>, <see cref="ReconstructionOptions.MinSigmaPx"/>).
    /// </summary>
    public static Landmark2D[] ToObservations(FaceLandmarks landmarks, ReconstructionOptions options)
    {
        ArgumentNullException.ThrowIfNull(landmarks);
        ArgumentNullException.ThrowIfNull(options);
        var obs = new Landmark2D[landmarks.Points.Length];
        for (int i = 0; i < obs.Length; i++)
        {
            var p = landmarks.Points[i];
            obs[i] = new Landmark2D(p.X, p.Y, MathF.Max(p.Sigma * options.SigmaScale, options.MinSigmaPx));
        }
        return obs;
    }
}
