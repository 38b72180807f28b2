using System.Text;
using DenseFace.Evaluation.Datasets;
using DenseFace.IO;
using DenseFace.Imaging.Jpeg;
using DenseFace.Imaging.Png;
using DenseFace.Imaging.Pnm;
using DenseFace.Neural;
using DenseFace.Tests.Imaging.Png;

namespace DenseFace.Fuzz;

/// <summary>
/// The fuzzing targets: one per file reader, each calling the entry point the product uses on bytes from the
/// fuzzer. The contract under test: any input either reads or raises <see cref="InvalidInputException"/> naming the
/// input; every other exception (and a hang or unbounded memory, which afl-fuzz watches) is a finding. Compiled into
/// the afl-fuzz harness (Program.cs) and into the tests that replay the kept crashing inputs (tests/.../Fuzz).
/// </summary>
public static class FuzzTargets
{
    /// <summary>Target names, as given to the harness and to scripts/fuzz.sh.</summary>
    public static readonly IReadOnlyList<string> Names = ["jpeg", "png", "pnm", "mat", "npy", "npz", "safetensors", "pts"];

    /// <summary>The input name passed to the readers: errors must name it.</summary>
    public static string SourceName(string target) => "fuzz-input." + target;

    /// <summary>
    /// Runs <paramref name="target"/> on <paramref name="data"/>. Returns null when the input was read, or the
    /// message of the <see cref="InvalidInputException"/> that rejected it. Anything else escapes: another exception
    /// type as is, an <see cref="InvalidInputException"/> that does not name the input as <see cref="ContractViolation"/>.
    /// </summary>
    public static string? Run(string target, ReadOnlySpan<byte> data)
    {
        string source = SourceName(target);
        try
        {
            Execute(target, data, source);
            return null;
        }
        catch (InvalidInputException e) when (e.InputName.StartsWith(source, StringComparison.Ordinal))
        {
            return e.Message;
        }
        catch (InvalidInputException e)
        {
            throw new ContractViolation($"{target}: InvalidInputException names '{e.InputName}', not the input '{source}'", e);
        }
    }

    static void Execute(string target, ReadOnlySpan<byte> data, string source)
    {
        switch (target)
        {
            case "jpeg": JpegDecoder.Decode(data, source); break; // as ImageIO.Decode: Exif orientation applied
            // Chunk CRCs recomputed first (as libpng's fuzzers do), so mutations inside chunks reach the parser and the
            // inflater instead of all stopping at the CRC check, which the PNG tests cover.
            case "png": PngDecoder.Decode(ReferencePngWriter.FixCrcs(data.ToArray()), source); break;
            case "pnm": PnmCodec.Decode(data, source); break;
            case "mat":
                WalkMat(MatFile.Parse(data, source));
                Aflw2000Sample.Parse(data, source); // the AFLW2000-3D fields (eval aflw2000)
                break;
            case "npy":
                ConvertNpy(NpyArray.Parse(data, source), source);
                break;
            case "npz":
            {
                var npz = NpzArchive.Read(new MemoryStream(data.ToArray(), writable: false), source); // as MorphableModel loading
                foreach (var name in npz.Names) ConvertNpy(npz.Get(name), $"{source}:{name}");
                break;
            }
            case "safetensors": Safetensors.Parse(data, source); break; // as Network.LoadWeights
            case "pts": PtsFile.Parse(Encoding.UTF8.GetString(data), source); break; // as PtsFile.Read
            default: throw new ArgumentException($"unknown fuzz target '{target}' (targets: {string.Join(", ", Names)})", nameof(target));
        }
    }

    /// <summary>The conversions the product applies to arrays (model bases as float, index arrays as int).</summary>
    static void ConvertNpy(NpyArray a, string source)
    {
        a.ToFloatArray();
        a.ToDoubleArray();
        if (a.ElementType is not (NpyElementType.Float32 or NpyElementType.Float64)) a.ToInt64Array(source);
        a.ToInt32Array(source);
    }

    /// <summary>Touches every variable the way a caller can: numeric data, char text, struct fields, cells.</summary>
    static void WalkMat(MatFile mat)
    {
        foreach (var v in mat.Variables.Values) WalkMat(v);
    }

    static void WalkMat(MatArray v)
    {
        _ = v.Rows; _ = v.Columns;
        if (v.HasData)
        {
            v.ToDoubleArray();
            if (v.Class == MatClass.Char) v.GetString();
        }
        if (v.Class == MatClass.Struct)
            for (int i = 0; i < v.ElementCount; i++)
                foreach (var f in v.GetStructElement(i).Values) WalkMat(f);
        foreach (var c in v.Cells) WalkMat(c);
    }
}

/// <summary>The reader broke the error contract in a way that is not an exception of another type.</summary>
public sealed class ContractViolation(string message, Exception inner) : Exception(message, inner);
