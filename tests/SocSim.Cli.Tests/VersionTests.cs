using System.Diagnostics;

namespace SocSim.Cli.Tests;

/// <summary>
/// The tool's version comes from the repository (0.2.N, N the commit count), so each commit packs a newer
/// `socsim` than the last and `dotnet tool update` takes it; `socsim --version` prints it.
/// </summary>
public sealed class VersionTests
{
    [Fact]
    public void VersionIsTheRepositorysCommitCount()
    {
        var r = Socsim.Run("--version");
        Assert.Equal(0, r.ExitCode);
        var psi = new ProcessStartInfo("git", "rev-list --count HEAD") { WorkingDirectory = Socsim.RepoRoot, RedirectStandardOutput = true, RedirectStandardError = true };
        using var git = Process.Start(psi)!;
        string count = git.StandardOutput.ReadToEnd().Trim();
        git.WaitForExit();
        // Without git (a source archive) the build falls back to 0.2.0.
        string expected = git.ExitCode == 0 ? $"0.2.{count}" : "0.2.0";
        Assert.Equal(expected, r.Stdout.Trim());
        Assert.True(Version.Parse(r.Stdout.Trim()) > new Version(0, 1, 0));
    }
}
