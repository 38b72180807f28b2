using System.CommandLine;
using System.Text.Json;
using DenseFace.Detection;
using DenseFace.Evaluation.Peers;
using DenseFace.Evaluation.Plots;
using DenseFace.Evaluation.Protocols;
using DenseFace.IO;
using DenseFace.Landmarks;

namespace DenseFace.Cli.Commands;

/// <summary>
/// <c>denseface eval 300w|aflw2000|aflw21 --data DIR [--json OUT] [--detect] [--peer mediapipe] [--plots DIR]</c>: the
/// benchmark protocols (<see cref="Landmarks300W"/>, <see cref="YawBinnedProtocol"/> on <see cref="AflwSets"/>), ours and
/// optionally a peer on the same images, one table, JSON (NME in percent) and CED plots.
/// </summary>
internal static class EvalCommand
{
    sealed record Common(Option<string> Data, Option<string?> Json, Option<int> Passes, Option<bool> Flip, Option<string?> Model, Option<int> Threads,
        Option<bool> Detect, Option<string?> Peer, Option<string?> PeerDir, Option<string?> Plots, Option<string?> PeerCorrection);

    /// <summary>The committed correction learned by <c>eval learn-peer</c> on the 300-W training photos.</summary>
    static string DefaultCorrection => Path.Combine(DataRoot.FindRepositoryRoot() ?? AppContext.BaseDirectory, "models", "peers", "mediapipe68_correction.json");

    public static Command Create()
    {
        var cmd = new Command("eval", "Benchmark protocols: accuracy of the shipped (or given) landmark model, optionally beside a peer.");
        cmd.Subcommands.Add(Create300W("300w", "300-W style folder, boxes from the ground-truth 68 points (or --detect); 2D annotation convention, inter-ocular NME.",
            "Folder of images with iBUG .pts files (e.g. ../shared/data/300w/helen/testset).", Landmarks300W.Faces));
        cmd.Subcommands.Add(Create300W("mmpose", "mmpose / COCO-style JSON with 68-point faces (mmpose's 300-W sets): the 300-W protocol on them.",
            "The annotation JSON; file_name is resolved against its folder.", Landmarks300W.MmposeFaces));
        cmd.Subcommands.Add(CreateAflw("aflw2000", "AFLW2000-3D folder (.jpg + .mat): 68 points in the 3D convention, NME / sqrt(w*h) of the GT box, |yaw| bins.",
            AflwSets.Aflw2000, AflwSets.Aflw2000PointSet, p => p.Points68In3D));
        cmd.Subcommands.Add(CreateAflw("aflw21", "AFLW in 3DDFA's layout (images, list.txt, pts21.npy, yaws.npy): 19 of the 21 points (no ears), |yaw| bins.",
            AflwSets.Aflw21, AflwSets.Aflw21PointSet, p => Evaluation.Datasets.Aflw21Points.FromIbug68(p.Points68)));
        cmd.Subcommands.Add(CreateAflw("synth", "Folder from 'denseface synth' (exact labels): the 68 iBUG surface points (3D convention), |yaw| bins; --reconstruction adds the 3D error against the exact shape.",
            SyntheticSets.Load, "68 iBUG surface points, 3D convention (exact synthetic labels)", p => p.Points68In3D));
        cmd.Subcommands.Add(CreateStability());
        cmd.Subcommands.Add(CreateLearnPeer());
        return cmd;
    }

