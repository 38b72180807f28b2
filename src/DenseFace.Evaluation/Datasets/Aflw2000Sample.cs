using System.Numerics;

namespace DenseFace.Evaluation.Datasets;

/// <summary>
/// One AFLW2000-3D sample (Zhu et al., "Face Alignment Across Large Poses: A 3D Solution", CVPR 2016; the 3DDFA fits of
/// AFLW): the <c>imageNNNNN.mat</c> file and its 450x450 <c>imageNNNNN.jpg</c>.
/// Image coordinates are converted from the file's 1-based values to 0-based pixel centres here, once.
/// <para>
/// Pose sign conventions, as stored in <c>Pose_Para</c> (checked on the shared samples against the face normal of
/// <c>pt3d_68</c> and the eye-corner line): positive yaw turns the face towards the image's left (the subject's right;
/// image00004, yaw +68°, has the nose tip left of the whole face contour); positive pitch tilts the face up (image00002,
/// pitch −23°, looks down); positive roll makes the eye line slope down towards the image's right (image00002: roll
/// +4.9°, eye-corner line +5.2°). 3DDFA composes them as R = Rx(pitch)·Ry(yaw)·Rz(roll).
/// </para>
/// </summary>
public sealed class Aflw2000Sample
{
    /// <summary>Number of 3D landmarks (iBUG 68 order).</summary>
    public const int LandmarkCount = 68;

    /// <summary>Number of original AFLW 2D landmarks.</summary>
    public const int AflwLandmarkCount = 21;

    private Aflw2000Sample(string matPath, string? imagePath, Vector3[] landmarks3D, LandmarkSet landmarks2D21,
        float pitch, float yaw, float roll, Vector3 translation, float scale, double[] shape, double[] expression, int[] roi)
    {
        MatPath = matPath;
        ImagePath = imagePath;
        Landmarks3D = landmarks3D;
        Landmarks2D68 = new LandmarkSet(Array.ConvertAll(landmarks3D, p => new Vector2(p.X, p.Y)), null, matPath);
        Landmarks2D21 = landmarks2D21;
        PitchRadians = pitch;
        YawRadians = yaw;
        RollRadians = roll;
        Translation = translation;
        Scale = scale;
        ShapeParameters = shape;
        ExpressionParameters = expression;
        Roi = roi;
    }

    /// <summary>The .mat file read.</summary>
    public string MatPath { get; }

    /// <summary>The image with the same stem (<c>.jpg</c>), or null when no such file exists next to the .mat.</summary>
    public string? ImagePath { get; }

    /// <summary>
    /// <c>pt3d_68</c>: the 68 iBUG landmarks of the fitted 3D face. X and Y are 0-based pixel centres of the 450x450
    /// image (file value − 1); Z is depth in the same pixel units as stored, larger towards the camera
    /// (the nose tip has the largest Z on frontal faces). Self-occluded contour points lie on the 3D surface, not on
    /// the visible silhouette.
    /// </summary>
    public Vector3[] Landmarks3D { get; }

    /// <summary>The X/Y of <see cref="Landmarks3D"/> as a 68-point set (the usual AFLW2000-3D NME ground truth).</summary>
    public LandmarkSet Landmarks2D68 { get; }

    /// <summary>
    /// <c>pt2d</c>: the 21 original AFLW landmarks, 0-based. Unlabelled points are stored as (−1, 452) (AFLW's −1 after
    /// the dataset's vertical flip); they have <see cref="LandmarkSet.Visibility"/> false.
    /// </summary>
    public LandmarkSet Landmarks2D21 { get; }

    /// <summary>Pitch in radians as stored (positive: face tilted up).</summary>
    public float PitchRadians { get; }

    /// <summary>Yaw in radians as stored (positive: face turned towards the image's left).</summary>
    public float YawRadians { get; }

    /// <summary>Roll in radians as stored (positive: eye line slopes down towards the image's right).</summary>
    public float RollRadians { get; }

    /// <summary>Pitch in degrees.</summary>
    public float PitchDegrees => float.RadiansToDegrees(PitchRadians);

    /// <summary>Yaw in degrees.</summary>
    public float YawDegrees => float.RadiansToDegrees(YawRadians);

    /// <summary>Roll in degrees.</summary>
    public float RollDegrees => float.RadiansToDegrees(RollRadians);

