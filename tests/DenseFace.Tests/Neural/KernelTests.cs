using DenseFace.Neural;
using DenseFace.Neural.Kernels;

namespace DenseFace.Tests.Neural;

[Collection("Simd")]
public class KernelTests
{
    public static TheoryData<int> Levels => SimdLevels.All;

    private static void WithLevel(int level, Action body) => SimdLevels.Run(level, body);

    [SkippableTheory]
    [MemberData(nameof(Levels))]
    public void GemmMatchesReferenceForAllTransposesAndEdgeSizes(int level) => WithLevel(level, () =>
    {
        int[] sizes = [1, 3, 7, 8, 9, 31, 32, 33, 65, 130];
        ulong seed = 1;
        foreach (var (m, n, k) in new[] { (1, 1, 1), (8, 32, 16), (9, 33, 7), (130, 65, 300), (3, 70, 513), (17, 31, 1), (64, 129, 40) }
                     .Concat(sizes.Select(s => (s, sizes[(s * 7) % sizes.Length], sizes[(s * 3) % sizes.Length]))))
            foreach (bool ta in new[] { false, true })
                foreach (bool tb in new[] { false, true })
                {
                    int lda = (ta ? m : k) + 3, ldb = (tb ? k : n) + 1, ldc = n + 2;
                    var a = Reference.Random((ta ? k : m) * lda, seed++);
                    var b = Reference.Random((tb ? n : k) * ldb, seed++);
                    var c = Reference.Random(m * ldc, seed++);
                    var c0 = (float[])c.Clone();
                    var bias = Reference.Random(m, seed++);
                    var expect = Reference.Gemm(ta, tb, m, n, k, a, lda, b, ldb);
                    bool acc = (seed & 4) != 0;
                    Sgemm.Multiply(ta, tb, m, n, k, a, lda, b, ldb, c, ldc, acc, bias, FusedActivation.ReLU6);
                    for (int i = 0; i < m; i++)
                    {
                        for (int j = 0; j < n; j++)
                        {
                            double e = Math.Clamp(expect[i * n + j] + bias[i] + (acc ? c0[i * ldc + j] : 0), 0, 6);
                            Assert.True(Math.Abs(c[i * ldc + j] - e) < 1e-4 * Math.Max(1, Math.Sqrt(k)), $"{m}x{n}x{k} ta={ta} tb={tb} at ({i},{j}): {c[i * ldc + j]} vs {e}");
                        }
                        for (int j = n; j < ldc; j++) Assert.Equal(c0[i * ldc + j], c[i * ldc + j]); // padding untouched
                    }
                }
    });

    [SkippableTheory]
    [MemberData(nameof(Levels))]
    public void GemvMatchesReference(int level) => WithLevel(level, () =>
    {
        foreach (var (rows, cols) in new[] { (1, 1), (7, 33), (13, 16), (30, 1280), (5, 15) })
        {
            var w = Reference.Random(rows * cols, 1); var x = Reference.Random(cols, 2); var b = Reference.Random(rows, 3);
            var y = new float[rows];
            Gemv.Rows(w, cols, 0, rows, x, b, y);
            var expect = Reference.Gemm(false, false, rows, 1, cols, w, cols, x, 1).Select((v, i) => v + b[i]).ToArray();
            Assert.True(Reference.MaxAbsDiff(y, expect) < 1e-4 * Math.Sqrt(cols), $"{rows}x{cols}");
        }
    });

    [SkippableTheory]
    [MemberData(nameof(Levels))]
    public void HalfToSingleIsExactForEveryFiniteHalf(int level) => WithLevel(level, () =>
    {
        var all = Enumerable.Range(0, 65536).Select(i => BitConverter.UInt16BitsToHalf((ushort)i)).Where(Half.IsFinite).ToArray();
        Assert.Equal(65536 - 2048, all.Length); // all but the exponent-31 codes: 2 infinities and 2,046 NaNs
        var got = new float[all.Length];
        HalfConvert.ToSingle(all, got);
        for (int i = 0; i < all.Length; i++)
        {
            float expect = (float)all[i];
            Assert.True(BitConverter.SingleToUInt32Bits(expect) == BitConverter.SingleToUInt32Bits(got[i]),
                $"half 0x{BitConverter.HalfToUInt16Bits(all[i]):x4}: {got[i]} vs {expect}");
            Assert.Equal(BitConverter.SingleToUInt32Bits(expect), BitConverter.SingleToUInt32Bits(HalfConvert.Scalar((short)BitConverter.HalfToUInt16Bits(all[i]))));
        }
        // every tail length and offset (vector blocks of 16, 8, 4, then scalar)
        for (int offset = 0; offset < 5; offset++)
            for (int n = 0; n <= 40; n++)
            {
                var part = new float[n + 1];
                part[n] = 1234.5f;
                HalfConvert.ToSingle(all.AsSpan(30000 + offset, n), part.AsSpan(0, n));
                for (int i = 0; i < n; i++) Assert.Equal((float)all[30000 + offset + i], part[i]);
                Assert.Equal(1234.5f, part[n]); // nothing written past the end
            }
    });

