using System.Numerics;
using DenseFace.Detection;

namespace DenseFace.Tests.Detection;

public class Box68RegressionTests
{
    [Fact]
    public void Fit_recovers_a_box_mapping_that_is_linear_in_the_features()
    {
        // Target: 68-point box = centre 0.15 s below the YuNet centre + 0.2 x the nose offset, width 0.9 s, height 0.7 s.
        var rng = new Random(3);
        var samples = new List<(FaceBox, Keypoints5, FaceBox)>();
        for (int i = 0; i < 200; i++)
        {
            float w = 40 + 100 * (float)rng.NextDouble(), h = w * (1.1f + 0.3f * (float)rng.NextDouble());
            var box = FaceBox.FromCentre(300 * (float)rng.NextDouble(), 300 * (float)rng.NextDouble(), w, h);
            var k = default(Keypoints5);
            for (int j = 0; j < 5; j++) k[j] = box.Centre + new Vector2((float)(rng.NextDouble() - 0.5) * w * 0.6f, (float)(rng.NextDouble() - 0.5) * h * 0.6f);
            float s = MathF.Sqrt(w * h);
            var c = box.Centre + new Vector2(0.2f * (k[2].X - box.Centre.X), 0.15f * s);
            samples.Add((box, k, FaceBox.FromCentre(c.X, c.Y, 0.9f * s, 0.7f * s)));
        }
        var model = Box68Regression.Fit(samples, ridge: 0);
        foreach (var (box, k, target) in samples.Take(20))
        {
            var got = model.Apply(box, k);
            Assert.True(FaceBox.IoU(got, target) > 0.999f, $"IoU {FaceBox.IoU(got, target)}");
        }
        // x-centre row: coefficient 0.2 on the nose x feature (index 1 + 2 * 2), nothing elsewhere
        Assert.Equal(0.2, model.Coefficients[5], 4);
        Assert.Equal(0.15, model.Coefficients[Box68Regression.Features], 4);
        Assert.Equal(Math.Log(0.9), model.Coefficients[2 * Box68Regression.Features], 4);
    }

    [Fact]
    public void Shipped_model_round_trips_through_json_and_rejects_bad_files()
    {
        var m = Box68Regression.Default;
        using var s = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(m.ToJson()));
        var back = Box68Regression.FromJson(s, "round-trip.json");
        for (int i = 0; i < m.Coefficients.Length; i++) Assert.Equal(m.Coefficients[i], back.Coefficients[i], 6);
        using var bad = new MemoryStream("{\"coefficients\": [[1, 2]]}"u8.ToArray());
        Assert.Contains("bad.json", Assert.Throws<InvalidInputException>(() => Box68Regression.FromJson(bad, "bad.json")).Message);
    }
}
