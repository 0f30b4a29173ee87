using SocSim.Arm;
using SocSim.Core;
using SocSim.Peripherals;
using Xunit;

namespace SocSim.Boards.Tests;

/// <summary>
/// Code in the LPC2106's flash behind the MAM, translated (threshold 0) with the MAM's timing model,
/// in lockstep with the interpreter: MAM modes 0/1/2 and MAMTIM values, MAMTIM and MAMCR rewritten
/// while translated code runs, literal-pool reads (data reads that abort a prefetch) inside blocks,
/// branches into the line being prefetched, vectors remapped by MEMMAP = 0 and 2 (and MEMMAP switched
/// while running), Thumb code. After every translated block the full core state must agree; at the
/// end the cycles, the MAM's flash read count and memory.
/// </summary>
public sealed class TranslationMamTests
{
    private const uint Scb = 0xE01FC000, Sram = 0x4000_0000;

    /// <summary>A tiny ARM/Thumb assembler: words placed at addresses in the flash.</summary>
    private sealed class Asm
    {
        public readonly List<(uint Address, uint Value, int Size)> Words = new();
        public uint At;
        public Asm Org(uint a) { At = a; return this; }
        public uint W(uint v) { Words.Add((At, v, 4)); At += 4; return At - 4; }
        public uint H(uint v) { Words.Add((At, v, 2)); At += 2; return At - 2; }
        public static uint Dp(uint op, int rd, int rn, uint imm, bool s = false) => 0xE2000000 | op << 21 | (s ? 1u << 20 : 0) | (uint)rn << 16 | (uint)rd << 12 | imm;
        public static uint DpReg(uint op, int rd, int rn, int rm, bool s = false) => 0xE0000000 | op << 21 | (s ? 1u << 20 : 0) | (uint)rn << 16 | (uint)rd << 12 | (uint)rm;
        public uint Mov(int rd, uint imm) => W(Dp(13, rd, 0, imm));
        public uint Ldr(int rd, int rn, uint off) => W(0xE5900000 | (uint)rn << 16 | (uint)rd << 12 | off);
        public uint Str(int rd, int rn, uint off) => W(0xE5800000 | (uint)rn << 16 | (uint)rd << 12 | off);
        public uint LdrLit(int rd, uint literal) => W(0xE59F0000 | (uint)rd << 12 | (literal - (At + 8)));
        public uint B(uint target, uint cond = 0xE, bool link = false) => W(cond << 28 | (link ? 0x0B000000u : 0x0A000000u) | (((target - (At + 8)) >> 2) & 0xFFFFFF));
    }

    private static (Machine Interp, Machine Trans) Pair(Asm asm, uint entry, Action<Machine>? setup = null)
    {
        var board = BoardLoader.Load([Path.Combine(TestFiles.BoardsDir, "lpc2106.json")], []);
        var a = Machine.Create(board, new MachineOptions { Warnings = TextWriter.Null });
        var b = Machine.Create(board, new MachineOptions { Warnings = TextWriter.Null, Engine = ExecutionEngine.Translate, TranslationThreshold = 0 });
        foreach (var m in new[] { a, b })
        {
            foreach (var (addr, v, size) in asm.Words)
                if (size == 4) m.Bus.DebugWrite32(addr, v);
                else { m.Bus.DebugWrite8(addr, (byte)v); m.Bus.DebugWrite8(addr + 1, (byte)(v >> 8)); }
            setup?.Invoke(m);
            m.Scheduler.Cycles = 0;
            m.Cpu.ResetTo(entry);
        }
        return (a, b);
    }

    private static Lpc2106Mam Mam(Machine m) => m.Device<Lpc2106SystemControl>("scb").Mam;

