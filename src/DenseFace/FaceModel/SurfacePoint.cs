namespace DenseFace.FaceModel;

/// <summary>
/// A point on the model surface given by barycentric coordinates on one triangle of
/// <see cref="MorphableModel.Triangles"/>: with corners (A, B, C) = Triangles[3t], [3t+1], [3t+2],
/// position = (1 − U − V)·A + U·B + V·C. Inside the triangle U ≥ 0, V ≥ 0, U + V ≤ 1. Because the
/// model is linear, a surface point deforms exactly like that blend of its three corner vertices.
/// </summary>
public readonly record struct SurfacePoint(int Triangle, float U, float V)
{
    /// <summary>Weight of the first corner, 1 − U − V.</summary>
    public float W => 1f - U - V;
}
