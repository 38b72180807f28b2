namespace DenseFace.Neural;

/// <summary>
/// Threading settings of a network's kernels. Work is split into independent pieces (images, channels,
/// column blocks of a matrix product) that each write their own outputs with a fixed summation order, so
/// results are bit-identical for a given <see cref="MaxDegreeOfParallelism"/> and in practice for any
/// value (no reduction order depends on thread scheduling).
/// </summary>
public sealed class ComputeContext
{
    private int _maxDegree = 1;
    private ParallelOptions _options = new() { MaxDegreeOfParallelism = 1 };

    /// <summary>Largest number of threads a kernel may use (1 = run on the calling thread only).</summary>
    public int MaxDegreeOfParallelism
    {
        get => _maxDegree;
        set
        {
            if (value < 1 || value > 1024) throw new ArgumentOutOfRangeException(nameof(value), "must be in [1, 1024]");
            _maxDegree = value;
            _options = new ParallelOptions { MaxDegreeOfParallelism = value };
        }
    }

    /// <summary>A single-threaded context.</summary>
    public static ComputeContext Serial => new();

    /// <summary>
    /// Element-wise work over [0, length): calls <paramref name="body"/>(start, count) on up to
    /// <see cref="MaxDegreeOfParallelism"/> contiguous chunks (one chunk below 64 Ki elements).
    /// </summary>
    public void ForRange(int length, Action<int, int> body)
    {
        int chunks = Math.Min(_maxDegree, Math.Max(1, length >> 16));
        if (chunks <= 1) { body(0, length); return; }
        Parallel.For(0, chunks, _options, t =>
        {
            int a = (int)((long)length * t / chunks), b = (int)((long)length * (t + 1) / chunks);
            body(a, b - a);
        });
    }

    /// <summary>Runs <paramref name="body"/> for i in [0, count), in parallel when allowed and worthwhile.</summary>
    public void For(int count, Action<int> body)
    {
        if (_maxDegree == 1 || count <= 1)
        {
            for (int i = 0; i < count; i++) body(i);
            return;
        }
        Parallel.For(0, count, _options, body);
    }
}