    [SkippableTheory]
    [MemberData(nameof(Levels))]
    public void HalfGemvGivesTheFp32GemvsBits(int level) => WithLevel(level, () =>
    {
        // fp16 weights widened exactly and accumulated in the fp32 kernel's order: bit-identical to the fp32 kernel on the
        // widened weights, for every row-block and column-tail case (incl. zeros, -0 and half subnormals in the weights)
        foreach (var (rows, cols) in new[] { (1, 1), (7, 33), (13, 16), (30, 1280), (5, 15), (9, 47), (8, 4100), (6, 4097) })
        {
            var w = Reference.Random(rows * cols, 11, 0.2f);
            for (int i = 0; i < w.Length; i += 7) w[i] *= 1e-5f; // down into the half subnormals (< 6.1e-5)
            w[0] = -0f;
            if (w.Length > 3) w[3] = 0f;
            var half = w.Select(v => (Half)v).ToArray();
            var widened = half.Select(h => (float)h).ToArray();
            var x = Reference.Random(cols, 12); var b = Reference.Random(rows, 13);
            foreach (var (r0, r1) in new[] { (0, rows), (rows / 3, rows) })
            {
                var expect = new float[rows]; var got = new float[rows];
                Gemv.Rows(widened, cols, r0, r1, x, b, expect);
                Gemv.Rows(half, cols, r0, r1, x, b, got);
                Assert.True(expect.AsSpan().SequenceEqual(got), $"{rows}x{cols} rows [{r0}, {r1}): max diff {Reference.MaxAbsDiff(got, expect)}");
            }
        }
    });

    [SkippableFact]
    public void HalfGemmGivesTheSgemmsBits() => WithLevel((int)SimdLevel.Vector512, () =>
    {
        // y (holding the bias) += x W^T from fp16 panels packed once: the SGEMM's bits on the widened weights (same k
        // blocks, same chain per element), for partial row groups and column panels, several k blocks, 1 and 2 threads
        foreach (var (n, outF, inF) in new[] { (3, 1, 1), (8, 3016 / 8, 1280), (5, 100, 257), (9, 48, 600), (16, 48, 513), (17, 33, 7), (8, 64, 256), (4, 31, 300) })
            foreach (int threads in new[] { 1, 2 })
            {
                var half = Reference.Random(outF * inF, (ulong)(n + outF), 0.3f).Select(v => (Half)v).ToArray();
                var w = half.Select(h => (float)h).ToArray();
                var x = Reference.Random(n * inF, 21); var y0 = Reference.Random(n * outF, 22);
                var expect = (float[])y0.Clone(); var got = (float[])y0.Clone();
                var compute = new ComputeContext { MaxDegreeOfParallelism = threads };
                Sgemm.Multiply(false, true, n, outF, inF, x, inF, w, inF, expect, outF, accumulate: true, compute: compute);
                HalfGemm.Multiply(x, n, inF, HalfGemm.Pack(half, outF, inF), outF, got, compute);
                Assert.True(expect.AsSpan().SequenceEqual(got), $"{n} x {outF} x {inF}, {threads} thread(s): max diff {Reference.MaxAbsDiff(got, expect)}");
            }
    });

