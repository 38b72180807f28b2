using System.Buffers.Binary;
using DenseFace.IO;
using static DenseFace.Tests.IO.NpyTestFiles;

namespace DenseFace.Tests.IO;

public class NpyArrayTests
{
    [Fact]
    public void Float32LittleEndianCOrder()
    {
        var a = NpyArray.Parse(Npy("<f4", false, [2, 3], FloatsLE(1, 2, 3, 4, 5, 6.5f)), "t.npy");
        Assert.Equal(NpyElementType.Float32, a.ElementType);
        Assert.Equal([2, 3], a.Shape);
        Assert.Equal(6, a.Count);
        Assert.Equal([1, 2, 3, 4, 5, 6.5f], a.AsSpan<float>().ToArray());
        Assert.False(a.WasFortranOrder);
        Assert.Equal((1, 0), a.Version);
    }

    [Fact]
    public void Float64BigEndianIsSwapped()
    {
        var data = new byte[16];
        BinaryPrimitives.WriteDoubleBigEndian(data, -1.25);
        BinaryPrimitives.WriteDoubleBigEndian(data.AsSpan(8), 3e100);
        var a = NpyArray.Parse(Npy(">f8", false, [2], data), "t.npy");
        Assert.True(a.WasBigEndian);
        Assert.Equal([-1.25, 3e100], a.ToDoubleArray());
        Assert.Equal(-1.25f, a.ToFloatArray()[0]);
    }

    [Fact]
    public void FortranOrderIsConvertedToRowMajor()
    {
        // Matrix [[1,2,3],[4,5,6]] stored column-major: 1 4 2 5 3 6 (int32 little-endian).
        var data = new byte[24];
        int[] colMajor = [1, 4, 2, 5, 3, 6];
        for (int i = 0; i < 6; i++) BinaryPrimitives.WriteInt32LittleEndian(data.AsSpan(4 * i), colMajor[i]);
        var a = NpyArray.Parse(Npy("<i4", true, [2, 3], data), "t.npy");
        Assert.True(a.WasFortranOrder);
        Assert.Equal([1, 2, 3, 4, 5, 6], a.AsSpan<int>().ToArray());
    }

    [Fact]
    public void FortranOrder3DBigEndianInt16()
    {
        // shape (2,2,2): element [i,j,k] = 100i + 10j + k; Fortran order means i varies fastest.
        var data = new byte[16];
        int o = 0;
        for (int k = 0; k < 2; k++)
            for (int j = 0; j < 2; j++)
                for (int i = 0; i < 2; i++, o += 2)
                    BinaryPrimitives.WriteInt16BigEndian(data.AsSpan(o), (short)(100 * i + 10 * j + k));
        var a = NpyArray.Parse(Npy(">i2", true, [2, 2, 2], data), "t.npy");
        Assert.Equal([0, 1, 10, 11, 100, 101, 110, 111], a.AsSpan<short>().ToArray().Select(x => (int)x));
    }

    [Theory]
    [InlineData("|u1", nameof(NpyElementType.UInt8), 1)]
    [InlineData("|i1", nameof(NpyElementType.Int8), 1)]
    [InlineData("<u2", nameof(NpyElementType.UInt16), 2)]
    [InlineData("<i8", nameof(NpyElementType.Int64), 8)]
    [InlineData(">u4", nameof(NpyElementType.UInt32), 4)]
    [InlineData(">u8", nameof(NpyElementType.UInt64), 8)]
    public void IntegerTypesConvert(string descr, string typeName, int size) // NpyElementType is internal: a public theory takes its name
    {
        bool big = descr[0] == '>';
        var data = new byte[3 * size];
        long[] values = [0, 7, descr.Contains('i') ? -5 : 200];
        for (int i = 0; i < 3; i++)
        {
            var s = data.AsSpan(i * size, size);
            ulong u = (ulong)values[i];
            for (int b = 0; b < size; b++) s[big ? size - 1 - b : b] = (byte)(u >> (8 * b));
        }
        var a = NpyArray.Parse(Npy(descr, false, [3], data), "t.npy");
        Assert.Equal(Enum.Parse<NpyElementType>(typeName), a.ElementType);
        Assert.Equal(values, a.ToInt64Array());
        Assert.Equal(values.Select(v => (int)v), a.ToInt32Array());
        Assert.Equal(values.Select(v => (float)v), a.ToFloatArray());
    }

