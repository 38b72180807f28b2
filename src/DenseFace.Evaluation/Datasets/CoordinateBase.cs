namespace DenseFace.Evaluation.Datasets;

/// <summary>Where an annotation file puts the centre of the top-left pixel.</summary>
public enum CoordinateBase
{
    /// <summary>(0, 0): the in-memory convention; values are taken as stored.</summary>
    ZeroBased,

    /// <summary>(1, 1), MATLAB style: the reader subtracts 1 from every coordinate.</summary>
    OneBased,
}