    [Fact]
    public void NarrowingKeepsFp16OnlyWhenEveryWeightIsExact()
    {
        var exact = Reference.Random(3000, 14).Select(v => (float)(Half)v).ToArray();
        exact[5] = 3e-7f; // in the half subnormal range but not a multiple of 2^-24
        Assert.Null(HalfConvert.TryNarrowExact(exact));
        exact[5] = (float)BitConverter.UInt16BitsToHalf(0x0003); // 3 * 2^-24: an exact subnormal
        exact[6] = -0f; exact[7] = 65504f; // -0 and the largest half
        var half = HalfConvert.TryNarrowExact(exact);
        Assert.NotNull(half);
        Assert.Equal(exact.Select(BitConverter.SingleToUInt32Bits), half.Select(h => BitConverter.SingleToUInt32Bits((float)h)));
        foreach (float bad in new[] { 0.1f, 1f + 1f / 4096, 65520f, 1e5f, float.PositiveInfinity, float.NaN })
        {
            var copy = (float[])exact.Clone();
            copy[2999] = bad;
            Assert.Null(HalfConvert.TryNarrowExact(copy));
        }
        Assert.Null(HalfConvert.TryNarrowExact(Reference.Random(100, 15))); // ordinary fp32 weights stay fp32
    }

    [Fact]
    public void GemmIsIdenticalForAnyThreadCount()
    {
        int m = 96, n = 1000, k = 200;
        var a = Reference.Random(m * k, 5); var b = Reference.Random(k * n, 6);
        var c1 = new float[m * n]; var c2 = new float[m * n];
        Sgemm.Multiply(false, false, m, n, k, a, k, b, n, c1, n);
        Sgemm.Multiply(false, false, m, n, k, a, k, b, n, c2, n, compute: new ComputeContext { MaxDegreeOfParallelism = 2 });
        Assert.Equal(c1, c2);
    }

