using SocSim.Arm.Translation;
using SocSim.Core;
using Xunit;

namespace SocSim.Arm.Tests;

/// <summary>
/// Interrupts under the translating engine, in lockstep with the interpreter (threshold 0, the whole core
/// compared at every region exit): an IRQ raised at every cycle of a loop's blocks (so at every
/// instruction boundary, and inside a region where the block did not fit), a FIQ at every cycle of the
/// IRQ handler and its return, returns into Thumb code, into code the handler rewrote, and through a
/// vectored controller's <c>LDR PC, [PC, #-0xFF0]</c>; the run loop's own entries (no interpreter step)
/// and the boundary after an MSR that changed the masks.
/// </summary>
public sealed class TranslationInterruptTests
{
    private const uint SysIrqOn = 0x1F;

    private static uint Regs(CpuMode m, int r) => r switch
    {
        13 => 0x8000u + (uint)m * 0x100,
        15 => 0x1Fu,                              // the SPSRs
        0 => 0x4000,                              // a RAM buffer
        1 => TranslationLockstep.DeviceBase,
        10 => TranslationLockstep.VectorBase,
        11 => 0x1008,                             // the word the self-modifying handler rewrites
        _ => (uint)r * 0x01010101u,
    };

    /// <summary>ARM loop at 0x1000 (no r1, r8-r12): a RAM store and load, flags.</summary>
    internal static void ArmLoop(TranslationLockstep rig) =>
        rig.Write32(0x1000,
            0xE2822001,   // 00 add r2, r2, #1
            0xE5802004,   // 04 str r2, [r0, #4]
            0xE5903004,   // 08 ldr r3, [r0, #4]
            0xE0833002,   // 0c add r3, r3, r2
            0xE0944003,   // 10 adds r4, r4, r3
            0xE2855001,   // 14 add r5, r5, #1
            0xEAFFFFF8);  // 18 b 0x1000

    /// <summary>
    /// Vectors: IRQ to 0x2000 (drops the device's nIRQ with a device store, counts in r8_irq, SUBS PC,
    /// LR, #4), FIQ to 0x3000 (the SPSR into r10_fiq: the mode it interrupted; counts in r9_fiq).
    /// </summary>
    private static TranslationLockstep Rig(int seed = 1, int maxPeriod = 0, bool vector = false)
    {
        var rig = new TranslationLockstep(eventSeed: seed, maxEventPeriod: maxPeriod, interrupts: maxPeriod > 0, device: true, vector: vector);
        rig.Write32(0x18, 0xEA0007F8);                              // irq: b 0x2000
        rig.Write32(0x1C, 0xEA000BF7);                              // fiq: b 0x3000
        rig.Write32(0x2000,
            0xE3A0C000,   // mov r12, #0
            0xE581C000,   // str r12, [r1]    (the device drops nIRQ)
            0xE2888001,   // add r8, r8, #1
            0xE25EF004);  // subs pc, lr, #4
        rig.Write32(0x3000,
            0xE14FA000,   // mrs r10, spsr
            0xE2899001,   // add r9, r9, #1
            0xE25EF004);  // subs pc, lr, #4
        return rig;
    }

    private static uint Count(ArmCpu cpu, CpuMode mode, int r) => cpu.GetBankedRegister(mode, r) - Regs(mode, r);

    /// <summary>One IRQ raised at every cycle of the loop's first passes: taken once, at the boundary the interpreter takes it.</summary>
    [Fact]
    public void IrqAtEveryCycleOfTheLoop()
    {
        for (int c = 1; c <= 60; c++)
        {
            using var rig = Rig();
            ArmLoop(rig);
            rig.At(c, cpu => cpu.SetIrq(true));
            rig.Start(0x1000, SysIrqOn, Regs);
            Assert.True(rig.Run(1500), $"IRQ at cycle {c}: {rig.Failure}");
            var cpu = rig.Trans.Cpu;
            Assert.Equal(1u, Count(cpu, CpuMode.Irq, 8));
            Assert.Equal(1, cpu.Translator!.InterruptEntries);
            Assert.Equal(0, cpu.Translator.Fallback[FallbackClass.Interrupt] + cpu.Translator.Fallback[FallbackClass.AluPcS]);
            Assert.True(cpu.Translator.TranslatedInstructions > 200, $"translated {cpu.Translator.TranslatedInstructions}");
        }
    }

