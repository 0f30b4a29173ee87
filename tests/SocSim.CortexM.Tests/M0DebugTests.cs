using SocSim.Tests;

namespace SocSim.CortexM.Tests;

/// <summary>
/// The Cortex-M0's DWT on <c>boards/mps2-an383.json</c> (ARMv6-M ARM DDI 0419 C1.8): PCSR and two watchpoint
/// comparators, no CYCCNT and no profiling counters; firmware that enables CYCCNT as it would on an M3 reads 0
/// (the absent registers are RAZ/WI), while the core's own count (and so `--stats`) goes on.
/// </summary>
public sealed class M0DebugTests
{
    [Fact]
    public void TheM0DwtHasPcsrAndTwoComparatorsOnly()
    {
        using var m = Machine.Create([Path.Combine(RepoPaths.Root, "boards", "mps2-an383.json")]);
        var cpu = (CortexMCpu)m.Core;
        m.Bus.DebugWrite(0x100, Asm.Assemble("""
            ldr r0, =0xE000EDFC
            ldr r1, =0x01000000
            str r1, [r0]            @ DEMCR.DWTENA (TRCENA on ARMv7-M)
            ldr r0, =0xE0001000
            ldr r1, =0x003F0001
            str r1, [r0]            @ CTRL: CYCCNTENA and the counters' enables, as on an M3
            ldr r2, [r0]            @ CTRL: NUMCOMP = 2, nothing else
            nop
            nop
            ldr r3, [r0, #4]        @ CYCCNT: RAZ
            ldr r4, [r0, #0x18]     @ FOLDCNT: RAZ
            str r1, [r0, #4]        @ WI
            ldr r5, [r0, #4]
            ldr r1, =0x12345678
            str r1, [r0, #0x20]     @ COMP0: implemented
            ldr r6, [r0, #0x20]
            str r1, [r0, #0x40]     @ COMP2: absent, RAZ/WI
            ldr r7, [r0, #0x40]
            mov r8, pc
            ldr r1, [r0, #0x1C]     @ PCSR: a sample of the PC
            bkpt #0
            .ltorg
            """, "cortex-m0"));
        m.Bus.DebugWrite32(0, 0x2000_1000);
        m.Bus.DebugWrite32(4, 0x101);
        cpu.Reset(0);
        cpu.RunTo(10_000);
        Assert.Equal(CoreState.Halted, cpu.State);
        Assert.NotNull(cpu.Dwt);
        Assert.Null(cpu.Itm);                                        // ARMv6-M has no ITM
        Assert.Equal(0x2000_0000u, cpu.GetRegister(2));
        Assert.Equal(0u, cpu.GetRegister(3));
        Assert.Equal(0u, cpu.GetRegister(4));
        Assert.Equal(0u, cpu.GetRegister(5));
        Assert.Equal(0x1234_5678u, cpu.GetRegister(6));
        Assert.Equal(0u, cpu.GetRegister(7));
        Assert.Equal(cpu.GetRegister(8), cpu.GetRegister(1));       // PCSR sampled by the LDR at MOV's address + 2: the address after it, as MOV r8, pc reads
        Assert.True(cpu.Cycles > 0);
        Assert.Equal(cpu.Cycles, m.Scheduler.Cycles);
    }
    /// <summary>
    /// The ARMv6-M DEMCR (DDI 0419C C1.6.5) has DWTENA, VC_HARDERR and VC_CORERESET only: MON_EN, MON_PEND and the
    /// DebugMonitor exception are ARMv7-M's. Writing all ones reads back 0x01000401, and a DWT data match (which on
    /// ARMv7-M with MON_EN pends DebugMonitor) sets MATCHED and pends nothing.
    /// </summary>
    [Fact]
    public void TheM0DemcrHasNoMonitorBitsAndAWatchpointPendsNothing()
    {
        using var m = Machine.Create([Path.Combine(RepoPaths.Root, "boards", "mps2-an383.json")]);
        var cpu = (CortexMCpu)m.Core;
        m.Bus.DebugWrite(0x100, Asm.Assemble("""
            ldr r0, =0xE000EDFC
            movs r1, #0
            mvns r1, r1
            str r1, [r0]            @ DEMCR = 0xFFFFFFFF: MON_EN and MON_PEND among them
            ldr r2, [r0]
            ldr r0, =0xE0001020
            ldr r1, =0x20000800
            str r1, [r0]            @ COMP0
            movs r5, #0
            str r5, [r0, #4]        @ MASK0
            movs r5, #6
            str r5, [r0, #8]        @ FUNCTION0: data write
            str r5, [r1]            @ matches
            nop
            nop
            ldr r3, =0xE000ED04
            ldr r3, [r3]            @ ICSR: VECTPENDING 0
            ldr r4, [r0, #8]        @ FUNCTION0: MATCHED
            mrs r6, ipsr
            bkpt #0
            .ltorg
            """, "cortex-m0"));
        m.Bus.DebugWrite32(0, 0x2000_1000);
        m.Bus.DebugWrite32(4, 0x101);
        cpu.Reset(0);
        cpu.RunTo(10_000);
        Assert.Equal(CoreState.Halted, cpu.State);
        Assert.Equal(CortexMCpu.DemcrArmV6MBits, cpu.GetRegister(2));
        Assert.Equal(0x0100_0401u, cpu.GetRegister(2));
        Assert.Equal(0u, cpu.GetRegister(3));                         // ICSR: nothing pending, Thread mode, no RETTOBASE on ARMv6-M
        Assert.Equal(1u << 24 | 6, cpu.GetRegister(4));
        Assert.Equal(0u, cpu.GetRegister(6));
        Assert.False(cpu.IsPending(CortexMCpu.ExcDebugMonitor));
        Assert.True(cpu.TraceEnabled);                                // DWTENA is TRCENA's bit
    }

