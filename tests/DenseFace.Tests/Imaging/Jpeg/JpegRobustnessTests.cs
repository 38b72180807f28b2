using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Diagnostics;
using DenseFace.Imaging;
using DenseFace.Imaging.Jpeg;
using Xunit.Abstractions;
using static DenseFace.Tests.Imaging.Jpeg.JpegTestTools;

namespace DenseFace.Tests.Imaging.Jpeg;

/// <summary>Malformed input must give <see cref="InvalidInputException"/> (or a valid image), never another exception or a hang.</summary>
public class JpegRobustnessTests(ITestOutputHelper output)
{
    [Fact]
    public void MutatedJpegsDecodeOrThrowInvalidInput()
    {
        using var tmp = new TempDir();
        var seeds = SeedFiles(tmp);
        var rng = new Random(20261121);
        const int Mutations = 3000;
        int decoded = 0, rejected = 0;
        var sw = Stopwatch.StartNew();
        for (int i = 0; i < Mutations; i++)
        {
            var (name, original) = seeds[i % seeds.Count];
            var (kind, data) = Mutate(original, rng);
            try
            {
                var img = JpegDecoder.Decode(data, name);
                Assert.True(img.Width > 0 && img.Height > 0 && img.Pixels.Length == img.Width * img.Height * img.Channels);
                Assert.True(img.Channels is 1 or 3);
                decoded++;
            }
            catch (InvalidInputException e)
            {
                Assert.Equal(name, e.InputName);
                rejected++;
            }
            catch (Exception e)
            {
                Assert.Fail($"mutation {i} ({kind}) of {name} threw {e.GetType().Name}: {e.Message}\n{e.StackTrace}");
            }
        }
        output.WriteLine($"{Mutations} mutations: {decoded} decoded, {rejected} rejected, {sw.Elapsed.TotalSeconds:F1} s");
        Assert.True(decoded > 0 && rejected > 0, "mutations should produce both decodable and rejected files");
    }

    /// <summary>Small real files: UTKFace baseline 4:2:0 crops plus progressive, restart, 4:4:4 and grayscale re-encodings.</summary>
    private static List<(string Name, byte[] Data)> SeedFiles(TempDir tmp)
    {
        var files = Directory.GetFiles(TestData.Path("data", "utkface"), "*.jpg").Order(StringComparer.Ordinal).Take(3).ToList();
        var ppm = tmp.File("seed.ppm");
        RunTool("djpeg", "-pnm", "-outfile", ppm, files[0]);
        foreach (var (name, args) in new[]
        {
            ("progressive", new[] { "-progressive" }),
            ("progressive-444-restart", new[] { "-progressive", "-sample", "1x1", "-restart", "1" }),
            ("restart", new[] { "-restart", "2B", "-sample", "2x1" }),
            ("gray", new[] { "-grayscale", "-optimize" }),
        })
        {
            var jpg = tmp.File(name + ".jpg");
            RunTool("cjpeg", [.. args, "-quality", "75", "-outfile", jpg, ppm]);
            files.Add(jpg);
        }
        return files.Select(f => (Path.GetFileName(f), File.ReadAllBytes(f))).ToList();
    }

