using DenseFace.Evaluation.Metrics;

namespace DenseFace.Evaluation.Plots;

/// <summary>
/// Cumulative error distribution plots (<see cref="LandmarkMetrics.Ced"/>): fraction of images with NME ≤ x against x in
/// percent, one curve per method, with each curve's AUC at the x limit in the legend. Written as PNG and SVG with
/// ScottPlot 5 (SkiaSharp; its native assets ship in the NuGet package).
/// </summary>
public static class CedPlot
{
    /// <summary>
    /// Writes <paramref name="basePath"/>.png and .svg (<paramref name="width"/> × <paramref name="height"/> pixels) for
    /// <paramref name="curves"/> (method name → per-image NMEs as fractions) up to <paramref name="maxNme"/> (a fraction);
    /// returns the two paths. Each file is written to a temporary name and renamed.
    /// </summary>
    /// <exception cref="InvalidInputException">No curves, or a curve without samples.</exception>
    public static (string Png, string Svg) Write(string basePath, string title, IReadOnlyList<(string Name, IReadOnlyCollection<double> Nmes)> curves,
        double maxNme = 0.1, int width = 640, int height = 440)
    {
        if (curves.Count == 0) throw new InvalidInputException(basePath, "no CED curves to plot");
        var plot = new ScottPlot.Plot();
        const int steps = 200;
        var xs = Enumerable.Range(0, steps + 1).Select(i => maxNme * i / steps).ToArray();
        foreach (var (name, nmes) in curves)
        {
            if (nmes.Count == 0) throw new InvalidInputException(name, "no samples for a CED curve");
            var f = LandmarkMetrics.Ced(nmes, xs);
            var line = plot.Add.ScatterLine(xs.Select(x => 100 * x).ToArray(), f);
            line.LegendText = $"{name} (AUC@{100 * maxNme:0.#}% {LandmarkMetrics.Auc(nmes, maxNme):F3}, n={nmes.Count})";
            line.LineWidth = 2;
        }
        plot.Title(title);
        plot.XLabel("NME (%)");
        plot.YLabel("fraction of images");
        plot.Axes.SetLimits(0, 100 * maxNme, 0, 1);
        plot.ShowLegend(ScottPlot.Alignment.LowerRight);
        var dir = Path.GetDirectoryName(Path.GetFullPath(basePath))!;
        Directory.CreateDirectory(dir);
        string png = basePath + ".png", svg = basePath + ".svg";
        string tmpPng = png + ".tmp.png", tmpSvg = svg + ".tmp.svg";
        plot.SavePng(tmpPng, width, height);
        plot.SaveSvg(tmpSvg, width, height);
        File.Move(tmpPng, png, overwrite: true);
        File.Move(tmpSvg, svg, overwrite: true);
        return (png, svg);
    }
}