    static Command CreateLearnPeer()
    {
        var data = new Option<string[]>("--data") { Description = "300-W training folders (.pts); folders named 'testset' are refused.", Required = true, AllowMultipleArgumentsPerToken = true };
        var every = new Option<int>("--every") { Description = "Use every Nth annotated image.", DefaultValueFactory = _ => 3 };
        var peerDir = new Option<string?>("--peer-dir") { Description = "The peer's installed folder (default: DATA/tools/peers/mediapipe-facemesh)." };
        var peerOutput = new Option<string?>("--peer-output") { Description = "Reuse the peer's JSONL output (run.js) on these images instead of running it." };
        var output = new Option<string?>("--out") { Description = "Where to write the correction (default models/peers/mediapipe68_correction.json)." };
        var c = new Command("learn-peer", "Learn the MediaPipe 468->68 per-point correction on 300-W training photos (never test images).") { data, every, peerDir, peerOutput, output };
        c.SetAction(parse => CliErrors.Run(() =>
        {
            var folders = parse.GetValue(data)!.Select(Path.GetFullPath).ToArray();
            foreach (var f in folders)
                if (f.Split(Path.DirectorySeparatorChar).Any(part => part.Equals("testset", StringComparison.OrdinalIgnoreCase) || part.Equals("test", StringComparison.OrdinalIgnoreCase)))
                    throw new InvalidInputException(f, "a test folder: the correction may only be learned on training photos");
            int n = Math.Max(1, parse.GetValue(every));
            var faces = folders.SelectMany(f => Landmarks300W.Faces(f).Faces).Where((_, i) => i % n == n - 1).ToList();
            var peer = parse.GetValue(peerOutput) is string jsonl ? MediapipeFaceMesh.FromJsonl(jsonl)
                : MediapipeFaceMesh.Run(faces.Select(f => f.ImagePath).ToList(), parse.GetValue(peerDir));
            var pairs = faces.Select(f => (f, m: peer.Match(f))).Where(x => x.m is not null).Select(x => (x.m!.Value.Points, x.f.Truth)).ToList();
            var source = $"{pairs.Count} peer faces matched of {faces.Count} annotated images (every {n}th) in {string.Join(", ", parse.GetValue(data)!)}";
            var corr = LearnedPointCorrection.Learn(pairs, source);
            var path = parse.GetValue(output) ?? DefaultCorrection;
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
            corr.Save(path);
            double before = pairs.Average(p => Evaluation.Metrics.LandmarkMetrics.NmeInterOcular(p.Points, p.Truth, "training pair"));
            double after = pairs.Average(p => Evaluation.Metrics.LandmarkMetrics.NmeInterOcular(corr.Apply(p.Points), p.Truth, "training pair"));
            Console.WriteLine($"learned on {source}: training NME io {100 * before:F2} % -> {100 * after:F2} %; wrote {path}");
            return 0;
        }));
        return c;
    }