    private static (string Kind, byte[] Data) Mutate(byte[] src, Random rng)
    {
        var d = (byte[])src.Clone();
        switch (rng.Next(7))
        {
            case 0:
                for (int n = rng.Next(1, 5); n > 0; n--) d[rng.Next(d.Length)] ^= (byte)(1 << rng.Next(8));
                return ("bit flips", d);
            case 1:
                for (int n = rng.Next(1, 9); n > 0; n--) d[rng.Next(d.Length)] = (byte)rng.Next(256);
                return ("random bytes", d);
            case 2:
                return ("truncation", d[..rng.Next(d.Length)]);
            case 3:
            {
                int at = rng.Next(d.Length), len = rng.Next(1, 16);
                var ins = new byte[len];
                rng.NextBytes(ins);
                return ("insertion", [.. d[..at], .. ins, .. d[at..]]);
            }
            case 4:
            {
                int at = rng.Next(d.Length), len = Math.Min(rng.Next(1, 64), d.Length - at);
                return ("deletion", [.. d[..at], .. d[(at + len)..]]);
            }
            case 5:
            {
                // Corrupt the length (or first payload bytes) of a random marker segment before the scan data.
                var segs = HeaderSegments(d);
                var (pos, _) = segs[rng.Next(segs.Count)];
                int off = pos + 2 + rng.Next(Math.Min(8, d.Length - pos - 2));
                d[off] = (byte)rng.Next(256);
                return ("header field", d);
            }
            default:
            {
                // Rewrite the frame size / component fields of the SOF segment.
                var sof = HeaderSegments(d).FirstOrDefault(s => s.Marker is 0xC0 or 0xC1 or 0xC2);
                if (sof.Pos == 0) return ("no-op", d);
                int field = rng.Next(4);
                if (field < 2) BinaryPrimitives.WriteUInt16BigEndian(d.AsSpan(sof.Pos + 5 + 2 * field), (ushort)rng.Next(65536));
                else if (field == 2) d[sof.Pos + 9] = (byte)rng.Next(256);  // component count
                else d[sof.Pos + 11 + 3 * rng.Next(3)] = (byte)rng.Next(256); // sampling factors
                return ("SOF fields", d);
            }
        }
    }

    /// <summary>(position, marker) of the length-prefixed segments from SOI up to and including the first SOS.</summary>
    private static List<(int Pos, int Marker)> HeaderSegments(byte[] d)
    {
        var list = new List<(int, int)>();
        int pos = 2;
        while (pos + 4 <= d.Length && d[pos] == 0xFF)
        {
            int marker = d[pos + 1];
            list.Add((pos, marker));
            if (marker == 0xDA) break;
            pos += 2 + BinaryPrimitives.ReadUInt16BigEndian(d.AsSpan(pos + 2));
        }
        return list;
    }

