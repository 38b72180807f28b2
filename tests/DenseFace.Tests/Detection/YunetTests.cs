using DenseFace.Detection;
using DenseFace.Imaging;
using DenseFace.Neural.Onnx;

namespace DenseFace.Tests.Detection;

/// <summary>YuNet imported into our engine against ONNX Runtime on real photos, and the detector on them.</summary>
public class YunetTests
{
    private static readonly string ModelDir = TestData.Path("models", "yunet");

    private static string[] Photos() =>
    [
        TestData.Path("data", "300w", "helen", "testset", "296814969_3.jpg"),
        TestData.Path("data", "300w", "afw", "1051618982_1.jpg"),
        TestData.Path("data", "300w", "lfpw", "trainset", "image_0001.jpg"),
    ];

    [Theory]
    [InlineData("yunet_n_dynamic.onnx", 320)]
    [InlineData("yunet_n_dynamic.onnx", 640)]
    [InlineData("yunet_n_dynamic.onnx", 0)]
    [InlineData("yunet_n_320_320.onnx", -1)]
    public void Outputs_match_onnx_runtime_within_1e4_on_photos(string file, int longSide)
    {
        string path = Path.Combine(ModelDir, file);
        var net = OnnxNetwork.Load(path);
        var session = net.CreateSession();
        using var oracle = new YunetOracle(path);
        foreach (var photo in Photos())
        {
            var image = ImageIO.Load(photo);
            if (longSide == 0 && Math.Max(image.Width, image.Height) > 1000) continue; // full resolution: smaller photos only (time)
            int w, h;
            float[] input;
            if (longSide < 0)
            {
                // fixed 320 x 320 model: the image squeezed into the square
                w = h = 320;
                input = new float[3 * 320 * 320];
                var square = ImageWarp.WarpAffine(image, new DenseFace.Geometry.AffineTransform2D(320.0 / image.Width, 0, 0.5 * 320 / image.Width - 0.5, 0, 320.0 / image.Height, 0.5 * 320 / image.Height - 0.5), 320, 320, WarpFilter.Area);
                FaceDetector.Preprocess(square, 0, input, out _, out _);
            }
            else
            {
                var (pw, ph, _) = FaceDetector.InputSize(image.Width, image.Height, longSide);
                input = new float[3 * pw * ph];
                FaceDetector.Preprocess(image, longSide, input, out w, out h);
            }
            session.Run(input, [1, 3, h, w]);
            var reference = oracle.Run(input, h, w);
            Assert.Equal(12, reference.Count);
            foreach (var (name, expected) in reference)
            {
                var got = session.Output(name).Span;
                Assert.Equal(expected.Length, got.Length);
                float worst = 0;
                for (int i = 0; i < expected.Length; i++) worst = Math.Max(worst, Math.Abs(expected[i] - got[i]));
                Assert.True(worst <= 1e-4f, $"{Path.GetFileName(photo)} {w}x{h} {name}: max |ours - ORT| = {worst}");
            }
        }
    }

    [Fact]
    public void Detector_finds_the_annotated_face_in_a_photo()
    {
        var detector = FaceDetector.Load(Path.Combine(ModelDir, "yunet_n_dynamic.onnx"));
        string photo = TestData.Path("data", "300w", "helen", "testset", "296814969_3.jpg");
        var pts = DenseFace.Evaluation.Datasets.PtsFile.Read(Path.ChangeExtension(photo, ".pts"));
        var gt = FaceBox.Tight(pts.Points);
        var faces = detector.Detect(ImageIO.Load(photo));
        Assert.NotEmpty(faces);
        var best = faces.MaxBy(f => FaceBox.IoU(f.Box68, gt));
        Assert.True(FaceBox.IoU(best.Box68, gt) > 0.5f, $"box68 IoU {FaceBox.IoU(best.Box68, gt)}");
        Assert.True(best.Score >= 0.6f);
        // key points inside the 68-point box: eyes above the mouth corners
        Assert.True(best.Keypoints[0].Y < best.Keypoints[3].Y && best.Keypoints[1].Y < best.Keypoints[4].Y);
        for (int i = 0; i < 5; i++)
            Assert.True(best.Keypoints[i].X > gt.X - 0.1f * gt.Width && best.Keypoints[i].X < gt.Right + 0.1f * gt.Width);
    }

