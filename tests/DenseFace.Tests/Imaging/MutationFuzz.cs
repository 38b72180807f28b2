using DenseFace.Imaging;

namespace DenseFace.Tests.Imaging;

/// <summary>
/// Reusable mutation fuzzer for image decoders. Each iteration takes a seed file, applies 1-4 random mutations
/// (bit flips, bytes set to 0x00/0xFF/random, "interesting" 16/32-bit values, truncation, chunk or segment length
/// corruption for PNG and JPEG structure, insertion, deletion, duplication of a region) and decodes the result on a
/// worker with a timeout. A decode must either return a valid <see cref="Image8"/> (size within the caps, pixel
/// buffer consistent with the size) or throw <see cref="InvalidInputException"/>; any other exception, or a decode
/// that does not finish within the timeout, fails the test with the seed, iteration and mutations that
/// reproduce it (same seed list, same <c>seed</c> argument -> same mutations).
/// </summary>
public static class MutationFuzz
{
    /// <summary>Default per-decode limit (generous: it catches hangs, not slowness).</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(20);

    /// <summary>How many mutated inputs decoded to an image and how many were rejected with InvalidInputException.</summary>
    public readonly record struct Summary(int Decoded, int Rejected);

    /// <summary>Runs <paramref name="iterations"/> mutated decodes, cycling through <paramref name="seeds"/>.</summary>
    /// <param name="seeds">Valid files (name for messages, bytes).</param>
    /// <param name="decode">The decoder under test: (data, sourceName) -> image.</param>
    /// <param name="iterations">Number of mutated inputs to try.</param>
    /// <param name="seed">Random seed; the same seed gives the same mutations.</param>
    /// <param name="timeout">Per-decode limit; <see cref="DefaultTimeout"/> when null.</param>
    public static Summary Run(IReadOnlyList<(string name, byte[] data)> seeds, Func<byte[], string, Image8> decode, int iterations, int seed,
        TimeSpan? timeout = null)
    {
        var limit = timeout ?? DefaultTimeout;
        ArgumentOutOfRangeException.ThrowIfZero(seeds.Count);
        var rng = new Random(seed);
        int decoded = 0, rejected = 0;
        for (int it = 0; it < iterations; it++)
        {
            var (name, original) = seeds[it % seeds.Count];
            var steps = new List<string>();
            byte[] data = original;
            int count = 1 + rng.Next(4);
            for (int m = 0; m < count; m++) data = Mutate(data, rng, steps);
            string what = $"seed file '{name}', iteration {it}, fuzz seed {seed}, mutations: {string.Join("; ", steps)}";

            // A dedicated thread, not the thread pool: under a loaded, parallel test run a pool task may not even
            // start within the limit, which would be reported as a hang.
            Image8? img = null;
            Exception? error = null;
            var thread = new Thread(() =>
            {
                try { img = decode(data, $"fuzz:{name}#{it}"); }
                catch (Exception e) { error = e; }
            }) { IsBackground = true };
            thread.Start();
            if (!thread.Join(limit)) Assert.Fail($"decode did not finish within {limit.TotalSeconds} s; {what}");
            if (error is InvalidInputException) { rejected++; continue; }
            if (error is not null)
            {
                Assert.Fail($"decoder threw {error.GetType().Name} ({error.Message}) instead of InvalidInputException; {what}\n{error.StackTrace}");
                return default;
            }
            if (img is null) Assert.Fail($"decoder returned null; {what}");
            try { Image8.Validate(img!.Width, img.Height, img.Channels, "fuzz result"); }
            catch (InvalidInputException e) { Assert.Fail($"decoder returned an invalid image ({e.Problem}); {what}"); }
            Assert.True(img!.Pixels.LongLength == (long)img.Width * img.Height * img.Channels,
                $"pixel buffer has {img.Pixels.LongLength} bytes for {img.Width}x{img.Height}x{img.Channels}; {what}");
            decoded++;
        }
        return new Summary(decoded, rejected);
    }

    private static readonly uint[] Interesting32 = [0, 1, 0x7F, 0x80, 0xFF, 0x100, 0x7FFF, 0x8000, 0xFFFF, 0x10000, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF];

