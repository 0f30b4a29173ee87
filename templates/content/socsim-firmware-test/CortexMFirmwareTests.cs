using SocSim;
using SocSim.Trace.Timing;

namespace FirmwareTestsProject;

/// <summary>
/// The same kind of tests on a Cortex-M board: ARM's MPS2 with the AN385 image (Cortex-M3 at 25 MHz, 40 ns a
/// cycle), firmware/timer_irq_m3.elf (CMSDK timer 0 every 1 ms on NVIC line 8, five ticks on UART0, exit through
/// semihosting). Every figure is a count of CPU clock cycles.
/// </summary>
public class CortexMFirmwareTests
{
    private static string Here(string path) => Path.Combine(AppContext.BaseDirectory, path);

    /// <summary>The MPS2 AN385 board with <paramref name="sets"/> overrides, semihosting on (the firmware exits through BKPT 0xAB), firmware loaded.</summary>
    private static Machine Load(params string[] sets)
    {
        var m = Machine.Create([Here("boards/mps2-an385.json")], sets, new MachineOptions { ForceSemihosting = true });
        m.LoadElf(Here("firmware/timer_irq_m3.elf"));
        return m;
    }

    // The budgets, in CPU clock cycles of the board's 25 MHz Cortex-M3 (40 ns each). Change them here.
    private const long RunBudgetCycles = 150_000;         // 6 ms: five 1 ms ticks and the UART output
    private const long IsrLatencyBudgetCycles = 12;       // timer interrupt to the handler: the M3's exception entry
    private const long IsrBudgetCycles = 30;              // the handler's first instruction to its return

    [Fact]
    public void CortexM_PrintsFiveTicksAndExitsWithinItsCycleBudget()
    {
        using var m = Load();
        var result = m.Run(maxCycles: 2_000_000);
        Assert.Equal(StopReason.Exit, result.Reason);
        Assert.Equal(0, result.ExitCode);
        string uart = m.UartOutput("uart0");
        Assert.StartsWith("timer_irq_m3: CMSDK timer0 @0x40000000", uart);
        Assert.Contains("tick 5\n", uart);
        Assert.True(result.Cycles <= RunBudgetCycles,
            $"the run took {result.Cycles} cycles ({m.SimulatedNanoseconds} ns), over its budget of {RunBudgetCycles} cycles");
    }

    [Fact]
    public void CortexM_TimerHandlerStartsWithinItsLatencyBudget()
    {
        using var m = Load();
        var latency = new InterruptLatencyProbe(m);
        m.Run(maxCycles: 2_000_000);
        // On an M-profile core the vector is the handler (timer0_isr): its first instruction follows the entry.
        var entry = latency["cpu.irq8"]!.ToVector;
        Assert.Equal(5, entry.Count);
        Assert.True(entry.Max <= IsrLatencyBudgetCycles,
            $"the worst timer interrupt reached timer0_isr after {entry.Max} cycles (min {entry.Min}, mean {entry.Mean:F1}), over its budget of {IsrLatencyBudgetCycles} cycles");
    }

    [Fact]
    public void CortexM_TheHandlerItselfStaysWithinItsCycleBudget()
    {
        using var m = Load();
        m.RunUntil("timer0_isr");                 // stops before the handler's first instruction
        long start = m.Cycles;
        m.RunUntilReturn();                       // to the address stacked in its exception frame (EXC_RETURN)
        long cycles = m.Cycles - start;
        Assert.True(cycles > 0 && cycles <= IsrBudgetCycles,
            $"timer0_isr took {cycles} cycles from its first instruction to its return, budget 1 to {IsrBudgetCycles} cycles");
    }
}
