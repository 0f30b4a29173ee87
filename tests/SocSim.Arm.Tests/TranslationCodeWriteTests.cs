using SocSim.Core;
using Xunit;

namespace SocSim.Arm.Tests;

/// <summary>
/// A RAM region is compared with memory at an entry only when something may have written code since
/// its last comparison (ArmCpu._codeWrites, Region.Unchanged): a region's store into the host bytes of
/// any RAM region's code, a call from a region into the core that can reach a device or the interpreter,
/// anything the run loop does besides running regions. Each case changes the code of the region entered
/// next, or of the one that runs again, in one of those ways while regions enter each other with nothing
/// between them (End exits at the instruction cap inside a loop, branches between pages), in lockstep
/// against the interpreter (threshold 0, checked after every region): a stale translation shows at once.
/// </summary>
public sealed class TranslationCodeWriteTests
{
    private const uint SysIrqOn = 0x1F, SysIrqOff = 0x1F | Psr.I | Psr.F;
    /// <summary>
    /// The patched pair: <c>add r4, r4, r3</c> and <c>sub r4, r4, r3</c>. Both are one-to-one in r4, so a
    /// stale instruction leaves a difference no later instruction erases (add r4, r4, r4 would: 32
    /// doublings clear r4).
    /// </summary>
    private const uint AddR4R3 = 0xE0844003, SubR4R3 = 0xE0444003;

    /// <summary>TranslationSuccessorEntryTests' rig: its vectors and an IRQ handler that counts in r8_irq.</summary>
    private static TranslationLockstep Rig(int eventSeed = 1, int maxEventPeriod = 0, bool interrupts = false) =>
        TranslationSuccessorEntryTests.Rig(eventSeed, maxEventPeriod, interrupts);

    private static uint Regs(CpuMode m, int r) => (uint)r * 0x01010101u;

    /// <summary>
    /// A loop of 45 instructions at 0x1000 (34 of them <c>add r4, r4, r3</c>), longer than a region's cap
    /// of 32: regions end at the cap inside it and the next one is entered from their End exit. Every 8th
    /// pass the loop flips the add at <paramref name="patched"/> to <c>sub r4, r4, r3</c> and back with a
    /// load, an EOR and <c>str</c>.
    /// </summary>
    private static void CappedLoop(TranslationLockstep rig)
    {
        rig.Write32(0x1000, 0xE2855001);                           // 1000 add r5, r5, #1
        for (uint a = 0x1004; a < 0x1090; a += 4) rig.Write32(a, AddR4R3);
        rig.Write32(0x1090,
            0xE3150007,   // 1090 tst r5, #7
            0x1A000002,   // 1094 bne 0x10a4
            0xE59A0000,   // 1098 ldr r0, [r10]
            0xE020000B,   // 109c eor r0, r0, r11
            0xE58A0000,   // 10a0 str r0, [r10]
            0xE2511001,   // 10a4 subs r1, r1, #1
            0x1AFFFFD4,   // 10a8 bne 0x1000
            0xE3A01032,   // 10ac mov r1, #50
            0xEAFFFFD2);  // 10b0 b 0x1000
    }

    /// <summary>The patched word in the region at the loop's start, and in the one entered at its cap.</summary>
    [Theory]
    [InlineData(0x1008u, 0)]
    [InlineData(0x1084u, 0)]
    [InlineData(0x1008u, 300)]
    [InlineData(0x1084u, 37)]
    public void StoreIntoCodeOfARegionEnteredAtTheCap(uint patched, int maxPeriod)
    {
        using var rig = Rig(5, maxPeriod, interrupts: maxPeriod > 0);
        CappedLoop(rig);
        rig.Start(0x1000, maxPeriod > 0 ? SysIrqOn : SysIrqOff, (m, r) => r switch
        {
            10 => patched,
            11 => AddR4R3 ^ SubR4R3,
            1 => 50u,
            _ => Regs(m, r),
        });
        Assert.True(rig.Run(60_000), rig.Failure);
        var t = rig.Trans.Cpu.Translator!;
        Assert.True(t.Invalidations > 5, $"{t.Invalidations} invalidations");
        Assert.True(t.NextEntryHits > 100, $"{t.NextEntryHits} entries from the exited region's cache");
    }

