namespace DenseFace.FaceModel.Layouts;

/// <summary>
/// One landmark of a <see cref="LandmarkLayout"/>: a point on the model surface with its part, a semantic region
/// label (see <see cref="LandmarkRegions"/>) and the index of its left/right mirror partner in the same layout.
/// </summary>
/// <param name="Surface">Triangle and barycentric coordinates on <see cref="MorphableModel.Triangles"/>.</param>
/// <param name="Part">The model part that owns <see cref="SurfacePoint.Triangle"/>.</param>
/// <param name="Region">Semantic region label, e.g. "jaw", "eye_contour", "iris" (lower-case, underscores).</param>
/// <param name="Mirror">
/// Index of the landmark at the mirror image (x → −x) of this one; the point's own index when it lies on the
/// mid-sagittal plane; −1 when the layout has no partner for it. Swapping every landmark with its mirror is the
/// relabelling a horizontal image flip needs.
/// </param>
/// <param name="Vertex">The mesh vertex the point sits on (weight 1 on one corner), or −1 for an interior surface point.</param>
public readonly record struct LandmarkPoint(SurfacePoint Surface, FacePart Part, string Region, int Mirror, int Vertex = -1);

/// <summary>Region labels used by the built-in layouts.</summary>
public static class LandmarkRegions
{
    /// <summary>Jaw line / face outline from ear to ear (iBUG 0–16 and denser samples).</summary>
    public const string Jaw = "jaw";
    /// <summary>Eyebrows.</summary>
    public const string Brow = "brow";
    /// <summary>Eyelid margins (the face mesh's eye openings) and the iBUG eye points.</summary>
    public const string EyeContour = "eye_contour";
    /// <summary>Outer lip contour (vermilion border).</summary>
    public const string LipOuter = "lip_outer";
    /// <summary>Inner lip contour (the mouth opening).</summary>
    public const string LipInner = "lip_inner";
    /// <summary>Nose bridge, tip, wings and base.</summary>
    public const string Nose = "nose";
    /// <summary>Other points of the face area (cheeks, forehead, chin, temples).</summary>
    public const string Face = "face";
    /// <summary>Outer ears.</summary>
    public const string Ear = "ear";
    /// <summary>Top and back of the head.</summary>
    public const string Scalp = "scalp";
    /// <summary>Neck (below y = −9 cm on the neutral head).</summary>
    public const string Neck = "neck";
    /// <summary>Iris centre (pupil) and the limbus ring.</summary>
    public const string Iris = "iris";
    /// <summary>Front teeth (incisors and canines).</summary>
    public const string Teeth = "teeth";

    /// <summary>All labels, in drawing/legend order.</summary>
    public static IReadOnlyList<string> All { get; } = [Jaw, Brow, EyeContour, LipOuter, LipInner, Nose, Face, Ear, Scalp, Neck, Iris, Teeth];
}
