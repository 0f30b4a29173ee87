using SocSim.Core;
using SocSim.Core.Cores;
using Xunit;

namespace SocSim.Arm.Tests;

/// <summary>
/// Region-to-region entries: the run loop entering the region a region exits to from the exited
/// region's cache of its next entry (<c>Region.Next</c>, counted in NextEntryHits) instead of the
/// translator's cache, with every check of the loop made at each boundary. Three regions in three
/// pages branch to each other (every exit a refill to another region); each case runs in lockstep
/// against the interpreter, checked after every region (threshold 0), with interrupts and events at
/// the boundaries, code changed under a cached successor, and a watch and a hook set and cleared by
/// events mid-run.
/// </summary>
public sealed class TranslationSuccessorEntryTests
{
    private const uint SysIrqOn = 0x1F, SysIrqOff = 0x1F | Psr.I | Psr.F;

    internal static TranslationLockstep Rig(int eventSeed = 1, int maxEventPeriod = 0, bool interrupts = false)
    {
        var rig = new TranslationLockstep(eventSeed: eventSeed, maxEventPeriod: maxEventPeriod, interrupts: interrupts);
        rig.Write32(0x04, 0xE1B0F00E, 0xE1B0F00E, 0xE25EF004);
        rig.Write32(0x10, 0xE25EF004);
        rig.Write32(0x18, 0xEA0007F8);                              // irq: b 0x2000
        rig.Write32(0x1C, 0xE25EF004);                              // fiq: subs pc, lr, #4
        rig.Write32(0x2000,
            0xE2888001,   // add r8, r8, #1    (r8_irq counts)
            0xE25EF004);  // subs pc, lr, #4
        return rig;
    }

    private static uint Regs(CpuMode m, int r) => r switch
    {
        13 => 0x8000u + (uint)m * 0x100,
        7 => 0x9000u,
        _ => (uint)r * 0x01010101u,
    };

    /// <summary>
    /// A (page 0x1000) goes to B (0x3000), B to C (0x5000), C to A or B by turns: every exit is a
    /// branch out of its page, so every entry after the first comes from a region's exit, and C's two
    /// successors share its cache.
    /// </summary>
    private static void ThreeRegions(TranslationLockstep rig)
    {
        rig.Write32(0x1000,
            0xE2822003,   // 1000 add r2, r2, #3
            0xE0233002,   // 1004 eor r3, r3, r2
            0xEA0007FC);  // 1008 b 0x3000
        rig.Write32(0x3000,
            0xE0844183,   // 3000 add r4, r4, r3, lsl #3
            0xE2511001,   // 3004 subs r1, r1, #1
            0xEA0007FC);  // 3008 b 0x5000
        rig.Write32(0x5000,
            0xE3110001,   // 5000 tst r1, #1
            0x1AFFEFFD,   // 5004 bne 0x1000
            0xE5875000,   // 5008 str r5, [r7]
            0xE2855001,   // 500c add r5, r5, #1
            0xEAFFF7FA);  // 5010 b 0x3000
    }

    [Fact]
    public void RegionsEnteredFromEachOthersExits()
    {
        using var rig = Rig();
        ThreeRegions(rig);
        rig.Start(0x1000, SysIrqOff, Regs);
        Assert.True(rig.Run(30_000), rig.Failure);
        var t = rig.Trans.Cpu.Translator!;
        // A's and B's exits always go to the same region; C's alternate between A and B.
        Assert.True(t.BlockRuns > 2_000, $"{t.BlockRuns} entries");
        Assert.True(t.NextEntryHits > t.BlockRuns / 2, $"{t.NextEntryHits} of {t.BlockRuns} entries from the exited region's cache");
    }

    /// <summary>
    /// Events every 1 to N cycles that raise and drop nIRQ and nFIQ: an interrupt or an event arrives at
    /// boundaries between regions entered from each other's exits (taken there, not entered past), and
    /// in their middle.
    /// </summary>
    [Theory]
    [InlineData(1, 2)]
    [InlineData(2, 5)]
    [InlineData(3, 17)]
    [InlineData(4, 60)]
    [InlineData(5, 400)]
    public void InterruptsAndEventsAtRegionToRegionBoundaries(int seed, int maxPeriod)
    {
        using var rig = Rig(seed, maxPeriod, interrupts: true);
        ThreeRegions(rig);
        rig.Start(0x1000, SysIrqOn, Regs);
        Assert.True(rig.Run(40_000), rig.Failure);
        Assert.True(rig.Trans.IrqChanges > 10);
        uint irqs = rig.Trans.Cpu.GetBankedRegister(CpuMode.Irq, 8) - Regs(CpuMode.Irq, 8);
        Assert.True(irqs > 0, "interrupts taken");
        if (maxPeriod >= 60) Assert.True(rig.Trans.Cpu.Translator!.NextEntryHits > 500, $"{rig.Trans.Cpu.Translator!.NextEntryHits} entries from the exited region's cache");
    }

