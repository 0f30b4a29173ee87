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
            0xE59B4000,   // ldr r4, [r11]      (a device read: off the fast path)
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
        Assert.StartsWith("swp=", t.Fallback.Format(), StringComparison.Ordinal);
    }
}
