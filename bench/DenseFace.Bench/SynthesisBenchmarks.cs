using System.Numerics;
using BenchmarkDotNet.Attributes;
using DenseFace.FaceModel;
using DenseFace.Geometry;
using DenseFace.Rendering;
using DenseFace.Training.Synthesis;

namespace DenseFace.Bench;

/// <summary>
/// The synthetic-data renderer on the full ICT-FaceKit head (face, scalp, mouth, teeth, eyes, blended lashes:
/// ~49k triangles) at 256 x 256, single-threaded, textured with SH + key lighting; and one whole generated sample.
/// Needs the face model under the data root.
/// Run: dotnet run -c Release --project bench/DenseFace.Bench -- --filter '*SynthesisBenchmarks*'
/// </summary>
[MemoryDiagnoser]
public class SynthesisBenchmarks
{
    MorphableModel _model = null!;
    TriangleMesh _mesh = null!;
    FaceAppearance _appearance = null!;
    HeadGeometry _geometry = null!;
    SyntheticFaceGenerator _generator = null!;
    PinholeCamera _camera;
    RigidTransform _pose;
    MeshRenderSettings _settings = null!;
    long _index;

    [Params(1, 2)]
    public int Supersampling { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _model = MorphableModel.Load();
        var coeffs = new ShapeCoefficients(_model);
        coeffs.RandomizeIdentity(3);
        _geometry = HeadGeometry.For(_model);
        _mesh = _geometry.BuildMesh(_model.Evaluate(coeffs.Identity, coeffs.Expression));
        _appearance = FaceAppearance.Generate(_model, 3);
        _camera = new PinholeCamera(256, 256, 512, 512);
        _pose = RigidTransform.LookAtFace(55, 20, 5, 0, new Vector3(0, 1.5f, 2));   // head about 230 px tall
        _settings = new MeshRenderSettings
        {
            Supersampling = Supersampling, MaxDegreeOfParallelism = 1,
            Lighting = SphericalHarmonicsLighting.Constant(new Vector3(0.5f)),
            Light = new DirectionalLight(new Vector3(0.3f, -0.5f, -1), new Vector3(0.6f), new Vector3(0.4f)),
        };
        _generator = new SyntheticFaceGenerator(_model, new SynthesisOptions { Supersampling = Supersampling, AppearancePoolSize = 1 });
        _generator.Generate(0);   // paints the pooled appearance outside the measurement
    }

    [Benchmark]
    public byte RenderHead256() =>
        MeshRenderer.Render(_mesh, _camera, _pose, _appearance.Materials, _geometry.TriangleMaterials, _settings).Color.Pixels[0];

    [Benchmark]
    public byte GenerateSample256() => _generator.Generate(_index++).Image.Pixels[0];
}