    /// <summary>
    /// The capped loop without its own store, its adds from a random one on changed by an event instead
    /// (a DMA-like write of RAM through MemoryRegion.Write, not the bus's debug path, so not an untracked write), among other
    /// events every 1 to N cycles: between regions entered from each other's End exits and in their middle.
    /// </summary>
    [Theory]
    [InlineData(1, 0)]
    [InlineData(2, 0)]
    [InlineData(3, 40)]
    [InlineData(4, 500)]
    public void CodeWrittenByAnEventBetweenChainedRegions(int seed, int maxPeriod)
    {
        // Events only (nIRQ and nFIQ stay high): an interrupt entry would count as a possible write itself.
        using var rig = Rig(seed, maxPeriod);
        CappedLoop(rig);
        rig.Write32(0x1098, 0xE1A00000, 0xE1A00000, 0xE1A00000); // the loop's own patch: nop
        var random = new Random(seed);
        long at = 0;
        for (int i = 0; i < 40; i++)
        {
            at += 200 + random.Next(1500);
            // Every add from a random one on: whatever region runs next runs some of them.
            uint from = 0x1004 + 4 * (uint)random.Next(34);
            foreach (var side in new[] { rig.Interp, rig.Trans })
            {
                var ram = side.Ram;
                side.Scheduler.Schedule(new Event("dma", EventPriority.Peripheral, _ =>
                {
                    bool abort = false;
                    for (uint a = from; a < 0x1090; a += 4)
                        ram.Write(a, 4, ram.Read(a, 4, AccessFlags.None, ref abort) ^ (AddR4R3 ^ SubR4R3), AccessFlags.None, ref abort);
                }), at);
            }
        }
        rig.Start(0x1000, SysIrqOff, (m, r) => r == 1 ? 50u : Regs(m, r));
        // Compared at the end only: at a region's exit at an event's cycle the interpreter, run to that
        // cycle, has made the event's write and the translating core not yet (its run loop makes it next).
        rig.Trans.Cpu.BlockExited = null;
        Assert.True(rig.Run(70_000), rig.Failure);
        Assert.True(rig.Trans.Cpu.Translator!.Invalidations > 5, $"{rig.Trans.Cpu.Translator!.Invalidations} invalidations");
    }

    /// <summary>
    /// Region A (0x1000) changes a word of region B (0x3000) every 16th pass, then branches to B, which
    /// goes back to A with <c>bx r6</c> (both refills from RAM, no count of their own): by
    /// <c>str</c>, <c>strb</c>, <c>strh</c>, an <c>stm</c> of two words whose second is B's, an <c>stm</c>
    /// across the page boundary before B (its second word B's first), and <c>swp</c>, which the
    /// interpreter executes from A's exit.
    /// </summary>
    [Theory]
    [InlineData("str", 0)]
    [InlineData("strb", 0)]
    [InlineData("strh", 0)]
    [InlineData("stm", 0)]
    [InlineData("stm-page", 0)]
    [InlineData("swp", 0)]
    [InlineData("str", 29)]
    [InlineData("stm-page", 200)]
    [InlineData("swp", 13)]
    public void StoreIntoTheNextRegionsCode(string how, int maxPeriod)
    {
        using var rig = Rig(9, maxPeriod, interrupts: maxPeriod > 0);
        uint[] patch = how switch
        {
            "str" => [0xE59A0000, 0xE020000B, 0xE58A0000],              // ldr r0, [r10]; eor r0, r0, r11; str r0, [r10]
            "strb" => [0xE5DA0000, 0xE020000B, 0xE5CA0000],             // ldrb / eor / strb
            "strh" => [0xE1DA00B0, 0xE020000B, 0xE1CA00B0],             // ldrh / eor / strh
            "stm" or "stm-page" => [0xE89A0081, 0xE027700B, 0xE88A0081], // ldmia r10, {r0, r7}; eor r7, r7, r11; stmia r10, {r0, r7}
            _ => [0xE59A0000, 0xE020000B, 0xE10A7090],                  // ldr r0, [r10]; eor r0, r0, r11; swp r7, r0, [r10]
        };
        (uint target, uint mask) = how switch
        {
            "strb" => (0x3009u, 0x0Cu),                 // 3008's second byte: add r4, r4, #1 <-> add r4, r4, #0x100
            "strh" => (0x3008u, 0x0C00u),
            "stm" => (0x3004u, 0xE2844001u ^ 0xE2844C01u),  // words 3004 and 3008
            "stm-page" => (0x2FFCu, AddR4R3 ^ SubR4R3),     // words 2ffc and 3000
            _ => (0x3008u, 0xE2844001u ^ 0xE2844C01u),
        };
        rig.Write32(0x1000,
            0xE2855001,   // 1000 add r5, r5, #1
            0xE315000F,   // 1004 tst r5, #15
            0x1A000002,   // 1008 bne 0x1018
            patch[0], patch[1], patch[2],
            0xEA0007F8);  // 1018 b 0x3000
        rig.Write32(0x3000,
            AddR4R3,      // 3000 add r4, r4, r3
            0xE2844001,   // 3004 add r4, r4, #1
            0xE2844001,   // 3008 add r4, r4, #1
            0xE2533001,   // 300c subs r3, r3, #1
            0xE12FFF16);  // 3010 bx r6
        rig.Start(0x1000, maxPeriod > 0 ? SysIrqOn : SysIrqOff, (m, r) => r switch
        {
            10 => target,
            11 => mask,
            6 => 0x1000u,
            _ => Regs(m, r),
        });
        Assert.True(rig.Run(30_000), rig.Failure);
        var t = rig.Trans.Cpu.Translator!;
        // stm-page changes B's first word, which the pipeline check at B's entry sees first.
        Assert.True(t.Invalidations > 2, $"{t.Invalidations} invalidations");
    }