    /// <summary>Lockstep for <paramref name="cycles"/>; returns the translated share.</summary>
    private static double Lockstep(Machine a, Machine b, long cycles)
    {
        string? failure = null;
        long checks = 0;
        b.Cpu.BlockExited = _ =>
        {
            if (failure != null) return;
            a.Cpu.Run(b.Scheduler.Cycles);
            checks++;
            if (TranslationFirmwareTests.CompareCores(a, b) is { } d) failure = $"block exit #{checks} at pc=0x{b.Cpu.Pc:X8}: {d}";
            else if (Mam(a).FlashReads != Mam(b).FlashReads) failure = $"block exit #{checks} at pc=0x{b.Cpu.Pc:X8}: flash reads {Mam(a).FlashReads} != {Mam(b).FlashReads}";
            if (failure != null) b.Cpu.RequestStop();
        };
        var rb = b.Run(cycles);
        Assert.True(failure == null, failure);
        var ra = a.Run(cycles);
        Assert.Equal(ra, rb);
        Assert.Null(TranslationFirmwareTests.CompareCores(a, b));
        Assert.Equal(Mam(a).FlashReads, Mam(b).FlashReads);
        Assert.Equal(Mam(a).Mode, Mam(b).Mode);
        Assert.Equal(Mam(a).Timing, Mam(b).Timing);
        for (int i = 0; i < a.Bus.Mappings.Count; i++)
            if (a.Bus.Mappings[i].Region is { } r)
                Assert.True(r.AsSpan().SequenceEqual(b.Bus.Mappings[i].Region!.AsSpan()), $"memory of {r.Name} differs");
        Assert.True(checks > 10, $"{checks} block exits");
        return (double)b.Cpu.Translator!.TranslatedInstructions / rb.Instructions;
    }

    /// <summary>
    /// Sets MAMCR/MAMTIM/MEMMAP at 0x40, then loops at 0x200: literal loads (data reads from flash),
    /// an SRAM store, a call into a far line and back, a branch to the next line (the one being
    /// prefetched), and every 16 iterations the <paramref name="change"/> code (MAMTIM, MAMCR and MEMMAP
    /// rewritten).
    /// </summary>
    private static Asm Program(uint mode, uint timing, uint memmap, bool change, bool thumb = false)
    {
        var s = new Asm().Org(0x40);
        s.LdrLit(0, 0x1F0);               // r0 = SCB
        s.Mov(1, timing); s.Str(1, 0, 4);  // MAMTIM
        s.Mov(1, mode); s.Str(1, 0, 0);    // MAMCR
        s.Mov(1, memmap); s.Str(1, 0, 0x40);  // MEMMAP
        s.LdrLit(5, 0x1F4);               // r5 = SRAM + 0x100
        s.LdrLit(13, 0x1F8);              // sp = SRAM + 0x8000
        s.Mov(4, 0); s.Mov(6, timing);
        s.B(0x200);
        s.Org(0x1F0); s.W(Scb); s.W(Sram + 0x100); s.W(Sram + 0x8000);
        // Loop.
        s.Org(0x200);
        uint loop = s.LdrLit(2, 0x2F0);   // literal: aborts the prefetch of the next line
        s.W(Asm.DpReg(4, 3, 3, 2));       // add r3, r3, r2
        s.Str(3, 5, 0);                   // str r3, [r5]
        s.B(0x300, link: true);           // bl far
        s.W(Asm.Dp(4, 4, 4, 1));          // add r4, r4, #1
        s.B(0x220);                       // to the next line (being prefetched)
        s.Org(0x220);
        s.W(Asm.Dp(0, 7, 4, 15, s: true)); // ands r7, r4, #15
        s.B(0x260, cond: 0x1);            // bne skip
        if (change)
        {
            s.W(Asm.Dp(4, 6, 6, 1));      // add r6, r6, #1
            s.W(Asm.Dp(0, 6, 6, 7));      // and r6, r6, #7 (MAMTIM 0 included: taken as 1)
            s.Str(6, 0, 4);               // MAMTIM
            s.W(Asm.Dp(0, 7, 4, 0x30));   // and r7, r4, #0x30
            s.W(0xE1A07227);              // mov r7, r7, lsr #4
            s.W(Asm.Dp(0, 7, 7, 3));      // and r7, r7, #3
            s.W(Asm.Dp(10, 0, 7, 3, s: true)); // cmp r7, #3
            s.W(0x03A07002);              // moveq r7, #2
            s.Str(7, 0, 0);               // MAMCR
            // MEMMAP switched between 1 and the program's value: every switch drops the translations.
            s.W(Asm.Dp(0, 1, 4, 0x10, s: true)); // ands r1, r4, #16
            s.W(0x03A01001);              // moveq r1, #1
            s.W(0x13A01000 | memmap);     // movne r1, #memmap
            s.Str(1, 0, 0x40);            // MEMMAP
        }
        s.Org(0x260);
        s.Ldr(8, 5, 0);                   // SRAM load
        s.B(loop);
        s.Org(0x2F0); s.W(0x12345);
        // Far routine: a literal load, then back (to Thumb code and back when asked).
        s.Org(0x300);
        s.LdrLit(9, 0x3F0);
        s.W(Asm.DpReg(4, 10, 10, 9));     // add r10, r10, r9
        if (thumb)
        {
            s.W(0xE92D400F);              // push {r0-r3, lr}
            s.LdrLit(11, 0x3F4);          // r11 = 0x401 (Thumb)
            s.W(0xE1A0E00F);              // mov lr, pc
            s.W(0xE12FFF1B);              // bx r11
            s.W(0xE8BD400F);              // pop {r0-r3, lr}
        }
        s.W(0xE12FFF1E);                  // bx lr
        s.Org(0x3F0); s.W(3); s.W(0x401);
        if (thumb)
        {
            // Thumb: a counted loop with a PC-relative literal load and a halfword load from flash.
            s.Org(0x400);
            s.H(0x2003);                  // movs r0, #3
            uint tl = s.H(0x4903);        // ldr r1, [pc, #12] (0x410)
            s.H(0x188A);                  // adds r2, r1, r2
            s.H(0x8823);                  // ldrh r3, [r4, #0]  (r4 < 64: a vector word, remapped or not)
            s.H(0x3801);                  // subs r0, #1
            s.H(0xD000 | 0x1 << 8 | (((tl - (s.At + 4)) >> 1) & 0xFF)); // bne tl
            s.H(0x4770);                  // bx lr
            s.Org(0x410); s.W(0x1111);
        }
        return s;
    }

