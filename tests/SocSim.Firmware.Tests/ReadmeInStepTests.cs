namespace SocSim.Firmware.Tests;

/// <summary>The API example of docs/firmware-testing.md is ReadmeExampleTests.cs, which runs; this keeps the two identical.</summary>
public class ReadmeInStepTests
{
    [Fact]
    public void TheReadmeExampleIsTheTestThatRuns()
    {
        string root = Repo.Root;
        string readme = File.ReadAllText(Path.Combine(root, "docs", "firmware-testing.md")).Replace("\r\n", "\n");
        int api = readme.IndexOf("## The C# API", StringComparison.Ordinal);
        Assert.True(api >= 0, "docs/firmware-testing.md has no C# API section");
        int start = readme.IndexOf("```csharp\n", api, StringComparison.Ordinal) + "```csharp\n".Length;
        string block = readme[start..readme.IndexOf("```\n", start, StringComparison.Ordinal)];
        // The test file adds only its namespace and a comment pointing here.
        string code = File.ReadAllText(Path.Combine(root, "tests", "SocSim.Firmware.Tests", "ReadmeExampleTests.cs")).Replace("\r\n", "\n")
            .Replace("namespace SocSim.Firmware.Tests;\n\n// The example of docs/firmware-testing.md, verbatim: keep the two in step.\n", "");
        Assert.Equal(code, block);
    }

    [Fact]
    public void TheCheckpointExampleIsTheTestThatRuns()
    {
        string doc = File.ReadAllText(Path.Combine(Repo.Root, "docs", "firmware-testing.md")).Replace("\r\n", "\n");
        int section = doc.IndexOf("## Checkpoints", StringComparison.Ordinal);
        Assert.True(section >= 0, "docs/firmware-testing.md has no Checkpoints section");
        int start = doc.IndexOf("```csharp\n", section, StringComparison.Ordinal) + "```csharp\n".Length;
        string block = doc[start..doc.IndexOf("```\n", start, StringComparison.Ordinal)];
        string code = File.ReadAllText(Path.Combine(Repo.Root, "tests", "SocSim.Firmware.Tests", "BootOnceExampleTests.cs")).Replace("\r\n", "\n")
            .Replace("namespace SocSim.Firmware.Tests;\n\n// The checkpoint example of docs/firmware-testing.md, verbatim: keep the two in step.\n", "");
        Assert.Equal(code, block);
    }
}
