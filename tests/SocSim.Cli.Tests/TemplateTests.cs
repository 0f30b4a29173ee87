using System.Text.RegularExpressions;

namespace SocSim.Cli.Tests;

/// <summary>
/// `dotnet new socsim-firmware-test` from the packed template, restored offline against the locally
/// packed SocSim packages (and the machine's package cache for xunit and Snapshooter), built and tested.
/// </summary>
[Collection("packages")]
public sealed class TemplateTests(PackagesFixture packages)
{
    [Fact]
    public void ANewFirmwareTestProjectBuildsAndPassesThenCatchesATimingChange()
    {
        var root = PackagesFixture.TempDir("template");
        var hive = Path.Combine(root, "hive");   // a private template registry: the user's is left alone
        var template = Directory.GetFiles(packages.Directory, "SocSim.Templates.*.nupkg").Single();
        PackagesFixture.Dotnet(root, "new", "install", template, "--debug:custom-hive", hive);
        // As the README has it: the packages packed into pkg/, the project made beside it; the project's
        // nuget.config names ../pkg by default, so its first `dotnet test` restores (no NU1101).
        Directory.CreateSymbolicLink(Path.Combine(root, "pkg"), packages.Directory);
        PackagesFixture.Dotnet(root, "new", "socsim-firmware-test", "-o", "Blinky.Tests", "--debug:custom-hive", hive);
        var project = Path.Combine(root, "Blinky.Tests");
        Assert.Contains("<add key=\"socsim-packages\" value=\"../pkg\" />", File.ReadAllText(Path.Combine(project, "nuget.config")));
        Assert.True(File.Exists(Path.Combine(project, "Blinky.Tests.csproj")));
        Assert.True(File.Exists(Path.Combine(project, "firmware", "timer_irq.elf")));
        Assert.True(File.Exists(Path.Combine(project, "firmware", "timer_irq_m3.elf")));    // the Cortex-M case
        Assert.True(File.Exists(Path.Combine(project, "boards", "mps2-an385.json")));
        var snap = Path.Combine(project, "__snapshots__", "FirmwareTests.WholeRunMatchesTheSnapshot.snap");
        Assert.True(File.Exists(snap));
        string committed = File.ReadAllText(snap);

        // Offline: the test's own nuget.config above the project adds only the machine's cache as a feed
        // (for xunit and Snapshooter), into a private packages folder (so a stale SocSim 0.1.0 in the
        // machine's cache can never stand in for the one just packed).
        PackagesFixture.NugetConfig(root, packages.Directory, withCache: true, globalPackagesFolder: Path.Combine(root, "packages"));
        var env = new Dictionary<string, string> { ["NUGET_PACKAGES"] = Path.Combine(root, "packages") };
        var output = PackagesFixture.Run("dotnet", project, ["test", "-nologo"], env);
        Assert.Matches(new Regex(@"Passed!\s+-\s+Failed:\s+0,\s+Passed:\s+7,"), output);   // 4 on versatilepb, 3 on mps2-an385
        Assert.True(Directory.Exists(Path.Combine(root, "packages", "socsim.boards", "0.1.0")));
        // The snapshot shipped with the template matched (it was not rewritten).
        Assert.Equal(committed, File.ReadAllText(snap));

        // shard.sh: two slices run every test once between them, each at least one.
        Assert.True(File.Exists(Path.Combine(project, "README.md")));
        var passed = new[] { 1, 2 }.Select(i =>
        {
            var shard = PackagesFixture.Run("bash", project, ["shard.sh", $"{i}", "2", "--no-build", "-nologo"], env);
            var m = Regex.Match(shard, @"Passed!\s+-\s+Failed:\s+0,\s+Passed:\s+(\d+),");
            Assert.True(m.Success, shard);
            return int.Parse(m.Groups[1].Value);
        }).ToArray();
        Assert.All(passed, p => Assert.True(p > 0));
        Assert.Equal(7, passed.Sum());

        // A slower RAM is a timing change: the snapshot test (and the latency bound) fail. The board is
        // the copy beside the built tests, so the run needs no rebuild.
        var board = Directory.GetFiles(Path.Combine(project, "bin"), "versatilepb.json", SearchOption.AllDirectories).Single();
        File.WriteAllText(board, File.ReadAllText(board).Replace("\"readN\": 2, \"readS\": 0, \"writeN\": 1", "\"readN\": 4, \"readS\": 0, \"writeN\": 1"));
        var (exit, failed) = PackagesFixture.RunAllowingFailure("dotnet", project, ["test", "-nologo", "--no-build"], env);
        Assert.NotEqual(0, exit);
        Assert.Contains("WholeRunMatchesTheSnapshot", failed);
        Assert.Contains("TimerIsrStartsWithinItsLatencyBudget", failed);
        // The failures say what was measured, in which unit, against which bound, and where the new snapshot is.
        Assert.Matches(new Regex(@"the worst timer interrupt reached timer0_isr after \d+ cycles \(min \d+, mean [\d.]+\), over its budget of 60 cycles"), failed);
        Assert.Contains("this run is in __snapshots__/__mismatch__/FirmwareTests.WholeRunMatchesTheSnapshot.snap", failed);
        Assert.True(File.Exists(Path.Combine(project, "__snapshots__", "__mismatch__", "FirmwareTests.WholeRunMatchesTheSnapshot.snap")));
    }
}
