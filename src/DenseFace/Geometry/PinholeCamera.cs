using System.Numerics;

namespace DenseFace.Geometry;

/// <summary>
/// A pinhole camera with OpenCV axes (x right, y down, z forward, right-handed), focal lengths in pixels and
/// the principal point in the project's image convention (0-based pixel centres: the centre of the top-left
/// pixel is (0, 0), so the image centre is ((W-1)/2, (H-1)/2)). No lens distortion. Camera-space units are
/// whatever the points use (cm for the face model); projection is scale-free.
/// </summary>
public readonly struct PinholeCamera
{
    /// <summary>Image width in pixels.</summary>
    public int Width { get; }
    /// <summary>Image height in pixels.</summary>
    public int Height { get; }
    /// <summary>Horizontal focal length in pixels.</summary>
    public float Fx { get; }
    /// <summary>Vertical focal length in pixels.</summary>
    public float Fy { get; }
    /// <summary>Principal point x in pixels (0-based pixel-centre convention).</summary>
    public float Cx { get; }
    /// <summary>Principal point y in pixels (0-based pixel-centre convention).</summary>
    public float Cy { get; }

    /// <summary>Creates a camera; the principal point defaults to the image centre ((W-1)/2, (H-1)/2).</summary>
    /// <exception cref="InvalidInputException">Size outside the <see cref="Imaging.Image8"/> limits, focal lengths not positive, or a non-finite value.</exception>
    public PinholeCamera(int width, int height, float fx, float fy, float? cx = null, float? cy = null)
    {
        Imaging.Image8.Validate(width, height, 3, "camera");
        if (!float.IsFinite(fx) || !float.IsFinite(fy) || fx <= 0 || fy <= 0)
            throw new InvalidInputException("camera", $"focal lengths ({fx}, {fy}) must be positive and finite");
        float px = cx ?? (width - 1) / 2f, py = cy ?? (height - 1) / 2f;
        if (!float.IsFinite(px) || !float.IsFinite(py))
            throw new InvalidInputException("camera", $"principal point ({px}, {py}) is not finite");
        Width = width; Height = height; Fx = fx; Fy = fy; Cx = px; Cy = py;
    }

    /// <summary>A square-pixel camera whose vertical field of view (edge to edge of the image) is <paramref name="fovYDegrees"/>.</summary>
    public static PinholeCamera FromVerticalFieldOfView(int width, int height, float fovYDegrees)
    {
        if (!float.IsFinite(fovYDegrees) || fovYDegrees <= 0 || fovYDegrees >= 180)
            throw new InvalidInputException("camera", $"vertical field of view {fovYDegrees} degrees is outside (0, 180)");
        float f = height / 2f / MathF.Tan(fovYDegrees * MathF.PI / 360f);
        return new PinholeCamera(width, height, f, f);
    }

    /// <summary>False for <c>default(PinholeCamera)</c> (zero size).</summary>
    public bool IsValid => Width > 0 && Height > 0 && Fx > 0 && Fy > 0;

    /// <summary>Projects a camera-space point (z &gt; 0 in front of the camera) to pixel coordinates: (fx x/z + cx, fy y/z + cy).</summary>
    public Vector2 Project(Vector3 cameraSpacePoint) =>
        new(Fx * cameraSpacePoint.X / cameraSpacePoint.Z + Cx, Fy * cameraSpacePoint.Y / cameraSpacePoint.Z + Cy);

    /// <summary>The camera-space point at depth <paramref name="depth"/> (its z) that projects to <paramref name="pixel"/>.</summary>
    public Vector3 Unproject(Vector2 pixel, float depth) =>
        new((pixel.X - Cx) / Fx * depth, (pixel.Y - Cy) / Fy * depth, depth);
}
