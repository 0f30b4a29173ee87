namespace SocSim.Cli.Tests;

/// <summary>
/// `socsim sweep` on a Cortex-M board (issue 18 section 4): stm32f103 running firmware/stm32f1's flash_cycles,
/// the SRAM's sequential wait states varied, the SRAM loop of loops.S measured from its first CYCCNT LDR to its
/// second (n = 1, then n = 101 iterations). The figures are derived from the core's fetch rules
/// (docs/cortex-m.md "Timing", "Fetch"), not taken from a run.
/// </summary>
public sealed class CortexMSweepTests
{
    /// <summary>
    /// The window (loops.S): LDR, then per iteration ADD.W ADD.W ADD.W SUBS BNE in words W0..W3 (W3 = SUBS +
    /// BNE), then a NOP and the second LDR, the first LDR sharing its word with a NOP before it. Instructions
    /// are fetched as words, each sequential word costing c = 1 + w (w = readS) and issued when the previous one
    /// has arrived; an instruction starts when its word has. With no wait (c = 1) the instructions bound it:
    /// n = 1 is LDR 2 + 3 + 1 + 1 + NOP 1 = 8, an iteration 3 + 1 + 2 = 6. With c &gt; 1 the fetch bounds it
    /// (as in Stm32FlashCycleTests' prefetch-off derivation): n = 1 is 5c; an iteration from its W0's arrival:
    /// W1..W3 arrive at c, 2c, 3c, SUBS at 3c, BNE at 3c + 1 taking 1 + P, P = 1 + the target word's
    /// non-sequential wait states (readN = 0 here): 3c + 3. So n = 101 is the n = 1 figure + 100 iterations.
    /// </summary>
    private static (long Min, long Max) Expected(int w)
    {
        int c = 1 + w;
        long t1 = Math.Max(8, 5 * c), iteration = Math.Max(6, 3 * c + 3);
        return (t1, t1 + 100 * iteration);
    }

    [Fact]
    public void SramWaitStates_SlowTheLoopAsTheFetchRulesSay()
    {
        string dir = Path.Combine(Path.GetTempPath(), "socsim-sweep-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            string csv = Path.Combine(dir, "stm32.csv");
            var r = Socsim.Run("sweep", Stm32Elf.Elf("flash_cycles"), "--board", "stm32f103", "--vary", "memory.sram.waitStates.readS=0,1,2",
                "--max-cycles", "50000000", "--measure", "sram_loop_start:sram_loop_end", "--out", csv);
            Assert.True(r.ExitCode == 0, r.Stderr);
            var rows = File.ReadAllLines(csv).Select(l => l.Split(',')).ToArray();
            var header = rows[0];
            Assert.Equal("memory.sram.waitStates.readS", header[0]);
            int count = Array.IndexOf(header, "sram_loop_start:sram_loop_end.count");
            int min = Array.IndexOf(header, "sram_loop_start:sram_loop_end.min"), max = Array.IndexOf(header, "sram_loop_start:sram_loop_end.max");
            int cycles = Array.IndexOf(header, "cycles");
            Assert.Equal(["0", "1", "2"], rows[1..].Select(x => x[0]));
            foreach (var row in rows[1..])
            {
                var (emin, emax) = Expected(int.Parse(row[0]));
                Assert.Equal(("2", emin.ToString(), emax.ToString()), (row[count], row[min], row[max]));
            }
            // The whole run (stack and data in SRAM too) costs more with every added wait state.
            var total = rows[1..].Select(x => long.Parse(x[cycles])).ToArray();
            Assert.True(total[0] < total[1] && total[1] < total[2], string.Join(",", total));
        }
        finally { Directory.Delete(dir, recursive: true); }
    }
}