    [Fact]
    public void BoolAndScalar()
    {
        var b = NpyArray.Parse(Npy("|b1", false, [4], [0, 1, 2, 0]), "t.npy");
        Assert.Equal([false, true, true, false], b.ToBoolArray());
        var s = NpyArray.Parse(Npy("<f8", false, [], BitConverter.GetBytes(2.5)), "t.npy");
        Assert.Empty(s.Shape);
        Assert.Equal(1, s.Count);
        Assert.Equal(2.5, s.GetDouble(0));
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public void Version2And3Headers(int major)
    {
        var a = NpyArray.Parse(Npy("<f4", false, [1, 2], FloatsLE(7, 8), major), "t.npy");
        Assert.Equal((major, 0), a.Version);
        Assert.Equal([7f, 8f], a.ToFloatArray());
    }

    [Fact]
    public void EmptyArrayIsAccepted()
    {
        var a = NpyArray.Parse(Npy("<f4", false, [0, 3], []), "t.npy");
        Assert.Equal(0, a.Count);
        Assert.Empty(a.ToFloatArray());
    }

    [Fact]
    public void TruncatedDataNamesTheFile()
    {
        var bytes = Npy("<f4", false, [2, 3], FloatsLE(1, 2, 3, 4, 5));
        var e = Assert.Throws<InvalidInputException>(() => NpyArray.Parse(bytes, "short.npy"));
        Assert.Equal("short.npy", e.InputName);
        Assert.Contains("truncated", e.Problem);
    }

    [Fact]
    public void HugeShapeIsRejectedBeforeAllocating()
    {
        var bytes = Npy("<f8", false, [1 << 20, 1 << 20, 1 << 20], []);
        var e = Assert.Throws<InvalidInputException>(() => NpyArray.Parse(bytes, "huge.npy"));
        Assert.Contains("cap", e.Problem);
        // A dimension too large even for long arithmetic.
        var bytes2 = Npy("<f4", false, [1], []);
        var text = System.Text.Encoding.Latin1.GetString(bytes2).Replace("(1,)", "(99999999999999999999999,)");
        var e2 = Assert.Throws<InvalidInputException>(() => NpyArray.Parse(System.Text.Encoding.Latin1.GetBytes(text), "huge2.npy"));
        Assert.Equal("huge2.npy", e2.InputName);
    }

    [Theory]
    [InlineData("not numpy at all")]
    [InlineData("\u0093NUMPY\u0004\u0000\u0010\u0000{}")]
    public void BadMagicOrVersion(string content)
    {
        var e = Assert.Throws<InvalidInputException>(() => NpyArray.Parse(System.Text.Encoding.Latin1.GetBytes(content), "bad.npy"));
        Assert.Equal("bad.npy", e.InputName);
    }

    [Theory]
    [InlineData("<c8")]   // complex
    [InlineData("<U10")]  // unicode strings
    [InlineData("<f2")]   // half
    public void UnsupportedDtypes(string descr)
    {
        var e = Assert.Throws<InvalidInputException>(() => NpyArray.Parse(Npy(descr, false, [1], new byte[64]), "x.npy"));
        Assert.Contains("dtype", e.Problem);
    }

    [Fact]
    public void MalformedHeaderDict()
    {
        var bytes = Npy("<f4", false, [2], FloatsLE(1, 2));
        var text = System.Text.Encoding.Latin1.GetString(bytes).Replace("'shape': (2,)", "'shape': [2] ");
        var e = Assert.Throws<InvalidInputException>(() => NpyArray.Parse(System.Text.Encoding.Latin1.GetBytes(text), "m.npy"));
        Assert.Equal("m.npy", e.InputName);
    }

    [Fact]
    public void RealObjectArrayFileIsRejectedClearly()
    {
        // 300-VW's broken_frames.npy is a pickled object array: not numeric, must be a clean error.
        string path = TestData.Path("data", "formats", "mmpose", "300vw", "broken_frames.npy");
        var e = Assert.Throws<InvalidInputException>(() => NpyArray.Read(path));
        Assert.Equal(path, e.InputName);
        Assert.Contains("pickled", e.Problem);
    }

    [Fact]
    public void IntConversionRejectsOutOfRange()
    {
        var data = new byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(data, 1L << 40);
        var a = NpyArray.Parse(Npy("<i8", false, [1], data), "t.npy");
        Assert.Throws<InvalidInputException>(() => a.ToInt32Array("t.npy"));
        Assert.Throws<InvalidOperationException>(() => a.AsSpan<float>());
    }
}
