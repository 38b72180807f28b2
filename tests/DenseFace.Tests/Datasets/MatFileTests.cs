using System.Buffers.Binary;
using System.IO.Compression;
using DenseFace.Evaluation.Datasets;

namespace DenseFace.Tests.Datasets;

public class MatFileTests
{
    internal static string AflwPath(string stem) => TestData.Path("data", "formats", "aflw2000-3d", stem + ".mat");

    public static TheoryData<string> AflwStems() => new() { "image00002", "image00004", "image00006" };

    // Golden values come from an independent stdlib-only Python 3 reader (struct + zlib), run by hand:
    //
    //   import struct, zlib
    //   T = {1:'b',2:'B',3:'h',4:'H',5:'i',6:'I',7:'f',9:'d',12:'q',13:'Q'}; S = {'b':1,'B':1,'h':2,'H':2,'i':4,'I':4,'f':4,'d':8,'q':8,'Q':8}
    //   def elems(buf, e):
    //       p = 0
    //       while p + 8 <= len(buf):
    //           t, n = struct.unpack_from(e+'II', buf, p)
    //           if t >> 16: yield t & 0xffff, buf[p+4:p+4+(t >> 16)]; p += 8; continue
    //           yield t, buf[p+8:p+8+n]; p += 8 + (n if t == 15 else (n + 7) & ~7)   # miCOMPRESSED is not padded
    //   def matrix(buf, e):
    //       it = list(elems(buf, e)); t, d = it[3]; c = T[t]
    //       return it[2][1].decode(), struct.unpack(e + c * (len(d) // S[c]), d)
    //   b = open('image00002.mat', 'rb').read(); e = '<' if b[126:128] == b'IM' else '>'
    //   for t, d in elems(b[128:], e):
    //       if t == 15: t, d = next(elems(zlib.decompress(d), e))
    //       name, re = matrix(d, e); print(name, re[:3], re[-3:], repr(sum(re)))
    //
    // (values listed in column-major order; sums are float64 sums of the stored values.)
    public static TheoryData<string, string, double> GoldenSums() => new()
    {
        { "image00002", "pt3d_68", 34223.1895942688 }, { "image00002", "pt2d", 9687.903435202208 },
        { "image00002", "Pose_Para", 390.44456361664925 }, { "image00002", "Shape_Para", -290200.71674144635 },
        { "image00002", "Exp_Para", -5.658541580085588 }, { "image00002", "roi", 822 },
        { "image00002", "Tex_Para", 4230.1354637146 }, { "image00002", "Illum_Para", 24.780715197324753 },
        { "image00002", "Color_Para", 3.479770377278328 },
        { "image00004", "pt3d_68", 33837.32149887085 }, { "image00004", "pt2d", 9964.304347826088 },
        { "image00004", "Pose_Para", 461.60818074806593 }, { "image00004", "Exp_Para", -5.206214285424906 },
        { "image00004", "roi", 870 },
        { "image00006", "pt3d_68", 34998.474477767944 }, { "image00006", "Shape_Para", -207939.9777130816 },
        { "image00006", "Pose_Para", 452.9721191363642 }, { "image00006", "roi", 1362 },
    };

    [Theory]
    [MemberData(nameof(AflwStems))]
    public void AflwFilesParseWithExpectedVariables(string stem)
    {
        var mat = MatFile.Read(AflwPath(stem));
        Assert.StartsWith("MATLAB 5.0 MAT-file", mat.HeaderText);
        Assert.Equal(new[] { "Color_Para", "Exp_Para", "Illum_Para", "Pose_Para", "Shape_Para", "Tex_Para", "pt2d", "pt3d_68", "roi" },
            mat.Variables.Keys.Order(StringComparer.Ordinal));
        void Check(string name, MatClass cls, int rows, int cols)
        {
            var v = mat.Get(name);
            Assert.Equal(name, v.Name);
            Assert.Equal(cls, v.Class);
            Assert.Equal(new[] { rows, cols }, v.Dimensions);
            Assert.False(v.IsComplex);
        }
        Check("pt3d_68", MatClass.Single, 3, 68);
        Check("pt2d", MatClass.Double, 2, 21);
        Check("Pose_Para", MatClass.Single, 1, 7);
        Check("Shape_Para", MatClass.Double, 199, 1);
        Check("Exp_Para", MatClass.Double, 29, 1);
        Check("roi", MatClass.Int16, 1, 4);
        var missing = Assert.Throws<InvalidInputException>(() => mat.Get("nope"));
        Assert.Contains(stem, missing.Message);
    }

    [Theory]
    [MemberData(nameof(GoldenSums))]
    public void ValuesMatchIndependentReader(string stem, string variable, double expectedSum)
    {
        var data = MatFile.Read(AflwPath(stem)).Get(variable).Data;
        double sum = 0;
        foreach (var d in data) sum += d;
        Assert.Equal(expectedSum, sum, Math.Abs(expectedSum) * 1e-12 + 1e-9);
    }

