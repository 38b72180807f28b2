using System.Buffers.Binary;
using System.IO.Compression;
using System.Numerics;
using System.Text;
using DenseFace.Evaluation.Datasets;
using DenseFace.Imaging;
using DenseFace.Imaging.Jpeg;
using DenseFace.Imaging.Png;
using DenseFace.Imaging.Pnm;
using DenseFace.Neural;
using DenseFace.Tests.Datasets;
using DenseFace.Tests.IO;
using DenseFace.Tests.Imaging.Png;

namespace DenseFace.Fuzz;

/// <summary>
/// Writes the starting corpus of a target: small valid files (a few hundred bytes to a few kB) made here with the
/// library's writers and the tests' format builders, so no licensed data ever ends up in a fuzzing input or in a kept
/// regression. scripts/fuzz.sh adds libjpeg's cjpeg variants (progressive, restart intervals, sampling) for JPEG.
/// </summary>
public static class Seeds
{
    public static void Write(string target, string dir)
    {
        Directory.CreateDirectory(dir);
        foreach (var (name, data) in For(target)) File.WriteAllBytes(Path.Combine(dir, name), data);
    }

    /// <summary>The seed files of <paramref name="target"/> (name, bytes).</summary>
    public static IEnumerable<(string Name, byte[] Data)> For(string target) => target switch
    {
        "jpeg" => Jpeg(),
        "png" => Png(),
        "pnm" => Pnm(),
        "mat" => Mat(),
        "npy" => Npy(),
        "npz" => Npz(),
        "safetensors" => SafetensorsFiles(),
        "pts" => Pts(),
        _ => throw new ArgumentException($"unknown fuzz target '{target}'", nameof(target)),
    };

    /// <summary>A smooth test pattern (gradients and a disc), so codecs see structure rather than noise.</summary>
    public static Image8 Pattern(int width, int height, int channels)
    {
        var img = new Image8(width, height, channels);
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
                for (int c = 0; c < channels; c++)
                {
                    bool disc = (x - width / 2) * (x - width / 2) + (y - height / 2) * (y - height / 2) < width * height / 8;
                    img.Pixels[(y * width + x) * channels + c] = (byte)(c == 3 ? (disc ? 255 : 96) : (x * 255 / width + y * 64 / height + c * 80 + (disc ? 60 : 0)) & 255);
                }
        return img;
    }

    static IEnumerable<(string, byte[])> Jpeg()
    {
        yield return ("rgb16_420.jpg", JpegEncoder.Encode(Pattern(16, 16, 3), 75));
        yield return ("rgb13x9_444.jpg", JpegEncoder.Encode(Pattern(13, 9, 3), 90, subsampleChroma: false));
        yield return ("gray17x8.jpg", JpegEncoder.Encode(Pattern(17, 8, 1), 50));
        yield return ("pattern24.ppm.src", PnmCodec.Encode(Pattern(24, 16, 3))); // input for the cjpeg variants (fuzz.sh), removed after
    }

    static IEnumerable<(string, byte[])> Png()
    {
        yield return ("gray8.png", PngEncoder.Encode(Pattern(8, 8, 1)));
        yield return ("rgb7x5.png", PngEncoder.Encode(Pattern(7, 5, 3)));
        yield return ("rgba8.png", PngEncoder.Encode(Pattern(8, 8, 4)));
        // Colour types, depths, palettes, keys and Adam7, which our encoder does not write: the tests' reference writer.
        int[] Samples(int n, int max) => Enumerable.Range(0, n).Select(i => i * 7 % (max + 1)).ToArray();
        yield return ("palette4bit_trns.png", ReferencePngWriter.Write(8, 8, 3, 4, false, Samples(64, 15),
            palette: Enumerable.Range(0, 48).Select(i => (byte)(i * 5)).ToArray(), trns: [0, 128, 255]));
        yield return ("gray1bit.png", ReferencePngWriter.Write(9, 5, 0, 1, false, Samples(45, 1)));
        yield return ("gray2bit_adam7.png", ReferencePngWriter.Write(7, 6, 0, 2, true, Samples(42, 3)));
        yield return ("rgb16bit_key.png", ReferencePngWriter.Write(3, 3, 2, 16, false, Samples(27, 65535), trns: [0, 0, 0, 7, 0, 14]));
        yield return ("grayalpha_split.png", ReferencePngWriter.Write(4, 4, 4, 8, false, Samples(32, 255), idatSplit: 16));
        yield return ("rgba_adam7.png", ReferencePngWriter.Write(8, 8, 6, 8, true, Samples(256, 255)));
    }

