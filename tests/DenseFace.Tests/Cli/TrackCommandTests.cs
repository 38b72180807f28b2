using System.Text.Json;
using DenseFace.Cli.Commands;
using DenseFace.Evaluation.Metrics;
using DenseFace.Imaging.Video;

namespace DenseFace.Tests.Cli;

[Collection(nameof(ConsoleProgressCollection))]
public class TrackCommandTests
{
    static string Video => TestData.Path("data", "video", "obama.mp4");

    [Fact]
    public void TracksAVideoWritesFramesCurvesOverlayAndSummaryAndResumes()
    {
        var dir = Directory.CreateTempSubdirectory("denseface-track-").FullName;
        try
        {
            Assert.Equal(0, TrackCommand.Create().Parse([Video, "--out", dir, "--max-frames", "6"]).Invoke());
            var lines = File.ReadAllLines(Path.Combine(dir, "obama.frames.jsonl"));
            Assert.Equal(6, lines.Length);
            double lastTime = -1;
            for (int i = 0; i < lines.Length; i++)
            {
                var r = JsonDocument.Parse(lines[i]).RootElement;
                Assert.Equal(i, r.GetProperty("frame").GetInt32());
                double t = r.GetProperty("time_s").GetDouble();
                Assert.True(t > lastTime);
                lastTime = t;
                var face = r.GetProperty("faces")[0];
                Assert.Equal(703, face.GetProperty("dense").GetProperty("points").GetArrayLength());
                Assert.Equal(53, face.GetProperty("blendshapes").EnumerateObject().Count());
                // the identity is shared by the frames of a track
                Assert.Equal(100, face.GetProperty("identity").GetArrayLength());
            }
            var csv = File.ReadAllLines(Path.Combine(dir, "obama.blendshapes.csv"));
            Assert.Equal(7, csv.Length);
            Assert.Equal(55, csv[0].Split(',').Length);
            var info = VideoReader.Probe(Path.Combine(dir, "obama.overlay.mp4"));
            Assert.Equal((1280, 720), (info.Width, info.Height));
            var summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "obama.summary.json"))).RootElement.GetProperty("runs")[0];
            Assert.Equal(6, summary.GetProperty("tracked").GetInt32());
            Assert.Equal(1, summary.GetProperty("detector_runs").GetInt32());   // detected once, then followed
            Assert.True(summary.GetProperty("pose_jitter_deg").GetDouble() is > 0 and < 5);
            // rerun: the video is done
            var before = File.GetLastWriteTimeUtc(Path.Combine(dir, "obama.frames.jsonl"));
            Assert.Equal(0, TrackCommand.Create().Parse([Video, "--out", dir, "--max-frames", "6"]).Invoke());
            Assert.Equal(before, File.GetLastWriteTimeUtc(Path.Combine(dir, "obama.frames.jsonl")));
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void ABadVideoIsAnErrorNamingIt()
    {
        var dir = Directory.CreateTempSubdirectory("denseface-track-bad-").FullName;
        try
        {
            var bad = Path.Combine(dir, "bad.mp4");
            File.WriteAllBytes(bad, [0, 0, 0, 24, 1, 2, 3, 4]);
            var e = Assert.Throws<InvalidInputException>(() => new VideoReader(bad));
            Assert.Contains("bad.mp4", e.Message);
            Assert.Equal(2, TrackCommand.Create().Parse([bad, "--out", Path.Combine(dir, "out")]).Invoke());
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void JitterIsTheMeanSecondDifference()
    {
        // x = 0, 1, 4, 9 (t^2): second difference 2 everywhere; a missing frame breaks the triples around it
        var pts = new System.Numerics.Vector2[]?[] { [new(0, 0)], [new(1, 0)], [new(4, 0)], [new(9, 0)], null, [new(0, 0)] };
        Assert.Equal(2.0, TemporalJitter.PointAcceleration(pts), 6);
        Assert.Equal(1.0, TemporalJitter.PointAcceleration(pts, [2, 2, 2, 2, 2, 2]), 6);
        Assert.Equal(2.0, TemporalJitter.ValueAcceleration([[0f], [1f], [4f], [9f]]), 6);
        Assert.True(double.IsNaN(TemporalJitter.ValueAcceleration([[0f], null, [1f]])));
        Assert.Throws<InvalidInputException>(() => TemporalJitter.PointAcceleration(pts, [1, 1, 0, 1, 1, 1]));
    }
}
