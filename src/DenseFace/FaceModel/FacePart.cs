namespace DenseFace.FaceModel;

/// <summary>
/// The 17 geometries of the ICT-FaceKit topology, in the order they are stored (vertex and polygon
/// indices of each part are contiguous; see <see cref="FaceParts"/>). "Left"/"Right" are the subject's
/// own left/right: left parts lie at +x in model coordinates.
/// </summary>
public enum FacePart
{
    /// <summary>The face skin (the fitted and textured surface).</summary>
    Face,
    /// <summary>The back of the head, ears and neck.</summary>
    HeadAndNeck,
    /// <summary>The inside of the mouth.</summary>
    MouthSocket,
    /// <summary>The subject's left eye socket.</summary>
    EyeSocketLeft,
    /// <summary>The subject's right eye socket.</summary>
    EyeSocketRight,
    /// <summary>Gums and tongue.</summary>
    GumsAndTongue,
    /// <summary>Upper and lower teeth (see <see cref="FaceSubArea.TeethUpper"/>).</summary>
    Teeth,
    /// <summary>The subject's left eyeball (sclera and iris).</summary>
    EyeballLeft,
    /// <summary>The subject's right eyeball (sclera and iris).</summary>
    EyeballRight,
    /// <summary>Tear film of the left eye.</summary>
    LacrimalFluidLeft,
    /// <summary>Tear film of the right eye.</summary>
    LacrimalFluidRight,
    /// <summary>Blend geometry between the left eyeball and lids.</summary>
    EyeBlendLeft,
    /// <summary>Blend geometry between the right eyeball and lids.</summary>
    EyeBlendRight,
    /// <summary>Occlusion (shadow) geometry of the left eye.</summary>
    EyeOcclusionLeft,
    /// <summary>Occlusion (shadow) geometry of the right eye.</summary>
    EyeOcclusionRight,
    /// <summary>Eyelashes of the left eye.</summary>
    EyelashesLeft,
    /// <summary>Eyelashes of the right eye.</summary>
    EyelashesRight,
}

/// <summary>Finer areas inside the parts (ICT-FaceKit README, "Face Area Details", "Eyeball Details", "Teeth Details").</summary>
public enum FaceSubArea
{
    /// <summary>Same as <see cref="FacePart.Face"/>.</summary>
    FullFace,
    /// <summary>The inner face without the forehead top, ears and neck border (vertices 0..6705).</summary>
    NarrowFace,
    /// <summary>Sclera (white) of the left eyeball.</summary>
    ScleraLeft,
    /// <summary>Iris of the left eyeball.</summary>
    IrisLeft,
    /// <summary>Sclera (white) of the right eyeball.</summary>
    ScleraRight,
    /// <summary>Iris of the right eyeball.</summary>
    IrisRight,
    /// <summary>The 16 upper teeth (vertices 17039..19246).</summary>
    TeethUpper,
    /// <summary>The 16 lower teeth (vertices 19247..21450).</summary>
    TeethLower,
}

/// <summary>A contiguous run of indices [<see cref="Start"/>, <see cref="End"/>).</summary>
public readonly record struct IndexRange(int Start, int Count)
{
    /// <summary>One past the last index.</summary>
    public int End => Start + Count;
    /// <summary>True when <paramref name="index"/> is inside the range.</summary>
    public bool Contains(int index) => (uint)(index - Start) < (uint)Count;
    /// <summary>From an inclusive [first, last] pair as written in the ICT-FaceKit README.</summary>
    public static IndexRange Inclusive(int first, int last) => new(first, last - first + 1);
    /// <summary>The half-open interval as text, "[Start, End)".</summary>
    public override string ToString() => $"[{Start}, {End})";
}

/// <summary>One tooth of the ICT-FaceKit teeth geometry with its README name and index ranges.</summary>
public readonly record struct Tooth(string Name, IndexRange Vertices, IndexRange Polygons);

/// <summary>
/// Vertex and polygon index ranges of the ICT-FaceKit "Light" topology, copied from the tables of the
/// ICT-FaceKit README (shared/facemodel/ict-facekit/README.md, "Face Model Topology", "Face Area Details",
/// "Eyeball Details", "Teeth Details"; the README gives inclusive [first:last] pairs). The OBJ's
/// <c>usemtl</c> blocks start exactly at these polygon boundaries (tested).
/// </summary>
public static class FaceParts
{
    /// <summary>Vertex count of the topology (26,719).</summary>
    public const int VertexCount = 26719;
    /// <summary>Polygon count of the topology (26,384).</summary>
    public const int PolygonCount = 26384;

