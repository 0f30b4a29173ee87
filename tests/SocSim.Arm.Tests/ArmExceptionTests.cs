using SocSim.Core;

namespace SocSim.Arm.Tests;

/// <summary>
/// Exception entry in ARM state (TRM 2.8): IRQ, FIQ, data and prefetch abort, the return sequences,
/// and the fault stop. The conformance data holds none of these (it has no interrupts or aborts).
/// RAM is 64 KiB at 0 with zero wait states; 0x10000 and above is unmapped and aborts.
/// </summary>
public class ArmExceptionTests
{
    private const uint MovR0_1 = 0xE3A00001;   // mov r0, #1
    private const uint AddR0_1 = 0xE2800001;   // add r0, r0, #1
    private const uint SubsPcLr4 = 0xE25EF004; // subs pc, lr, #4

    private static ThumbTestMachine Program(uint at, params uint[] code)
    {
        var m = new ThumbTestMachine();
        m.Write32(at, code);
        return m;
    }

    [Fact]
    public void IrqIsTakenAtTheNextInstructionBoundaryWithTheTrmEntryState()
    {
        using var m = Program(0x100, MovR0_1, AddR0_1, AddR0_1, AddR0_1);
        m.Write32(Vectors.Irq, SubsPcLr4);
        m.Start(0x100, thumb: false, CpuMode.Supervisor, flags: 0x6000_0000, irqFiqDisabled: false);
        m.Step();                                  // mov r0,#1 at 0x100
        uint cpsrBefore = m.Cpu.Cpsr;
        m.Cpu.SetIrq(true);
        long c0 = m.Scheduler.Cycles;
        m.Step();                                  // IRQ entry instead of the add at 0x104
        Assert.Equal(CpuMode.Irq, m.Cpu.Mode);
        Assert.Equal(Vectors.Irq, m.Cpu.Pc);
        Assert.Equal(0x104u + 4, m.Cpu.GetBankedRegister(CpuMode.Irq, 14));   // address not executed + 4
        Assert.Equal(cpsrBefore, m.Cpu.GetSpsr(CpuMode.Irq));
        Assert.NotEqual(0u, m.Cpu.Cpsr & Psr.I);
        Assert.Equal(0u, m.Cpu.Cpsr & Psr.F);                               // IRQ leaves F alone
        Assert.Equal(3, m.Scheduler.Cycles - c0);                          // 2S+1N with zero wait states
        Assert.Equal(1u, m[0]);

        m.Cpu.SetIrq(false);
        m.Step();                                  // subs pc, lr, #4: back to 0x104 in SVC mode
        Assert.Equal(CpuMode.Supervisor, m.Cpu.Mode);
        Assert.Equal(0x104u, m.Cpu.Pc);
        Assert.Equal(cpsrBefore, m.Cpu.Cpsr);
        m.Step();
        Assert.Equal(2u, m[0]);                    // the interrupted add executes after the return
    }

    [Fact]
    public void IrqIsIgnoredWhileIIsSetAndTakenWhenItClears()
    {
        using var m = Program(0x100, AddR0_1, AddR0_1, 0xE121F000 /* msr cpsr_c, r0 */, AddR0_1);
        m.Start(0x100, thumb: false, CpuMode.Supervisor, irqFiqDisabled: true);
        m.Cpu.SetIrq(true);
        m.Step(2);
        Assert.Equal(CpuMode.Supervisor, m.Cpu.Mode);
        m[0] = (uint)CpuMode.Supervisor;           // the msr clears I and F
        m.Step();
        // The boundary after the msr decides with the mask the msr ran under (I set: see the next
        // test), so the add at 0x10C runs and the boundary after it takes the IRQ.
        m.Step();
        Assert.Equal(CpuMode.Supervisor, m.Cpu.Mode);
        Assert.Equal((uint)CpuMode.Supervisor + 1, m[0]);
        m.Step();
        Assert.Equal(CpuMode.Irq, m.Cpu.Mode);
        Assert.Equal(0x110u + 4, m.Cpu.GetBankedRegister(CpuMode.Irq, 14));
    }

    /// <summary>
    /// UM10275 §5.7.1, quoting ARM (ARM7TDMI): an IRQ received during the MSR that disables IRQs is
    /// latched, the MSR completes setting I and F, the IRQ is taken anyway and SPSR_irq holds the CPSR
    /// with I and F set. An IRQ arriving one instruction later is not taken.
    /// </summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void IrqArrivingDuringTheMsrThatDisablesIrqsIsStillTaken_WithSpsrIrqISet(bool duringTheMsr)
    {
        using var m = Program(0x100, 0xE321F0D3 /* msr cpsr_c, #0xD3 (SVC, I, F) */, AddR0_1, AddR0_1, AddR0_1);
        m.Write32(Vectors.Irq, SubsPcLr4);
        m.Start(0x100, thumb: false, CpuMode.Supervisor, flags: 0x2000_0000, irqFiqDisabled: false);
        m.Step();                                  // the msr: the IRQ arrives during it (delivered at its end)
        if (!duringTheMsr) m.Step();               // or during the add after it
        m.Cpu.SetIrq(true);
        m.Step();
        if (!duringTheMsr)
        {
            Assert.Equal(CpuMode.Supervisor, m.Cpu.Mode);
            Assert.Equal(2u, m[0]);
            return;
        }
        Assert.Equal(CpuMode.Irq, m.Cpu.Mode);
        Assert.Equal(0x104u + 4, m.Cpu.GetBankedRegister(CpuMode.Irq, 14));
        Assert.Equal(0x2000_0000u | Psr.I | Psr.F | (uint)CpuMode.Supervisor, m.Cpu.GetSpsr(CpuMode.Irq));
        Assert.NotEqual(0u, m.Cpu.Cpsr & Psr.F);   // F stays set in the handler
        m.Cpu.SetIrq(false);
        m.Step();                                  // subs pc, lr, #4: back with IRQs and FIQs disabled
        Assert.Equal(CpuMode.Supervisor, m.Cpu.Mode);
        Assert.Equal(0x104u, m.Cpu.Pc);
        Assert.Equal(Psr.I | Psr.F, m.Cpu.Cpsr & (Psr.I | Psr.F));
    }

