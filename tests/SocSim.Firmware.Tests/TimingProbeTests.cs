using SocSim.Arm;
using SocSim.Core;
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
}