    /// <summary>
    /// ARMv6-M's ICSR has no RETTOBASE: bit 11 is reserved, RAZ (DDI 0419 B3.2.4), where ARMv7-M sets it in a handler
    /// with no other exception active. The SVCall handler reads ICSR on the M0 and on the M0+: VECTACTIVE = 11 alone.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void TheArmV6MIcsrHasNoRetToBase(bool m0Plus)
    {
        string[] board = m0Plus
            ? [Path.Combine(RepoPaths.Root, "boards", "mps2-an383.json"), Path.Combine(RepoPaths.Root, "boards", "overrides", "mps2-an383-m0plus.json")]
            : [Path.Combine(RepoPaths.Root, "boards", "mps2-an383.json")];
        using var m = Machine.Create(board);
        var cpu = (CortexMCpu)m.Core;
        Assert.Equal(m0Plus, cpu.IsM0Plus);
        m.Bus.DebugWrite(0x100, Asm.Assemble("""
            svc #0
            bkpt #0
            """, "cortex-m0"));
        m.Bus.DebugWrite(0x180, Asm.Assemble("""
            ldr r3, =0xE000ED04
            ldr r3, [r3]            @ ICSR in the SVCall handler
            bkpt #1
            .ltorg
            """, "cortex-m0"));
        m.Bus.DebugWrite32(0, 0x2000_1000);
        m.Bus.DebugWrite32(4, 0x101);
        m.Bus.DebugWrite32(4 * CortexMCpu.ExcSvCall, 0x181);
        cpu.Reset(0);
        cpu.RunTo(10_000);
        Assert.Equal(CoreState.Halted, cpu.State);
        Assert.Equal((uint)CortexMCpu.ExcSvCall, cpu.Ipsr);
        Assert.Equal((uint)CortexMCpu.ExcSvCall, cpu.GetRegister(3));  // VECTACTIVE 11, bit 11 clear
    }
}
