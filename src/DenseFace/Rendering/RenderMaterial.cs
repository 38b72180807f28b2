using System.Numerics;
using DenseFace.Imaging;

namespace DenseFace.Rendering;

/// <summary>
/// Surface appearance for <see cref="MeshRenderer"/>: albedo = <see cref="Color"/> × texture (bilinear in UV space),
/// opacity = <see cref="Opacity"/> × texture alpha. A material with opacity below 1 or an RGBA texture is drawn in
/// the blended pass (after every opaque triangle, back to front) and neither writes depth nor counts for the mask
/// and visibility.
/// </summary>
public sealed record RenderMaterial
{
    /// <summary>Optional RGB or RGBA texture; UV (u right, v up) maps u − <see cref="UvOrigin"/>.X ∈ [0, 1] to the texture width and v − UvOrigin.Y ∈ [0, 1] from the bottom row to the top (edge texels clamp).</summary>
    public Image8? Texture { get; init; }

    /// <summary>UV origin of the texture's tile (ICT-FaceKit uses UDIM-like tiles: tile k spans u ∈ [k, k + 1]).</summary>
    public Vector2 UvOrigin { get; init; }

    /// <summary>Albedo multiplier (linear RGB); the albedo itself when there is no texture.</summary>
    public Vector3 Color { get; init; } = Vector3.One;

    /// <summary>Opacity multiplier in [0, 1].</summary>
    public float Opacity { get; init; } = 1f;

    /// <summary>Blinn-Phong specular weight (multiplies the directional light's specular colour).</summary>
    public float Specular { get; init; }

    /// <summary>Blinn-Phong exponent.</summary>
    public float Shininess { get; init; } = 24f;

    /// <summary>Whether covered pixels count toward <see cref="RenderResult.Mask"/> (e.g. skin and eyes yes, hair no).</summary>
    public bool InMask { get; init; } = true;

    /// <summary>True when the material is drawn in the blended (transparent) pass.</summary>
    public bool IsBlended => Opacity < 1f || Texture?.Channels == 4;

    internal void Validate(int index)
    {
        string name = $"material {index}";
        if (!float.IsFinite(Color.X) || !float.IsFinite(Color.Y) || !float.IsFinite(Color.Z))
            throw new InvalidInputException(name, $"colour {Color} is not finite");
        if (!(Opacity >= 0 && Opacity <= 1)) throw new InvalidInputException(name, $"opacity {Opacity} is outside [0, 1]");
        if (!float.IsFinite(Specular) || Specular < 0 || !float.IsFinite(Shininess) || Shininess < 0)
            throw new InvalidInputException(name, $"specular {Specular} / shininess {Shininess} must be finite and non-negative");
        if (!float.IsFinite(UvOrigin.X) || !float.IsFinite(UvOrigin.Y)) throw new InvalidInputException(name, $"UV origin {UvOrigin} is not finite");
        if (Texture is { Channels: 1 }) throw new InvalidInputException(name, "texture must be RGB or RGBA");
    }
}

/// <summary>One directional light for the Lambert and Blinn-Phong terms; <see cref="Direction"/> points toward the light, in camera space (OpenCV axes).</summary>
public readonly record struct DirectionalLight(Vector3 Direction, Vector3 Diffuse, Vector3 Specular);
