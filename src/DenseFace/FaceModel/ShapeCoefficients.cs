using System.Globalization;
using System.Text.Json;

namespace DenseFace.FaceModel;

/// <summary>
/// Identity (beta, one weight per PCA mode, ~N(0, 1)) and expression (psi, one weight per ARKit-named
/// expression, in [0, 1]) coefficients of a <see cref="MorphableModel"/>, with parsers for the command-line
/// and JSON forms.
/// </summary>
public sealed class ShapeCoefficients
{
    /// <summary>Identity weights beta (length = the model's identity count).</summary>
    public float[] Identity { get; }

    /// <summary>Expression weights psi (length = the model's expression count), each in [0, 1].</summary>
    public float[] Expression { get; }

    /// <summary>Zero coefficients (the mean face, neutral expression) sized for <paramref name="model"/>.</summary>
    public ShapeCoefficients(MorphableModel model)
    {
        Identity = new float[model.IdentityCount];
        Expression = new float[model.ExpressionCount];
    }

    /// <summary>
    /// Draws beta ~ N(0, 1) truncated to [-<paramref name="truncation"/>, +<paramref name="truncation"/>]
    /// (deterministic for a seed) into <see cref="Identity"/>.
    /// </summary>
    public void RandomizeIdentity(int seed, float truncation = 2.5f)
    {
        var rng = new SeededRandom(seed);
        for (int i = 0; i < Identity.Length; i++)
            Identity[i] = (float)rng.NextTruncatedGaussian(truncation);
    }

    /// <summary>
    /// Sets expression weights from text like <c>jawOpen=0.7,eyeBlink_L=1</c> (ARKit names as in the model,
    /// weights in [0, 1]). Unknown names, malformed pairs and out-of-range weights throw
    /// <see cref="InvalidInputException"/> naming <paramref name="inputName"/>.
    /// </summary>
    public void SetExpressions(MorphableModel model, string text, string inputName = "--expression")
    {
        foreach (var raw in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            int eq = raw.IndexOf('=');
            if (eq <= 0 || eq == raw.Length - 1)
                throw new InvalidInputException(inputName, $"'{raw}' is not NAME=WEIGHT (e.g. jawOpen=0.7)");
            var name = raw[..eq].Trim();
            if (!float.TryParse(raw[(eq + 1)..], NumberStyles.Float, CultureInfo.InvariantCulture, out var w) || !float.IsFinite(w))
                throw new InvalidInputException(inputName, $"weight of '{name}' is not a number: '{raw[(eq + 1)..]}'");
            if (w < 0 || w > 1)
                throw new InvalidInputException(inputName, $"weight of '{name}' is {w}, outside [0, 1]");
            int index;
            try { index = model.IndexOfExpression(name); }
            catch (InvalidInputException e) { throw new InvalidInputException(inputName, e.Problem); }
            Expression[index] = w;
        }
    }

    /// <summary>
    /// Reads identity (and, when present, expression) coefficients from JSON: either a plain array of numbers
    /// (identity), an object with <c>identity</c>/<c>beta</c> and optionally <c>expression</c>/<c>psi</c>
    /// (array, or object keyed by ARKit name), or ICT-FaceKit's <c>identity_coefficients</c> /
    /// <c>expression_coefficients</c>. Shorter identity arrays leave the remaining modes at zero. ICT's files come
    /// from the full model (200 identity modes); with <c>identity_coefficients</c> only the modes this model has
    /// are read (the PCA modes are ordered, so the first ones carry the most variance).
    /// </summary>
    public void LoadJson(MorphableModel model, string path)
    {
        JsonDocument doc;
        try { doc = JsonDocument.Parse(File.ReadAllBytes(path)); }
        catch (FileNotFoundException) { throw new InvalidInputException(path, "file not found"); }
        catch (DirectoryNotFoundException) { throw new InvalidInputException(path, "file not found"); }
        catch (JsonException e) { throw new InvalidInputException(path, $"not valid JSON ({e.Message})"); }
        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind == JsonValueKind.Array) { ReadArray(root, Identity, path, "identity"); return; }
            if (root.ValueKind != JsonValueKind.Object) throw new InvalidInputException(path, "expected a JSON array or object");
            bool any = false;
            foreach (var key in new[] { "identity", "beta", "identity_coefficients" })
                if (root.TryGetProperty(key, out var id)) { ReadArray(id, Identity, path, key, allowLonger: key == "identity_coefficients"); any = true; break; }
            foreach (var key in new[] { "expression", "psi", "expression_coefficients" })
                if (root.TryGetProperty(key, out var ex))
                {
                    any = true;
                    if (ex.ValueKind == JsonValueKind.Object)
                    {
                        foreach (var p in ex.EnumerateObject())
                        {
                            if (p.Value.ValueKind != JsonValueKind.Number) throw new InvalidInputException(path, $"{key}.{p.Name} is not a number");
                            SetExpressions(model, $"{p.Name}={p.Value.GetDouble().ToString("R", CultureInfo.InvariantCulture)}", path);
                        }
                    }
                    else
                    {
                        ReadArray(ex, Expression, path, key);
                        for (int i = 0; i < Expression.Length; i++)
                            if (Expression[i] < 0 || Expression[i] > 1) throw new InvalidInputException(path, $"{key}[{i}] = {Expression[i]} outside [0, 1]");
                    }
                    break;
                }
            if (!any) throw new InvalidInputException(path, "no 'identity'/'beta'/'identity_coefficients' or expression key found");
        }
    }

    static void ReadArray(JsonElement e, float[] target, string path, string key, bool allowLonger = false)
    {
        if (e.ValueKind != JsonValueKind.Array) throw new InvalidInputException(path, $"'{key}' is not an array");
        int n = e.GetArrayLength();
        if (n > target.Length && !allowLonger) throw new InvalidInputException(path, $"'{key}' has {n} values, the model has {target.Length}");
        int i = 0;
        foreach (var v in e.EnumerateArray())
        {
            if (v.ValueKind != JsonValueKind.Number || !float.IsFinite((float)v.GetDouble()))
                throw new InvalidInputException(path, $"'{key}'[{i}] is not a finite number");
            if (i == target.Length) break;
            target[i++] = (float)v.GetDouble();
        }
    }
}