    [Fact]
    public void FiqHasPriorityOverIrqAndBanksR8ToR14()
    {
        using var m = Program(0x100, AddR0_1, AddR0_1);
        m.Start(0x100, thumb: false, CpuMode.Supervisor, irqFiqDisabled: false);
        for (int r = 8; r <= 12; r++) m[r] = (uint)(0x80 + r);
        m.Cpu.SetIrq(true);
        m.Cpu.SetFiq(true);
        m.Step();
        Assert.Equal(CpuMode.Fiq, m.Cpu.Mode);
        Assert.Equal(Vectors.Fiq, m.Cpu.Pc);
        Assert.NotEqual(0u, m.Cpu.Cpsr & Psr.F);
        Assert.NotEqual(0u, m.Cpu.Cpsr & Psr.I);
        Assert.Equal(0x100u + 4, m[14]);
        m[8] = 0xDEAD;                             // FIQ's own r8
        Assert.Equal(0x88u, m.Cpu.GetBankedRegister(CpuMode.Supervisor, 8));
        Assert.Equal(0xDEADu, m.Cpu.GetBankedRegister(CpuMode.Fiq, 8));
    }

    [Fact]
    public void DataAbortOnALoadUpdatesTheBaseButNotTheDestination()
    {
        // ldr r1, [r2, #4]! with r2 = 0x20000 (unmapped): ARM7TDMI's base-updated abort model.
        using var m = Program(0x100, A.LdrStrImm(true, false, 1, 2, 4, pre: true, up: true, w: true), AddR0_1);
        m.Start(0x100, thumb: false);
        m[1] = 0x1111;
        m[2] = 0x2_0000;
        m.Step();
        Assert.Equal(CpuMode.Abort, m.Cpu.Mode);
        Assert.Equal(Vectors.DataAbort, m.Cpu.Pc);
        Assert.Equal(0x100u + 8, m[14]);           // aborted instruction + 8
        Assert.Equal(0x1111u, m[1]);
        Assert.Equal(0x2_0004u, m.Cpu.GetBankedRegister(CpuMode.Supervisor, 2));
    }

    [Fact]
    public void DataAbortInAnLdmStopsLoadingRegisters()
    {
        // ldmia r2, {r3, r4, r5} with r2 = 0xFFFC: r3 loads, r4 and r5 hit unmapped space.
        using var m = Program(0x100, A.Ldm(2, 0b111000));
        m.Write32(0xFFFC, 0x3333);
        m.Start(0x100, thumb: false);
        m[2] = 0xFFFC; m[3] = 1; m[4] = 2; m[5] = 3;
        m.Step();
        Assert.Equal(CpuMode.Abort, m.Cpu.Mode);
        Assert.Equal(0x3333u, m.Cpu.GetBankedRegister(CpuMode.Supervisor, 3));
        Assert.Equal(2u, m.Cpu.GetBankedRegister(CpuMode.Supervisor, 4));
        Assert.Equal(3u, m.Cpu.GetBankedRegister(CpuMode.Supervisor, 5));
    }

    [Fact]
    public void PrefetchAbortIsTakenOnlyWhenTheAbortedWordReachesExecute()
    {
        // A branch into unmapped space: both refill fetches abort; the first executes as an abort.
        using var m = Program(0x100, A.B(0x2_0000 - 0x108));
        m.Start(0x100, thumb: false);
        m.Step();                                  // the branch: no abort yet
        Assert.Equal(CpuMode.Supervisor, m.Cpu.Mode);
        Assert.Equal(0x2_0000u, m.Cpu.Pc);
        m.Step();
        Assert.Equal(CpuMode.Abort, m.Cpu.Mode);
        Assert.Equal(Vectors.PrefetchAbort, m.Cpu.Pc);
        Assert.Equal(0x2_0000u + 4, m[14]);        // aborted instruction + 4
    }

    [Fact]
    public void AnAbortedPrefetchFlushedByABranchIsNeverTaken()
    {
        // The last two words of RAM: the fetches behind them (0x10000, 0x10004) abort, but the branch
        // at 0xFFFC flushes them before they execute.
        using var m = Program(0xFFF8, AddR0_1, A.B(0x100 - 0x1_0004));
        m.Start(0xFFF8, thumb: false);
        m.Step(2);
        Assert.Equal(CpuMode.Supervisor, m.Cpu.Mode);
        Assert.Equal(0x100u, m.Cpu.Pc);
        Assert.Equal(1u, m[0]);
    }

    [Fact]
    public void AnExceptionWhoseVectorCannotBeFetchedIsAFault()
    {
        var s = Scheduler.CycleBased();
        using var bus = new Bus(s);
        using var ram = new MemoryRegion("ram", 0x8000, 0x1000, RegionKind.Ram, 32, WaitStates.Zero);
        bus.AddRegion(ram);
        bus.DebugWrite32(0x8000, 0xE7F000F0);      // a permanently undefined encoding
        using var cpu = new ArmCpu(bus);
        cpu.ResetTo(0x8000);
        Assert.True(cpu.Run(1000));
        Assert.NotNull(cpu.Fault);
        Assert.Contains("0x00000004", cpu.Fault);
        Assert.Equal(CpuMode.Undefined, cpu.Mode);
    }
}
