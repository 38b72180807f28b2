using System.Diagnostics;
using System.Numerics;
using System.Globalization;
using System.Text.Json;
using DenseFace.Evaluation.Metrics;
using DenseFace.Evaluation.Protocols;
using DenseFace.FaceModel;
using DenseFace.FaceModel.Layouts;
using DenseFace.IO;
using DenseFace.Landmarks;
using DenseFace.Neural;
using DenseFace.Training.Optimization;
using DenseFace.Training.Synthesis;

namespace DenseFace.Training.Landmarks;

/// <summary>Progress of a <see cref="LandmarkTrainer"/> run, reported after every logged step.</summary>
public sealed record TrainingProgress(int Step, int TotalSteps, double Loss, double ImagesPerSecond, double? DevNme, double? BestDevNme, string? Message = null);

/// <summary>
/// Trains the dense landmark network (<see cref="LandmarkHead"/> outputs on a MobileNetV2) on a mix of streamed
/// synthetic renders and annotated photos, with <see cref="LandmarkLoss"/>, AdamW, warm-up + cosine schedule,
/// gradient clipping and a weight EMA. Batch b of step t is a pure function of (seed, t, b), so a run resumed from
/// its checkpoint (weights, EMA, optimiser moments, step; written every <see cref="LandmarkTrainingConfig.CheckpointMinutes"/>)
/// continues exactly as an uninterrupted one at the same thread count. The EMA weights are scored on the
/// development set every <see cref="LandmarkTrainingConfig.DevEvery"/> steps (NME by outer-eye-corner distance of
/// the 2D-convention 68 points, one pass from the ground-truth box), plus held-out renders when
/// <see cref="LandmarkTrainingConfig.DevSyntheticFaces"/> is set; the best by that selection score are kept in OUT/best.
/// <para>Output folder: checkpoint/, best/ (landmarks.json + landmarks.safetensors), log.csv, dev.csv, config.json.</para>
/// </summary>
public sealed class LandmarkTrainer
{
    readonly LandmarkTrainingConfig _c;
    readonly string _out;
    readonly LandmarkModelConfig _modelConfig;
    readonly LandmarkLayout _layout;
    readonly LandmarkHead _head;

    /// <summary>Prepares a run of <paramref name="config"/> writing into <paramref name="outputDirectory"/>.</summary>
    public LandmarkTrainer(LandmarkTrainingConfig config, string outputDirectory)
    {
        config.Validate("training config");
        _c = config; _out = Path.GetFullPath(outputDirectory);
        _modelConfig = LandmarkModelConfig.For(config.Layout, config.InputSize, config.RoiScale, config.WidthMultiplier);
        _layout = _modelConfig.Validate("training config");
        _head = _modelConfig.Head(_layout);
    }

    /// <summary>The model config the run produces.</summary>
    public LandmarkModelConfig ModelConfig => _modelConfig;

    static string DataPath(string p) => Path.IsPathRooted(p) ? p : Path.Combine(DataRoot.Resolve(), p);

