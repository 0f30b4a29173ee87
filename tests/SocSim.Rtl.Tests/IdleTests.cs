using SocSim.Tests;

namespace SocSim.Rtl.Tests;

/// <summary>A block at a fixed point stops being clocked; that must change nothing.</summary>
public class IdleTests
{
    private static readonly string[] UartBoards = [RtlTestBoards.Default, Path.Combine(RepoPaths.Root, "boards", "rtl", "uart.json")];

    private static (RunResult Result, string Output, List<(string, long, bool)> Edges, long EdgesRun) RunUart(bool idleSkip, bool runAhead = true, string elf = "rtl_uart.elf") =>
        RunUart(idleSkip, runAhead, elf, out _);

    private static (RunResult Result, string Output, List<(string, long, bool)> Edges, long EdgesRun) RunUart(bool idleSkip, bool runAhead, string elf, out long rollbacks)
    {
        using var m = Machine.Create(UartBoards, [$"peripherals.uartx.parameters.idleSkip={(idleSkip ? "true" : "false")}", $"peripherals.uartx.parameters.runAhead={(runAhead ? "true" : "false")}"]);
        m.LoadElf(Path.Combine(RepoPaths.Root, "firmware", "elf", "rtl", elf));
        var dev = m.Device<RtlPeripheral>("uartx");
        var edges = new List<(string, long, bool)>();
        foreach (var line in new[] { "IRQ", "TXD" })
            dev.Output(line).Subscribe(l => edges.Add((line, m.Scheduler.EventTime, l)));
        var r = m.Run(20_000_000);
        rollbacks = dev.Rollbacks;
        return (r, m.UartOutput("uart0"), edges, dev.EdgesRun);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Running_ahead_of_the_CPU_is_exact(bool idleSkip)
    {
        var ahead = RunUart(idleSkip, true, "rtl_uart.elf", out long rollbacks);
        var inStep = RunUart(idleSkip, false, "rtl_uart.elf", out long none);
        Assert.Equal(StopReason.Exit, ahead.Result.Reason);
        Assert.Equal(inStep.Result, ahead.Result);
        Assert.Equal(inStep.Output, ahead.Output);
        Assert.Equal(inStep.Edges, ahead.Edges);
        // The firmware polls the UART and the TXD loopback drives RXD: batches are cut short often (93
        // and 100 times since a batch is sized on the whole gap between accesses; 100s before).
        Assert.True(rollbacks > 50, $"{rollbacks} rollbacks");
        Assert.Equal(0, none);
    }

    /// <summary>
    /// rtl_uart_busy.elf keeps the UART transmitting with TXD looped to RXD while the CPU polls LSR every
    /// 17 cycles: an access often catches the block up over an edge where TXD changes. The loopback is a
    /// wire, so RXD must follow TXD at that edge in both modes (before the fix, edge by edge applied it
    /// after the access: 8,822,712 cycles against 8,822,695 running ahead).
    /// </summary>
    [Fact]
    public void A_loopback_follows_its_output_at_the_same_edge_in_both_modes()
    {
        var ahead = RunUart(true, true, "rtl_uart_busy.elf", out long rollbacks);
        var inStep = RunUart(true, false, "rtl_uart_busy.elf", out _);
        Assert.Equal(StopReason.Exit, ahead.Result.Reason);
        Assert.Equal(0, ahead.Result.ExitCode);
        Assert.Contains("rtl_uart_busy: received 2000 ok", ahead.Output);
        Assert.Equal(8_822_695, ahead.Result.Cycles);
        Assert.Equal(inStep.Result, ahead.Result);
        Assert.Equal(inStep.Output, ahead.Output);
        Assert.Equal(inStep.Edges, ahead.Edges); // the UART's TXD and IRQ pins, edge for edge
        Assert.True(ahead.Edges.Count > 10_000, $"{ahead.Edges.Count} TXD/IRQ edges");
        Assert.True(rollbacks > 1000, $"{rollbacks} rollbacks");
        // One batch per gap between accesses, sized on the last gap: about one edge clocked per CPU
        // cycle (it was 1.43 when a second batch from a new snapshot overshot every gap).
        Assert.True(ahead.EdgesRun < ahead.Result.Cycles * 21 / 20, $"{ahead.EdgesRun} edges clocked for {ahead.Result.Cycles} cycles");
    }

    [Fact]
    public void Skipping_idle_edges_is_exact()
    {
        var skip = RunUart(idleSkip: true);
        var every = RunUart(idleSkip: false);
        Assert.Equal(StopReason.Exit, skip.Result.Reason);
        Assert.Equal(every.Result, skip.Result);
        Assert.Equal(every.Output, skip.Output);
        Assert.Equal(every.Edges, skip.Edges);
        Assert.True(skip.Edges.Count > 50, $"the TXD line should toggle bit by bit ({skip.Edges.Count} edges)");
        // Clocking every edge runs one per CPU cycle; skipping runs far fewer.
        Assert.True(every.EdgesRun >= every.Result.Cycles - 10);
        Assert.True(skip.EdgesRun < every.EdgesRun);
    }

    [Fact]
    public void An_idle_UART_is_not_clocked_while_firmware_runs_elsewhere()
    {
        using var m = Machine.Create(UartBoards);
        m.LoadElf(Path.Combine(RepoPaths.Root, "firmware", "elf", "bench_small.elf"));
        var dev = m.Device<RtlPeripheral>("uartx");
        var r = m.Run(50_000_000);
        Assert.Equal(StopReason.Exit, r.Reason);
        Assert.True(dev.IsIdle);
        Assert.InRange(dev.EdgesRun, 1, 100);
    }
}
