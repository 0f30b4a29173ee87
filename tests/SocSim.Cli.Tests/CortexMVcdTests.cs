using System.Globalization;
using System.Text.RegularExpressions;
using SocSim.Trace.Vcd;

namespace SocSim.Cli.Tests;

/// <summary>
/// The Cortex-M3's VCD (issue 18 section 4: "VCD (bus, pipeline, registers, NVIC lines)") checked by value, to the
/// cycle: FreeRTOS's MPS2 full demo on mps2-an385, whose timer0 (NVIC line 8, exception 24) interrupts at 2 kHz.
/// The cpu.irq8 line's rises and the cpu.exception register give, rise by rise, the latency `--stats` reports for
/// the line in the same run; and at an entry from Thread mode the bus shows the stacking of the eight-word frame
/// and the vector read, the cycles the exception model gives (docs/cortex-m.md "Exception timing").
/// </summary>
public sealed class CortexMVcdTests
{
    private const long FsPerCycle = 40_000_000;   // 25 MHz

    private static ulong Value(string v) => Convert.ToUInt64(v.TrimStart('b'), 2);

    [Fact]
    public void NvicLineAndEntry_AgreeWithStatsToTheCycle()
    {
        string elf = Path.GetFullPath(Path.Combine(Socsim.RepoRoot, "..", "shared", "cortex-m", "freertos-mps2", "elf", "RTOSDemo-full.elf"));
        string vcd = Path.Combine(Path.GetTempPath(), $"socsim-m3-vcd-{Environment.ProcessId}-{Guid.NewGuid():N}.vcd");
        try
        {
            var r = Socsim.Run("run", "--board", "mps2-an385", elf, "--max-time", "20ms", "--stats", "--vcd", vcd,
                "--signals", "cpu.irq8,cpu.exception,cpu.HADDR,cpu.fetch");
            Assert.True(r.ExitCode == 124, r.Stderr);
            var stats = Regex.Match(r.Stderr, @"irq_latency cpu\.irq8 \(timer0\.TIMERINT\) to_vector: count=(\d+) min=(\d+) \S+ \S+ max=(\d+) \S+ \S+ mean=([\d.]+) ");
            Assert.True(stats.Success, r.Stderr);

            var f = VcdReader.Read(vcd);
            long Cycle(long time) => f.ToFs(time) / FsPerCycle;
            var irq = f.Get("cpu.irq8").Changes;
            var exception = f.Get("cpu.exception").Changes;
            var haddr = f.Get("cpu.HADDR").Changes;

            // The line is active high: it rises when the timer counts to 0 and falls when the handler writes
            // INTCLEAR, after the handler (exception 24) has started.
            var rises = irq.Where(c => c.Value == "1" && c.Time > 0).Select(c => Cycle(c.Time)).ToList();
            var handlerStarts = exception.Where(c => Value(c.Value) == 24).Select(c => Cycle(c.Time)).ToList();
            var latencies = rises.Select(rise => handlerStarts.First(h => h >= rise) - rise).ToList();
            Assert.Equal(int.Parse(stats.Groups[1].Value, CultureInfo.InvariantCulture), latencies.Count);
            Assert.Equal(long.Parse(stats.Groups[2].Value, CultureInfo.InvariantCulture), latencies.Min());
            Assert.Equal(long.Parse(stats.Groups[3].Value, CultureInfo.InvariantCulture), latencies.Max());
            Assert.Equal(stats.Groups[4].Value, latencies.Average().ToString("F1", CultureInfo.InvariantCulture));
            // Each fall comes after the handler started for the rise before it.
            foreach (var fall in irq.Where(c => c.Value == "0" && c.Time > 0).Select(c => Cycle(c.Time)))
            {
                long rise = rises.Last(x => x < fall);
                Assert.Contains(handlerStarts, h => rise <= h && h < fall);
            }

            // An entry from Thread mode (exception 0 before it), neither late nor tail-chained (it starts at or
            // after the rise: the first boundary after it, or when BASEPRI unmasks the line) takes 12 cycles: the
            // eight stacking writes go one a cycle to the eight words below the stack pointer (8-byte aligned)
            // in its cycles 0-7, the vector table's entry 24 (0x60) is read in cycle 8, the handler starts at 12.
            int checkedEntries = 0;
            for (int i = 0; i < rises.Count; i++)
            {
                long start = rises[i] + latencies[i] - 12;
                if (start < rises[i] || Value(ValueAt(exception, start - 1, Cycle)) != 0) continue;
                var addresses = Enumerable.Range(0, 9).Select(k => Value(ValueAt(haddr, start + k, Cycle))).ToArray();
                ulong frame = addresses[0];
                Assert.Equal(0UL, frame % 8);
                Assert.Equal(Enumerable.Range(0, 8).Select(k => frame + 4 * (ulong)k), addresses[..8]);
                Assert.Equal(0x60UL, addresses[8]);
                checkedEntries++;
            }
            Assert.True(checkedEntries > 0, "no timer0 entry from Thread mode in 20 ms");
        }
        finally { File.Delete(vcd); }
    }

    /// <summary>The value a signal has in <paramref name="cycle"/>: its last change at or before it (the last of several at one time).</summary>
    private static string ValueAt(List<VcdChange> changes, long cycle, Func<long, long> toCycle)
    {
        int lo = 0, hi = changes.Count - 1, found = -1;
        while (lo <= hi)
        {
            int mid = (lo + hi) / 2;
            if (toCycle(changes[mid].Time) <= cycle) { found = mid; lo = mid + 1; }
            else hi = mid - 1;
        }
        Assert.True(found >= 0, $"no value at cycle {cycle}");
        return changes[found].Value;
    }
}
