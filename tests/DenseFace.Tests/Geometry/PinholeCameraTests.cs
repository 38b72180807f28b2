using System.Numerics;
using DenseFace.Geometry;

namespace DenseFace.Tests.Geometry;

public class PinholeCameraTests
{
    [Fact]
    public void ProjectsWithPixelCentreConvention()
    {
        var cam = new PinholeCamera(640, 480, 500, 510);
        Assert.Equal(319.5f, cam.Cx);
        Assert.Equal(239.5f, cam.Cy);
        var p = cam.Project(new Vector3(10, -5, 100));
        Assert.Equal(369.5f, p.X, 4);      // 500 * 0.1 + 319.5
        Assert.Equal(214.0f, p.Y, 4);      // 510 * -0.05 + 239.5
        Assert.Equal(new Vector2(319.5f, 239.5f), cam.Project(new Vector3(0, 0, 42)));

        var q = new PinholeCamera(100, 80, 200, 200, cx: 10, cy: 20).Project(new Vector3(-3, 6, 60));
        Assert.Equal(0f, q.X, 4);          // 200 * -0.05 + 10
        Assert.Equal(40f, q.Y, 4);         // 200 * 0.1 + 20
    }

    [Fact]
    public void UnprojectInvertsProject()
    {
        var cam = new PinholeCamera(320, 240, 300, 280, 150, 125);
        var point = new Vector3(-4.5f, 7.25f, 55f);
        var back = cam.Unproject(cam.Project(point), point.Z);
        Assert.True(Vector3.Distance(point, back) < 1e-4f);
    }

    [Fact]
    public void FieldOfViewGivesFocalLength()
    {
        var cam = PinholeCamera.FromVerticalFieldOfView(200, 100, 90);
        Assert.Equal(50f, cam.Fx, 4);      // (100 / 2) / tan(45 deg)
        Assert.Equal(cam.Fx, cam.Fy);
        // A point on the top image border (pixel edge y = -0.5) at 45 degrees above the axis.
        Assert.Equal(-0.5f, cam.Project(new Vector3(0, -1, 1)).Y, 4);
    }

    [Fact]
    public void RejectsBadParameters()
    {
        Assert.Throws<InvalidInputException>(() => new PinholeCamera(0, 10, 1, 1));
        Assert.Throws<InvalidInputException>(() => new PinholeCamera(10, 10, -1, 1));
        Assert.Throws<InvalidInputException>(() => new PinholeCamera(10, 10, 1, float.NaN));
        Assert.Throws<InvalidInputException>(() => new PinholeCamera(10, 10, 1, 1, float.PositiveInfinity));
        Assert.Throws<InvalidInputException>(() => PinholeCamera.FromVerticalFieldOfView(10, 10, 180));
        Assert.False(default(PinholeCamera).IsValid);
    }
}
