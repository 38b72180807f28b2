using DenseFace.Training.Fitting;
using DenseFace.Fitting;
using DenseFace.Tests.FaceModel;
using Xunit;

namespace DenseFace.Tests.Fitting;

public class JacobianTests
{
    /// <summary>
    /// JᵀJ and Jᵀr accumulated by the sparse analytic path equal those of a Jacobian built by central differences
    /// of the residual vector (every parameter kind: β, focal, extrinsics, rotation on SO(3), translation, ψ), for
    /// two frames and two cameras with the temporal term on, and one frame with a tracking anchor. ψ sits inside (0, 1) so the projection is inactive. Tolerances: the
    /// numeric entries move by ~1e-5 (relative) when the difference step changes, so 1e-4 for H, 1e-5 for Jᵀr.
    /// </summary>
    [Theory]
    [InlineData(2, 2, false)]
    [InlineData(1, 1, true)]
    public void NormalEquationsMatchCentralDifferences(int frames, int cameras, bool anchor)
    {
        var model = ModelFixture.Model;
        var layout = FittingLayout.Dense(model, 24);
        var fitter = new FaceFitter(model, layout, new FitOptions { IdentityModes = 12, ExpressionSparsityThreshold = 0, TemporalWeight = 0.3 });
        var p = fitter.NewProblem(frames, cameras);
        var rng = new Random(5);
        var s = p.CreateState();
        for (int k = 0; k < p.IdentityCount; k++) s.Beta[k] = SyntheticFaces.Gaussian(rng);
        for (int i = 0; i < s.Psi.Length; i++) s.Psi[i] = 0.2 + 0.6 * rng.NextDouble();
        for (int f = 0; f < frames; f++)
        {
            s.Rotation[f] = Matrix3d.Exp(Math.PI + 0.2 * f, 0.3, -0.1 * f);
            s.Translation[3 * f] = 1 + f; s.Translation[3 * f + 1] = -2; s.Translation[3 * f + 2] = 60 + 3 * f;
        }
        s.Focal[0] = 900;
        if (cameras > 1)
        {
            s.Focal[1] = 1300;
            s.CameraRotation[1] = Matrix3d.Exp(0.05, -0.6, 0.02);
            s.CameraTranslation[3] = 30; s.CameraTranslation[4] = 1; s.CameraTranslation[5] = 15;
        }
        if (anchor) p.SetAnchor(Enumerable.Range(0, 2 * layout.Count).Select(i => 230.0 + 5 * i).ToArray());
        for (int f = 0; f < frames; f++)
            for (int c = 0; c < cameras; c++)
            {
                var obs = new Landmark2D[layout.Count];
                for (int k = 0; k < obs.Length; k++) obs[k] = new Landmark2D(200 + 7 * k, 250 - 3 * k, 0.5f + 0.1f * (k % 5));
                p.SetObservations(f, c, obs);
                p.SetPrincipalPoint(c, 255.5, 250);
            }
        p.Configure(identity: true, pose: true, expression: true, Enumerable.Repeat(true, cameras).ToArray(), Enumerable.Range(0, cameras).Select(c => c > 0).ToArray());
        p.PrepareIdentity(s, allPoints: true);
        int n = p.ParameterCount, m = p.ResidualCount;
        double energy = p.Accumulate(s);
        var h = p.NormalMatrix.AsSpan(0, n * n).ToArray();
        var g = p.Gradient.AsSpan(0, n).ToArray();

        var r0 = new double[m];
        p.Residuals(s, r0);
        Assert.Equal(0.5 * r0.Sum(x => x * x), energy, 1e-9 * energy);
        var jac = new double[m, n];
        var delta = new double[n];
        var plus = p.CreateState(); var minus = p.CreateState();
        var rp = new double[m]; var rm = new double[m];
        for (int j = 0; j < n; j++)
        {
            double step = 1e-5;
            Array.Clear(delta); delta[j] = step; p.ApplyStep(s, delta, plus);
            delta[j] = -step; p.ApplyStep(s, delta, minus);
            p.PrepareIdentity(plus, true); p.Residuals(plus, rp);
            p.PrepareIdentity(minus, true); p.Residuals(minus, rm);
            for (int i = 0; i < m; i++) jac[i, j] = (rp[i] - rm[i]) / (2 * step);
        }
        for (int a = 0; a < n; a++)
        {
            double ga = 0;
            for (int i = 0; i < m; i++) ga += jac[i, a] * r0[i];
            Assert.True(Math.Abs(ga - g[a]) <= 1e-5 * (1 + Math.Abs(ga)), $"gradient {a}: numeric {ga}, analytic {g[a]}");
            for (int b = a; b < n; b++)
            {
                double hab = 0;
                for (int i = 0; i < m; i++) hab += jac[i, a] * jac[i, b];
                Assert.True(Math.Abs(hab - h[a * n + b]) <= 1e-4 * (1 + Math.Abs(hab)), $"H[{a},{b}]: numeric {hab}, analytic {h[a * n + b]}");
            }
        }
    }

    [Fact]
    public void CholeskySolvesSpdSystemAndRejectsIndefinite()
    {
        var rng = new Random(1);
        int n = 37;
        var b = new double[n * n];
        for (int i = 0; i < b.Length; i++) b[i] = rng.NextDouble() - 0.5;
        var a = new double[n * n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
            {
                double s = i == j ? 0.1 : 0;
                for (int k = 0; k < n; k++) s += b[i * n + k] * b[j * n + k];
                a[i * n + j] = s;
            }
        var x = new double[n];
        for (int i = 0; i < n; i++) x[i] = i - 10;
        var rhs = new double[n];
        for (int i = 0; i < n; i++) for (int j = 0; j < n; j++) rhs[i] += a[i * n + j] * x[j];
        var l = (double[])a.Clone();
        Assert.True(DenseCholesky.Factor(l, n));
        var sol = new double[n];
        DenseCholesky.Solve(l, n, rhs, sol);
        for (int i = 0; i < n; i++) Assert.Equal(x[i], sol[i], 1e-6);
        a[5 * n + 5] = -1;
        Assert.False(DenseCholesky.Factor(a, n));
    }
}
