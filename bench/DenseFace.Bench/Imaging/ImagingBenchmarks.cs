using BenchmarkDotNet.Attributes;
using DenseFace.Geometry;
using DenseFace.Imaging;
using DenseFace.Imaging.Png;

namespace DenseFace.Bench.Imaging;

/// <summary>PNG codec and face-crop warp throughput on a real 300-W photo (indoor_020.png, 726x768 RGB palette PNG).</summary>
[MemoryDiagnoser]
public class ImagingBenchmarks
{
    private byte[] _png = [];
    private Image8 _image = null!;
    private readonly float[] _planes = new float[3 * 256 * 256];
    private AffineTransform2D _crop;

    [GlobalSetup]
    public void Setup()
    {
        _png = File.ReadAllBytes(DataRoot.Path("data", "formats", "mmpose", "300w", "indoor_020.png"));
        _image = PngDecoder.Decode(_png, "indoor_020.png");
        _crop = AffineTransform2D.SimilarityFromBox(_image.Width / 2.0, _image.Height / 2.0, 400, 256, 0.1);
    }

    [Benchmark] public Image8 PngDecode() => PngDecoder.Decode(_png, "bench");
    [Benchmark] public byte[] PngEncode() => PngEncoder.Encode(_image);
    [Benchmark] public Image8 WarpBilinear256() => ImageWarp.WarpAffine(_image, _crop, 256, 256);
    [Benchmark] public Image8 WarpArea64() => ImageWarp.WarpAffine(_image, AffineTransform2D.SimilarityFromBox(_image.Width / 2.0, _image.Height / 2.0, 400, 64), 64, 64, WarpFilter.Area);

    [Benchmark]
    public float[] WarpNormalized256()
    {
        ImageWarp.WarpAffineNormalized(_image, _crop, 256, 256, _planes, [0.5f, 0.5f, 0.5f], [0.25f, 0.25f, 0.25f]);
        return _planes;
    }
}