    private static void Vectors(Machine m)
    {
        // Reset vector: to 0x40; the others (in flash, the boot block and SRAM) return at once.
        m.Bus.DebugWrite32(0, 0xEA00000E);             // b 0x40
        for (uint v = 4; v < 0x20; v += 4)
        {
            m.Bus.DebugWrite32(v, 0xE1B0F00E);         // movs pc, lr
            m.Bus.DebugWrite32(Lpc2106Mam.BootBlockOffset + v, 0xE1B0F00E);
            m.Bus.DebugWrite32(Sram + v, 0xE1B0F00E);
        }
    }

    [Theory]
    [InlineData(0u, 4u)]
    [InlineData(1u, 1u)]
    [InlineData(1u, 3u)]
    [InlineData(2u, 1u)]
    [InlineData(2u, 4u)]
    [InlineData(2u, 7u)]
    public void ModesAndTimings(uint mode, uint timing)
    {
        var (a, b) = Pair(Program(mode, timing, 1, change: false), 0, Vectors);
        using (a) using (b)
        {
            double share = Lockstep(a, b, 400_000);
            Assert.Equal(mode, Mam(b).Mode);
            Assert.True(share > 0.8, $"translated share {share:P1}");
        }
    }

    [Fact]
    public void MamtimAndMamcrRewrittenWhileTranslated()
    {
        var (a, b) = Pair(Program(2, 3, 1, change: true), 0, Vectors);
        using (a) using (b) Assert.True(Lockstep(a, b, 600_000) > 0.5);
    }

    [Theory]
    [InlineData(0u)]
    [InlineData(2u)]
    public void VectorsRemappedByMemmap(uint memmap)
    {
        // The reset vector runs from flash before MEMMAP is written; then the vectors come from the
        // boot block (0) or the SRAM (2): the Thumb routine's halfword loads read them as data.
        var (a, b) = Pair(Program(2, 3, memmap, change: true, thumb: true), 0, Vectors);
        using (a) using (b)
        {
            Assert.True(Lockstep(a, b, 600_000) > 0.5);
            // r4 counts iterations; MEMMAP is the program's value from r4 = 16 (r4 & 16 set) on, 1 otherwise.
            uint r4 = b.Cpu.GetRegister(4);
            Assert.True(r4 > 32, $"r4 = {r4}");
            Assert.Equal((r4 & 16) != 0 ? memmap : 1u, Mam(b).MemoryMap);
            Assert.Equal(Mam(a).MemoryMap, Mam(b).MemoryMap);
        }
    }