    /// <summary>An IRQ, then a FIQ at every cycle from the IRQ's entry through its handler and return (nested when the FIQ comes before the return).</summary>
    [Fact]
    public void FiqAtEveryCycleOfTheIrqHandlerAndReturn()
    {
        int nested = 0;
        for (int d = 0; d <= 40; d++)
        {
            using var rig = Rig();
            ArmLoop(rig);
            rig.At(40, cpu => cpu.SetIrq(true));
            rig.At(40 + d, cpu => cpu.SetFiq(true));
            rig.At(40 + d + 9, cpu => cpu.SetFiq(false));
            rig.Start(0x1000, SysIrqOn, Regs);
            Assert.True(rig.Run(1500), $"FIQ at +{d}: {rig.Failure}");
            var cpu = rig.Trans.Cpu;
            Assert.Equal(1u, Count(cpu, CpuMode.Irq, 8));
            Assert.True(Count(cpu, CpuMode.Fiq, 9) >= 1);
            if ((cpu.GetBankedRegister(CpuMode.Fiq, 10) & 0x1F) == (uint)CpuMode.Irq) nested++;
        }
        Assert.True(nested >= 5, $"{nested} FIQs nested in the IRQ handler");
    }

    /// <summary>Random IRQs and FIQs over a Thumb loop: every return (SUBS PC, LR from ARM handlers) goes back into Thumb state.</summary>
    [Theory]
    [InlineData(2, 40)]
    [InlineData(3, 300)]
    public void ReturnsIntoThumbCode(int seed, int maxPeriod)
    {
        using var rig = Rig(seed, maxPeriod);
        rig.Write32(0x2000, 0xE2888001, 0xE25EF004);                // add r8, r8, #1; subs pc, lr, #4 (the random events drop nIRQ)
        rig.Write32(0x3000, 0xE2899001, 0xE25EF004);
        rig.Write16(0x1000,
            0x3101,       // 00 adds r1, #1
            0x1852,       // 02 adds r2, r2, r1
            0x6042,       // 04 str r2, [r0, #4]
            0x6843,       // 06 ldr r3, [r0, #4]
            0xE7FA);      // 08 b 0x1000
        rig.Start(0x1000, SysIrqOn | Psr.T, Regs);
        Assert.True(rig.Run(100_000), rig.Failure);
        var cpu = rig.Trans.Cpu;
        var t = cpu.Translator!;
        Assert.True(Count(cpu, CpuMode.Irq, 8) > 20, $"{Count(cpu, CpuMode.Irq, 8)} IRQs");
        Assert.True(Count(cpu, CpuMode.System, 1) > 500, $"the Thumb loop ran {Count(cpu, CpuMode.System, 1)} passes");
        Assert.True(t.InterruptEntries > 20 && t.TranslatedInstructions > 10_000, $"{t.InterruptEntries} entries, {t.TranslatedInstructions} translated");
    }

    /// <summary>The IRQ handler rewrites an instruction of the loop it returns to (ADD #1 and #2 in turn): the loop's region is translated again.</summary>
    [Fact]
    public void ReturnToABlockTheHandlerRewrote()
    {
        using var rig = Rig(4, 200);
        rig.Write32(0x2000,
            0xE59BC000,   // ldr r12, [r11]   (r11 = 0x1008)
            0xE22CC003,   // eor r12, r12, #3
            0xE58BC000,   // str r12, [r11]
            0xE2888001,   // add r8, r8, #1
            0xE25EF004);  // subs pc, lr, #4
        rig.Write32(0x1000,
            0xE2822001,   // 00 add r2, r2, #1
            0xE0944002,   // 04 adds r4, r4, r2
            0xE2833001,   // 08 add r3, r3, #1  (rewritten)
            0xE2855001,   // 0c add r5, r5, #1
            0xEAFFFFFA);  // 10 b 0x1000
        rig.Start(0x1000, SysIrqOn, Regs);
        Assert.True(rig.Run(100_000), rig.Failure);
        var cpu = rig.Trans.Cpu;
        var t = cpu.Translator!;
        Assert.True(Count(cpu, CpuMode.Irq, 8) > 20, $"{Count(cpu, CpuMode.Irq, 8)} IRQs");
        Assert.True(t.Invalidations > 5, $"{t.Invalidations} invalidations");
        uint r3 = Count(cpu, CpuMode.System, 3), r5 = Count(cpu, CpuMode.System, 5);
        Assert.True(r3 > r5 + 10, $"r3 +{r3}, r5 +{r5}: the rewritten ADD #2 ran");
    }

