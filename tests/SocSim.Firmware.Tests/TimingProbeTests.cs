using SocSim.Arm;
using SocSim.Arm.Translation;
using SocSim.Core;
using SocSim.Core.Cores;
using SocSim.Tests;
using SocSim.Trace.Timing;

namespace SocSim.Firmware.Tests;

/// <summary>Breakpoints with counts, FROM:TO measurement and interrupt latency.</summary>
public class TimingProbeTests
{
    [Fact]
    public void Breakpoints_StopAtTheNthHit_AndCountEveryPoint()
    {
        using var m = Repo.Load("timer_irq");
        var bp = new Breakpoints([new Breakpoint("puts0", m.Symbol("puts0"), 3), new Breakpoint("timer0_isr", m.Symbol("timer0_isr"), 99)]);
        m.AddHook(bp);
        var r = m.Run(10_000_000);
        Assert.Equal(StopReason.Stopped, r.Reason);
        Assert.Equal("puts0", bp.Hit!.Breakpoint.Label);
        Assert.Equal(m.Symbol("puts0"), m.Cpu.Pc);
        Assert.Equal(3, bp.Hits[0]);
        Assert.Equal(2, bp.Hits[1]);
        Assert.Equal(r.Cycles, bp.Hit.Cycle);
        Assert.Throws<ArgumentException>(() => new Breakpoints([new Breakpoint("x", 0, 0)]));
    }

    [Fact]
    public void Measure_IsrDuration_AndTickPeriod()
    {
        using var m = Repo.Load("timer_irq");
        // From the ISR's entry to the instruction after its call in irq_handler.
        var isr = new MeasureProbe("isr", m.Symbol("timer0_isr"), m.Symbol("irq_handler") + 0x28);
        var period = new MeasureProbe("period", m.Symbol("timer0_isr"), m.Symbol("timer0_isr"));
        m.AddHook(isr);
        m.AddHook(period);
        m.Run(10_000_000);
        Assert.Equal(new CycleStats(5, 40, 40, 40), isr.Stats);
        Assert.Equal(4, period.Stats.Count);
        Assert.Equal(50_000, period.Stats.Mean, 0.5);
        Assert.InRange(period.Stats.Min, 49_990, 50_000);
        Assert.InRange(period.Stats.Max, 50_000, 50_010);
        Assert.Equal("count=5 min=40 max=40 mean=40.0", isr.Stats.ToString());
    }

    [Fact]
    public void Measure_NoPass_ReportsZero()
    {
        using var m = Repo.Load("hello");
        var p = new MeasureProbe("never", 0x0300_0000, m.Symbol("main"));
        m.AddHook(p);
        m.Run(10_000_000);
        Assert.Equal("count=0", p.Stats.ToString());
    }

    [Fact]
    public void Latency_TimerDemo()
    {
        using var m = Repo.Load("timer_irq");
        var probe = new InterruptLatencyProbe(m);
        m.Run(10_000_000);
        var vic4 = probe["vic.4"]!;
        Assert.Equal("timer0.TIMINTC", vic4.Source);
        Assert.Equal(5, vic4.ToIsr.Count);
        Assert.Equal(5, vic4.ToVector.Count);
        Assert.Equal(0, vic4.Unserved);
        // Entry (5 cycles at 2 wait states) is the floor; the ISR is 50 cycles after the vector.
        Assert.Equal(5, vic4.ToVector.Min);
        Assert.Equal(vic4.ToVector.Min + 50, vic4.ToIsr.Min);
        Assert.Equal(vic4.ToVector.Max + 50, vic4.ToIsr.Max);
        var nirq = probe["cpu.nIRQ"]!;
        Assert.Null(nirq.Isr);
        Assert.Equal(5, nirq.ToVector.Count);
        Assert.Matches(@"^irq_latency vic\.4 \(timer0\.TIMINTC\) to_isr timer0_isr: count=5 min=55 \(1\.10 us\) max=\d+ \([\d.]+ [un]s\) mean=[\d.]+ \([\d.]+ [un]s\) to_vector: count=5 min=5 \(100\.00 ns\) max=\d+ \([\d.]+ [un]s\) mean=[\d.]+ \([\d.]+ [un]s\) unserved=0$", vic4.ToString());
    }

