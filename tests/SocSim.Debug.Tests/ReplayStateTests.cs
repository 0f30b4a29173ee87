using SocSim.Boards;

namespace SocSim.Debug.Tests;

/// <summary>
/// Re-execution reproduces the run exactly, on every core: the forward run goes in slices that end at a
/// cycle or at a stop before the interrupt handler's first instruction (a hook's stop, as the GDB stub's
/// breakpoints stop), and the whole SoC's checkpoint (<see cref="Machine.SaveState(Stream)"/>) is taken at
/// each of those points; then <see cref="ReverseHistory.GoTo"/> goes back to each point, from a checkpoint
/// taken at some of them (or the start), re-executing without the hook (on the Cortex-M the block engine
/// runs there), and the checkpoint taken there must be the same bytes. A state a checkpoint loses, or one
/// that depends on how the run got there (a hook's stop, a run limit, a block), shows as a difference.
/// </summary>
public sealed class ReplayStateTests
{
    // Board, firmware, handler, slice and points: versatilepb's saves scan 128 MiB, so fewer, longer slices there.
    public static TheoryData<string, string, string, long, int> Cores => new()
    {
        { "versatilepb", Paths.Elf("timer_irq.elf"), "irq_handler", 30_011, 16 },
        { "versatilepb-arm926", Paths.Elf("timer_irq.elf"), "irq_handler", 100_003, 16 },
        { "mps2-an385", Paths.Mps2Blinky, "xPortSysTickHandler", 7_001, 40 },
        { "mps2-an386", Paths.Mps2Blinky, "xPortSysTickHandler", 7_001, 40 },
        { "mps2-an383", "systick_wfi", "systick", 1_001, 40 },
        { "mps2-an385", "systick_wfi", "systick", 1_001, 40 },
    };

    private static byte[] Checkpoint(Machine m)
    {
        var ms = new MemoryStream();
        m.SaveState(ms);
        return ms.ToArray();
    }

    [Theory(Timeout = Deadline.Ms)]
    [MemberData(nameof(Cores))]
    public async Task GoTo_GivesTheStraightRunsStateByteForByte(string board, string elf, string symbol, long slice, int count)
    {
        await Task.Yield();
        if (elf == "systick_wfi") elf = ThumbFirmware.SysTickWfi;
        using var m = Machine.Create([Paths.BoardFile(board)], [], new MachineOptions());
        m.LoadElf(elf);
        uint at = m.Symbol(symbol) & ~1u;
        // Checkpoints at every third point only: most points are reached by re-execution.
        int n = 0;
        var h = new ReverseHistory(m, 1L << 30) { Placement = _ => n++ % 3 == 2 };
        h.Begin();
        var points = new List<(HistoryPosition Position, byte[] State, bool Hit)>();
        for (int i = 0; i < count; i++)
        {
            var r = m.RunUntil(at, m.Scheduler.Cycles + slice);
            Assert.True(r.Reason is StopReason.Stopped or StopReason.CycleLimit, $"{r.Reason}: {r.Fault}");
            h.RanForward();
            points.Add((h.Position, Checkpoint(m), m.Core.Pc == at));
        }
        Assert.True(points.Count(p => p.Hit) >= 2, $"the run should enter {symbol} at least twice");
        Assert.True(h.Count > 5, $"{h.Count} checkpoints");
        var differ = new List<string>();
        for (int i = points.Count - 1; i >= 0; i--)
        {
            h.GoTo(points[i].Position);
            Assert.Equal(points[i].Position, h.Position);
            if (!Checkpoint(m).AsSpan().SequenceEqual(points[i].State))
                differ.Add($"point {i} at {points[i].Position}{(points[i].Hit ? " (a stop at " + symbol + ")" : "")}");
        }
        Assert.True(differ.Count == 0, "re-executed state differs from the forward run's at:\n" + string.Join("\n", differ));
    }
}
