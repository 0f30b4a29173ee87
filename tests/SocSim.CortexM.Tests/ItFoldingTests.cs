using SocSim.Core;

namespace SocSim.CortexM.Tests;

/// <summary>
/// IT folding (CortexMTiming.It, docs/cortex-m.md "IT folding"): firmware that reads DWT CYCCNT and FOLDCNT
/// itself around a sequence of IT blocks. An IT costs 0 cycles and counts in FOLDCNT when the instruction just
/// before it was a 16-bit one that went straight on to it; after a 32-bit instruction, as a branch target, or
/// with ACTLR.DISFOLD set it costs the table's 1.
/// </summary>
public sealed class ItFoldingTests
{
    // r0 = the DWT; CYCCNT and FOLDCNT read before (r4, r5) and after (r6, r7) the sequence.
    private const string Firmware = """
        ldr r0, =0xE000EDFC
        ldr r1, =0x01000000
        str r1, [r0]            @ DEMCR.TRCENA
        ldr r0, =0xE000E008
        str r2, [r0]            @ ACTLR (r2: DISFOLD or 0, set by the test)
        ldr r0, =0xE0001000
        ldr r1, =0x00200001
        str r1, [r0]            @ DWT_CTRL.CYCCNTENA | FOLDEVTENA
        movs r1, #1
        nop
        ldr r4, [r0, #4]        @ CYCCNT: counts from here (2)
        ldr r5, [r0, #0x18]     @ FOLDCNT: pipelined after the load (1)
        cmp r1, #1              @ 1, 16-bit
        it eq                   @ 0: folded onto the CMP (1 with DISFOLD)
        moveq r2, #5            @ 1
        add.w r3, r3, #1        @ 1, 32-bit
        it ne                   @ 1: after a 32-bit instruction
        movne r2, #6            @ 1: condition fails
        ldr r3, [sp]            @ 2, a 16-bit load
        ite eq                  @ 0: folded onto the load (1 with DISFOLD)
        moveq r3, #1            @ 1
        movne r3, #2            @ 1: fails
        b 1f                    @ 1 + P = 2 (target known at decode, a 16-bit target)
        1: it eq                    @ 1: a branch target
        moveq r3, #0            @ 1
        nop                     @ 1
        ldr r6, [r0, #4]        @ CYCCNT: to here 2+1 + 1+0+1+1+1+1+2+0+1+1+2+1+1+1 = 17 (19 with DISFOLD)
        ldr r7, [r0, #0x18]     @ FOLDCNT: +2 (0 with DISFOLD)
        bkpt #0
        .ltorg
        """;

    [Theory]
    [InlineData(false, 17, 2)]
    [InlineData(true, 19, 0)]
    public void FirmwareReadsFoldedItsInCyccntAndFoldcnt(bool disfold, int cycles, int folded)
    {
        using var t = new TestCore();
        t.Bus.AddDevice("scs", SystemControlSpace.Base, SystemControlSpace.Size, new SystemControlSpace(t.Cpu), WaitStates.Zero);
        t.Bus.AddDevice("dwt", DataWatchpointTrace.Base, DataWatchpointTrace.Size, new DataWatchpointTrace(t.Cpu), WaitStates.Zero);
        t.Load(Firmware).Reset();
        t.Cpu.SetRegister(2, disfold ? CortexMCpu.ActlrDisfold : 0);
        t.Cpu.RunTo(10_000);
        Assert.Equal(CoreState.Halted, t.Cpu.State);
        Assert.Equal(disfold ? CortexMCpu.ActlrDisfold : 0, t.Cpu.Actlr);
        Assert.Equal((uint)cycles, t.Cpu.GetRegister(6) - t.Cpu.GetRegister(4));
        Assert.Equal((uint)folded, t.Cpu.GetRegister(7) - t.Cpu.GetRegister(5));
        Assert.Equal(folded, t.Cpu.FoldedInstructions);
        // C1.8.1's identity holds with the folded instructions subtracted.
        var c = t.Cpu;
        Assert.Equal(c.Cycles, c.Instructions + c.CpiCycles + c.ExceptionCycles + c.SleepCycles + c.LsuCycles - c.FoldedInstructions);
        Assert.Equal(c.Cycles, t.Scheduler.Cycles);
    }

    [Fact]
    public void AFoldedItKeepsLoadsPipelinedAcrossIt()
    {
        // LDR; IT; LDR: the IT takes no cycle, so the second load pipelines behind the first (1, TRM 18.3).
        using var t = new TestCore();
        t.Load("ldr r1, =0x4000\nnop\nldr r2, [r1]\nit eq\nldreq r3, [r1, #4]\nbkpt #0\n.ltorg").Reset();
        t.Cpu.Step(); t.Cpu.Step();
        Assert.Equal(2, t.Cpu.Step());
        Assert.Equal(0, t.Cpu.Step());
        Assert.Equal(1, t.Cpu.Step());
    }

    [Fact]
    public void AnItWhoseFetchStallsIsNotFolded()
    {
        // Code in 2-wait-state memory: four 32-bit instructions are fetch bound (a word every 3 cycles), the two
        // NOPs share a word, and the IT starts the next word, which arrives after the second NOP's cycle: the IT
        // waits for its fetch, and does not fold (1 + its stall; FOLDCNT 0).
        using var t = new TestCore(slow: new WaitStates(2, 2, 2, 2));
        t.Load("add.w r0, r0, #0\nadd.w r0, r0, #0\nadd.w r0, r0, #0\nadd.w r0, r0, #0\nnop\nnop\nit eq\nmoveq r0, r1\nbkpt #0", TestCore.Slow);
        t.Bus.DebugWrite32(4, TestCore.Slow | 1);
        t.Reset();
        for (int i = 0; i < 6; i++) t.Cpu.Step();
        Assert.Equal(TestCore.Slow + 20, t.Cpu.PC);
        Assert.True(t.Cpu.Step() > 1);
        Assert.Equal(0, t.Cpu.FoldedInstructions);
    }
}
