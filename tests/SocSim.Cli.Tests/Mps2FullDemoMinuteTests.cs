using System.Globalization;
using System.Text.RegularExpressions;

namespace SocSim.Cli.Tests;

/// <summary>
/// FreeRTOS's MPS2 full demo (shared/cortex-m/freertos-mps2, unmodified) for a simulated minute on mps2-an385
/// (issue 18 section 5: "the full demo prints only PASS lines, one every 5,000 ticks, for at least 60 simulated
/// seconds"). About 25 s of one host CPU (docs/cortex-m.md); no host-time expectation.
/// </summary>
public sealed class Mps2FullDemoMinuteTests
{
    [Fact]
    public void FullDemo_PrintsOnlyPassLines_ForAMinute()
    {
        string elf = Path.GetFullPath(Path.Combine(Socsim.RepoRoot, "..", "shared", "cortex-m", "freertos-mps2", "elf", "RTOSDemo-full.elf"));
        var r = Socsim.Run("run", "--board", "mps2-an385", "--board", "overrides/mps2-qemu-uart", elf, "--max-time", "60.2s");
        Assert.True(r.ExitCode == 124, r.Stderr);
        Assert.Contains("time limit of 60.2s reached at cycle=1505000011 ", r.Stderr);   // 25 MHz, the next instruction boundary
        // main_full.c's check task (a 5,000 ms period, pdMS_TO_TICKS at configTICK_RATE_HZ 1000) prints "PASS :
        // <ticks> (<nested interrupts>)" while every test task runs, an error message otherwise: 12 lines by 60.2 s,
        // the k-th at tick 5,000k or a little after (it runs at the idle priority, behind every other task).
        Assert.Equal(12, r.Lines.Length);
        for (int k = 1; k <= 12; k++)
        {
            var m = Regex.Match(r.Lines[k - 1], @"^PASS : (\d+) \((\d+)\)$");
            Assert.True(m.Success, $"line {k}: {r.Lines[k - 1]}");
            Assert.InRange(long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), 5000L * k, 5000L * k + 100);
        }
        // The counts are this model's, exact run after run (QEMU's vary); the first two are Mps2CliTests'.
        Assert.Equal(["PASS : 5036 (724)", "PASS : 10027 (1418)"], r.Lines[..2]);
        Assert.Equal("PASS : 60026 (7846)", r.Lines[^1]);
    }
}
