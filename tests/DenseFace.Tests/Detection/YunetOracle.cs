using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace DenseFace.Tests.Detection;

/// <summary>ONNX Runtime (test-only reference) running a YuNet file on one thread.</summary>
internal sealed class YunetOracle : IDisposable
{
    private readonly InferenceSession _session;

    public YunetOracle(string path)
    {
        var options = new SessionOptions { IntraOpNumThreads = 1, InterOpNumThreads = 1, ExecutionMode = ExecutionMode.ORT_SEQUENTIAL };
        _session = new InferenceSession(path, options);
    }

    /// <summary>Runs the graph on a [1, 3, h, w] input; returns every output by name.</summary>
    public Dictionary<string, float[]> Run(float[] input, int h, int w)
    {
        var tensor = new DenseTensor<float>(input.AsMemory(0, 3 * h * w), [1, 3, h, w]);
        using var results = _session.Run([NamedOnnxValue.CreateFromTensor("input", tensor)]);
        return results.ToDictionary(r => r.Name, r => r.AsEnumerable<float>().ToArray());
    }

    public void Dispose() => _session.Dispose();
}
