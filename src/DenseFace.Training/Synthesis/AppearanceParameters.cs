using System.Numerics;

namespace DenseFace.Training.Synthesis;

/// <summary>
/// The random choices behind one synthetic person's look. Colours are linear RGB in [0, 1].
/// <para>
/// Skin follows a two-pigment absorption model: reflectance = base · exp(−melanin · σ_m) · exp(−haemoglobin · σ_h)
/// with σ_m = (2.5, 3.0, 3.3) and σ_h = (0.05, 0.35, 0.25), which spans sRGB ≈ (241, 210, 189) at melanin 0 to
/// ≈ (75, 47, 35) at melanin 1 (the range of the Fitzpatrick scale). Melanin is drawn as u^1.3 (u uniform), which
/// spreads the tones about evenly in perceived lightness.
/// </para>
/// </summary>
public sealed record AppearanceParameters
{
    /// <summary>Melanin concentration in [0, 1] (0 = very light, 1 = very dark skin).</summary>
    public required float Melanin { get; init; }
    /// <summary>Haemoglobin (blood) concentration in [0, 1]: more is pinker.</summary>
    public required float Haemoglobin { get; init; }
    /// <summary>Extra redness of cheeks and nose in [0, 1].</summary>
    public required float Redness { get; init; }
    /// <summary>Eyebrow density in [0, 1].</summary>
    public required float BrowDensity { get; init; }
    /// <summary>Stubble / beard density in [0, 1] (0 for most samples).</summary>
    public required float BeardDensity { get; init; }
    /// <summary>Height of the front hairline in model y (cm); above the head top (≥ 14.5) means bald.</summary>
    public required float HairlineY { get; init; }
    /// <summary>Hair, brow and lash colour.</summary>
    public required Vector3 HairColor { get; init; }
    /// <summary>Iris colour.</summary>
    public required Vector3 IrisColor { get; init; }
    /// <summary>Pupil radius as a fraction of the iris radius.</summary>
    public required float PupilFraction { get; init; }
    /// <summary>Teeth colour.</summary>
    public required Vector3 TeethColor { get; init; }
    /// <summary>Seed of the texture noise.</summary>
    public required int NoiseSeed { get; init; }

    static readonly Vector3 SkinBase = new(0.893f, 0.725f, 0.551f);
    static readonly Vector3 MelaninSigma = new(2.5f, 3.0f, 3.3f);
    static readonly Vector3 HaemoglobinSigma = new(0.05f, 0.35f, 0.25f);

    /// <summary>Base skin reflectance from <see cref="Melanin"/> and <see cref="Haemoglobin"/>.</summary>
    public Vector3 SkinColor => SkinBase * Exp(-Melanin * MelaninSigma) * Exp(-Haemoglobin * HaemoglobinSigma);

    static Vector3 Exp(Vector3 v) => new(MathF.Exp(v.X), MathF.Exp(v.Y), MathF.Exp(v.Z));

    static readonly (Vector3 Color, float LightSkinWeight, float DarkSkinWeight)[] HairPalette =
    [
        (new(0.012f, 0.010f, 0.009f), 2f, 6f),     // black
        (new(0.035f, 0.020f, 0.012f), 3f, 3f),     // dark brown
        (new(0.10f, 0.055f, 0.028f), 3f, 0.5f),    // brown
        (new(0.32f, 0.22f, 0.11f), 1.5f, 0.1f),    // blond
        (new(0.30f, 0.085f, 0.03f), 0.7f, 0.05f),  // red
        (new(0.30f, 0.29f, 0.28f), 0.8f, 0.4f),    // grey
        (new(0.60f, 0.58f, 0.55f), 0.3f, 0.2f),    // white
    ];

    static readonly (Vector3 Color, float LightSkinWeight, float DarkSkinWeight)[] IrisPalette =
    [
        (new(0.10f, 0.20f, 0.36f), 2f, 0.05f),     // blue
        (new(0.16f, 0.22f, 0.30f), 1f, 0.05f),     // grey-blue
        (new(0.10f, 0.17f, 0.07f), 1f, 0.1f),      // green
        (new(0.20f, 0.12f, 0.04f), 1.5f, 0.6f),    // hazel
        (new(0.09f, 0.04f, 0.015f), 2.5f, 4f),     // brown
        (new(0.03f, 0.015f, 0.007f), 1f, 4f),      // dark brown
    ];

    /// <summary>Draws every parameter from <paramref name="seed"/> (same seed, same parameters).</summary>
    public static AppearanceParameters Sample(int seed)
    {
        var rng = new SeededRandom(seed);
        float melanin = MathF.Pow(rng.NextSingle(), 1.3f);
        return new AppearanceParameters
        {
            Melanin = melanin,
            Haemoglobin = 0.3f + 0.7f * rng.NextSingle(),
            Redness = rng.NextSingle() * (1 - 0.7f * melanin),
            BrowDensity = 0.45f + 0.55f * rng.NextSingle(),
            BeardDensity = rng.NextSingle() < 0.3f ? 0.3f + 0.7f * rng.NextSingle() : 0f,
            HairlineY = rng.NextSingle() < 0.08f ? 20f : 9.4f + 1.6f * rng.NextSingle(),
            HairColor = Pick(HairPalette, melanin, rng) * (0.8f + 0.4f * rng.NextSingle()),
            IrisColor = Pick(IrisPalette, melanin, rng) * (0.8f + 0.4f * rng.NextSingle()),
            PupilFraction = 0.3f + 0.18f * rng.NextSingle(),
            TeethColor = new Vector3(0.72f, 0.66f, 0.55f) * (0.8f + 0.3f * rng.NextSingle()),
            NoiseSeed = rng.Next(),
        };
    }

    static Vector3 Pick((Vector3 Color, float Light, float Dark)[] palette, float melanin, Random rng)
    {
        float total = 0;
        foreach (var e in palette) total += e.Light + (e.Dark - e.Light) * melanin;
        float r = rng.NextSingle() * total;
        foreach (var e in palette)
        {
            r -= e.Light + (e.Dark - e.Light) * melanin;
            if (r <= 0) return e.Color;
        }
        return palette[^1].Color;
    }
}
