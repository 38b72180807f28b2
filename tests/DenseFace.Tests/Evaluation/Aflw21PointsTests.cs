using System.Numerics;
using DenseFace.Evaluation.Datasets;
using DenseFace.Evaluation.Metrics;
using DenseFace.Tests.Datasets;
using Xunit.Abstractions;

namespace DenseFace.Tests.Evaluation;

public class Aflw21PointsTests(ITestOutputHelper output)
{
    [Fact]
    public void MappedGroundTruth68LandsOnTheAnnotated21Points()
    {
        // pt2d (AFLW's own 21 points) against the mapping applied to pt3d_68 of the same face
        foreach (var stem in new[] { "image00002", "image00004", "image00006" })
        {
            var s = Aflw2000Sample.Read(MatFileTests.AflwPath(stem));
            var mapped = Aflw21Points.FromIbug68(s.Landmarks2D68.Points);
            double box = LandmarkMetrics.BoxSize(s.Landmarks2D68.Points);
            var line = new List<string>();
            for (int i = 0; i < 21; i++)
            {
                if (!s.Landmarks2D21.Visibility![i]) { line.Add($"{i}:-"); continue; }
                double e = Vector2.Distance(mapped[i], s.Landmarks2D21.Points[i]) / box;
                line.Add($"{i}:{100 * e:F1}");
                if (Aflw21Points.Scored(i)) Assert.True(e < 0.10, $"{stem} AFLW point {i}: {100 * e:F1} % of the box from its iBUG counterpart");
            }
            output.WriteLine($"{stem}: {string.Join(' ', line)}");
        }
    }
}
