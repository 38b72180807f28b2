using DenseFace.Detection;

namespace DenseFace.Tests.Detection;

/// <summary>YuNet decoding and non-maximum suppression on hand-made outputs.</summary>
public class DecodeNmsTests
{
    private static readonly Box68Regression Identity68 = new(new double[48]);

    [Fact]
    public void Decode_places_the_prior_at_its_cell_and_scales_back_to_the_image()
    {
        // 2 x 2 cells at stride 8; only cell (row 1, col 0) scores: sqrt(0.81 * 1) = 0.9
        float[] cls = [0.1f, 0.2f, 0.81f, 0.3f], obj = [1, 1, 1, 1];
        var bbox = new float[16];
        bbox[8] = 0.5f; bbox[9] = 0.25f; bbox[10] = MathF.Log(2); bbox[11] = 0; // dx, dy, log w, log h
        var kps = new float[40];
        for (int j = 0; j < 5; j++) { kps[20 + 2 * j] = j; kps[21 + 2 * j] = -j; }
        var c = new FaceDetector.Candidates();
        // network image at half the source scale: p_image = (p_net + 0.5) / 0.5 - 0.5
        FaceDetector.DecodeLevel(8, 2, cls, obj, bbox, kps, 0.5f, 0.5f, 0.6f, c);
        Assert.Equal(1, c.Count);
        var faces = new List<DetectedFace>();
        c.Suppress(0.45f, 10, faces, Identity68);
        var f = Assert.Single(faces);
        Assert.Equal(0.9f, f.Score, 5);
        // centre on the net: ((0 + 0.5) 8, (1 + 0.25) 8) = (4, 10); size (16, 8) -> image centre (8.5, 20.5), size (32, 16)
        Assert.Equal(8.5f - 16, f.Box.X, 4);
        Assert.Equal(20.5f - 8, f.Box.Y, 4);
        Assert.Equal(32, f.Box.Width, 4);
        Assert.Equal(16, f.Box.Height, 4);
        // key point j on the net: ((0 + j) 8, (1 - j) 8)
        for (int j = 0; j < 5; j++)
        {
            Assert.Equal((j * 8 + 0.5f) * 2 - 0.5f, f.Keypoints[j].X, 4);
            Assert.Equal(((1 - j) * 8 + 0.5f) * 2 - 0.5f, f.Keypoints[j].Y, 4);
        }
        Assert.Equal(0, c.Count);
    }

    [Fact]
    public void Decode_keeps_exactly_the_cells_at_or_above_the_threshold()
    {
        float[] cls = [0.36f, 0.3599f, 1, 0], obj = [1, 1, 1, 1];
        var c = new FaceDetector.Candidates();
        FaceDetector.DecodeLevel(16, 4, cls, obj, new float[16], new float[40], 1, 1, 0.6f, c);
        Assert.Equal(2, c.Count); // 0.6 (kept), 0.59991 (dropped), 1 (kept), 0 (dropped)
    }

    [Fact]
    public void Nms_keeps_the_best_of_each_overlapping_group_in_score_order()
    {
        var c = new FaceDetector.Candidates();
        var k = default(Keypoints5);
        c.Add(new FaceBox(0, 0, 10, 10), k, 0.7f);     // overlaps the 0.9 box by IoU 81/119 = 0.68: dropped
        c.Add(new FaceBox(1, 1, 10, 10), k, 0.9f);
        c.Add(new FaceBox(100, 0, 10, 10), k, 0.8f);   // separate: kept
        c.Add(new FaceBox(6, 1, 10, 10), k, 0.85f);    // IoU with the 0.9 box 50/150 = 0.33 <= 0.45: kept
        c.Add(new FaceBox(101, 0, 10, 10), k, 0.65f);  // IoU 90/110 with the 0.8 box: dropped
        var faces = new List<DetectedFace>();
        c.Suppress(0.45f, 10, faces, Identity68);
        Assert.Equal([0.9f, 0.85f, 0.8f], faces.Select(f => f.Score));
        Assert.Equal(6, faces[1].Box.X);
        var few = new List<DetectedFace>();
        c.Add(new FaceBox(0, 0, 10, 10), k, 0.7f);
        c.Add(new FaceBox(50, 0, 10, 10), k, 0.8f);
        c.Suppress(0.45f, 1, few, Identity68);
        Assert.Equal(0.8f, Assert.Single(few).Score);
    }

    [Fact]
    public void IoU_and_tight_box()
    {
        Assert.Equal(1f / 7, FaceBox.IoU(new FaceBox(0, 0, 2, 2), new FaceBox(1, 1, 2, 2)), 5);
        Assert.Equal(0, FaceBox.IoU(new FaceBox(0, 0, 1, 1), new FaceBox(2, 2, 1, 1)));
        var t = FaceBox.Tight([new(3, 4), new(-1, 10), new(5, 6)]);
        Assert.Equal(new FaceBox(-1, 4, 6, 6), t);
    }

    [Fact]
    public void Input_size_is_the_scaled_image_padded_to_32()
    {
        Assert.Equal((320, 256, 0.5f), FaceDetector.InputSize(640, 480, 320));
        Assert.Equal((640, 480, 1f), FaceDetector.InputSize(640, 470, 0));
    }
}
