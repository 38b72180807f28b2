using System.Numerics;
using DenseFace.Geometry;

namespace DenseFace.Tests.Geometry;

public class RigidTransformTests
{
    static void Near(Vector3 expected, Vector3 actual, float tol = 1e-5f) =>
        Assert.True(Vector3.Distance(expected, actual) <= tol, $"expected {expected}, got {actual}");

    static double[,] Mul(double[,] a, double[,] b)
    {
        var r = new double[3, 3];
        for (int i = 0; i < 3; i++) for (int j = 0; j < 3; j++) for (int k = 0; k < 3; k++) r[i, j] += a[i, k] * b[k, j];
        return r;
    }

    [Fact]
    public void HeadRotationIsRzRyRx()
    {
        var rng = new Random(5);
        for (int trial = 0; trial < 20; trial++)
        {
            double y = rng.NextDouble() * 160 - 80, p = rng.NextDouble() * 160 - 80, r = rng.NextDouble() * 160 - 80;
            double cy = Math.Cos(y * Math.PI / 180), sy = Math.Sin(y * Math.PI / 180);
            double cp = Math.Cos(p * Math.PI / 180), sp = Math.Sin(p * Math.PI / 180);
            double cr = Math.Cos(r * Math.PI / 180), sr = Math.Sin(r * Math.PI / 180);
            var rx = new double[,] { { 1, 0, 0 }, { 0, cp, -sp }, { 0, sp, cp } };
            var ry = new double[,] { { cy, 0, sy }, { 0, 1, 0 }, { -sy, 0, cy } };
            var rz = new double[,] { { cr, -sr, 0 }, { sr, cr, 0 }, { 0, 0, 1 } };
            var m = Mul(rz, Mul(ry, rx));
            var q = RigidTransform.HeadRotation((float)y, (float)p, (float)r);
            var v = new Vector3(0.3f, -1.2f, 2.5f);
            var expected = new Vector3(
                (float)(m[0, 0] * v.X + m[0, 1] * v.Y + m[0, 2] * v.Z),
                (float)(m[1, 0] * v.X + m[1, 1] * v.Y + m[1, 2] * v.Z),
                (float)(m[2, 0] * v.X + m[2, 1] * v.Y + m[2, 2] * v.Z));
            Near(expected, Vector3.Transform(v, q));
        }
    }

    [Fact]
    public void HeadPoseSignsInCameraSpace()
    {
        var nose = Vector3.UnitZ; var up = Vector3.UnitY;
        // Frontal: the face looks into the camera (nose toward -z), upright (model up = image up = -y).
        var frontal = RigidTransform.FromHeadPose(0, 0, 0, Vector3.Zero);
        Near(new Vector3(0, 0, -1), frontal.Apply(nose));
        Near(new Vector3(0, -1, 0), frontal.Apply(up));
        Near(new Vector3(1, 0, 0), frontal.Apply(Vector3.UnitX));                   // model +x -> image right
        Near(new Vector3(1, 0, 0), RigidTransform.FromHeadPose(90, 0, 0, Vector3.Zero).Apply(nose));  // yaw+: nose to image right
        Near(new Vector3(0, 1, 0), RigidTransform.FromHeadPose(0, 90, 0, Vector3.Zero).Apply(nose));  // pitch+: nose down
        Near(new Vector3(-1, 0, 0), RigidTransform.FromHeadPose(0, 0, 90, Vector3.Zero).Apply(up));  // roll+: head top to image left
    }

    [Fact]
    public void LookAtFacePutsCentreOnAxis()
    {
        var centre = new Vector3(3, -7, 11);
        var t = RigidTransform.LookAtFace(60, 25, -10, 5, centre);
        Near(new Vector3(0, 0, 60), t.Apply(centre), 1e-4f);
        Assert.Throws<InvalidInputException>(() => RigidTransform.LookAtFace(0, 0, 0, 0));
    }

    [Fact]
    public void InverseComposeAndEulerRoundTrip()
    {
        var rng = new Random(9);
        for (int trial = 0; trial < 50; trial++)
        {
            float y = rng.NextSingle() * 170 - 85, p = rng.NextSingle() * 170 - 85, r = rng.NextSingle() * 340 - 170;
            var a = RigidTransform.FromHeadPose(y, p, r, new Vector3(rng.NextSingle(), rng.NextSingle(), 50));
            var (yy, pp, rr) = a.ToHeadPoseDegrees();
            Assert.Equal(y, yy, 0.05f);
            Assert.Equal(p, pp, 0.05f);
            Assert.Equal(r, rr, 0.05f);

            var v = new Vector3(rng.NextSingle() * 10, rng.NextSingle() * 10, rng.NextSingle() * 10);
            Near(v, a.Inverse().Apply(a.Apply(v)), 1e-4f);
            var b = RigidTransform.LookAtFace(40, p, r, y);
            Near(b.Apply(a.Apply(v)), RigidTransform.Compose(a, b).Apply(v), 1e-3f);
        }
        Assert.Throws<InvalidInputException>(() => new RigidTransform(default, Vector3.Zero));
    }
}
