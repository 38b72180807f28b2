using System.Diagnostics;
using System.Text.Json;
using static DenseFace.Tests.FaceModel.ModelFixture;

namespace DenseFace.Tests.FaceModel;

/// <summary>Runs the built CLI (<c>denseface model info</c>) as a child process.</summary>
public class ModelInfoCliTests
{
    static (int Code, string Out, string Err) RunCli(string cacheDir, params string[] args)
    {
        string cli = Path.Combine(AppContext.BaseDirectory, "DenseFace.Cli.dll");
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(cli);
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["DENSEFACE_CACHE"] = cacheDir;
        psi.Environment["DENSEFACE_DATA"] = TestData.Root;
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(120_000)) { p.Kill(); throw new TimeoutException("denseface model info did not finish"); }
        return (p.ExitCode, stdout.Result, stderr.Result);
    }

    [Fact]
    public void InfoJsonReportsTheModel()
    {
        using var cache = new TempFolder();
        var (code, output, err) = RunCli(cache.Path, "model", "info", "--json");
        Assert.True(code == 0, err);
        using var doc = JsonDocument.Parse(output);
        var r = doc.RootElement;
        Assert.Equal(26719, r.GetProperty("vertices").GetInt32());
        Assert.Equal(26384, r.GetProperty("polygons").GetInt32());
        Assert.Equal(52220, r.GetProperty("triangles").GetInt32());
        Assert.Equal(100, r.GetProperty("identityModes").GetInt32());
        Assert.Equal(53, r.GetProperty("expressionNames").GetArrayLength());
        Assert.Equal("cm", r.GetProperty("units").GetString());
        Assert.Equal(17, r.GetProperty("parts").GetArrayLength());
        Assert.False(r.GetProperty("loadedFromCache").GetBoolean());
        Assert.Single(Directory.GetFiles(cache.Path)); // the first run wrote the cache

        var (code2, output2, _) = RunCli(cache.Path, "model", "info", "--json");
        Assert.Equal(0, code2);
        Assert.True(JsonDocument.Parse(output2).RootElement.GetProperty("loadedFromCache").GetBoolean());
    }

    [Fact]
    public void MissingModelFolderIsAOneLineError()
    {
        using var cache = new TempFolder();
        var (code, _, err) = RunCli(cache.Path, "model", "info", "--model", "/no/such/model");
        Assert.Equal(2, code);
        Assert.Contains("/no/such/model", err);
        Assert.DoesNotContain("   at ", err);
    }
}
