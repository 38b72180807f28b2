namespace DenseFace.Training.Synthesis;

/// <summary>Head pose (degrees, <see cref="Geometry.RigidTransform"/> conventions) and expression weights that replace a sample's random ones.</summary>
public sealed record SceneOverride(float Yaw, float Pitch, float Roll, float[] Expression);

/// <summary>
/// An animated head with exact labels for measuring tracking: one scene of a <see cref="SyntheticFaceGenerator"/>
/// (person, identity, camera, light, background fixed) whose head turns smoothly (yaw ±<see cref="YawAmplitude"/>°,
/// pitch ±10°, roll ±6°, incommensurate periods) while the jaw opens and closes, the mouth smiles and the eyes blink.
/// Frame t of T covers phase t / T; same generator options, scene and T, same frames.
/// </summary>
public sealed class SyntheticSequence
{
    readonly SyntheticFaceGenerator _gen;
    readonly long _scene;
    readonly int[] _jaw, _smile, _blink;

    /// <summary>Number of frames.</summary>
    public int FrameCount { get; }
    /// <summary>Yaw amplitude, degrees.</summary>
    public float YawAmplitude { get; }

    /// <summary>Animates scene <paramref name="scene"/> of <paramref name="generator"/> over <paramref name="frames"/> frames.</summary>
    public SyntheticSequence(SyntheticFaceGenerator generator, long scene, int frames, float yawAmplitude = 30)
    {
        ArgumentNullException.ThrowIfNull(generator);
        if (frames < 3) throw new InvalidInputException("frames", $"{frames}; a sequence needs at least 3");
        if (!(yawAmplitude is >= 0 and <= 80)) throw new InvalidInputException("yaw amplitude", $"{yawAmplitude} is outside [0, 80] degrees");
        _gen = generator; _scene = scene; FrameCount = frames; YawAmplitude = yawAmplitude;
        int[] Find(params string[] names) => names.Select(n => generator.ExpressionNames.ToList().IndexOf(n)).Where(i => i >= 0).ToArray();
        _jaw = Find("jawOpen");
        _smile = Find("mouthSmile_L", "mouthSmile_R");
        _blink = Find("eyeBlink_L", "eyeBlink_R");
    }

    /// <summary>The pose and expression of frame <paramref name="t"/>.</summary>
    public SceneOverride Frame(int t)
    {
        double u = (double)t / FrameCount, tau = 2 * Math.PI;
        var psi = new float[_gen.ExpressionNames.Count];
        foreach (int j in _jaw) psi[j] = (float)(0.3 * (1 - Math.Cos(tau * 2 * u)));                 // 0 .. 0.6, two cycles
        foreach (int s in _smile) psi[s] = (float)(0.35 * (1 - Math.Cos(tau * 1.3 * u + 1)));        // 0 .. 0.7
        double blink = Math.Exp(-Math.Pow((u * 3 % 1 - 0.5) / 0.04, 2));                                // three short blinks
        foreach (int b in _blink) psi[b] = (float)blink;
        return new SceneOverride(
            (float)(YawAmplitude * Math.Sin(tau * u)),
            (float)(10 * Math.Sin(tau * 1.7 * u + 0.5)),
            (float)(6 * Math.Sin(tau * 0.8 * u + 1.2)), psi);
    }

    /// <summary>Renders frame <paramref name="t"/> (image and exact labels).</summary>
    public Sample Render(int t)
    {
        if (t < 0 || t >= FrameCount) throw new ArgumentOutOfRangeException(nameof(t), t, $"frames are 0..{FrameCount - 1}");
        return _gen.Generate(_scene, Frame(t));
    }
}
