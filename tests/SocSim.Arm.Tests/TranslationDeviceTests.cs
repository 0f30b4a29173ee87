using SocSim.Core;
using Xunit;

namespace SocSim.Arm.Tests;

/// <summary>
/// Device registers reached from translated code (the region makes the access itself, ArmCpu.RegionDevice):
/// every load and store size, accesses that raise nothing (the region goes on), that raise nIRQ at
/// once, that schedule an event sooner than the region's limit, and that abort (data abort, base
/// written back), all in lockstep with the interpreter (threshold 0) while random events raise and
/// drop nIRQ every 1 to N cycles, so interrupts arrive at every instruction boundary of the blocks.
/// </summary>
public sealed class TranslationDeviceTests
{
    private const uint SysIrqOn = 0x1F | Psr.F;

    internal static TranslationLockstep Rig(int seed, int maxPeriod)
    {
        var rig = new TranslationLockstep(eventSeed: seed, maxEventPeriod: maxPeriod, interrupts: maxPeriod > 0, device: true);
        rig.Write32(0x04, 0xE1B0F00E, 0xE1B0F00E, 0xE25EF004);
        rig.Write32(0x10, 0xE2899001, 0xE25EF004);                  // data abort: add r9, r9, #1 (r9 counts aborts); subs pc, lr, #4
        rig.Write32(0x18, 0xEA0007F8);                              // irq: b 0x2000
        rig.Write32(0x1C, 0xE25EF004);
        // IRQ handler: drop the device's nIRQ (a device store), count in r8_irq, return.
        rig.Write32(0x2000,
            0xE3A0C000,   // mov r12, #0
            0xE581C000,   // str r12, [r1]
            0xE2888001,   // add r8, r8, #1
            0xE25EF004);  // subs pc, lr, #4
        return rig;
    }

    private static uint Regs(CpuMode m, int r) => r switch
    {
        13 => 0x8000u + (uint)m * 0x100,
        1 => TranslationLockstep.DeviceBase,
        0 => 3,
        _ => (uint)r * 0x01010101u,
    };

    /// <summary>An ARM loop over every size of device load and store, an aborting load (with writeback) and store, and a store that schedules an event.</summary>
    private static void ArmLoop(TranslationLockstep rig) =>
        rig.Write32(0x1000,
            0xE5914000,   // 00 ldr r4, [r1]
            0xE5D15001,   // 04 ldrb r5, [r1, #1]
            0xE1D160B2,   // 08 ldrh r6, [r1, #2]
            0xE1D170D3,   // 0c ldrsb r7, [r1, #3]
            0xE1D1A0F5,   // 10 ldrsh r10, [r1, #5]  (odd: a byte access)
            0xE1D1B0F2,   // 14 ldrsh r11, [r1, #2]
            0xE0822004,   // 18 add r2, r2, r4
            0xE5812004,   // 1c str r2, [r1, #4]     (nIRQ = bit 0)
            0xE5C12008,   // 20 strb r2, [r1, #8]
            0xE1C120BA,   // 24 strh r2, [r1, #10]
            0xE5B13080,   // 28 ldr r3, [r1, #0x80]! (aborts: r1 written back, r3 not)
            0xE3A01802,   // 2c mov r1, #0x20000
            0xE5812088,   // 30 str r2, [r1, #0x88]  (aborts)
            0xE5812040,   // 34 str r2, [r1, #0x40]  (an event (r2 & 0x3F) + 1 cycles on drives nIRQ)
            0xE0855007,   // 38 add r5, r5, r7
            0xEAFFFFEF);  // 3c b 0x1000

    [Theory]
    [InlineData(1, 0)]
    [InlineData(2, 3)]
    [InlineData(3, 17)]
    [InlineData(4, 60)]
    [InlineData(5, 400)]
    public void ArmDeviceAccessesInLockstep(int seed, int maxPeriod)
    {
        using var rig = Rig(seed, maxPeriod);
        ArmLoop(rig);
        rig.Start(0x1000, SysIrqOn, Regs);
        Assert.True(rig.Run(60_000), rig.Failure);
        var cpu = rig.Trans.Cpu;
        var t = cpu.Translator!;
        Assert.True(cpu.GetBankedRegister(CpuMode.Abort, 9) - Regs(CpuMode.Abort, 9) > 100, "the aborting accesses took data aborts");
        Assert.True(cpu.GetBankedRegister(CpuMode.Irq, 8) - Regs(CpuMode.Irq, 8) > 100, "interrupts were taken");
        if (maxPeriod == 0 || maxPeriod >= 60)
        {
            // Made from regions, not stepped by the interpreter; some raised something and left.
            Assert.True(t.DeviceAccesses > 1000, $"{t.DeviceAccesses} device accesses from regions");
            Assert.True(t.DeviceExits > 100 && t.DeviceExits < t.DeviceAccesses, $"{t.DeviceExits} of {t.DeviceAccesses} left");
            Assert.Equal(0, t.SteppedAtExits);
        }
    }

