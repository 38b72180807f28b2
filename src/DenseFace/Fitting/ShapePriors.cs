using System.Numerics.Tensors;

namespace DenseFace.Fitting;

/// <summary>
/// The regularisers of Wood et al. 2022 (sec. 3.2): the identity prior w_id ‖β‖² and the expression prior
/// w_exp Σ_i ‖ψ_i‖² (β in units of the model's identity standard deviations, ψ unitless in [0, 1]). As residuals
/// they are √(2 w_id) β and √(2 w_exp) ψ (E = ½ Σ r²), so each adds 2w to its diagonal of JᵀJ and 2w·value to Jᵀr.
/// </summary>
internal sealed class ShapePriors
{
    /// <summary>w_id, the weight of ‖β‖² (≥ 0).</summary>
    public double IdentityWeight { get; set; }

    /// <summary>w_exp, the weight of Σ‖ψ_i‖² (≥ 0).</summary>
    public double ExpressionWeight { get; set; }

    /// <summary>w_id ‖β‖².</summary>
    public double IdentityEnergy(FitState s) => IdentityWeight * TensorPrimitives.SumOfSquares<double>(s.Beta);

    /// <summary>w_exp Σ_i ‖ψ_i‖² over every frame.</summary>
    public double ExpressionEnergy(FitState s) => ExpressionWeight * TensorPrimitives.SumOfSquares<double>(s.Psi);

    /// <summary>
    /// Adds both priors' curvature and gradient for the free parameters to <paramref name="equations"/>; returns
    /// <paramref name="energy"/> plus the prior energies (each added only when its weight is positive).
    /// </summary>
    public double Accumulate(FitState s, ParameterLayout parameters, NormalEquations equations, double energy)
    {
        int identityCount = s.IdentityCount, expressionCount = s.ExpressionCount;
        if (IdentityWeight > 0) energy += IdentityEnergy(s);
        if (parameters.IdentityStart >= 0)
            for (int k = 0; k < identityCount; k++) equations.AddDiagonal(parameters.IdentityStart + k, 2 * IdentityWeight, 2 * IdentityWeight * s.Beta[k]);
        if (ExpressionWeight > 0) energy += ExpressionEnergy(s);
        for (int f = 0; f < s.FrameCount; f++)
            if (parameters.ExpressionStart(f) >= 0)
                for (int e = 0; e < expressionCount; e++) equations.AddDiagonal(parameters.ExpressionStart(f) + e, 2 * ExpressionWeight, 2 * ExpressionWeight * s.Psi[f * expressionCount + e]);
        return energy;
    }

    /// <summary>Number of prior residuals: one per identity mode and one per expression weight of every frame.</summary>
    public static int ResidualCount(int identityCount, int expressionCount, int frameCount) => identityCount + frameCount * expressionCount;

    /// <summary>Writes the residuals √(2 w_id) β, then √(2 w_exp) ψ (frame-major), at <paramref name="r"/>[<paramref name="i"/>..], advancing <paramref name="i"/>.</summary>
    public void Residuals(FitState s, Span<double> r, ref int i)
    {
        for (int k = 0; k < s.Beta.Length; k++) r[i++] = Math.Sqrt(2 * IdentityWeight) * s.Beta[k];
        for (int e = 0; e < s.Psi.Length; e++) r[i++] = Math.Sqrt(2 * ExpressionWeight) * s.Psi[e];
    }
}
