using DenseFace.IO;
using System.Globalization;
using System.Numerics;
using System.Text;

namespace DenseFace.Geometry.Export;

/// <summary>
/// Writes a <see cref="TriangleMesh"/> as Wavefront OBJ (ASCII, invariant culture, shortest round-trip
/// float formatting): <c>v</c> positions in model units (cm for the face model) with axes unchanged,
/// optional <c>vt</c> (u right, v up, as stored in the mesh), optional <c>vn</c> (one per position), and
/// <c>f</c> records with 1-based <c>v/vt/vn</c> indices in the mesh's counter-clockwise order.
/// OBJ has no morph targets; <see cref="TriangleMesh.MorphTargets"/> are not written (apply them first).
/// </summary>
public static class ObjWriter
{
    /// <summary>Writes <paramref name="mesh"/> to <paramref name="path"/> (and the <c>.mtl</c> next to it when a texture is named).</summary>
    /// <exception cref="InvalidInputException">The mesh is inconsistent or the texture/material name is unusable.</exception>
    public static void Write(string path, TriangleMesh mesh, ObjOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        options ??= new ObjOptions();
        MeshExportChecks.Validate(mesh, nameof(mesh));
        string? mtlFileName = null;
        if (options.TextureFileName is not null)
        {
            CheckName(options.TextureFileName, nameof(ObjOptions.TextureFileName));
            CheckMaterialName(options.MaterialName);
            var mtlPath = Path.ChangeExtension(path, ".mtl");
            mtlFileName = Path.GetFileName(mtlPath);
            WriteMtl(mtlPath, options.MaterialName, options.TextureFileName);
        }
        AtomicFile.Write(path, stream => WriteCore(stream, mesh, options, mtlFileName));
    }

    /// <summary>
    /// Writes the OBJ text to <paramref name="stream"/> (left open). <paramref name="mtlFileName"/>, when not null,
    /// is referenced with <c>mtllib</c> and <see cref="ObjOptions.MaterialName"/> with <c>usemtl</c>; no MTL is written.
    /// </summary>
    public static void Write(Stream stream, TriangleMesh mesh, ObjOptions? options = null, string? mtlFileName = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        options ??= new ObjOptions();
        MeshExportChecks.Validate(mesh, nameof(mesh));
        if (mtlFileName is not null)
        {
            CheckName(mtlFileName, nameof(mtlFileName));
            CheckMaterialName(options.MaterialName);
        }
        WriteCore(stream, mesh, options, mtlFileName);
    }

    static void WriteCore(Stream stream, TriangleMesh mesh, ObjOptions options, string? mtlFileName)
    {
        using var w = new StreamWriter(stream, new UTF8Encoding(false), 1 << 16, leaveOpen: true) { NewLine = "\n" };
        w.WriteLine("# DenseFace OBJ export");
        w.Write("# "); w.Write(mesh.Positions.Length); w.Write(" vertices, "); w.Write(mesh.TriangleCount); w.WriteLine(" triangles");
        if (mtlFileName is not null) { w.Write("mtllib "); w.WriteLine(mtlFileName); }

        foreach (var p in mesh.Positions) WriteVector(w, "v ", p);
        bool uvs = options.WriteUvs && mesh.Uvs is not null;
        if (uvs)
            foreach (var t in mesh.Uvs!) { w.Write("vt "); WriteFloat(w, t.X); w.Write(' '); WriteFloat(w, t.Y); w.WriteLine(); }
        bool normals = options.WriteNormals;
        if (normals)
            foreach (var n in mesh.ComputeVertexNormals()) WriteVector(w, "vn ", n);

        if (mtlFileName is not null) { w.Write("usemtl "); w.WriteLine(options.MaterialName); }
        var tris = mesh.Triangles;
        var uvTris = mesh.UvTriangles;
        for (int i = 0; i < tris.Length; i += 3)
        {
            w.Write('f');
            for (int k = 0; k < 3; k++)
            {
                w.Write(' ');
                int v = tris[i + k] + 1;
                w.Write(v);
                if (uvs) { w.Write('/'); w.Write(uvTris![i + k] + 1); }
                if (normals) { w.Write(uvs ? "/" : "//"); w.Write(v); }
            }
            w.WriteLine();
        }
    }

    static void WriteMtl(string mtlPath, string material, string texture)
    {
        AtomicFile.Write(mtlPath, stream => WriteMtlCore(stream, material, texture));
    }

    static void WriteMtlCore(Stream stream, string material, string texture)
    {
        using var w = new StreamWriter(stream, new UTF8Encoding(false), 1 << 12, leaveOpen: true) { NewLine = "\n" };
        w.WriteLine("# DenseFace material");
        w.Write("newmtl "); w.WriteLine(material);
        w.WriteLine("Ka 1 1 1");
        w.WriteLine("Kd 1 1 1");
        w.WriteLine("Ks 0 0 0");
        w.WriteLine("d 1");
        w.WriteLine("illum 1");
        w.Write("map_Kd "); w.WriteLine(texture);
    }

    static void CheckName(string name, string inputName)
    {
        if (string.IsNullOrWhiteSpace(name))
            throw new InvalidInputException(inputName, "name is empty");
        if (name.Any(char.IsControl))
            throw new InvalidInputException(inputName, $"'{name}' contains control characters (line breaks would corrupt the file)");
    }

    static void CheckMaterialName(string name)
    {
        CheckName(name, nameof(ObjOptions.MaterialName));
        if (name.Any(char.IsWhiteSpace))
            throw new InvalidInputException(nameof(ObjOptions.MaterialName), $"'{name}' contains white space");
    }

    static void WriteVector(StreamWriter w, string tag, Vector3 v)
    {
        w.Write(tag); WriteFloat(w, v.X); w.Write(' '); WriteFloat(w, v.Y); w.Write(' '); WriteFloat(w, v.Z); w.WriteLine();
    }

    /// <summary>Shortest string that parses back to the same float, invariant culture, no allocation.</summary>
    static void WriteFloat(StreamWriter w, float f)
    {
        Span<char> buf = stackalloc char[24];
        f.TryFormat(buf, out int n, default, CultureInfo.InvariantCulture);
        w.Write(buf[..n]);
    }
}
