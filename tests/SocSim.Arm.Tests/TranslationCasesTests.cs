using SocSim.Core;
using Xunit;

namespace SocSim.Arm.Tests;

/// <summary>
/// The cases the translator is most likely to get wrong, each run in lockstep against the interpreter
/// (threshold 0) and checked for the architectural outcome too.
/// </summary>
public sealed class TranslationCasesTests
{
    private const uint SysIrqOn = 0x1F, SysIrqOff = 0x1F | Psr.I | Psr.F;

    private static TranslationLockstep Rig((uint, int, WaitStates)? second = null)
    {
        var rig = new TranslationLockstep(second: second);
        rig.Write32(0x04, 0xE1B0F00E, 0xE1B0F00E, 0xE25EF004);
        rig.Write32(0x10, 0xE25EF004);                              // data abort: subs pc, lr, #4
        rig.Write32(0x18, 0xE2888001, 0xE25EF004);                  // irq: add r8, r8, #1 (r8_irq counts) ; subs pc, lr, #4
        return rig;
    }

    private static uint Regs(CpuMode m, int r) => r == 13 ? 0x8000u + (uint)m * 0x100 : r == 15 ? 0x1Fu : (uint)r;

    /// <summary>ARM loop: 8 ALU instructions and a backward branch (a 9-instruction block).</summary>
    private static void AluLoop(TranslationLockstep rig, uint at)
    {
        rig.Write32(at,
            0xE2811001,   // add r1, r1, #1
            0xE0822001,   // add r2, r2, r1
            0xE0233002,   // eor r3, r3, r2
            0xE1A04163,   // mov r4, r3, ror #2
            0xE0544003,   // subs r4, r4, r3
            0xE2855003,   // add r5, r5, #3
            0xE0066195,   // mul r6, r5, r1
            0xE1A00000,   // nop
            0xEAFFFFF6);  // b at
    }

    [Fact]
    public void InterruptUnmaskedInTheMiddleOfABlock()
    {
        using var rig = Rig();
        rig.Write32(0x1000,
            0xE2811001,   // add r1, r1, #1
            0xE2822001,   // add r2, r2, #1
            0xE321F01F,   // msr cpsr_c, #0x1F   (IRQ unmasked: the interrupt is taken after the next instruction)
            0xE2833001,   // add r3, r3, #1
            0xE321F09F,   // msr cpsr_c, #0x9F   (masked again)
            0xE2844001,   // add r4, r4, #1
            0xEAFFFFF8);  // b 0x1000
        rig.Start(0x1000, SysIrqOff, Regs);
        rig.At(1, c => c.SetIrq(true));
        Assert.True(rig.Run(20_000), rig.Failure);
        var cpu = rig.Trans.Cpu;
        Assert.True(cpu.GetBankedRegister(CpuMode.Irq, 8) > 100, "the IRQ was taken on every pass");
        Assert.True(cpu.Translator!.TranslatedInstructions > 1000);
    }

    /// <summary>
    /// UM10275 §5.7.1 (ARM7TDMI): an IRQ that arrives during the MSR that disables IRQs is still taken,
    /// with SPSR_irq.I set: raised at every cycle of a loop that masks and unmasks, translated and
    /// interpreted agree, and some entries see I set in the SPSR.
    /// </summary>
    [Fact]
    public void InterruptArrivingDuringTheMsrThatMasksIt()
    {
        int entriesWithISet = 0;
        for (long at = 1; at <= 40; at++)
        {
            using var rig = Rig();
            rig.Write32(0x18, 0xE2888001, 0xE14F9000, 0xE3190080, 0x12877001, 0xE25EF004);
            // irq: add r8, r8, #1; mrs r9, spsr; tst r9, #0x80; addne r7, r7, #1 (r7_usr: entries with I set); subs pc, lr, #4
            rig.Write32(0x1000,
                0xE2811001,   // add r1, r1, #1
                0xE321F09F,   // msr cpsr_c, #0x9F   (IRQ masked)
                0xE2822001,   // add r2, r2, #1
                0xE321F01F,   // msr cpsr_c, #0x1F   (unmasked)
                0xE2833001,   // add r3, r3, #1
                0xEAFFFFF9);  // b 0x1000
            rig.Start(0x1000, SysIrqOn, Regs);
            rig.At(at, c => c.SetIrq(true));
            rig.At(at + 1, c => c.SetIrq(false));
            Assert.True(rig.Run(2_000), $"event at {at}: {rig.Failure}");
            entriesWithISet += (int)rig.Trans.Cpu.GetBankedRegister(CpuMode.User, 7);
        }
        Assert.True(entriesWithISet > 0, "an IRQ raised during the masking msr is taken with SPSR_irq.I set");
    }

