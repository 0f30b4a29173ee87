using SocSim.Arm.Translation;
using SocSim.Core;
using Xunit;

namespace SocSim.Arm.Tests;

/// <summary>
/// The system instructions the translator emits (BlockTranslator.System.cs), each in lockstep with the
/// interpreter (threshold 0), and the fallback accounting of what it leaves to the interpreter.
/// </summary>
public sealed class TranslationSystemTests
{
    private const uint SysIrqOn = 0x1F, SysIrqOff = 0x1F | Psr.I | Psr.F;

    private static TranslationLockstep Rig(bool device = false)
    {
        var rig = new TranslationLockstep(device: device);
        rig.Write32(0x04, 0xE1B0F00E, 0xE1B0F00E, 0xE25EF004);
        rig.Write32(0x10, 0xE25EF004);                              // data abort: subs pc, lr, #4
        rig.Write32(0x18, 0xE2888001, 0xE25EF004);                  // irq: add r8, r8, #1 (r8_irq counts) ; subs pc, lr, #4
        return rig;
    }

    private static uint Regs(CpuMode m, int r) => r == 13 ? 0x8000u + (uint)m * 0x100 : r == 15 ? 0x1Fu : (uint)r * 0x01010101u;

    [Fact]
    public void FallbackCountsWhatTheInterpreterExecuted()
    {
        using var rig = Rig(device: true);
        rig.Write32(0x1000,
            0xE3A0B802,   // mov r11, #0x20000 (the device)
            0xE2811001,   // add r1, r1, #1
            0xE1003092,   // swp r3, r2, [r0]   (left to the interpreter)
            0xE89B0010,   // ldmia r11, {r4}    (a device read by LDM: off the fast path)
            0xE2855001,   // add r5, r5, #1
            0xEAFFFFF9);  // b 0x1004
        rig.Start(0x1000, SysIrqOff, (m, r) => r == 0 ? 0x4000u : Regs(m, r));
        Assert.True(rig.Run(20_000), rig.Failure);
        var t = rig.Trans.Cpu.Translator!;
        uint passes = rig.Trans.Cpu.GetRegister(5) - Regs(CpuMode.System, 5);
        Assert.True(passes > 100);
        Assert.InRange(t.Fallback[FallbackClass.Swp], passes, passes + 1);
        Assert.InRange(t.Fallback[FallbackClass.Device], passes - 1, passes + 1);
        Assert.Equal(0, t.Fallback[FallbackClass.MsrControl]);
        Assert.Contains("swp=", t.Fallback.Format(), StringComparison.Ordinal);
        Assert.Contains("device=", t.Fallback.Format(), StringComparison.Ordinal);
    }

    /// <summary>Runs the loop at 0x1000 in lockstep; returns the translator's counters.</summary>
    private static BlockTranslator RunLoop(TranslationLockstep rig, uint cpsr, long cycles = 20_000, Func<CpuMode, int, uint>? regs = null)
    {
        rig.Start(0x1000, cpsr, regs ?? Regs);
        Assert.True(rig.Run(cycles), rig.Failure);
        var t = rig.Trans.Cpu.Translator!;
        Assert.True(t.TranslatedInstructions > 1000, $"translated {t.TranslatedInstructions}");
        return t;
    }

    [Fact]
    public void MrsAndMsrOfFlagsAndSpsrStayInTheRegion()
    {
        using var rig = Rig();
        rig.Write32(0x1000,
            0xE10F1000,   // mrs r1, cpsr
            0xE14F2000,   // mrs r2, spsr
            0xE2933001,   // adds r3, r3, #1
            0xE128F003,   // msr cpsr_f, r3       (flags from r3's top bits)
            0xE10F4000,   // mrs r4, cpsr
            0xE168F005,   // msr spsr_fc, r5
            0xE2855411,   // add r5, r5, #0x11000000
            0x13A06001,   // movne r6, #1
            0x03A06002,   // moveq r6, #2
            0xE328F20F,   // msr cpsr_f, #0xF0000000
            0xEAFFFFF4);  // b 0x1000
        var t = RunLoop(rig, (uint)CpuMode.Supervisor | Psr.I | Psr.F);
        Assert.Equal(0, t.Fallback[FallbackClass.Mrs] + t.Fallback[FallbackClass.MsrFlags]);
        // Everything else ran translated, but for the steps up to the run's end, where the loop's next
        // block did not fit.
        Assert.Equal(t.TranslatedInstructions + t.Fallback[FallbackClass.Limit], rig.Trans.Cpu.Instructions);
    }