    static IEnumerable<(string, byte[])> Pnm()
    {
        yield return ("gray.pgm", PnmCodec.Encode(Pattern(6, 5, 1)));
        yield return ("rgb.ppm", PnmCodec.Encode(Pattern(5, 4, 3)));
        yield return ("ascii.pbm", Encoding.ASCII.GetBytes("P1\n# comment\n5 3\n1 0 1 0 1\n0 1 0 1 0\n1 1 1 0 0\n"));
        yield return ("ascii.pgm", Encoding.ASCII.GetBytes("P2 4 2 300\n0 100 200 300\n300 200 100 0\n"));
        yield return ("ascii.ppm", Encoding.ASCII.GetBytes("P3\n2 2\n255\n255 0 0  0 255 0\n0 0 255  9 9 9\n"));
        yield return ("raw.pbm", [.. "P4\n10 2\n"u8, 0xA5, 0xC0, 0x5A, 0x40]);
        yield return ("raw16.pgm", [.. "P5 2 2 65535\n"u8, 0, 1, 0xFF, 0xFF, 0x80, 0, 0x12, 0x34]);
        yield return ("rgba.pam", [.. "P7\nWIDTH 2\nHEIGHT 1\nDEPTH 4\nMAXVAL 255\nTUPLTYPE RGB_ALPHA\nENDHDR\n"u8, 1, 2, 3, 4, 5, 6, 7, 8]);
        yield return ("gray.pam", [.. "P7\nWIDTH 3\nHEIGHT 1\nDEPTH 1\nMAXVAL 15\nTUPLTYPE GRAYSCALE\nENDHDR\n"u8, 1, 2, 15]);
    }

    /// <summary>AFLW2000-3D-shaped files (the six fields eval aflw2000 reads) with synthetic values, plus the other array classes.</summary>
    static IEnumerable<(string, byte[])> Mat()
    {
        foreach (bool big in new[] { false, true })
        {
            var w = new MatTestWriter(big);
            var rng = new SeededRandom(7);
            double[] Values(int n, double scale) => Enumerable.Range(0, n).Select(_ => Math.Round(rng.NextDouble() * scale, 3)).ToArray();
            byte[] Double(string name, int rows, int cols, double[] v) => w.Matrix(name, MatTestWriter.ClassDouble, [rows, cols], w.Element(MatTestWriter.MiDouble, w.Doubles(v)));
            byte[] Single(string name, int rows, int cols, double[] v) => w.Matrix(name, MatTestWriter.ClassSingle, [rows, cols], w.Element(MatTestWriter.MiSingle, w.Singles(v.Select(x => (float)x).ToArray())));
            var fields = new[]
            {
                Double("pt3d_68", 3, 68, Values(3 * 68, 400)),
                Single("pt2d", 2, 21, Values(2 * 21, 400)),
                Double("Pose_Para", 1, 7, Values(7, 1)),
                Single("Shape_Para", 199, 1, Values(199, 1e5)),
                Double("Exp_Para", 29, 1, Values(29, 1)),
                w.Matrix("roi", MatTestWriter.ClassInt32, [1, 4], w.Element(MatTestWriter.MiInt32, w.I32s(10, 20, 300, 310))),
            };
            string order = big ? "be" : "le";
            yield return ($"aflw_{order}.mat", w.File(fields));
            yield return ($"aflw_{order}_compressed.mat", w.File(fields.Select(w.Compressed).ToArray()));
            var chars = w.Matrix("name", MatTestWriter.ClassChar, [1, 3], w.Element(MatTestWriter.MiUInt16, w.U16s('a', 'b', 'c')));
            var cell = w.Matrix("c", MatTestWriter.ClassCell, [1, 2], [.. Double("", 1, 1, [1]), .. chars]);
            var st = w.Struct("s", [1, 1], ["x", "txt"], Double("", 2, 1, [1, 2]), w.Matrix("", MatTestWriter.ClassChar, [1, 1], w.Small(MatTestWriter.MiUtf8, [(byte)'z'])));
            var i16 = w.Matrix("i", MatTestWriter.ClassInt16, [2, 2], w.Element(MatTestWriter.MiInt16, w.I16s(1, -2, 3, -4)));
            var cplx = w.Matrix("z", MatTestWriter.ClassDouble, [1, 1], [.. w.Element(MatTestWriter.MiDouble, w.Doubles(1)), .. w.Element(MatTestWriter.MiDouble, w.Doubles(2))], flags: 0x800);
            yield return ($"classes_{order}.mat", w.File(chars, cell, st, w.Compressed(i16), cplx));
        }
    }

