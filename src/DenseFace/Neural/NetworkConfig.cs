using System.Text.Json;
using System.Text.Json.Serialization;

namespace DenseFace.Neural;

/// <summary>
/// The JSON file that accompanies a weights file: which architecture to build and how inputs are
/// prepared. Input pixels are RGB in [0, 1], normalised per channel as (v - Mean[c]) / Std[c], NCHW.
/// </summary>
public sealed record NetworkConfig
{
    /// <summary><c>mobilenet_v2</c> or <c>resnet18</c>.</summary>
    [JsonPropertyName("architecture")] public string Architecture { get; init; } = Architectures.MobileNetV2Name;
    /// <summary>Width multiplier (MobileNetV2 only).</summary>
    [JsonPropertyName("width_multiplier")] public double WidthMultiplier { get; init; } = 1.0;
    /// <summary>Number of regression outputs of the head.</summary>
    [JsonPropertyName("num_outputs")] public int NumOutputs { get; init; } = 1560;
    /// <summary>Square input size in pixels the network was trained at.</summary>
    [JsonPropertyName("input_size")] public int InputSize { get; init; } = 128;
    /// <summary>Per-channel (RGB) mean subtracted from [0, 1] pixel values.</summary>
    [JsonPropertyName("mean")] public float[] Mean { get; init; } = [0.485f, 0.456f, 0.406f];
    /// <summary>Per-channel (RGB) standard deviation dividing the centred values.</summary>
    [JsonPropertyName("std")] public float[] Std { get; init; } = [0.229f, 0.224f, 0.225f];

    private static readonly JsonSerializerOptions Options = new() { WriteIndented = true };

    /// <summary>Largest accepted config file (bytes).</summary>
    public const int MaxFileBytes = 1 << 20;

    /// <summary>Throws <see cref="InvalidInputException"/> naming <paramref name="source"/> if a field is out of range.</summary>
    public void Validate(string source)
    {
        if (Architecture is not (Architectures.MobileNetV2Name or Architectures.ResNet18Name))
            throw new InvalidInputException(source, $"unknown architecture '{Architecture}' (expected {Architectures.MobileNetV2Name} or {Architectures.ResNet18Name})");
        if (!(WidthMultiplier > 0 && WidthMultiplier <= 4)) throw new InvalidInputException(source, $"width_multiplier {WidthMultiplier} outside (0, 4]");
        if (NumOutputs <= 0 || NumOutputs > 1_000_000) throw new InvalidInputException(source, $"num_outputs {NumOutputs} outside [1, 1000000]");
        if (InputSize < 32 || InputSize > 4096) throw new InvalidInputException(source, $"input_size {InputSize} outside [32, 4096]");
        if (Mean is not { Length: 3 } || Std is not { Length: 3 }) throw new InvalidInputException(source, "mean and std must have 3 values");
        foreach (var s in Std)
            if (!(s > 0) || !float.IsFinite(s)) throw new InvalidInputException(source, "std values must be positive");
        foreach (var m in Mean)
            if (!float.IsFinite(m)) throw new InvalidInputException(source, "mean values must be finite");
    }

    /// <summary>Reads and validates a config file.</summary>
    public static NetworkConfig Load(string path)
    {
        if (!File.Exists(path)) throw new InvalidInputException(path, "network config file not found");
        if (new FileInfo(path).Length > MaxFileBytes) throw new InvalidInputException(path, "network config file larger than 1 MiB");
        NetworkConfig? cfg;
        try { cfg = JsonSerializer.Deserialize<NetworkConfig>(File.ReadAllText(path)); }
        catch (JsonException e) { throw new InvalidInputException(path, $"invalid JSON: {e.Message}", e); }
        if (cfg == null) throw new InvalidInputException(path, "empty network config");
        cfg.Validate(path);
        return cfg;
    }

    /// <summary>Writes the config as indented JSON.</summary>
    public void Save(string path) => File.WriteAllText(path, JsonSerializer.Serialize(this, Options));
}
