using System.Buffers.Binary;
using DenseFace.Neural;

namespace DenseFace;

/// <summary>
/// A <see cref="Random"/> whose algorithm is this project's and documented, so a seed reproduces the same data on
/// every platform and .NET version (the algorithm behind <see cref="Random"/>(seed) is not promised to stay):
/// SplitMix64 (<see cref="RandomSource"/>) with every method of <see cref="Random"/> overridden. Integers below a bound
/// use rejection sampling (unbiased); doubles take the top 53 bits, singles the top 24. Code that takes a
/// <see cref="Random"/> (synthesis, benchmarks) runs unchanged on it.
/// </summary>
public sealed class SeededRandom : Random
{
    readonly RandomSource _source;

    /// <summary>A generator seeded with <paramref name="seed"/> (any value; negative seeds are distinct from positive ones).</summary>
    public SeededRandom(long seed) : base(0) => _source = new RandomSource(unchecked((ulong)seed));

    /// <summary>The next 64 random bits.</summary>
    public ulong NextUInt64() => _source.NextUInt64();

    /// <summary>Uniform in [0, <paramref name="bound"/>) for <paramref name="bound"/> ≥ 1 (0 when the bound is 0).</summary>
    ulong Below(ulong bound)
    {
        if (bound <= 1) return 0;
        ulong threshold = (0 - bound) % bound;   // 2^64 mod bound: reject the incomplete last block
        while (true)
        {
            ulong r = _source.NextUInt64();
            if (r >= threshold) return r % bound;
        }
    }

    /// <inheritdoc/>
    public override int Next() => (int)Below(int.MaxValue);

    /// <inheritdoc/>
    public override int Next(int maxValue)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxValue);
        return (int)Below((ulong)maxValue);
    }

    /// <inheritdoc/>
    public override int Next(int minValue, int maxValue)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(minValue, maxValue);
        return (int)(minValue + (long)Below((ulong)((long)maxValue - minValue)));
    }

    /// <inheritdoc/>
    public override long NextInt64() => (long)Below(long.MaxValue);

    /// <inheritdoc/>
    public override long NextInt64(long maxValue)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxValue);
        return (long)Below((ulong)maxValue);
    }

    /// <inheritdoc/>
    public override long NextInt64(long minValue, long maxValue)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(minValue, maxValue);
        return unchecked(minValue + (long)Below(unchecked((ulong)(maxValue - minValue))));
    }

    /// <inheritdoc/>
    public override double NextDouble() => _source.NextDouble();

    /// <inheritdoc/>
    public override float NextSingle() => (_source.NextUInt64() >> 40) * (1f / (1 << 24));

    /// <inheritdoc/>
    protected override double Sample() => _source.NextDouble();

    /// <inheritdoc/>
    public override void NextBytes(byte[] buffer)
    {
        ArgumentNullException.ThrowIfNull(buffer);
        NextBytes(buffer.AsSpan());
    }

    /// <inheritdoc/>
    public override void NextBytes(Span<byte> buffer)
    {
        Span<byte> word = stackalloc byte[8];
        for (int i = 0; i < buffer.Length; i += 8)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(word, _source.NextUInt64());
            word[..Math.Min(8, buffer.Length - i)].CopyTo(buffer[i..]);
        }
    }
}