    /// <summary>
    /// Translated code's fetches (the MAM's <see cref="Lpc2106Mam.FetchClocks"/> with its same-line
    /// shortcut) against the interpreter on the full per-fetch model (the shortcut off), ARM and Thumb,
    /// at every mode and MAMTIM 1-7.
    /// </summary>
    [Theory]
    [InlineData(0u)]
    [InlineData(1u)]
    [InlineData(2u)]
    public void TranslatedFetchesAgainstThePerFetchModel(uint mode)
    {
        for (uint timing = 1; timing <= 7; timing++)
        {
            var (a, b) = Pair(Program(mode, timing, 1, change: false, thumb: true), 0, Vectors);
            using (a) using (b)
            {
                Mam(a).SameLineShortcut = false;
                try
                {
                    Assert.True(Lockstep(a, b, 150_000) > 0.8);
                    // The BX exits into the flash refilled through the MAM's FetchClocks (ArmCpu.RefillFromRegion), not the bus.
                    Assert.True(b.Cpu.Translator!.FastRefills > 100, $"{b.Cpu.Translator.FastRefills} refills timed by FetchClocks");
                }
                catch (Exception e) { throw new Xunit.Sdk.XunitException($"MAMTIM = {timing}: {e.Message}"); }
            }
        }
    }

    /// <summary>The same with MAMTIM, MAMCR and MEMMAP rewritten by translated code mid-block.</summary>
    [Fact]
    public void TranslatedFetchesAgainstThePerFetchModelWithSettingsRewritten()
    {
        var (a, b) = Pair(Program(2, 3, 2, change: true, thumb: true), 0, Vectors);
        using (a) using (b)
        {
            Mam(a).SameLineShortcut = false;
            Assert.True(Lockstep(a, b, 600_000) > 0.5);
        }
    }

    [Theory]
    [InlineData(1u)]
    [InlineData(2u)]
    public void ThumbCodeInFlash(uint mode)
    {
        var (a, b) = Pair(Program(mode, 4, 1, change: false, thumb: true), 0, Vectors);
        using (a) using (b)
        {
            Assert.True(Lockstep(a, b, 400_000) > 0.8);
            Assert.True(b.Cpu.Translator!.FastRefills > 100, $"{b.Cpu.Translator.FastRefills} refills timed by FetchClocks");
        }
    }

    /// <summary>
    /// Regions in the flash are compared with memory only when a write outside the bus's page tables
    /// may have changed it (Region.BehindController, Bus.UntrackedWrites): a scheduled event rewrites
    /// the loop's <c>add r4, r4, #1</c> in the flash (to <c>#2</c> and back) through Bus.DebugWrite32
    /// while translated code runs (the same run of the core), and between runs of the core; the
    /// translated machine must execute the new instruction at once, in lockstep with the interpreter.
    /// </summary>
    [Fact]
    public void FlashRewrittenUnderTranslatedCode()
    {
        var (a, b) = Pair(Program(2, 3, 1, change: false), 0, Vectors);
        using (a) using (b)
        {
            foreach (var m in new[] { a, b })
            {
                var s = m.Scheduler;
                bool two = false;
                Event? e = null;
                e = s.CreateEvent("test.patch", EventPriority.Peripheral, t =>
                {
                    two = !two;
                    m.Bus.DebugWrite32(0x210, Asm.Dp(4, 4, 4, two ? 2u : 1u));
                    s.Schedule(e!, s.CpuClock.TimeOfEdge(s.Cycles + 5_003));
                });
                s.Schedule(e, s.CpuClock.TimeOfEdge(s.Cycles + 5_003));
            }
            Assert.True(Lockstep(a, b, 300_000) > 0.5);
            long invalidations = b.Cpu.Translator!.Invalidations;
            Assert.True(invalidations > 5, $"{invalidations} invalidations");
            // Between runs of the core: the next run compares once more.
            foreach (var m in new[] { a, b }) m.Bus.DebugWrite32(0x210, Asm.Dp(4, 4, 4, 3));
            Assert.True(Lockstep(a, b, 400_000) > 0.5);
        }
    }

