using System.Globalization;

namespace DenseFace.FaceModel;

/// <summary>
/// Minimal Wavefront OBJ reader for the ICT-FaceKit files: <c>v</c>, <c>vt</c>, <c>f</c> (v, v/vt, v/vt/vn,
/// v//vn corners; 1-based or negative relative indices), <c>usemtl</c>. Other statements are ignored.
/// Polygons are kept as written (offsets + corner lists); triangulation is the caller's business.
/// </summary>
internal sealed class ObjPolygonReader
{
    /// <summary>Largest OBJ file accepted (bytes).</summary>
    public const long MaxFileBytes = 256L << 20;

    public readonly List<float> Positions = new();     // xyz per vertex
    public readonly List<float> Uvs = new();           // uv per texture coordinate
    public readonly List<int> PolygonOffsets = new() { 0 };
    public readonly List<int> CornerVertices = new();
    public readonly List<int> CornerUvs = new();       // -1 when a corner has no vt
    public readonly List<(string Name, int FirstPolygon)> Materials = new();

    public int VertexCount => Positions.Count / 3;
    public int PolygonCount => PolygonOffsets.Count - 1;

    /// <summary>Reads the whole file; with <paramref name="positionsOnly"/> only <c>v</c> lines are parsed.</summary>
    public static ObjPolygonReader Read(string path, bool positionsOnly = false)
    {
        byte[] bytes;
        try
        {
            var info = new FileInfo(path);
            if (!info.Exists) throw new InvalidInputException(path, "file not found");
            if (info.Length > MaxFileBytes) throw new InvalidInputException(path, $"OBJ is {info.Length} bytes (cap {MaxFileBytes})");
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        { throw new InvalidInputException(path, $"cannot read: {e.Message}", e); }
        var r = new ObjPolygonReader();
        r.Parse(bytes, path, positionsOnly);
        return r;
    }

    void Parse(ReadOnlySpan<byte> text, string src, bool positionsOnly)
    {
        int lineNo = 0;
        while (text.Length > 0)
        {
            lineNo++;
            int nl = text.IndexOf((byte)'\n');
            var line = nl < 0 ? text : text[..nl];
            text = nl < 0 ? default : text[(nl + 1)..];
            line = line.Trim(" \t\r"u8);
            if (line.Length < 2 || line[0] == (byte)'#') continue;
            if (line[0] == (byte)'v' && line[1] == (byte)' ')
            {
                var rest = line[2..];
                for (int i = 0; i < 3; i++) Positions.Add(NextFloat(ref rest, src, lineNo));
            }
            else if (positionsOnly) continue;
            else if (line[0] == (byte)'v' && line[1] == (byte)'t' && line.Length > 2 && line[2] == (byte)' ')
            {
                var rest = line[3..];
                Uvs.Add(NextFloat(ref rest, src, lineNo));
                Uvs.Add(NextFloat(ref rest, src, lineNo));
            }
            else if (line[0] == (byte)'f' && line[1] == (byte)' ')
            {
                var rest = line[2..];
                int corners = 0;
                while (true)
                {
                    var tok = NextToken(ref rest);
                    if (tok.Length == 0) break;
                    int slash = tok.IndexOf((byte)'/');
                    var vTok = slash < 0 ? tok : tok[..slash];
                    int v = ParseIndex(vTok, VertexCount, src, lineNo, "vertex");
                    int vt = -1;
                    if (slash >= 0)
                    {
                        var after = tok[(slash + 1)..];
                        int slash2 = after.IndexOf((byte)'/');
                        var vtTok = slash2 < 0 ? after : after[..slash2];
                        if (vtTok.Length > 0) vt = ParseIndex(vtTok, Uvs.Count / 2, src, lineNo, "texture coordinate");
                    }
                    CornerVertices.Add(v); CornerUvs.Add(vt); corners++;
                }
                if (corners < 3) throw new InvalidInputException(src, $"line {lineNo}: face with {corners} corners (at least 3 needed)");
                PolygonOffsets.Add(CornerVertices.Count);
            }
            else if (line.StartsWith("usemtl "u8))
            {
                var name = System.Text.Encoding.UTF8.GetString(line[7..].Trim(" \t"u8));
                Materials.Add((name, PolygonCount));
            }
        }
    }

    static ReadOnlySpan<byte> NextToken(ref ReadOnlySpan<byte> s)
    {
        s = s.TrimStart(" \t"u8);
        int end = s.IndexOfAny((byte)' ', (byte)'\t');
        var tok = end < 0 ? s : s[..end];
        s = end < 0 ? default : s[end..];
        return tok;
    }

    static float NextFloat(ref ReadOnlySpan<byte> s, string src, int lineNo)
    {
        var tok = NextToken(ref s);
        if (!float.TryParse(tok, NumberStyles.Float, CultureInfo.InvariantCulture, out float f) || !float.IsFinite(f))
            throw new InvalidInputException(src, $"line {lineNo}: bad number '{System.Text.Encoding.UTF8.GetString(tok)}'");
        return f;
    }

    static int ParseIndex(ReadOnlySpan<byte> tok, int count, string src, int lineNo, string what)
    {
        if (!int.TryParse(tok, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int i) || i == 0)
            throw new InvalidInputException(src, $"line {lineNo}: bad {what} index '{System.Text.Encoding.UTF8.GetString(tok)}'");
        int idx = i > 0 ? i - 1 : count + i;
        if ((uint)idx >= (uint)count)
            throw new InvalidInputException(src, $"line {lineNo}: {what} index {i} refers past the {count} defined so far");
        return idx;
    }
}
