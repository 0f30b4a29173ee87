using SocSim.Core;
using Xunit;

namespace SocSim.Arm.Tests;

/// <summary>
/// A region loads only the registers its code uses and writes back only those it writes
/// (BlockTranslator.Emitter's <c>_used</c> and <c>_written</c>; the CPSR's flags live in locals packed at
/// every exit): regions that use few registers and no flags, that read flags but never set them, that set
/// them but never read them, in ARM and Thumb (high registers), a register written on one path only, STM
/// of every register with R15 and LDM of most, exited at every kind of exit (limit, end, branch, computed
/// branch, device access that raises nIRQ and that does not, an interrupt at a boundary, LDM to a device
/// through the interpreter, MSR with the region going on, data abort, exception return), in lockstep with
/// the interpreter (threshold 0, the whole core compared at every region exit) while random events raise
/// and drop nIRQ. Every register and every flag starts distinct, so one written back or loaded wrongly shows.
/// </summary>
public sealed class TranslationRegisterSetTests
{
    private const uint SysIrqOn = 0x1F | Psr.F;

    /// <summary>TranslationDeviceTests' rig: its vectors, IRQ handler (drops the device's nIRQ, counts in r8_irq) and device.</summary>
    private static TranslationLockstep Rig(int seed, int maxPeriod) => TranslationDeviceTests.Rig(seed, maxPeriod);

    private static uint Regs(CpuMode m, int r) => r switch
    {
        13 => 0x8000u + (uint)m * 0x100,
        15 => 0x1Fu,
        0 => 0x4000,
        1 => TranslationLockstep.DeviceBase,
        _ => (uint)r * 0x01010101u + (uint)m,
    };

    /// <summary>N, C and V set, Z clear (or the seed's flags): every flag differs from what a zeroed local would give.</summary>
    private static uint Flags(int seed) => seed == 0 ? 0xB000_0000u : (uint)(seed * 5 % 16) << 28;

    /// <summary>
    /// No flag read or set anywhere: device loads and stores (one raising nIRQ with bit 0), an LDM from the
    /// device (executed by the interpreter from the region's exit), MSRs of the control field the region goes
    /// on after, an aborting store, STM of every register with R15, LDM of most, a computed branch.
    /// </summary>
    private static void FlagFreeArm(TranslationLockstep rig) =>
        rig.Write32(0x1000,
            0xE2822001,   // 00 add r2, r2, #1
            0xE5802004,   // 04 str r2, [r0, #4]
            0xE5903004,   // 08 ldr r3, [r0, #4]
            0xE0834102,   // 0c add r4, r3, r2, lsl #2
            0xE5812000,   // 10 str r2, [r1]          (device: nIRQ = bit 0)
            0xE5915004,   // 14 ldr r5, [r1, #4]      (device)
            0xE89100C0,   // 18 ldm r1, {r6, r7}      (device: the interpreter, then the region goes on)
            0xE321F0DF,   // 1c msr cpsr_c, #0xDF     (I masked)
            0xE0866002,   // 20 add r6, r6, r2
            0xE321F05F,   // 24 msr cpsr_c, #0x5F     (I on)
            0xE5812088,   // 28 str r2, [r1, #0x88]   (aborts)
            0xE280CC01,   // 2c add r12, r0, #0x100   (a RAM buffer)
            0xE88CDFFF,   // 30 stm r12, {r0-r12, r14, pc}
            0xE89C0FF8,   // 34 ldm r12, {r3-r11}
            0xE2822001,   // 38 add r2, r2, #1
            0xE5812040,   // 3c str r2, [r1, #0x40]   (an event (r2 & 0x3F) + 1 cycles on drives nIRQ)
            0xE28FE004,   // 40 add lr, pc, #4
            0xE1A0F00E,   // 44 mov pc, lr            (computed branch to 0x4c)
            0xE1A00000,   // 48 nop (skipped)
            0xE28BB003,   // 4c add r11, r11, #3
            0xEAFFFFEA);  // 50 b 0x1000

