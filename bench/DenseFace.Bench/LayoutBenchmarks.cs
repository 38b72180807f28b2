using System.Numerics;
using BenchmarkDotNet.Attributes;
using DenseFace.FaceModel;
using DenseFace.FaceModel.Layouts;
using DenseFace.Geometry;

namespace DenseFace.Bench;

/// <summary>
/// Delaunay triangulation of uniform random points (layout design) and landmark evaluation of the built-in
/// layouts on an evaluated ICT-FaceKit mesh (the per-frame cost of reading a layout off a fitted head).
/// Run: dotnet run -c Release --project bench/DenseFace.Bench -- --filter '*LayoutBenchmarks*'
/// </summary>
[MemoryDiagnoser]
public class LayoutBenchmarks
{
    Vector2[] _points = null!;
    MorphableModel _model = null!;
    LandmarkLayout _layout = null!;
    Vector3[] _mesh = null!, _out = null!;

    [Params(1000, 10000)]
    public int Points { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(1);
        _points = Enumerable.Range(0, Points).Select(_ => new Vector2((float)rng.NextDouble(), (float)rng.NextDouble())).ToArray();
        _model = MorphableModel.Load();
        _layout = LandmarkLayouts.Load(LandmarkLayouts.Full703);
        _mesh = _model.NeutralPositions.ToArray();
        _out = new Vector3[_layout.Count];
    }

    [Benchmark]
    public int Delaunay() => Delaunay2D.Triangulate(_points).Length;

    /// <summary>full703 positions on an evaluated mesh (703 three-corner blends).</summary>
    [Benchmark]
    public Vector3 Full703Positions()
    {
        _layout.Positions(_model, _mesh, _out);
        return _out[0];
    }
}