    /// <summary>Runs (or resumes, when <paramref name="resume"/> and a checkpoint exists) until the configured step count or cancellation.</summary>
    public void Run(bool resume, IProgress<TrainingProgress>? progress = null, CancellationToken cancel = default)
    {
        Directory.CreateDirectory(_out);
        AtomicFile.WriteAllText(Path.Combine(_out, "config.json"), _c.ToJson());
        var model = MorphableModel.Load();

        // Data.
        var photoFolders = _c.PhotoFolders.Select(DataPath).ToArray();
        var sources = new List<(ILandmarkSource Source, float Share)>();
        if (_c.SyntheticFraction > 0)
        {
            var synth = new SynthesisOptions
            {
                Seed = _c.Seed, ImageSize = _c.SynthImageSize, Supersampling = _c.SynthSupersampling, AppearancePoolSize = _c.SynthPeople,
                Layouts = [SynthesisLayout.From(_layout)],
                Backgrounds = BackgroundPhoto.FromAnnotatedPhotos(photoFolders, 2000),
                RealTextures = _c.Textures is string t && Directory.Exists(t) ? RealTexture.LoadFolder(t) : [],
            };
            sources.Add((new SyntheticLandmarkSource(model, new SyntheticFaceGenerator(model, synth)), _c.SyntheticFraction));
        }
        PhotoLandmarkSource? photos = null;
        if (_c.SyntheticFraction < 1)
        {
            photos = new PhotoLandmarkSource(photoFolders, _c.PseudoLabels is string p && File.Exists(p) ? p : null, _layout.Name, _layout.Count) { PseudoLabelWeight = _c.PseudoLabelWeight };
            sources.Add((photos, 1 - _c.SyntheticFraction));
        }
        progress?.Report(new TrainingProgress(0, _c.Steps, double.NaN, 0, null, null,
            $"data: synthetic share {_c.SyntheticFraction:P0}" + (photos is null ? "" : $"; {photos.AnnotatedCount} annotated photos ({photos.PseudoLabelledCount} with dense pseudo-labels), {photos.TurnedCount} turned views")));
        var aug = new LandmarkAugmenter(_head, _c.InputSize, _c.RoiScale, _modelConfig.Network.Mean, _modelConfig.Network.Std,
            _layout.MirrorIndices, LandmarkLayouts.Load(LandmarkLayouts.Ibug68).MirrorIndices);
        string devFolder = DataPath(_c.DevFolder);
        if (!Directory.Exists(devFolder)) throw new InvalidInputException(devFolder, "development folder not found");
        var devSynthetic = HeldOutRenders(model);

        // Network and optimiser.
        var net = Network.Create(_modelConfig.Network, (ulong)_c.Seed);
        net.MaxDegreeOfParallelism = _c.Threads;
        var adam = new AdamW(net.TrainableParameters, _c.LearningRate, weightDecay: _c.WeightDecay);
        var loss = new LandmarkLoss(_head) { DenseWeight = _c.LossDense, VisibilityWeight = _c.LossVisibility, Ibug68Weight = _c.LossIbug68 };
        var ckpt = Path.Combine(_out, "checkpoint");
        int step = 0; double best = double.PositiveInfinity, elapsedBefore = 0;
        WeightEma ema;
        if (resume && FindCheckpoint(ckpt) is string dir)
        {
            var state = JsonSerializer.Deserialize<CheckpointState>(File.ReadAllText(Path.Combine(dir, "state.json")))
                ?? throw new InvalidInputException(dir, "empty checkpoint state");
            net.LoadWeights(Path.Combine(dir, "model.safetensors"));
            var shadow = Network.Create(_modelConfig.Network);
            shadow.LoadWeights(Path.Combine(dir, "ema.safetensors"));
            ema = new WeightEma(net.State, _c.EmaDecay);
            ema.LoadFrom(shadow);
            adam.LoadState(Path.Combine(dir, "adam.safetensors"), state.Step);
            step = state.Step; best = state.BestDevNme ?? double.PositiveInfinity; elapsedBefore = state.Seconds;
            progress?.Report(new TrainingProgress(step, _c.Steps, double.NaN, 0, null, state.BestDevNme, $"resumed from {dir} at step {step}"));
        }
        else
        {
            if (_c.InitWeights is string init) net.LoadWeights(init);
            else InitialiseHead(net, sources, aug);
            ema = new WeightEma(net.State, _c.EmaDecay);
        }
        var trainer = new SupervisedTrainer(net, adam, loss)
        {
            Schedule = new WarmupCosineSchedule(_c.LearningRate, _c.WarmupSteps, _c.Steps, _c.MinLearningRate),
            ClipNorm = _c.ClipNorm, Ema = ema,
        };

        int b = _c.BatchSize, inLen = aug.InputLength, tLen = LandmarkTargets.PerSample(_head);
        var input = new float[b * inLen]; var targets = new float[b * tLen];
        var dropouts = net.Root.Modules().OfType<Dropout>().ToArray();
        var evalNet = Network.Create(_modelConfig.Network);
        using var log = OpenCsv("log.csv", "step,lr,loss,dense_nll,visibility_bce,ibug68_nll,images_per_s,seconds", step);
        using var devLog = OpenCsv("dev.csv", "step,dev_nme_io,dev_nme_box,dev_fr10,seconds,synthetic_nme68,selection", step);
        var clock = Stopwatch.StartNew(); var lastCkpt = Stopwatch.StartNew(); var window = Stopwatch.StartNew(); int windowImages = 0;
        double? lastDev = null;
        while (step < _c.Steps && !cancel.IsCancellationRequested)
        {
            FillBatch(step, sources, aug, input, targets);
            foreach (var d in dropouts) d.Reseed(Mix((ulong)_c.Seed, step, 0xD0));
            double l = trainer.Step(input, targets, b, _c.InputSize, _c.InputSize);
            if (!double.IsFinite(l)) throw new InvalidOperationException($"training diverged at step {step} (loss {l})");
            step++; windowImages += b;
            if (step % _c.LogEvery == 0 || step == _c.Steps)
            {
                double ips = windowImages / Math.Max(1e-9, window.Elapsed.TotalSeconds);
                var (ld, lv, li) = loss.LastParts;
                log.WriteLine(string.Join(",", step, F(adam.LearningRate), F(l), F(ld), F(lv), F(li), F(ips), F(elapsedBefore + clock.Elapsed.TotalSeconds)));
                log.Flush();
                progress?.Report(new TrainingProgress(step, _c.Steps, l, ips, lastDev, double.IsFinite(best) ? best : null));
                window.Restart(); windowImages = 0;
            }
            bool devNow = step % _c.DevEvery == 0 || step == _c.Steps;
            if (devNow)
            {
                ema.CopyTo(evalNet);
                var r = Landmarks300W.Evaluate(new LandmarkPredictor(_modelConfig, evalNet), devFolder, new PredictionOptions { Passes = 1 }, _c.Threads);
                var (io, box, fr) = (r.NmeIo, r.NmeBox, r.Fr10Io);
                double synthetic = devSynthetic.Length > 0 ? SyntheticNme68(new LandmarkPredictor(_modelConfig, evalNet), devSynthetic) : double.NaN;
                double score = devSynthetic.Length > 0 ? io + synthetic : io;
                lastDev = io;
                devLog.WriteLine(string.Join(",", step, F(io), F(box), F(fr), F(elapsedBefore + clock.Elapsed.TotalSeconds), F(synthetic), F(score)));
                devLog.Flush();
                if (score < best)
                {
                    best = score;
                    LandmarkPredictor.Save(Path.Combine(_out, "best"), _modelConfig, evalNet, SafetensorsDType.F32);
                }
                string synth = devSynthetic.Length > 0 ? $"; renders {synthetic:P2}; selection {score:P2}" : "";
                progress?.Report(new TrainingProgress(step, _c.Steps, double.NaN, 0, io, best, $"step {step}: dev NME {io:P2} (box {box:P2}, FR@10% {fr:P1}){synth}; best {best:P2}"));
            }
            if (lastCkpt.Elapsed.TotalMinutes >= _c.CheckpointMinutes || step == _c.Steps || cancel.IsCancellationRequested)
            {
                WriteCheckpoint(ckpt, net, ema, evalNet, adam, step, best, elapsedBefore + clock.Elapsed.TotalSeconds);
                lastCkpt.Restart();
            }
        }
        if (step < _c.Steps) WriteCheckpoint(ckpt, net, ema, evalNet, adam, step, best, elapsedBefore + clock.Elapsed.TotalSeconds);
    }

