using System.Numerics;
using DenseFace.Geometry;
using DenseFace.Imaging;

namespace DenseFace.Rendering;

/// <summary>
/// Sanity pictures of an untextured mesh: <see cref="MeshRenderer"/> with one flat material, ambient light and
/// one directional light (Lambert + ambient + Blinn-Phong), linear output (colour value × 255, no gamma).
/// See <see cref="MeshRenderer"/> for the rasterisation conventions (pixel centres, fill rule, supersampling,
/// no clipping). The picture does not depend on the thread count.
/// </summary>
public static class SimpleRenderer
{
    /// <summary>
    /// Renders <paramref name="mesh"/> placed by <paramref name="modelToCamera"/> into an RGB image of the camera's size.
    /// Only <see cref="TriangleMesh.Positions"/> are drawn: morph targets are not applied (evaluate the expression first).
    /// </summary>
    /// <exception cref="InvalidInputException">Bad options, an uninitialised camera, or non-finite vertex positions.</exception>
    public static Image8 Render(TriangleMesh mesh, in PinholeCamera camera, in RigidTransform modelToCamera, RenderOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(mesh);
        options ??= new RenderOptions();
        if (!float.IsFinite(options.Albedo.X) || !float.IsFinite(options.Albedo.Y) || !float.IsFinite(options.Albedo.Z))
            throw new InvalidInputException(nameof(RenderOptions.Albedo), $"colour {options.Albedo} is not finite");
        foreach (var (name, v) in new[] { (nameof(options.Ambient), options.Ambient), (nameof(options.Diffuse), options.Diffuse), (nameof(options.Specular), options.Specular), (nameof(options.Shininess), options.Shininess) })
            if (!float.IsFinite(v) || v < 0) throw new InvalidInputException(name, $"{v} must be finite and non-negative");
        var material = new RenderMaterial { Color = options.Albedo, Specular = 1, Shininess = options.Shininess };
        var settings = new MeshRenderSettings
        {
            Supersampling = options.Supersampling,
            CullBackFaces = options.CullBackFaces,
            Srgb = false,
            Background = options.Background,
            Lighting = SphericalHarmonicsLighting.Constant(new Vector3(options.Ambient)),
            Light = new DirectionalLight(options.LightDirection, new Vector3(options.Diffuse), new Vector3(options.Specular)),
            MaxDegreeOfParallelism = options.MaxDegreeOfParallelism,
        };
        var flat = new TriangleMesh(mesh.Positions, mesh.Triangles);
        return MeshRenderer.Render(flat, camera, modelToCamera, [material], default, settings).Color;
    }

    /// <summary>
    /// Renders a square portrait of the whole mesh: the camera (focal length 2 x <paramref name="size"/>, about a
    /// 28 degree field of view) looks at the centre of the mesh's bounding box from a distance at which the sphere
    /// around that centre enclosing every vertex fills 90% of the image, whatever the rotation. A y-up model (ICT-FaceKit) appears upright;
    /// the angles follow <see cref="RigidTransform"/> (positive yaw turns the face toward the image right).
    /// </summary>
    public static Image8 RenderPortrait(TriangleMesh mesh, int size, float yawDeg, float pitchDeg, float rollDeg, RenderOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(mesh);
        Image8.Validate(size, size, 3, nameof(size));
        foreach (var a in new[] { yawDeg, pitchDeg, rollDeg })
            if (!float.IsFinite(a)) throw new InvalidInputException("angles", $"angle {a} is not finite");
        if (mesh.Positions.Length == 0) throw new InvalidInputException(nameof(mesh), "mesh has no vertices");
        var lo = new Vector3(float.PositiveInfinity); var hi = new Vector3(float.NegativeInfinity);
        foreach (var p in mesh.Positions) { lo = Vector3.Min(lo, p); hi = Vector3.Max(hi, p); }
        if (!float.IsFinite(lo.X + lo.Y + lo.Z + hi.X + hi.Y + hi.Z))
            throw new InvalidInputException(nameof(mesh), "vertex positions are not finite");
        var centre = (lo + hi) / 2;
        float radius = 0;
        foreach (var p in mesh.Positions) radius = MathF.Max(radius, Vector3.Distance(p, centre));
        radius = MathF.Max(radius, 1e-3f);
        float f = 2f * size;
        float k = 0.45f * size / f;                                  // tan of the half-angle the sphere may subtend
        float distance = radius * MathF.Sqrt(1 + 1 / (k * k));       // sphere tangent cone has tan = r / sqrt(d^2 - r^2)
        var camera = new PinholeCamera(size, size, f, f);
        return Render(mesh, camera, RigidTransform.LookAtFace(distance, yawDeg, pitchDeg, rollDeg, centre), options);
    }
}
