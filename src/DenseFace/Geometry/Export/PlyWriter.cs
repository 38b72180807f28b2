using DenseFace.IO;
using System.Buffers.Binary;
using System.Text;

namespace DenseFace.Geometry.Export;

/// <summary>
/// Writes a <see cref="TriangleMesh"/> as binary little-endian PLY 1.0: element <c>vertex</c> with
/// <c>float x, y, z</c> (model units, cm for the face model, axes unchanged), optionally <c>float nx, ny, nz</c>
/// (smooth area-weighted normals) and <c>uchar red, green, blue</c>; element <c>face</c> with
/// <c>list uchar int vertex_indices</c> (three 0-based indices per triangle, counter-clockwise).
/// UVs and morph targets are not written (PLY has no standard for either).
/// </summary>
public static class PlyWriter
{
    /// <summary>Writes the mesh to <paramref name="path"/>.</summary>
    /// <param name="path">Output file (created or overwritten).</param>
    /// <param name="mesh">Mesh in model units.</param>
    /// <param name="includeNormals">Write nx, ny, nz per vertex.</param>
    /// <param name="colorsRgb">Optional per-vertex colours, interleaved R, G, B (3 bytes per vertex).</param>
    /// <exception cref="InvalidInputException">The mesh is inconsistent or <paramref name="colorsRgb"/> has the wrong length.</exception>
    public static void Write(string path, TriangleMesh mesh, bool includeNormals = true, byte[]? colorsRgb = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        Validate(mesh, colorsRgb);
        AtomicFile.Write(path, stream => WriteCore(stream, mesh, includeNormals, colorsRgb));
    }

    /// <summary>Writes the PLY bytes to <paramref name="stream"/> (left open).</summary>
    public static void Write(Stream stream, TriangleMesh mesh, bool includeNormals = true, byte[]? colorsRgb = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        Validate(mesh, colorsRgb);
        WriteCore(stream, mesh, includeNormals, colorsRgb);
    }

    static void Validate(TriangleMesh mesh, byte[]? colorsRgb)
    {
        MeshExportChecks.Validate(mesh, nameof(mesh));
        if (colorsRgb is not null && colorsRgb.LongLength != 3L * mesh.Positions.Length)
            throw new InvalidInputException(nameof(colorsRgb), $"{colorsRgb.Length} bytes, expected 3 per vertex ({3L * mesh.Positions.Length})");
    }

    static void WriteCore(Stream stream, TriangleMesh mesh, bool includeNormals, byte[]? colors)
    {
        var header = new StringBuilder();
        header.Append("ply\nformat binary_little_endian 1.0\ncomment DenseFace PLY export\n");
        header.Append("element vertex ").Append(mesh.Positions.Length).Append('\n');
        header.Append("property float x\nproperty float y\nproperty float z\n");
        if (includeNormals) header.Append("property float nx\nproperty float ny\nproperty float nz\n");
        if (colors is not null) header.Append("property uchar red\nproperty uchar green\nproperty uchar blue\n");
        header.Append("element face ").Append(mesh.TriangleCount).Append('\n');
        header.Append("property list uchar int vertex_indices\nend_header\n");
        stream.Write(Encoding.ASCII.GetBytes(header.ToString()));

        var normals = includeNormals ? mesh.ComputeVertexNormals() : null;
        int record = 12 + (includeNormals ? 12 : 0) + (colors is not null ? 3 : 0);
        const int Batch = 4096;
        var buf = new byte[Batch * Math.Max(record, 13)];
        var pos = mesh.Positions;
        for (int start = 0; start < pos.Length; start += Batch)
        {
            int count = Math.Min(Batch, pos.Length - start);
            var span = buf.AsSpan(0, count * record);
            for (int i = 0; i < count; i++)
            {
                int v = start + i;
                var r = span.Slice(i * record, record);
                BinaryPrimitives.WriteSingleLittleEndian(r, pos[v].X);
                BinaryPrimitives.WriteSingleLittleEndian(r[4..], pos[v].Y);
                BinaryPrimitives.WriteSingleLittleEndian(r[8..], pos[v].Z);
                int o = 12;
                if (normals is not null)
                {
                    BinaryPrimitives.WriteSingleLittleEndian(r[o..], normals[v].X);
                    BinaryPrimitives.WriteSingleLittleEndian(r[(o + 4)..], normals[v].Y);
                    BinaryPrimitives.WriteSingleLittleEndian(r[(o + 8)..], normals[v].Z);
                    o += 12;
                }
                if (colors is not null) { r[o] = colors[3 * v]; r[o + 1] = colors[3 * v + 1]; r[o + 2] = colors[3 * v + 2]; }
            }
            stream.Write(span);
        }

        var tris = mesh.Triangles;
        for (int start = 0; start < mesh.TriangleCount; start += Batch)
        {
            int count = Math.Min(Batch, mesh.TriangleCount - start);
            var span = buf.AsSpan(0, count * 13);
            for (int i = 0; i < count; i++)
            {
                var r = span.Slice(i * 13, 13);
                int t = 3 * (start + i);
                r[0] = 3;
                BinaryPrimitives.WriteInt32LittleEndian(r[1..], tris[t]);
                BinaryPrimitives.WriteInt32LittleEndian(r[5..], tris[t + 1]);
                BinaryPrimitives.WriteInt32LittleEndian(r[9..], tris[t + 2]);
            }
            stream.Write(span);
        }
    }
}
