using System.Numerics;
using DenseFace.FaceModel;
using DenseFace.Geometry;
using DenseFace.Imaging;
using DenseFace.Rendering;
using DenseFace.Tests.FaceModel;
using DenseFace.Training.Synthesis;
using Xunit.Abstractions;

namespace DenseFace.Tests.Texturing;

public class TextureExtractionTests(ITestOutputHelper output)
{
    static MorphableModel Model => ModelFixture.Model;
    static readonly Vector3 HeadCentre = new(0, 1.5f, 2f);

    /// <summary>Renders the neutral face part with <paramref name="texture"/> (tile 0) under constant white light, so pixel = albedo.</summary>
    internal static (Image8 Photo, Vector3[] Positions, PinholeCamera Camera, RigidTransform Pose) Render(Image8 texture, float yaw, int size = 640)
    {
        var positions = Model.Evaluate(new float[Model.IdentityCount], new float[Model.ExpressionCount]);
        var camera = new PinholeCamera(size, size, 2.5f * size, 2.5f * size);
        var pose = RigidTransform.LookAtFace(75, yaw, 5, 0, HeadCentre);
        var mesh = Model.ToMesh(positions, parts: [FacePart.Face]);
        var render = MeshRenderer.Render(mesh, camera, pose, [new RenderMaterial { Texture = texture }], default, new MeshRenderSettings { Supersampling = 2 });
        return (render.Color, positions, camera, pose);
    }

    /// <summary>Mean absolute difference (sRGB levels, over RGB) between two textures on the texels <paramref name="use"/> selects.</summary>
    static (double Mae, int Count) Compare(Image8 a, Image8 b, Func<int, bool> use)
    {
        double sum = 0; int n = 0;
        for (int i = 0; i < a.Width * a.Height; i++)
        {
            if (!use(i)) continue;
            for (int k = 0; k < 3; k++) sum += Math.Abs(a.Pixels[3 * i + k] - b.Pixels[3 * i + k]);
            n++;
        }
        return (n == 0 ? double.NaN : sum / (3 * n), n);
    }

    /// <summary>A texture that is a smooth function of (|x|, y, z) on the neutral mesh: left/right symmetric on the surface.</summary>
    static Image8 SymmetricTexture(int size) =>
        UvPainter.Paint(Model, 0, [Model.TriangleRange(FacePart.Face)], size, [], 0, (p, _) => new Vector3(
            0.45f + 0.35f * MathF.Sin(MathF.Abs(p.X) * 0.55f), 0.35f + 0.25f * MathF.Cos(p.Y * 0.35f), 0.25f + 0.2f * MathF.Sin(p.Z * 0.5f + 1)));

    [Fact]
    public void RecoversAKnownTextureOnVisibleTexels()
    {
        var truth = SkinAlbedo.Generate(Model, 5, 256);
        var (photo, positions, camera, pose) = Render(truth, yaw: 20);
        var tex = new TextureExtractor(Model, positions, camera, pose, photo).Extract(TextureTile.Face, new TextureExtractionOptions { Size = 256, MirrorFill = false });
        Assert.Equal((256, 256, 3), (tex.Color.Width, tex.Color.Height, tex.Color.Channels));
        var (mae, n) = Compare(tex.Color, truth, i => tex.Observed[i] >= 0.5f);
        output.WriteLine($"yaw 20: MAE {mae:F2} sRGB levels over {n} texels (observed >= 0.5), coverage {tex.Coverage:P1}");
        Assert.True(tex.Coverage is > 0.4 and < 0.95, $"coverage {tex.Coverage}");
        Assert.True(n > 10_000, $"{n} texels");
        Assert.True(mae < 4, $"MAE {mae}");
        // confidence stays in [0, 1] and is zero off the charts
        Assert.All(tex.Observed, w => Assert.InRange(w, 0f, 1f));
        for (int i = 0; i < tex.InChart.Length; i++) if (!tex.InChart[i]) Assert.Equal(0f, tex.Confidence[i]);
    }