    [Theory]
    [InlineData(new byte[0], "not a JPEG")]
    [InlineData(new byte[] { 0xFF, 0xD8 }, "not a JPEG")]
    [InlineData(new byte[] { 0xFF, 0xD8, 0xFF, 0xD9 }, "no frame header")]
    [InlineData(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A }, "not a JPEG")]
    [InlineData(new byte[] { 0xFF, 0xD8, 0xFF, 0xC0, 0x00, 0x0B, 0x08, 0x00, 0x00, 0x00, 0x10, 0x01, 0x01, 0x11, 0x00, 0xFF, 0xD9 }, "height 0")]
    [InlineData(new byte[] { 0xFF, 0xD8, 0xFF, 0xC0, 0x00, 0x0B, 0x08, 0xFF, 0xFF, 0xFF, 0xFF, 0x01, 0x01, 0x11, 0x00, 0xFF, 0xD9 }, "exceeds the limit")]
    [InlineData(new byte[] { 0xFF, 0xD8, 0xFF, 0xC0, 0x00, 0x0B, 0x08, 0x3E, 0x80, 0x3E, 0x80, 0x01, 0x01, 0x11, 0x00, 0xFF, 0xD9 }, "cannot be coded in 17 bytes")]
    [InlineData(new byte[] { 0xFF, 0xD8, 0xFF, 0xC0, 0x00, 0x0B, 0x08, 0x00, 0x10, 0x00, 0x10, 0x05, 0x01, 0x11, 0x00, 0xFF, 0xD9 }, "5 components")]
    [InlineData(new byte[] { 0xFF, 0xD8, 0xFF, 0xC0, 0x00, 0x0B, 0x0C, 0x00, 0x10, 0x00, 0x10, 0x01, 0x01, 0x11, 0x00, 0xFF, 0xD9 }, "12-bit")]
    [InlineData(new byte[] { 0xFF, 0xD8, 0xFF, 0xC0, 0x00, 0x0B, 0x08, 0x00, 0x10, 0x00, 0x10, 0x01, 0x01, 0x11, 0x07, 0xFF, 0xD9 }, "quantisation table 7")]
    [InlineData(new byte[] { 0xFF, 0xD8, 0xFF, 0xC0, 0x00, 0x0B, 0x08, 0x00, 0x10, 0x00, 0x10, 0x01, 0x01, 0x11, 0x00, 0xFF, 0xD9 }, "no image data")]
    [InlineData(new byte[] { 0xFF, 0xD8, 0xFF, 0xC0, 0x00, 0x0B, 0x08, 0x00, 0x10, 0x00, 0x10, 0x01, 0x01, 0x11, 0x00, 0xFF, 0xDA, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3F, 0x00, 0x00 }, "quantisation table 0 is not defined")]
    [InlineData(new byte[] { 0xFF, 0xD8, 0xFF, 0xC4, 0x00, 0x16, 0x00, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 0xFF, 0xD9 }, "over-subscribed")]
    [InlineData(new byte[] { 0xFF, 0xD8, 0xFF, 0xDB, 0x00, 0x43, 0x05 }, "runs past the end")]
    [InlineData(new byte[] { 0xFF, 0xD8, 0xFF, 0xC9, 0x00, 0x0B, 0x08, 0x00, 0x10, 0x00, 0x10, 0x01, 0x01, 0x11, 0x00, 0xFF, 0xD9 }, "arithmetic")]
    public void MalformedHeadersThrowInvalidInput(byte[] data, string expected)
    {
        var e = Assert.Throws<InvalidInputException>(() => JpegDecoder.Decode(data, "bad.jpg"));
        Assert.Equal("bad.jpg", e.InputName);
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void TruncatedScanDecodesWhatIsPresentAndFillsTheRest()
    {
        var path = SamplePhotos(1)[0];
        var bytes = File.ReadAllBytes(path);
        var full = JpegDecoder.Decode(bytes, path);
        var half = JpegDecoder.Decode(bytes.AsSpan(0, bytes.Length / 2), path);
        Assert.Equal((full.Width, full.Height), (half.Width, half.Height));
        // The top rows come from data that is present and must be identical.
        int rowBytes = full.Width * 3;
        Assert.True(full.Pixels.AsSpan(0, 16 * rowBytes).SequenceEqual(half.Pixels.AsSpan(0, 16 * rowBytes)));
        Assert.False(full.Pixels.AsSpan().SequenceEqual(half.Pixels));
    }

    /// <summary>Every JPEG in the shared data decodes to the size its SOF header states (Exif orientation not applied).</summary>
    [Fact]
    public void AllSharedJpegsDecode()
    {
        var root = TestData.Path("data");
        var files = Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories)
            .Where(f => f.EndsWith(".jpg", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".jpeg", StringComparison.OrdinalIgnoreCase))
            .ToArray();
        Assert.True(files.Length > 1000, $"expected the shared data set, found {files.Length} JPEGs under {root}");
        var failures = new ConcurrentBag<string>();
        var sw = Stopwatch.StartNew();
        Parallel.ForEach(files, f =>
        {
            try
            {
                var bytes = File.ReadAllBytes(f);
                var (w, h, n) = ReadSofHeader(bytes);
                var img = JpegDecoder.Decode(bytes, f, applyExifOrientation: false);
                if (img.Width != w || img.Height != h || img.Channels != (n == 1 ? 1 : 3))
                    failures.Add($"{f}: decoded {img.Width}x{img.Height}x{img.Channels}, header says {w}x{h}x{n}");
            }
            catch (Exception e) { failures.Add($"{f}: {e.GetType().Name}: {e.Message}"); }
        });
        output.WriteLine($"decoded {files.Length} JPEGs in {sw.Elapsed.TotalSeconds:F1} s");
        Assert.True(failures.IsEmpty, string.Join("\n", failures.Take(20)));
    }

    /// <summary>Width, height and component count from the first SOF marker (independent of the decoder).</summary>
    private static (int W, int H, int N) ReadSofHeader(byte[] d)
    {
        int pos = 2;
        while (pos + 9 < d.Length)
        {
            if (d[pos] != 0xFF) throw new InvalidDataException("marker expected");
            int m = d[pos + 1];
            if (m is >= 0xC0 and <= 0xCF && m is not (0xC4 or 0xC8 or 0xCC))
                return (BinaryPrimitives.ReadUInt16BigEndian(d.AsSpan(pos + 7)), BinaryPrimitives.ReadUInt16BigEndian(d.AsSpan(pos + 5)), d[pos + 9]);
            pos += 2 + BinaryPrimitives.ReadUInt16BigEndian(d.AsSpan(pos + 2));
        }
        throw new InvalidDataException("no SOF marker");
    }
}
