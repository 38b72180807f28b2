namespace DenseFace.Evaluation.Datasets;

/// <summary>An image with its parsed landmark annotation.</summary>
/// <param name="ImagePath">Absolute image path.</param>
/// <param name="AnnotationPath">Absolute path of the annotation file (<c>.pts</c>).</param>
/// <param name="Landmarks">The landmarks, 0-based pixel centres.</param>
public sealed record LabelledImage(string ImagePath, string AnnotationPath, LandmarkSet Landmarks);

/// <summary>A file a scan skipped, and why (unpaired, unreadable or with an unexpected point count).</summary>
public sealed record DatasetProblem(string Path, string Problem);

/// <summary>Result of a folder scan: the usable pairs in name order and the problems found, reported rather than thrown.</summary>
public sealed class DatasetScan(IReadOnlyList<LabelledImage> items, IReadOnlyList<DatasetProblem> problems)
{
    /// <summary>Images with a valid annotation, sorted by name (numeric stems, e.g. 300-VW frames, in numeric order).</summary>
    public IReadOnlyList<LabelledImage> Items { get; } = items;

    /// <summary>Skipped files with the reason, sorted by path.</summary>
    public IReadOnlyList<DatasetProblem> Problems { get; } = problems;
}
