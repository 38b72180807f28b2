using System.Numerics;
using BenchmarkDotNet.Attributes;
using DenseFace.FaceModel;
using DenseFace.Geometry;
using DenseFace.Imaging;
using DenseFace.Rendering;
using DenseFace.Training.Synthesis;

namespace DenseFace.Bench;

/// <summary>
/// Texture extraction from a 640 x 640 synthetic photo of the head at yaw 30: the visibility render plus normals
/// (constructor) and one face-tile extraction (observe, mirror fill, push-pull) at 256² and 512² texels.
/// Needs the face model under the data root.
/// Run: dotnet run -c Release --project bench/DenseFace.Bench -- --filter '*TextureExtractionBenchmarks*'
/// </summary>
[MemoryDiagnoser]
public class TextureExtractionBenchmarks
{
    MorphableModel _model = null!;
    Vector3[] _positions = null!;
    PinholeCamera _camera;
    RigidTransform _pose;
    Image8 _photo = null!;
    TextureExtractor _extractor = null!;

    [Params(256, 512)]
    public int Size { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _model = MorphableModel.Load();
        _positions = _model.Evaluate(new float[_model.IdentityCount], new float[_model.ExpressionCount]);
        _camera = new PinholeCamera(640, 640, 1600, 1600);
        _pose = RigidTransform.LookAtFace(75, 30, 5, 0, new Vector3(0, 1.5f, 2));
        var mesh = _model.ToMesh(_positions, parts: [FacePart.Face]);
        _photo = MeshRenderer.Render(mesh, _camera, _pose, [new RenderMaterial { Texture = SkinAlbedo.Generate(_model, 3, 256) }]).Color;
        _extractor = new TextureExtractor(_model, _positions, _camera, _pose, _photo);
        _extractor.Extract(TextureTile.Face, new TextureExtractionOptions { Size = Size });   // builds the cached UV atlas and mirror map
    }

    [Benchmark]
    public int PrepareExtractor() => new TextureExtractor(_model, _positions, _camera, _pose, _photo).Visibility.Camera.Width;

    [Benchmark]
    public byte ExtractFace() => _extractor.Extract(TextureTile.Face, new TextureExtractionOptions { Size = Size }).Color.Pixels[0];
}