    /// <summary>
    /// FreeRTOS's demo raises the PLL's lock input of the VIC and never enables it: the probe waits
    /// for that line's vector without an execution hook (an IRQ entry for the timer does not count
    /// for it), so the run stays translated, and every line's latencies are the interpreter's.
    /// </summary>
    [Fact]
    public void Latency_LineNeverEnabled_DoesNotHookTheRun()
    {
        string elf = Path.GetFullPath(Path.Combine(RepoPaths.Root, "..", "shared", "freertos", "elf", "rtosdemo-arm.elf"));
        (List<string> Lines, long Translated, long Instructions) Measure(ExecutionEngine engine)
        {
            using var m = Machine.Create([Repo.Board("lpc2106")], [], new MachineOptions { Warnings = TextWriter.Null, Engine = engine, TranslateInBackground = false });
            m.LoadElf(elf);
            var probe = new InterruptLatencyProbe(m);
            m.SetTimeLimit(TimeSpan.FromMilliseconds(100));
            var r = m.Run();
            Assert.Equal(StopReason.TimeLimit, r.Reason);
            Assert.Equal(0, probe.Results.Single(l => l.Source == "scb.PLL").ToVector.Count);
            Assert.True(probe.Results.Single(l => l.Source == "timer0.INT").ToIsr.Count > 30);
            return (probe.Results.Select(l => l.ToString()).ToList(), m.Cpu.Translator?.TranslatedInstructions ?? 0, r.Instructions);
        }
        var interpreted = Measure(ExecutionEngine.Interpret);
        var translated = Measure(ExecutionEngine.Translate);
        Assert.Equal(interpreted.Lines, translated.Lines);
        Assert.True(translated.Translated > translated.Instructions / 4, $"{translated.Translated} of {translated.Instructions} translated");
    }

    [Fact]
    public void Latency_GrowsWithWaitStates()
    {
        long Min(params string[] boards)
        {
            using var m = Repo.Load("timer_irq", boards, []);
            var probe = new InterruptLatencyProbe(m);
            m.Run(10_000_000);
            return probe["vic.4"]!.ToIsr.Min;
        }
        Assert.True(Min(Repo.Board(), Repo.Override("slow-ram")) > Min(Repo.Board()));
    }

    [Fact]
    public void Latency_UartEcho_ReceiveInterrupts()
    {
        using var m = Repo.Load("uart_echo");
        var probe = new InterruptLatencyProbe(m);
        Assert.Equal(0, m.Run(50_000_000).ExitCode);
        var vic12 = probe["vic.12"]!;
        Assert.Equal("uart0_isr", vic12.Isr);
        Assert.True(vic12.ToIsr.Count > 10);
        Assert.Null(probe["vic.4"]);
    }
    /// <summary>
    /// irq_bench.elf to its exit: the probe waits for the handler through the core's address watch, not a
    /// hook, so under the translator no boundary is stepped for it (no <c>interrupt</c> fallback, the
    /// vector's LDR PC translated: 347,439 <c>ldr_pc</c> fallbacks with the hook) and the handler's first
    /// instruction is not stepped either (the watch's action made before entering its region); the figures are the interpreter's and,
    /// byte for byte, the hook's (the expected lines: `socsim run --stats` at 62b34b0, before the watch).
    /// </summary>
    [Fact]
    public void Latency_IrqBench_WatchedNotHooked_SameLinesAsBefore()
    {
        string[] before =
        [
            "irq_latency cpu.nIRQ (vic.IRQ) to_vector: count=347438 min=5 (100.00 ns) max=153 (3.06 us) mean=6.7 (134.31 ns) unserved=0",
            "irq_latency vic.4 (timer0.TIMINTC) to_isr timer_isr: count=347438 min=55 (1.10 us) max=203 (4.06 us) mean=56.7 (1.13 us) to_vector: count=347438 min=5 (100.00 ns) max=153 (3.06 us) mean=6.7 (134.31 ns) unserved=0",
        ];
        long watched = 0;
        (List<string> Lines, BlockTranslator? T) Measure(ExecutionEngine engine)
        {
            using var m = Machine.Create([Repo.Board()], [], new MachineOptions { Warnings = TextWriter.Null, Engine = engine, TranslateInBackground = false });
            m.LoadElf(Repo.Elf("irq_bench"));
            var probe = new InterruptLatencyProbe(m);
            Assert.Equal(0, m.Run(400_000_000).ExitCode);
            probe.Stop();
            watched = m.Cpu.WatchedEntries;
            return (probe.Results.Select(l => l.ToString()).ToList(), m.Cpu.Translator);
        }
        Assert.Equal(before, Measure(ExecutionEngine.Interpret).Lines);
        var (lines, t) = Measure(ExecutionEngine.Translate);
        Assert.Equal(before, lines);
        Assert.Equal(0, t!.Fallback[FallbackClass.Interrupt]);
        Assert.InRange(t.Fallback[FallbackClass.LdrPc], 0, 20_000);
        // The handler's first instruction starts a region that reaches it only there: the watch's action is
        // made before entering it (ArmCpu.WatchedEntries), nothing stepped for the watch.
        Assert.Equal(0, t.Fallback[FallbackClass.Watch]);
        Assert.InRange(watched, 300_000, 347_438);
    }

