using System.Numerics;
using DenseFace.Evaluation.Datasets;
using DenseFace.Evaluation.Peers;

namespace DenseFace.Tests.Evaluation;

public class LearnedPointCorrectionTests
{
    [Fact]
    public void RecoversAYawDependentOffsetInTheFaceFrameAndRoundTripsThroughJson()
    {
        // annotated faces rotated, scaled and shifted; the "peer" puts jaw point 3 off by (0.05 + 0.4 * yaw proxy) of the
        // eye-corner distance along the eye line: the learned correction removes it on a new face
        var g = PtsFile.Read(Directory.GetFiles(TestData.Path("data", "300w", "helen", "testset"), "*.pts").Order().First()).Points;
        var rng = new Random(3);
        (Vector2[] Mapped, Vector2[] Truth) Pair()
        {
            float a = (float)(rng.NextDouble() - 0.5), s = 0.5f + (float)rng.NextDouble(), nose = (float)(rng.NextDouble() - 0.5) * 30;
            var t = g.Select((p, k) => { var q = k is >= 27 and <= 35 ? p + new Vector2(nose, 0) : p; return Vector2.Transform(q * s, Matrix3x2.CreateRotation(a)) + new Vector2(100, 50); }).ToArray();
            var m = (Vector2[])t.Clone();
            var x = Vector2.Normalize((t[42] + t[43] + t[44] + t[45] + t[46] + t[47]) / 6 - (t[36] + t[37] + t[38] + t[39] + t[40] + t[41]) / 6);
            float iod = Vector2.Distance(t[36], t[45]);
            float yaw = Vector2.Dot(t[30] - (t[36] + t[45]) / 2, x) / iod;
            m[3] = t[3] - (0.05f + 0.4f * yaw) * iod * x;
            return (m, t);
        }
        var pairs = Enumerable.Range(0, 40).Select(_ => Pair()).ToList();
        var c = LearnedPointCorrection.Learn(pairs, "synthetic");
        var (mapped, truth) = Pair();
        Assert.True(Vector2.Distance(mapped[3], truth[3]) > 1);
        var fixedPts = c.Apply(mapped);
        for (int k = 0; k < 68; k++) Assert.True(Vector2.Distance(fixedPts[k], truth[k]) < 0.05f, $"point {k}");
        var path = Path.Combine(Path.GetTempPath(), $"denseface-corr-{Guid.NewGuid():N}.json");
        try
        {
            c.Save(path);
            var back = LearnedPointCorrection.Load(path);
            Assert.Equal(40, back.Samples);
            Assert.True(Vector2.Distance(back.Apply(mapped)[3], truth[3]) < 0.05f);
        }
        finally { File.Delete(path); }
        Assert.Throws<InvalidInputException>(() => LearnedPointCorrection.Learn(pairs.Take(3).ToList(), "few"));
    }
}
