using System.Numerics;
using DenseFace.Evaluation.Datasets;
using DenseFace.Evaluation.Metrics;
using DenseFace.Fitting;
using DenseFace.Tests.FaceModel;
using Xunit;

namespace DenseFace.Tests.Fitting;

public class RealPhotoTests
{
    /// <summary>
    /// Fitting the 68 ground-truth points of the first 12 300-W HELEN test images (σ = 2 px, sliding jaw): the
    /// model reproduces the annotations to a small reprojection NME (inter-ocular, outer eye corners 36/45). All
    /// 330 images via <c>denseface fit --folder</c>: mean 2.2 %; the bound leaves margin for the subset.
    /// </summary>
    [Fact]
    public void HelenGroundTruthReprojectsWithSmallNme()
    {
        var model = ModelFixture.Model;
        var fitter = new FaceFitter(model, FittingLayout.Ibug68(model));
        var scan = DatasetScanner.Scan(TestData.Path("data", "300w", "helen", "testset"), expectedPointCount: 68);
        Assert.True(scan.Items.Count >= 12);
        var nmes = new List<double>();
        foreach (var item in scan.Items.Take(12))
        {
            // the image size sets the principal point (image centre)
            var img = DenseFace.Imaging.Jpeg.JpegDecoder.Decode(File.ReadAllBytes(item.ImagePath), item.ImagePath);
            var lms = item.Landmarks.Points.Select(p => new Landmark2D(p.X, p.Y, 2)).ToArray();
            var r = fitter.FitImage(lms, new CameraSpec(img.Width, img.Height));
            nmes.Add(LandmarkMetrics.NmeInterOcular(r.ProjectedLandmarksPx, item.Landmarks.Points, item.ImagePath));
        }
        Assert.True(nmes.Average() < 0.035, $"mean NME {nmes.Average():P2}; per image {string.Join(", ", nmes.Select(n => n.ToString("P1")))}");
        Assert.True(nmes.Max() < 0.07, $"max NME {nmes.Max():P2}");
    }
}
