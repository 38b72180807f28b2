using System.Text.Json;
using System.Text.Json.Serialization;
using DenseFace.FaceModel.Layouts;
using DenseFace.Neural;

namespace DenseFace.Landmarks;

/// <summary>
/// The JSON file beside a landmark network's weights (<c>landmarks.json</c> + <c>landmarks.safetensors</c>):
/// which dense layout the network predicts, how its ROI is cut, and the backbone (<see cref="NetworkConfig"/>,
/// whose <c>num_outputs</c> must equal <see cref="LandmarkHead.OutputCount"/>).
/// </summary>
public sealed record LandmarkModelConfig
{
    /// <summary>Schema version of this file.</summary>
    public const int SchemaVersion = 1;

    /// <summary>Schema version (must be <see cref="SchemaVersion"/>).</summary>
    [JsonPropertyName("schema")] public int Schema { get; init; } = SchemaVersion;
    /// <summary>Built-in dense layout name (<see cref="LandmarkLayouts.Names"/>); it must start with the iBUG 68 points.</summary>
    [JsonPropertyName("layout")] public string Layout { get; init; } = LandmarkLayouts.Full703;
    /// <summary>ROI side as a multiple of the face box's larger side (<see cref="FaceRoi.FromBox"/>).</summary>
    [JsonPropertyName("roi_scale")] public float RoiScale { get; init; } = 1.6f;
    /// <summary>The backbone and its input preparation.</summary>
    [JsonPropertyName("network")] public NetworkConfig Network { get; init; } = new();

    private static readonly JsonSerializerOptions Options = new() { WriteIndented = true };

    /// <summary>The output layout implied by <see cref="Layout"/>.</summary>
    public LandmarkHead Head(LandmarkLayout layout) => new(layout.Count);

    /// <summary>Throws <see cref="InvalidInputException"/> naming <paramref name="source"/> when a field is wrong; returns the layout.</summary>
    public LandmarkLayout Validate(string source)
    {
        if (Schema != SchemaVersion) throw new InvalidInputException(source, $"schema {Schema} is not supported (expected {SchemaVersion})");
        if (!LandmarkLayouts.Names.Contains(Layout)) throw new InvalidInputException(source, $"unknown layout '{Layout}' (built in: {string.Join(", ", LandmarkLayouts.Names)})");
        if (!(RoiScale >= 0.5f && RoiScale <= 4f)) throw new InvalidInputException(source, $"roi_scale {RoiScale} outside [0.5, 4]");
        if (Network is null) throw new InvalidInputException(source, "network section missing");
        Network.Validate(source);
        var layout = LandmarkLayouts.Load(Layout);
        if (layout.Count < LandmarkHead.Ibug68) throw new InvalidInputException(source, $"layout {Layout} has fewer than 68 points");
        int want = Head(layout).OutputCount;
        if (Network.NumOutputs != want) throw new InvalidInputException(source, $"num_outputs {Network.NumOutputs} does not match layout {Layout} ({want} = 4 x {layout.Count} + 204)");
        return layout;
    }

    /// <summary>Reads and validates a config file.</summary>
    public static LandmarkModelConfig Load(string path)
    {
        if (!File.Exists(path)) throw new InvalidInputException(path, "landmark model config not found");
        if (new FileInfo(path).Length > NetworkConfig.MaxFileBytes) throw new InvalidInputException(path, "landmark model config larger than 1 MiB");
        LandmarkModelConfig? cfg;
        try { cfg = JsonSerializer.Deserialize<LandmarkModelConfig>(File.ReadAllText(path)); }
        catch (JsonException e) { throw new InvalidInputException(path, $"invalid JSON: {e.Message}", e); }
        if (cfg is null) throw new InvalidInputException(path, "empty landmark model config");
        cfg.Validate(path);
        return cfg;
    }

    /// <summary>Writes the config as indented JSON (atomically).</summary>
    public void Save(string path) => IO.AtomicFile.WriteAllText(path, JsonSerializer.Serialize(this, Options));

    /// <summary>A config for <paramref name="layout"/> with a MobileNetV2 backbone of the given input size.</summary>
    public static LandmarkModelConfig For(string layout, int inputSize = 128, float roiScale = 1.6f, double widthMultiplier = 1.0)
    {
        var l = LandmarkLayouts.Load(layout);
        return new LandmarkModelConfig
        {
            Layout = layout, RoiScale = roiScale,
            Network = new NetworkConfig { Architecture = Architectures.MobileNetV2Name, WidthMultiplier = widthMultiplier, NumOutputs = new LandmarkHead(l.Count).OutputCount, InputSize = inputSize },
        };
    }
}
