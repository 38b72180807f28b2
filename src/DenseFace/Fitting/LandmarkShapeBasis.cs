using System.Numerics.Tensors;
using DenseFace.FaceModel;

namespace DenseFace.Fitting;

/// <summary>
/// The morphable model S(β, ψ) = S̄ + I β + X ψ (ICT-FaceKit, cm, model axes y up) restricted to the fit's basis
/// points: the layout's landmarks first (point k is landmark k), then the distinct contour candidate vertices the
/// sliding landmarks may move to (<see cref="ContourCorrespondences"/>). Identity rows are dense (3 × identity count
/// per point, x row, y row, z row); expressions are kept sparsely: a point keeps only the expressions whose delta
/// there exceeds the sparsity threshold (cm, max-norm), so a landmark's Jacobian row has few expression non-zeros
/// (Wood et al. 2022, sec. 3.3). The identity shape S̄ + I β is cached per point by <see cref="PrepareIdentity"/>.
/// </summary>
internal sealed class LandmarkShapeBasis
{
    readonly int _identityCount, _expressionCount, _landmarkCount;
    readonly double[] _neutral;            // 3 per point: S̄ (cm)
    readonly double[] _identity;           // 3 · identity count per point (x row, y row, z row), cm per unit β
    readonly int[] _expressionStart;       // per point + 1: range of its active entries
    readonly int[] _expressionIndex;       // per active entry: expression id
    readonly double[] _expressionDelta;    // 3 per active entry (x, y, z), cm per unit ψ
    readonly double[] _identityShape;      // 3 per point: S̄ + I β (cm), from PrepareIdentity

    /// <summary>
    /// Builds the basis of <paramref name="layout"/>'s points followed by <paramref name="candidateVertices"/> (model
    /// vertex ids) with the first <paramref name="identityCount"/> identity modes; expression deltas at or below
    /// <paramref name="sparsityThreshold"/> (cm) are dropped.
    /// </summary>
    public LandmarkShapeBasis(MorphableModel model, FittingLayout layout, ReadOnlySpan<int> candidateVertices, int identityCount, float sparsityThreshold)
    {
        int K = identityCount, E = model.ExpressionCount, L = layout.Count;
        _identityCount = K; _expressionCount = E; _landmarkCount = L;
        int pointCount = L + candidateVertices.Length;
        var landmarkBasis = model.CreateSubsetBasis(layout.Points, K);
        var candidateBasis = candidateVertices.Length > 0 ? model.CreateSubsetBasis(candidateVertices, K) : null;
        _neutral = new double[3 * pointCount];
        _identity = new double[(long)pointCount * 3 * K];
        _expressionStart = new int[pointCount + 1];
        var exIdx = new List<int>();
        var exVal = new List<double>();
        for (int p = 0; p < pointCount; p++)
        {
            var blk = p < L ? landmarkBasis.Block(p) : candidateBasis!.Block(p - L);
            for (int c = 0; c < 3; c++) _neutral[3 * p + c] = blk[c];
            for (int i = 0; i < 3 * K; i++) _identity[(long)p * 3 * K + i] = blk[3 + i];
            var ex = blk.Slice(3 + 3 * K, 3 * E);
            for (int e = 0; e < E; e++)
            {
                float x = ex[e], y = ex[E + e], z = ex[2 * E + e];
                if (MathF.Max(MathF.Abs(x), MathF.Max(MathF.Abs(y), MathF.Abs(z))) <= sparsityThreshold) continue;
                exIdx.Add(e); exVal.Add(x); exVal.Add(y); exVal.Add(z);
            }
            _expressionStart[p + 1] = exIdx.Count;
        }
        _expressionIndex = exIdx.ToArray();
        _expressionDelta = exVal.ToArray();
        _identityShape = new double[3 * pointCount];
    }

    /// <summary>Number of basis points: landmarks, then contour candidates.</summary>
    public int PointCount => _expressionStart.Length - 1;

    /// <summary>Average number of expressions kept per layout landmark (sparsity statistic).</summary>
    public double MeanActiveExpressions => (double)_expressionStart[_landmarkCount] / _landmarkCount;

    /// <summary>
    /// Recomputes the cached identity shape S̄ + I β (cm) from <paramref name="s"/>.Beta for the points flagged in
    /// <paramref name="pointsInUse"/>, or for every point when it is null.
    /// </summary>
    public void PrepareIdentity(FitState s, bool[]? pointsInUse)
    {
        int K = _identityCount, K3 = 3 * K;
        var beta = s.Beta.AsSpan();
        for (int p = 0, pointCount = PointCount; p < pointCount; p++)
        {
            if (pointsInUse is not null && !pointsInUse[p]) continue;
            for (int c = 0; c < 3; c++)
                _identityShape[3 * p + c] = _neutral[3 * p + c] + (K > 0 ? TensorPrimitives.Dot<double>(_identity.AsSpan(p * K3 + c * K, K), beta) : 0);
        }
    }

