using System.Numerics;
using DenseFace.FaceModel;
using DenseFace.Rendering;

namespace DenseFace.Training.Synthesis;

/// <summary>Random draws of shape, expression, pose and lighting for one synthetic scene.</summary>
internal static class SceneRandomizer
{
    /// <summary>Standard normal truncated to ±<paramref name="limit"/> (rejection sampling; plain zero when the limit is 0).</summary>
    public static float TruncatedNormal(Random rng, float limit) => (float)rng.NextTruncatedGaussian(limit);

    /// <summary>Expression groups: each entry lists (name, relative weight) moved together; gaze directions are consistent for both eyes.</summary>
    static readonly (string Name, (string Shape, float Scale)[] Shapes)[] Groups =
    [
        ("blink", [("eyeBlink_L", 1), ("eyeBlink_R", 1)]),
        ("winkL", [("eyeBlink_L", 1)]),
        ("winkR", [("eyeBlink_R", 1)]),
        ("jaw", [("jawOpen", 1)]),
        ("smile", [("mouthSmile_L", 1), ("mouthSmile_R", 1), ("cheekSquint_L", 0.4f), ("cheekSquint_R", 0.4f)]),
        ("smileOpen", [("mouthSmile_L", 1), ("mouthSmile_R", 1), ("jawOpen", 0.35f)]),
        ("lookLeft", [("eyeLookOut_L", 1), ("eyeLookIn_R", 1)]),
        ("lookRight", [("eyeLookOut_R", 1), ("eyeLookIn_L", 1)]),
        ("lookUp", [("eyeLookUp_L", 1), ("eyeLookUp_R", 1)]),
        ("lookDown", [("eyeLookDown_L", 1), ("eyeLookDown_R", 1)]),
        ("browsUp", [("browInnerUp_L", 1), ("browInnerUp_R", 1), ("browOuterUp_L", 0.8f), ("browOuterUp_R", 0.8f)]),
        ("frown", [("browDown_L", 1), ("browDown_R", 1), ("mouthFrown_L", 0.6f), ("mouthFrown_R", 0.6f)]),
        ("pucker", [("mouthPucker", 1)]),
        ("funnel", [("mouthFunnel", 1), ("jawOpen", 0.2f)]),
        ("squint", [("eyeSquint_L", 1), ("eyeSquint_R", 1)]),
        ("wide", [("eyeWide_L", 1), ("eyeWide_R", 1)]),
        ("sneer", [("noseSneer_L", 1), ("noseSneer_R", 1), ("mouthUpperUp_L", 0.5f), ("mouthUpperUp_R", 0.5f)]),
        ("mouthLeft", [("mouthLeft", 1)]),
        ("mouthRight", [("mouthRight", 1)]),
        ("jawSide", [("jawLeft", 1)]),
        ("jawSideR", [("jawRight", 1)]),
        ("press", [("mouthPress_L", 1), ("mouthPress_R", 1), ("mouthRollLower", 0.4f)]),
        ("stretch", [("mouthStretch_L", 1), ("mouthStretch_R", 1), ("mouthLowerDown_L", 0.5f), ("mouthLowerDown_R", 0.5f)]),
        ("puff", [("cheekPuff_L", 1), ("cheekPuff_R", 1)]),
        ("dimple", [("mouthDimple_L", 1), ("mouthDimple_R", 1)]),
        ("shrug", [("mouthShrugLower", 1), ("mouthShrugUpper", 0.6f)]),
    ];

    /// <summary>Resolves the group shape names to model expression indices (once per generator).</summary>
    public static (int Index, float Scale)[][] ResolveGroups(MorphableModel model) =>
        Groups.Select(g => g.Shapes.Select(s => (model.IndexOfExpression(s.Shape), s.Scale)).ToArray()).ToArray();

    /// <summary>Sparse ψ: 0..<paramref name="maxActive"/> random groups at random strength, summed and clamped to [0, 1].</summary>
    public static void Expressions(Random rng, (int Index, float Scale)[][] groups, int maxActive, Span<float> psi)
    {
        psi.Clear();
        int active = maxActive == 0 ? 0 : rng.Next(maxActive + 1);
        for (int a = 0; a < active; a++)
        {
            var g = groups[rng.Next(groups.Length)];
            float w = 0.25f + 0.75f * rng.NextSingle();
            foreach (var (i, s) in g) psi[i] = Math.Clamp(psi[i] + w * s, 0, 1);
        }
    }

    /// <summary>An angle in [−max, max]: half the time uniform, half the time N(0, max/3) clipped, so near-frontal views are common but extremes are covered.</summary>
    public static float Angle(Random rng, float max)
    {
        if (max <= 0) return 0;
        float a = rng.NextSingle() < 0.5f ? (2 * rng.NextSingle() - 1) * max : TruncatedNormal(rng, 3) * max / 3;
        return Math.Clamp(a, -max, max);
    }

    /// <summary>
    /// Lighting in camera space: an SH environment (tinted ambient + a soft key lobe + random low-order variation)
    /// and a directional key light with specular, from a random direction in front of the face.
    /// </summary>
    public static (SphericalHarmonicsLighting Sh, DirectionalLight Key) Lighting(Random rng)
    {
        var tint = Vector3.Lerp(new Vector3(1.0f, 0.85f, 0.7f), new Vector3(0.8f, 0.9f, 1.05f), rng.NextSingle());
        float exposure = 0.9f + 0.6f * rng.NextSingle();
        float ambient = 0.25f + 0.45f * rng.NextSingle();
        // Key direction: toward the light, in front of the face (camera looks along +z, so -z is toward the camera).
        var dir = Vector3.Normalize(new Vector3(2 * rng.NextSingle() - 1, -0.2f - 0.9f * rng.NextSingle() + 0.4f, -(0.25f + rng.NextSingle())));
        float key = (1 - ambient) * (0.6f + 0.6f * rng.NextSingle());
        var c = new Vector3[SphericalHarmonicsLighting.CoefficientCount];
        Span<float> y = stackalloc float[SphericalHarmonicsLighting.CoefficientCount];
        SphericalHarmonicsLighting.Basis(Vector3.Zero, y);
        c[0] = tint * exposure * ambient / y[0];
        // A soft area light: the clamped-cosine lobe toward the key direction, projected onto the basis (strength 0.5 of the key).
        SphericalHarmonicsLighting.Basis(dir, y);
        float[] lobe = [MathF.PI, 2 * MathF.PI / 3, 2 * MathF.PI / 3, 2 * MathF.PI / 3, MathF.PI / 4, MathF.PI / 4, MathF.PI / 4, MathF.PI / 4, MathF.PI / 4];
        for (int i = 0; i < c.Length; i++) c[i] += tint * exposure * 0.35f * key * y[i] * lobe[i] / MathF.PI;
        for (int i = 1; i < c.Length; i++) c[i] += new Vector3(0.04f) * (2 * rng.NextSingle() - 1) * exposure;
        var keyColor = Vector3.Lerp(Vector3.One, tint, 0.5f) * exposure * key;
        return (new SphericalHarmonicsLighting(c), new DirectionalLight(dir, keyColor, keyColor * (0.5f + rng.NextSingle())));
    }
}