    [SkippableTheory]
    [MemberData(nameof(Levels))]
    public void ConvolutionMatchesDirectReference(int level) => WithLevel(level, () =>
    {
        // (cin, cout, k, stride, pad, groups, h, w): stem, depthwise s1/s2, grouped, pointwise, strided 1x1, 7x7,
        // small depthwise planes (stride 1, then stride 2 with 16 outputs), stride 2 on widths 16, 32, 64,
        // stride 1 on any width (multiples of 16, masked tails), stride-2 3x3 stems on widths that are multiples of 32
        var cases = new[]
        {
            (3, 8, 3, 2, 1, 1, 17, 20), (16, 16, 3, 1, 1, 16, 37, 35), (16, 16, 3, 2, 1, 16, 9, 40), (8, 12, 3, 1, 1, 4, 6, 7),
            (24, 40, 1, 1, 0, 1, 5, 9), (6, 10, 1, 2, 0, 1, 9, 9), (3, 5, 7, 2, 3, 1, 15, 13), (4, 4, 5, 1, 2, 4, 21, 19),
            (8, 8, 3, 1, 1, 8, 2, 2), (2, 2, 3, 1, 0, 2, 3, 3),
            (32, 32, 3, 1, 1, 32, 4, 4), (16, 16, 3, 1, 1, 16, 8, 8), (16, 16, 3, 1, 1, 16, 8, 4), (8, 8, 3, 1, 1, 8, 4, 8), (8, 8, 3, 1, 1, 8, 16, 8),
            (16, 16, 3, 2, 1, 16, 8, 8), (8, 8, 3, 2, 1, 8, 4, 16), (8, 8, 3, 2, 1, 8, 16, 4), (8, 8, 3, 2, 1, 8, 1, 32), (8, 8, 3, 2, 1, 8, 2, 32),
            (16, 16, 3, 2, 1, 16, 16, 16), (8, 8, 3, 2, 1, 8, 6, 16), (8, 8, 3, 2, 1, 8, 4, 32), (8, 8, 3, 2, 1, 8, 6, 64),
            (8, 8, 3, 1, 1, 8, 5, 16), (8, 8, 3, 1, 1, 8, 3, 48), (8, 8, 3, 1, 1, 8, 1, 32),
            // stride 1 on widths with a masked tail vector (MobileNetV2 at 224: 56, 28, 14, 7), one row, one column
            (8, 8, 3, 1, 1, 8, 7, 7), (8, 8, 3, 1, 1, 8, 14, 14), (8, 8, 3, 1, 1, 8, 6, 28), (8, 8, 3, 1, 1, 8, 4, 56),
            (8, 8, 3, 1, 1, 8, 3, 17), (8, 8, 3, 1, 1, 8, 1, 7), (8, 8, 3, 1, 1, 8, 5, 1),
            // stride 2 with masked tails and odd sizes (112, 56, 28, 14 -> 56, 28, 14, 7 at 224)
            (8, 8, 3, 2, 1, 8, 4, 112), (8, 8, 3, 2, 1, 8, 6, 56), (8, 8, 3, 2, 1, 8, 7, 28), (8, 8, 3, 2, 1, 8, 14, 14),
            (8, 8, 3, 2, 1, 8, 7, 7), (8, 8, 3, 2, 1, 8, 5, 33), (8, 8, 3, 2, 1, 8, 3, 1), (8, 8, 3, 2, 1, 8, 1, 50),
            (3, 32, 3, 2, 1, 1, 10, 64), (3, 20, 3, 2, 1, 1, 7, 96), (5, 8, 3, 2, 1, 1, 4, 32), (3, 32, 3, 2, 1, 1, 6, 224),
            // pointwise on maps whose pixel count leaves partial column panels (7 x 7, 14 x 14)
            (40, 24, 1, 1, 0, 1, 7, 7), (24, 40, 1, 1, 0, 1, 14, 14),
        };
        ulong seed = 100;
        foreach (var (cin, cout, k, s, p, gr, h, w) in cases)
            foreach (int threads in new[] { 1, 2 })
            {
                int n = 2;
                var g = new ConvGeometry(cin, cout, k, s, p, gr);
                var x = new Tensor(Reference.Random(n * cin * h * w, seed++), n, cin, h, w);
                var wt = Reference.Random(g.WeightLength, seed++);
                var bias = Reference.Random(cout, seed++);
                var expect = Reference.Conv(x.Data, n, cin, h, w, wt, bias, cout, k, s, p, gr, out int oh, out int ow);
                var y = new Tensor(n, cout, oh, ow);
                Convolution.Forward(x, g, wt, bias, FusedActivation.None, y, null, new ComputeContext { MaxDegreeOfParallelism = threads });
                Assert.True(Reference.MaxAbsDiff(y.Span, expect) < 1e-4, $"conv {g} {h}x{w}: {Reference.MaxAbsDiff(y.Span, expect)}");
                // Fused residual + ReLU6.
                var res = new Tensor(Reference.Random(y.Length, seed++, 3f), y.Shape.ToArray());
                Convolution.Forward(x, g, wt, bias, FusedActivation.ReLU6, y, res, ComputeContext.Serial);
                var fused = expect.Select((v, i) => Math.Clamp(v + res.Data[i], 0, 6)).ToArray();
                Assert.True(Reference.MaxAbsDiff(y.Span, fused) < 1e-4, $"fused conv {g}");
            }
    });
    [SkippableTheory]
    [MemberData(nameof(Levels))]
    public unsafe void PointwiseConvMatchesReferenceAndPackedProductBitForBit(int level) => WithLevel(level, () =>
    {
        // (m output channels, k input channels, n pixels): YuNet's 16/64-channel layers and heads (1, 4, 10 outputs),
        // partial column strips (n not a multiple of 32, incl. a last strip of <= 16) and partial row blocks; K = 65..256
        // (MobileNetV2's projections and expansions from 96-192 channels, up to one Sgemm.KC block).
        var cases = new[] { (16, 16, 1600), (64, 64, 400), (64, 16, 100), (1, 64, 100), (4, 64, 48), (10, 64, 33), (8, 1, 32), (9, 3, 47), (24, 40, 196), (3, 64, 64),
            (24, 144, 3136), (64, 96, 196), (160, 160, 130), (13, 256, 140), (5, 65, 128), (32, 192, 784) };
        Assert.False(PointwiseConv.Applies(160, 49)); // 7 x 7 maps with K > 64 keep the packed product
        ulong seed = 900;
        foreach (var (m, k, n) in cases)
            foreach (bool accumulate in new[] { false, true })
                foreach (var act in new[] { FusedActivation.None, FusedActivation.ReLU, FusedActivation.ReLU6 })
                {
                    Assert.True(PointwiseConv.Applies(k, n));
                    var a = Reference.Random(m * k, seed++);
                    var x = Reference.Random(k * n, seed++, 3f);
                    var bias = act == FusedActivation.ReLU ? null : Reference.Random(m, seed++);
                    var res = Reference.Random(m * n, seed++, 2f);
                    var packed = new float[Sgemm.PackedLength(m, k)];
                    var direct = (float[])res.Clone();
                    var viaPacked = (float[])res.Clone();
                    fixed (float* pa = a, pp = packed, px = x, pd = direct, pv = viaPacked, pb = bias)
                    {
                        Sgemm.PackMatrixA(false, m, k, pa, k, pp);
                        PointwiseConv.Multiply(pp, m, k, px, n, n, pd, n, accumulate, pb, act);
                        Sgemm.MultiplyPacked(pp, false, m, n, k, px, n, pv, n, accumulate, pb, act, null);
                    }
                    var expect = Reference.Gemm(false, false, m, n, k, a, k, x, n);
                    for (int i = 0; i < m; i++)
                        for (int j = 0; j < n; j++)
                        {
                            double v = expect[i * n + j] + (accumulate ? res[i * n + j] : 0) + (bias?[i] ?? 0);
                            expect[i * n + j] = act == FusedActivation.None ? v : act == FusedActivation.ReLU ? Math.Max(v, 0) : Math.Clamp(v, 0, 6);
                        }
                    Assert.True(Reference.MaxAbsDiff(direct, expect) < 1e-4, $"pointwise {m}x{k}x{n} {accumulate} {act}: {Reference.MaxAbsDiff(direct, expect)}");
                    for (int i = 0; i < direct.Length; i++)
                        Assert.True(BitConverter.SingleToInt32Bits(direct[i]) == BitConverter.SingleToInt32Bits(viaPacked[i]), $"pointwise {m}x{k}x{n} {accumulate} {act}: element {i} {direct[i]} vs packed {viaPacked[i]}");
                }
    });

