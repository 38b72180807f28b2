using DenseFace.Detection;
using DenseFace.Geometry;
using DenseFace.Imaging;
using DenseFace.Imaging.Video;
using DenseFace.Landmarks;
using DenseFace.Pipeline;
using DenseFace.Tests.FaceModel;

namespace DenseFace.Tests.Pipeline;

public class MultiViewReconstructorTests
{
    static readonly Lazy<FaceReconstructor> Shared = new(() => new FaceReconstructor(ModelFixture.Model, LandmarkPredictor.Load(), FaceDetector.Load()));

    static List<Image8> Frames(params int[] indices)
    {
        using var reader = new VideoReader(TestData.Path("data", "video", "skarsgard.mp4"));
        var frames = new List<Image8>();
        while (frames.Count < indices.Length && reader.TryRead(out var f, out int i))
            if (indices.Contains(i)) frames.Add(new Image8(f.Width, f.Height, 3, (byte[])f.Pixels.Clone()));
        return frames;
    }

    [Fact]
    public void SeparatePhotosShareOneIdentityAndKeepTheirOwnPoses()
    {
        var frames = Frames(0, 45, 90);
        var r = new MultiViewReconstructor(Shared.Value).Reconstruct(frames.Select(f => new FaceView(f)).ToList());
        Assert.False(r.Synchronised);
        Assert.Equal(3, r.Views.Count);
        for (int v = 0; v < 3; v++)
        {
            var view = r.Views[v];
            Assert.Same(r.Identity, view.Identity);
            Assert.True(view.RmsReprojectionPx < 0.05 * view.Box.Width, $"view {v}: rms {view.RmsReprojectionPx:F1} px");
            // the joint fit agrees with fitting that view alone on where the head points
            var single = Assert.Single(Shared.Value.Reconstruct(frames[v]).Faces);
            Assert.InRange(view.Pose.Yaw - single.Pose.Yaw, -10, 10);
            Assert.InRange(view.Pose.Pitch - single.Pose.Pitch, -10, 10);
        }
    }

    [Fact]
    public void ASynchronisedRigWithKnownCalibrationPosesEveryCameraConsistently()
    {
        var frame = Frames(0)[0];
        // the same picture seen by two identical, co-located cameras: both views must get the same head pose
        var calib = new ViewCalibration(FocalPx: 2000);
        var second = new ViewCalibration(FocalPx: 2000, FromFirstCamera: RigidTransform.Identity);
        var r = new MultiViewReconstructor(Shared.Value).Reconstruct([new FaceView(frame, Calibration: calib), new FaceView(frame, Calibration: second)]);
        Assert.True(r.Synchronised);
        Assert.Equal(r.Views[0].Expression, r.Views[1].Expression);
        Assert.Equal(r.Views[0].Pose.Yaw, r.Views[1].Pose.Yaw, 3);
        Assert.Equal(2000, r.Views[1].Pose.FocalPx, 1);
    }

    [Fact]
    public void AViewWithoutAFaceIsNamed()
    {
        var frame = Frames(0)[0];
        var e = Assert.Throws<InvalidInputException>(() => new MultiViewReconstructor(Shared.Value).Reconstruct([new FaceView(frame), new FaceView(new Image8(320, 240, 3))]));
        Assert.Contains("view 1", e.Message);
        Assert.Throws<InvalidInputException>(() => new MultiViewReconstructor(Shared.Value).Reconstruct([new FaceView(frame)]));
    }
}