    [Fact]
    public void IndividualValuesMatchIndependentReader()
    {
        var mat = MatFile.Read(AflwPath("image00002"));
        var pose = mat.Get("Pose_Para").ToDoubleArray();
        Assert.Equal(new[] { -0.3992307782173157, 0.01822657883167267, 0.08567621558904648, 231.46531677246094, 262.06658935546875,
            -102.7936019897461, 0.001587462262250483 }, pose, new ToleranceComparer(1e-6));
        var pt3d = mat.Get("pt3d_68");
        Assert.Equal(121.86803436279297, pt3d.GetDouble(0, 0), 1e-6);
        Assert.Equal(167.16421508789062, pt3d.GetDouble(1, 0), 1e-6);
        Assert.Equal(-65.10888671875, pt3d.GetDouble(2, 0), 1e-6);
        Assert.Equal(201.82330322265625f, pt3d.Get(0, 67), 4);
        Assert.Equal(9.237297058105469, pt3d.GetDouble(2, 67), 1e-6);
        Assert.Equal(new[] { 13.0, -26, 437, 398 }, mat.Get("roi").ToDoubleArray());
        Assert.Equal(-4.38954166090568, mat.Get("Exp_Para").GetDouble(0, 0), 1e-12);
        Assert.Equal(72.0778835083483, mat.Get("Shape_Para").GetDouble(198, 0), 1e-9);
        Assert.Equal(145.5022690716912, mat.Get("pt2d").GetDouble(0, 0), 1e-12);
        Assert.Equal(212.76470588235296, mat.Get("pt2d").GetDouble(0, 20), 1e-12);
        Assert.Equal(376.88235294117646, mat.Get("pt2d").GetDouble(1, 20), 1e-12);
        Assert.Equal(3 * 68, pt3d.ToFloatArray().Length);
        Assert.Throws<ArgumentOutOfRangeException>(() => pt3d.Get(3, 0));
    }

    private sealed class ToleranceComparer(double tol) : IEqualityComparer<double>
    {
        public bool Equals(double a, double b) => Math.Abs(a - b) <= tol;
        public int GetHashCode(double d) => 0;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ReadsBothByteOrdersAndEveryFeature(bool bigEndian)
    {
        var w = new MatTestWriter(bigEndian);
        var bytes = w.File(
            // double 2x3 stored as uint8 (MATLAB's compact storage), uncompressed, small-element name
            w.Matrix("a", MatTestWriter.ClassDouble, [2, 3], w.Element(MatTestWriter.MiUInt8, [1, 2, 3, 4, 5, 255])),
            // int16 class stored as int16, negative values, 3-D, inside a compressed element
            w.Compressed(w.Matrix("int3d", MatTestWriter.ClassInt16, [1, 2, 2], w.Element(MatTestWriter.MiInt16, w.I16s(-1, 2, -300, 4)))),
            // single stored in the small element format (one float)
            w.Matrix("s", MatTestWriter.ClassSingle, [1, 1], w.Small(MatTestWriter.MiSingle, w.Singles(2.5f))),
            // int64 and a complex double (imaginary part dropped)
            w.Matrix("big", MatTestWriter.ClassInt64, [1, 1], w.Element(MatTestWriter.MiInt64, w.I64s(-(1L << 40)))),
            w.Matrix("z", MatTestWriter.ClassDouble, [1, 2], [.. w.Element(MatTestWriter.MiDouble, w.Doubles(1, 2)), .. w.Element(MatTestWriter.MiDouble, w.Doubles(3, 4))], 0x800),
            // logical and char (2 rows, column-major)
            w.Matrix("flag", MatTestWriter.ClassUInt8, [1, 3], w.Element(MatTestWriter.MiUInt8, [1, 0, 1]), 0x200),
            w.Matrix("txt", MatTestWriter.ClassChar, [2, 2], w.Element(MatTestWriter.MiUInt16, w.U16s('a', 'c', 'b', 'd'))),
            w.Matrix("utf", MatTestWriter.ClassChar, [1, 3], w.Element(MatTestWriter.MiUtf8, "héj"u8.ToArray())),
            // struct with a nested cell holding a char row and an empty
            w.Compressed(w.Struct("st", [1, 1], ["num", "cel"],
                w.Matrix("", MatTestWriter.ClassDouble, [1, 1], w.Element(MatTestWriter.MiDouble, w.Doubles(7))),
                w.Matrix("", MatTestWriter.ClassCell, [1, 2], [.. w.Matrix("", MatTestWriter.ClassChar, [1, 2], w.Element(MatTestWriter.MiUInt16, w.U16s('h', 'i'))), .. w.Element(MatTestWriter.MiMatrix, [])]))),
            // 1x2 struct array
            w.Struct("sa", [1, 2], ["v"],
                w.Matrix("", MatTestWriter.ClassDouble, [1, 1], w.Element(MatTestWriter.MiDouble, w.Doubles(10))),
                w.Matrix("", MatTestWriter.ClassDouble, [1, 1], w.Element(MatTestWriter.MiDouble, w.Doubles(20)))));

        var mat = MatFile.Parse(bytes, "synthetic.mat");
        var a = mat.Get("a");
        Assert.Equal(MatClass.Double, a.Class);
        Assert.Equal(3.0, a.GetDouble(0, 1));
        Assert.Equal(4.0f, a.Get(1, 1));
        Assert.Equal(255.0, a.GetDouble(1, 2));
        var int3d = mat.Get("int3d");
        Assert.Equal(MatClass.Int16, int3d.Class);
        Assert.Equal(new[] { 1, 2, 2 }, int3d.Dimensions);
        Assert.Equal(new[] { -1.0, 2, -300, 4 }, int3d.ToDoubleArray());
        Assert.Throws<InvalidOperationException>(() => int3d.Get(0, 0));
        Assert.Equal(2.5f, mat.Get("s").ToFloatArray().Single());
        Assert.Equal(-(double)(1L << 40), mat.Get("big").Data[0]);
        var z = mat.Get("z");
        Assert.True(z.IsComplex);
        Assert.Equal(new[] { 1.0, 2 }, z.ToDoubleArray());
        Assert.Equal(MatClass.Logical, mat.Get("flag").Class);
        Assert.Equal(new[] { 1.0, 0, 1 }, mat.Get("flag").ToDoubleArray());
        Assert.Equal("ab\ncd", mat.Get("txt").GetString());
        Assert.Equal("héj", mat.Get("utf").GetString());
        var st = mat.Get("st");
        Assert.Equal(MatClass.Struct, st.Class);
        Assert.Equal(new[] { "num", "cel" }, st.FieldNames);
        Assert.Equal(7.0, st.Fields["num"].Data[0]);
        var cel = st.Fields["cel"];
        Assert.Equal(MatClass.Cell, cel.Class);
        Assert.Equal("hi", cel.Cells[0].GetString());
        Assert.Equal(0, cel.Cells[1].ElementCount);
        var sa = mat.Get("sa");
        Assert.Throws<InvalidOperationException>(() => sa.Fields);
        Assert.Equal(20.0, sa.GetStructElement(1)["v"].Data[0]);
    }