    /// <summary>Thumb device loads and stores of every size (LDSH at an odd address: the addressed byte), nIRQ driven by the stores.</summary>
    [Theory]
    [InlineData(1, 0)]
    [InlineData(2, 5)]
    [InlineData(3, 90)]
    public void ThumbDeviceAccessesInLockstep(int seed, int maxPeriod)
    {
        using var rig = Rig(seed, maxPeriod);
        rig.Write16(0x1000,
            0x680C,       // 00 ldr r4, [r1]
            0x794D,       // 02 ldrb r5, [r1, #5]
            0x884E,       // 04 ldrh r6, [r1, #2]
            0x5E0F,       // 06 ldrsh r7, [r1, r0]   (r0 = 3: odd)
            0x560B,       // 08 ldrsb r3, [r1, r0]
            0x1912,       // 0a adds r2, r2, r4
            0x604A,       // 0c str r2, [r1, #4]     (nIRQ = bit 0)
            0x720A,       // 0e strb r2, [r1, #8]
            0x814A,       // 10 strh r2, [r1, #10]
            0x19ED,       // 12 adds r5, r5, r7
            0xE7F4);      // 14 b 0x1000
        rig.Start(0x1000, SysIrqOn | Psr.T, Regs);
        Assert.True(rig.Run(40_000), rig.Failure);
        var t = rig.Trans.Cpu.Translator!;
        if (maxPeriod == 0 || maxPeriod >= 60) Assert.True(t.DeviceAccesses > 1000, $"{t.DeviceAccesses} device accesses from regions");
    }
    /// <summary>
    /// LDM/STM to device registers leave the fast path: the interpreter executes each from the region's
    /// exit and the region goes on after it at that instruction's own resume point (three per region
    /// here, ArmCpu.StepFromRegion). In lockstep with interrupts at every boundary; without events almost
    /// every stepped transfer goes on in the same run (a region that resumed only at its first point, or never, fails).
    /// </summary>
    [Theory]
    [InlineData(1, 0)]
    [InlineData(2, 7)]
    [InlineData(3, 120)]
    public void ArmDeviceBlockTransfersResumeAtEachPoint(int seed, int maxPeriod)
    {
        using var rig = Rig(seed, maxPeriod);
        rig.Write32(0x1000,
            0xE8910030,   // 00 ldmia r1, {r4, r5}    (stepped, resumes)
            0xE0866004,   // 04 add r6, r6, r4
            0xE3C66001,   // 08 bic r6, r6, #1        (even: the store below leaves nIRQ low)
            0xE2813008,   // 0c add r3, r1, #8
            0xE8830044,   // 10 stmia r3, {r2, r6}    (stepped, resumes)
            0xE2877001,   // 14 add r7, r7, #1
            0xE8930300,   // 18 ldmia r3, {r8, r9}    (stepped, resumes)
            0xE0899008,   // 1c add r9, r9, r8
            0xEAFFFFF6);  // 20 b 0x1000
        rig.Start(0x1000, SysIrqOn, Regs);
        Assert.True(rig.Run(40_000), rig.Failure);
        var t = rig.Trans.Cpu.Translator!;
        // Events every few cycles leave no block room to run: only the lockstep counts then.
        if (maxPeriod == 0 || maxPeriod >= 60) Assert.True(t.SteppedAtExits > 1000, $"{t.SteppedAtExits} stepped");
        // Each resume goes on in the same run: a region that went on only after its first point would end
        // a run at two stepped transfers in three.
        if (maxPeriod == 0) Assert.True(t.BlockRuns * 4 < t.SteppedAtExits, $"{t.BlockRuns} region runs for {t.SteppedAtExits} stepped transfers");
    }
}