    /// <summary>
    /// A patches an instruction in the middle of B (not its entry words: the pipeline matches, only
    /// memory differs) every 16th pass, then branches to B: the entry from A's cache must compare B's
    /// memory and leave B's stale translation (translated again); in lockstep, so B's new code runs at
    /// once. B also patches A's third word on other passes, across its own exit to A.
    /// </summary>
    [Theory]
    [InlineData(0)]
    [InlineData(300)]
    public void CodeChangedUnderACachedSuccessor(int maxPeriod)
    {
        using var rig = Rig(7, maxPeriod, interrupts: maxPeriod > 0);
        rig.Write32(0x1000,
            0xE2855001,   // 1000 add r5, r5, #1
            0xE315000F,   // 1004 tst r5, #15
            0x1A000002,   // 1008 bne 0x1018
            0xE59A0000,   // 100c ldr r0, [r10]       (B's word at 0x3008)
            0xE020000B,   // 1010 eor r0, r0, r11     (add r4, r4, #1 <-> add r4, r4, #0x100)
            0xE58A0000,   // 1014 str r0, [r10]
            0xEA0007F8);  // 1018 b 0x3000
        rig.Write32(0x3000,
            0xE0844003,   // 3000 add r4, r4, r3
            0xE2844001,   // 3004 add r4, r4, #1
            0xE2844001,   // 3008 add r4, r4, #1      (patched by A)
            0xE2511001,   // 300c subs r1, r1, #1
            0x1AFFF7FA,   // 3010 bne 0x1000
            0xE3A01028,   // 3014 mov r1, #40
            0xE59C0000,   // 3018 ldr r0, [r12]       (A's word at 0x1008: bne 0x1018 <-> bne 0x101c, the same skip)
            0xE0200009,   // 301c eor r0, r0, r9
            0xE58C0000,   // 3020 str r0, [r12]
            0xEAFFF7F5);  // 3024 b 0x1000
        rig.Write32(0x101C, 0xEAFFFFFD);                          // 101c b 0x1018
        rig.Start(0x1000, maxPeriod > 0 ? SysIrqOn : SysIrqOff, (m, r) => r switch
        {
            10 => 0x3008u,
            11 => 0xE2844001u ^ 0xE2844C01u,
            12 => 0x1008u,
            9 => 0x1A000002u ^ 0x1A000003u,
            1 => 40u,
            _ => Regs(m, r),
        });
        Assert.True(rig.Run(25_000), rig.Failure);
        var t = rig.Trans.Cpu.Translator!;
        Assert.True(t.Invalidations >= 10, $"{t.Invalidations} invalidations");
        Assert.True(t.NextEntryHits > 200, $"{t.NextEntryHits} entries from the exited region's cache");
    }

    private sealed class CountingHook : IExecutionHook
    {
        public long Before, After;
        public bool BeforeInstruction(ICore cpu, uint pc, uint opcode) { Before += pc ^ opcode; return false; }
        public void AfterInstruction(ICore cpu) => After++;
    }

    /// <summary>
    /// A watch on an address inside B, then a hook, each set and cleared by events while the regions
    /// chain: once set, no region that covers the watch may be entered from the exited region's cache (the watch fires at
    /// every pass, as in the interpreter), and nothing is entered while the hook is set (it sees every
    /// instruction); after they are cleared, the regions chain again.
    /// </summary>
    [Fact]
    public void WatchAndHookSetMidRun()
    {
        using var rig = Rig(9, 200, interrupts: true);
        ThreeRegions(rig);
        var watchHits = new Dictionary<ArmCpu, int>();
        var hooks = new Dictionary<ArmCpu, CountingHook>();
        rig.At(5_000, cpu => { watchHits[cpu] = 0; cpu.SetWatch([0x3004u], _ => watchHits[cpu]++); });
        rig.At(12_000, cpu => cpu.SetWatch([], _ => { }));
        rig.At(18_000, cpu => cpu.Hook = hooks[cpu] = new CountingHook());
        rig.At(24_000, cpu => cpu.Hook = null);
        rig.Start(0x1000, SysIrqOn, Regs);
        Assert.True(rig.Run(15_000), rig.Failure);
        long hitsBefore = rig.Trans.Cpu.Translator!.NextEntryHits;
        Assert.True(rig.Run(35_000), rig.Failure);
        ArmCpu i = rig.Interp.Cpu, tr = rig.Trans.Cpu;
        Assert.True(watchHits[tr] > 20, $"{watchHits[tr]} watch hits");
        Assert.Equal(watchHits[i], watchHits[tr]);
        Assert.True(hooks[tr].After > 500, $"{hooks[tr].After} hooked instructions");
        Assert.Equal(hooks[i].After, hooks[tr].After);
        Assert.Equal(hooks[i].Before, hooks[tr].Before);
        // Entered from each other again after both were cleared.
        Assert.True(tr.Translator!.NextEntryHits > hitsBefore + 500, $"{tr.Translator!.NextEntryHits - hitsBefore} entries from the exited region's cache after 15,000 cycles");
    }
}