    /// <summary><c>Pose_Para(4:6)</c>: 3DDFA's translation t3d as stored (pixels, in 3DDFA's y-up model frame before the image flip).</summary>
    public Vector3 Translation { get; }

    /// <summary><c>Pose_Para(7)</c>: 3DDFA's scale f (pixels per Basel Face Model unit).</summary>
    public float Scale { get; }

    /// <summary><c>Shape_Para</c>: Basel Face Model identity coefficients as stored (199).</summary>
    public double[] ShapeParameters { get; }

    /// <summary><c>Exp_Para</c>: FaceWarehouse expression coefficients as stored (29).</summary>
    public double[] ExpressionParameters { get; }

    /// <summary><c>roi</c> as stored: the face box in the original AFLW photo, not in this image's coordinates.</summary>
    public int[] Roi { get; }

    /// <summary>Reads an AFLW2000-3D .mat file; missing or malformed fields throw <see cref="InvalidInputException"/> naming the file.</summary>
    public static Aflw2000Sample Read(string matPath) =>
        Parse(DatasetFile.ReadAllBytes(matPath, MatFile.MaxFileBytes), matPath);

    /// <summary>
    /// Parses the bytes of an AFLW2000-3D .mat file; <paramref name="matPath"/> names it in errors and locates the
    /// .jpg beside it. Malformed content throws <see cref="InvalidInputException"/> (the fuzzing target, docs/fuzzing.md).
    /// </summary>
    public static Aflw2000Sample Parse(ReadOnlySpan<byte> data, string matPath)
    {
        var mat = MatFile.Parse(data, matPath);
        var pt3d = Numeric(mat, "pt3d_68", 3, LandmarkCount);
        var landmarks3D = new Vector3[LandmarkCount];
        for (int i = 0; i < LandmarkCount; i++)
            landmarks3D[i] = new Vector3((float)(pt3d[3 * i] - 1), (float)(pt3d[3 * i + 1] - 1), (float)pt3d[3 * i + 2]);

        var pt2d = Numeric(mat, "pt2d", 2, AflwLandmarkCount);
        var points21 = new Vector2[AflwLandmarkCount];
        var labelled = new bool[AflwLandmarkCount];
        for (int i = 0; i < AflwLandmarkCount; i++)
        {
            double x = pt2d[2 * i], y = pt2d[2 * i + 1];
            labelled[i] = x >= 0 && y >= 0;
            points21[i] = new Vector2((float)(x - 1), (float)(y - 1));
        }

        var pose = Numeric(mat, "Pose_Para", 1, 7);
        var shape = Numeric(mat, "Shape_Para", -1, 1);
        var expression = Numeric(mat, "Exp_Para", -1, 1);
        var roiValues = Numeric(mat, "roi", 1, 4);
        var roi = new int[4];
        for (int i = 0; i < 4; i++)
        {
            if (roiValues[i] != Math.Round(roiValues[i]) || Math.Abs(roiValues[i]) > 1e6)
                throw new InvalidInputException(matPath, $"'roi' value {roiValues[i]} is not a pixel index");
            roi[i] = (int)roiValues[i];
        }

        var image = Path.ChangeExtension(matPath, ".jpg");
        return new Aflw2000Sample(matPath, File.Exists(image) ? image : null, landmarks3D,
            new LandmarkSet(points21, labelled, matPath),
            (float)pose[0], (float)pose[1], (float)pose[2], new Vector3((float)pose[3], (float)pose[4], (float)pose[5]),
            (float)pose[6], shape, expression, roi);
    }

    /// <summary>The finite values of a numeric variable of <paramref name="rows"/> x <paramref name="cols"/> (rows −1: any).</summary>
    private static double[] Numeric(MatFile mat, string name, int rows, int cols)
    {
        var v = mat.Get(name);
        if (!v.HasData || v.Class is MatClass.Char || v.Dimensions.Count != 2 || (rows >= 0 && v.Rows != rows) || v.Columns != cols)
            throw new InvalidInputException(mat.SourceName,
                $"'{name}' is a {v.Class} array of {string.Join('x', v.Dimensions)}; expected numeric {(rows < 0 ? "N" : rows.ToString())}x{cols}");
        var data = v.ToDoubleArray();
        for (int i = 0; i < data.Length; i++)
            if (!double.IsFinite(data[i]) || Math.Abs(data[i]) > 1e30)
                throw new InvalidInputException(mat.SourceName, $"'{name}' element {i} is not a finite number ({data[i]})");
        return data;
    }
}