    /// <summary>
    /// LDM from the flash (the demo's float library loads its double constants with LDM): a pair in one
    /// line, three words across two lines with write-back, LDMDB, a conditional LDM, four words of the
    /// code line being executed (its bank's prefetch abandoned), five words from 0x30 across the vector
    /// area (remapped by MEMMAP = 2: left to the interpreter), and an SRAM LDM between them.
    /// </summary>
    private static Asm LdmProgram(uint mode, uint timing, uint memmap)
    {
        var s = new Asm().Org(0x40);
        s.LdrLit(0, 0x1F0);
        s.Mov(1, timing); s.Str(1, 0, 4);
        s.Mov(1, mode); s.Str(1, 0, 0);
        s.Mov(1, memmap); s.Str(1, 0, 0x40);
        s.LdrLit(5, 0x1F4);
        s.Mov(4, 0);
        s.B(0x200);
        s.Org(0x1F0); s.W(Scb); s.W(Sram + 0x100);
        s.Org(0x200);
        uint loop = s.LdrLit(3, 0x2F0);   // r3 = 0x508
        s.W(0xE8930006);                  // ldm r3, {r1, r2}
        s.W(Asm.DpReg(4, 4, 4, 1));       // add r4, r4, r1
        s.LdrLit(3, 0x2F4);               // r3 = 0x50C
        s.W(0xE8B30086);                  // ldmia r3!, {r1, r2, r7}
        s.W(0xE9130300);                  // ldmdb r3, {r8, r9}
        s.W(Asm.DpReg(4, 4, 4, 9));       // add r4, r4, r9
        s.W(0xE24F3008);                  // sub r3, pc, #8 (this instruction's address)
        s.W(0xE8930186);                  // ldm r3, {r1, r2, r7, r8}
        s.W(Asm.Dp(0, 10, 4, 3, s: true)); // ands r10, r4, #3
        s.W(0x08930006);                  // ldmeq r3, {r1, r2}
        s.W(0xE8950006);                  // ldm r5, {r1, r2} (SRAM)
        s.Mov(3, 0x30);
        s.W(0xE8930386);                  // ldm r3, {r1, r2, r7, r8, r9}
        s.W(Asm.DpReg(4, 4, 4, 8));       // add r4, r4, r8
        s.Str(4, 5, 0);
        s.W(Asm.Dp(4, 11, 11, 1));        // add r11, r11, #1
        s.B(0x300, link: true);           // bl 0x300 (its BX LR leaves the region: a lockstep check per iteration)
        s.B(loop);
        s.Org(0x2F0); s.W(0x508); s.W(0x50C);
        s.Org(0x300); s.W(0xE12FFF1E);    // bx lr
        s.Org(0x500);
        for (uint i = 0; i < 8; i++) s.W(0x1000 + i * 0x111);
        return s;
    }

    /// <summary>
    /// LDM from the flash read inside the region, each word timed by the MAM's data path, in lockstep with
    /// the interpreter on the full per-fetch model at every mode and MAMTIM 1-7; with MEMMAP = 2 the LDM
    /// across the remapped vectors leaves for the interpreter (the others stay in the region).
    /// </summary>
    [Theory]
    [InlineData(0u, 1u)]
    [InlineData(1u, 1u)]
    [InlineData(2u, 1u)]
    [InlineData(2u, 2u)]
    public void LdmFromFlashInsideRegions(uint mode, uint memmap)
    {
        for (uint timing = 1; timing <= 7; timing++)
        {
            var (a, b) = Pair(LdmProgram(mode, timing, memmap), 0, Vectors);
            using (a) using (b)
            {
                Mam(a).SameLineShortcut = false;
                try
                {
                    Assert.True(Lockstep(a, b, 100_000) > 0.8);
                    Assert.True(b.Cpu.GetRegister(11) > 100, $"{b.Cpu.GetRegister(11)} iterations");
                    long device = b.Cpu.Translator!.Fallback[SocSim.Arm.Translation.FallbackClass.Device];
                    long iterations = b.Cpu.GetRegister(11);
                    // MEMMAP = 1: no LDM leaves the region; 2: only the one across the vectors, once per iteration.
                    if (memmap == 1) Assert.True(device < 4, $"{device} LDM stepped by the interpreter");
                    else Assert.InRange(device, iterations - 4, iterations + 4);
                }
                catch (Exception e) { throw new Xunit.Sdk.XunitException($"MAMTIM = {timing}: {e.Message}"); }
            }
        }
    }

