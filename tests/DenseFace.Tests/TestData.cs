namespace DenseFace.Tests;

/// <summary>Paths into the shared data root for tests (see <see cref="DataRoot"/>).</summary>
internal static class TestData
{
    public static string Root => DataRoot.Resolve();
    public static string Path(params string[] parts) => DataRoot.Path(parts);
    public static string FaceModelDir => DataRoot.Path("facemodel", "ict-facekit");
}
