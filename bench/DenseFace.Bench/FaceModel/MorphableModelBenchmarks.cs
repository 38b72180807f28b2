using System.Numerics;
using BenchmarkDotNet.Attributes;
using DenseFace.FaceModel;

namespace DenseFace.Bench.FaceModel;

/// <summary>
/// Evaluation speed of the ICT-FaceKit model: full mesh, gathered subsets and the vertex-major
/// <see cref="SubsetBasis"/> the fitter uses. Run:
/// <c>dotnet run -c Release --project bench/DenseFace.Bench -- --filter '*MorphableModelBenchmarks*'</c>
/// </summary>
[MemoryDiagnoser]
[ShortRunJob]
public class MorphableModelBenchmarks
{
    MorphableModel _model = null!;
    float[] _beta = [], _psi = [];
    Vector3[] _full = [], _sub = [];
    int[] _landmarks = [], _fit700 = [];
    SubsetBasis _basis68 = null!, _basis700 = null!;

    [GlobalSetup]
    public void Setup()
    {
        _model = MorphableModel.Load();
        var rng = new Random(1);
        _beta = Enumerable.Range(0, _model.IdentityCount).Select(_ => (float)(rng.NextDouble() - 0.5)).ToArray();
        _psi = Enumerable.Range(0, _model.ExpressionCount).Select(_ => (float)rng.NextDouble()).ToArray();
        _full = new Vector3[_model.VertexCount];
        _sub = new Vector3[700];
        _landmarks = _model.LandmarkVertices68.ToArray();
        _fit700 = _model.FittingVertices.Where((_, i) => i % 11 == 0).Take(700).ToArray();
        _basis68 = _model.CreateSubsetBasis(_landmarks);
        _basis700 = _model.CreateSubsetBasis(_fit700);
    }

    [Benchmark] public void EvaluateFullMesh() => _model.Evaluate(_beta, _psi, _full);
    [Benchmark] public void EvaluateSubset68() => _model.EvaluateSubset(_landmarks, _beta, _psi, _sub);
    [Benchmark] public void EvaluateSubset700() => _model.EvaluateSubset(_fit700, _beta, _psi, _sub);
    [Benchmark] public void SubsetBasis68() => _basis68.Evaluate(_beta, _psi, _sub);
    [Benchmark] public void SubsetBasis700() => _basis700.Evaluate(_beta, _psi, _sub);
    [Benchmark] public MorphableModel LoadCached() => MorphableModel.Load();
}