    /// <summary>
    /// A vectored controller's <c>LDR PC, [PC, #-0xFF0]</c> at 0x18 (a device load that writes R15: the
    /// handler it returns alternates), handlers that read and write the controller and return with
    /// SUBS PC, LR or LDMFD SP!, {..., PC}^.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void VectorReadFromTheControllerInARegion(bool ldm)
    {
        using var rig = Rig(5, 150, vector: true);
        rig.Write32(0x18, 0xE51FFFF0);                              // irq: ldr pc, [pc, #-0xFF0] (0xFFFFF030)
        rig.Write32(0x1C, 0xE25EF004);                              // fiq: subs pc, lr, #4
        rig.Write32(0x2000, ldm
            ? [0xE24EE004, 0xE92D500F, 0xE59AC034, 0xE088800C, 0xE58AC030, 0xE8FD900F]   // sub lr, lr, #4; stmfd sp!, {r0-r3, r12, lr}; ldr r12, [r10, #0x34]; add r8, r8, r12; str r12, [r10, #0x30]; ldmfd sp!, {r0-r3, r12, pc}^
            : [0xE59AC034, 0xE088800C, 0xE58AC030, 0xE25EF004]);                         // ldr r12, [r10, #0x34]; add r8, r8, r12; str r12, [r10, #0x30]; subs pc, lr, #4
        rig.Write32(0x2100,
            0xE2899001,   // add r9, r9, #1
            0xE58AC030,   // str r12, [r10, #0x30]
            0xE25EF004);  // subs pc, lr, #4
        ArmLoop(rig);
        rig.Start(0x1000, SysIrqOn, Regs);
        Assert.True(rig.Run(100_000), rig.Failure);
        var cpu = rig.Trans.Cpu;
        var t = cpu.Translator!;
        Assert.True(Count(cpu, CpuMode.System, 9) > 10, $"{Count(cpu, CpuMode.System, 9)} IRQs through the second handler");
        Assert.True(Count(cpu, CpuMode.Irq, 8) > 10);
        Assert.Equal(0, t.Fallback[FallbackClass.LdrPc] + t.Fallback[FallbackClass.LdmReturn] + t.Fallback[FallbackClass.AluPcS] + t.Fallback[FallbackClass.Interrupt]);
        Assert.True(t.DeviceAccesses > 40, $"{t.DeviceAccesses} device accesses from regions");
    }

    /// <summary>
    /// MSRs that unmask and mask IRQs in a loop while random events raise and drop nIRQ and nFIQ: the
    /// boundary after each MSR decides with the old mask (an IRQ it unmasked is taken one instruction
    /// later); the run loop samples there itself and enters the region at the next instruction.
    /// </summary>
    [Theory]
    [InlineData(6, 7)]
    [InlineData(7, 60)]
    public void BoundariesAfterMsrChangedTheMask(int seed, int maxPeriod)
    {
        using var rig = Rig(seed, maxPeriod);
        rig.Write32(0x2000, 0xE2888001, 0xE25EF004);                // add r8, r8, #1; subs pc, lr, #4 (the random events drop nIRQ)
        rig.Write32(0x3000, 0xE2899001, 0xE25EF004);
        rig.Write32(0x1000,
            0xE2822001,   // 00 add r2, r2, #1
            0xE321F01F,   // 04 msr cpsr_c, #0x1F  (IRQ and FIQ unmasked)
            0xE2833001,   // 08 add r3, r3, #1
            0xE2844001,   // 0c add r4, r4, #1
            0xE321F09F,   // 10 msr cpsr_c, #0x9F  (IRQ masked)
            0xE2855001,   // 14 add r5, r5, #1
            0xEAFFFFF8);  // 18 b 0x1000
        rig.Start(0x1000, SysIrqOn | Psr.I, Regs);
        Assert.True(rig.Run(100_000), rig.Failure);
        var cpu = rig.Trans.Cpu;
        var t = cpu.Translator!;
        Assert.True(Count(cpu, CpuMode.Irq, 8) > 20, $"{Count(cpu, CpuMode.Irq, 8)} IRQs");
        Assert.Equal(0, t.Fallback[FallbackClass.Interrupt]);
        Assert.True(t.Fallback[FallbackClass.Unmasked] > 0, "an MSR unmasked an asserted nIRQ");
        Assert.True(t.TranslatedInstructions > 10_000, $"translated {t.TranslatedInstructions}");
    }
}
