namespace DenseFace.Fitting;

/// <summary>
/// The Gauss–Newton normal equations H = JᵀJ (n × n row-major, upper triangle filled) and g = Jᵀr of a fit,
/// accumulated one residual pair (r_u, r_v) at a time without forming J (Wood et al. 2022, sec. 3.3). Each pair's
/// non-identity non-zeros go in <see cref="Row"/> and take a rank-2 update there; its dense identity derivatives
/// (<see cref="IdentityU"/>, <see cref="IdentityV"/>) are batched <see cref="BatchRows"/> rows at a time into the
/// β × β block by <see cref="SymmetricRankUpdate"/>, with the β × other cross terms written to the lower triangle and
/// mirrored by <see cref="Finish"/>. Preallocated for the largest parameter count; allocates nothing.
/// </summary>
internal sealed class NormalEquations
{
    /// <summary>Identity-derivative rows batched per <see cref="SymmetricRankUpdate"/> call.</summary>
    public const int BatchRows = 64;

    readonly int _identityCount;
    readonly double[] _matrix, _gradient;
    readonly JacobianRow _row;
    readonly double[] _identityU, _identityV;  // identity count: ∂r_u/∂β, ∂r_v/∂β of the current pair
    readonly double[] _batch;                  // identity count × BatchRows, column per parameter
    int _batchCount, _count, _identityStart;

    /// <summary>Workspaces for up to <paramref name="maxParameters"/> parameters, <paramref name="identityCount"/> identity modes and rows of <paramref name="maxRowNonZeros"/> non-identity non-zeros.</summary>
    public NormalEquations(int maxParameters, int identityCount, int maxRowNonZeros)
    {
        _identityCount = identityCount;
        _matrix = new double[(long)maxParameters * maxParameters];
        _gradient = new double[maxParameters];
        _row = new JacobianRow(maxRowNonZeros);
        _identityU = new double[identityCount]; _identityV = new double[identityCount];
        _batch = new double[identityCount * BatchRows];
    }

    /// <summary>H = JᵀJ, row-major with stride n (the current parameter count); the upper triangle is valid after <see cref="Finish"/>.</summary>
    public double[] Matrix => _matrix;

    /// <summary>g = Jᵀr (first n entries).</summary>
    public double[] Gradient => _gradient;

    /// <summary>The current pair's non-identity Jacobian non-zeros (ascending indices above the identity block).</summary>
    public JacobianRow Row => _row;

    /// <summary>∂r_u/∂β of the current pair (fill before <see cref="AddPair"/> when the identity is free).</summary>
    public double[] IdentityU => _identityU;

    /// <summary>∂r_v/∂β of the current pair.</summary>
    public double[] IdentityV => _identityV;

    /// <summary>Clears H and g for <paramref name="count"/> parameters with the identity block at <paramref name="identityStart"/> (−1: identity held).</summary>
    public void Begin(int count, int identityStart)
    {
        _count = count; _identityStart = identityStart;
        _batchCount = 0;
        _matrix.AsSpan(0, count * count).Clear();
        _gradient.AsSpan(0, count).Clear();
    }

    /// <summary>
    /// Adds one residual pair with weighted residuals (<paramref name="ru"/>, <paramref name="rv"/>) = scale·r and
    /// Jacobian rows √scale·J (J = <see cref="Row"/> and, when the identity is free, <see cref="IdentityU"/>,
    /// <see cref="IdentityV"/>): H += scale·JᵀJ, g += Jᵀ(ru, rv).
    /// </summary>
    public void AddPair(double ru, double rv, double scale)
    {
        int n = _count, K = _identityCount;
        _row.Accumulate(_matrix, _gradient, n, ru, rv, scale);
        if (_identityStart < 0) return;
        _row.AccumulateCross(_matrix, n, _identityStart, _identityU, _identityV, K, scale);
        double sq = Math.Sqrt(scale);
        for (int k = 0; k < K; k++)
        {
            _gradient[_identityStart + k] += _identityU[k] * ru + _identityV[k] * rv;
            _batch[k * BatchRows + _batchCount] = sq * _identityU[k];
            _batch[k * BatchRows + _batchCount + 1] = sq * _identityV[k];
        }
        _batchCount += 2;
        if (_batchCount == BatchRows) FlushBatch();
    }

    /// <summary>Adds <paramref name="curvature"/> to H[i, i] and <paramref name="gradient"/> to g[i] (a quadratic prior on parameter <paramref name="index"/>).</summary>
    public void AddDiagonal(int index, double curvature, double gradient)
    {
        _matrix[index * _count + index] += curvature;
        _gradient[index] += gradient;
    }

    void FlushBatch()
    {
        if (_batchCount == 0) return;
        SymmetricRankUpdate.Apply(_matrix, _count, _identityStart, _batch, _identityCount, _batchCount, BatchRows);
        _batchCount = 0;
    }

    /// <summary>Flushes the β batch and copies the β × other cross terms from the lower to the upper triangle.</summary>
    public void Finish()
    {
        if (_identityStart < 0) return;
        FlushBatch();
        int n = _count, K = _identityCount;
        for (int i = _identityStart + K; i < n; i++)
            for (int a = _identityStart; a < _identityStart + K; a++) _matrix[a * n + i] = _matrix[i * n + a];
    }
}
