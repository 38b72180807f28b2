using System.Numerics;

namespace DenseFace.Evaluation.Datasets;

/// <summary>
/// AFLW's 21 landmarks (Köstinger et al., "Annotated Facial Landmarks in the Wild", 2011) from the iBUG 68 points
/// (0-based), in AFLW's order; "left" is the image's left (checked against <c>pt3d_68</c> on the AFLW2000-3D samples):
/// <code>
///  0 left brow outer      17      7 left eye centre   mean 36..41   14 nose centre (tip)   30
///  1 left brow centre     19      8 left eye inner    39            15 nose right          35
///  2 left brow inner      21      9 right eye inner   42            16 right ear           16  (approximate, see below)
///  3 right brow inner     22     10 right eye centre  mean 42..47   17 mouth left          48
///  4 right brow centre    24     11 right eye outer   45            18 mouth centre        mean 62, 66
///  5 right brow outer     26     12 left ear           0  (approx.) 19 mouth right         54
///  6 left eye outer       36     13 nose left         31            20 chin                 8
/// </code>
/// The ears have no iBUG point: AFLW marks the ear lobe, the nearest iBUG points are the jaw ends 0 and 16 (at the
/// tragus, 2D convention: on the visible silhouette); <see cref="Scored"/> excludes them by default, so the protocol
/// scores the 19 points with an iBUG counterpart (and states so).
/// </summary>
public static class Aflw21Points
{
    /// <summary>Number of AFLW points.</summary>
    public const int Count = 21;

    /// <summary>Indices of the two ear points (12 left, 16 right).</summary>
    public static ReadOnlySpan<int> Ears => [12, 16];

    /// <summary>Which AFLW points the protocol scores (all but the ears).</summary>
    public static bool Scored(int aflwIndex) => aflwIndex is not (12 or 16);

    /// <summary>The 21 AFLW points of 68 iBUG points (either convention), in AFLW order.</summary>
    /// <exception cref="InvalidInputException">Not 68 points.</exception>
    public static Vector2[] FromIbug68(ReadOnlySpan<Vector2> p)
    {
        if (p.Length != 68) throw new InvalidInputException("landmarks", $"{p.Length} points; the AFLW mapping needs the 68 iBUG points");
        return
        [
            p[17], p[19], p[21], p[22], p[24], p[26],
            p[36], Mean(p.Slice(36, 6)), p[39], p[42], Mean(p.Slice(42, 6)), p[45],
            p[0], p[31], p[30], p[35], p[16],
            p[48], (p[62] + p[66]) / 2, p[54], p[8],
        ];
    }

    static Vector2 Mean(ReadOnlySpan<Vector2> s)
    {
        Vector2 m = default;
        foreach (var v in s) m += v;
        return m / s.Length;
    }
}
