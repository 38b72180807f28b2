namespace DenseFace.Imaging.Jpeg;

/// <summary>One colour component of a JPEG frame: sampling factors, block geometry and its sample plane.</summary>
internal sealed class JpegComponent
{
    public int Id;
    /// <summary>Horizontal and vertical sampling factors (1..4).</summary>
    public int H, V;
    /// <summary>Quantisation table selector (0..3) from the frame header.</summary>
    public int QuantTableId;
    /// <summary>The quantisation table latched when the component's first scan starts (natural order).</summary>
    public int[]? Quant;
    /// <summary>Component size in samples: ceil(imageWidth * H / Hmax) x ceil(imageHeight * V / Vmax).</summary>
    public int Width, Height;
    /// <summary>Blocks holding real samples (used by non-interleaved scans).</summary>
    public int WidthInBlocks, HeightInBlocks;
    /// <summary>Blocks padded to whole MCUs (used by interleaved scans); the plane holds this many.</summary>
    public int BlocksPerLine, BlocksPerColumn;
    /// <summary>Decoded samples, <see cref="BlocksPerLine"/> * 8 per row (a pooled array, possibly longer than needed).</summary>
    public byte[] Plane = [];
    /// <summary>Progressive frames only: all coefficients, 64 per block in natural order, block row-major (pooled, possibly longer).</summary>
    public short[]? Coefficients;
    /// <summary>DC predictor of the current scan (T.81 F.2.1.3.1).</summary>
    public int DcPredictor;
    /// <summary>Huffman table selectors of the current scan, and the resolved tables.</summary>
    public int DcTableId, AcTableId;
    public JpegHuffmanTable? DcTable, AcTable;

    public int Stride => BlocksPerLine * 8;
}