    [Fact]
    public void Fine_second_pass_merges_with_the_first_and_bad_options_are_refused()
    {
        var net = OnnxNetwork.Load(Path.Combine(ModelDir, "yunet_n_dynamic.onnx"));
        var image = ImageIO.Load(TestData.Path("data", "300w", "helen", "testset", "296814969_3.jpg"));
        var coarse = new FaceDetector(net).Detect(image);
        var both = new FaceDetector(net, new FaceDetectorOptions { FineLongSide = 640 }).Detect(image);
        Assert.NotEmpty(both);
        Assert.True(both.Count <= coarse.Count + new FaceDetector(net, new FaceDetectorOptions { LongSide = 640 }).Detect(image).Count);
        // NMS across the passes: no two kept faces overlap by more than the NMS threshold
        for (int i = 0; i < both.Count; i++)
            for (int j = i + 1; j < both.Count; j++)
                Assert.True(FaceBox.IoU(both[i].Box, both[j].Box) <= 0.45f);
        Assert.Throws<InvalidInputException>(() => new FaceDetector(net, new FaceDetectorOptions { LongSide = 16 }));
        Assert.Throws<InvalidInputException>(() => new FaceDetector(net, new FaceDetectorOptions { ScoreThreshold = 1.5f }));
    }

    [Fact]
    public void Face_less_images_give_no_face()
    {
        var detector = FaceDetector.Load(Path.Combine(ModelDir, "yunet_n_dynamic.onnx"));
        // smooth two-colour gradient with value noise, and a flat grey image
        var rng = new Random(7);
        var img = new Image8(480, 360, 3);
        var noise = new float[13 * 10];
        for (int i = 0; i < noise.Length; i++) noise[i] = (float)rng.NextDouble();
        for (int y = 0; y < img.Height; y++)
            for (int x = 0; x < img.Width; x++)
            {
                float n = noise[(y / 40) * 13 + x / 40];
                int o = (y * img.Width + x) * 3;
                img.Pixels[o] = (byte)(60 + 120 * n);
                img.Pixels[o + 1] = (byte)(200 * x / img.Width);
                img.Pixels[o + 2] = (byte)(30 + 150 * y / img.Height);
            }
        Assert.Empty(detector.Detect(img));
        var grey = new Image8(320, 240, 1);
        Array.Fill(grey.Pixels, (byte)128);
        Assert.Empty(detector.Detect(grey));
        // tiny and extreme aspect ratios still plan and run (padding to 32)
        Assert.Empty(detector.Detect(new Image8(7, 5, 3)));
        Assert.Empty(detector.Detect(new Image8(1000, 20, 3)));
        Assert.Empty(new FaceDetector(OnnxNetwork.Load(Path.Combine(ModelDir, "yunet_n_dynamic.onnx")), new FaceDetectorOptions { LongSide = 0 }).Detect(new Image8(33, 65, 3)));
    }

    [Fact]
    public void Detect_allocates_nothing_after_warm_up_and_is_thread_safe()
    {
        var detector = FaceDetector.Load(Path.Combine(ModelDir, "yunet_n_dynamic.onnx"));
        var image = ImageIO.Load(TestData.Path("data", "300w", "helen", "testset", "296814969_3.jpg"));
        var faces = new List<DetectedFace>(16);
        detector.Detect(image, faces);
        detector.Detect(image, faces);
        var expected = faces.ToArray();
        long before = GC.GetAllocatedBytesForCurrentThread();
        detector.Detect(image, faces);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated == 0, $"{allocated} bytes allocated");
        Assert.Equal(expected, faces);
        // concurrent calls give the same result as serial ones
        var results = new DetectedFace[4][];
        Parallel.For(0, 4, i => results[i] = detector.Detect(image).ToArray());
        foreach (var r in results) Assert.Equal(expected, r);
    }
}
