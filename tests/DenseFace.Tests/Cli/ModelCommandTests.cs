using System.Text.Json;
using DenseFace.Cli.Commands;
using DenseFace.FaceModel;

namespace DenseFace.Tests.Cli;

public class ModelCommandTests
{
    static readonly Lazy<MorphableModel> Model = new(() => MorphableModel.Load());

    [Fact]
    public void ExportedGlbCarries53NamedMorphTargetsWithTheExpressionWeights()
    {
        var model = Model.Value;
        var c = new ShapeCoefficients(model);
        c.RandomizeIdentity(5);
        c.SetExpressions(model, "jawOpen=0.7,eyeBlink_L=1");
        var path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"denseface-{Guid.NewGuid():N}.glb");
        try
        {
            ModelExportCommand.Export(model, c, path);
            var bytes = File.ReadAllBytes(path);
            Assert.Equal(0x46546C67u, BitConverter.ToUInt32(bytes, 0));
            int jsonLength = BitConverter.ToInt32(bytes, 12);
            using var doc = JsonDocument.Parse(bytes.AsMemory(20, jsonLength));
            var mesh = doc.RootElement.GetProperty("meshes")[0];
            var names = mesh.GetProperty("extras").GetProperty("targetNames").EnumerateArray().Select(e => e.GetString()!).ToArray();
            Assert.Equal(53, names.Length);
            Assert.Equal(model.ExpressionNames, names);
            Assert.Equal(53, mesh.GetProperty("primitives")[0].GetProperty("targets").GetArrayLength());
            var weights = mesh.GetProperty("weights").EnumerateArray().Select(e => e.GetSingle()).ToArray();
            Assert.Equal(0.7f, weights[model.IndexOfExpression("jawOpen")], 5);
            Assert.Equal(1f, weights[model.IndexOfExpression("eyeBlink_L")], 5);
            Assert.Equal(51, weights.Count(w => w == 0));
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void ExpressionSpecErrorsNameTheProblem()
    {
        var model = Model.Value;
        var c = new ShapeCoefficients(model);
        Assert.Contains("jawOpn", Assert.Throws<InvalidInputException>(() => c.SetExpressions(model, "jawOpn=0.5")).Message);
        Assert.Contains("outside [0, 1]", Assert.Throws<InvalidInputException>(() => c.SetExpressions(model, "jawOpen=1.5")).Message);
        Assert.Throws<InvalidInputException>(() => c.SetExpressions(model, "jawOpen"));
        Assert.Throws<InvalidInputException>(() => c.SetExpressions(model, "jawOpen=abc"));
        c.SetExpressions(model, " jawOpen = 0.25 , eyeBlink_R=1 ");
        Assert.Equal(0.25f, c.Expression[model.IndexOfExpression("jawOpen")]);
        Assert.Equal(1f, c.Expression[model.IndexOfExpression("eyeBlink_R")]);
    }

    [Fact]
    public void IdentityJsonFormsAreRead()
    {
        var model = Model.Value;
        // ICT-FaceKit's own sample file.
        var ict = new ShapeCoefficients(model);
        ict.LoadJson(model, System.IO.Path.Combine(TestData.FaceModelDir, "sample_identity_coeffs.json"));
        Assert.Equal(-0.9202723f, ict.Identity[0], 5);   // first of ICT's 200 values; the Light model keeps 100
        Assert.Contains(ict.Identity, v => v != 0);
        var path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"denseface-{Guid.NewGuid():N}.json");
        try
        {
            File.WriteAllText(path, "{\"identity\": [1.5, -2], \"expression\": {\"jawOpen\": 0.5}}");
            var c = new ShapeCoefficients(model);
            c.LoadJson(model, path);
            Assert.Equal([1.5f, -2f, 0f], c.Identity[..3]);
            Assert.Equal(0.5f, c.Expression[model.IndexOfExpression("jawOpen")]);
            File.WriteAllText(path, "{\"identity\": [1, \"x\"]}");
            Assert.Contains(path, Assert.Throws<InvalidInputException>(() => c.LoadJson(model, path)).Message);
            File.WriteAllText(path, "[1, 2");
            Assert.Throws<InvalidInputException>(() => c.LoadJson(model, path));
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void RandomIdentityIsDeterministicPerSeedAndTruncated()
    {
        var model = Model.Value;
        var a = new ShapeCoefficients(model); a.RandomizeIdentity(11);
        var b = new ShapeCoefficients(model); b.RandomizeIdentity(11);
        var d = new ShapeCoefficients(model); d.RandomizeIdentity(12);
        Assert.Equal(a.Identity, b.Identity);
        Assert.NotEqual(a.Identity, d.Identity);
        Assert.All(a.Identity, v => Assert.InRange(v, -2.5f, 2.5f));
        double sd = Math.Sqrt(a.Identity.Select(v => (double)v * v).Average());
        Assert.InRange(sd, 0.7, 1.3);
    }

    [Fact]
    public void RenderShowsTheHeadInTheMiddle()
    {
        var model = Model.Value;
        var img = ModelRenderCommand.Render(model, new ShapeCoefficients(model), 128, 0, 0, 0);
        // The background is dark; the centre pixel (on the face) is lit skin.
        int centre = (64 * 128 + 64) * 3;
        Assert.True(img.Pixels[centre] > 100, $"centre red = {img.Pixels[centre]}");
        Assert.True(img.Pixels[0] < 60, $"corner red = {img.Pixels[0]}");
    }
}