    static Command CreateStability()
    {
        var data = new Option<string?>("--data") { Description = "300-W style folder whose annotated stills become warp sequences." };
        var sequences = new Option<int>("--sequences") { Description = "Stills to turn into sequences.", DefaultValueFactory = _ => 20 };
        var frames = new Option<int>("--frames") { Description = "Frames per warp sequence.", DefaultValueFactory = _ => 30 };
        var seed = new Option<int>("--seed") { Description = "Seed of the random warps.", DefaultValueFactory = _ => 1 };
        var video = new Option<string[]>("--video") { Description = "Unlabelled clips for acceleration jitter (decoded with ffmpeg), e.g. ../shared/data/video/obama.mp4.", AllowMultipleArgumentsPerToken = true };
        var videoFrames = new Option<int>("--video-frames") { Description = "Frames of each clip.", DefaultValueFactory = _ => 90 };
        var json = new Option<string?>("--json") { Description = "Write the results as JSON (errors in percent of the inter-ocular distance)." };
        var passes = new Option<int>("--passes") { Description = "1, or 2 to refine the ROI from the first pass.", DefaultValueFactory = _ => 2 };
        var model = new Option<string?>("--model") { Description = "Model folder (default: the shipped models/landmarks)." };
        var threads = new Option<int>("--threads") { Description = "Sequences in parallel.", DefaultValueFactory = _ => 1 };
        var c = new Command("stability", "Temporal stability: velocity error on smooth random similarity warps of annotated stills; jitter on unlabelled clips.")
            { data, sequences, frames, seed, video, videoFrames, json, passes, model, threads };
        c.SetAction(parse => CliErrors.Run(() =>
        {
            var predictor = LandmarkPredictor.Load(parse.GetValue(model));
            var options = new PredictionOptions { Passes = parse.GetValue(passes) };
            var doc = new Dictionary<string, object?> { ["passes"] = options.Passes };
            if (parse.GetValue(data) is string folder)
            {
                var r = TemporalStability.Warps(predictor, Path.GetFullPath(folder), parse.GetValue(sequences), parse.GetValue(frames), options, parse.GetValue(seed), Math.Max(1, parse.GetValue(threads)));
                Console.WriteLine($"warps: {r.Sequences} sequences x {r.Frames} frames: velocity error {100 * r.VelocityError:F3} %, jitter {100 * r.Jitter:F3} % (ground truth {100 * r.TruthJitter:F3} %), NME {100 * r.Nme:F2} % (inter-ocular)");
                doc["warps"] = new Dictionary<string, object> { ["sequences"] = r.Sequences, ["frames"] = r.Frames, ["velocity_error"] = Math.Round(100 * r.VelocityError, 4),
                    ["jitter"] = Math.Round(100 * r.Jitter, 4), ["truth_jitter"] = Math.Round(100 * r.TruthJitter, 4), ["nme_io"] = Math.Round(100 * r.Nme, 4), ["seed"] = parse.GetValue(seed) };
            }
            var clips = parse.GetValue(video) ?? [];
            if (clips.Length > 0)
            {
                var detector = FaceDetector.Load();
                var rows = new List<Dictionary<string, object>>();
                foreach (var clip in clips)
                {
                    var v = TemporalStability.Video(predictor, detector, clip, parse.GetValue(videoFrames), options);
                    Console.WriteLine($"{v.Clip}: {v.Frames} frames, jitter {100 * v.Jitter:F3} % of the inter-ocular distance, {v.MillisecondsPerFrame:F1} ms per frame");
                    rows.Add(new() { ["clip"] = v.Clip, ["frames"] = v.Frames, ["jitter"] = Math.Round(100 * v.Jitter, 4), ["ms_per_frame"] = Math.Round(v.MillisecondsPerFrame, 2) });
                }
                doc["videos"] = rows;
            }
            if (doc.Count == 1) throw new InvalidInputException("eval stability", "give --data (warp sequences) and/or --video (jitter)");
            if (parse.GetValue(json) is string path) AtomicFile.WriteAllText(path, JsonSerializer.Serialize(doc, new JsonSerializerOptions { WriteIndented = true }) + "\n");
            return 0;
        }));
        return c;
    }

    static Common Options(string dataHelp) => new(
        new Option<string>("--data") { Description = dataHelp, Required = true },
        new Option<string?>("--json") { Description = "Write the results as JSON (NME in percent)." },
        new Option<int>("--passes") { Description = "1, or 2 to refine the ROI from the first pass.", DefaultValueFactory = _ => 2 },
        new Option<bool>("--flip") { Description = "Average with a pass on the mirrored crop." },
        new Option<string?>("--model") { Description = "Model folder (default: the shipped models/landmarks)." },
        new Option<int>("--threads") { Description = "Images in parallel (each on one thread).", DefaultValueFactory = _ => 1 },
        new Option<bool>("--detect") { Description = "Protocol (b): our detector finds the face (missed faces counted) instead of the ground-truth box." },
        new Option<string?>("--peer") { Description = "Also run a peer on the same images: mediapipe." },
        new Option<string?>("--peer-dir") { Description = "The peer's installed folder (default: DATA/tools/peers/mediapipe-facemesh)." },
        new Option<string?>("--plots") { Description = "Write CED plots (ced.png, ced.svg) to this folder." },
        new Option<string?>("--peer-correction") { Description = "With --peer mediapipe-learned: the learned 68-point correction (default models/peers/mediapipe68_correction.json)." });

    static Command With(Command c, Common o)
    {
        foreach (var opt in new Option[] { o.Data, o.Json, o.Passes, o.Flip, o.Model, o.Threads, o.Detect, o.Peer, o.PeerDir, o.Plots, o.PeerCorrection }) c.Options.Add(opt);
        return c;
    }