    private static InvalidInputException AssertRejected(byte[] bytes, string expected)
    {
        var e = Assert.Throws<InvalidInputException>(() => MatFile.Parse(bytes, "bad.mat"));
        Assert.Equal("bad.mat", e.InputName);
        Assert.Contains(expected, e.Message);
        return e;
    }

    [Fact]
    public void UnsupportedAndCorruptStructuresAreRejected()
    {
        var w = new MatTestWriter(false);
        AssertRejected(w.File(w.Matrix("sp", MatTestWriter.ClassSparse, [2, 2], [])), "sparse");
        AssertRejected(new byte[100], "too short");
        AssertRejected(new byte[200], "endian indicator");
        // element count and data size disagree
        AssertRejected(w.File(w.Matrix("a", MatTestWriter.ClassDouble, [2, 2], w.Element(MatTestWriter.MiDouble, w.Doubles(1, 2, 3)))), "24 bytes for 4 elements");
        // negative dimension, absurd dimension product
        AssertRejected(w.File(w.Matrix("a", MatTestWriter.ClassDouble, [2, -1], [])), "negative dimension");
        AssertRejected(w.File(w.Matrix("a", MatTestWriter.ClassDouble, [int.MaxValue, int.MaxValue, int.MaxValue], [])), "exceed");
        AssertRejected(w.File(w.Matrix("c", MatTestWriter.ClassCell, [50000, 40000], [])), "cannot fit");
        AssertRejected(w.File(w.Struct("s", [50000, 40000], [])), "exceed the limit");   // zero fields, 2e9 elements
        // duplicate variable names
        var one = w.Matrix("a", MatTestWriter.ClassDouble, [1, 1], w.Element(MatTestWriter.MiDouble, w.Doubles(1)));
        AssertRejected(w.File(one, one), "twice");
        // nesting deeper than the cap
        var nested = w.Matrix("", MatTestWriter.ClassDouble, [1, 1], w.Element(MatTestWriter.MiDouble, w.Doubles(1)));
        for (int i = 0; i <= MatFile.MaxDepth; i++) nested = w.Matrix(i == MatFile.MaxDepth ? "deep" : "", MatTestWriter.ClassCell, [1, 1], nested);
        AssertRejected(w.File(nested), "nesting");
    }

