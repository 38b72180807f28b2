using System.Numerics;

namespace DenseFace.Rendering;

/// <summary>Shading and sampling options for <see cref="SimpleRenderer"/>. Colours are RGB in [0, 1] (written as value * 255, no gamma).</summary>
public sealed record RenderOptions
{
    /// <summary>Samples per pixel side (1 = none, 2 = 2x2, up to 4 = 4x4), box-filtered into each pixel. Default 2.</summary>
    public int Supersampling { get; init; } = 2;

    /// <summary>Skip triangles whose counter-clockwise side faces away from the camera. Default true; when false, back faces are lit two-sided.</summary>
    public bool CullBackFaces { get; init; } = true;

    /// <summary>Colour of pixels no triangle covers.</summary>
    public Vector3 Background { get; init; } = new(0.10f, 0.11f, 0.13f);

    /// <summary>Surface (diffuse) colour.</summary>
    public Vector3 Albedo { get; init; } = new(0.82f, 0.74f, 0.68f);

    /// <summary>Direction toward the (directional) light in camera space (OpenCV axes); default from the upper left, in front.</summary>
    public Vector3 LightDirection { get; init; } = new(-0.35f, -0.45f, -1f);

    /// <summary>Ambient term (fraction of albedo lit everywhere).</summary>
    public float Ambient { get; init; } = 0.18f;

    /// <summary>Lambert diffuse weight.</summary>
    public float Diffuse { get; init; } = 0.82f;

    /// <summary>Blinn-Phong specular weight (white highlight).</summary>
    public float Specular { get; init; } = 0.12f;

    /// <summary>Blinn-Phong exponent.</summary>
    public float Shininess { get; init; } = 24f;

    /// <summary>Worker threads for rasterisation (-1 = all cores). The image does not depend on it.</summary>
    public int MaxDegreeOfParallelism { get; init; } = -1;
}