    /// <summary>Model-space position (cm) of basis point <paramref name="point"/> with frame <paramref name="frame"/>'s expression ψ (identity from <see cref="PrepareIdentity"/>).</summary>
    public (double X, double Y, double Z) ModelPoint(FitState s, int frame, int point)
    {
        double x = _identityShape[3 * point], y = _identityShape[3 * point + 1], z = _identityShape[3 * point + 2];
        int off = frame * _expressionCount;
        for (int a = _expressionStart[point]; a < _expressionStart[point + 1]; a++)
        {
            double w = s.Psi[off + _expressionIndex[a]];
            if (w == 0) continue;
            x += w * _expressionDelta[3 * a]; y += w * _expressionDelta[3 * a + 1]; z += w * _expressionDelta[3 * a + 2];
        }
        return (x, y, z);
    }

    /// <summary>
    /// Identity derivatives of a projected point, ∂x/∂β = w·(∂x/∂S)·I_p (px per unit β), into
    /// <paramref name="derivativesU"/>, <paramref name="derivativesV"/> (the first identity count entries); when <paramref name="point2"/> ≥ 0 adds
    /// w2·(∂x/∂S)₂·I_p2 (a difference of two projections, as in the temporal term). <paramref name="modelJacobian"/>
    /// is the 2×3 ∂x/∂S of <see cref="CameraModel.Derivatives"/>.
    /// </summary>
    public void IdentityDerivatives(int point, ReadOnlySpan<double> modelJacobian, double w, int point2, ReadOnlySpan<double> modelJacobian2, double w2, double[] derivativesU, double[] derivativesV)
    {
        int K = _identityCount;
        var gm = modelJacobian;
        var ix = _identity.AsSpan(point * 3 * K, K); var iy = _identity.AsSpan(point * 3 * K + K, K); var iz = _identity.AsSpan(point * 3 * K + 2 * K, K);
        double g0 = w * gm[0], g1 = w * gm[1], g2 = w * gm[2], g3 = w * gm[3], g4 = w * gm[4], g5 = w * gm[5];
        var du = derivativesU.AsSpan(0, K); var dv = derivativesV.AsSpan(0, K);
        for (int k = 0; k < K; k++)
        {
            du[k] = g0 * ix[k] + g1 * iy[k] + g2 * iz[k];
            dv[k] = g3 * ix[k] + g4 * iy[k] + g5 * iz[k];
        }
        if (point2 < 0) return;
        var gm2 = modelJacobian2;
        var jx = _identity.AsSpan(point2 * 3 * K, K); var jy = _identity.AsSpan(point2 * 3 * K + K, K); var jz = _identity.AsSpan(point2 * 3 * K + 2 * K, K);
        g0 = w2 * gm2[0]; g1 = w2 * gm2[1]; g2 = w2 * gm2[2]; g3 = w2 * gm2[3]; g4 = w2 * gm2[4]; g5 = w2 * gm2[5];
        for (int k = 0; k < K; k++)
        {
            du[k] += g0 * jx[k] + g1 * jy[k] + g2 * jz[k];
            dv[k] += g3 * jx[k] + g4 * jy[k] + g5 * jz[k];
        }
    }

    /// <summary>
    /// Appends w·(∂x/∂S)·X_p for the active expressions of basis point <paramref name="point"/> to
    /// <paramref name="row"/>, at parameter indices <paramref name="expressionStart"/> + expression id (ascending).
    /// </summary>
    public void AppendExpressionDerivatives(JacobianRow row, int expressionStart, int point, ReadOnlySpan<double> modelJacobian, double w)
    {
        var gm = modelJacobian;
        double g0 = w * gm[0], g1 = w * gm[1], g2 = w * gm[2], g3 = w * gm[3], g4 = w * gm[4], g5 = w * gm[5];
        for (int a = _expressionStart[point]; a < _expressionStart[point + 1]; a++)
        {
            double ex = _expressionDelta[3 * a], ey = _expressionDelta[3 * a + 1], ez = _expressionDelta[3 * a + 2];
            row.Append(expressionStart + _expressionIndex[a], g0 * ex + g1 * ey + g2 * ez, g3 * ex + g4 * ey + g5 * ez);
        }
    }
}
