using SocSim.Arm;
using SocSim.Core;
using SocSim.Tests;
using SocSim.Core.Cores;

namespace SocSim.Rtl.Tests;

/// <summary>firmware/elf/rtl/rtl_timer.elf on versatilepb + boards/rtl/timer.json (pulp-platform apb_timer as RTL).</summary>
public class RtlTimerFirmwareTests
{
    private const uint CtrlAddress = 0x10101004;
    private const int Cmp = 999;

    private static Machine Create()
    {
        var m = Machine.Create([RtlTestBoards.Default, Path.Combine(RepoPaths.Root, "boards", "rtl", "timer.json")]);
        m.LoadElf(Path.Combine(RepoPaths.Root, "firmware", "elf", "rtl", "rtl_timer.elf"));
        return m;
    }

    private sealed class Recorder : IExecutionHook, IBusObserver
    {
        public long EnableWriteCycle = -1;
        public readonly List<long> Ends = new();
        public readonly List<long> VectorStarts = new();

        public bool BeforeInstruction(ICore cpu, uint pc, uint opcode)
        {
            if (pc == 0x18) VectorStarts.Add(cpu.Cycles);
            return false;
        }

        public void AfterInstruction(ICore cpu) => Ends.Add(cpu.Cycles);

        public void OnBusCycle(in BusCycle c)
        {
            if (c.Address == CtrlAddress && (c.Flags & AccessFlags.Write) != 0 && c.Data == 1 && EnableWriteCycle < 0) EnableWriteCycle = c.Cycle;
        }
    }

    [Fact]
    public void Prints_five_ticks_and_exits()
    {
        using var m = Create();
        var r = m.Run(50_000_000);
        Assert.Equal(StopReason.Exit, r.Reason);
        Assert.Equal(0, r.ExitCode);
        Assert.Equal("rtl_timer: apb_timer RTL @0x10101000, VIC line 21, period 1000 us\ntick 1\ntick 2\ntick 3\ntick 4\ntick 5\nrtl_timer done: 5 ticks, CMP 999\n", m.UartOutput("uart0"));
    }

    [Fact]
    public void The_first_interrupt_entry_is_at_the_exact_cycle_the_RTL_predicts()
    {
        using var m = Create();
        var rec = new Recorder();
        m.AddHook(rec);
        m.AddBusObserver(rec);
        m.Run(6_000_000);
        Assert.True(rec.EnableWriteCycle >= 0 && rec.VectorStarts.Count >= 2);
        var timclk = m.Clocks["TIMCLK"];
        // The enabling write's setup phase starts after the first TIMCLK edge E0 at or after the access;
        // CTRL is written at the edge E0+2 that ends the transfer. TIMER counts 1, 2... on the following
        // edges, equals CMP after edge E0+2+CMP, and the wrapper latches the compare pulse at the next edge.
        long e0 = timclk.EdgeAtOrAfter(m.Scheduler.TimeOfCycle(rec.EnableWriteCycle));
        long rise = m.Scheduler.CycleAtOrAfter(timclk.TimeOfEdge(e0 + 2 + Cmp + 1));
        // The core takes it at the first instruction boundary at or after the rise; the entry is 5 clocks.
        long boundary = rec.Ends.First(e => e >= rise);
        Assert.Equal(boundary + 5, rec.VectorStarts[0]);
        Assert.Equal(264_105, rec.VectorStarts[0]);
        // Then every 1000 TIMCLK cycles (1 ms = 50,000 CPU cycles), give or take the instruction boundary.
        Assert.InRange(rec.VectorStarts[1] - rec.VectorStarts[0], 50_000 - 10, 50_000 + 10);
    }
}
