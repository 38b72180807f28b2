using System.Numerics;
using DenseFace.FaceModel;

namespace DenseFace.Tests.FaceModel;

public class MorphableModelTests
{
    static MorphableModel M => ModelFixture.Model;

    [Fact]
    public void Dimensions()
    {
        Assert.Equal(26719, M.VertexCount);
        Assert.Equal(100, M.IdentityCount);
        Assert.Equal(53, M.ExpressionCount);
        Assert.Equal(68, M.LandmarkVertices68.Count);
        Assert.Equal(26384, M.PolygonCount);
        Assert.Equal(28911, M.Uvs.Length);
        Assert.Equal(7801, M.FittingVertices.Count);
        Assert.Equal(1487, M.RigidVertices.Count);
        Assert.Equal(9, M.RigidLandmarkIndices.Count);
        Assert.Empty(M.MissingShapes);
    }

    [Fact]
    public void LandmarksAndNamesAgreeWithReadme()
    {
        Assert.Equal(IctLandmarks.MultiPie68.ToArray(), M.LandmarkVertices68);
        Assert.Equal(IctLandmarks.ExpressionNames, M.ExpressionNames);
        foreach (var v in IctLandmarks.RightJawline) Assert.Contains(v, IctLandmarks.RightExtendedJawline.ToArray());
        foreach (var v in IctLandmarks.LeftJawline) Assert.Contains(v, IctLandmarks.LeftExtendedJawline.ToArray());
        // The jaw substitutes share the chin-side points with Multi-PIE (6, 7 and 9, 10).
        Assert.Equal(M.LandmarkVertices68[6], IctLandmarks.RightJawline[6]);
        Assert.Equal(M.LandmarkVertices68[9], IctLandmarks.LeftJawline[0]);
    }

    [Fact]
    public void IndexOfExpressionIsCaseSensitiveWithSuggestions()
    {
        Assert.Equal(26, M.IndexOfExpression("jawOpen"));
        Assert.Equal("eyeBlink_R", M.ExpressionNames[M.IndexOfExpression("eyeBlink_R")]);
        var e = Assert.Throws<InvalidInputException>(() => M.IndexOfExpression("jawopen"));
        Assert.Contains("jawOpen", e.Problem);
        var e2 = Assert.Throws<InvalidInputException>(() => M.IndexOfExpression("eyeBlinkLeft"));
        Assert.Contains("eyeBlink_L", e2.Problem);
    }

    [Fact]
    public void NeutralEqualsObjPositions()
    {
        var obj = ModelFixture.ObjPositions(Path.Combine(TestData.FaceModelDir, "generic_neutral_mesh.obj"));
        Assert.Equal(obj.Length, M.Neutral.Length);
        float maxDiff = 0;
        for (int i = 0; i < obj.Length; i++) maxDiff = MathF.Max(maxDiff, MathF.Abs(obj[i] - M.Neutral[i]));
        Assert.True(maxDiff < 1e-4f, $"max |npz neutral - obj| = {maxDiff} cm");
    }

    [Fact]
    public void AxesAndUnits()
    {
        var n = M.NeutralPositions;
        var lm = M.LandmarkVertices68;
        // Nose tip (iBUG 30) is the most forward landmark: face looks along +z.
        Assert.True(n[lm[30]].Z > n[lm[0]].Z + 5);
        // Brows above the chin: +y up. Roughly 10-14 cm from chin (8) to brow (19, 24).
        float faceHeight = n[lm[19]].Y - n[lm[8]].Y;
        Assert.InRange(faceHeight, 9f, 15f);
        // Subject's left eye (iBUG 42-47) at +x, right eye (36-41) at -x.
        Assert.True(n[lm[45]].X > 2 && n[lm[36]].X < -2);
        // Left eyeball part at +x.
        var eyeL = M.VertexRange(FacePart.EyeballLeft);
        Assert.True(n[eyeL.Start].X > 1);
    }

