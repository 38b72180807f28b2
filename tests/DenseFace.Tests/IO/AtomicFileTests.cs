using DenseFace.IO;

namespace DenseFace.Tests.IO;

public class AtomicFileTests
{
    [Fact]
    public void FailedWriteLeavesTheOldFileAndNoTemporaryFiles()
    {
        var dir = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"denseface-atomic-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        try
        {
            var path = System.IO.Path.Combine(dir, "out.bin");
            AtomicFile.WriteAllBytes(path, [1, 2, 3]);
            Assert.Throws<InvalidOperationException>(() => AtomicFile.Write(path, s =>
            {
                s.Write(new byte[1000]);
                throw new InvalidOperationException("writer died half-way");
            }));
            Assert.Equal([1, 2, 3], File.ReadAllBytes(path));
            Assert.Single(Directory.GetFiles(dir));
        }
        finally { Directory.Delete(dir, true); }
    }

    [Fact]
    public void CreatesTheFolderAndReplacesAnExistingFile()
    {
        var dir = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"denseface-atomic-{Guid.NewGuid():N}", "sub");
        try
        {
            var path = System.IO.Path.Combine(dir, "a.txt");
            AtomicFile.WriteAllText(path, "first");
            AtomicFile.WriteAllText(path, "second");
            Assert.Equal("second", File.ReadAllText(path));
        }
        finally { Directory.Delete(System.IO.Path.GetDirectoryName(dir)!, true); }
    }
}
