using System.Numerics;
using DenseFace.FaceModel;
using DenseFace.Imaging;
using DenseFace.Rendering;
using DenseFace.Tests.FaceModel;
using DenseFace.Training.Synthesis;

namespace DenseFace.Tests.Synthesis;

public class SkinAlbedoTests
{
    static MorphableModel Model => ModelFixture.Model;

    /// <summary>Texel colour (linear) at the UV of vertex <paramref name="v"/> of the face part (first corner that uses it).</summary>
    static Vector3 AtVertex(Image8 tex, int v)
    {
        var tris = Model.Triangles; var uvt = Model.TriangleUvIndices;
        int corner = tris.IndexOf(v);
        var uv = Model.Uvs[uvt[corner]];
        int x = (int)(uv.X * tex.Width), y = (int)((1 - uv.Y) * tex.Height);
        int o = (y * tex.Width + x) * 3;
        return new Vector3(Srgb.Decode[tex.Pixels[o]], Srgb.Decode[tex.Pixels[o + 1]], Srgb.Decode[tex.Pixels[o + 2]]);
    }

    static AppearanceParameters Person(float melanin) => AppearanceParameters.Sample(3) with
    {
        Melanin = melanin, BeardDensity = 0, HairlineY = 20, Redness = 0.3f, BrowDensity = 1,
    };

    [Fact]
    public void SameSeedSameTextureDifferentSeedDifferent()
    {
        var a = SkinAlbedo.Generate(Model, 7, 64);
        var b = SkinAlbedo.Generate(Model, 7, 64);
        var c = SkinAlbedo.Generate(Model, 8, 64);
        Assert.Equal(64, a.Width); Assert.Equal(3, a.Channels);
        Assert.Equal(a.Pixels, b.Pixels);
        Assert.NotEqual(a.Pixels, c.Pixels);
    }

    [Fact]
    public void SkinSpansLightToDarkAndRegionsDiffer()
    {
        var light = SkinAlbedo.PaintSkin(Model, Person(0), 256);
        var dark = SkinAlbedo.PaintSkin(Model, Person(1), 256);
        var lm = IctLandmarks.MultiPie68;
        int cheek = lm[2], forehead = lm[27], lip = lm[57], brow = lm[19];
        var lightCheek = AtVertex(light, forehead); var darkCheek = AtVertex(dark, forehead);
        float Luma(Vector3 c) => 0.2126f * c.X + 0.7152f * c.Y + 0.0722f * c.Z;
        Assert.True(Luma(lightCheek) > 0.35f, $"light skin luma {Luma(lightCheek)}");
        Assert.True(Luma(darkCheek) < 0.06f, $"dark skin luma {Luma(darkCheek)}");
        // Lips are redder (lower green/red ratio) than the skin between the brows; brows are darker.
        var lipC = AtVertex(light, lip); var skin = AtVertex(light, forehead);
        Assert.True(lipC.Y / lipC.X < 0.85f * skin.Y / skin.X, $"lip {lipC} vs skin {skin}");
        Assert.True(Luma(AtVertex(light, brow)) < 0.8f * Luma(skin), $"brow {AtVertex(light, brow)} vs skin {skin}");
        Assert.True(Luma(AtVertex(light, cheek)) > 0.2f);
    }

    [Fact]
    public void EyesHaveADarkPupilAndBrightSclera()
    {
        var p = AppearanceParameters.Sample(1);
        var eye = SkinAlbedo.PaintEye(Model, p, left: true, 128);
        float min = 1, max = 0;
        for (int i = 0; i < eye.Pixels.Length; i += 3)
        {
            float l = Srgb.Decode[eye.Pixels[i + 1]];
            min = MathF.Min(min, l); max = MathF.Max(max, l);
        }
        Assert.True(min < 0.02f && max > 0.6f, $"eye texture luma range {min}..{max}");
    }

    [Fact]
    public void BadSizesAreRejected()
    {
        Assert.Throws<InvalidInputException>(() => SkinAlbedo.Generate(Model, 1, 4));
        Assert.Throws<InvalidInputException>(() => SkinAlbedo.Generate(Model, 1, 100_000));
    }
}
