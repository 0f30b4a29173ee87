using SocSim.Arm.Translation;
using SocSim.Core;
using Xunit;

namespace SocSim.Arm.Tests;

/// <summary>
/// Regions: basic blocks chained inside one translated method, stopped by the run loop's limit at an
/// instruction boundary and entered again in their middle. Each case runs in lockstep against the
/// interpreter (threshold 0) and checks that chaining really happened.
/// </summary>
public sealed class TranslationChainingTests
{
    private const uint SysIrqOn = 0x1F, SysIrqOff = 0x1F | Psr.I | Psr.F;

    private static TranslationLockstep Rig(int eventSeed = 1, int maxEventPeriod = 0, bool interrupts = false, bool device = false)
    {
        var rig = new TranslationLockstep(eventSeed: eventSeed, maxEventPeriod: maxEventPeriod, interrupts: interrupts, device: device);
        rig.Write32(0x04, 0xE1B0F00E, 0xE1B0F00E, 0xE25EF004);
        rig.Write32(0x10, 0xE25EF004);                              // data abort: subs pc, lr, #4
        rig.Write32(0x18, 0xEA0003F8);                              // irq: b 0x1000
        rig.Write32(0x1C, 0xE25EF004);
        return rig;
    }

    private static uint Regs(CpuMode m, int r) => r switch
    {
        13 => 0x8000u + (uint)m * 0x100,
        9 => TranslationLockstep.DeviceBase,
        _ => (uint)r * 0x01010101u,
    };

    /// <summary>Two loops, one inside the other, over three basic blocks: a forward branch, a conditional back edge and an outer branch back.</summary>
    private static void NestedLoops(TranslationLockstep rig, uint at)
    {
        rig.Write32(at,
            0xE3A0100A,   // 00 mov r1, #10
            0xE2822003,   // 04 add r2, r2, #3          <- inner
            0xE0233002,   // 08 eor r3, r3, r2
            0xEA000000,   // 0c b 14
            0xE1A00000,   // 10 nop (skipped)
            0xE0844183,   // 14 add r4, r4, r3, lsl #3
            0xE2511001,   // 18 subs r1, r1, #1
            0x1AFFFFF8,   // 1c bne 04
            0xE5875000,   // 20 str r5, [r7]
            0xE2855001,   // 24 add r5, r5, #1
            0xEAFFFFF4);  // 28 b 00
    }

    [Fact]
    public void ChainedLoopsRunManyInstructionsPerDispatch()
    {
        using var rig = Rig();
        NestedLoops(rig, 0x1000);
        rig.Start(0x1000, SysIrqOff, (m, r) => r == 7 ? 0x9000u : Regs(m, r));
        Assert.True(rig.Run(50_000), rig.Failure);
        var t = rig.Trans.Cpu.Translator!;
        Assert.True(t.TranslatedInstructions > 10_000);
        Assert.True(t.TranslatedInstructions / t.BlockRuns > 1000, $"{t.TranslatedInstructions} instructions in {t.BlockRuns} runs");
    }

    /// <summary>
    /// Events every 1 to N cycles: a block runs translated only when its worst case fits before the next
    /// event, else the interpreter steps to it; the region is entered again after it, often in its
    /// middle. With events at most 3 or 17 cycles apart no block of these loops fits.
    /// </summary>
    [Theory]
    [InlineData(1, 3)]
    [InlineData(2, 17)]
    [InlineData(3, 60)]
    [InlineData(4, 400)]
    public void ChainedLoopsStopAtEveryEventBoundary(int seed, int maxPeriod)
    {
        using var rig = Rig(seed, maxPeriod, interrupts: true);
        NestedLoops(rig, 0x1000);
        rig.Start(0x1000, SysIrqOn, (m, r) => r == 7 ? 0x9000u : Regs(m, r));
        Assert.True(rig.Run(40_000), rig.Failure);
        Assert.True(rig.Trans.IrqChanges > 10);
        if (maxPeriod >= 60) Assert.True(rig.Trans.Cpu.Translator!.TranslatedInstructions > 5_000);
    }

