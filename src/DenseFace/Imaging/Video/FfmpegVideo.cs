using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace DenseFace.Imaging.Video;

/// <summary>A video stream's size, frame rate (frames per second) and frame count (0 when the container does not say).</summary>
public readonly record struct VideoInfo(int Width, int Height, double FramesPerSecond, int FrameCount);

/// <summary>
/// Reads the frames of a video file as RGB images through the <c>ffmpeg</c> program (Debian's ffmpeg, installed by
/// scripts/install-deps.sh): <c>ffmpeg -i FILE -f rawvideo -pix_fmt rgb24 -</c> on a pipe, one frame buffer reused
/// for every frame. Frame i is at time i / <see cref="VideoInfo.FramesPerSecond"/> seconds.
/// </summary>
public sealed class VideoReader : IDisposable
{
    readonly Process _ffmpeg;
    readonly Stream _out;
    readonly string _path;
    readonly Image8 _frame;
    int _index;

    /// <summary>The stream's properties (from ffprobe).</summary>
    public VideoInfo Info { get; }

    /// <summary>Opens <paramref name="path"/>.</summary>
    /// <exception cref="InvalidInputException">The file is missing, is not a video ffmpeg can decode, or ffmpeg/ffprobe is not installed.</exception>
    public VideoReader(string path)
    {
        _path = path;
        if (!File.Exists(path)) throw new InvalidInputException(path, "video file not found");
        Info = Probe(path);
        _frame = new Image8(Info.Width, Info.Height, 3);
        _ffmpeg = Ffmpeg.Start("ffmpeg", ["-v", "error", "-nostdin", "-i", path, "-map", "0:v:0", "-f", "rawvideo", "-pix_fmt", "rgb24", "-"], redirectInput: false);
        _out = _ffmpeg.StandardOutput.BaseStream;
    }

    /// <summary>
    /// Decodes the next frame into a buffer that the next call overwrites (copy it to keep it); false at the end.
    /// </summary>
    /// <exception cref="InvalidInputException">ffmpeg stopped with an error before the end of the stream.</exception>
    public bool TryRead(out Image8 frame, out int index)
    {
        frame = _frame; index = _index;
        var buffer = _frame.Pixels;
        int got = 0;
        while (got < buffer.Length)
        {
            int n = _out.Read(buffer, got, buffer.Length - got);
            if (n == 0) break;
            got += n;
        }
        if (got == buffer.Length) { _index++; return true; }
        _ffmpeg.WaitForExit();
        if (_ffmpeg.ExitCode != 0)
            throw new InvalidInputException(_path, $"ffmpeg failed after {_index} frames: {Ffmpeg.Tail(_ffmpeg.StandardError.ReadToEnd())}");
        return false;
    }

    /// <summary>Runs ffprobe on the first video stream.</summary>
    /// <exception cref="InvalidInputException">Not a video, or ffprobe is missing.</exception>
    public static VideoInfo Probe(string path)
    {
        var p = Ffmpeg.Start("ffprobe", ["-v", "error", "-select_streams", "v:0", "-show_entries", "stream=width,height,avg_frame_rate,r_frame_rate,nb_frames", "-of", "json", path], redirectInput: false);
        string json = p.StandardOutput.ReadToEnd();
        string err = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidInputException(path, $"not a readable video: {Ffmpeg.Tail(err)}");
        try
        {
            using var doc = JsonDocument.Parse(json);
            var streams = doc.RootElement.GetProperty("streams");
            if (streams.GetArrayLength() == 0) throw new InvalidInputException(path, "has no video stream");
            var s = streams[0];
            int w = s.GetProperty("width").GetInt32(), h = s.GetProperty("height").GetInt32();
            double fps = Rate(s, "avg_frame_rate") is double a and > 0 ? a : Rate(s, "r_frame_rate") ?? 0;
            int frames = 0;
            if (s.TryGetProperty("nb_frames", out var nb) && int.TryParse(nb.GetString(), NumberStyles.None, CultureInfo.InvariantCulture, out int count)) frames = count;
            if (w <= 0 || h <= 0 || (long)w * h > 8192L * 8192) throw new InvalidInputException(path, $"unsupported video size {w} x {h}");
            if (!(fps > 0 && fps < 1000)) throw new InvalidInputException(path, "has no usable frame rate");
            return new VideoInfo(w, h, fps, frames);
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new InvalidInputException(path, $"ffprobe gave no stream description ({e.Message})");
        }
    }

