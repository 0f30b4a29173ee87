using System.Diagnostics;
using System.Globalization;
using SocSim.Trace.Timing;

namespace SocSim.Firmware.Tests;

/// <summary>Our own STM32F103 firmware (firmware/stm32f1), built by its Makefile into a scratch directory.</summary>
internal static class Stm32Firmware
{
    private static readonly Lazy<string> Dir = new(() =>
    {
        string dir = Path.Combine(Path.GetTempPath(), $"socsim-stm32f1-{Environment.ProcessId}");
        var psi = new ProcessStartInfo("make", ["-s", "-C", Path.Combine(Repo.Root, "firmware", "stm32f1"), "B=" + dir])
            { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        using var p = Process.Start(psi) ?? throw new InvalidOperationException("make did not start");
        var err = p.StandardError.ReadToEndAsync();
        p.StandardOutput.ReadToEnd();
        if (!p.WaitForExit(120_000)) { p.Kill(true); throw new TimeoutException("make in firmware/stm32f1 did not finish in 120 s"); }
        if (p.ExitCode != 0) throw new InvalidOperationException("make in firmware/stm32f1 failed: " + err.Result);
        return dir;
    });

    public static string Elf(string name) => Path.Combine(Dir.Value, name + ".elf");
}

/// <summary>
/// The flash interface's cycle table at firmware level (RM0008 §3.3.3): firmware/stm32f1/flash_cycles.c times
/// the loop of loops.S with DWT CYCCNT for 1 and 101 iterations from flash at LATENCY 0, 1, 2 (SYSCLK 24, 48,
/// 72 MHz), prefetch off and on, and from SRAM, and prints the table on USART1.
/// </summary>
public sealed class Stm32FlashCycleTests
{
    private sealed record Row(string Where, int Latency, int Prefetch, int Mhz, long T1, long T101);

    private static List<Row> Parse(string text) => text.Split("\r\n", StringSplitOptions.RemoveEmptyEntries).Skip(1)
        .Select(l => l.Split(' ')).Select(f => new Row(f[0], int.Parse(f[1]), int.Parse(f[2]), int.Parse(f[3]), long.Parse(f[4]), long.Parse(f[5]))).ToList();

    private static Machine Load()
    {
        var m = Machine.Create([Repo.Board("stm32f103")], [], new MachineOptions { Warnings = TextWriter.Null });
        m.LoadElf(Stm32Firmware.Elf("flash_cycles"));
        return m;
    }

    /// <summary>
    /// The expected figures, derived from RM0008 §3.3.3 and the core's fetch rules (docs/cortex-m.md "Timing"),
    /// never from the output. The code (loops.S): NOP NOP at line X (8 bytes), NOP + the first CYCCNT LDR in X's
    /// second word; the loop W0..W3 (lines A = W0 W1, B = W2 W3): ADD.W, ADD.W, ADD.W, SUBS + BNE; a NOP and the
    /// second LDR in W4 (line C). Each LDR shares its word with a NOP before it, which takes any fetch wait. The core: ADD/SUBS/NOP 1 cycle, LDR 2, BNE not taken 1, taken 1 + P, P = 1 + the
    /// target word's wait states, the target fetched from the BNE's second cycle; words fetched in order, each
    /// issued when the previous one has arrived and the word two before it is in use; an instruction starts
    /// when its words have arrived; CYCCNT reads the count at which the LDR starts. The flash (w = LATENCY,
    /// c = 1 + w, one line read): prefetch off, every word costs c. Prefetch on: a word of the current line
    /// costs 1; of the next (prefetched) line, the rest of its read (at least 1); of any other line c (a miss);
    /// each time the current line changes the next one is read as soon as the flash is free. SRAM: no wait.
    /// Times below count from the entry word's arrival (the call's end) for t1, from an iteration's start
    /// (its W0 arriving at the BNE's end) for the loop.
    /// <list type="bullet">
    /// <item>No wait (SRAM; the flash at LATENCY 0, where every cost is 1 either way): an iteration is
    /// 3 + 1 + 2 = 6; t1 = LDR 2 + ADD ×3 + SUBS + BNE not taken + NOP = 8; t101 = 8 + 100 × 6 = 608.</item>
    /// <item>Prefetch off, w ≥ 1 (fetch-bound). t1: X's second word arrives at c, the NOPs run at 0, 1, c and
    /// the window starts at c + 1; W0..W4 arrive at 2c..6c, so ADD 1 starts at max(c + 3, 2c), the others at
    /// 3c, 4c, SUBS at 5c, BNE 5c + 1, the NOP at 6c and the second LDR at 6c + 1: t1 = 5c (10, 15). An iteration: W1..W3
    /// arrive at c, 2c, 3c, SUBS at 3c, BNE at 3c + 1 taking 1 + c: 4c + 2 (10, 14). t101: the first
    /// iteration's BNE is taken at 5c + 1 and ends at 6c + 2; 99 iterations; the last, from an iteration's
    /// start, reaches the NOP when W4 arrives at 4c: t101 = t1 + 100 (4c + 2) (1010, 1415).</item>
    /// <item>Prefetch on (m = max(1, w)). An iteration: the BNE's W0 misses (current B, next C) and arrives
    /// at 0, and B is read from 0 to c; W1 (A) arrives at 1; W2 (B, issued at 1) at 1 + m; ADD 3 there, W3
    /// (B, current) 1 later; SUBS at 2 + m, BNE at 3 + m taking 2 + w: 5 + m + w (7, 9). t1: the call
    /// misses on X and starts A's read, which arrives before the first LDR ends; W2 is issued at the first ADD
    /// and W4 (C) during the SUBS: nothing waits, t1 = 8. t101 = 2 (LDR) + 6 + w (the first iteration, all
    /// its words there, to the first taken BNE's end) + 99 iterations + the last from an iteration's start:
    /// SUBS at 2 + m, BNE not taken to 4 + m, and W4: C read from 1 + m (when B became current) arrives at
    /// 2 + 2m, so the NOP at max(4 + m, 2 + 2m), the LDR 1 later (708, 908).</item>
    /// </list>
    /// </summary>
    private static (long T1, long T101) Expected(string where, int w, bool prefetch)
    {
        int c = 1 + w, m = Math.Max(1, w);
        if (where == "sram" || w == 0) return (8, 8 + 100 * 6);
        if (!prefetch) return (5 * c, 5 * c + 100L * (4 * c + 2));
        return (8, 2 + (6 + w) + 99L * (5 + m + w) + Math.Max(4 + m, 2 + 2 * m) + 1);
    }

