using System.Text.Json;
using System.Text.Json.Serialization;
using DenseFace.FaceModel.Layouts;

namespace DenseFace.Training.Landmarks;

/// <summary>
/// Settings of <see cref="LandmarkTrainer"/>, read from the JSON file given to <c>denseface train --config</c>.
/// Paths: <see cref="PhotoFolders"/> and <see cref="DevFolder"/> are relative to the data root
/// (<c>$DENSEFACE_DATA</c>, default ../shared) unless absolute; <see cref="PseudoLabels"/>,
/// <see cref="Textures"/> and <see cref="InitWeights"/> relative to the working directory.
/// </summary>
public sealed record LandmarkTrainingConfig
{
    [JsonPropertyName("seed")] public int Seed { get; init; } = 1;
    /// <summary>Dense layout learnt (built-in name).</summary>
    [JsonPropertyName("layout")] public string Layout { get; init; } = LandmarkLayouts.Full703;
    [JsonPropertyName("input_size")] public int InputSize { get; init; } = 128;
    [JsonPropertyName("roi_scale")] public float RoiScale { get; init; } = 1.6f;
    [JsonPropertyName("width_multiplier")] public double WidthMultiplier { get; init; } = 1.0;

    [JsonPropertyName("batch_size")] public int BatchSize { get; init; } = 32;
    /// <summary>Total optimiser steps (the cosine schedule ends here).</summary>
    [JsonPropertyName("steps")] public int Steps { get; init; } = 10000;
    [JsonPropertyName("learning_rate")] public float LearningRate { get; init; } = 1e-3f;
    [JsonPropertyName("min_learning_rate")] public float MinLearningRate { get; init; } = 1e-5f;
    [JsonPropertyName("warmup_steps")] public int WarmupSteps { get; init; } = 300;
    [JsonPropertyName("weight_decay")] public float WeightDecay { get; init; } = 1e-2f;
    [JsonPropertyName("clip_norm")] public double ClipNorm { get; init; } = 5;
    [JsonPropertyName("ema_decay")] public float EmaDecay { get; init; } = 0.998f;
    /// <summary>Threads for the network and the batch preparation.</summary>
    [JsonPropertyName("threads")] public int Threads { get; init; } = 2;

    /// <summary>Share of each batch drawn from the synthetic renders (the rest: photos and their turned views).</summary>
    [JsonPropertyName("synthetic_fraction")] public float SyntheticFraction { get; init; } = 0.5f;
    [JsonPropertyName("photo_folders")] public string[] PhotoFolders { get; init; } = ["data/300w/afw", "data/300w/helen/trainset", "data/300w/lfpw/trainset"];
    /// <summary>index.jsonl of <c>denseface pseudolabel</c> on the photo folders (null: 68-point targets only).</summary>
    [JsonPropertyName("pseudo_labels")] public string? PseudoLabels { get; init; } = "artifacts/pseudo/index.jsonl";
    /// <summary>Folder of <c>denseface textures extract</c> (null: painted people only).</summary>
    [JsonPropertyName("textures")] public string? Textures { get; init; } = "artifacts/textures";
    /// <summary>Development set (never trained on): a folder of images with .pts files.</summary>
    [JsonPropertyName("dev_folder")] public string DevFolder { get; init; } = "data/300w/helen/testset";
    /// <summary>
    /// Held-out synthetic renders scored at each development step (0: none). Selection then uses the sum of the
    /// helen inter-ocular NME and the renders' 68-point NME (by sqrt(w·h) of the box), so a checkpoint that gains on
    /// frontal photos by losing on turned faces is not kept.
    /// </summary>
    [JsonPropertyName("dev_synthetic_faces")] public int DevSyntheticFaces { get; init; }
    /// <summary>Generator seed of the held-out renders (never a training seed; 1000 is kept for reporting).</summary>
    [JsonPropertyName("dev_synthetic_seed")] public int DevSyntheticSeed { get; init; } = 3000;
    /// <summary>Weights to start from (e.g. the committed model), null for a fresh initialisation.</summary>
    [JsonPropertyName("init_weights")] public string? InitWeights { get; init; }