    static double? Rate(JsonElement s, string name)
    {
        if (!s.TryGetProperty(name, out var r) || r.GetString() is not string text) return null;
        var parts = text.Split('/');
        if (parts.Length == 2 && double.TryParse(parts[0], CultureInfo.InvariantCulture, out double num) && double.TryParse(parts[1], CultureInfo.InvariantCulture, out double den) && den > 0)
            return num / den;
        return null;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (!_ffmpeg.HasExited) { try { _ffmpeg.Kill(); } catch (InvalidOperationException) { } }
        _ffmpeg.WaitForExit();
        _ffmpeg.Dispose();
    }
}

/// <summary>
/// Encodes RGB frames into an H.264 MP4 (yuv420p, CRF 20) through <c>ffmpeg</c> on a pipe. The file is written under
/// a temporary name and moved into place by <see cref="Complete"/>, so an interrupted run leaves no partial video.
/// </summary>
public sealed class VideoWriter : IDisposable
{
    readonly Process _ffmpeg;
    readonly string _path, _temp;
    readonly int _width, _height;
    bool _done;

    /// <summary>Starts writing <paramref name="path"/>; width and height are rounded down to even numbers (H.264 4:2:0).</summary>
    /// <exception cref="InvalidInputException">ffmpeg is missing, or a bad size or frame rate.</exception>
    public VideoWriter(string path, int width, int height, double framesPerSecond)
    {
        if (width < 2 || height < 2) throw new InvalidInputException(path, $"video size {width} x {height} is too small");
        if (!(framesPerSecond > 0 && framesPerSecond < 1000)) throw new InvalidInputException(path, $"frame rate {framesPerSecond} is outside (0, 1000)");
        _path = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(_path)!);
        _temp = Path.Combine(Path.GetDirectoryName(_path)!, $".{Path.GetFileNameWithoutExtension(_path)}.{Environment.ProcessId}.tmp.mp4");
        _width = width; _height = height;
        _ffmpeg = Ffmpeg.Start("ffmpeg", ["-v", "error", "-y", "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", $"{width}x{height}",
            "-r", framesPerSecond.ToString("R", CultureInfo.InvariantCulture), "-i", "-", "-vf", "crop=trunc(iw/2)*2:trunc(ih/2)*2",
            "-c:v", "libx264", "-preset", "veryfast", "-crf", "20", "-pix_fmt", "yuv420p", _temp], redirectInput: true);
    }

    /// <summary>Appends a frame (RGB, the writer's size).</summary>
    public void Write(Image8 frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        if (frame.Width != _width || frame.Height != _height || frame.Channels != 3)
            throw new ArgumentException($"frame is {frame.Width} x {frame.Height} x {frame.Channels}; the video is {_width} x {_height} RGB", nameof(frame));
        _ffmpeg.StandardInput.BaseStream.Write(frame.Pixels, 0, _width * _height * 3);
    }

    /// <summary>Finishes the file and moves it into place.</summary>
    /// <exception cref="InvalidInputException">ffmpeg failed.</exception>
    public void Complete()
    {
        if (_done) return;
        _done = true;
        _ffmpeg.StandardInput.Close();
        string err = _ffmpeg.StandardError.ReadToEnd();
        _ffmpeg.WaitForExit();
        if (_ffmpeg.ExitCode != 0) { File.Delete(_temp); throw new InvalidInputException(_path, $"ffmpeg could not encode the video: {Ffmpeg.Tail(err)}"); }
        File.Move(_temp, _path, overwrite: true);
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (!_done)
        {
            try { _ffmpeg.StandardInput.Close(); } catch (IOException) { }
            if (!_ffmpeg.HasExited) { try { _ffmpeg.Kill(); } catch (InvalidOperationException) { } }
            _ffmpeg.WaitForExit();
            File.Delete(_temp);
        }
        _ffmpeg.Dispose();
    }
}

/// <summary>Starting the ffmpeg programs with a clear error when they are not installed.</summary>
static class Ffmpeg
{
    public static Process Start(string program, IEnumerable<string> args, bool redirectInput)
    {
        var psi = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = redirectInput, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        try { return Process.Start(psi) ?? throw new InvalidInputException(program, "could not be started"); }
        catch (Win32Exception) { throw new InvalidInputException(program, "is not installed (run scripts/install-deps.sh, which installs Debian's ffmpeg)"); }
    }

    public static string Tail(string stderr)
    {
        var t = stderr.Trim();
        return t.Length == 0 ? "no message" : t.Length > 300 ? "..." + t[^300..] : t;
    }
}
