using System.Text.RegularExpressions;
using SocSim.Tests;

namespace SocSim.Cli.Tests;

/// <summary>
/// `socsim` as a dotnet tool: packed, installed into a temporary tool path from the packed folder
/// only, and run from a directory that is not the repository, as on a machine that never cloned it.
/// </summary>
[Collection("packages")]
public sealed class ToolPackageTests(PackagesFixture packages)
{
    [Fact]
    public void TheInstalledToolRunsTheBundledDemoAndBoardsFromAnyDirectory()
    {
        var toolPath = PackagesFixture.TempDir("tool");
        var elsewhere = PackagesFixture.TempDir("elsewhere");
        Assert.False(elsewhere.StartsWith(RepoPaths.Root, StringComparison.Ordinal));
        var config = PackagesFixture.NugetConfig(PackagesFixture.TempDir("cfg"), packages.Directory, withCache: false);
        PackagesFixture.Dotnet(elsewhere, "tool", "install", "socsim", "--tool-path", toolPath, "--add-source", packages.Directory, "--configfile", config);
        var socsim = Path.Combine(toolPath, "socsim");
        Assert.True(File.Exists(socsim));

        // No ELF, no board: the bundled timer demo on the bundled versatilepb board.
        var (exit, o, e) = Socsim(socsim, elsewhere, "run", "--stats");
        Assert.True(exit == 0, e);
        Assert.Equal(File.ReadAllText(Path.Combine(RepoPaths.Root, "firmware", "expected", "timer_irq.txt")), o);
        var demo = FirmwareTotals.Of("timer_irq");
        Assert.Contains($"cycles={demo.Cycles} instructions={demo.Instructions} sim_ns={demo.SimulatedNanoseconds}", e);
        // Bundled boards by name, with an override layered on.
        (exit, o, e) = Socsim(socsim, elsewhere, "board", "show", "versatilepb", "overrides/slow-ram");
        Assert.True(exit == 0, e);
        Assert.Contains("uart0", o);
        (exit, o, e) = Socsim(socsim, elsewhere, "sweep", "--board", "versatilepb", "--vary", "memory.ram.waitStates.readN=0,2");
        Assert.True(exit == 0, e);
        Assert.Matches(new Regex($@"^\s+2\s+0\s+{demo.Cycles}\s", RegexOptions.Multiline), o);
        // The schema travels too.
        Assert.Single(Directory.GetFiles(Path.Combine(toolPath, ".store"), "board.schema.json", SearchOption.AllDirectories));
        // Pictures: the installed tool draws a waveform with the renderer's native library for this platform.
        (exit, o, e) = Socsim(socsim, elsewhere, "run", "--vcd", "demo.vcd", "--signals", "uart0.TXD");
        Assert.True(exit == 0, e);
        (exit, o, e) = Socsim(socsim, elsewhere, "wave", "demo.vcd", "-o", "demo.png");
        Assert.True(exit == 0, e);
        Assert.True(new FileInfo(Path.Combine(elsewhere, "demo.png")).Length > 1000);
    }

    [Fact]
    public void TheToolCarriesNativeLibrariesOnlyForThePlatformsDotnetRunsOn()
    {
        var nupkg = Directory.GetFiles(packages.Directory, "socsim.*.nupkg").Single();
        using var zip = System.IO.Compression.ZipFile.OpenRead(nupkg);
        var rids = zip.Entries.Select(x => Regex.Match(x.FullName, @"/runtimes/([^/]+)/native/")).Where(m => m.Success)
            .Select(m => m.Groups[1].Value).ToHashSet();
        foreach (var kept in new[] { "linux-x64", "linux-arm64", "linux-arm", "linux-musl-x64", "linux-musl-arm64", "osx", "win-x64", "win-x86", "win-arm64" })
            Assert.Contains(kept, rids);
        foreach (var dropped in new[] { "browser-wasm", "linux-loongarch64", "linux-riscv64", "linux-musl-riscv64", "linux-musl-loongarch64", "linux-x86", "linux-musl-arm" })
            Assert.DoesNotContain(dropped, rids);
    }

    private static (int, string, string) Socsim(string exe, string cwd, params string[] args)
    {
        var psi = new System.Diagnostics.ProcessStartInfo(exe) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = cwd };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = System.Diagnostics.Process.Start(psi)!;
        var so = p.StandardOutput.ReadToEndAsync();
        var se = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(Deadline.Ms)) { p.Kill(true); Assert.Fail("socsim timed out"); }
        return (p.ExitCode, so.Result, se.Result);
    }
}
