using System.Diagnostics;
using BenchmarkDotNet.Attributes;
using DenseFace.Imaging;
using DenseFace.Imaging.Jpeg;

namespace DenseFace.Bench;

/// <summary>
/// Decodes a 640x640 colour JPEG (baseline, 4:2:0, quality 90), the typical size of a face-crop input.
/// The file is made at setup time from a shared 300W photo: djpeg -> ffmpeg scale=640:640 (bicubic) -> cjpeg -quality 90.
/// Run: dotnet run -c Release --project bench/DenseFace.Bench -- --filter '*JpegDecode*' --job short
/// The decode benchmark's setup also prints a plain Stopwatch median over 200 single-threaded decodes
/// (look for "JPEG decode Stopwatch" in the output), a quick number independent of BenchmarkDotNet's statistics.
/// </summary>
[MemoryDiagnoser, MedianColumn, MinColumn]
public class JpegDecodeBenchmark
{
    private byte[] _jpeg = [];
    private Image8 _image = null!;

    [GlobalSetup(Target = nameof(Decode640x640Q90))]
    public void SetupDecode()
    {
        Setup();
        for (int i = 0; i < 50; i++) JpegDecoder.Decode(_jpeg, "bench-640.jpg"); // warm up (tiered JIT)
        var times = new double[200];
        for (int i = 0; i < times.Length; i++)
        {
            long t0 = Stopwatch.GetTimestamp();
            JpegDecoder.Decode(_jpeg, "bench-640.jpg");
            times[i] = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
        }
        Array.Sort(times);
        Console.WriteLine($"// JPEG decode Stopwatch: 640x640 q90 4:2:0 ({_jpeg.Length} bytes), median {times[100]:F3} ms, min {times[0]:F3} ms over 200 decodes");
    }

    [GlobalSetup(Target = nameof(Encode640x640Q90))]
    public void Setup()
    {
        _jpeg = MakeTestJpeg();
        _image = JpegDecoder.Decode(_jpeg, "bench-640.jpg");
        if (_image.Width != 640 || _image.Height != 640 || _image.Channels != 3)
            throw new InvalidOperationException($"unexpected benchmark image {_image.Width}x{_image.Height}x{_image.Channels}");
    }

    [Benchmark]
    public Image8 Decode640x640Q90() => JpegDecoder.Decode(_jpeg, "bench-640.jpg");

    [Benchmark]
    public byte[] Encode640x640Q90() => JpegEncoder.Encode(_image, 90);

    /// <summary>Builds the 640x640 q90 4:2:0 test JPEG from the first 300W/AFW photo with djpeg, ffmpeg and cjpeg.</summary>
    internal static byte[] MakeTestJpeg()
    {
        var src = Directory.GetFiles(DataRoot.Path("data", "300w", "afw"), "*.jpg").Order(StringComparer.Ordinal).First();
        var dir = Directory.CreateTempSubdirectory("denseface-bench-").FullName;
        try
        {
            string ppm = Path.Combine(dir, "src.ppm"), scaled = Path.Combine(dir, "scaled.ppm"), jpg = Path.Combine(dir, "bench.jpg");
            Run("djpeg", "-pnm", "-outfile", ppm, src);
            Run("ffmpeg", "-loglevel", "error", "-y", "-i", ppm, "-vf", "scale=640:640:flags=bicubic", scaled);
            Run("cjpeg", "-quality", "90", "-sample", "2x2", "-outfile", jpg, scaled);
            return File.ReadAllBytes(jpg);
        }
        finally { Directory.Delete(dir, true); }
    }

    private static void Run(string tool, params string[] args)
    {
        var psi = new ProcessStartInfo(tool) { UseShellExecute = false, RedirectStandardError = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"cannot start {tool}");
        var err = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"{tool} failed: {err}");
    }
}
