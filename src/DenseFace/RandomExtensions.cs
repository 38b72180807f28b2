namespace DenseFace;

/// <summary>Normal deviates from <see cref="Random"/> (deterministic for a seeded generator).</summary>
internal static class RandomExtensions
{
    /// <summary>A standard normal sample (Box–Muller; consumes two uniforms).</summary>
    public static double NextGaussian(this Random rng)
    {
        double u1 = 1.0 - rng.NextDouble(), u2 = rng.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }

    /// <summary>A standard normal sample truncated to ±<paramref name="limit"/> by rejection (0 when the limit is not positive).</summary>
    public static double NextTruncatedGaussian(this Random rng, double limit)
    {
        if (limit <= 0) return 0;
        while (true)
        {
            double g = rng.NextGaussian();
            if (Math.Abs(g) <= limit) return g;
        }
    }
}
