using SocSim.Arm.Translation;
using SocSim.Core;
using Xunit;

namespace SocSim.Arm.Tests;

/// <summary>
/// A region goes on after an MSR of the CPSR's control field (ArmCpu.ResumeAfterMsr) instead of returning
/// to the run loop, when the run loop would enter a region at the next boundary: in lockstep with the
/// interpreter (threshold 0, the whole core compared at every region exit), with interrupts raised and
/// dropped at random cycles and at every cycle around the MSRs (the boundary after an MSR samples with the
/// mask from before it), MSRs that change the mode (which must leave), and conditional MSRs.
/// </summary>
public sealed class TranslationMsrResumeTests
{
    private const uint SysIrqOn = 0x1F;

    private static uint Regs(CpuMode m, int r) => r switch
    {
        13 => 0x8000u + (uint)m * 0x100,
        15 => 0x1Fu,
        _ => (uint)r * 0x01010101u + (uint)m,
    };

    /// <summary>IRQ to 0x2000 and FIQ to 0x3000: each counts in its banked r8/r9 and returns with SUBS PC, LR, #4.</summary>
    private static TranslationLockstep Rig(int seed = 1, int maxPeriod = 0)
    {
        var rig = new TranslationLockstep(eventSeed: seed, maxEventPeriod: maxPeriod, interrupts: maxPeriod > 0);
        rig.Write32(0x18, 0xEA0007F8);                              // irq: b 0x2000
        rig.Write32(0x1C, 0xEA000BF7);                              // fiq: b 0x3000
        rig.Write32(0x2000, 0xE2888001, 0xE25EF004);                // add r8, r8, #1; subs pc, lr, #4
        rig.Write32(0x3000, 0xE2899001, 0xE25EF004);                // add r9, r9, #1; subs pc, lr, #4
        return rig;
    }

    /// <summary>A critical section as FreeRTOS's ARM port makes it: MRS, ORR of I and F, MSR; the body; MSR of the saved CPSR.</summary>
    private static void CriticalSections(TranslationLockstep rig) =>
        rig.Write32(0x1000,
            0xE10F0000,   // 00 mrs r0, cpsr
            0xE38010C0,   // 04 orr r1, r0, #0xC0
            0xE121F001,   // 08 msr cpsr_c, r1     (IRQ and FIQ masked)
            0xE2822001,   // 0c add r2, r2, #1
            0xE0833002,   // 10 add r3, r3, r2
            0xE121F000,   // 14 msr cpsr_c, r0     (the saved mask back)
            0xE2844001,   // 18 add r4, r4, #1
            0xEAFFFFF7);  // 1c b 0x1000

    [Theory]
    [InlineData(1, 5)]
    [InlineData(2, 23)]
    [InlineData(3, 100)]
    [InlineData(4, 700)]
    public void CriticalSectionsGoOnInTheRegionBetweenRandomInterrupts(int seed, int maxPeriod)
    {
        using var rig = Rig(seed, maxPeriod);
        CriticalSections(rig);
        rig.Start(0x1000, SysIrqOn, Regs);
        Assert.True(rig.Run(100_000), rig.Failure);
        var cpu = rig.Trans.Cpu;
        var t = cpu.Translator!;
        Assert.True(rig.Trans.IrqChanges > 10, $"{rig.Trans.IrqChanges} nIRQ changes");
        Assert.True(cpu.GetBankedRegister(CpuMode.Irq, 8) != Regs(CpuMode.Irq, 8), "IRQs were taken");
        Assert.True(t.MsrResumes > 1000, $"{t.MsrResumes} resumes after an MSR");
        Assert.True(t.TranslatedInstructions > 20_000, $"translated {t.TranslatedInstructions}");
    }

    /// <summary>
    /// Without interrupts every MSR of the loop goes on in the region: one region run for the whole loop
    /// (the run loop's limit is the run's end).
    /// </summary>
    [Fact]
    public void WithoutInterruptsTheLoopStaysInOneRegionRun()
    {
        using var rig = Rig();
        CriticalSections(rig);
        rig.Start(0x1000, SysIrqOn, Regs);
        Assert.True(rig.Run(50_000), rig.Failure);
        var t = rig.Trans.Cpu.Translator!;
        Assert.True(t.MsrResumes > 5_000, $"{t.MsrResumes} resumes");
        Assert.True(t.BlockRuns < 5, $"{t.BlockRuns} region runs");
    }

    /// <summary>
    /// nIRQ raised at every cycle around the MSRs and dropped a few cycles later: an IRQ asserted during the
    /// MSR that masks it is still taken at the next boundary (the old mask), one asserted when the MSR
    /// unmasks it is taken one instruction later; the region must leave for both.
    /// </summary>
    [Fact]
    public void InterruptAtEveryCycleAroundTheMsrs()
    {
        long resumes = 0;
        for (long at = 1; at <= 60; at++)
        {
            for (long hold = 1; hold <= 9; hold += 4)
            {
                using var rig = Rig();
                CriticalSections(rig);
                rig.Start(0x1000, SysIrqOn, Regs);
                rig.At(at, c => c.SetIrq(true));
                rig.At(at + hold, c => c.SetIrq(false));
                Assert.True(rig.Run(600), $"event at {at}, held {hold}: {rig.Failure}");
                resumes += rig.Trans.Cpu.Translator!.MsrResumes;
            }
        }
        Assert.True(resumes > 0);
    }

    /// <summary>MSRs that change the mode (System to Supervisor and back, the banked R13 used between): the region must leave at each.</summary>
    [Fact]
    public void MsrThatChangesTheModeLeavesTheRegion()
    {
        using var rig = Rig(5, 40);
        rig.Write32(0x1000,
            0xE321F0D3,   // 00 msr cpsr_c, #0xD3  (Supervisor, masked)
            0xE28DD004,   // 04 add sp, sp, #4     (r13_svc)
            0xE321F01F,   // 08 msr cpsr_c, #0x1F  (System, unmasked)
            0xE24DD004,   // 0c sub sp, sp, #4     (r13_usr)
            0xE2822001,   // 10 add r2, r2, #1
            0xEAFFFFF9);  // 14 b 0x1000
        rig.Start(0x1000, SysIrqOn, Regs);
        Assert.True(rig.Run(60_000), rig.Failure);
        var t = rig.Trans.Cpu.Translator!;
        Assert.Equal(0, t.MsrResumes);
        Assert.True(t.TranslatedInstructions > 5_000, $"translated {t.TranslatedInstructions}");
    }

    /// <summary>Conditional MSRs, taken and not taken by turns, with random interrupts.</summary>
    [Theory]
    [InlineData(8, 9)]
    [InlineData(9, 150)]
    public void ConditionalMsrs(int seed, int maxPeriod)
    {
        using var rig = Rig(seed, maxPeriod);
        rig.Write32(0x1000,
            0xE2922001,   // 00 adds r2, r2, #1
            0xE3120001,   // 04 tst r2, #1
            0x1321F09F,   // 08 msrne cpsr_c, #0x9F  (masked on odd r2)
            0x0321F01F,   // 0c msreq cpsr_c, #0x1F  (unmasked on even r2)
            0xE2833001,   // 10 add r3, r3, #1
            0xEAFFFFF9);  // 14 b 0x1000
        rig.Start(0x1000, SysIrqOn, Regs);
        Assert.True(rig.Run(80_000), rig.Failure);
        var t = rig.Trans.Cpu.Translator!;
        Assert.True(t.MsrResumes > 100, $"{t.MsrResumes} resumes");
    }
}