    static List<ILandmarkMethod> Methods(ParseResult parse, Common o, IReadOnlyList<EvalFace> faces)
    {
        var predictor = LandmarkPredictor.Load(parse.GetValue(o.Model));
        var options = new PredictionOptions { Passes = parse.GetValue(o.Passes), FlipAveraging = parse.GetValue(o.Flip) };
        var methods = new List<ILandmarkMethod> { new OurLandmarkMethod(predictor, options, parse.GetValue(o.Detect) ? FaceDetector.Load() : null) };
        switch (parse.GetValue(o.Peer))
        {
            case null: break;
            case "mediapipe" or "mediapipe-learned":
                Console.Error.WriteLine($"peer: MediaPipe face mesh on {faces.Count} images (one thread)...");
                var peer = MediapipeFaceMesh.Run(faces.Select(f => f.ImagePath).Distinct().ToList(), parse.GetValue(o.PeerDir));
                methods.Add(peer);
                if (parse.GetValue(o.Peer) == "mediapipe-learned")
                    methods.Add(MediapipeFaceMesh.FromResults(peer, LearnedPointCorrection.Load(parse.GetValue(o.PeerCorrection) ?? DefaultCorrection)));
                break;
            case string other: throw new InvalidInputException("--peer", $"'{other}' is not a known peer (mediapipe, mediapipe-learned)");
        }
        return methods;
    }

    static Action<int, int> Progress(string name) => (d, n) => { if (d % 25 == 0 || d == n) Console.Error.Write($"\r{name}: {d}/{n}   "); };

    static string Pct(double? v) => v is double d ? $"{100 * d:F2}" : "-";
    static object? Round(double? v) => v is double d ? Math.Round(100 * d, 4) : null;
    /// <summary>Our method's document at the top level with the run's settings; the peers' documents (same keys) under "peers".</summary>
    static void WriteJson(string path, ParseResult parse, Common o, List<Dictionary<string, object?>> docs)
    {
        var doc = docs[0];
        doc["passes"] = parse.GetValue(o.Passes); doc["flip"] = parse.GetValue(o.Flip); doc["detect"] = parse.GetValue(o.Detect);
        if (docs.Count > 1) doc["peers"] = docs.Skip(1).ToList();
        AtomicFile.WriteAllText(path, JsonSerializer.Serialize(doc, new JsonSerializerOptions { WriteIndented = true }) + "\n");
    }

    static Command Create300W(string name, string help, string dataHelp, Func<string, (List<EvalFace> Faces, int Missing)> load)
    {
        var o = Options(dataHelp);
        var c = With(new Command(name, help), o);
        c.SetAction(parse => CliErrors.Run(() =>
        {
            var (faces, missing) = load(Path.GetFullPath(parse.GetValue(o.Data)!));
            var methods = Methods(parse, o, faces);
            var results = methods.Select(m => { var r = Landmarks300W.Evaluate(m, faces, missing, Math.Max(1, parse.GetValue(o.Threads)), Progress($"eval {name} ({m.Name})")); Console.Error.WriteLine(); return r; }).ToList();
            var r0 = results[0];
            Console.WriteLine($"images {r0.Images} (missing {r0.Missing}), passes {parse.GetValue(o.Passes)}{(parse.GetValue(o.Flip) ? " + flip" : "")}, {(parse.GetValue(o.Detect) ? "detected faces" : "ground-truth boxes")}; 68 points, 2D convention");
            Console.WriteLine("Method | NME io (%) | NME box (%) | NME io, no jaw (%) | FR@10% io | AUC@10% io | missed | ms per image");
            foreach (var r in results)
                Console.WriteLine($"{r.Method} | {100 * r.NmeIo:F2} | {100 * r.NmeBox:F2} | {100 * r.NmeIoInner:F2} | {100 * r.Fr10Io:F2} | {r.Auc10Io:F4} | {r.Missed.Count} | {r.MedianMsPerFace:F1}");
            if (r0.Sigma is { } s)
                Console.WriteLine($"sigma calibration: {100 * s.WithinOneSigma:F1} % within 1 sigma, {100 * s.WithinTwoSigma:F1} % within 2 sigma (Gaussian: 39.3 / 86.5)");
            if (parse.GetValue(o.Plots) is string plots)
                Console.WriteLine($"CED plots: {string.Join(", ", Plot(plots, "300-W (inter-ocular NME)", results.Select(r => (r.Method, (IReadOnlyCollection<double>)r.Nmes)).ToList()))}");
            if (parse.GetValue(o.Json) is string path)
            {
                Dictionary<string, object?> Doc(Landmarks300WResult r) => new()
                {
                    ["images"] = r.Images, ["missing"] = r.Missing, ["nme_io"] = Round(r.NmeIo), ["nme_box"] = Round(r.NmeBox), ["nme_io_inner"] = Round(r.NmeIoInner),
                    ["fr10_io"] = Round(r.Fr10Io), ["auc10_io"] = Math.Round(r.Auc10Io, 5), ["missed"] = r.Missed.Count,
                    ["within_1_sigma"] = r.Sigma is { } s1 ? Math.Round(s1.WithinOneSigma, 4) : null, ["within_2_sigma"] = r.Sigma is { } s2 ? Math.Round(s2.WithinTwoSigma, 4) : null,
                    ["median_ms_per_face"] = Math.Round(r.MedianMsPerFace, 3), ["method"] = r.Method,
                    ["per_landmark_nme_io"] = r.PerLandmarkIo.Select(e => Math.Round(100 * e, 3)).ToArray(),
                };
                WriteJson(path, parse, o, results.Select(Doc).ToList());
            }
            return 0;
        }));
        return c;
    }

