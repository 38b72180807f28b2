namespace DenseFace.Evaluation.Datasets;

/// <summary>MATLAB array class of a <see cref="MatArray"/> (the mxCLASS of the MAT-file v5 format, plus logical).</summary>
public enum MatClass
{
    Cell,
    Struct,
    Char,
    Double,
    Single,
    Int8,
    UInt8,
    Int16,
    UInt16,
    Int32,
    UInt32,
    Int64,
    UInt64,
    /// <summary>uint8 storage with MATLAB's logical flag; values are 0 or 1.</summary>
    Logical,
}
