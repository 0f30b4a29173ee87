using Snapshooter.Xunit;
using SocSim;
using SocSim.Trace.Timing;

namespace FirmwareTestsProject;

/// <summary>
/// Firmware tests on a simulated ARM7TDMI board. Every figure is a count of CPU clock cycles, so it
/// is exact and repeatable: assert it, or snapshot it and review every change.
/// </summary>
public class FirmwareTests
{
    private static string Here(string path) => Path.Combine(AppContext.BaseDirectory, path);

    /// <summary>The default board (ARM Versatile/PB, ARM7TDMI at 50 MHz) with <paramref name="sets"/> overrides, firmware loaded.</summary>
    private static Machine Load(params string[] sets)
    {
        var m = Machine.Create([Here("boards/versatilepb.json")], sets);
        m.LoadElf(Here("firmware/timer_irq.elf"));
        return m;
    }

    [Fact]
    public void PrintsFiveTicksAndExitsWithinItsCycleBudget()
    {
        using var m = Load();
        var result = m.Run(maxCycles: 2_000_000);
        Assert.Equal(StopReason.Exit, result.Reason);
        Assert.Equal(0, result.ExitCode);
        string uart = m.UartOutput("uart0");
        Assert.StartsWith("timer_irq: SP804 @0x101E2000", uart);
        Assert.Contains("tick 5\n", uart);
        Assert.InRange(result.Cycles, 1, 700_000);          // the budget: 14 ms at 50 MHz
    }

    [Fact]
    public void TimerIsrStartsWithin60CyclesOfItsInterrupt()
    {
        using var m = Load();
        var latency = new InterruptLatencyProbe(m);
        m.Run(maxCycles: 2_000_000);
        var isr = latency["vic.4"]!.ToIsr;
        Assert.Equal(5, isr.Count);
        Assert.True(isr.Max <= 60, $"worst ISR latency {isr.Max} cycles");
    }

    [Fact]
    public void TheIsrItselfTakesAtMost50Cycles()
    {
        using var m = Load();
        m.RunUntil("timer0_isr");                 // stops before the ISR's first instruction
        long start = m.Cycles;
        m.RunUntilReturn();
        Assert.InRange(m.Cycles - start, 1, 50);
    }

    /// <summary>
    /// The whole run as a snapshot (__snapshots__/FirmwareTests.WholeRunMatchesTheSnapshot.snap): any
    /// change of timing or output fails it; Snapshooter writes the new result to __snapshots__/__mismatch__/
    /// for review. Delete the .snap file to accept a new baseline.
    /// </summary>
    [Fact]
    public void WholeRunMatchesTheSnapshot()
    {
        using var m = Load();
        var latency = new InterruptLatencyProbe(m);
        var r = m.Run(maxCycles: 2_000_000);
        Snapshot.Match(new
        {
            Uart = m.UartOutput("uart0"),
            Reason = r.Reason.ToString(),
            r.ExitCode,
            r.Cycles,
            r.Instructions,
            m.SimulatedNanoseconds,
            Latency = latency.Results.Select(l => l.ToString()).ToArray(),
        });
    }
}