    static Command CreateAflw(string name, string help, Func<string, (List<EvalFace> Faces, int Missing)> load, string pointSet, Func<FacePrediction, System.Numerics.Vector2[]> select)
    {
        var o = Options(name switch
        {
            "aflw2000" => "AFLW2000-3D folder (imageNNNNN.jpg + imageNNNNN.mat).",
            "synth" => "Folder written by 'denseface synth' (images + index.jsonl).",
            _ => "Folder with the images, list.txt, pts21.npy and yaws.npy (3DDFA's AFLW layout).",
        });
        var c = With(new Command(name, help), o);
        var pose = new Option<bool>("--pose") { Description = "Also fit the 3D face model to each method's 68 points and score its yaw/pitch/roll against the dataset's pose." };
        if (name is "aflw2000" or "synth") c.Options.Add(pose);
        var reconstruction = new Option<bool>("--reconstruction") { Description = "Also reconstruct each face (FaceReconstructor, ground-truth box) and score the 3D shape against the exact one (mm, rigid alignment), beside the mean face." };
        if (name == "synth") c.Options.Add(reconstruction);
        c.SetAction(parse => CliErrors.Run(() =>
        {
            var (faces, missing) = load(Path.GetFullPath(parse.GetValue(o.Data)!));
            var methods = Methods(parse, o, faces);
            var results = methods.Select(m =>
            {
                var r = YawBinnedProtocol.Evaluate(m, faces, missing, pointSet, select, Math.Max(1, parse.GetValue(o.Threads)), Progress($"eval {name} ({m.Name})"));
                Console.Error.WriteLine();
                return r;
            }).ToList();
            var r0 = results[0];
            Console.WriteLine($"{name}: images {r0.Images} (missing {r0.Missing}); per bin {string.Join(" / ", r0.BinCounts)}; {(parse.GetValue(o.Detect) ? "detected faces" : "ground-truth boxes")}");
            Console.WriteLine($"scored: {pointSet}");
            Console.WriteLine("Method | 0 to 30 | 30 to 60 | 60 to 90 | All");
            foreach (var r in results) Console.WriteLine($"{r.Method} | {Pct(r.BinNme[0])} | {Pct(r.BinNme[1])} | {Pct(r.BinNme[2])} | {Pct(r.Balanced)}");
            Console.WriteLine("(NME %, All = mean of the three bins; '-' = empty bin)");
            Console.WriteLine("Method | all images | missed | ms per image");
            foreach (var r in results) Console.WriteLine($"{r.Method} | {100 * r.All:F2} | {r.Missed.Count} | {r.MedianMilliseconds:F1}");
            var poses = new List<HeadPoseResult>();
            if (parse.GetValue(pose))
            {
                var model = FaceModel.MorphableModel.Load();
                var fitter = new Fitting.FaceFitter(model, Fitting.FittingLayout.Ibug68(model));
                poses = methods.Select(m => { var r = HeadPoseProtocol.Evaluate(m, faces, fitter, progress: Progress($"pose ({m.Name})")); Console.Error.WriteLine(); return r; }).ToList();
                Console.WriteLine("Method | yaw | pitch | roll | MAE (degrees, fitted model vs the dataset's pose)");
                foreach (var r in poses) Console.WriteLine($"{r.Method} | {r.Mean.Yaw:F2} | {r.Mean.Pitch:F2} | {r.Mean.Roll:F2} | {r.Mean.Mean:F2}");
            }
            SyntheticSets.ReconstructionResult? rec = null;
            if (name == "synth" && parse.GetValue(reconstruction))
            {
                var (_, _, truth) = SyntheticSets.LoadWithTruth(Path.GetFullPath(parse.GetValue(o.Data)!));
                var reconstructor = Pipeline.FaceReconstructor.Load(new Pipeline.ReconstructionOptions { Landmarks = new Landmarks.PredictionOptions { Passes = parse.GetValue(o.Passes) } },
                    parse.GetValue(o.Model), withDetector: false);
                var bar = Progress("reconstruction");
                rec = SyntheticSets.Reconstruction(reconstructor, faces, truth, i => bar(i, faces.Count));
                Console.Error.WriteLine();
                Console.WriteLine($"reconstruction error (narrow face, rigid alignment, mm): ours mean {rec.FittedMm:F2} / median {rec.FittedMedianMm:F2}; mean face {rec.MeanFaceMm:F2} ({rec.Faces} faces)");
            }
            if (parse.GetValue(o.Plots) is string plots)
                Console.WriteLine($"CED plots: {string.Join(", ", Plot(plots, $"{name} (NME / sqrt(w*h) of the box)", results.Select(r => (r.Method, (IReadOnlyCollection<double>)r.Nmes)).ToList()))}");
            if (parse.GetValue(o.Json) is string path)
            {
                Dictionary<string, object?> Doc(YawBinnedResult r) => new()
                {
                    ["images"] = r.Images, ["missing"] = r.Missing,
                    ["bins"] = YawBinnedResult.BinNames.Select((b, i) => (b, i)).ToDictionary(x => x.b, x => Round(r.BinNme[x.i])),
                    ["balanced"] = Round(r.Balanced), ["all_images"] = Round(r.All),
                    ["bin_images"] = YawBinnedResult.BinNames.Select((b, i) => (b, i)).ToDictionary(x => x.b, x => r.BinCounts[x.i]),
                    ["missed"] = r.Missed.Count, ["median_ms_per_image"] = Math.Round(r.MedianMilliseconds, 3), ["method"] = r.Method, ["points"] = r.PointSet,
                };
                var docs = results.Select(Doc).ToList();
                if (rec is not null)
                    docs[0]["reconstruction_error_mm"] = new Dictionary<string, double> { ["faces"] = rec.Faces, ["mean"] = Math.Round(rec.FittedMm, 4),
                        ["median"] = Math.Round(rec.FittedMedianMm, 4), ["mean_face"] = Math.Round(rec.MeanFaceMm, 4) };
                for (int i = 0; i < poses.Count; i++)
                    docs[i]["pose_error_degrees"] = new Dictionary<string, double> { ["images"] = poses[i].Images, ["yaw"] = Math.Round(poses[i].Mean.Yaw, 3),
                        ["pitch"] = Math.Round(poses[i].Mean.Pitch, 3), ["roll"] = Math.Round(poses[i].Mean.Roll, 3), ["mae"] = Math.Round(poses[i].Mean.Mean, 3) };
                WriteJson(path, parse, o, docs);
            }
            return 0;
        }));
        return c;
    }

    static string[] Plot(string dir, string title, List<(string, IReadOnlyCollection<double>)> curves)
    {
        var (png, svg) = CedPlot.Write(Path.Combine(dir, "ced"), title, curves);
        return [png, svg];
    }
}