    [SkippableTheory]
    [MemberData(nameof(Levels))]
    public unsafe void FusedPointwiseDepthwiseEqualsTheTwoLayersBitForBit(int level) => WithLevel(level, () =>
    {
        // (k, m, h, w, scratch floats): one band, many bands (2 rows each, the last one short), odd widths with masked tails, 1-3 rows.
        var cases = new[] { (16, 16, 20, 32, 65536), (64, 64, 23, 40, 64 * 40 * 4), (16, 64, 9, 17, 1), (3, 10, 5, 7, 1), (8, 8, 1, 48, 1), (8, 8, 2, 5, 1), (8, 8, 3, 33, 8 * 33 * 5) };
        ulong seed = 1300;
        int saved = PointwiseDepthwise.ScratchFloats;
        try
        {
            foreach (var (k, m, h, w, scratch) in cases)
            {
                var pw = new ConvGeometry(k, m, 1, 1, 0, 1);
                var dw = new ConvGeometry(m, m, 3, 1, 1, m);
                if (!PointwiseDepthwise.Applies(pw, dw, w)) return; // Vector512 only: other levels run the two layers
                PointwiseDepthwise.ScratchFloats = scratch;
                foreach (var (act1, act2, withBias) in new[] { (FusedActivation.None, FusedActivation.ReLU, false), (FusedActivation.ReLU6, FusedActivation.None, true) })
                {
                    var x = new Tensor(Reference.Random(k * h * w, seed++, 2f), 1, k, h, w);
                    var w1 = Reference.Random(m * k, seed++);
                    var w2 = Reference.Random(m * 9, seed++);
                    var b1 = withBias ? Reference.Random(m, seed++) : null;
                    var b2 = withBias ? Reference.Random(m, seed++) : null;
                    var packed = Convolution.PackWeights(pw, w1);
                    var mid = new Tensor(1, m, h, w);
                    var expect = new Tensor(1, m, h, w);
                    Convolution.Forward(x, pw, w1, b1, act1, mid, null, ComputeContext.Serial, packed);
                    Convolution.Forward(mid, dw, w2, b2, act2, expect, null, ComputeContext.Serial);
                    var y = new float[m * h * w];
                    fixed (float* px = x.Data, pk = packed, pb1 = b1, pw2 = w2, pb2 = b2, py = y)
                        PointwiseDepthwise.Forward(px, k, h, w, pk, m, pb1, act1, pw2, pb2, act2, py);
                    for (int i = 0; i < y.Length; i++)
                        Assert.True(BitConverter.SingleToInt32Bits(y[i]) == BitConverter.SingleToInt32Bits(expect.Data[i]),
                            $"fused {k}->{m} {h}x{w} band {PointwiseDepthwise.BandRows(m, w, h)}: element {i} {y[i]} vs {expect.Data[i]}");
                }
            }
        }
        finally { PointwiseDepthwise.ScratchFloats = saved; }
    });

