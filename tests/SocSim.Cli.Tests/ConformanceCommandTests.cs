using System.Text.RegularExpressions;

namespace SocSim.Cli.Tests;

public class ConformanceCommandTests
{
    [Fact]
    public void PrintsOneLinePerFileAndTheClosingCountLine()
    {
        var r = Socsim.Run("conformance", Socsim.ConformanceDirectory, "--filter", "b_bl.json.bin#0");
        Assert.Equal(0, r.ExitCode);
        Assert.Equal(new[] { "b_bl.json.bin: 1 passed, 0 failed", "1 passed, 0 failed" }, r.Lines);
    }

    [Fact]
    public void AFailingTestSetsTheExitStatusAndVerboseShowsTheDifference()
    {
        // swp.json.bin#0 is a listed exception (LOCK on the SWP read): it fails by design.
        var r = Socsim.Run("conformance", Socsim.ConformanceDirectory, "--filter", "swp.json.bin#0", "--verbose");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains(r.Lines, l => l.Contains("FAIL swp.json.bin#0"));
        Assert.Contains(r.Lines, l => Regex.IsMatch(l, @"transaction 1: expected read .* access=0, got read .* access=8"));
        Assert.Equal("0 passed, 1 failed", r.Lines[^1]);
    }

    [Fact]
    public void TheWholeSuiteEndsWithTheContractLine()
    {
        var r = Socsim.Run("conformance", Socsim.ConformanceDirectory);
        Assert.Equal(20, r.Lines.Length);
        Assert.Matches(@"^\d+ passed, \d+ failed$", r.Lines[^1]);
        Assert.Equal("36489 passed, 1511 failed", r.Lines[^1]);
    }

    [Fact]
    public void AMissingDirectoryIsAnErrorNamingIt()
    {
        var r = Socsim.Run("conformance", "/nonexistent/conformance");
        Assert.True(r.ExitCode == 2, $"exit {r.ExitCode}: {r.Stderr}{r.Stdout}");
        Assert.Contains("/nonexistent/conformance", r.Stderr);
    }
}