    [Fact]
    public void MirrorFillRestoresTheHiddenSideOfASymmetricTexture()
    {
        var truth = SymmetricTexture(256);
        var (photo, positions, camera, pose) = Render(truth, yaw: 60);
        var extractor = new TextureExtractor(Model, positions, camera, pose, photo);
        var mirrored = extractor.Extract(TextureTile.Face, new TextureExtractionOptions { Size = 256 });
        var plain = extractor.Extract(TextureTile.Face, new TextureExtractionOptions { Size = 256, MirrorFill = false });
        bool Hidden(int i) => mirrored.InChart[i] && mirrored.Observed[i] == 0 && mirrored.Confidence[i] >= 0.3f;
        var (maeMirror, n) = Compare(mirrored.Color, truth, Hidden);
        var (maePlain, _) = Compare(plain.Color, truth, Hidden);
        output.WriteLine($"yaw 60: coverage {mirrored.Coverage:P1} -> {mirrored.MirroredCoverage:P1} with mirroring; hidden texels {n}: MAE {maeMirror:F2} mirrored vs {maePlain:F2} push-pull only");
        Assert.True(mirrored.MirroredCoverage > mirrored.Coverage + 0.15, $"{mirrored.Coverage} -> {mirrored.MirroredCoverage}");
        Assert.True(n > 5_000, $"{n} hidden texels restored");
        Assert.True(maeMirror < 8, $"MAE {maeMirror}");
        Assert.True(maeMirror < 0.5 * maePlain, $"mirrored {maeMirror} vs plain {maePlain}");
    }

    [Fact]
    public void HeadTileIsExtractedWhereTheScalpIsSeen()
    {
        var skin = SkinAlbedo.Generate(Model, 2, 128);
        var positions = Model.Evaluate(new float[Model.IdentityCount], new float[Model.ExpressionCount]);
        var camera = new PinholeCamera(400, 400, 1000, 1000);
        var pose = RigidTransform.LookAtFace(75, 90, 0, 0, HeadCentre);
        var mesh = Model.ToMesh(positions, parts: [FacePart.Face, FacePart.HeadAndNeck]);
        var photo = MeshRenderer.Render(mesh, camera, pose, [new RenderMaterial { Texture = skin }], default).Color;
        var tex = new TextureExtractor(Model, positions, camera, pose, photo).Extract(TextureTile.Head, new TextureExtractionOptions { Size = 128 });
        Assert.True(tex.Coverage > 0.1, $"head coverage {tex.Coverage}");
    }

    [Fact]
    public void BadInputsAreReported()
    {
        var positions = Model.Evaluate(new float[Model.IdentityCount], new float[Model.ExpressionCount]);
        var camera = new PinholeCamera(64, 64, 200, 200);
        var pose = RigidTransform.LookAtFace(75, 0, 0, 0, HeadCentre);
        Assert.Throws<InvalidInputException>(() => new TextureExtractor(Model, positions, camera, pose, new Image8(32, 64, 3)));
        Assert.Throws<InvalidInputException>(() => new TextureExtractor(Model, positions.AsSpan(1), camera, pose, new Image8(64, 64, 3)));
        Assert.Throws<InvalidInputException>(() => new TextureExtractor(Model, positions, default, pose, new Image8(64, 64, 3)));
        var bad = (Vector3[])positions.Clone(); bad[5] = new Vector3(float.NaN);
        Assert.Throws<InvalidInputException>(() => new TextureExtractor(Model, bad, camera, pose, new Image8(64, 64, 3)));
        var ok = new TextureExtractor(Model, positions, camera, pose, new Image8(64, 64, 1));
        Assert.Throws<InvalidInputException>(() => ok.Extract(TextureTile.Face, new TextureExtractionOptions { Size = 8 }));
        Assert.Throws<InvalidInputException>(() => ok.Extract(TextureTile.Face, new TextureExtractionOptions { MinCosine = 0.6f, FullCosine = 0.5f }));
        Assert.Throws<InvalidInputException>(() => ok.Extract((TextureTile)7));
        // the head is behind the camera: nothing of the face tile is visible
        var behind = new TextureExtractor(Model, positions, camera, new RigidTransform(RigidTransform.ModelToCamera, new Vector3(0, 0, -75)), new Image8(64, 64, 3));
        Assert.Throws<InvalidInputException>(() => behind.Extract(TextureTile.Face, new TextureExtractionOptions { Size = 64 }));
    }
}
