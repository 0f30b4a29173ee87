using System.Text.Json;
using SocSim.Tests;

namespace SocSim.Cli.Tests;

/// <summary>
/// The opt-in fast-start publish (`dotnet publish src/SocSim.Cli -c Release -p:SocsimFastStart=true -o DIR`, a
/// self-contained composite ReadyToRun image with the framework) builds in its own folders: a composite publish
/// into the default intermediate folder left composite stubs there that the next Release build copied into
/// bin/Release/net10.0/ without their composite image, and every socsim there then aborted at start. Checked on
/// the project's evaluated properties (the publish itself takes minutes).
/// </summary>
public sealed class FastStartBuildTests
{
    private static Dictionary<string, string> Evaluate(params string[] extra)
    {
        string[] names = ["IntermediateOutputPath", "OutputPath", "RuntimeIdentifier", "SelfContained", "PublishReadyToRunComposite", "_SocsimBuildReadyToRun"];
        var args = new List<string> { "msbuild", Path.Combine("src", "SocSim.Cli", "SocSim.Cli.csproj"), "-nologo", "-p:Configuration=Release" };
        args.AddRange(extra);
        args.AddRange(names.Select(n => "-getProperty:" + n));
        string output = PackagesFixture.Dotnet(RepoPaths.Root, [.. args]);
        using var doc = JsonDocument.Parse(output[output.IndexOf('{')..]);
        return doc.RootElement.GetProperty("Properties").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString() ?? "");
    }

    [Fact]
    public void FastStartBuildsApartFromTheReleaseBuild()
    {
        var fast = Evaluate("-p:SocsimFastStart=true");
        Assert.Contains("faststart", fast["IntermediateOutputPath"]);
        Assert.Contains("faststart", fast["OutputPath"]);
        Assert.NotEqual("", fast["RuntimeIdentifier"]);
        Assert.Equal("true", fast["SelfContained"]);
        Assert.Equal("true", fast["PublishReadyToRunComposite"]);
        // No framework-dependent ReadyToRun step after its build (that one is the default Release build's).
        Assert.Equal("", fast["_SocsimBuildReadyToRun"]);

        var plain = Evaluate();
        Assert.DoesNotContain("faststart", plain["IntermediateOutputPath"]);
        Assert.DoesNotContain("faststart", plain["OutputPath"]);
        Assert.Equal("", plain["RuntimeIdentifier"]);
        Assert.NotEqual("true", plain["PublishReadyToRunComposite"]);
        Assert.Equal("true", plain["_SocsimBuildReadyToRun"]);
    }
}
