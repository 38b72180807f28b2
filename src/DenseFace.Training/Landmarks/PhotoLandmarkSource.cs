using System.Numerics;
using DenseFace.Evaluation.Datasets;
using DenseFace.Imaging;

namespace DenseFace.Training.Landmarks;

/// <summary>
/// Real training faces: annotated photos (iBUG .pts beside each image) whose 2D-convention 68 targets are the
/// human annotations (weight 1), with dense targets from their pseudo-label record when one exists
/// (<c>denseface pseudolabel</c>; position and visibility weight <see cref="PseudoLabelWeight"/>, since a fit to
/// 68 points only approximates the dense surface), plus the pseudo-labeller's turned views (300W-LP style renders
/// of the fitted head; their dense labels are exact for the render: weight 1; 68 targets are the iBUG surface
/// points with hidden jaw points left out). Images are decoded on demand.
/// </summary>
public sealed class PhotoLandmarkSource : ILandmarkSource
{
    sealed record Item(string Image, Vector2[]? Annotation, LabelRecord? Labels);

    readonly Item[] _items;
    readonly string _layout;
    readonly int _points;

    /// <summary>Weight of pseudo-label dense targets on the original photos.</summary>
    public float PseudoLabelWeight { get; init; } = 0.5f;

    /// <summary>Annotated photos (with a pseudo-label record).</summary>
    public int AnnotatedCount { get; }
    /// <summary>Photos with a pseudo-label record.</summary>
    public int PseudoLabelledCount { get; }
    /// <summary>Turned views.</summary>
    public int TurnedCount { get; }

    /// <summary>
    /// Scans <paramref name="folders"/> for images with .pts files and reads <paramref name="pseudoIndex"/> (optional)
    /// for their dense labels of layout <paramref name="layout"/> (<paramref name="points"/> points) and turned views.
    /// Files are sorted, so the example order does not depend on the file system.
    /// </summary>
    public PhotoLandmarkSource(IReadOnlyList<string> folders, string? pseudoIndex, string layout, int points)
    {
        _layout = layout; _points = points;
        var records = pseudoIndex is null ? [] : LabelRecord.ReadIndex(pseudoIndex);
        var byImage = new Dictionary<string, LabelRecord>(StringComparer.Ordinal);
        var items = new List<Item>();
        foreach (var r in records)
        {
            if (!r.Layouts.TryGetValue(layout, out var l) || l.Length != points || !r.Layouts.TryGetValue("ibug68", out var i68) || i68.Length != 68)
                throw new InvalidInputException(pseudoIndex!, $"record for {r.Image} lacks layouts {layout} ({points} points) and ibug68");
            if (r.TurnedYaw is null) byImage[Path.GetFullPath(r.Image)] = r;
            else { items.Add(new Item(r.Image, null, r)); TurnedCount++; }
        }
        foreach (var folder in folders)
            foreach (var photo in DatasetScanner.Scan(folder, SearchOption.AllDirectories, expectedPointCount: 68).Items)
            {
                byImage.TryGetValue(Path.GetFullPath(photo.ImagePath), out var rec);
                items.Add(new Item(photo.ImagePath, photo.Landmarks.Points, rec));
                AnnotatedCount++;
                if (rec != null) PseudoLabelledCount++;
            }
        _items = items.OrderBy(i => i.Image, StringComparer.Ordinal).ToArray();
        if (_items.Length == 0) throw new InvalidInputException(string.Join(", ", folders), "no annotated photos found");
    }

    /// <inheritdoc />
    public int Count => _items.Length;

    /// <inheritdoc />
    public LandmarkExample Get(long index)
    {
        var item = _items[index % _items.Length];
        var image = ImageIO.Load(item.Image);
        if (image.Channels != 3) image = image.ConvertTo(3);
        var dense = new Vector2[_points]; var dw = new float[_points]; var vis = new bool[_points]; var vw = new float[_points];
        float weight = item.Annotation is null ? 1 : PseudoLabelWeight;
        if (item.Labels is { } rec)
        {
            var l = rec.Layouts[_layout];
            for (int k = 0; k < _points; k++)
            {
                dense[k] = l[k].Position ?? new Vector2(float.NaN);
                dw[k] = l[k].Position is null ? 0 : weight;
                vis[k] = l[k].Visible; vw[k] = weight;
            }
        }
        Vector2[] ibug; var iw = new float[68];
        if (item.Annotation is { } a) { ibug = a; Array.Fill(iw, 1f); }
        else
        {
            var l = item.Labels!.Layouts["ibug68"];
            ibug = new Vector2[68];
            for (int k = 0; k < 68; k++)
            {
                ibug[k] = l[k].Position ?? new Vector2(float.NaN);
                iw[k] = l[k].Position is null || (k <= 16 && !l[k].Visible) ? 0 : 1;
            }
        }
        var boxWeights = new float[68];
        for (int k = 0; k < 68; k++) boxWeights[k] = float.IsFinite(ibug[k].X) ? 1 : 0;
        return new LandmarkExample
        {
            Image = image, Box = LandmarkExample.Bounds(ibug, boxWeights),
            Dense = dense, DenseWeight = dw, DenseVisible = vis, VisibilityWeight = vw, Ibug68 = ibug, Ibug68Weight = iw,
        };
    }
}