    [Fact]
    public void MrsOfTheSpsrInSystemModeReadsTheCpsr()
    {
        using var rig = Rig();
        rig.Write32(0x1000,
            0xE2933001,   // adds r3, r3, #1
            0xE14F2000,   // mrs r2, spsr (no SPSR in System mode: the CPSR, as the interpreter reads it)
            0xE168F005,   // msr spsr_fc, r5 (ignored)
            0xEAFFFFFB);  // b 0x1000
        RunLoop(rig, SysIrqOff);
    }

    /// <summary>An interrupt pending while masked, unmasked by MSR (register form) inside a region: taken at the boundary after the MSR, as the interpreter takes it.</summary>
    [Fact]
    public void InterruptUnmaskedByMsrInTheMiddleOfARegion()
    {
        using var rig = Rig();
        rig.Write32(0x1000,
            0xE2811001,   // add r1, r1, #1
            0xE10F0000,   // mrs r0, cpsr
            0xE3C000C0,   // bic r0, r0, #0xC0
            0xE121F000,   // msr cpsr_c, r0   (IRQ unmasked: taken right after)
            0xE2833001,   // add r3, r3, #1
            0xE38000C0,   // orr r0, r0, #0xC0
            0xE121F000,   // msr cpsr_c, r0   (masked again)
            0xE2844001,   // add r4, r4, #1
            0xEAFFFFF6);  // b 0x1000
        rig.At(1, c => c.SetIrq(true));
        var t = RunLoop(rig, SysIrqOff);
        var cpu = rig.Trans.Cpu;
        Assert.True(cpu.GetBankedRegister(CpuMode.Irq, 8) - Regs(CpuMode.Irq, 8) > 100, "the IRQ was taken on every pass");
        Assert.Equal(0, t.Fallback[FallbackClass.MsrControl]);
        Assert.Equal(0, t.Fallback[FallbackClass.AluPcS]);
    }

    /// <summary>MSR changes the mode inside a region: the banked SP and LR of the other mode are used after it, the region's locals written back before.</summary>
    [Fact]
    public void ModeChangeByMsrInsideARegion()
    {
        using var rig = Rig();
        rig.Write32(0x1000,
            0xE28DD004,   // add sp, sp, #4        (SP_sys)
            0xE28EE001,   // add lr, lr, #1        (LR_sys)
            0xE321F0D2,   // msr cpsr_c, #0xD2     (IRQ mode, masked)
            0xE28DD008,   // add sp, sp, #8        (SP_irq)
            0xE28EE002,   // add lr, lr, #2        (LR_irq)
            0xE1A0100D,   // mov r1, sp
            0xE321F0DF,   // msr cpsr_c, #0xDF     (System again)
            0xE081200D,   // add r2, r1, sp
            0xE321F0D1,   // msr cpsr_c, #0xD1     (FIQ: r8-r12 banked too)
            0xE2888001,   // add r8, r8, #1
            0xE321F0DF,   // msr cpsr_c, #0xDF
            0xE2888010,   // add r8, r8, #16
            0xEAFFFFF2);  // b 0x1000
        var t = RunLoop(rig, SysIrqOff);
        var cpu = rig.Trans.Cpu;
        uint passes = (cpu.GetBankedRegister(CpuMode.Fiq, 8) - Regs(CpuMode.Fiq, 8));
        Assert.True(passes > 100);
        Assert.InRange(cpu.GetBankedRegister(CpuMode.Irq, 13) - Regs(CpuMode.Irq, 13), 8 * passes - 8, 8 * passes + 8);
        Assert.InRange(cpu.GetBankedRegister(CpuMode.User, 8) - Regs(CpuMode.System, 8), 16 * passes - 16, 16 * passes + 16);
        Assert.Equal(0, t.Fallback[FallbackClass.MsrControl]);
    }

    /// <summary>An MSR of the control field in User mode writes only the flags (the interpreter's mask).</summary>
    [Fact]
    public void MsrOfTheControlFieldInUserModeKeepsTheMode()
    {
        using var rig = Rig();
        rig.Write32(0x1000,
            0xE2811001,   // add r1, r1, #1
            0xE329F013,   // msr cpsr_fc, #0x13 (SVC: ignored in User mode; flags cleared)
            0xE2822001,   // add r2, r2, #1
            0xEAFFFFFB);  // b 0x1000
        RunLoop(rig, (uint)CpuMode.User);
        Assert.Equal(CpuMode.User, rig.Trans.Cpu.Mode);
    }