    /// <summary>An interrupt raised at every cycle around the ends of a block: before, at and after.</summary>
    [Fact]
    public void TimerEventAroundBlockEnds()
    {
        for (long at = 1; at <= 140; at++)
        {
            using var rig = Rig();
            AluLoop(rig, 0x1000);
            rig.Start(0x1000, SysIrqOn, Regs);
            rig.At(at, c => c.SetIrq(true));
            rig.At(at + 1 + at % 7, c => c.SetIrq(false));
            Assert.True(rig.Run(3_000), $"event at {at}: {rig.Failure}");
            Assert.True(rig.Trans.Cpu.GetBankedRegister(CpuMode.Irq, 8) >= 1);
        }
    }

    [Theory]
    [InlineData(-4, false)]   // the next instruction: already in the decode stage, the old word executes
    [InlineData(0, false)]    // the one after: fetched during the store's first cycle, old word executes
    [InlineData(4, true)]     // two ahead: not fetched yet, the new word executes
    public void StoreIntoTheFollowingInstructions(int offset, bool newWordRuns)
    {
        using var rig = Rig();
        uint store = 0xE50F1000 | (uint)Math.Abs(offset) | (offset >= 0 ? 1u << 23 : 0);   // str r1, [pc, #offset]
        rig.Write32(0x1000,
            0xE3A01000,   // mov r1, #0 (overwritten below with the new instruction word)
            0xE59F1014,   // ldr r1, [pc, #20] -> the word at 0x1020
            store,        // at 0x1008: str r1, [pc, #offset] -> 0x1010 + offset
            0xE2822001,   // 0x100C add r2, r2, #1
            0xE2822001,   // 0x1010 add r2, r2, #1
            0xE2822001,   // 0x1014 add r2, r2, #1
            0xEAFFFFFE,   // 0x1018 b .
            0,
            0xE2877001);  // 0x1020 the new word: add r7, r7, #1
        rig.Start(0x1000, SysIrqOff, Regs);
        Assert.True(rig.Run(200), rig.Failure);
        var cpu = rig.Trans.Cpu;
        Assert.Equal(newWordRuns ? 7u + 1 : 7u, cpu.GetRegister(7));
        Assert.Equal(newWordRuns ? 2u + 2 : 2u + 3, cpu.GetRegister(2));
    }

    [Fact]
    public void SelfModifyingLoopIsRetranslated()
    {
        using var rig = Rig();
        // The loop rewrites its own immediate (add r2, r2, #k with k growing) every pass.
        rig.Write32(0x1000,
            0xE59F0018,   // ldr r0, [pc, #24]  -> 0x1020: the add instruction's word
            0xE2800001,   // add r0, r0, #1
            0xE58F0010,   // str r0, [pc, #16]  -> 0x1020
            0xE58F000C,   // str r0, [pc, #12]  -> 0x1020 (again: stores into code end the block)
            0xE1A00000,   // nop
            0xE1A00000,   // nop
            0xE1A00000,   // nop
            0xE1A00000,   // nop
            0xE2822000,   // 0x1020 add r2, r2, #0 (rewritten)
            0xEAFFFFF5);  // b 0x1000
        rig.Start(0x1000, SysIrqOff, Regs);
        Assert.True(rig.Run(20_000), rig.Failure);
        Assert.True(rig.Trans.Cpu.GetRegister(2) > 1000);
    }

