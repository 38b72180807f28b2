using DenseFace.Evaluation.Datasets;

namespace DenseFace.Tests.Datasets;

public class MmposeAnnotationsTests
{
    private static string Json(string set, string file) => TestData.Path("data", "formats", "mmpose", set, file);

    [Theory]
    [InlineData("300w", "test_300w.json", 2, 68, FaceDatasetKind.Ibug68, true)]
    [InlineData("300vw", "anno_300vw.json", 3, 68, FaceDatasetKind.Ibug68, false)]
    [InlineData("300wlp", "test_300wlp.json", 2, 68, FaceDatasetKind.Ibug68, true)]
    [InlineData("wflw", "test_wflw.json", 4, 98, FaceDatasetKind.Wflw98, true)]
    [InlineData("cofw", "test_cofw.json", 2, 29, FaceDatasetKind.Cofw29, true)]
    public void ReadsEverySample(string set, string file, int faces, int points, FaceDatasetKind kind, bool hasBox)
    {
        var list = MmposeAnnotations.Read(Json(set, file));
        Assert.Equal(faces, list.Count);
        foreach (var f in list)
        {
            Assert.Equal(points, f.Landmarks.Count);
            Assert.Equal(kind, f.Kind);
            Assert.True(File.Exists(f.ImagePath), f.ImagePath);
            Assert.True(Path.IsPathRooted(f.ImagePath));
            Assert.Equal(hasBox, f.Box.HasValue);
            Assert.All(f.Landmarks.Visibility!, Assert.True);
            Assert.NotNull(f.ImageWidth);
            foreach (var p in f.Landmarks.Points)
            {
                Assert.InRange(p.X, 0, f.ImageWidth!.Value);
                Assert.InRange(p.Y, 0, f.ImageHeight!.Value);
            }
            if (f.Box is { } box)
            {
                // The box sits on the face: its centre lies within the points' extent (one WFLW sample box is
                // only half as tall as its points, so containment of all points is not a property of the data).
                float cx = box.X + box.Width / 2, cy = box.Y + box.Height / 2;
                Assert.InRange(cx, f.Landmarks.Points.Min(p => p.X), f.Landmarks.Points.Max(p => p.X));
                Assert.InRange(cy, f.Landmarks.Points.Min(p => p.Y), f.Landmarks.Points.Max(p => p.Y));
            }
        }
    }

    [Fact]
    public void FieldsOf300WSampleAreReadAsStored()
    {
        var f = MmposeAnnotations.Read(Json("300w", "test_300w.json"))[0];
        Assert.Equal(197, f.ImageId);
        Assert.Equal(197, f.AnnotationId);
        Assert.Equal("indoor_029.png", Path.GetFileName(f.ImagePath));
        Assert.Equal((960, 845), (f.ImageWidth!.Value, f.ImageHeight!.Value));
        Assert.Equal(268.0f, f.Landmarks.Points[0].X);
        Assert.Equal(398.882f, f.Landmarks.Points[0].Y);
        Assert.Equal(223.7298f, f.Box!.Value.X);
        Assert.Equal(571.4508f, f.Box!.Value.Height);
        Assert.Equal(489.5f, f.Center!.Value.X);
        Assert.Equal(2.385f, f.Scale);
    }

    [Fact]
    public void Mmpose300VWKeypointsAreTheOneBasedPtsValues()
    {
        var faces = MmposeAnnotations.Read(Json("300vw", "anno_300vw.json"), CoordinateBase.OneBased);
        var first = faces[0];
        Assert.Equal(Path.Combine(Path.GetDirectoryName(Json("300vw", "anno_300vw.json"))!, "001", "imgs", "000006.jpg"), first.ImagePath);
        Assert.Null(first.Box);
        var pts = PtsFile.Read(Json("300vw", Path.Combine("001", "annot", "000006.pts")));
        Assert.Equal(pts.Points, first.Landmarks.Points);
        Assert.Equal(810.8955f - 1, first.Center!.Value.X, 3);
        var asStored = MmposeAnnotations.Read(Json("300vw", "anno_300vw.json"))[0];
        Assert.Equal(first.Landmarks.Points[5].X + 1, asStored.Landmarks.Points[5].X, 3);
    }