    [Fact]
    public void EvaluateWithUnitCoefficientsAddsTheMode()
    {
        var beta = new float[100]; beta[0] = 1;
        var psi = new float[53];
        var p = M.Evaluate(beta, psi);
        var id0 = M.IdentityBasis(0);
        for (int v = 0; v < M.VertexCount; v += 97)
            AssertClose(new Vector3(M.Neutral[3 * v] + id0[3 * v], M.Neutral[3 * v + 1] + id0[3 * v + 1], M.Neutral[3 * v + 2] + id0[3 * v + 2]), p[v], 1e-5f);

        beta[0] = 0; psi[M.IndexOfExpression("jawOpen")] = 1;
        p = M.Evaluate(beta, psi);
        var jaw = M.ExpressionDeltas(M.IndexOfExpression("jawOpen"));
        for (int v = 0; v < M.VertexCount; v += 89) AssertClose(M.NeutralPositions[v] + jaw[v], p[v], 1e-5f);
        // Opening the jaw moves the chin down by centimetres.
        float chinDrop = M.NeutralPositions[M.LandmarkVertices68[8]].Y - p[M.LandmarkVertices68[8]].Y;
        Assert.InRange(chinDrop, 0.5f, 5f);
    }

    [Fact]
    public void SimdEvaluateEqualsScalarReference()
    {
        var (beta, psi) = RandomCoefficients(1);
        var fast = M.Evaluate(beta, psi);
        var reference = ScalarReference(beta, psi);
        float maxDiff = 0;
        for (int v = 0; v < M.VertexCount; v++) maxDiff = MathF.Max(maxDiff, (fast[v] - reference[v]).Length());
        Assert.True(maxDiff < 1e-4f, $"max difference {maxDiff} cm");
        Assert.True((fast[100] - M.NeutralPositions[100]).Length() > 0.01f); // the coefficients did something
    }

    [Fact]
    public void ShortCoefficientVectorsMeanZeros()
    {
        var (beta, psi) = RandomCoefficients(2);
        var full = new float[100]; beta.AsSpan(0, 10).CopyTo(full);
        var a = M.Evaluate(beta.AsSpan(0, 10), []);
        var b = M.Evaluate(full, new float[53]);
        Assert.Equal(a, b);
    }

    [Fact]
    public void SubsetEvaluationMatchesFull()
    {
        var (beta, psi) = RandomCoefficients(3);
        var full = M.Evaluate(beta, psi);
        int[] verts = [.. M.LandmarkVertices68, 0, 26718, 21451, 17039];
        var sub = new Vector3[verts.Length];
        M.EvaluateSubset(verts, beta, psi, sub);
        var basis = M.CreateSubsetBasis(verts);
        var fromBasis = new Vector3[verts.Length];
        basis.Evaluate(beta, psi, fromBasis);
        for (int i = 0; i < verts.Length; i++)
        {
            AssertClose(full[verts[i]], sub[i], 1e-4f);
            AssertClose(full[verts[i]], fromBasis[i], 1e-4f);
            AssertClose(full[verts[i]], basis.Evaluate(i, beta, psi), 1e-4f);
        }
    }

    [Fact]
    public void SubsetBasisLayoutIsTheJacobian()
    {
        int v = M.LandmarkVertices68[48];
        var basis = M.CreateSubsetBasis([v], identityCount: 40);
        Assert.Equal(3 + 3 * 40 + 3 * 53, basis.Stride);
        Assert.Equal(M.NeutralPositions[v], basis.NeutralOf(0));
        var id = new float[300]; var ex = new float[159];
        M.GetVertexBasis(v, id, ex);
        var rows = basis.IdentityRows(0);
        for (int r = 0; r < 3; r++)
            for (int k = 0; k < 40; k++)
            {
                Assert.Equal(M.IdentityBasis(k)[3 * v + r], rows[r * 40 + k]);
                Assert.Equal(id[r * 100 + k], rows[r * 40 + k]);
            }
        var erows = basis.ExpressionRows(0);
        for (int r = 0; r < 3; r++)
            for (int e = 0; e < 53; e++) Assert.Equal(M.ExpressionBasis(e)[3 * v + r], erows[r * 53 + e]);
        Assert.Equal(erows.ToArray(), ex);
        Assert.Throws<InvalidInputException>(() => basis.Evaluate(0, new float[41], []));
    }

