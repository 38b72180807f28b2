using System.Globalization;
using DenseFace.FaceModel;

namespace DenseFace.Tests.FaceModel;

/// <summary>The shared ICT-FaceKit model, loaded once per test run (loading is read-only and thread-safe).</summary>
internal static class ModelFixture
{
    static readonly Lazy<MorphableModel> Lazy = new(() => MorphableModel.Load(TestData.FaceModelDir, cacheDirectory: null));
    public static MorphableModel Model => Lazy.Value;

    /// <summary>Vertex positions of an OBJ parsed independently of the library (plain line split).</summary>
    public static float[] ObjPositions(string path)
    {
        var list = new List<float>();
        foreach (var line in File.ReadLines(path))
        {
            if (!line.StartsWith("v ")) continue;
            var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            for (int i = 1; i <= 3; i++) list.Add(float.Parse(parts[i], CultureInfo.InvariantCulture));
        }
        return list.ToArray();
    }

    /// <summary>A temporary folder removed on dispose; files are symlinked from the shared data (never copied into the repo).</summary>
    public sealed class TempFolder : IDisposable
    {
        public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"denseface-test-{Guid.NewGuid():N}");
        public TempFolder() => Directory.CreateDirectory(Path);
        public string Link(string sharedFile)
        {
            var target = System.IO.Path.Combine(Path, System.IO.Path.GetFileName(sharedFile));
            System.IO.File.CreateSymbolicLink(target, sharedFile);
            return target;
        }
        public string File(string name) => System.IO.Path.Combine(Path, name);
        public void Dispose() { try { Directory.Delete(Path, recursive: true); } catch (IOException) { } }
    }
}
