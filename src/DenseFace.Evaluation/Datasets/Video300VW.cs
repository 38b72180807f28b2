namespace DenseFace.Evaluation.Datasets;

/// <summary>
/// The 300-VW video layout: <c>{video}/imgs/NNNNNN.jpg</c> frames with <c>{video}/annot/NNNNNN.pts</c> (68 iBUG points,
/// 1-based, converted by <see cref="PtsFile"/>). mmpose's <c>broken_frames.npy</c> list is not read here.
/// </summary>
public static class Video300VW
{
    /// <summary>
    /// Pairs the frames of one video folder with their annotations, in frame order; unpaired or invalid frames are
    /// <see cref="DatasetScan.Problems"/>. Throws <see cref="InvalidInputException"/> when <c>imgs/</c> or <c>annot/</c> is missing.
    /// </summary>
    public static DatasetScan Enumerate(string videoFolder)
    {
        ArgumentNullException.ThrowIfNull(videoFolder);
        var imgs = Path.Combine(videoFolder, "imgs");
        var annot = Path.Combine(videoFolder, "annot");
        if (!Directory.Exists(imgs) || !Directory.Exists(annot))
            throw new InvalidInputException(videoFolder, "not a 300-VW video folder: expected 'imgs' and 'annot' subfolders");
        var images = DatasetScanner.ListFiles(imgs, SearchOption.TopDirectoryOnly).Where(DatasetScanner.IsImage)
            .Select(p => (Path.GetFileNameWithoutExtension(p), p)).ToList();
        var annotations = DatasetScanner.ListFiles(annot, SearchOption.TopDirectoryOnly)
            .Where(p => Path.GetExtension(p).Equals(".pts", StringComparison.OrdinalIgnoreCase))
            .Select(p => (Path.GetFileNameWithoutExtension(p), p)).ToList();
        return DatasetScanner.Pair(images, annotations, 68);
    }
}
