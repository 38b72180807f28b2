using System.Text;

namespace DenseFace.Evaluation.Datasets;

/// <summary>
/// One MATLAB array read by <see cref="MatFile"/>: numeric, logical or char data (as doubles in MATLAB's
/// column-major order, whatever the storage type in the file), a struct (named fields, nested arrays) or a cell
/// array (nested arrays). Complex arrays keep their real part only (<see cref="IsComplex"/> says so).
/// int64/uint64 values beyond 2^53 lose precision in the double conversion.
/// </summary>
public sealed class MatArray
{
    private static readonly IReadOnlyDictionary<string, MatArray> NoFields = new Dictionary<string, MatArray>();
    private readonly double[]? _data;
    private readonly IReadOnlyList<IReadOnlyDictionary<string, MatArray>>? _structElements;

    internal MatArray(string name, MatClass matClass, int[] dimensions, double[]? data, bool isComplex,
        IReadOnlyList<string>? fieldNames = null, IReadOnlyList<IReadOnlyDictionary<string, MatArray>>? structElements = null,
        IReadOnlyList<MatArray>? cells = null)
    {
        Name = name;
        Class = matClass;
        Dimensions = dimensions;
        _data = data;
        IsComplex = isComplex;
        FieldNames = fieldNames ?? [];
        _structElements = structElements;
        Cells = cells ?? [];
        long n = 1;
        foreach (var d in dimensions) n *= d;
        ElementCount = (int)n;
    }

    /// <summary>Variable name (empty for cell elements and struct field values).</summary>
    public string Name { get; }

    /// <summary>MATLAB class.</summary>
    public MatClass Class { get; }

    /// <summary>Dimensions as in MATLAB (at least two: rows, columns, ...).</summary>
    public IReadOnlyList<int> Dimensions { get; }

    /// <summary>Rows (first dimension).</summary>
    public int Rows => Dimensions[0];

    /// <summary>Columns (product of all dimensions after the first).</summary>
    public int Columns => Dimensions[0] == 0 ? 0 : ElementCount / Dimensions[0];

    /// <summary>Number of elements (product of the dimensions).</summary>
    public int ElementCount { get; }

    /// <summary>True when the file stored an imaginary part (dropped; <see cref="Data"/> is the real part).</summary>
    public bool IsComplex { get; }

    /// <summary>True for numeric, logical and char arrays (those with <see cref="Data"/>).</summary>
    public bool HasData => _data != null;

    /// <summary>Values in column-major order (element (r, c) at r + c * Rows); throws for struct and cell arrays.</summary>
    public ReadOnlySpan<double> Data => _data ?? throw new InvalidOperationException($"MATLAB variable '{Name}' is a {Class} array, not numeric");

    /// <summary>Element (row, col) of a 2-D numeric array, as double.</summary>
    public double GetDouble(int row, int col)
    {
        if (Dimensions.Count != 2) throw new InvalidOperationException($"MATLAB variable '{Name}' has {Dimensions.Count} dimensions, not 2");
        ArgumentOutOfRangeException.ThrowIfNegative(row);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(row, Dimensions[0]);
        ArgumentOutOfRangeException.ThrowIfNegative(col);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(col, Dimensions[1]);
        return Data[row + col * Dimensions[0]];
    }

    /// <summary>Element (row, col) of a 2-D numeric array, as float (0-based indices).</summary>
    public float Get(int row, int col) => (float)GetDouble(row, col);

    /// <summary>A copy of <see cref="Data"/> (column-major).</summary>
    public double[] ToDoubleArray() => Data.ToArray();

    /// <summary>A copy of <see cref="Data"/> converted to float (column-major).</summary>
    public float[] ToFloatArray()
    {
        var d = Data;
        var f = new float[d.Length];
        for (int i = 0; i < d.Length; i++) f[i] = (float)d[i];
        return f;
    }

    /// <summary>Text of a char array: each row read across its columns, rows joined by '\n'.</summary>
    public string GetString()
    {
        if (Class != MatClass.Char) throw new InvalidOperationException($"MATLAB variable '{Name}' is a {Class} array, not char");
        var d = Data;
        int rows = Rows, cols = Columns;
        var sb = new StringBuilder(d.Length + rows);
        for (int r = 0; r < rows; r++)
        {
            if (r > 0) sb.Append('\n');
            for (int c = 0; c < cols; c++)
            {
                uint code = (uint)d[r + c * rows];
                if (code <= 0xFFFF) sb.Append((char)code);
                else if (Rune.TryCreate(code, out var rune)) sb.Append(rune.ToString());
                else sb.Append('\uFFFD');
            }
        }
        return sb.ToString();
    }

    /// <summary>Field names of a struct array, in file order (empty for other classes).</summary>
    public IReadOnlyList<string> FieldNames { get; }

    /// <summary>Fields of a 1x1 struct (empty dictionary for other classes); for struct arrays use <see cref="GetStructElement"/>.</summary>
    public IReadOnlyDictionary<string, MatArray> Fields =>
        _structElements is { Count: 1 } ? _structElements[0]
        : _structElements == null ? NoFields
        : throw new InvalidOperationException($"MATLAB struct '{Name}' has {_structElements.Count} elements; use GetStructElement");

    /// <summary>Fields of struct element <paramref name="index"/> (column-major element index).</summary>
    public IReadOnlyDictionary<string, MatArray> GetStructElement(int index) =>
        _structElements == null ? throw new InvalidOperationException($"MATLAB variable '{Name}' is a {Class} array, not struct")
        : _structElements[index];

    /// <summary>Elements of a cell array in column-major order (empty for other classes).</summary>
    public IReadOnlyList<MatArray> Cells { get; }
}