    static byte[] Le<T>(T[] v, int size, Action<byte[], int, T> put)
    {
        var b = new byte[v.Length * size];
        for (int i = 0; i < v.Length; i++) put(b, i * size, v[i]);
        return b;
    }

    static IEnumerable<(string, byte[])> NpyArrays()
    {
        yield return ("f4_2x3.npy", NpyTestFiles.Npy("<f4", false, [2, 3], NpyTestFiles.FloatsLE(1, 2, 3, 4.5f, -5, 6)));
        yield return ("f8_fortran.npy", NpyTestFiles.Npy("<f8", true, [2, 2], Le([1.0, 2, 3, 4], 8, (b, o, x) => BinaryPrimitives.WriteDoubleLittleEndian(b.AsSpan(o), x))));
        yield return ("i4_big.npy", NpyTestFiles.Npy(">i4", false, [3], Le([1, -2, 70000], 4, (b, o, x) => BinaryPrimitives.WriteInt32BigEndian(b.AsSpan(o), x))));
        yield return ("i8_v2.npy", NpyTestFiles.Npy("<i8", false, [2, 1], Le([5L, -6L], 8, (b, o, x) => BinaryPrimitives.WriteInt64LittleEndian(b.AsSpan(o), x)), major: 2));
        yield return ("u1_v3.npy", NpyTestFiles.Npy("|u1", false, [4], [0, 1, 200, 255], major: 3));
        yield return ("b1_scalar.npy", NpyTestFiles.Npy("|b1", false, [], [1]));
        yield return ("u2_empty.npy", NpyTestFiles.Npy("<u2", false, [0, 3], []));
    }

    static IEnumerable<(string, byte[])> Npy() => NpyArrays();

    static IEnumerable<(string, byte[])> Npz()
    {
        var arrays = NpyArrays().ToArray();
        yield return ("stored.npz", NpyTestFiles.Zip(arrays.Take(3).Select(a => (a.Item1, a.Item2, CompressionLevel.NoCompression)).ToArray()));
        yield return ("deflated.npz", NpyTestFiles.Zip(arrays.Skip(3).Select(a => (a.Item1, a.Item2, CompressionLevel.Optimal)).ToArray()));
    }

    static IEnumerable<(string, byte[])> SafetensorsFiles()
    {
        (string, int[], float[], bool)[] tensors =
        [
            ("conv.weight", [2, 1, 2, 2], [1, -2, 3, 0.5f, 0, 1e-3f, -7, 8], false),
            ("bn.num_batches_tracked", [], [42], true),
            ("fc.bias", [3], [0.25f, -0.5f, 1], false),
        ];
        foreach (var dtype in new[] { SafetensorsDType.F32, SafetensorsDType.F16 })
        {
            string path = Path.GetTempFileName();
            try
            {
                Neural.Safetensors.Write(path, tensors, dtype, dtype == SafetensorsDType.F16 ? new Dictionary<string, string> { ["format"] = "pt" } : null);
                yield return ($"small_{dtype}.safetensors", File.ReadAllBytes(path));
            }
            finally { File.Delete(path); }
        }
    }

    static IEnumerable<(string, byte[])> Pts()
    {
        string path = Path.GetTempFileName();
        try
        {
            PtsFile.Write(path, Enumerable.Range(0, 5).Select(i => new Vector2(10 + i * 3.5f, 20 - i)).ToArray());
            yield return ("five.pts", File.ReadAllBytes(path));
        }
        finally { File.Delete(path); }
        yield return ("bom_crlf.pts", [0xEF, 0xBB, 0xBF, .. "version: 1\r\nn_points:  2\r\n{\r\n1 2\r\n3.5e1 -4\r\n}\r\n"u8]);
    }
}
