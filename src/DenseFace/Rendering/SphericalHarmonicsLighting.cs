using System.Numerics;

namespace DenseFace.Rendering;

/// <summary>
/// Distant lighting as an order-2 real spherical-harmonics expansion of the incoming radiance, 9 RGB coefficients
/// L_lm (Ramamoorthi and Hanrahan, "An Efficient Representation for Irradiance Environment Maps", SIGGRAPH 2001).
/// Directions are unit vectors in camera space (OpenCV axes: x right, y down, z forward), so "light from above"
/// has −y. Coefficient order: (l, m) = (0,0), (1,−1), (1,0), (1,1), (2,−2), (2,−1), (2,0), (2,1), (2,2) with the
/// basis Y00 = 0.282095, Y1−1 = 0.488603 y, Y10 = 0.488603 z, Y11 = 0.488603 x, Y2−2 = 1.092548 xy,
/// Y2−1 = 1.092548 yz, Y20 = 0.315392 (3z² − 1), Y21 = 1.092548 xz, Y22 = 0.546274 (x² − y²).
/// <para>
/// <see cref="Irradiance"/> returns E(n)/π where E(n) = Σ Â_l L_lm Y_lm(n), Â0 = π, Â1 = 2π/3, Â2 = π/4 (the
/// clamped-cosine convolution), so a Lambertian surface of albedo ρ reflects radiance ρ·E(n)/π and a constant
/// radiance c everywhere gives <see cref="Irradiance"/> = c.
/// </para>
/// </summary>
public sealed class SphericalHarmonicsLighting
{
    /// <summary>Number of coefficients per colour channel.</summary>
    public const int CoefficientCount = 9;

    const float Y0 = 0.282095f, Y1 = 0.488603f, Y2 = 1.092548f, Y20 = 0.315392f, Y22 = 0.546274f;
    static readonly float[] BandWeight = [1f, 2f / 3, 2f / 3, 2f / 3, 0.25f, 0.25f, 0.25f, 0.25f, 0.25f];

    readonly Vector3[] _radiance;
    readonly Vector3[] _scaled; // BandWeight * L

    /// <summary>Creates the lighting from 9 RGB radiance coefficients L_lm (linear RGB, any non-negative scale).</summary>
    /// <exception cref="InvalidInputException">Not exactly 9 coefficients, or a non-finite value.</exception>
    public SphericalHarmonicsLighting(ReadOnlySpan<Vector3> radianceCoefficients)
    {
        if (radianceCoefficients.Length != CoefficientCount)
            throw new InvalidInputException("lighting", $"{radianceCoefficients.Length} spherical-harmonics coefficients (expected {CoefficientCount})");
        foreach (var c in radianceCoefficients)
            if (!float.IsFinite(c.X) || !float.IsFinite(c.Y) || !float.IsFinite(c.Z))
                throw new InvalidInputException("lighting", $"coefficient {c} is not finite");
        _radiance = radianceCoefficients.ToArray();
        _scaled = new Vector3[CoefficientCount];
        for (int i = 0; i < CoefficientCount; i++) _scaled[i] = BandWeight[i] * _radiance[i];
    }

    /// <summary>The radiance coefficients L_lm in the documented order.</summary>
    public ReadOnlySpan<Vector3> Coefficients => _radiance;

    /// <summary>Uniform radiance <paramref name="color"/> from every direction (<see cref="Irradiance"/> = colour for every normal).</summary>
    public static SphericalHarmonicsLighting Constant(Vector3 color)
    {
        Span<Vector3> c = stackalloc Vector3[CoefficientCount];
        c[0] = color / Y0;
        return new SphericalHarmonicsLighting(c);
    }

    /// <summary>Writes the 9 basis values Y_lm(<paramref name="n"/>) (n a unit vector) in coefficient order.</summary>
    public static void Basis(Vector3 n, Span<float> y)
    {
        y[0] = Y0;
        y[1] = Y1 * n.Y; y[2] = Y1 * n.Z; y[3] = Y1 * n.X;
        y[4] = Y2 * n.X * n.Y; y[5] = Y2 * n.Y * n.Z; y[6] = Y20 * (3 * n.Z * n.Z - 1);
        y[7] = Y2 * n.X * n.Z; y[8] = Y22 * (n.X * n.X - n.Y * n.Y);
    }

    /// <summary>
    /// The basis-scaled convolved coefficients k_i = Â_l/π · L_lm · (basis constant): Irradiance(n) = k0 + k1 y + k2 z +
    /// k3 x + k4 xy + k5 yz + k6 (3z² − 1) + k7 xz + k8 (x² − y²).
    /// </summary>
    internal void ScaledCoefficients(Span<Vector3> k)
    {
        var c = _scaled;
        k[0] = c[0] * Y0; k[1] = c[1] * Y1; k[2] = c[2] * Y1; k[3] = c[3] * Y1;
        k[4] = c[4] * Y2; k[5] = c[5] * Y2; k[6] = c[6] * Y20; k[7] = c[7] * Y2; k[8] = c[8] * Y22;
    }

    /// <summary>Cosine-weighted irradiance over π at unit normal <paramref name="n"/> (camera space), linear RGB.</summary>
    public Vector3 Irradiance(Vector3 n)
    {
        var c = _scaled;
        float x = n.X, y = n.Y, z = n.Z;
        return c[0] * Y0
             + c[1] * (Y1 * y) + c[2] * (Y1 * z) + c[3] * (Y1 * x)
             + c[4] * (Y2 * x * y) + c[5] * (Y2 * y * z) + c[6] * (Y20 * (3 * z * z - 1))
             + c[7] * (Y2 * x * z) + c[8] * (Y22 * (x * x - y * y));
    }
}
