using System.Diagnostics;
using DenseFace.Imaging;

namespace DenseFace.Tests.Imaging.Jpeg;

/// <summary>Helpers for the JPEG tests: run libjpeg's command-line tools, read PNM files, compare images.</summary>
internal static class JpegTestTools
{
    /// <summary>Runs a libjpeg tool (djpeg, cjpeg, jpegtran) and fails the test clearly if it is missing or fails.</summary>
    public static void RunTool(string tool, params string[] args)
    {
        var psi = new ProcessStartInfo(tool) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        Process p;
        try { p = Process.Start(psi)!; }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException($"'{tool}' is not installed (Debian package libjpeg-turbo-progs; scripts/install-deps.sh installs it)", e);
        }
        using (p)
        {
            var stderr = p.StandardError.ReadToEndAsync();
            p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            if (p.ExitCode != 0) throw new InvalidOperationException($"{tool} {string.Join(' ', args)} failed ({p.ExitCode}): {stderr.Result}");
        }
    }

    /// <summary>A fresh temporary directory, deleted by <see cref="IDisposable.Dispose"/>.</summary>
    public sealed class TempDir : IDisposable
    {
        public string Path { get; } = Directory.CreateTempSubdirectory("denseface-jpeg-").FullName;
        public string File(string name) => System.IO.Path.Combine(Path, name);
        public void Dispose() { try { Directory.Delete(Path, true); } catch (IOException) { } }
    }

    /// <summary>Decodes with djpeg (default settings: islow IDCT, fancy upsampling) and reads the PPM/PGM result.</summary>
    public static Image8 DecodeWithDjpeg(string jpegPath, TempDir tmp)
    {
        var outPath = tmp.File(System.IO.Path.GetFileNameWithoutExtension(jpegPath) + "-" + Guid.NewGuid().ToString("N") + ".pnm");
        RunTool("djpeg", "-pnm", "-outfile", outPath, jpegPath);
        return ReadPnm(File.ReadAllBytes(outPath));
    }

    /// <summary>Parses a binary PGM (P5) or PPM (P6) with maxval 255.</summary>
    public static Image8 ReadPnm(byte[] b)
    {
        int pos = 0;
        string Token()
        {
            while (true)
            {
                while (char.IsWhiteSpace((char)b[pos])) pos++;
                if (b[pos] != '#') break;
                while (b[pos] != '\n') pos++;
            }
            int start = pos;
            while (!char.IsWhiteSpace((char)b[pos])) pos++;
            return System.Text.Encoding.ASCII.GetString(b, start, pos - start);
        }
        string magic = Token();
        int channels = magic switch { "P5" => 1, "P6" => 3, _ => throw new InvalidDataException($"unexpected PNM type {magic}") };
        int w = int.Parse(Token()), h = int.Parse(Token()), max = int.Parse(Token());
        if (max != 255) throw new InvalidDataException($"PNM maxval {max}");
        pos++; // single whitespace after maxval
        return new Image8(w, h, channels, b.AsSpan(pos, w * h * channels).ToArray());
    }

    /// <summary>Writes a binary PPM/PGM (input for cjpeg).</summary>
    public static void WritePnm(Image8 img, string path)
    {
        var header = System.Text.Encoding.ASCII.GetBytes($"{(img.Channels == 1 ? "P5" : "P6")}\n{img.Width} {img.Height}\n255\n");
        using var f = File.Create(path);
        f.Write(header);
        f.Write(img.Pixels);
    }

    /// <summary>Mean and maximum absolute sample difference of two images of the same shape.</summary>
    public static (double Mean, int Max) Difference(Image8 a, Image8 b)
    {
        Assert.Equal((a.Width, a.Height, a.Channels), (b.Width, b.Height, b.Channels));
        long sum = 0; int max = 0;
        for (int i = 0; i < a.Pixels.Length; i++)
        {
            int d = Math.Abs(a.Pixels[i] - b.Pixels[i]);
            sum += d;
            if (d > max) max = d;
        }
        return ((double)sum / a.Pixels.Length, max);
    }

    /// <summary>Peak signal-to-noise ratio in dB over all samples.</summary>
    public static double Psnr(Image8 a, Image8 b)
    {
        Assert.Equal((a.Width, a.Height, a.Channels), (b.Width, b.Height, b.Channels));
        double se = 0;
        for (int i = 0; i < a.Pixels.Length; i++) { double d = a.Pixels[i] - b.Pixels[i]; se += d * d; }
        double mse = se / a.Pixels.Length;
        return mse == 0 ? double.PositiveInfinity : 10 * Math.Log10(255.0 * 255.0 / mse);
    }

    /// <summary>A few real photos from the shared data (300W/AFW, 4:2:0 baseline).</summary>
    public static string[] SamplePhotos(int count) =>
        Directory.GetFiles(TestData.Path("data", "300w", "afw"), "*.jpg").Order(StringComparer.Ordinal).Take(count).ToArray();
}