    [Fact]
    public void SurfacePointsInterpolateTheTriangle()
    {
        var (beta, psi) = RandomCoefficients(4);
        var full = M.Evaluate(beta, psi);
        SurfacePoint[] pts = [new(0, 0.2f, 0.3f), new(5000, 0, 0), new(M.TriangleCount - 1, 0.5f, 0.5f), new(123, 1f / 3, 1f / 3)];
        var direct = new Vector3[pts.Length];
        M.EvaluateSurfacePoints(pts, beta, psi, direct);
        var basis = M.CreateSubsetBasis(pts);
        var viaBasis = new Vector3[pts.Length];
        basis.Evaluate(beta, psi, viaBasis);
        for (int i = 0; i < pts.Length; i++)
        {
            var t = pts[i].Triangle;
            var expected = pts[i].W * full[M.Triangles[3 * t]] + pts[i].U * full[M.Triangles[3 * t + 1]] + pts[i].V * full[M.Triangles[3 * t + 2]];
            AssertClose(expected, M.SurfacePosition(pts[i], full), 1e-5f);
            AssertClose(expected, direct[i], 1e-4f);
            AssertClose(expected, viaBasis[i], 1e-4f);
        }
        Assert.Equal(full[M.Triangles[3 * 5000]], direct[1]);
        Assert.Throws<InvalidInputException>(() => M.CreateSubsetBasis([new SurfacePoint(M.TriangleCount, 0, 0)]));
    }

    [Fact]
    public void BadCoefficientsAreRejected()
    {
        var p = new Vector3[M.VertexCount];
        Assert.Throws<InvalidInputException>(() => M.Evaluate(new float[101], [], p));
        Assert.Throws<InvalidInputException>(() => M.Evaluate([], new float[54], p));
        Assert.Throws<InvalidInputException>(() => M.Evaluate([float.NaN], [], p));
        Assert.Throws<InvalidInputException>(() => M.Evaluate([], [], new Vector3[10]));
        Assert.Throws<InvalidInputException>(() => M.EvaluateSubset([26719], [], [], new Vector3[1]));
        Assert.Throws<InvalidInputException>(() => M.EvaluateSubset([-1], [], [], new Vector3[1]));
    }

    [Fact]
    public void ExpressionDeltasAreIdentityIndependentMorphTargets()
    {
        var (beta, _) = RandomCoefficients(5);
        int e = M.IndexOfExpression("mouthSmile_L");
        var psi = new float[53]; psi[e] = 0.7f;
        var withExpr = M.Evaluate(beta, psi);
        var identityOnly = M.Evaluate(beta, []);
        var deltas = M.ExpressionDeltas(e);
        for (int v = 0; v < M.VertexCount; v += 31) AssertClose(identityOnly[v] + 0.7f * deltas[v], withExpr[v], 1e-4f);
        Assert.Contains(deltas, d => d.Length() > 0.3f);
    }

    static (float[] Beta, float[] Psi) RandomCoefficients(int seed)
    {
        var rng = new Random(seed);
        var beta = new float[100];
        for (int k = 0; k < 100; k++) beta[k] = rng.Next(5) == 0 ? 0 : (float)(rng.NextDouble() * 4 - 2);
        var psi = new float[53];
        for (int e = 0; e < 53; e++) psi[e] = rng.Next(3) == 0 ? 0 : (float)rng.NextDouble();
        return (beta, psi);
    }

    /// <summary>S = neutral + Σ β_k I_k + Σ ψ_e E_e accumulated per vertex in double.</summary>
    static Vector3[] ScalarReference(float[] beta, float[] psi)
    {
        var r = new Vector3[M.VertexCount];
        for (int i = 0; i < 3 * M.VertexCount; i++)
        {
            double s = M.Neutral[i];
            for (int k = 0; k < beta.Length; k++) s += (double)beta[k] * M.IdentityBasis(k)[i];
            for (int e = 0; e < psi.Length; e++) s += (double)psi[e] * M.ExpressionBasis(e)[i];
            var v = r[i / 3];
            if (i % 3 == 0) v.X = (float)s; else if (i % 3 == 1) v.Y = (float)s; else v.Z = (float)s;
            r[i / 3] = v;
        }
        return r;
    }

    internal static void AssertClose(Vector3 expected, Vector3 actual, float tol) =>
        Assert.True((expected - actual).Length() <= tol, $"expected {expected}, got {actual} (tolerance {tol} cm)");
}