    private static InvalidInputException Rejected(string json)
    {
        var path = Path.Combine(Path.GetTempPath(), $"denseface-mmpose-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, json);
        try
        {
            var e = Assert.Throws<InvalidInputException>(() => MmposeAnnotations.Read(path));
            Assert.Equal(path, e.InputName);
            return e;
        }
        finally { File.Delete(path); }
    }

    private const string Image = """{"id": 1, "file_name": "a.jpg", "width": 10, "height": 10}""";
    private static string Doc(string annotation, string images = Image) => $$"""{"images": [{{images}}], "annotations": [{{annotation}}]}""";

    public static TheoryData<string, string> Malformed() => new()
    {
        { "{\"images\": [", "invalid JSON" },
        { "[1, 2]", "not a JSON object" },
        { "{\"annotations\": []}", "missing 'images'" },
        { "{\"images\": {}, \"annotations\": []}", "'images' is not an array" },
        { "{\"images\": []}", "missing 'annotations'" },
        { Doc("""{"image_id": 1, "id": 1}"""), "missing 'keypoints'" },
        { Doc("""{"image_id": 1, "keypoints": [1, 2, 1]}"""), "missing 'id'" },
        { Doc("""{"id": 1, "keypoints": [1, 2, 1]}"""), "missing 'image_id'" },
        { Doc("""{"image_id": 2, "id": 1, "keypoints": [1, 2, 1]}"""), "matches no entry" },
        { Doc("""{"image_id": 1, "id": 1, "keypoints": [1, 2, 1, 4]}"""), "multiple of 3" },
        { Doc("""{"image_id": 1, "id": 1, "keypoints": []}"""), "multiple of 3" },
        { Doc("""{"image_id": 1, "id": 1, "keypoints": [1, "x", 1]}"""), "keypoints[1] is not a number" },
        { Doc("""{"image_id": 1, "id": 1, "keypoints": [1, 1e300, 1]}"""), "out of range" },
        { Doc("""{"image_id": 1, "id": 1, "keypoints": [1, 2, 7]}"""), "visibility" },
        { Doc("""{"image_id": 1, "id": 1, "keypoints": [1, 2, 1], "bbox": [1, 2, 3]}"""), "bbox has 3 numbers" },
        { Doc("""{"image_id": 1, "id": 1, "keypoints": [1, 2, 1], "bbox": [1, 2, -3, 4]}"""), "negative" },
        { Doc("""{"image_id": 1, "id": 1, "keypoints": [1, 2, 1], "scale": 0}"""), "scale must be positive" },
        { Doc("""{"image_id": 1.5, "id": 1, "keypoints": [1, 2, 1]}"""), "image_id must be an integer" },
        { Doc("1"), "is not an object" },
        { Doc("", Image + "," + Image), "appears twice" },
        { Doc("", """{"id": 1}"""), "missing 'file_name'" },
        { Doc("", """{"id": 1, "file_name": ""}"""), "file_name must be" },
        { Doc("", """{"id": 1, "file_name": "a.jpg", "width": -4}"""), "width must be" },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void MalformedJsonIsRejectedNamingTheFile(string json, string expected)
    {
        Assert.Contains(expected, Rejected(json).Message);
    }

    [Fact]
    public void TruncatedSamplesAreRejectedNamingTheFile()
    {
        var text = File.ReadAllText(Json("wflw", "test_wflw.json"));
        for (int k = 1; k < 10; k++) Assert.Contains("invalid JSON", Rejected(text[..(text.Length * k / 10)]).Message);
    }

    [Fact]
    public void MissingFileNamesThePath()
    {
        Assert.Equal("/no/such.json", Assert.Throws<InvalidInputException>(() => MmposeAnnotations.Read("/no/such.json")).InputName);
    }
}