    /// <summary>
    /// A store to a device inside chained blocks raises nIRQ: the region ends with that store (the
    /// interpreter executes it) and the interrupt is taken at the next boundary; the handler drops the
    /// line with another device store and returns to the instruction after the first store.
    /// </summary>
    [Fact]
    public void DeviceStoreInChainedBlocksRaisesAnInterruptTakenAtTheNextBoundary()
    {
        using var rig = Rig(device: true);
        rig.Write32(0x1000,
            0xE3A0100A,   // 00 mov r1, #10
            0xE2822003,   // 04 add r2, r2, #3
            0xE2511001,   // 08 subs r1, r1, #1
            0x1AFFFFFC,   // 0c bne 04
            0xE3A00001,   // 10 mov r0, #1
            0xE5890000,   // 14 str r0, [r9]         (nIRQ asserted)
            0xE2833001,   // 18 add r3, r3, #1       (not executed: the IRQ comes first)
            0xEAFFFFF7);  // 1c b 04
        // IRQ handler at 0x2000: drop the line, count, return to the loop's start in System mode.
        rig.Write32(0x18, 0xEA0007F8);                              // irq: b 0x2000
        rig.Write32(0x2000,
            0xE3A00000,   // mov r0, #0
            0xE5890000,   // str r0, [r9]   (r9_irq = r9: not banked)
            0xE5994000,   // ldr r4, [r9]   (a device read too)
            0xE2888001,   // add r8, r8, #1 (r8_irq counts)
            0xE25EF004);  // subs pc, lr, #4
        rig.Start(0x1000, SysIrqOn, Regs);
        Assert.True(rig.Run(30_000), rig.Failure);
        var cpu = rig.Trans.Cpu;
        uint irqs = cpu.GetBankedRegister(CpuMode.Irq, 8) - Regs(CpuMode.Irq, 8);
        Assert.True(irqs > 50, "the IRQ was taken on every pass");
        // The handler returns to the instruction after the store, which the interrupt had displaced.
        uint after = cpu.GetRegister(3) - Regs(CpuMode.System, 3);
        Assert.InRange(after, irqs - 1, irqs);
        // The store that raised nIRQ ended its region (made from the region: no interpreter step).
        Assert.True(cpu.Translator!.DeviceExits > 50);
    }

    /// <summary>
    /// Device reads and stores that raise nothing inside a loop: the region makes each access itself and
    /// goes on at the next instruction instead of returning to the run loop (checked in lockstep, with
    /// events every 1 to 400 cycles); a store that asserts nIRQ still ends it.
    /// </summary>
    [Fact]
    public void RegionGoesOnAfterADeviceAccessThatRaisesNothing()
    {
        using var rig = Rig(eventSeed: 5, maxEventPeriod: 400, device: true);
        rig.Write32(0x1000,
            0xE3A00000,   // 00 mov r0, #0
            0xE5994000,   // 04 ldr r4, [r9]        (a device read: the interpreter, then on in the region)
            0xE2822003,   // 08 add r2, r2, r3
            0xE5890000,   // 0c str r0, [r9]        (a device store of 0: nIRQ stays low)
            0xE0833004,   // 10 add r3, r3, r4
            0xE2511001,   // 14 subs r1, r1, #1
            0x1AFFFFF9,   // 18 bne 04
            0xEAFFFFF7);  // 1c b 00
        rig.Start(0x1000, SysIrqOn, Regs);
        Assert.True(rig.Run(40_000), rig.Failure);
        var t = rig.Trans.Cpu.Translator!;
        Assert.True(t.DeviceAccesses > 1000, $"{t.DeviceAccesses} device accesses from regions");
        Assert.Equal(0, t.SteppedAtExits);
        // All but those after which the next event was due before the limit.
        Assert.True(t.DeviceExits < t.DeviceAccesses / 10, $"{t.DeviceExits} of {t.DeviceAccesses} accesses left the region");
    }

    /// <summary>A Thumb BL whose target is its own second half: that half runs again with LR from the first run, not as the constant the pair folds to.</summary>
    [Fact]
    public void ThumbBlToItsOwnSuffix()
    {
        using var rig = Rig();
        rig.Write16(0x1000,
            0x3101,       // 1000 adds r1, #1
            0xF7FF,       // 1002 bl prefix: LR = 0x1006 - 0x1000 = 0x6
            0xFFFF);      // 1004 bl suffix: to 0x6 + 0xFFE = 0x1004 (itself, LR = 0x1007), then to 0x1007 + 0xFFE = 0x2004
        rig.Write16(0x2004,
            0x3201,       // 2004 adds r2, #1
            0x4801,       // 2006 ldr r0, [pc, #4]   (0x200C)
            0x4700,       // 2008 bx r0
            0x46C0,       // 200a nop
            0x1001, 0);   // 200c .word 0x1001
        rig.Start(0x1000, SysIrqOff | Psr.T, Regs);
        Assert.True(rig.Run(5_000), rig.Failure);
        Assert.True(rig.Trans.Cpu.Translator!.TranslatedInstructions > 100);
    }
}
