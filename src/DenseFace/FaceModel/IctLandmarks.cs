namespace DenseFace.FaceModel;

/// <summary>
/// Landmark vertex lists published in the ICT-FaceKit README (shared/facemodel/ict-facekit/README.md,
/// section "Facial Landmarks"; all 0-based vertex indices). The 68-point list is the Multi-PIE / iBUG 68
/// layout (jaw 0–16, brows 17–26, nose 27–35, eyes 36–47, mouth 48–67) and equals
/// <c>vertex_indices.json["idx_to_landmark_verts"]</c> (tested). The jawline alternatives sit further down
/// the cheek contour than the Multi-PIE jaw points and can substitute them (e.g. for profile views).
/// </summary>
public static class IctLandmarks
{
    /// <summary>Multi-PIE / iBUG 68 landmark vertices (README "Multi-PIE 68 point facial landmarks indices").</summary>
    public static ReadOnlySpan<int> MultiPie68 =>
    [
        1225, 1888, 1052, 367, 1719, 1722, 2199, 1447, 966, 3661, 4390, 3927, 3924, 2608, 3272, 4088, 3443,
        268, 493, 1914, 2044, 1401, 3615, 4240, 4114, 2734, 2509,
        978, 4527, 4942, 4857, 1140, 2075, 1147, 4269, 3360,
        1507, 1542, 1537, 1528, 1518, 1511, 3742, 3751, 3756, 3721, 3725, 3732,
        5708, 5695, 2081, 0, 4275, 6200, 6213, 6346, 6461, 5518, 5957, 5841, 5702, 5711, 5533, 6216, 6207, 6470, 5517, 5966,
    ];

    /// <summary>Right jawline: substitutes Multi-PIE points 0–7 (README "Right jawline").</summary>
    public static ReadOnlySpan<int> RightJawline => [1278, 1272, 12, 1834, 243, 781, 2199, 1447];

    /// <summary>Left jawline: substitutes Multi-PIE points 9–16 (README "Left jawline").</summary>
    public static ReadOnlySpan<int> LeftJawline => [3661, 4390, 3022, 2484, 4036, 2253, 3490, 3496];

    /// <summary>Right extended jawline, a superset of <see cref="RightJawline"/> (README "Right extended jawline").</summary>
    public static ReadOnlySpan<int> RightExtendedJawline =>
        [1280, 1278, 1275, 1272, 1248, 12, 820, 1834, 1902, 243, 844, 781, 1673, 2199, 801, 1447, 800];

    /// <summary>Left extended jawline, a superset of <see cref="LeftJawline"/> (README "Left extended jawline").</summary>
    public static ReadOnlySpan<int> LeftExtendedJawline =>
        [3041, 3661, 3042, 4390, 3880, 3022, 3085, 2484, 4102, 4036, 3061, 2253, 3466, 3490, 3493, 3496, 3498];

    /// <summary>
    /// The 53 ICT-FaceKit expression names (ARKit names with _L/_R) in the order of
    /// <c>vertex_indices.json["expressions"]</c> and of the npz <c>expression</c> array. Used by
    /// <see cref="MorphableModel.ImportOriginal"/> when the folder has no vertex_indices.json.
    /// </summary>
    public static IReadOnlyList<string> ExpressionNames { get; } =
    [
        "browDown_L", "browDown_R", "browInnerUp_L", "browInnerUp_R", "browOuterUp_L", "browOuterUp_R",
        "cheekPuff_L", "cheekPuff_R", "cheekSquint_L", "cheekSquint_R",
        "eyeBlink_L", "eyeBlink_R", "eyeLookDown_L", "eyeLookDown_R", "eyeLookIn_L", "eyeLookIn_R",
        "eyeLookOut_L", "eyeLookOut_R", "eyeLookUp_L", "eyeLookUp_R", "eyeSquint_L", "eyeSquint_R",
        "eyeWide_L", "eyeWide_R", "jawForward", "jawLeft", "jawOpen", "jawRight", "mouthClose",
        "mouthDimple_L", "mouthDimple_R", "mouthFrown_L", "mouthFrown_R", "mouthFunnel", "mouthLeft",
        "mouthLowerDown_L", "mouthLowerDown_R", "mouthPress_L", "mouthPress_R", "mouthPucker", "mouthRight",
        "mouthRollLower", "mouthRollUpper", "mouthShrugLower", "mouthShrugUpper", "mouthSmile_L", "mouthSmile_R",
        "mouthStretch_L", "mouthStretch_R", "mouthUpperUp_L", "mouthUpperUp_R", "noseSneer_L", "noseSneer_R",
    ];
}