    /// <summary>The flags read by conditions, never set.</summary>
    private static void FlagsReadArm(TranslationLockstep rig) =>
        rig.Write32(0x1000,
            0x02822001,   // 00 addeq r2, r2, #1
            0x12833001,   // 04 addne r3, r3, #1
            0x22844001,   // 08 addcs r4, r4, #1
            0x42855001,   // 0c addmi r5, r5, #1
            0x62866001,   // 10 addvs r6, r6, #1
            0xC2877001,   // 14 addgt r7, r7, #1
            0xE5812000,   // 18 str r2, [r1]          (device)
            0xE5918004,   // 1c ldr r8, [r1, #4]
            0x81A0A008,   // 20 movhi r10, r8
            0x1A000000,   // 24 bne 0x102c            (a register written on one path only)
            0xE28BB001,   // 28 add r11, r11, #1
            0xE5812088,   // 2c str r2, [r1, #0x88]   (aborts)
            0xEAFFFFF2);  // 30 b 0x1000

    /// <summary>The flags set, never read (an unconditional loop).</summary>
    private static void FlagsWrittenArm(TranslationLockstep rig) =>
        rig.Write32(0x1000,
            0xE2822001,   // 00 add r2, r2, #1
            0xE1520003,   // 04 cmp r2, r3
            0xE5812000,   // 08 str r2, [r1]          (device)
            0xE5918004,   // 0c ldr r8, [r1, #4]
            0xE0984002,   // 10 adds r4, r8, r2
            0xE5812088,   // 14 str r2, [r1, #0x88]   (aborts)
            0xE2545007,   // 18 subs r5, r4, #7
            0xE5812040,   // 1c str r2, [r1, #0x40]   (event)
            0xEAFFFFF6);  // 20 b 0x1000

    /// <summary>Thumb, high registers moved and added (no flags), device accesses.</summary>
    private static void FlagFreeThumb(TranslationLockstep rig) =>
        rig.Write16(0x1000,
            0x4690,   // 00 mov r8, r2
            0x44C1,   // 02 add r9, r8
            0x46CA,   // 04 mov r10, r9
            0x4492,   // 06 add r10, r2
            0x46D3,   // 08 mov r11, r10
            0x6082,   // 0a str r2, [r0, #8]
            0x6883,   // 0c ldr r3, [r0, #8]
            0x469C,   // 0e mov r12, r3
            0x44DC,   // 10 add r12, r11
            0x46E6,   // 12 mov lr, r12
            0x600B,   // 14 str r3, [r1]          (device)
            0x684C,   // 16 ldr r4, [r1, #4]      (device)
            0x4462,   // 18 add r2, r12
            0xE7F1);  // 1a b 0x1000

    public static TheoryData<int, int, int> Cases()
    {
        var data = new TheoryData<int, int, int>();
        foreach (int program in new[] { 0, 1, 2, 3 })
            foreach (var (seed, period) in new[] { (0, 0), (1, 7), (2, 40), (3, 300) })
                data.Add(program, seed, period);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void RegionsThatUseFewRegistersOrFlagsMatchTheInterpreter(int program, int seed, int maxPeriod)
    {
        using var rig = Rig(seed, maxPeriod);
        switch (program)
        {
            case 0: FlagFreeArm(rig); break;
            case 1: FlagsReadArm(rig); break;
            case 2: FlagsWrittenArm(rig); break;
            default: FlagFreeThumb(rig); break;
        }
        rig.Start(0x1000, SysIrqOn | Flags(seed) | (program == 3 ? Psr.T : 0), Regs);
        Assert.True(rig.Run(60_000), rig.Failure);
        var t = rig.Trans.Cpu.Translator!;
        Assert.True(t.TranslatedInstructions > 5_000, $"translated {t.TranslatedInstructions}");
        Assert.True(rig.Compares > 100, $"{rig.Compares} comparisons");
        if (program == 0) Assert.True(t.MsrResumes > 0, $"{t.MsrResumes} resumes after an MSR");
        if (maxPeriod > 0) Assert.True(rig.Trans.IrqChanges > 10, $"{rig.Trans.IrqChanges} nIRQ changes");
    }
}
