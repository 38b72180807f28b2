using System.Text.Json;

namespace DenseFace.Training.Synthesis;

/// <summary>A face texture taken from a photo: UV tile 0 (face) PNG/JPEG and optionally tile 1 (head), as written by <c>denseface textures extract</c>.</summary>
/// <param name="FacePath">Face-tile texture (sRGB RGB, any square size).</param>
/// <param name="HeadPath">Head-tile texture, or null to paint the head procedurally.</param>
public sealed record RealTexture(string FacePath, string? HeadPath = null)
{
    /// <summary>Largest index file read.</summary>
    public const long MaxIndexBytes = 256L << 20;

    /// <summary>
    /// The textures listed in <paramref name="folder"/>/index.jsonl (keys "texture" and "head_texture", paths relative
    /// to the folder), in file order.
    /// </summary>
    /// <exception cref="InvalidInputException">Missing or unreadable folder/index, a malformed line, or a listed file that does not exist.</exception>
    public static IReadOnlyList<RealTexture> LoadFolder(string folder)
    {
        ArgumentNullException.ThrowIfNull(folder);
        var index = Path.Combine(folder, "index.jsonl");
        if (!File.Exists(index)) throw new InvalidInputException(folder, "has no index.jsonl (make one with `denseface textures extract`)");
        if (new FileInfo(index).Length > MaxIndexBytes) throw new InvalidInputException(index, $"is larger than {MaxIndexBytes >> 20} MiB");
        var list = new List<RealTexture>();
        int lineNo = 0;
        foreach (var line in File.ReadLines(index))
        {
            lineNo++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            try
            {
                using var doc = JsonDocument.Parse(line);
                var root = doc.RootElement;
                var face = root.GetProperty("texture").GetString() ?? throw new InvalidInputException(index, $"line {lineNo}: \"texture\" is null");
                string? head = root.TryGetProperty("head_texture", out var h) ? h.GetString() : null;
                var t = new RealTexture(Path.GetFullPath(face, Path.GetFullPath(folder)), head is null ? null : Path.GetFullPath(head, Path.GetFullPath(folder)));
                t.Validate();
                list.Add(t);
            }
            catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
            {
                throw new InvalidInputException(index, $"line {lineNo} is not a texture record: {e.Message}");
            }
        }
        if (list.Count == 0) throw new InvalidInputException(index, "lists no textures");
        return list;
    }

    internal void Validate()
    {
        if (!File.Exists(FacePath)) throw new InvalidInputException(FacePath, "texture file not found");
        if (HeadPath is not null && !File.Exists(HeadPath)) throw new InvalidInputException(HeadPath, "texture file not found");
    }
}
