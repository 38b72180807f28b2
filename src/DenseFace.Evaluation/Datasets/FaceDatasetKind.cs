namespace DenseFace.Evaluation.Datasets;

/// <summary>Landmark layout of an annotation, inferred from its point count.</summary>
public enum FaceDatasetKind
{
    /// <summary>A point count none of the known layouts has.</summary>
    Unknown,

    /// <summary>68 iBUG / Multi-PIE points: 300-W, 300-VW, 300W-LP, AFLW2000-3D, menpo.</summary>
    Ibug68,

    /// <summary>98 WFLW points.</summary>
    Wflw98,

    /// <summary>29 COFW points.</summary>
    Cofw29,
}

/// <summary>Point-count based inference of <see cref="FaceDatasetKind"/>.</summary>
public static class FaceDatasetKinds
{
    /// <summary>The layout with <paramref name="pointCount"/> points, or <see cref="FaceDatasetKind.Unknown"/>.</summary>
    public static FaceDatasetKind FromPointCount(int pointCount) => pointCount switch
    {
        68 => FaceDatasetKind.Ibug68,
        98 => FaceDatasetKind.Wflw98,
        29 => FaceDatasetKind.Cofw29,
        _ => FaceDatasetKind.Unknown,
    };
}
