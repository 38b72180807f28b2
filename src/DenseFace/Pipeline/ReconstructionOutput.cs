using System.Numerics;
using System.Text.Json;
using DenseFace.FaceModel;
using DenseFace.Geometry;
using DenseFace.Imaging;
using DenseFace.IO;
using DenseFace.Landmarks;

namespace DenseFace.Pipeline;

/// <summary>Paths (relative to the output folder) of the files written for one face; null where not written.</summary>
public sealed record FaceFiles(string? Mesh, IReadOnlyList<string> ExtraMeshes, string? Texture);

/// <summary>
/// The one serialiser of reconstructions, and their pictures. The JSON line of an image (one per image in
/// <c>denseface reconstruct --jsonl</c>, and the image's own .json) is
/// <c>{"file", "width", "height", ["frame", "time_s",] "faces": [{"box": [x, y, w, h], "score", "landmarks68",
/// "landmarks68_3d", "dense": {"layout", "points": [[x, y, sigma, visible], ...]}, "pose": {"yaw", "pitch", "roll",
/// "translation_cm": [x, y, z], "focal_px"}, "blendshapes": {name: weight}, "identity": [...], "fit": {"rms_px",
/// "iterations"}, "mesh", "texture"}], "timing_ms": {"decode", "detect", "landmarks", "fit", "texture", "total"}}</c>:
/// 0-based pixel centres, σ in pixels, visibility a probability, angles in degrees (<see cref="HeadPose"/>),
/// translation in cm (OpenCV camera axes), mesh and texture paths relative to the output folder.
/// </summary>
public static class ReconstructionOutput
{
    /// <summary>
    /// One compact JSON line for an image (or a video frame when <paramref name="frame"/> is given: frame index and
    /// time in seconds). <paramref name="files"/>, when given, has one entry per face; <paramref name="extra"/> may
    /// add members at the end of the image object.
    /// </summary>
    public static string JsonLine(string file, ImageReconstruction image, MorphableModel model, IReadOnlyList<FaceFiles?>? files = null, (int Index, double TimeS)? frame = null,
        Action<Utf8JsonWriter>? extra = null)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(model);
        if (files is not null && files.Count != image.Faces.Count) throw new ArgumentException($"{files.Count} file entries for {image.Faces.Count} faces", nameof(files));
        return JsonLines.ImageLine(file, image.Width, image.Height, w =>
        {
            if (frame is (int index, double time)) { w.WriteNumber("frame", index); w.WriteNumber("time_s", Math.Round(time, 4)); }
            w.WriteStartArray("faces");
            for (int i = 0; i < image.Faces.Count; i++) WriteFace(w, image.Faces[i], model, files?[i]);
            w.WriteEndArray();
            var t = image.Timings;
            JsonLines.WriteNumbers(w, "timing_ms", [new("decode", t.Decode), new("detect", t.Detect), new("landmarks", t.Landmarks), new("fit", t.Fit), new("texture", t.Texture), new("total", t.Total)]);
            extra?.Invoke(w);
        });
    }

    static void WriteFace(Utf8JsonWriter w, ReconstructedFace face, MorphableModel model, FaceFiles? files)
    {
        w.WriteStartObject();
        LandmarkOutput.WriteFaceMembers(w, face.Box, face.Landmarks);
        w.WriteNumber("score", Math.Round(face.Score, 4));
        var pose = face.Pose;
        w.WriteStartObject("pose");
        w.WriteNumber("yaw", Math.Round(pose.Yaw, 3));
        w.WriteNumber("pitch", Math.Round(pose.Pitch, 3));
        w.WriteNumber("roll", Math.Round(pose.Roll, 3));
        var t = pose.TranslationCm;
        JsonLines.WriteArray(w, "translation_cm", [t.X, t.Y, t.Z], 3);
        w.WriteNumber("focal_px", Math.Round(pose.FocalPx, 2));
        w.WriteEndObject();
        w.WriteStartObject("blendshapes");
        for (int e = 0; e < model.ExpressionCount; e++) w.WriteNumber(model.ExpressionNames[e], Math.Round(face.Expression[e], 4));
        w.WriteEndObject();
        JsonLines.WriteArray(w, "identity", face.Identity, 4);
        w.WriteStartObject("fit");
        w.WriteNumber("rms_px", Math.Round(face.RmsReprojectionPx, 3));
        if (face.Fit is not null) w.WriteNumber("iterations", face.Fit.Iterations);
        w.WriteEndObject();
        if (files?.Mesh is string mesh) w.WriteString("mesh", mesh);
        if (files is { ExtraMeshes.Count: > 0 })
        {
            w.WriteStartArray("meshes");
            foreach (var m in files.ExtraMeshes) w.WriteStringValue(m);
            w.WriteEndArray();
        }
        if (files?.Texture is string tex) w.WriteString("texture", tex);
        w.WriteEndObject();
    }

    /// <summary>
    /// Writes face <paramref name="index"/>'s files under <paramref name="outDir"/> as <c>&lt;stem&gt;.face&lt;index&gt;.glb</c>
    /// (53 named morph targets), one more mesh per extra extension (.obj, .ply) and, when the face has one,
    /// <c>&lt;stem&gt;.face&lt;index&gt;.texture.png</c>; <paramref name="stem"/> may contain folders (created). Returns the
    /// relative paths.
    /// </summary>
    public static FaceFiles WriteFaceFiles(string outDir, string stem, int index, ReconstructedFace face, MorphableModel model, IReadOnlyList<string>? extraMeshExtensions = null)
    {
        ArgumentNullException.ThrowIfNull(face);
        string baseName = $"{stem}.face{index}";
        string Full(string rel) { var p = InsideFolder(outDir, rel); Directory.CreateDirectory(Path.GetDirectoryName(p)!); return p; }
        string glb = baseName + ".glb";
        HeadExport.Write(model, face.Identity, face.Expression, Full(glb));
        var extras = new List<string>();
        foreach (var ext in extraMeshExtensions ?? [])
        {
            string rel = baseName + ext;
            HeadExport.Write(model, face.Identity, face.Expression, Full(rel));
            extras.Add(rel);
        }
        string? texture = null;
        if (face.Texture is not null)
        {
            texture = baseName + ".texture.png";
            ImageIO.Save(face.Texture.Color, Full(texture));
        }
        return new FaceFiles(glb.Replace('\\', '/'), extras, texture?.Replace('\\', '/'));
    }

    /// <summary>The full path of <paramref name="relative"/> under <paramref name="folder"/>; a path that would leave the folder is an error.</summary>
    /// <exception cref="InvalidInputException">The relative path climbs out of the folder or is rooted.</exception>
    public static string InsideFolder(string folder, string relative)
    {
        var root = Path.GetFullPath(folder);
        var full = Path.GetFullPath(Path.Combine(root, relative));
        var rootWithSep = root.EndsWith(Path.DirectorySeparatorChar) ? root : root + Path.DirectorySeparatorChar;
        if (!full.StartsWith(rootWithSep, StringComparison.Ordinal)) throw new InvalidInputException(relative, $"output name leaves the output folder {root}");
        return full;
    }

    /// <summary>
    /// A copy of <paramref name="image"/> with every face's fitted mesh as a wireframe (front-facing triangles of the
    /// narrow face area) under its dense points coloured by σ (<see cref="LandmarkOutput.Overlay"/>).
    /// </summary>
    public static Image8 Overlay(Image8 image, ImageReconstruction reconstruction, MorphableModel model)
    {
        ArgumentNullException.ThrowIfNull(reconstruction);
        var canvas = image.ConvertTo(3);
        foreach (var f in reconstruction.Faces) DrawWireframe(canvas, model, f.Positions(model), f.ModelToCamera, f.Camera, new Rgba(80, 200, 255, 70));
        return LandmarkOutput.Overlay(canvas, reconstruction.Faces.Select(f => f.Landmarks));
    }

    /// <summary>Draws the edges of the front-facing triangles of the narrow face area of <paramref name="positions"/> (cm, model space) posed and projected.</summary>
    public static void DrawWireframe(Image8 canvas, MorphableModel model, ReadOnlySpan<Vector3> positions, in RigidTransform pose, in PinholeCamera camera, Rgba color)
    {
        ArgumentNullException.ThrowIfNull(canvas);
        ArgumentNullException.ThrowIfNull(model);
        var range = model.TriangleRange(FaceSubArea.NarrowFace);
        var tris = model.Triangles;
        for (int t = range.Start; t < range.End; t++)
        {
            var a = pose.Apply(positions[tris[3 * t]]); var b = pose.Apply(positions[tris[3 * t + 1]]); var c = pose.Apply(positions[tris[3 * t + 2]]);
            if (a.Z <= 0 || b.Z <= 0 || c.Z <= 0) continue;
            // front-facing: the outward normal points toward the camera centre
            if (Vector3.Dot(Vector3.Cross(b - a, c - a), a) >= 0) continue;
            Vector2 pa = camera.Project(a), pb = camera.Project(b), pc = camera.Project(c);
            Draw.Line(canvas, pa, pb, color); Draw.Line(canvas, pb, pc, color); Draw.Line(canvas, pc, pa, color);
        }
    }
}