    [Fact]
    public void TheLoopTakesTheCyclesRm0008AndTheFetchRulesGive()
    {
        using var m = Load();
        var run = m.Run(50_000_000);
        Assert.Equal(StopReason.Fault, run.Reason);                               // the BKPT after the table
        Assert.Contains("BKPT", run.Fault);
        Assert.Empty(m.Warnings);                                                 // every latency suits its SYSCLK; prefetch switched at 8 MHz
        var rows = Parse(m.UartOutput("usart1"));
        Assert.Equal(7, rows.Count);
        foreach (var r in rows)
        {
            Assert.Equal(r.Where == "sram" ? 72 : 24 * (r.Latency + 1), r.Mhz);  // the highest SYSCLK each LATENCY allows (RM0008 §3.3.3)
            Assert.Equal(Expected(r.Where, r.Latency, r.Prefetch == 1), (r.T1, r.T101));
        }
    }

    /// <summary>
    /// DWT CYCCNT agrees with the simulator's own cycle count over the same windows: the MeasureProbe that
    /// `--measure FROM:TO` uses (from the first CYCCNT LDR to the second) sees, pass by pass, the figures the
    /// firmware printed (and running with the probe, instruction by instruction, changes none of them); and
    /// `socsim run --measure flash_loop_start:flash_loop_end --stats` reports the same count, minimum, maximum
    /// and mean, and the cycles of the whole run the API counted.
    /// </summary>
    [Fact]
    public void CyccntEqualsTheCyclesTheSimulatorCountsOverEachWindow()
    {
        using var m = Load();
        var flash = new MeasureProbe("flash", m.Symbol("flash_loop_start"), m.Symbol("flash_loop_end"));
        var sram = new MeasureProbe("sram", m.Symbol("sram_loop_start"), m.Symbol("sram_loop_end"));
        m.AddHook(flash);
        m.AddHook(sram);
        var run = m.Run(50_000_000);
        var rows = Parse(m.UartOutput("usart1"));
        Assert.Equal(rows.Where(r => r.Where == "flash").SelectMany(r => new[] { r.T1, r.T101 }), flash.Passes);
        Assert.Equal(rows.Where(r => r.Where == "sram").SelectMany(r => new[] { r.T1, r.T101 }), sram.Passes);

        var cli = Socsim.Run("run", Stm32Firmware.Elf("flash_cycles"), "--board", Repo.Board("stm32f103"), "--stats",
            "--measure", "flash_loop_start:flash_loop_end", "--max-cycles", "50000000");
        Assert.Equal(m.UartOutput("usart1"), cli.Stdout);
        var passes = flash.Passes;
        string mean = passes.Average().ToString("F1", CultureInfo.InvariantCulture);
        Assert.Contains(cli.ErrLines, l => l.StartsWith($"measure flash_loop_start:flash_loop_end count={passes.Count} min={passes.Min()} (", StringComparison.Ordinal)
            && l.Contains($" max={passes.Max()} (", StringComparison.Ordinal) && l.Contains($" mean={mean} (", StringComparison.Ordinal));
        Assert.Contains(cli.ErrLines, l => l.StartsWith($"cycles={run.Cycles} instructions={run.Instructions} ", StringComparison.Ordinal));
    }
}
