using System.IO.Compression;
using DenseFace.IO;
using static DenseFace.Tests.IO.NpyTestFiles;

namespace DenseFace.Tests.IO;

public class NpzArchiveTests
{
    [Fact]
    public void StoredAndDeflatedEntries()
    {
        var zip = Zip(("a.npy", Npy("<f4", false, [2], FloatsLE(1, 2)), CompressionLevel.NoCompression),
                      ("b.npy", Npy("<f4", false, [3], FloatsLE(3, 4, 5)), CompressionLevel.Optimal));
        var npz = NpzArchive.Read(new MemoryStream(zip), "mem.npz");
        Assert.Equal(["a", "b"], npz.Names);
        Assert.Equal([1f, 2f], npz.Get("a").ToFloatArray());
        Assert.Equal([3f, 4f, 5f], npz.Get("b.npy").ToFloatArray());
        Assert.Same(npz.Get("b"), npz.Get("b"));
        var e = Assert.Throws<InvalidInputException>(() => npz.Get("c"));
        Assert.Contains("a, b", e.Problem);
    }

    [Fact]
    public void RealModelArchive()
    {
        var npz = NpzArchive.Read(Path.Combine(TestData.FaceModelDir, "ict_facekit_bases.npz"));
        Assert.Equal(["neutral", "identity", "expression"], npz.Names);
        Assert.Equal([26719, 3], npz.Get("neutral").Shape);
        Assert.Equal([100, 26719, 3], npz.Get("identity").Shape);
        Assert.Equal([53, 26719, 3], npz.Get("expression").Shape);
        // First vertex of the OBJ: "v 0 -2.48251 11.8387".
        var n = npz.Get("neutral").AsSpan<float>();
        Assert.Equal(0f, n[0]);
        Assert.Equal(-2.48251f, n[1], 4);
        Assert.Equal(11.8387f, n[2], 4);
    }

    [Fact]
    public void TruncatedArchiveNamesTheFile()
    {
        var bytes = File.ReadAllBytes(Path.Combine(TestData.FaceModelDir, "ict_facekit_bases.npz"));
        string tmp = Path.Combine(Path.GetTempPath(), $"denseface-trunc-{Guid.NewGuid():N}.npz");
        try
        {
            File.WriteAllBytes(tmp, bytes.AsSpan(0, bytes.Length / 2).ToArray());
            var e = Assert.Throws<InvalidInputException>(() => NpzArchive.Read(tmp));
            Assert.StartsWith(tmp, e.InputName);
        }
        finally { File.Delete(tmp); }
    }

    [Fact]
    public void CentralDirectoryShorterThanItsEndRecordIsRejected()
    {
        // Found by fuzzing (docs/fuzzing.md): ZipArchive reads the central directory lazily, on the first access to
        // Entries, so its InvalidDataException escaped the constructor's handler.
        var zip = Zip(("a.npy", Npy("<f4", false, [1], FloatsLE(1)), CompressionLevel.NoCompression),
            ("b.npy", Npy("<f4", false, [1], FloatsLE(2)), CompressionLevel.NoCompression));
        int eocd = zip.Length - 22; // end of central directory record, no comment
        Assert.Equal(0x06054B50u, System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(zip.AsSpan(eocd)));
        zip[eocd + 8] = 3; zip[eocd + 10] = 3; // entries on this disk and in total: 3, but the directory lists 2
        var e = Assert.Throws<InvalidInputException>(() => NpzArchive.Read(new MemoryStream(zip), "eocd.npz"));
        Assert.Equal("eocd.npz", e.InputName);
        Assert.Contains("central directory", e.Problem);
    }

    [Fact]
    public void DeclaredSizeBeyondWhatTheDataCanHoldIsRejectedBeforeAllocating()
    {
        // Found by fuzzing (docs/fuzzing.md): a 700-byte archive declaring a 400 MB entry made the reader allocate and
        // clear 400 MB (about 2 s each time) before finding the entry truncated.
        var zip = Zip(("a.npy", Npy("<f4", false, [1], FloatsLE(1)), CompressionLevel.Optimal));
        var span = zip.AsSpan();
        for (int i = 0; i + 4 <= zip.Length; i++)
        {
            uint sig = System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(span[i..]);
            if (sig == 0x04034B50) System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(span[(i + 22)..], 400_000_000); // local header
            if (sig == 0x02014B50) System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(span[(i + 24)..], 400_000_000); // central directory
        }
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<InvalidInputException>(() => NpzArchive.Read(new MemoryStream(zip), "big.npz"));
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 1 << 20, "reader allocated for an entry it rejected");
        Assert.Equal("big.npz:a.npy", e.InputName);
        Assert.Contains("deflate expands at most", e.Problem);
    }

    [Fact]
    public void CorruptEntryNamesFileAndEntry()
    {
        var zip = Zip(("x.npy", Npy("<f4", false, [1000], new byte[4000]), CompressionLevel.Optimal));
        // Corrupt the compressed stream (after the 30-byte local header + name) without touching the directory.
        for (int i = 40; i < 60; i++) zip[i] ^= 0x5A;
        var e = Assert.Throws<InvalidInputException>(() => NpzArchive.Read(new MemoryStream(zip), "c.npz"));
        Assert.StartsWith("c.npz", e.InputName);
    }

    [Fact]
    public void EntryWithBadNpyNamesTheEntry()
    {
        var zip = Zip(("bad.npy", "hello"u8.ToArray(), CompressionLevel.NoCompression));
        var npz = NpzArchive.Read(new MemoryStream(zip), "b.npz");
        var e = Assert.Throws<InvalidInputException>(() => npz.Get("bad"));
        Assert.Equal("b.npz:bad.npy", e.InputName);
    }

    [Fact]
    public void NotAZip()
    {
        var e = Assert.Throws<InvalidInputException>(() => NpzArchive.Read(new MemoryStream("plain text"u8.ToArray()), "p.npz"));
        Assert.Equal("p.npz", e.InputName);
        Assert.Throws<InvalidInputException>(() => NpzArchive.Read("/no/such/file.npz"));
    }
}