    /// <summary>The held-out renders of <see cref="LandmarkTrainingConfig.DevSyntheticSeed"/> (rendered once, at the start).</summary>
    LandmarkExample[] HeldOutRenders(MorphableModel model)
    {
        if (_c.DevSyntheticFaces == 0) return [];
        var gen = new SyntheticFaceGenerator(model, new SynthesisOptions { Seed = _c.DevSyntheticSeed, ImageSize = 192, Layouts = [SynthesisLayout.From(_layout)] });
        var source = new SyntheticLandmarkSource(model, gen);
        var renders = new LandmarkExample[_c.DevSyntheticFaces];
        Parallel.For(0, renders.Length, new ParallelOptions { MaxDegreeOfParallelism = _c.Threads }, i => renders[i] = source.Get(i));
        return renders;
    }

    /// <summary>Mean 68-point (2D convention) NME of one pass over <paramref name="renders"/>, normalised by sqrt(w·h) of each box.</summary>
    static double SyntheticNme68(LandmarkPredictor predictor, LandmarkExample[] renders)
    {
        double sum = 0;
        var p = new Vector2[LandmarkHead.Ibug68];
        for (int i = 0; i < renders.Length; i++)
        {
            var e = renders[i];
            var f = predictor.Predict(e.Image, e.Box, new PredictionOptions { Passes = 1 });
            for (int k = 0; k < p.Length; k++) p[k] = f.Landmarks68[k].Position;
            sum += LandmarkMetrics.Nme(p, e.Ibug68, Math.Sqrt(e.Box.Width * e.Box.Height), $"held-out render {i}");
        }
        return sum / renders.Length;
    }