    /// <summary>FreeRTOS's LPC2106 demo, 10 s simulated: the same lines from both engines as from the hook-based probe (62b34b0).</summary>
    [Fact]
    public void Latency_FreeRtos10s_SameLinesAsBefore()
    {
        string[] before =
        [
            "irq_latency cpu.nIRQ (scb.nIRQ) to_vector: count=12938 min=5 (84.77 ns) max=41008 (695.26 us) mean=17.5 (297.44 ns) unserved=0",
            "irq_latency vic.4 (timer0.INT) to_isr vTickISR: count=9937 min=12 (203.45 ns) max=239 (4.05 us) mean=18.8 (318.92 ns) to_vector: count=9937 min=5 (84.77 ns) max=232 (3.93 us) mean=11.8 (200.24 ns) unserved=0",
            "irq_latency vic.6 (uart0.INT) to_isr vUART_ISR_Wrapper: count=3001 min=12 (203.45 ns) max=41015 (695.38 us) mean=44.3 (750.41 ns) to_vector: count=3001 min=5 (84.77 ns) max=41008 (695.26 us) mean=37.3 (631.73 ns) unserved=0",
            "irq_latency vic.12 (scb.PLL) never served: rises=1 unserved=0",
        ];
        string elf = Path.GetFullPath(Path.Combine(RepoPaths.Root, "..", "shared", "freertos", "elf", "rtosdemo-arm.elf"));
        foreach (var engine in new[] { ExecutionEngine.Interpret, ExecutionEngine.Translate })
        {
            using var m = Machine.Create([Repo.Board("lpc2106")], [], new MachineOptions { Warnings = TextWriter.Null, Engine = engine });
            m.LoadElf(elf);
            var probe = new InterruptLatencyProbe(m);
            m.SetTimeLimit(TimeSpan.FromSeconds(10));
            Assert.Equal(StopReason.TimeLimit, m.Run().Reason);
            probe.Stop();
            Assert.Equal(before, probe.Results.Select(l => l.ToString()).ToList());
        }
    }

    private sealed class AddressRecorder(HashSet<uint> at) : IExecutionHook
    {
        public readonly List<(uint Pc, long Cycle)> Hits = new();
        public bool BeforeInstruction(ICore cpu, uint pc, uint opcode)
        {
            if (at.Contains(pc)) Hits.Add((pc, cpu.Cycles));
            return false;
        }
        public void AfterInstruction(ICore cpu) { }
    }

    /// <summary>
    /// The core's address watch reports every pass at the cycle a hook sees it, with either engine: addresses
    /// in the middle of hot translated code (a loop of the division routine, the handler after its first
    /// instruction), whose regions the translating run loop then steps instead of entering.
    /// </summary>
    [Fact]
    public void AddressWatch_ReportsEveryPassAsAHookDoes()
    {
        List<(uint, long)> Run(ExecutionEngine engine, bool hook)
        {
            using var m = Machine.Create([Repo.Board()], [], new MachineOptions { Warnings = TextWriter.Null, Engine = engine, TranslateInBackground = false });
            m.LoadElf(Repo.Elf("irq_bench"));
            uint[] at = [m.Symbol("__aeabi_uidiv") + 0x10, m.Symbol("timer_isr") + 8, m.Symbol("drain_ring") + 4];
            var recorder = new AddressRecorder([.. at]);
            if (hook) m.AddHook(recorder);
            else ((IAddressWatch)m.Core).SetWatch(at, pc => recorder.Hits.Add((pc, m.Core.Cycles)));
            m.Run(20_000_000);
            if (engine == ExecutionEngine.Translate)
            {
                var t = m.Cpu.Translator!;
                Assert.True(t.TranslatedInstructions > m.Core.Instructions / 2, $"{t.TranslatedInstructions} of {m.Core.Instructions} translated");
                Assert.True(t.Fallback[FallbackClass.Watch] > 0);
            }
            return recorder.Hits;
        }
        var expected = Run(ExecutionEngine.Interpret, hook: true);
        Assert.True(expected.Count > 1000, $"{expected.Count} passes");
        Assert.Equal(3, expected.Select(h => h.Item1).Distinct().Count());
        Assert.Equal(expected, Run(ExecutionEngine.Interpret, hook: false));
        Assert.Equal(expected, Run(ExecutionEngine.Translate, hook: false));
    }
}