    [SkippableTheory]
    [MemberData(nameof(Levels))]
    public void VectorOpsMatchScalarFormulas(int level) => WithLevel(level, () =>
    {
        // Lengths below, at and between the vector widths (4, 8, 16) so every body and tail runs.
        foreach (int n in new[] { 1, 3, 4, 5, 7, 8, 9, 12, 15, 16, 17, 20, 31, 33, 67 })
        {
            var x = Reference.Random(n, (ulong)n, 4f); var g = Reference.Random(n, (ulong)n + 100); var v = Reference.Random(n, (ulong)n + 200);
            const float scale = 1.3f, shift = 0.4f, lo = 0f, hi = 6f, mean = 0.2f, a = 0.7f, b = -1.1f, c = 0.05f;
            var y = new float[n];
            VectorOps.ScaleShift(x, scale, shift, lo, hi, y);
            for (int i = 0; i < n; i++) Assert.Equal(Math.Clamp(MathF.FusedMultiplyAdd(x[i], scale, shift), lo, hi), y[i]);
            VectorOps.LinearCombination(x, v, a, b, c, y);
            for (int i = 0; i < n; i++) Assert.Equal(MathF.FusedMultiplyAdd(a, x[i], MathF.FusedMultiplyAdd(b, v[i], c)), y[i]);
            VectorOps.MaskBetween(x, g, lo, hi, y);
            for (int i = 0; i < n; i++) Assert.Equal(x[i] > lo && x[i] < hi ? g[i] : 0f, y[i]);
            VectorOps.MaskedLinearCombination(g, x, scale, shift, lo, hi, a, b, c, y);
            for (int i = 0; i < n; i++)
            {
                float z = MathF.FusedMultiplyAdd(x[i], scale, shift);
                Assert.Equal(MathF.FusedMultiplyAdd(a, z > lo && z < hi ? g[i] : 0f, MathF.FusedMultiplyAdd(b, x[i], c)), y[i]);
            }
            VectorOps.ReLU6(x, y);
            for (int i = 0; i < n; i++) Assert.Equal(Math.Clamp(x[i], 0f, 6f), y[i]);
            // Reductions: vector partial sums differ from the serial order only by rounding.
            double ssd = 0, sum = 0, dot = 0, msum = 0, mdot = 0;
            for (int i = 0; i < n; i++)
            {
                ssd += (x[i] - mean) * (double)(x[i] - mean);
                sum += x[i] - mean; dot += (x[i] - mean) * (double)(v[i] - shift);
                float z = MathF.FusedMultiplyAdd(x[i], scale, shift);
                if (z > lo && z < hi) { msum += g[i]; mdot += g[i] * (double)(x[i] - mean); }
            }
            Assert.Equal(ssd, VectorOps.SumSquaredDeviation(x, mean), 1e-4 * (1 + ssd));
            var (s1, d1) = VectorOps.SumAndDot(x, v, mean, shift);
            Assert.Equal(sum, s1, 1e-4 * n); Assert.Equal(dot, d1, 1e-4 * n);
            var (s2, d2) = VectorOps.MaskedSumAndDot(g, x, scale, shift, lo, hi, mean);
            Assert.Equal(msum, s2, 1e-4 * n); Assert.Equal(mdot, d2, 1e-4 * n);
        }
    });

    [SkippableTheory]
    [MemberData(nameof(Levels))]
    public void DepthwisePlaneMatchesReferenceOnEveryRowPath(int level) => WithLevel(level, () =>
    {
        // One plane per call: 3x3 stride 1/2 on widths 1..40 (Vector128/256/512 row kernels, their tails and the
        // small-plane kernels), plus 5x5 stride 1 through the generic vector loop; ReLU6 fused.
        ulong seed = 900;
        foreach (var (k, s) in new[] { (3, 1), (3, 2), (5, 1) })
            foreach (int w in new[] { 1, 2, 3, 4, 5, 7, 8, 9, 12, 16, 17, 24, 32, 33, 40 })
                foreach (int h in new[] { 1, 4, 7 })
                {
                    int p = k / 2;
                    var x = Reference.Random(h * w, seed++, 3f); var wt = Reference.Random(k * k, seed++); float bias = 0.3f;
                    var expect = Reference.Conv(x, 1, 1, h, w, wt, [bias], 1, k, s, p, 1, out int oh, out int ow);
                    var y = new float[oh * ow];
                    unsafe
                    {
                        fixed (float* px = x, pw = wt, py = y)
                            DepthwiseConv.Plane(px, h, w, pw, k, s, p, bias, FusedActivation.ReLU6, py, oh, ow);
                    }
                    var fused = expect.Select(v => Math.Clamp(v, 0, 6)).ToArray();
                    Assert.True(Reference.MaxAbsDiff(y, fused) < 1e-4, $"{k}x{k} s{s} {h}x{w}: {Reference.MaxAbsDiff(y, fused)}");
                }
    });
}