    sealed record CheckpointState(int Step, double? BestDevNme, double Seconds);

    static string? FindCheckpoint(string dir)
    {
        foreach (var d in new[] { dir, dir + ".old" })
            if (File.Exists(Path.Combine(d, "state.json"))) return d;
        return null;
    }

    /// <summary>Writes weights, EMA (through <paramref name="shadow"/>, a network of the same architecture), optimiser and step into a fresh folder, then swaps it in.</summary>
    static void WriteCheckpoint(string dir, Network net, WeightEma ema, Network shadow, AdamW adam, int step, double best, double seconds)
    {
        var tmp = dir + ".tmp";
        if (Directory.Exists(tmp)) Directory.Delete(tmp, true);
        Directory.CreateDirectory(tmp);
        net.SaveWeights(Path.Combine(tmp, "model.safetensors"));
        ema.CopyTo(shadow);
        shadow.SaveWeights(Path.Combine(tmp, "ema.safetensors"));
        adam.SaveState(Path.Combine(tmp, "adam.safetensors"));
        File.WriteAllText(Path.Combine(tmp, "state.json"), JsonSerializer.Serialize(new CheckpointState(step, double.IsFinite(best) ? best : null, seconds)));
        var old = dir + ".old";
        if (Directory.Exists(old)) Directory.Delete(old, true);
        if (Directory.Exists(dir)) Directory.Move(dir, old);
        Directory.Move(tmp, dir);
        if (Directory.Exists(old)) Directory.Delete(old, true);
    }

    StreamWriter OpenCsv(string name, string header, int resumeStep)
    {
        var path = Path.Combine(_out, name);
        // keep rows up to the resumed step (a killed run may have logged past its last checkpoint)
        var keep = File.Exists(path) ? File.ReadAllLines(path).Skip(1).Where(l => int.TryParse(l.Split(',')[0], out var s) && s <= resumeStep).ToList() : [];
        var w = new StreamWriter(path, append: false) { NewLine = "\n" };
        w.WriteLine(header);
        foreach (var l in keep) w.WriteLine(l);
        w.Flush();
        return w;
    }

    static string F(double v) => v.ToString("G6", CultureInfo.InvariantCulture);

    /// <summary>Fills one batch: sample i of step t draws its source, example and augmentation from RandomSource(seed, t, i).</summary>
    void FillBatch(int step, List<(ILandmarkSource Source, float Share)> sources, LandmarkAugmenter aug, float[] input, float[] targets)
    {
        int inLen = aug.InputLength, tLen = LandmarkTargets.PerSample(_head), b = _c.BatchSize;
        Parallel.For(0, b, new ParallelOptions { MaxDegreeOfParallelism = _c.Threads }, i =>
        {
            var rng = new RandomSource(Mix((ulong)_c.Seed, step, i));
            DrawAugmented(sources, aug, rng, (long)step * b + i, input.AsSpan(i * inLen, inLen), targets.AsSpan(i * tLen, tLen));
        });
    }

