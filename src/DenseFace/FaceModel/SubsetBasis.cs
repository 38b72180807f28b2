using System.Numerics;
using System.Numerics.Tensors;

namespace DenseFace.FaceModel;

/// <summary>
/// The model restricted to a fixed set of points (vertices or <see cref="SurfacePoint"/>s), stored
/// vertex-major for fast repeated evaluation and Jacobians (built by
/// <see cref="MorphableModel.CreateSubsetBasis(ReadOnlySpan{int}, int)"/>).
/// <para>
/// Memory layout of <see cref="Data"/>: one block of <see cref="Stride"/> = 3 + 3K + 3E floats per point,
/// points in the order given. Within point i's block (offset i·Stride):
/// <code>
///   [0..3)                neutral x, y, z                            (cm)
///   [3 .. 3+3K)           identity, row-major 3×K: row x = ∂x/∂β_0..β_(K−1), then row y, then row z
///   [3+3K .. 3+3K+3E)     expression, row-major 3×E: row x = ∂x/∂ψ_0..ψ_(E−1), then row y, then row z
/// </code>
/// so position_i = neutral_i + I_i·β + E_i·ψ, and the rows are exactly the Jacobian ∂position_i/∂(β, ψ)
/// (the model is linear). K may be fewer than the model's identity modes (the first K are kept).
/// </para>
/// </summary>
public sealed class SubsetBasis
{
    readonly float[] _data;

    /// <summary>Number of points.</summary>
    public int PointCount { get; }
    /// <summary>Identity modes kept (K).</summary>
    public int IdentityCount { get; }
    /// <summary>Expression shapes (E).</summary>
    public int ExpressionCount { get; }
    /// <summary>Floats per point block: 3 + 3K + 3E.</summary>
    public int Stride { get; }
    /// <summary>Offset of the identity rows within a block (3).</summary>
    public int IdentityOffset => 3;
    /// <summary>Offset of the expression rows within a block (3 + 3K).</summary>
    public int ExpressionOffset => 3 + 3 * IdentityCount;
    /// <summary>All blocks (see the class remarks for the layout).</summary>
    public ReadOnlySpan<float> Data => _data;

    internal SubsetBasis(MorphableModel model, (int Vertex, float Weight)[,] corners, int identityCount)
    {
        int points = corners.GetLength(0), perPoint = corners.GetLength(1);
        int K = identityCount, E = model.ExpressionCount, KM = model.IdentityCount;
        PointCount = points; IdentityCount = K; ExpressionCount = E;
        Stride = 3 + 3 * K + 3 * E;
        _data = new float[(long)points * Stride <= Array.MaxLength ? points * Stride
            : throw new InvalidInputException("subset", $"{points} points x {Stride} floats is too large")];
        var id = new float[3 * KM];
        var ex = new float[3 * E];
        var neutral = model.NeutralPositions;
        for (int i = 0; i < points; i++)
        {
            var block = _data.AsSpan(i * Stride, Stride);
            for (int c = 0; c < perPoint; c++)
            {
                var (v, w) = corners[i, c];
                if (w == 0) continue;
                var n = neutral[v];
                block[0] += w * n.X; block[1] += w * n.Y; block[2] += w * n.Z;
                model.GetVertexBasis(v, id, ex);
                for (int r = 0; r < 3; r++)
                {
                    TensorPrimitives.MultiplyAdd(id.AsSpan(r * KM, K), w, block.Slice(3 + r * K, K), block.Slice(3 + r * K, K));
                    TensorPrimitives.MultiplyAdd(ex.AsSpan(r * E, E), w, block.Slice(ExpressionOffset + r * E, E), block.Slice(ExpressionOffset + r * E, E));
                }
            }
        }
    }

    /// <summary>Point i's whole block (Stride floats).</summary>
    public ReadOnlySpan<float> Block(int i) => _data.AsSpan(Check(i) * Stride, Stride);
    /// <summary>Point i's neutral position, cm.</summary>
    public Vector3 NeutralOf(int i) { var b = Block(i); return new Vector3(b[0], b[1], b[2]); }
    /// <summary>Point i's identity Jacobian, row-major 3×K (cm per unit β).</summary>
    public ReadOnlySpan<float> IdentityRows(int i) => Block(i).Slice(IdentityOffset, 3 * IdentityCount);
    /// <summary>Point i's expression Jacobian, row-major 3×E (cm per unit ψ).</summary>
    public ReadOnlySpan<float> ExpressionRows(int i) => Block(i).Slice(ExpressionOffset, 3 * ExpressionCount);

    /// <summary>
    /// Positions of all points for coefficients β (length ≤ K) and ψ (length ≤ E; missing entries are 0), cm.
    /// Six SIMD dot products per point; allocates nothing.
    /// </summary>
    public void Evaluate(ReadOnlySpan<float> identity, ReadOnlySpan<float> expression, Span<Vector3> positionsOut)
    {
        CheckCoefficients(identity, expression);
        if (positionsOut.Length < PointCount) throw new InvalidInputException(nameof(positionsOut), $"holds {positionsOut.Length} positions for {PointCount} points");
        for (int i = 0; i < PointCount; i++) positionsOut[i] = EvaluateBlock(_data.AsSpan(i * Stride, Stride), identity, expression);
    }

    /// <summary>Position of point <paramref name="i"/> (see <see cref="Evaluate(ReadOnlySpan{float}, ReadOnlySpan{float}, Span{Vector3})"/>).</summary>
    public Vector3 Evaluate(int i, ReadOnlySpan<float> identity, ReadOnlySpan<float> expression)
    {
        CheckCoefficients(identity, expression);
        return EvaluateBlock(Block(i), identity, expression);
    }

    Vector3 EvaluateBlock(ReadOnlySpan<float> b, ReadOnlySpan<float> identity, ReadOnlySpan<float> expression)
    {
        int K = IdentityCount, E = ExpressionCount, eo = ExpressionOffset;
        int kl = identity.Length, el = expression.Length;
        float x = b[0], y = b[1], z = b[2];
        if (kl > 0)
        {
            x += TensorPrimitives.Dot(b.Slice(3, kl), identity);
            y += TensorPrimitives.Dot(b.Slice(3 + K, kl), identity);
            z += TensorPrimitives.Dot(b.Slice(3 + 2 * K, kl), identity);
        }
        if (el > 0)
        {
            x += TensorPrimitives.Dot(b.Slice(eo, el), expression);
            y += TensorPrimitives.Dot(b.Slice(eo + E, el), expression);
            z += TensorPrimitives.Dot(b.Slice(eo + 2 * E, el), expression);
        }
        return new Vector3(x, y, z);
    }

    void CheckCoefficients(ReadOnlySpan<float> identity, ReadOnlySpan<float> expression)
    {
        if (identity.Length > IdentityCount) throw new InvalidInputException(nameof(identity), $"{identity.Length} coefficients for {IdentityCount} identity modes");
        if (expression.Length > ExpressionCount) throw new InvalidInputException(nameof(expression), $"{expression.Length} coefficients for {ExpressionCount} expressions");
        foreach (var f in identity) if (!float.IsFinite(f)) throw new InvalidInputException(nameof(identity), "contains NaN or infinity");
        foreach (var f in expression) if (!float.IsFinite(f)) throw new InvalidInputException(nameof(expression), "contains NaN or infinity");
    }

    int Check(int i) => (uint)i < (uint)PointCount ? i : throw new InvalidInputException("point index", $"{i} is outside 0..{PointCount - 1}");
}
