namespace DenseFace.Tests;

public class DataRootTests
{
    [Fact]
    public void ResolvesSharedFolderWithFaceModel()
    {
        Assert.True(Directory.Exists(System.IO.Path.Combine(TestData.Root, "facemodel", "ict-facekit")));
    }

    [Fact]
    public void MissingPathNamesTheInput()
    {
        var e = Assert.Throws<InvalidInputException>(() => DataRoot.Path("no-such-folder"));
        Assert.Contains("no-such-folder", e.Message);
    }
}