    static readonly (IndexRange V, IndexRange P)[] PartRanges =
    [
        (IndexRange.Inclusive(0, 9408), IndexRange.Inclusive(0, 9229)),            // #0 Face
        (IndexRange.Inclusive(9409, 11247), IndexRange.Inclusive(9230, 11143)),    // #1 Head and Neck
        (IndexRange.Inclusive(11248, 13293), IndexRange.Inclusive(11144, 13225)),  // #2 Mouth socket
        (IndexRange.Inclusive(13294, 13677), IndexRange.Inclusive(13226, 13629)),  // #3 Eye socket left
        (IndexRange.Inclusive(13678, 14061), IndexRange.Inclusive(13630, 14033)),  // #4 Eye socket right
        (IndexRange.Inclusive(14062, 17038), IndexRange.Inclusive(14034, 17005)),  // #5 Gums and tongue
        (IndexRange.Inclusive(17039, 21450), IndexRange.Inclusive(17006, 21495)),  // #6 Teeth
        (IndexRange.Inclusive(21451, 23020), IndexRange.Inclusive(21496, 23093)),  // #7 Eyeball left
        (IndexRange.Inclusive(23021, 24590), IndexRange.Inclusive(23094, 24691)),  // #8 Eyeball right
        (IndexRange.Inclusive(24591, 24794), IndexRange.Inclusive(24692, 24854)),  // #9 Lacrimal fluid left
        (IndexRange.Inclusive(24795, 24998), IndexRange.Inclusive(24855, 25017)),  // #10 Lacrimal fluid right
        (IndexRange.Inclusive(24999, 25022), IndexRange.Inclusive(25018, 25032)),  // #11 Eye blend left
        (IndexRange.Inclusive(25023, 25046), IndexRange.Inclusive(25033, 25047)),  // #12 Eye blend right
        (IndexRange.Inclusive(25047, 25198), IndexRange.Inclusive(25048, 25175)),  // #13 Eye occlusion left
        (IndexRange.Inclusive(25199, 25350), IndexRange.Inclusive(25176, 25303)),  // #14 Eye occlusion right
        (IndexRange.Inclusive(25351, 26034), IndexRange.Inclusive(25304, 25843)),  // #15 Eyelashes left
        (IndexRange.Inclusive(26035, 26718), IndexRange.Inclusive(25844, 26383)),  // #16 Eyelashes right
    ];

    static readonly (IndexRange V, IndexRange P)[] SubAreaRanges =
    [
        (IndexRange.Inclusive(0, 9408), IndexRange.Inclusive(0, 9229)),            // Full face area
        (IndexRange.Inclusive(0, 6705), IndexRange.Inclusive(0, 6559)),            // Narrow face area
        (IndexRange.Inclusive(21451, 22220), IndexRange.Inclusive(21496, 22295)),  // Sclera left
        (IndexRange.Inclusive(22221, 23020), IndexRange.Inclusive(22296, 23093)),  // Iris left
        (IndexRange.Inclusive(23021, 23790), IndexRange.Inclusive(23094, 23893)),  // Sclera right
        (IndexRange.Inclusive(23791, 24590), IndexRange.Inclusive(23894, 24691)),  // Iris right
        (IndexRange.Inclusive(17039, 19246), IndexRange.Inclusive(17006, 19249)),  // Teeth #0..#15 (upper)
        (IndexRange.Inclusive(19247, 21450), IndexRange.Inclusive(19250, 21495)),  // Teeth #16..#31 (lower)
    ];

