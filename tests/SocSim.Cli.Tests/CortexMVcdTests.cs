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

    /// <summary>One line of --trace-instr: the step's start cycle, its cycles, and for an instruction its address and encoding (an exception entry: null).</summary>
    internal sealed record TraceLine(long Cycle, long Cycles, uint? Pc, uint Opcode, int EntryOf);

    internal static List<TraceLine> ReadTrace(string path) =>
        File.ReadLines(path).Select(l => Regex.Match(l, @"^\s*(\d+) \+(\d+)\s+\w+:T (?:([0-9a-f]{8})\s+([0-9a-f]{4,8}) |-------- -------- <exception (\d+) entry)"))
            .Where(m => m.Success)
            .Select(m => new TraceLine(long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), long.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture),
                m.Groups[3].Success ? Convert.ToUInt32(m.Groups[3].Value, 16) : null,
                m.Groups[4].Success ? Convert.ToUInt32(m.Groups[4].Value, 16) : 0,
                m.Groups[5].Success ? int.Parse(m.Groups[5].Value, CultureInfo.InvariantCulture) : -1))
            .ToList();

    /// <summary>
    /// The pipeline signals (docs/waveforms.md "Cortex-M cores") against the core's own account, --trace-instr, on
    /// timer_irq_m3 (two timer0 interrupts): cpu.pipe.execute/opcode/T32 change at each instruction's start plus its
    /// fetch stall and hold it until the next one's, that is for the cycles the trace gives it (a stall before the
    /// next instruction included); on zero-wait SSRAM nothing ever stalls (DDI 0337I 1.2.1: the prefetch keeps
    /// ahead), with 2 wait states the first fetch stalls 2 cycles and every stall lies inside its instruction's
    /// step; cpu.pipe.exc is 1 for exactly the 12 cycles before each handler's first instruction (DDI 0337I 5.5.1;
    /// plus the vector read's wait states) and 2 for the 10 cycles closing the handler's BX LR (the model's return, docs/cortex-m.md "Exception timing").
    /// The file is read back by GTKWave's vcd2fst.
    /// </summary>
    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    public void PipelineSignals_FollowTheCoresTiming(int waitStates)
    {
        string elf = Path.Combine(Socsim.RepoRoot, "tests", "assets", "cortex-m", "timer_irq_m3.elf");
        string tmp = Path.Combine(Path.GetTempPath(), $"socsim-m3-pipe-{Environment.ProcessId}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(tmp);
        try
        {
            string vcd = Path.Combine(tmp, "p.vcd"), trace = Path.Combine(tmp, "t.txt"), slow = Path.Combine(tmp, "slow.json");
            File.WriteAllText(slow, "{ \"memory\": { \"ssram1\": { \"base\": \"0x00000000\", \"size\": \"4MiB\", \"kind\": \"RAM\", \"busWidth\": 32, " +
                $"\"waitStates\": {{ \"readN\": {waitStates}, \"readS\": {waitStates}, \"writeN\": 0, \"writeS\": 0 }} }} }} }}");
            var r = Socsim.Run("run", "--board", "mps2-an385", "--board", slow, elf, "--semihosting", "--max-time", "2600us",
                "--trace-instr", trace, "--vcd", vcd, "--signals", "cpu.pipe.*,cpu.exception");
            Assert.True(r.ExitCode == 124, r.Stderr);
            var f = VcdReader.Read(vcd);
            long Cycle(long time) => f.ToFs(time) / FsPerCycle;
            var execute = f.Get("cpu.pipe.execute").Changes;
            var opcode = f.Get("cpu.pipe.opcode").Changes;
            var t32 = f.Get("cpu.pipe.T32").Changes;
            var stall = f.Get("cpu.pipe.stall").Changes;
            var exc = f.Get("cpu.pipe.exc").Changes;
            long Stall(long cycle)
            {
                long n = 0;
                while (Value(ValueAt(stall, cycle + n, Cycle)) == 1) n++;
                return n;
            }

            var lines = ReadTrace(trace);
            var instructions = lines.Where(l => l.Pc != null).ToList();
            Assert.True(instructions.Count > 1000, $"{instructions.Count} instructions traced");
            long stalled = 0;
            for (int i = 0; i + 1 < instructions.Count; i++)
            {
                var (a, b) = (instructions[i], instructions[i + 1]);
                long start = a.Cycle + Stall(a.Cycle), next = b.Cycle + Stall(b.Cycle);
                stalled += start - a.Cycle;
                Assert.True(start - a.Cycle < a.Cycles || a.Cycles == 0, $"the stall at {a.Cycle} outlasts its step");
                if (next == start) continue;       // a folded IT: no cycle of its own
                Assert.Equal(a.Pc!.Value, Value(ValueAt(execute, start, Cycle)));
                Assert.Equal(a.Opcode, Value(ValueAt(opcode, start, Cycle)));
                Assert.Equal(a.Opcode > 0xFFFF ? 1UL : 0, Value(ValueAt(t32, start, Cycle)));
                // Held, unchanged, until the next instruction begins: the cycles between the two starts.
                Assert.Equal(a.Pc.Value, Value(ValueAt(execute, next - 1, Cycle)));
                if (b.Pc != a.Pc) Assert.Equal(b.Pc!.Value, Value(ValueAt(execute, next, Cycle)));
            }
            if (waitStates == 0) Assert.Equal(0, stalled);
            else
            {
                Assert.Equal(waitStates, Stall(0));
                Assert.True(stalled > waitStates, $"{stalled} stall cycles");
            }

            // Each exception entry: exc 1 for the 12 cycles before the handler's first step, plus the vector read's
            // wait states (the table is in SSRAM1), 0 before them.
            var entries = lines.Where(l => l.EntryOf == 24).ToList();
            Assert.Equal(2, entries.Count);
            foreach (var e in entries)
            {
                long handler = e.Cycle + e.Cycles, entry = 12 + waitStates;
                Assert.Equal(0UL, Value(ValueAt(exc, handler - entry - 1, Cycle)));
                for (long c = handler - entry; c < handler; c++) Assert.Equal(1UL, Value(ValueAt(exc, c, Cycle)));
                Assert.Equal(0UL, Value(ValueAt(exc, handler, Cycle)));
                Assert.Equal(24UL, Value(ValueAt(f.Get("cpu.exception").Changes, handler, Cycle)));
            }
            // Each return (the handler's BX LR, 0x4770): exc 2 for the step's last 10 cycles.
            var returns = instructions.Where(l => l.Opcode == 0x4770 && Value(ValueAt(f.Get("cpu.exception").Changes, l.Cycle, Cycle)) == 24).ToList();
            Assert.Equal(2, returns.Count);
            foreach (var x in returns)
            {
                long end = x.Cycle + x.Cycles;
                Assert.Equal(0UL, Value(ValueAt(exc, end - 11, Cycle)));
                for (long c = end - 10; c < end; c++) Assert.Equal(2UL, Value(ValueAt(exc, c, Cycle)));
            }

            // GTKWave's converter reads the file.
            PackagesFixture.Run("/usr/bin/vcd2fst", tmp, [vcd, vcd + ".fst"], null);
            Assert.True(new FileInfo(vcd + ".fst").Length > 0);
        }
        finally { Directory.Delete(tmp, true); }
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