    /// <summary>
    /// A chain of stations in the flash from 0x400 (ARM or Thumb), each ending with a branch to the
    /// next, placed so the chained branches' targets take every place in a line in turn, at gaps that
    /// land in the same line, the line after (in the other bank, often under prefetch) and farther; a
    /// literal load in some, a call to a routine that returns by <c>BX LR</c> (the run loop's refill at
    /// a region's exit, to every place in a line) in others, a short backward loop in others.
    /// </summary>
    /// <remarks>
    /// With <paramref name="acrossPages"/> every station lies in the next 4 KiB page (each jump a
    /// constant branch out of its region's page: the region's exit refill, made in the region by
    /// BlockTranslator.EmitTimedRefill), Thumb jumps are BL (B reaches 2 KiB), the routine lies at 0x1C000
    /// (no literal loads then), and the chain goes back to the start from the flash's last instruction
    /// (its refill reads the flash's last two words: the fast path's upper bound).
    /// </remarks>
    private static Asm StationsProgram(uint mode, uint timing, bool thumb, int seed, bool acrossPages = false)
    {
        var rnd = new Random(seed);
        var s = new Asm().Org(0x40);
        s.LdrLit(0, 0x1F0);               // r0 = SCB
        s.Mov(1, timing); s.Str(1, 0, 4);  // MAMTIM
        s.Mov(1, mode); s.Str(1, 0, 0);    // MAMCR
        s.LdrLit(13, 0x1F8);              // sp
        s.Mov(4, 0);
        if (thumb) { s.LdrLit(11, 0x1FC); s.W(0xE12FFF1B); }   // bx r11 (0x401)
        else s.B(0x400);
        s.Org(0x1F0); s.W(Scb); s.W(Sram + 0x100); s.W(Sram + 0x8000); s.W(0x401);
        uint step = thumb ? 2u : 4u, start = 0x400, sub = acrossPages ? 0x1C000u : start + (thumb ? 0x3C0u : 0x7C0u), lit = start + (thumb ? 0x3F0u : 0x7F0u);
        void Bl(uint target)
        {
            int off = (int)(target - (s.At + 4)) >> 1;
            s.H(0xF000 | (uint)(off >> 11) & 0x7FF); s.H(0xF800 | (uint)off & 0x7FF);
        }
        void Jump(uint target)
        {
            if (thumb && acrossPages) Bl(target);
            else if (thumb) s.H(0xE000 | (((target - (s.At + 4)) >> 1) & 0x7FF));
            else s.B(target);
        }
        const int Stations = 24;
        var places = new List<uint>();
        uint at = start;
        for (int k = 0; k < Stations; k++)
        {
            s.Org(at);
            places.Add(at);
            if (thumb)
            {
                if (k % 3 == 1 && !acrossPages) s.H(0x4A00 | ((lit - ((s.At + 4) & ~3u)) >> 2));   // ldr r2, [pc, #lit]
                if (k % 4 == 2) Bl(sub);
                if (k % 6 == 3)
                {
                    s.H(0x2703);              // movs r7, #3
                    uint l = s.H(0x3401);     // adds r4, #1
                    s.H(0x3F01);              // subs r7, #1
                    s.H(0xD100 | (((l - (s.At + 4)) >> 1) & 0xFF));   // bne l
                }
                s.H(0x3401);                  // adds r4, #1
            }
            else
            {
                if (k % 3 == 1 && !acrossPages) s.LdrLit(2, lit);
                if (k % 4 == 2) s.B(sub, link: true);
                if (k % 6 == 3)
                {
                    s.Mov(7, 3);
                    uint l = s.W(Asm.Dp(4, 4, 4, 1));          // add r4, r4, #1
                    s.W(Asm.Dp(2, 7, 7, 1, s: true));          // subs r7, r7, #1
                    s.B(l, cond: 0x1);                         // bne l
                }
                s.W(Asm.Dp(4, 4, 4, 1));                       // add r4, r4, #1
            }
            // The next station's place in its line: every place in turn, 0-2 lines farther.
            uint end = s.At + step;
            uint want = (uint)(k + 1) * step % 16;
            at = end + ((want - end) & 15) + (uint)rnd.Next(3) * 16 + (acrossPages ? 0x1000u : 0);
            Jump(at);
        }
        s.Org(at);
        if (acrossPages)
        {
            // The flash's last instructions (an ARM B and the word after it, or a Thumb BL's two halfwords) go back to the start.
            uint last = 0x20000 - (thumb ? 4u : 8u);
            Jump(last);
            s.Org(last);
        }
        Jump(start);
        s.Org(sub);
        if (thumb) { s.H(0x3501); s.H(0x4770); }       // adds r5, #1; bx lr
        else { s.W(Asm.Dp(4, 5, 5, 1)); s.W(0xE12FFF1E); }
        s.Org(lit); s.W(0x1234);
        Assert.Equal(16 / (int)step, places.Select(p => p & 15).Distinct().Count());
        Assert.True(at < sub, $"stations end at 0x{at:X}");
        if (acrossPages) Assert.Equal(places.Count, places.Select(p => p >> 12).Distinct().Count());
        return s;
    }

