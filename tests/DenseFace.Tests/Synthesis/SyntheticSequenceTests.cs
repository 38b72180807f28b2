using DenseFace.Landmarks;
using DenseFace.Pipeline;
using DenseFace.Tests.FaceModel;
using DenseFace.Training.Landmarks;
using DenseFace.Training.Synthesis;

namespace DenseFace.Tests.Synthesis;

public class SyntheticSequenceTests
{
    static SyntheticFaceGenerator Gen() => new(ModelFixture.Model, new SynthesisOptions { Seed = 77, ImageSize = 160, OccluderProbability = 0, DegradationProbability = 0, GlassesProbability = 0 });

    [Fact]
    public void FramesAnimateOneSceneSmoothly()
    {
        var seq = new SyntheticSequence(Gen(), 5, 30);
        var a = seq.Render(0); var b = seq.Render(1); var c = seq.Render(15);
        Assert.Equal(a.Identity, c.Identity);                 // one person
        Assert.Equal(a.AppearanceIndex, c.AppearanceIndex);
        Assert.Equal(a.Camera.Fx, c.Camera.Fx);
        Assert.InRange(Math.Abs(b.Pose.Yaw - a.Pose.Yaw), 0.1, 10);   // moves, a little per frame
        Assert.NotEqual(a.Pose.Yaw, c.Pose.Yaw);
        Assert.Equal(seq.Frame(15).Expression, c.Expression);
        // same scene and frame, same pixels
        Assert.Equal(c.Image.Pixels, new SyntheticSequence(Gen(), 5, 30).Render(15).Image.Pixels);
        // without an override a sample is unchanged by the new overload
        Assert.Equal(Gen().Generate(3).Image.Pixels, Gen().Generate(3, null).Image.Pixels);
    }

    [Fact]
    public void TheTrackerFollowsARenderedHeadWithKnownPose()
    {
        var r = new FaceReconstructor(ModelFixture.Model, LandmarkPredictor.Load(), DenseFace.Detection.FaceDetector.Load());
        var scores = SyntheticTrackingBenchmark.Run(r, sequences: 1, frames: 8, seed: 3001);
        foreach (var (name, s) in scores)
        {
            Assert.Equal(8, s.Tracked);
            Assert.True(s.RotationDegMedian < 10, $"{name}: median rotation error {s.RotationDegMedian:F1} deg");
            Assert.True(s.LandmarkErrorPercent < 10, $"{name}: 68-point error {s.LandmarkErrorPercent:F1} %");
            Assert.True(double.IsFinite(s.VelocityErrorPercent) && double.IsFinite(s.JitterPercent));
        }
    }
}