    private static byte[] Mutate(byte[] d, Random rng, List<string> steps)
    {
        if (d.Length == 0)
        {
            steps.Add("insert 1 random byte into empty input");
            return [(byte)rng.Next(256)];
        }
        switch (rng.Next(10))
        {
            case 0:
            {
                var r = (byte[])d.Clone();
                int n = 1 + rng.Next(8);
                for (int i = 0; i < n; i++) { int p = rng.Next(r.Length), b = rng.Next(8); r[p] ^= (byte)(1 << b); }
                steps.Add($"{n} bit flips");
                return r;
            }
            case 1:
            {
                var r = (byte[])d.Clone();
                int p = rng.Next(r.Length);
                byte v = rng.Next(3) switch { 0 => 0x00, 1 => 0xFF, _ => (byte)rng.Next(256) };
                r[p] = v;
                steps.Add($"byte {p} = 0x{v:X2}");
                return r;
            }
            case 2:
            {
                var r = (byte[])d.Clone();
                uint v = Interesting32[rng.Next(Interesting32.Length)];
                int width = rng.Next(2) == 0 ? 2 : 4;
                if (r.Length < width) return r;
                int p = rng.Next(r.Length - width + 1);
                for (int i = 0; i < width; i++) r[p + i] = (byte)(v >> (8 * (width - 1 - i)));
                steps.Add($"{8 * width}-bit big-endian 0x{v:X} at {p}");
                return r;
            }
            case 3:
            {
                int n = rng.Next(d.Length);
                steps.Add($"truncate to {n} bytes");
                return d[..n];
            }
            case 4:
                return CorruptLength(d, rng, steps);
            case 5:
            {
                int p = rng.Next(d.Length + 1), n = 1 + rng.Next(16);
                var ins = new byte[n];
                rng.NextBytes(ins);
                steps.Add($"insert {n} random bytes at {p}");
                return [.. d.AsSpan(0, p), .. ins, .. d.AsSpan(p)];
            }
            case 6:
            {
                int p = rng.Next(d.Length), n = Math.Min(d.Length - p, 1 + rng.Next(rng.Next(2) == 0 ? 16 : 512));
                steps.Add($"delete {n} bytes at {p}");
                return [.. d.AsSpan(0, p), .. d.AsSpan(p + n)];
            }
            case 7:
            {
                int a = rng.Next(d.Length), n = Math.Min(d.Length - a, 1 + rng.Next(256)), b = rng.Next(d.Length + 1);
                steps.Add($"duplicate {n} bytes from {a} at {b}");
                return [.. d.AsSpan(0, b), .. d.AsSpan(a, n), .. d.AsSpan(b)];
            }
            case 8:
            {
                // Overwrite a region with a copy of another (keeps the length).
                var r = (byte[])d.Clone();
                int a = rng.Next(d.Length), b = rng.Next(d.Length), n = Math.Min(Math.Min(d.Length - a, d.Length - b), 1 + rng.Next(64));
                Array.Copy(d, a, r, b, n);
                steps.Add($"copy {n} bytes from {a} over {b}");
                return r;
            }
            default:
            {
                var r = (byte[])d.Clone();
                int p = rng.Next(r.Length), n = Math.Min(r.Length - p, 1 + rng.Next(32));
                byte v = rng.Next(2) == 0 ? (byte)0 : (byte)0xFF;
                r.AsSpan(p, n).Fill(v);
                steps.Add($"fill {n} bytes at {p} with 0x{v:X2}");
                return r;
            }
        }
    }

    /// <summary>Corrupts a PNG chunk length or a JPEG segment length (found by walking the structure); for other
    /// formats writes a random 32-bit length-like value at a random offset.</summary>
    private static byte[] CorruptLength(byte[] d, Random rng, List<string> steps)
    {
        var fields = new List<(int Offset, int Width, uint Value)>();
        if (d.Length > 8 && d[0] == 0x89 && d[1] == (byte)'P' && d[2] == (byte)'N' && d[3] == (byte)'G')
        {
            for (int p = 8; p + 12 <= d.Length;)
            {
                uint len = (uint)(d[p] << 24 | d[p + 1] << 16 | d[p + 2] << 8 | d[p + 3]);
                fields.Add((p, 4, len));
                if (len > d.Length) break;
                p += 12 + (int)len;
            }
        }
        else if (d.Length > 4 && d[0] == 0xFF && d[1] == 0xD8)
        {
            for (int p = 2; p + 4 <= d.Length;)
            {
                if (d[p] != 0xFF) break;
                byte marker = d[p + 1];
                if (marker is 0xD8 or 0x01 || marker is >= 0xD0 and <= 0xD7) { p += 2; continue; }
                if (marker == 0xD9) break;
                uint len = (uint)(d[p + 2] << 8 | d[p + 3]);
                fields.Add((p + 2, 2, len));
                if (marker == 0xDA) break; // entropy-coded data follows
                p += 2 + (int)len;
            }
        }
        var r = (byte[])d.Clone();
        if (fields.Count == 0)
        {
            if (r.Length < 4) return r;
            int at = rng.Next(r.Length - 3);
            uint v = Interesting32[rng.Next(Interesting32.Length)];
            for (int i = 0; i < 4; i++) r[at + i] = (byte)(v >> (24 - 8 * i));
            steps.Add($"length-like 0x{v:X} at {at}");
            return r;
        }
        var (off, width, old) = fields[rng.Next(fields.Count)];
        uint max = width == 4 ? uint.MaxValue : 0xFFFF;
        uint nv = rng.Next(6) switch
        {
            0 => 0u,
            1 => old + 1,
            2 => old - 1,
            3 => max,
            4 => width == 4 ? 0x7FFFFFFFu : 0x7FFFu,
            _ => (uint)rng.Next((int)Math.Min(int.MaxValue, (long)old * 2 + 16)),
        };
        nv &= max;
        for (int i = 0; i < width; i++) r[off + i] = (byte)(nv >> (8 * (width - 1 - i)));
        steps.Add($"length field at {off}: {old} -> {nv}");
        return r;
    }
}
