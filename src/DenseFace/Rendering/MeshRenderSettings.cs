using System.Numerics;
using DenseFace.Imaging;

namespace DenseFace.Rendering;

/// <summary>Scene-wide settings of <see cref="MeshRenderer"/>.</summary>
public sealed record MeshRenderSettings
{
    /// <summary>Samples per pixel side (1 = none, 2 = 2x2, up to 4 = 4x4), box-filtered into each pixel. Default 2.</summary>
    public int Supersampling { get; init; } = 2;

    /// <summary>Skip triangles whose counter-clockwise side faces away from the camera. Default true; when false, back faces are lit two-sided.</summary>
    public bool CullBackFaces { get; init; } = true;

    /// <summary>
    /// True (default): texture and background-image bytes are sRGB-encoded; shading happens in linear RGB and the
    /// output is sRGB-encoded. False: every byte is a linear value (written as value × 255).
    /// </summary>
    public bool Srgb { get; init; } = true;

    /// <summary>Colour (linear RGB in [0, 1]) where no opaque triangle is drawn, unless <see cref="BackgroundImage"/> is set.</summary>
    public Vector3 Background { get; init; }

    /// <summary>Optional RGB image of the camera's size shown where no opaque triangle is drawn.</summary>
    public Image8? BackgroundImage { get; init; }

    /// <summary>Ambient / environment light (diffuse only). Default: constant white radiance 1.</summary>
    public SphericalHarmonicsLighting Lighting { get; init; } = SphericalHarmonicsLighting.Constant(Vector3.One);

    /// <summary>Optional directional light adding Lambert diffuse and Blinn-Phong specular terms.</summary>
    public DirectionalLight? Light { get; init; }

    /// <summary>Worker threads (-1 = all cores). The output does not depend on it.</summary>
    public int MaxDegreeOfParallelism { get; init; } = -1;

    internal void Validate(int width, int height)
    {
        if (Supersampling is < 1 or > 4)
            throw new InvalidInputException(nameof(Supersampling), $"{Supersampling} samples per side (expected 1 to 4)");
        if (MaxDegreeOfParallelism == 0 || MaxDegreeOfParallelism < -1)
            throw new InvalidInputException(nameof(MaxDegreeOfParallelism), $"{MaxDegreeOfParallelism} (expected -1 or a positive count)");
        if (!float.IsFinite(Background.X) || !float.IsFinite(Background.Y) || !float.IsFinite(Background.Z))
            throw new InvalidInputException(nameof(Background), $"colour {Background} is not finite");
        if (BackgroundImage is { } bg && (bg.Width != width || bg.Height != height || bg.Channels != 3))
            throw new InvalidInputException(nameof(BackgroundImage), $"is {bg.Width}x{bg.Height}x{bg.Channels}, expected {width}x{height} RGB");
        ArgumentNullException.ThrowIfNull(Lighting);
        if (Light is { } l)
        {
            float len = l.Direction.Length();
            if (!float.IsFinite(len) || len < 1e-12f)
                throw new InvalidInputException(nameof(Light), $"direction {l.Direction} is zero or not finite");
            foreach (var c in new[] { l.Diffuse, l.Specular })
                if (!float.IsFinite(c.X) || !float.IsFinite(c.Y) || !float.IsFinite(c.Z))
                    throw new InvalidInputException(nameof(Light), $"colour {c} is not finite");
        }
    }
}
