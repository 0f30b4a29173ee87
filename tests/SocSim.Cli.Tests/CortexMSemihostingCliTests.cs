namespace SocSim.Cli.Tests;

/// <summary>
/// Semihosting through BKPT 0xAB on the Cortex-M3 (issue 18 section 2) with the host the ARM7TDMI uses for
/// SWI 0x123456, and ITM stimulus port 0 to `--itm`: tests/assets/cortex-m/rdimon_m3.elf (`make -C firmware m3`) is src/rdimon.c (newlib's rdimon
/// runtime, arm-none-eabi-gcc --specs=rdimon.specs) built for the M3, plus a vector table and a constructor that
/// prints one line on ITM port 0 (src/rdimon_m3_vectors.c).
/// </summary>
public sealed class CortexMSemihostingCliTests
{
    private static string Fw(string name) => Path.Combine(Socsim.RepoRoot, "firmware", "elf", name + ".elf");
    private static readonly string RdimonM3 = Path.Combine(Socsim.RepoRoot, "tests", "assets", "cortex-m", "rdimon_m3.elf");
    private static string Expected(string name) => File.ReadAllText(Path.Combine(Socsim.RepoRoot, "firmware", "expected", name + ".txt"));
    private const string ItmLine = "itm: port 0 text from the Cortex-M3\n";

    [Fact]
    public void Rdimon_OnTheCortexM3_PrintsWhatTheArm7BuildPrints_AndExitsWithItsCode()
    {
        string itm = Path.Combine(Path.GetTempPath(), $"socsim-itm-{Guid.NewGuid():N}.txt");
        try
        {
            var r = Socsim.Run("run", "--board", "mps2-an385", "--semihosting", RdimonM3, "--itm", itm, "--max-time", "1s");
            Assert.True(r.ExitCode == 3, $"exit {r.ExitCode}: {r.Stderr}");
            Assert.Equal(Expected("rdimon"), r.Stdout);
            Assert.Equal(ItmLine, File.ReadAllText(itm));
        }
        finally { File.Delete(itm); }
    }

    [Fact]
    public void Itm_ToStdout_ComesBeforeMainsOutput()
    {
        var r = Socsim.Run("run", "--board", "mps2-an385", "--semihosting", RdimonM3, "--itm", "-", "--max-time", "1s");
        Assert.True(r.ExitCode == 3, $"exit {r.ExitCode}: {r.Stderr}");
        Assert.Equal(ItmLine + Expected("rdimon"), r.Stdout);
    }

    [Fact]
    public void WithoutSemihosting_TheBkptHaltsTheCoreWithOneLine()
    {
        var r = Socsim.Run("run", "--board", "mps2-an385", RdimonM3, "--max-time", "1s");
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains("BKPT at 0x", r.Stderr);
        Assert.DoesNotContain("Exception", r.Stderr);
    }

    [Fact]
    public void Itm_OnACoreWithoutOne_IsOneLine() =>
        BadInputTests.AssertOneLine(Socsim.Run("run", Fw("hello"), "--itm", "/tmp/socsim-itm-none.txt"),
            "--itm: core arm7tdmi has no ITM (ARMv7-M Cortex-M3/M4 cores have one)");
}