    /// <summary>The 32 teeth of the README's "Teeth Details" table, in storage order (upper left molar first).</summary>
    public static IReadOnlyList<Tooth> Teeth { get; } =
    [
        new("3rd Molar upper left", IndexRange.Inclusive(17039, 17229), IndexRange.Inclusive(17006, 17203)),
        new("2nd Molar upper left", IndexRange.Inclusive(17230, 17415), IndexRange.Inclusive(17204, 17397)),
        new("1st Molar upper left", IndexRange.Inclusive(17416, 17606), IndexRange.Inclusive(17398, 17592)),
        new("2nd Bicuspid upper left", IndexRange.Inclusive(17607, 17729), IndexRange.Inclusive(17593, 17717)),
        new("1st Bicuspid upper left", IndexRange.Inclusive(17730, 17894), IndexRange.Inclusive(17718, 17885)),
        new("Canine upper left", IndexRange.Inclusive(17895, 17990), IndexRange.Inclusive(17886, 17979)),
        new("Lateral incisor upper left", IndexRange.Inclusive(17991, 18066), IndexRange.Inclusive(17980, 18053)),
        new("Central incisor upper left", IndexRange.Inclusive(18067, 18142), IndexRange.Inclusive(18054, 18127)),
        new("Central incisor upper right", IndexRange.Inclusive(18143, 18218), IndexRange.Inclusive(18128, 18201)),
        new("Lateral incisor upper right", IndexRange.Inclusive(18219, 18294), IndexRange.Inclusive(18202, 18275)),
        new("Canine upper right", IndexRange.Inclusive(18295, 18390), IndexRange.Inclusive(18276, 18369)),
        new("1st Bicuspid upper right", IndexRange.Inclusive(18391, 18555), IndexRange.Inclusive(18370, 18537)),
        new("2nd Bicuspid upper right", IndexRange.Inclusive(18556, 18678), IndexRange.Inclusive(18538, 18662)),
        new("1st Molar upper right", IndexRange.Inclusive(18679, 18869), IndexRange.Inclusive(18663, 18857)),
        new("2nd Molar upper right", IndexRange.Inclusive(18870, 19055), IndexRange.Inclusive(18858, 19051)),
        new("3rd Molar upper right", IndexRange.Inclusive(19056, 19246), IndexRange.Inclusive(19052, 19249)),
        new("3rd Molar lower left", IndexRange.Inclusive(19247, 19425), IndexRange.Inclusive(19250, 19433)),
        new("2nd Molar lower left", IndexRange.Inclusive(19426, 19601), IndexRange.Inclusive(19434, 19615)),
        new("1st Molar lower left", IndexRange.Inclusive(19602, 19813), IndexRange.Inclusive(19616, 19831)),
        new("2nd Bicuspid lower left", IndexRange.Inclusive(19814, 19951), IndexRange.Inclusive(19832, 19972)),
        new("1st Bicuspid lower left", IndexRange.Inclusive(19952, 20078), IndexRange.Inclusive(19973, 20103)),
        new("Canine lower left", IndexRange.Inclusive(20079, 20168), IndexRange.Inclusive(20104, 20193)),
        new("Lateral incisor lower left", IndexRange.Inclusive(20169, 20262), IndexRange.Inclusive(20194, 20288)),
        new("Central incisor lower left", IndexRange.Inclusive(20263, 20348), IndexRange.Inclusive(20289, 20372)),
        new("Central incisor lower right", IndexRange.Inclusive(20349, 20434), IndexRange.Inclusive(20373, 20456)),
        new("Lateral incisor lower right", IndexRange.Inclusive(20435, 20528), IndexRange.Inclusive(20457, 20551)),
        new("Canine lower right", IndexRange.Inclusive(20529, 20618), IndexRange.Inclusive(20552, 20641)),
        new("1st Bicuspid lower right", IndexRange.Inclusive(20619, 20745), IndexRange.Inclusive(20642, 20772)),
        new("2nd Bicuspid lower right", IndexRange.Inclusive(20746, 20883), IndexRange.Inclusive(20773, 20913)),
        new("1st Molar lower right", IndexRange.Inclusive(20884, 21095), IndexRange.Inclusive(20914, 21129)),
        new("2nd Molar lower right", IndexRange.Inclusive(21096, 21271), IndexRange.Inclusive(21130, 21311)),
        new("3rd molar lower right", IndexRange.Inclusive(21272, 21450), IndexRange.Inclusive(21312, 21495)),
    ];

    /// <summary>All parts in storage order.</summary>
    public static IReadOnlyList<FacePart> All { get; } = Enum.GetValues<FacePart>();

    /// <summary>Vertex index range of <paramref name="part"/>.</summary>
    public static IndexRange Vertices(FacePart part) => PartRanges[Check(part)].V;
    /// <summary>Polygon index range of <paramref name="part"/> (polygons of the original OBJ, before triangulation).</summary>
    public static IndexRange Polygons(FacePart part) => PartRanges[Check(part)].P;
    /// <summary>Vertex index range of <paramref name="area"/>.</summary>
    public static IndexRange Vertices(FaceSubArea area) => SubAreaRanges[Check(area)].V;
    /// <summary>Polygon index range of <paramref name="area"/>.</summary>
    public static IndexRange Polygons(FaceSubArea area) => SubAreaRanges[Check(area)].P;

    /// <summary>The part that owns vertex <paramref name="vertex"/> (0 ≤ vertex &lt; 26719).</summary>
    public static FacePart PartOfVertex(int vertex) => (FacePart)Find(vertex, static r => r.V, nameof(vertex), VertexCount);
    /// <summary>The part that owns polygon <paramref name="polygon"/> (0 ≤ polygon &lt; 26384).</summary>
    public static FacePart PartOfPolygon(int polygon) => (FacePart)Find(polygon, static r => r.P, nameof(polygon), PolygonCount);

    static int Find(int index, Func<(IndexRange V, IndexRange P), IndexRange> sel, string name, int count)
    {
        if ((uint)index >= (uint)count) throw new InvalidInputException(name, $"index {index} is outside 0..{count - 1}");
        int lo = 0, hi = PartRanges.Length - 1;
        while (lo < hi)
        {
            int mid = (lo + hi + 1) >> 1;
            if (sel(PartRanges[mid]).Start <= index) lo = mid; else hi = mid - 1;
        }
        return lo;
    }

    static int Check(FacePart p) => (uint)p < (uint)PartRanges.Length ? (int)p : throw new InvalidInputException(nameof(FacePart), $"unknown part {(int)p}");
    static int Check(FaceSubArea a) => (uint)a < (uint)SubAreaRanges.Length ? (int)a : throw new InvalidInputException(nameof(FaceSubArea), $"unknown sub-area {(int)a}");
}
