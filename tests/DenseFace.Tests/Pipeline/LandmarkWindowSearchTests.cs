using DenseFace.Detection;
using DenseFace.Imaging;
using DenseFace.Landmarks;
using DenseFace.Pipeline;
using DenseFace.Tests.FaceModel;
using DenseFace.Training.Landmarks;
using DenseFace.Training.Synthesis;

namespace DenseFace.Tests.Pipeline;

public class LandmarkWindowSearchTests
{
    [Fact]
    public void FindsARenderedFaceAndNothingInAFaceFreeImage()
    {
        var predictor = LandmarkPredictor.Load();
        var search = new LandmarkWindowSearch(predictor);
        var gen = new SyntheticFaceGenerator(ModelFixture.Model, new SynthesisOptions
        {
            Seed = 4243, ImageSize = 256, MaxYaw = 20, MaxPitch = 10, MaxRoll = 10, OccluderProbability = 0, GlassesProbability = 0, DegradationProbability = 0,
            Layouts = [SynthesisLayout.From(predictor.Layout)],
        });
        var (e, s) = new SyntheticLandmarkSource(ModelFixture.Model, gen).GetWithSample(0);
        var hit = search.Find(s.Image);
        Assert.NotNull(hit);
        var box = hit.Value.Box;
        Assert.True(FaceBox.IoU(FaceBox.From(box), FaceBox.From(e.Box)) >= 0.4f, $"{box} vs {e.Box}");
        Assert.InRange(hit.Value.RelativeSigma, 0, search.MaxRelativeSigma);
        // smooth grey noise has no face the network is sure of
        var noise = new Image8(256, 256, 3);
        var rng = new SeededRandom(5);
        for (int i = 0; i < noise.Pixels.Length; i++) noise.Pixels[i] = (byte)(96 + rng.Next(64));
        Assert.Null(search.Find(noise));
        Assert.Throws<InvalidInputException>(() => new LandmarkWindowSearch(predictor, [0f]));
    }
}