    /// <summary>MAMCR 0-2, ARM and Thumb: the stations theories' cases.</summary>
    public static TheoryData<uint, bool> ModesArmAndThumb => new() { { 0u, false }, { 1u, false }, { 2u, false }, { 0u, true }, { 1u, true }, { 2u, true } };

    /// <summary>
    /// Constant branches out of a region's page into the flash (every station in another 4 KiB page),
    /// to every place in a line, and from the flash's last instruction: each jump leaves its region, whose
    /// refill at the exit is timed by the MAM's own fetch model (ArmCpu.RefillFromRegion, FetchClocks), in
    /// lockstep with the interpreter on the full per-fetch model and on its own model, ARM and Thumb, every
    /// mode, MAMTIM 1-7.
    /// </summary>
    [Theory]
    [MemberData(nameof(ModesArmAndThumb))]
    public void BranchesOutOfThePageToEveryPlaceInALine(uint mode, bool thumb) =>
        // Every station's jump leaves its region: at least one refill per station and pass.
        Stations(mode, thumb, acrossPages: true, seed: t => (int)(t * 5 + mode), minRefills: r4 => r4 / 2);

    /// <summary>
    /// Chained branches' refills (the MAM's FetchClocksAt at the target's constant offset) and exits'
    /// refills (ArmCpu.RefillFromRegion) to every place in a line, translated, in lockstep with the interpreter on the full
    /// per-fetch model and on the interpreter's own model, ARM and Thumb, every mode and MAMTIM 1-7.
    /// </summary>
    [Theory]
    [MemberData(nameof(ModesArmAndThumb))]
    public void BranchesToEveryPlaceInALine(uint mode, bool thumb) =>
        Stations(mode, thumb, acrossPages: false, seed: t => (int)(t * 7 + mode), minRefills: _ => 20);

    /// <summary>The stations program (<see cref="StationsProgram"/>) in lockstep for MAMTIM 1-7, the same-line shortcut off and on; more than <paramref name="minRefills"/>(r4) refills timed by the MAM's model.</summary>
    private static void Stations(uint mode, bool thumb, bool acrossPages, Func<uint, int> seed, Func<uint, uint> minRefills)
    {
        for (uint timing = 1; timing <= 7; timing++)
            foreach (bool shortcut in new[] { false, true })
            {
                var (a, b) = Pair(StationsProgram(mode, timing, thumb, seed(timing), acrossPages), 0, Vectors);
                using (a) using (b)
                {
                    Mam(a).SameLineShortcut = shortcut;
                    try
                    {
                        Assert.True(Lockstep(a, b, 60_000) > 0.8);
                        uint r4 = b.Cpu.GetRegister(4);
                        Assert.True(r4 > 200, $"r4 = {r4}");
                        Assert.True(b.Cpu.Translator!.FastRefills > minRefills(r4), $"{b.Cpu.Translator.FastRefills} refills timed by the MAM's model, r4 = {r4}");
                    }
                    catch (Exception e) { throw new Xunit.Sdk.XunitException($"MAMTIM = {timing}, shortcut {shortcut}: {e.Message}"); }
                }
            }
    }

