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

    // The budgets, in CPU clock cycles of the board's 50 MHz ARM7TDMI (20 ns each). Change them here.
    private const long RunBudgetCycles = 700_000;         // 14 ms: five 1 ms ticks and the UART output
    private const long IsrLatencyBudgetCycles = 60;       // timer interrupt to the ISR's first instruction
    private const long IsrBudgetCycles = 50;              // the ISR's first instruction to its return

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
        Assert.True(result.Cycles <= RunBudgetCycles,
            $"the run took {result.Cycles} cycles ({m.SimulatedNanoseconds} ns), over its budget of {RunBudgetCycles} cycles");
    }

    [Fact]
    public void TimerIsrStartsWithinItsLatencyBudget()
    {
        using var m = Load();
        var latency = new InterruptLatencyProbe(m);
        m.Run(maxCycles: 2_000_000);
        var isr = latency["vic.4"]!.ToIsr;
        Assert.Equal(5, isr.Count);
        Assert.True(isr.Max <= IsrLatencyBudgetCycles,
            $"the worst timer interrupt reached timer0_isr after {isr.Max} cycles (min {isr.Min}, mean {isr.Mean:F1}), over its budget of {IsrLatencyBudgetCycles} cycles");
    }

    [Fact]
    public void TheIsrItselfStaysWithinItsCycleBudget()
    {
        using var m = Load();
        m.RunUntil("timer0_isr");                 // stops before the ISR's first instruction
        long start = m.Cycles;
        m.RunUntilReturn();
        long cycles = m.Cycles - start;
        Assert.True(cycles > 0 && cycles <= IsrBudgetCycles,
            $"timer0_isr took {cycles} cycles from its first instruction to its return, budget 1 to {IsrBudgetCycles} cycles");
    }

    /// <summary>
    /// The whole run as a snapshot (__snapshots__/FirmwareTests.WholeRunMatchesTheSnapshot.snap): any
    /// change of timing or output fails it, and Snapshooter writes the new result to
    /// __snapshots__/__mismatch__/ for review: copy it over the .snap file to accept it as the new baseline.
    /// </summary>
    [Fact]
    public void WholeRunMatchesTheSnapshot()
    {
        using var m = Load();
        var latency = new InterruptLatencyProbe(m);
        var r = m.Run(maxCycles: 2_000_000);
        var run = new
        {
            Uart = m.UartOutput("uart0"),
            Reason = r.Reason.ToString(),
            r.ExitCode,
            r.Cycles,
            r.Instructions,
            m.SimulatedNanoseconds,
            Latency = latency.Results.Select(l => l.ToString()).ToArray(),
        };
        try
        {
            Snapshot.Match(run);
        }
        catch (Xunit.Sdk.XunitException e)   // Snapshooter.Xunit reports a difference as an xunit assertion
        {
            const string name = "FirmwareTests.WholeRunMatchesTheSnapshot.snap";
            throw new Xunit.Sdk.XunitException(
                $"the run differs from __snapshots__/{name}: this run is in __snapshots__/__mismatch__/{name} " +
                $"(diff the two; copy it over the .snap to accept it)\n{e.Message}");
        }
    }
}