    [Fact]
    public void DecompressionBombsAreRejectedBeforeAllocating()
    {
        var w = new MatTestWriter(false);
        byte[] Bomb(uint declared)
        {
            using var ms = new MemoryStream();
            using (var z = new ZLibStream(ms, CompressionLevel.Optimal)) { z.Write(w.U32(MatTestWriter.MiMatrix)); z.Write(w.U32(declared)); z.Write(new byte[4096]); }
            var c = ms.ToArray();
            return w.File([.. w.U32(MatTestWriter.MiCompressed), .. w.U32((uint)c.Length), .. c]);
        }
        AssertRejected(Bomb(uint.MaxValue), "limit");
        AssertRejected(Bomb(100_000_000), "compressed bytes");
        AssertRejected(Bomb(5000), "truncated");
    }

    [Fact]
    public void CompressedElementWithPresetDictionaryIsRejected()
    {
        // Found by fuzzing (docs/fuzzing.md): zlib's Z_NEED_DICT surfaced as ZLibException instead of InvalidInputException.
        var w = new MatTestWriter(false);
        var c = w.Compressed(w.Matrix("x", MatTestWriter.ClassDouble, [1, 1], w.Element(MatTestWriter.MiDouble, w.Doubles(1))));
        c[9] |= 0x20; // FLG of the zlib header (after the 8-byte element tag)
        AssertRejected(w.File(c), "preset dictionary");
    }

    [Theory]
    [MemberData(nameof(AflwStems))]
    public void TruncationAtEveryTenthIsRejectedNamingTheFile(string stem)
    {
        var path = AflwPath(stem);
        var bytes = File.ReadAllBytes(path);
        for (int k = 0; k < 10; k++)
        {
            var cut = bytes[..(bytes.Length * k / 10)];
            var e = Assert.Throws<InvalidInputException>(() => MatFile.Parse(cut, path));
            Assert.Contains(path, e.Message);
        }
    }

    [Theory]
    [MemberData(nameof(AflwStems))]
    public void CorruptedLengthFieldsAreRejected(string stem)
    {
        var path = AflwPath(stem);
        var bytes = File.ReadAllBytes(path);
        // The first top-level element (a miCOMPRESSED) has its byte count at offset 132.
        foreach (uint bad in new uint[] { 0, 1, 9, uint.MaxValue, (uint)bytes.Length })
        {
            var copy = (byte[])bytes.Clone();
            BinaryPrimitives.WriteUInt32LittleEndian(copy.AsSpan(132), bad);
            Assert.Contains(path, Assert.Throws<InvalidInputException>(() => MatFile.Parse(copy, path)).Message);
        }
        // Endian indicator destroyed.
        var noEndian = (byte[])bytes.Clone();
        noEndian[126] = (byte)'X';
        Assert.Contains("endian", Assert.Throws<InvalidInputException>(() => MatFile.Parse(noEndian, path)).Message);
    }

    [Fact]
    public void RandomCorruptionNeverEscapesAsAnotherException()
    {
        var w = new MatTestWriter(false);
        var inner = w.Struct("st", [1, 2], ["a", "b"],
            w.Matrix("", MatTestWriter.ClassDouble, [2, 2], w.Element(MatTestWriter.MiUInt8, [1, 2, 3, 4])),
            w.Matrix("", MatTestWriter.ClassCell, [1, 1], w.Matrix("", MatTestWriter.ClassChar, [1, 2], w.Element(MatTestWriter.MiUInt16, w.U16s('h', 'i')))),
            w.Matrix("", MatTestWriter.ClassInt32, [1, 1], w.Small(MatTestWriter.MiInt32, w.I32s(5))),
            w.Matrix("", MatTestWriter.ClassSingle, [1, 2], w.Element(MatTestWriter.MiSingle, w.Singles(1, 2))));
        var inputs = new[] { w.File(inner), File.ReadAllBytes(AflwPath("image00002")) };
        Assert.Equal(2, MatFile.Parse(inputs[0], "ok.mat").Get("st").ElementCount);
        var rng = new Random(5);
        foreach (var good in inputs)
        {
            for (int trial = 0; trial < 1500; trial++)
            {
                var copy = (byte[])good.Clone();
                int flips = 1 + rng.Next(4);
                for (int k = 0; k < flips; k++) copy[128 + rng.Next(copy.Length - 128)] = (byte)rng.Next(256);
                try { MatFile.Parse(copy, "fuzz.mat"); }
                catch (InvalidInputException e) { Assert.Equal("fuzz.mat", e.InputName); }
            }
        }
    }

    [Fact]
    public void MissingFileNamesThePath()
    {
        Assert.Equal("/no/such.mat", Assert.Throws<InvalidInputException>(() => MatFile.Read("/no/such.mat")).InputName);
    }
}