    /// <summary>
    /// Sequential fetches inside a line (FetchClocksAt's same-line and line-crossing shortcuts, and its
    /// streamed-last one at a line's last instruction, inlined into translated code). A loop
    /// of straight-line ALU code over several lines (ARM, or Thumb at 0x400), a literal load from the
    /// flash at a different place in a line each pass (the data read aborts the line's prefetch), and
    /// MAMTIM and MAMCR rewritten mid-line every 8 passes, in lockstep with the interpreter, every
    /// MAMTIM, the same-line shortcut off and on in the interpreter's model.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void SequentialFetchesTestTheSameLineInLine(bool thumb)
    {
        for (uint timing = 1; timing <= 7; timing++)
            foreach (bool shortcut in new[] { false, true })
            {
                var s = new Asm().Org(0x40);
                s.LdrLit(0, 0x1F0);                   // r0 = SCB
                s.Mov(1, timing); s.Str(1, 0, 4);     // MAMTIM
                s.Mov(1, 2); s.Str(1, 0, 0);          // MAMCR = 2
                s.Mov(1, 1); s.Str(1, 0, 0x40);       // MEMMAP = 1
                s.Mov(4, 0); s.Mov(6, timing);
                s.B(thumb ? 0x3E0u : 0x200u);
                s.Org(0x1F0); s.W(Scb);
                s.Org(0x200);
                uint loop = s.At;
                for (int i = 0; i < 13; i++) s.W(Asm.DpReg(4, 2 + i % 2, 2 + i % 2, 4)); // add r2/r3, r2/r3, r4
                s.W(Asm.Dp(4, 4, 4, 1));               // add r4, r4, #1
                s.W(Asm.Dp(0, 7, 4, 7, s: true));      // ands r7, r4, #7
                s.W(0x02866001);                       // addeq r6, r6, #1
                s.W(0x02066007);                       // andeq r6, r6, #7
                s.W(0x05806004);                       // streq r6, [r0, #4] (MAMTIM, mid-line)
                s.W(0x03A07001);                       // moveq r7, #1
                s.W(0x05807000);                       // streq r7, [r0] (MAMCR = 1)
                s.W(0x13A07002);                       // movne r7, #2
                s.W(0x15807000);                       // strne r7, [r0] (MAMCR = 2)
                s.LdrLit(9, 0x2F0);                    // literal from the flash
                s.W(Asm.Dp(0, 8, 4, 3));               // and r8, r4, #3
                s.W(0xE08FF108);                       // add pc, pc, r8, lsl #2 (a literal load at another place in the line)
                s.W(0xE1A00000);                       // nop
                for (int i = 0; i < 4; i++) s.LdrLit(10, 0x2F0);
                s.B(thumb ? 0x3E0u : loop);
                s.Org(0x2F0); s.W(0x777);
                if (thumb)
                {
                    // ARM to Thumb: 0x400 is a Thumb loop of 16 ALU halfwords, back to ARM at 0x200 after 4 passes.
                    s.Org(0x3E0);
                    s.LdrLit(11, 0x3F0); s.W(0xE12FFF1B);  // bx r11
                    s.Org(0x3F0); s.W(0x401);
                    s.Org(0x400);
                    s.H(0x2504);                       // movs r5, #4
                    uint tl = s.At;
                    for (int i = 0; i < 14; i++) s.H(0x18D2 + (uint)(i % 2));   // adds r2, r2, r3 / adds r3, r2, r3 (alternating)
                    s.H(0x3D01);                       // subs r5, #1
                    s.H(0xD100 | (((tl - (s.At + 4)) >> 1) & 0xFF)); // bne tl
                    s.H(0x46C0);                       // nop (bx pc from a word address)
                    s.H(0x4778);                       // bx pc (to ARM at the next word)
                    s.H(0x46C0);                       // nop
                    s.B(0x200);
                }
                var (a, b) = Pair(s, 0, Vectors);
                using (a) using (b)
                {
                    Mam(a).SameLineShortcut = shortcut;
                    try
                    {
                        Assert.True(Lockstep(a, b, 60_000) > 0.8);
                        Assert.True(b.Cpu.GetRegister(4) > 100, $"r4 = {b.Cpu.GetRegister(4)}");
                    }
                    catch (Exception e) { throw new Xunit.Sdk.XunitException($"MAMTIM = {timing}, shortcut {shortcut}: {e.Message}"); }
                }
            }
    }
}
