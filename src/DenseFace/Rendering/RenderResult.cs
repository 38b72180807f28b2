using System.Numerics;
using DenseFace.Geometry;
using DenseFace.Imaging;

namespace DenseFace.Rendering;

/// <summary>
/// What <see cref="MeshRenderer.Render"/> produces: the colour image, a per-pixel depth buffer, a coverage mask,
/// and the per-sample depth buffer behind <see cref="IsVisible"/>. Depths are camera-space z (the units of the
/// mesh, cm for the face model), +∞ where no opaque triangle was drawn.
/// </summary>
public sealed class RenderResult
{
    internal RenderResult(in PinholeCamera camera, int supersampling)
    {
        Camera = camera;
        Supersampling = supersampling;
        // The renderer writes every pixel and sample, so the buffers skip zeroing.
        int pixels = camera.Width * camera.Height;
        Color = new Image8(camera.Width, camera.Height, 3, GC.AllocateUninitializedArray<byte>(pixels * 3));
        Mask = new Image8(camera.Width, camera.Height, 1, GC.AllocateUninitializedArray<byte>(pixels));
        Depth = GC.AllocateUninitializedArray<float>(pixels);
        SampleDepth = GC.AllocateUninitializedArray<float>(pixels * supersampling * supersampling);
    }

    /// <summary>The camera the image was rendered with.</summary>
    public PinholeCamera Camera { get; }

    /// <summary>Samples per pixel side.</summary>
    public int Supersampling { get; }

    /// <summary>RGB image (sRGB-encoded unless <see cref="MeshRenderSettings.Srgb"/> was false).</summary>
    public Image8 Color { get; }

    /// <summary>Gray image: 255 × the fraction of a pixel's samples covered by opaque triangles whose material is <see cref="RenderMaterial.InMask"/>.</summary>
    public Image8 Mask { get; }

    /// <summary>Per pixel (row-major), the smallest camera-space z among its samples' opaque surfaces; +∞ where none.</summary>
    public float[] Depth { get; }

    /// <summary>Per sample (row-major on the Width·s × Height·s grid), the camera-space z of the nearest opaque surface; +∞ where none.</summary>
    internal float[] SampleDepth { get; }

    /// <summary>Default depth tolerance of <see cref="IsVisible"/> (camera units, cm).</summary>
    public const float DefaultTolerance = 0.25f;

    /// <summary>
    /// Whether a surface point is seen: it lies in front of the camera, projects inside the image, faces the camera
    /// (<paramref name="cameraNormal"/> · (−point) &gt; 0; pass a zero normal to skip the test), and either the sample
    /// nearest its projection holds nothing nearer than point.z − <paramref name="tolerance"/>, or one of the 4 samples
    /// around the projection shows a surface within ± tolerance of the point's depth (its own surface, so points on
    /// an occluding contour count as seen). A point behind another surface fails both.
    /// </summary>
    public bool IsVisible(Vector3 cameraPoint, Vector3 cameraNormal, float tolerance = DefaultTolerance)
    {
        if (!(cameraPoint.Z > 1e-3f)) return false;
        if (cameraNormal != Vector3.Zero && Vector3.Dot(cameraNormal, cameraPoint) >= 0) return false;
        var p = Camera.Project(cameraPoint);
        if (!(p.X >= -0.5f && p.Y >= -0.5f && p.X < Camera.Width - 0.5f && p.Y < Camera.Height - 0.5f)) return false;
        int s = Supersampling, sw = Camera.Width * s, sh = Camera.Height * s;
        // Sample grid coordinates: sample k of pixel i sits at i + (k + 0.5)/s - 0.5, so grid = (pixel + 0.5) s - 0.5.
        float gx = (p.X + 0.5f) * s - 0.5f, gy = (p.Y + 0.5f) * s - 0.5f;
        float z = cameraPoint.Z;
        int nx = Math.Clamp((int)MathF.Round(gx), 0, sw - 1), ny = Math.Clamp((int)MathF.Round(gy), 0, sh - 1);
        if (SampleDepth[ny * sw + nx] >= z - tolerance) return true;
        int x0 = Math.Clamp((int)MathF.Floor(gx), 0, sw - 1), y0 = Math.Clamp((int)MathF.Floor(gy), 0, sh - 1);
        int x1 = Math.Min(x0 + 1, sw - 1), y1 = Math.Min(y0 + 1, sh - 1);
        return MathF.Abs(SampleDepth[y0 * sw + x0] - z) <= tolerance || MathF.Abs(SampleDepth[y0 * sw + x1] - z) <= tolerance
            || MathF.Abs(SampleDepth[y1 * sw + x0] - z) <= tolerance || MathF.Abs(SampleDepth[y1 * sw + x1] - z) <= tolerance;
    }

    /// <summary>
    /// Per-vertex visibility (<see cref="IsVisible"/> for each point): <paramref name="cameraPositions"/> and
    /// <paramref name="cameraNormals"/> in camera space (e.g. the mesh positions and
    /// <see cref="TriangleMesh.ComputeVertexNormals()"/> through the render's model-to-camera transform).
    /// </summary>
    /// <exception cref="InvalidInputException">The spans differ in length or <paramref name="visibleOut"/> is shorter.</exception>
    public void ComputeVisibility(ReadOnlySpan<Vector3> cameraPositions, ReadOnlySpan<Vector3> cameraNormals, Span<bool> visibleOut, float tolerance = DefaultTolerance)
    {
        if (cameraNormals.Length != cameraPositions.Length || visibleOut.Length < cameraPositions.Length)
            throw new InvalidInputException(nameof(cameraPositions), $"{cameraPositions.Length} positions, {cameraNormals.Length} normals, room for {visibleOut.Length} flags");
        for (int i = 0; i < cameraPositions.Length; i++) visibleOut[i] = IsVisible(cameraPositions[i], cameraNormals[i], tolerance);
    }
}