    /// <summary>Draws an example and writes its augmented input and targets; a bad example (unreadable photo, empty box) is replaced by another draw, up to 8 times.</summary>
    static void DrawAugmented(List<(ILandmarkSource Source, float Share)> sources, LandmarkAugmenter aug, RandomSource rng, long syntheticIndex, Span<float> input, Span<float> targets)
    {
        for (int attempt = 0; ; attempt++)
        {
            var e = Draw(sources, rng, syntheticIndex);
            try
            {
                if (e.Box.Width <= 1 || e.Box.Height <= 1) throw new InvalidInputException("example", "face box is empty");
                aug.Apply(e, rng, input, targets);
                return;
            }
            catch (InvalidInputException) when (attempt < 8) { }
        }
    }

    static LandmarkExample Draw(List<(ILandmarkSource Source, float Share)> sources, RandomSource rng, long syntheticIndex)
    {
        double u = rng.NextDouble(), acc = 0;
        var chosen = sources[^1].Source;
        foreach (var (s, share) in sources) { acc += share; if (u < acc) { chosen = s; break; } }
        long index = chosen.Count == int.MaxValue ? syntheticIndex : (long)(rng.NextUInt64() % (ulong)chosen.Count);
        return chosen.Get(index);
    }

    /// <summary>
    /// Starts the head at the data's mean: μ biases at the mean target position of each point, log σ biases at
    /// the log of its spread, visibility biases at the logit of its visible rate (over 256 examples), with the
    /// head weights scaled down so the first steps start from that template.
    /// </summary>
    void InitialiseHead(Network net, List<(ILandmarkSource Source, float Share)> sources, LandmarkAugmenter aug)
    {
        const int n = 256;
        int inLen = aug.InputLength, tLen = LandmarkTargets.PerSample(_head);
        var all = new float[n * tLen];
        Parallel.For(0, n, new ParallelOptions { MaxDegreeOfParallelism = _c.Threads }, i =>
        {
            var rng = new RandomSource(Mix((ulong)_c.Seed, -1, i));
            DrawAugmented(sources, aug, rng, (1L << 40) + i, new float[inLen], all.AsSpan(i * tLen, tLen));
        });
        var bias = net.GetParameter("classifier.1.bias").Value;
        var weight = net.GetParameter("classifier.1.weight").Value;
        for (int i = 0; i < weight.Length; i++) weight[i] *= 0.1f;
        void Point(int outOffset, Func<int, int> targetOffset, int count)
        {
            for (int k = 0; k < count; k++)
            {
                double sw = 0, sx = 0, sy = 0, sq = 0;
                for (int j = 0; j < n; j++)
                {
                    int q = j * tLen + targetOffset(k);
                    float w = all[q + 2];
                    sw += w; sx += w * all[q]; sy += w * all[q + 1];
                }
                if (sw <= 0) continue;
                double mx = sx / sw, my = sy / sw;
                for (int j = 0; j < n; j++)
                {
                    int q = j * tLen + targetOffset(k);
                    double dx = all[q] - mx, dy = all[q + 1] - my;
                    sq += all[q + 2] * (dx * dx + dy * dy);
                }
                bias[outOffset + 3 * k] = (float)mx; bias[outOffset + 3 * k + 1] = (float)my;
                bias[outOffset + 3 * k + 2] = (float)Math.Log(Math.Max(0.02, Math.Sqrt(sq / sw / 2)));
            }
        }
        Point(_head.Dense(0), LandmarkTargets.Dense, _head.DensePoints);
        Point(_head.Ibug(0), j => LandmarkTargets.Ibug(_head, j), LandmarkHead.Ibug68);
        for (int k = 0; k < _head.DensePoints; k++)
        {
            double sw = 0, sv = 0;
            for (int j = 0; j < n; j++) { int q = j * tLen + LandmarkTargets.Dense(k); sw += all[q + 4]; sv += all[q + 4] * all[q + 3]; }
            double rate = sw > 0 ? Math.Clamp(sv / sw, 0.02, 0.98) : 0.5;
            bias[_head.Visibility(k)] = (float)Math.Log(rate / (1 - rate));
        }
    }

    /// <summary>SplitMix64 of (seed, step, item).</summary>
    static ulong Mix(ulong seed, long step, long item)
    {
        ulong z = seed * 0x9E3779B97F4A7C15UL ^ (ulong)step * 0xBF58476D1CE4E5B9UL ^ (ulong)item * 0x94D049BB133111EBUL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