    /// <summary>
    /// The same in Thumb state: A (Thumb, 0x1000) flips B's (ARM, 0x3000) immediate with
    /// <c>ldrh</c>/<c>eors</c>/<c>strh</c> every 16th pass and goes there with <c>bx r7</c>; B comes back
    /// with <c>bx r6</c>.
    /// </summary>
    [Theory]
    [InlineData(0)]
    [InlineData(41)]
    public void ThumbStoreIntoTheNextRegionsCode(int maxPeriod)
    {
        using var rig = Rig(11, maxPeriod, interrupts: maxPeriod > 0);
        rig.Write16(0x1000,
            0x3501,   // 1000 adds r5, #1
            0x0728,   // 1002 lsls r0, r5, #28
            0xD102,   // 1004 bne 0x100c
            0x8810,   // 1006 ldrh r0, [r2]
            0x4058,   // 1008 eors r0, r3
            0x8010,   // 100a strh r0, [r2]
            0x4738);  // 100c bx r7
        rig.Write32(0x3000,
            0xE0844009,   // 3000 add r4, r4, r9
            0xE2844001,   // 3004 add r4, r4, #1
            0xE2844001,   // 3008 add r4, r4, #1
            0xE2599001,   // 300c subs r9, r9, #1
            0xE12FFF16);  // 3010 bx r6
        rig.Start(0x1000, (maxPeriod > 0 ? SysIrqOn : SysIrqOff) | Psr.T, (m, r) => r switch
        {
            2 => 0x3008u,
            3 => 0x0C00u,
            5 => 0u,
            6 => 0x1001u,
            7 => 0x3000u,
            _ => Regs(m, r),
        });
        Assert.True(rig.Run(30_000), rig.Failure);
        var t = rig.Trans.Cpu.Translator!;
        Assert.True(t.Invalidations > 5, $"{t.Invalidations} invalidations");
    }

    /// <summary>
    /// A watch on B's first instruction (0x3000: reached only by entering B, so the run loop makes the
    /// watch's action and then enters B) whose action flips B's third instruction every third time,
    /// as a debugger script could: B's code must be compared again after the action.
    /// </summary>
    [Fact]
    public void WatchActionWritesCode()
    {
        using var rig = Rig();
        rig.Write32(0x1000,
            0xE2855001,   // 1000 add r5, r5, #1
            0xEA0007FD);  // 1004 b 0x3000
        rig.Write32(0x3000,
            AddR4R3,      // 3000 add r4, r4, r3
            0xE2844001,   // 3004 add r4, r4, #1
            0xE2844001,   // 3008 add r4, r4, #1   (flipped by the watch's action)
            0xE2533001,   // 300c subs r3, r3, #1
            0xE12FFF16);  // 3010 bx r6
        foreach (var side in new[] { rig.Interp, rig.Trans })
        {
            var ram = side.Ram;
            int reached = 0;
            side.Cpu.SetWatch([0x3000u], _ =>
            {
                if (++reached % 3 != 0) return;
                bool abort = false;
                ram.Write(0x3008, 4, ram.Read(0x3008, 4, AccessFlags.None, ref abort) ^ (0xE2844001u ^ 0xE2844C01u), AccessFlags.None, ref abort);
            });
        }
        rig.Start(0x1000, SysIrqOff, (m, r) => r == 6 ? 0x1000u : Regs(m, r));
        Assert.True(rig.Run(30_000), rig.Failure);
        Assert.True(rig.Trans.Cpu.WatchedEntries > 100, $"{rig.Trans.Cpu.WatchedEntries} regions entered after the watch's action");
        Assert.True(rig.Trans.Cpu.Translator!.Invalidations > 5, $"{rig.Trans.Cpu.Translator!.Invalidations} invalidations");
    }
}