    [Fact]
    public void BlocksCrossingAPageAndARegionBoundary()
    {
        using var rig = Rig(second: (0x10000, 16, new WaitStates(3, 1, 2, 1)));
        // Straight-line code from 0x1FE0 across the page boundary at 0x2000, and from 0xFFE0 across
        // the region boundary into the 16-bit RAM at 0x10000, then back.
        for (uint a = 0x1FE0; a < 0x2020; a += 4) rig.Write32(a, 0xE2811001);       // add r1, r1, #1
        rig.Write32(0x2020, 0xEA000000 | ((0xFFE0 - 0x2028) / 4 & 0xFFFFFF));       // b 0xFFE0
        for (uint a = 0xFFE0; a < 0x10020; a += 4) rig.Write32(a, 0xE2822001);      // add r2, r2, #1
        rig.Write32(0x10020, 0xEA000000 | (unchecked((uint)((0x1FE0 - 0x10028) / 4)) & 0xFFFFFF));
        rig.Start(0x1FE0, SysIrqOff, Regs);
        Assert.True(rig.Run(20_000), rig.Failure);
        Assert.True(rig.Trans.Cpu.GetRegister(2) > 100);
        Assert.True(rig.Trans.Cpu.Translator!.TranslatedInstructions > 1000);
    }

    /// <summary>BL's two halves in different blocks: the prefix ends a block at a page end, and interrupts land between the halves.</summary>
    [Fact]
    public void ThumbBlPairSplitAcrossBlocks()
    {
        for (long at = 1; at <= 60; at += 3)
        {
            using var rig = Rig();
            // Thumb: at 0x1FF0: adds r1, #1 ... then BL prefix at 0x1FFA, suffix at 0x1FFC -> 0x1C00.
            rig.Write16(0x1FF0, 0x3101, 0x3101, 0x3101, 0x3101, 0x3101);
            int off = (0x1C00 - 0x1FFE) / 2;
            rig.Write16(0x1FFA, (ushort)(0xF000 | ((off >> 11) & 0x7FF)), (ushort)(0xF800 | (off & 0x7FF)));
            rig.Write16(0x1C00, 0x3201, 0x3201, 0xE000 | ((0x1FF0 - 0x1C08) / 2 & 0x7FF));   // adds r2, #1 x2; b 0x1FF0
            rig.Start(0x1FF0, SysIrqOn | Psr.T, Regs);
            rig.At(at, c => c.SetIrq(true));
            rig.At(at + 2, c => c.SetIrq(false));
            Assert.True(rig.Run(4_000), $"irq at {at}: {rig.Failure}");
            Assert.True(rig.Trans.Cpu.GetRegister(2) > 50);
        }
    }

    [Fact]
    public void DataAbortInTheMiddleOfAnLdm()
    {
        using var rig = Rig();
        rig.Write32(0x1000,
            0xE3A00801,   // mov r0, #0x10000
            0xE2400008,   // sub r0, r0, #8        (r0 = 0xFFF8: two words of RAM, then unmapped space)
            0xE2899001,   // add r9, r9, #1
            0xE8B0001E,   // ldmia r0!, {r1-r4}    (aborts on the third word)
            0xE28AA001,   // add r10, r10, #1      (the abort handler returns here)
            0xE28BB001,   // add r11, r11, #1
            0xEAFFFFF8);  // b 0x1000
        rig.Write32(0xFFF8, 0x11111111, 0x22222222);
        rig.Start(0x1000, SysIrqOff, Regs);
        Assert.True(rig.Run(5_000), rig.Failure);
        var cpu = rig.Trans.Cpu;
        Assert.Equal(0x11111111u, cpu.GetRegister(1));
        Assert.Equal(CpuMode.System, cpu.Mode);
        Assert.Equal(0xFFF8u + 16, cpu.GetRegister(0));
        Assert.True(cpu.GetRegister(11) > 50);
        Assert.Equal(cpu.GetRegister(11) - 11 + 10, cpu.GetRegister(10));
    }

    [Fact]
    public void ObservedBusAndHooksFallBackToTheInterpreter()
    {
        using var rig = Rig();
        AluLoop(rig, 0x1000);
        rig.Start(0x1000, SysIrqOff, Regs);
        var rec = new CountingObserver();
        rig.Trans.Bus.Subscribe(rec);
        rig.Interp.Bus.Subscribe(new CountingObserver());
        Assert.True(rig.Run(5_000), rig.Failure);
        Assert.Equal(0, rig.Trans.Cpu.Translator!.TranslatedInstructions);
        Assert.True(rec.Count > 1000);
    }

    private sealed class CountingObserver : IBusObserver
    {
        public int Count;
        public void OnBusCycle(in BusCycle cycle) => Count++;
    }
}
