using System.CommandLine;
using DenseFace.FaceModel;

namespace DenseFace.Cli.Commands;

/// <summary>The options shared by commands that build a head from the model: identity, expression, seed.</summary>
internal sealed class ModelShapeOptions
{
    public Option<string> Identity { get; } = new("--identity")
    {
        Description = "Identity: 'mean' (beta = 0), 'random' (beta ~ N(0,1) truncated at 2.5, from --seed) or a JSON file (array, {\"identity\": [...]}, or ICT's identity_coefficients).",
        DefaultValueFactory = _ => "mean",
    };

    public Option<string> Expression { get; } = new("--expression")
    {
        Description = "Expression weights by ARKit name, e.g. jawOpen=0.7,eyeBlink_L=1 (each in [0, 1]).",
        DefaultValueFactory = _ => "",
    };

    public Option<int> Seed { get; } = new("--seed")
    {
        Description = "Random seed for --identity random.",
        DefaultValueFactory = _ => 0,
    };

    public void AddTo(Command command)
    {
        command.Options.Add(Identity);
        command.Options.Add(Expression);
        command.Options.Add(Seed);
    }

    /// <summary>Reads the options into coefficients for <paramref name="model"/>.</summary>
    public ShapeCoefficients Read(ParseResult parse, MorphableModel model)
    {
        var c = new ShapeCoefficients(model);
        var identity = parse.GetValue(Identity) ?? "mean";
        switch (identity)
        {
            case "mean": break;
            case "random": c.RandomizeIdentity(parse.GetValue(Seed)); break;
            default: c.LoadJson(model, identity); break;
        }
        var expr = parse.GetValue(Expression);
        if (!string.IsNullOrWhiteSpace(expr)) c.SetExpressions(model, expr);
        return c;
    }
}
