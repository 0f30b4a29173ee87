using SocSim.Arm.Translation;
using SocSim.Core;
using Xunit;

namespace SocSim.Arm.Tests;

/// <summary>
/// A region runs up to the exact boundary of the run loop's next event (the first instruction boundary
/// at or past it, as the interpreter's loop decides) instead of leaving at a block that does not fit and
/// letting the interpreter step there (issue 21, the `limit` fallback). In lockstep with the interpreter
/// (threshold 0, the whole core compared at every region exit): an event that changes what the code
/// reads, due at every cycle of two blocks in two pages; events due one before, at and one after a
/// region's end; an IRQ raised at every cycle. No instruction may be stepped at a limit.
/// </summary>
public sealed class TranslationExactLimitTests
{
    private static uint Regs(CpuMode m, int r) => TranslationLockstep.StandardRegs(m, r);

    /// <summary>
    /// Two blocks in two pages (each region ends at the branch into the other page): RAM stores and
    /// loads under the rig's wait states, a multiply whose cost depends on its operand, flags; both read
    /// the word at 0x4008 that the test's events write. IRQ handler at 0x2000: drops the device's nIRQ,
    /// counts in r8_irq, returns with SUBS PC, LR, #4.
    /// </summary>
    private static TranslationLockstep Rig()
    {
        var rig = new TranslationLockstep(device: true);
        rig.Write32(0x18, 0xEA0007F8);    // irq: b 0x2000
        rig.Write32(0x2000,
            0xE3A0C000,   // mov r12, #0
            0xE581C000,   // str r12, [r1]
            0xE2888001,   // add r8, r8, #1
            0xE25EF004);  // subs pc, lr, #4
        rig.Write32(0x1000,
            0xE2822001,   // 00 add r2, r2, #1
            0xE5802004,   // 04 str r2, [r0, #4]
            0xE5903008,   // 08 ldr r3, [r0, #8]
            0xE0060293,   // 0c mul r6, r3, r2
            0xE0944003,   // 10 adds r4, r4, r3
            0xEA000FF9);  // 14 b 0x5000
        rig.Write32(0x5000,
            0xE5907008,   // 00 ldr r7, [r0, #8]
            0xE0899007,   // 04 add r9, r9, r7
            0xE2855001,   // 08 add r5, r5, #1
            0xEAFFEFFB);  // 0c b 0x1000
        return rig;
    }

    private static void Start(TranslationLockstep rig, uint cpsr = 0x1F) => rig.Start(0x1000, cpsr, Regs);

    /// <summary>An event the code observes: the word both blocks load changes at that cycle.</summary>
    private static void WriteAt(TranslationLockstep rig, long cycle, uint value)
    {
        foreach (var side in new[] { rig.Interp, rig.Trans })
        {
            var bus = side.Bus;
            side.Scheduler.Schedule(new Event("write", EventPriority.Peripheral, _ => bus.DebugWrite32(0x4008, value)), side.Scheduler.Cycles + cycle);
        }
    }

    /// <summary>
    /// Nothing stepped at a limit, and nothing outside a region but what <paramref name="allowed"/> names.
    /// </summary>
    private static void AssertAllTranslated(ArmCpu cpu, string what, long allowed = 0)
    {
        var t = cpu.Translator!;
        Assert.True(t.Fallback[FallbackClass.Limit] == 0, $"{what}: {t.Fallback.Format()}");
        Assert.True(cpu.Instructions - t.TranslatedInstructions <= allowed, $"{what}: {t.TranslatedInstructions} of {cpu.Instructions} translated ({t.Fallback.Format()})");
    }

    /// <summary>
    /// Runs in slices, the whole core compared at each slice's end (not at region exits: there the
    /// translating core has not yet run the event due at that boundary, the interpreter has; an event
    /// that writes RAM would differ for that reason alone). A region leaving one boundary late or early
    /// changes what the blocks read, which the next comparison sees.
    /// </summary>
    private static bool RunSlices(TranslationLockstep rig, long cycles)
    {
        rig.Trans.Cpu.BlockExited = null;
        for (long t = 23; t < cycles; t += 23)
            if (!rig.Run(t)) return false;
        return rig.Run(cycles);
    }

    [Fact]
    public void EventAtEveryCycleOfTwoBlocks()
    {
        for (int c = 1; c <= 90; c++)
        {
            using var rig = Rig();
            WriteAt(rig, c, 0x100u + (uint)c);
            WriteAt(rig, c + 41, 0x7000_0000u + (uint)c);
            Start(rig, 0xDF);
            Assert.True(RunSlices(rig, 400), $"event at cycle {c}: {rig.Failure}");
            AssertAllTranslated(rig.Trans.Cpu, $"event at cycle {c}");
            // The events were seen: r9 summed the values after each.
            Assert.NotEqual(Regs(CpuMode.System, 9), rig.Trans.Cpu.GetBankedRegister(CpuMode.System, 9));
        }
    }

    /// <summary>The cycles at which the translating core's first regions ended (no events).</summary>
    private static List<long> RegionEnds(int count)
    {
        using var rig = Rig();
        var ends = new List<long>();
        rig.Trans.Cpu.BlockExited = cpu => { if (ends.Count < count) ends.Add(rig.Trans.Scheduler.Cycles); };
        Start(rig, 0xDF);
        rig.Trans.Cpu.Run(300);
        return ends;
    }

    [Fact]
    public void EventsOneBeforeAtAndAfterARegionsEnd()
    {
        var ends = RegionEnds(4);
        Assert.Equal(4, ends.Count);
        foreach (long end in ends)
            for (int d = -2; d <= 2; d++)
            {
                using var rig = Rig();
                WriteAt(rig, end + d, 0x55u + (uint)(d + 2));
                Start(rig, 0xDF);
                Assert.True(RunSlices(rig, 400), $"event at {end}{d:+0;-0;+0}: {rig.Failure}");
                AssertAllTranslated(rig.Trans.Cpu, $"event at {end}{d:+0;-0;+0}");
            }
    }

    [Fact]
    public void IrqAtEveryCycleOfTwoBlocks()
    {
        for (int c = 1; c <= 90; c++)
        {
            using var rig = Rig();
            rig.At(c, cpu => cpu.SetIrq(true));
            Start(rig);
            Assert.True(rig.Run(600), $"IRQ at cycle {c}: {rig.Failure}");
            var cpu = rig.Trans.Cpu;
            Assert.Equal(1u, cpu.GetBankedRegister(CpuMode.Irq, 8) - Regs(CpuMode.Irq, 8));
            Assert.Equal(1, cpu.Translator!.InterruptEntries);
            // The return into the instruction after the STR (compiled for an N fetch, the refill leaves
            // S) is stepped once: cold, not a limit.
            AssertAllTranslated(cpu, $"IRQ at cycle {c}", allowed: 1);
        }
    }
}
