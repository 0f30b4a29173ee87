namespace SocSim.Firmware.Tests;

/// <summary>The README's API example is ReadmeExampleTests.cs, which runs; this keeps the two identical.</summary>
public class ReadmeInStepTests
{
    [Fact]
    public void TheReadmeExampleIsTheTestThatRuns()
    {
        string root = Repo.Root;
        string readme = File.ReadAllText(Path.Combine(root, "README.md")).Replace("\r\n", "\n");
        int api = readme.IndexOf("### The C# API", StringComparison.Ordinal);
        Assert.True(api >= 0, "README has no C# API section");
        int start = readme.IndexOf("```csharp\n", api, StringComparison.Ordinal) + "```csharp\n".Length;
        string block = readme[start..readme.IndexOf("```\n", start, StringComparison.Ordinal)];
        // The test file adds only its namespace and a comment pointing here.
        string code = File.ReadAllText(Path.Combine(root, "tests", "SocSim.Firmware.Tests", "ReadmeExampleTests.cs")).Replace("\r\n", "\n")
            .Replace("namespace SocSim.Firmware.Tests;\n\n// The example of docs/firmware-testing.md, verbatim: keep the two in step.\n", "");
        Assert.Equal(code, block);
    }
}
