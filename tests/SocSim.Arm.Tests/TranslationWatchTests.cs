using SocSim.Arm.Translation;
using SocSim.Core;
using Xunit;

namespace SocSim.Arm.Tests;

/// <summary>
/// The address watch under the translating engine, in lockstep with the interpreter (threshold 0, the
/// whole core compared at every region exit; both cores watch the same addresses): every pass reported at
/// the same cycle. A watch on an IRQ handler's first instruction, which its region reaches only by being
/// entered there, lets the run loop call the watch's action and enter the region (as the interrupt latency
/// probe's watch on an ISR); a watch on a loop head inside a region, or on an instruction in the middle of
/// one, still has the run loop step that region.
/// </summary>
public sealed class TranslationWatchTests
{
    private const uint SysIrqOn = 0x1F;

    private static uint Regs(CpuMode m, int r) => TranslationLockstep.StandardRegs(m, r);

    /// <summary>
    /// A loop at 0x1000 (a RAM store and load, flags) and an IRQ handler at 0x2000 in another page (the
    /// vector's branch leaves the vector's region: the handler's region is entered at its first instruction
    /// only) that drops the device's nIRQ, counts in r8_irq and returns; nIRQ raised every 41 to 88 cycles.
    /// <paramref name="ldmFirst"/>: the handler starts with an LDM from the device, which the region leaves to
    /// the interpreter at its first instruction (the stepped instruction is the watched one).
    /// </summary>
    private static TranslationLockstep Rig(bool ldmFirst = false)
    {
        var rig = new TranslationLockstep(device: true);
        rig.Write32(0x18, 0xEA0007F8);    // irq: b 0x2000
        TranslationInterruptTests.ArmLoop(rig);
        uint[] handler =
        [
            0xE3A0C000,   // mov r12, #0
            0xE581C000,   // str r12, [r1]    (the device drops nIRQ)
            0xE2888001,   // add r8, r8, #1
            0xE25EF004,   // subs pc, lr, #4
        ];
        // ldmia r1, {r9, r10}: a device LDM, stepped at the region's exit before its first instruction.
        rig.Write32(0x2000, ldmFirst ? [0xE8910600, .. handler] : handler);
        long at = 0;
        for (int i = 0; i < 200; i++)
        {
            at += 41 + (i * 7919) % 48;
            rig.At(at, cpu => cpu.SetIrq(true));
        }
        rig.Start(0x1000, SysIrqOn, Regs);
        return rig;
    }

    /// <summary>How a side's watch behaves when reached: kept, cleared (and set again at the next IRQ entry, as the latency probe does), or set again (which ends the slice).</summary>
    public enum WatchAction { Keep, ClearUntilEntry, SetAgain }

    /// <summary>Both cores watch <paramref name="at"/>; returns the translating side's core after the lockstep run, with both sides' passes compared.</summary>
    private static ArmCpu RunWatched(uint[] at, WatchAction action, bool ldmFirst = false)
    {
        using var rig = Rig(ldmFirst);
        var hits = new List<(uint, long)>[2];
        int side = 0;
        foreach (var s in new[] { rig.Interp, rig.Trans })
        {
            var cpu = s.Cpu;
            var list = hits[side++] = new();
            void Reached(uint pc)
            {
                list.Add((pc, cpu.Cycles));
                if (action == WatchAction.ClearUntilEntry) cpu.SetWatch([], Reached);
                else if (action == WatchAction.SetAgain) cpu.SetWatch(at, Reached);
            }
            cpu.SetWatch(at, Reached);
            if (action == WatchAction.ClearUntilEntry) cpu.ExceptionEntered += _ => cpu.SetWatch(at, Reached);
        }
        Assert.True(rig.Run(14_000), rig.Failure);
        Assert.True(hits[0].Count > 100, $"{hits[0].Count} passes");
        Assert.Equal(hits[0], hits[1]);
        var t = rig.Trans.Cpu;
        Assert.True(t.Translator!.TranslatedInstructions > 500, $"{t.Translator.TranslatedInstructions} of {t.Instructions} translated");
        Assert.True(Count(t) > 150, $"{Count(t)} interrupts");
        return t;
    }

    private static uint Count(ArmCpu cpu) => cpu.GetBankedRegister(CpuMode.Irq, 8) - Regs(CpuMode.Irq, 8);

    /// <summary>The handler's first instruction watched: the run loop makes the watch's action and enters the handler's region at every pass, stepping none of it.</summary>
    [Theory]
    [InlineData(WatchAction.Keep)]
    [InlineData(WatchAction.ClearUntilEntry)]
    public void WatchOnHandlerEntry_EntersTheRegion(WatchAction action)
    {
        var cpu = RunWatched([0x2000], action);
        Assert.True(cpu.WatchedEntries > 100, $"{cpu.WatchedEntries} watched entries");
        Assert.Equal(0, cpu.Translator!.Fallback[FallbackClass.Watch]);
        Assert.True(cpu.Translator.TranslatedInstructions > cpu.Instructions * 9 / 10, $"{cpu.Translator.TranslatedInstructions} of {cpu.Instructions} translated");
    }

    /// <summary>An action that sets the watch again ends the slice: the handler's first instruction is then stepped (without a second check), as the interpreter executes it after the action.</summary>
    [Fact]
    public void WatchOnHandlerEntry_SetAgain_StepsTheInstruction()
    {
        var cpu = RunWatched([0x2000], WatchAction.SetAgain);
        Assert.Equal(0, cpu.WatchedEntries);
        Assert.True(cpu.Translator!.Fallback[FallbackClass.Watch] > 100);
    }

    /// <summary>The loop's head (which its own region branches back to) or an instruction in the middle of the loop or of the handler: those regions are stepped.</summary>
    [Theory]
    [InlineData(0x1000u)]
    [InlineData(0x100Cu)]
    [InlineData(0x2008u)]
    public void WatchInsideARegion_Steps(uint address)
    {
        var cpu = RunWatched([address], WatchAction.Keep);
        Assert.Equal(0, cpu.WatchedEntries);
        Assert.True(cpu.Translator!.Fallback[FallbackClass.Watch] > 100);
    }

    /// <summary>The handler's entry and an address in the loop: the handler's region is entered after the action, the loop's stepped.</summary>
    [Fact]
    public void WatchOnHandlerEntryAndInTheLoop()
    {
        var cpu = RunWatched([0x100C, 0x2000], WatchAction.Keep);
        Assert.True(cpu.WatchedEntries > 100, $"{cpu.WatchedEntries} watched entries");
        Assert.True(cpu.Translator!.Fallback[FallbackClass.Watch] > 100);
    }

    /// <summary>
    /// The handler's first instruction watched, and that instruction a device LDM, which the entered region
    /// leaves to the interpreter at once: the stepped instruction is the one whose watch the run loop already
    /// checked, so its action runs once per pass, as on the interpreter.
    /// </summary>
    [Theory]
    [InlineData(WatchAction.Keep)]
    [InlineData(WatchAction.ClearUntilEntry)]
    public void WatchOnHandlerEntry_SteppedAtTheRegionsExit_ActsOnce(WatchAction action)
    {
        var cpu = RunWatched([0x2000], action, ldmFirst: true);
        Assert.True(cpu.WatchedEntries > 100, $"{cpu.WatchedEntries} watched entries");
        Assert.True(cpu.Translator!.SteppedAtExits > 100, $"{cpu.Translator.SteppedAtExits} stepped at exits");
    }
}
