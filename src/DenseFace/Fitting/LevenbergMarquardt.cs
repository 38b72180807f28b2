namespace DenseFace.Fitting;

/// <summary>
/// Levenberg–Marquardt on a <see cref="FitProblem"/>: solve (JᵀJ + λ diag(JᵀJ)) δ = −Jᵀr by dense Cholesky,
/// accept the step when the (projected) energy decreases (λ ← λ/10), otherwise reject it (λ ← 10λ); stop after
/// a bounded number of iterations, expressions at a bound whose gradient points outward held fixed (active set), when an accepted step lowers the energy by less than the relative tolerance,
/// or when λ exceeds 1e12. Workspaces are preallocated for the largest parameter count; allocates nothing.
/// </summary>
internal sealed class LevenbergMarquardt
{
    readonly FitProblem _problem;
    readonly double[] _a, _delta;    // damped normal matrix (then its Cholesky factor), step δ
    readonly bool[] _held;           // per parameter: held at a bound for this step
    readonly FitState _trial;        // Φ ⊕ δ under test

    /// <summary>A solver with workspaces for <paramref name="problem"/>'s largest parameter count.</summary>
    public LevenbergMarquardt(FitProblem problem)
    {
        _problem = problem;
        _a = new double[problem.NormalMatrix.Length];
        _delta = new double[problem.Gradient.Length];
        _held = new bool[problem.Gradient.Length];
        _trial = problem.CreateState();
    }

    /// <summary>Minimises from <paramref name="s"/> (updated in place); returns iterations and final energy.</summary>
    public (int Iterations, double Energy) Solve(FitState s, int maxIterations, double relativeTolerance)
    {
        _problem.PrepareIdentity(s, allPoints: false);
        int n = _problem.ParameterCount;
        if (n == 0) return (0, _problem.TotalEnergy(s));
        double lambda = 1e-4;
        double energy = _problem.Accumulate(s);
        _problem.MarkActiveBounds(s, _held);
        int it = 0;
        var h = _problem.NormalMatrix; var g = _problem.Gradient;
        while (it < maxIterations)
        {
            it++;
            for (int i = 0; i < n; i++)
            {
                int ri = i * n;
                if (_held[i])
                {
                    _a.AsSpan(ri, i).Clear();
                    _a[ri + i] = 1;
                    continue;
                }
                for (int j = 0; j < i; j++) _a[ri + j] = _held[j] ? 0 : h[j * n + i];
                double d = h[ri + i];
                _a[ri + i] = d + lambda * Math.Max(d, 1e-6) + 1e-12;
            }
            if (!DenseCholesky.Factor(_a.AsSpan(0, n * n), n))
            {
                lambda *= 10;
                if (lambda > 1e12) break;
                continue;
            }
            for (int i = 0; i < n; i++) _delta[i] = _held[i] ? 0 : -g[i];
            DenseCholesky.Solve(_a, n, _delta, _delta);
            _problem.ApplyStep(s, _delta, _trial);
            if (_problem.IdentityFree) _problem.PrepareIdentity(_trial, allPoints: false);
            double eTrial = _problem.TotalEnergy(_trial);
            if (eTrial < energy)
            {
                double rel = (energy - eTrial) / Math.Max(energy, 1e-300);
                s.CopyFrom(_trial);
                lambda = Math.Max(lambda * 0.1, 1e-9);
                if (rel < relativeTolerance) { energy = eTrial; break; }
                energy = _problem.Accumulate(s);
                _problem.MarkActiveBounds(s, _held);
            }
            else
            {
                if (_problem.IdentityFree) _problem.PrepareIdentity(s, allPoints: false);
                lambda *= 10;
                if (lambda > 1e12) break;
            }
        }
        return (it, energy);
    }
}
