using System.Numerics;

namespace DenseFace.Training.Synthesis;

/// <summary>
/// Seeded 3-D value noise (random values on the integer lattice, smoothstep-blended) and its fractal sum. Painting
/// with noise of the 3-D model-space position makes textures continuous across UV seams. Values lie in [−1, 1].
/// Deterministic: depends only on the seed and the point.
/// </summary>
internal readonly struct ValueNoise(int seed)
{
    readonly uint _seed = (uint)seed * 0x9E3779B1u + 0x7F4A7C15u;

    /// <summary>Noise at <paramref name="p"/> (lattice spacing 1), in [−1, 1].</summary>
    public float At(Vector3 p)
    {
        float fx = MathF.Floor(p.X), fy = MathF.Floor(p.Y), fz = MathF.Floor(p.Z);
        int x = (int)fx, y = (int)fy, z = (int)fz;
        float tx = Smooth(p.X - fx), ty = Smooth(p.Y - fy), tz = Smooth(p.Z - fz);
        float c00 = Lerp(Lattice(x, y, z), Lattice(x + 1, y, z), tx);
        float c10 = Lerp(Lattice(x, y + 1, z), Lattice(x + 1, y + 1, z), tx);
        float c01 = Lerp(Lattice(x, y, z + 1), Lattice(x + 1, y, z + 1), tx);
        float c11 = Lerp(Lattice(x, y + 1, z + 1), Lattice(x + 1, y + 1, z + 1), tx);
        return Lerp(Lerp(c00, c10, ty), Lerp(c01, c11, ty), tz);
    }

    /// <summary>Fractal sum of <paramref name="octaves"/> octaves (frequency ×2, amplitude ×0.5 each), normalised to [−1, 1].</summary>
    public float Fractal(Vector3 p, int octaves)
    {
        float sum = 0, amp = 1, norm = 0;
        for (int o = 0; o < octaves; o++)
        {
            sum += amp * At(p + new Vector3(17.3f * o));
            norm += amp;
            amp *= 0.5f;
            p *= 2.03f;
        }
        return sum / norm;
    }

    float Lattice(int x, int y, int z)
    {
        uint h = _seed ^ (uint)x * 0x8DA6B343u ^ (uint)y * 0xD8163841u ^ (uint)z * 0xCB1AB31Fu;
        h ^= h >> 15; h *= 0x2C1B3C6Du; h ^= h >> 12; h *= 0x297A2D39u; h ^= h >> 15;
        return (h >> 8) * (2f / (1 << 24)) - 1f;
    }

    static float Smooth(float t) => t * t * (3 - 2 * t);
    static float Lerp(float a, float b, float t) => a + (b - a) * t;
}
