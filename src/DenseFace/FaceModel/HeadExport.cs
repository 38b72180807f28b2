using DenseFace.Geometry.Export;

namespace DenseFace.FaceModel;

/// <summary>Writes a head of the face model, chosen by its identity and expression coefficients, as a mesh file.</summary>
public static class HeadExport
{
    /// <summary>The mesh formats by file extension.</summary>
    public static IReadOnlyList<string> Extensions { get; } = [".glb", ".obj", ".ply"];

    /// <summary>
    /// Writes the head to <paramref name="path"/> by its extension. For .glb (metres) the base mesh is the identity
    /// with a neutral expression, the 53 expressions are named morph targets and <paramref name="expression"/> their
    /// weights, so glTF viewers can animate every ARKit shape by name; .obj and .ply (cm) carry the posed shape
    /// (identity plus expression). The file is written atomically.
    /// </summary>
    /// <exception cref="InvalidInputException">An unknown extension or coefficient vectors of the wrong length.</exception>
    public static void Write(MorphableModel model, ReadOnlySpan<float> identity, ReadOnlySpan<float> expression, string path)
    {
        ArgumentNullException.ThrowIfNull(model);
        var ext = Path.GetExtension(path).ToLowerInvariant();
        if (!Extensions.Contains(ext)) throw new InvalidInputException(path, $"unknown mesh format '{ext}' (expected {string.Join(", ", Extensions)})");
        if (identity.Length != model.IdentityCount) throw new InvalidInputException(path, $"identity has {identity.Length} coefficients; the model has {model.IdentityCount}");
        if (expression.Length != model.ExpressionCount) throw new InvalidInputException(path, $"expression has {expression.Length} weights; the model has {model.ExpressionCount}");
        if (ext == ".glb")
        {
            var positions = model.Evaluate(identity, new float[model.ExpressionCount]);
            var mesh = model.ToMesh(positions, includeUvs: true, includeExpressionMorphTargets: true);
            GltfWriter.WriteGlb(path, mesh, new GltfOptions { MorphWeights = expression.ToArray() });
        }
        else
        {
            var mesh = model.ToMesh(model.Evaluate(identity, expression));
            if (ext == ".obj") ObjWriter.Write(path, mesh);
            else PlyWriter.Write(path, mesh);
        }
    }
}