    /// <summary>IRQs at random cycles, each returned from: SUBS PC, LR (ALU with S) and LDMFD SP!, {..., PC}^ with the vector's LDR PC.</summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ExceptionReturnsAndLdrPcVectors(bool ldm)
    {
        using var rig = new TranslationLockstep(eventSeed: 7, maxEventPeriod: 300, interrupts: true);
        rig.Write32(0x18, 0xE59FF018);                              // irq: ldr pc, [pc, #24] -> the word at 0x38
        rig.Write32(0x1C, 0xE25EF004);                              // fiq: subs pc, lr, #4
        rig.Write32(0x38, 0x2000);
        rig.Write32(0x2000, ldm
            ? [0xE24EE004, 0xE92D500F, 0xE2888001, 0xE1A00000, 0xE8FD900F]   // sub lr, lr, #4; stmfd sp!, {r0-r3, r12, lr}; add r8, r8, #1; nop; ldmfd sp!, {r0-r3, r12, pc}^
            : [0xE2888001, 0xE1A00000, 0xE25EF004]);                         // add r8, r8, #1; nop; subs pc, lr, #4
        rig.Write32(0x1000,
            0xE2811001,   // add r1, r1, #1
            0xE0922001,   // adds r2, r2, r1
            0xE2833001,   // add r3, r3, #1
            0xEAFFFFFB);  // b 0x1000
        var t = RunLoop(rig, SysIrqOn, 200_000);
        Assert.True(rig.Trans.Cpu.GetBankedRegister(CpuMode.Irq, 8) - Regs(CpuMode.Irq, 8) > 20);
        Assert.Equal(0, t.Fallback[FallbackClass.LdmReturn] + t.Fallback[FallbackClass.AluPcS]);
    }

    /// <summary>A computed branch through a jump table: ADD PC, PC, Rn, LSL #2 and a conditional LDR PC.</summary>
    [Fact]
    public void ComputedBranches()
    {
        using var rig = Rig();
        rig.Write32(0x1000,
            0xE2811001,   // add r1, r1, #1
            0xE2010003,   // and r0, r1, #3
            0xE08FF100,   // add pc, pc, r0, lsl #2  -> 0x1010 + 4 * r0
            0xE1A00000,   // nop (skipped)
            0xE2822001,   // 0x1010: add r2, r2, #1
            0xE2833001,   // add r3, r3, #1
            0xE2844001,   // add r4, r4, #1
            0xE3500002,   // cmp r0, #2
            0x059FF004,   // ldreq pc, [pc, #4] -> 0x1030's word: 0x1000
            0xE1B0F009,   // movs pc, r9 (System mode: no SPSR, the flags from the MOV) -> 0x1000
            0xE1A00000,
            0x00001000);
        var t = RunLoop(rig, SysIrqOff, 20_000, (m, r) => r == 9 ? 0x1000u : Regs(m, r));
        Assert.Equal(0, t.Fallback[FallbackClass.AluPc] + t.Fallback[FallbackClass.LdrPc] + t.Fallback[FallbackClass.AluPcS]);
    }

    /// <summary>UMULL/UMLAL/SMULL/SMLAL with and without S, RdHi = RdLo, operands of every early-termination length: registers, flags and cycles as the interpreter's.</summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void LongMultiplies(int seed)
    {
        var rng = new Random(seed);
        using var rig = Rig();
        rig.Write32(0x1000,
            0xE0821493,   // umull r1, r2, r3, r4
            0xE0B65594,   // umlals r5, r6, r4, r5
            0xE0C87394,   // smull r7, r8, r4, r3
            0xE0F09493,   // smlals r9, r0, r3, r4
            0xE0933493,   // umulls r3, r3, r3, r4 (RdHi = RdLo: the high word stays)
            0xE2844B01,   // add r4, r4, #0x400
            0xE0244384,   // eor r4, r4, r4, lsl #7 (Rs of every length)
            0xE1A03E63,   // mov r3, r3, ror #28
            0x50A21493,   // umlalpl r1, r2, r3, r4
            0xEAFFFFF5);  // b 0x1000
        var t = RunLoop(rig, SysIrqOff, 30_000, (m, r) => (uint)rng.NextInt64(0, 1L << 32));
        Assert.Equal(0, t.Fallback[FallbackClass.MulLong]);
    }
}