    [JsonPropertyName("synth_image_size")] public int SynthImageSize { get; init; } = 192;
    [JsonPropertyName("synth_supersampling")] public int SynthSupersampling { get; init; } = 2;
    [JsonPropertyName("synth_people")] public int SynthPeople { get; init; } = 256;

    [JsonPropertyName("loss_dense")] public float LossDense { get; init; } = 1;
    [JsonPropertyName("loss_visibility")] public float LossVisibility { get; init; } = 0.5f;
    [JsonPropertyName("loss_ibug68")] public float LossIbug68 { get; init; } = 1;
    /// <summary>Weight of pseudo-label dense targets on original photos.</summary>
    [JsonPropertyName("pseudo_label_weight")] public float PseudoLabelWeight { get; init; } = 0.5f;

    [JsonPropertyName("log_every")] public int LogEvery { get; init; } = 10;
    [JsonPropertyName("dev_every")] public int DevEvery { get; init; } = 500;
    [JsonPropertyName("checkpoint_minutes")] public double CheckpointMinutes { get; init; } = 10;

    private static readonly JsonSerializerOptions Options = new() { WriteIndented = true };

    /// <summary>Throws <see cref="InvalidInputException"/> naming <paramref name="source"/> for a bad field.</summary>
    public void Validate(string source)
    {
        void Check(bool ok, string what) { if (!ok) throw new InvalidInputException(source, what); }
        Check(LandmarkLayouts.Names.Contains(Layout), $"unknown layout '{Layout}'");
        Check(InputSize is >= 32 and <= 512 && InputSize % 32 == 0, $"input_size {InputSize} must be a multiple of 32 in 32..512");
        Check(RoiScale is >= 0.5f and <= 4f, $"roi_scale {RoiScale} outside [0.5, 4]");
        Check(BatchSize is >= 1 and <= 1024, $"batch_size {BatchSize} outside 1..1024");
        Check(Steps is >= 1 and <= 100_000_000, $"steps {Steps} outside 1..1e8");
        Check(LearningRate > 0 && MinLearningRate >= 0 && MinLearningRate <= LearningRate, "learning rates must satisfy 0 <= min <= base, base > 0");
        Check(WarmupSteps >= 0 && WeightDecay >= 0 && ClipNorm >= 0, "warmup_steps, weight_decay and clip_norm must be non-negative");
        Check(EmaDecay >= 0 && EmaDecay < 1, $"ema_decay {EmaDecay} outside [0, 1)");
        Check(Threads >= 1 && Threads <= 256, $"threads {Threads} outside 1..256");
        Check(SyntheticFraction is >= 0 and <= 1, $"synthetic_fraction {SyntheticFraction} outside [0, 1]");
        Check(SyntheticFraction > 0 || PhotoFolders.Length > 0, "no data: synthetic_fraction is 0 and no photo folders are given");
        Check(SynthImageSize is >= 64 and <= 1024 && SynthSupersampling is >= 1 and <= 4 && SynthPeople >= 1, "synthesis settings out of range");
        Check(LossDense >= 0 && LossVisibility >= 0 && LossIbug68 >= 0 && PseudoLabelWeight >= 0, "loss weights must be non-negative");
        Check(DevSyntheticFaces is >= 0 and <= 10_000, $"dev_synthetic_faces {DevSyntheticFaces} outside 0..10000");
        Check(DevSyntheticFaces == 0 || DevSyntheticSeed != Seed, "dev_synthetic_seed must differ from the training seed");
        Check(LogEvery >= 1 && DevEvery >= 1 && CheckpointMinutes > 0, "log_every, dev_every and checkpoint_minutes must be positive");
    }

    /// <summary>Reads and validates a config file.</summary>
    public static LandmarkTrainingConfig Load(string path)
    {
        if (!File.Exists(path)) throw new InvalidInputException(path, "training config not found");
        LandmarkTrainingConfig? c;
        try { c = JsonSerializer.Deserialize<LandmarkTrainingConfig>(File.ReadAllText(path), new JsonSerializerOptions { UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow }); }
        catch (JsonException e) { throw new InvalidInputException(path, $"invalid training config: {e.Message}", e); }
        if (c is null) throw new InvalidInputException(path, "empty training config");
        c.Validate(path);
        return c;
    }

    /// <summary>The config as indented JSON.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, Options);
}
