using SocSim.Arm;
using SocSim.Core;

namespace SocSim.Arm9.Tests;

/// <summary>
/// The caches hold data (DDI 0198E chapter 4): a stale line is observable, a dirty line reaches memory
/// only when cleaned or evicted, and every CP15 c7 operation, c9 lockdown and CR.RR act on them.
/// The D-cache is 16 KiB, 4-way: lines 4 KiB apart fall in the same set, so 0x9000, 0xA000, ...
/// 0xD000 all compete for set 0.
/// </summary>
public sealed class CacheTests
{
    private const uint Data = 0x9000;

    /// <summary>RAM mapped write-back (C and B), MMU, D- and I-cache on; the test code's lines in the I-cache.</summary>
    private static Rig WriteBack(WaitStates? waits = null, int clkPerHclk = 1, uint control = Cr.M | Cr.C | Cr.I)
    {
        var r = new Rig(waits, clkPerHclk);
        r.MapRamFlat();
        r.EnableMmu(control);
        r.PrefetchCode(r.NextCode, 0x800);
        r.Cpu.SetRegister(4, Data);
        return r;
    }

    /// <summary>Memory behind the caches' back (as another bus master would write it).</summary>
    private static void Poke(Rig r, uint addr, uint value) => r.M.Bus.DebugWrite32(addr, value);

    private static uint Load(Rig r, uint addr)
    {
        r.Cpu.SetRegister(6, addr);
        r.Run(Enc.Ldr(3, 6));
        return r.Cpu.GetRegister(3);
    }

    private static void Store(Rig r, uint addr, uint value)
    {
        r.Cpu.SetRegister(6, addr);
        r.Cpu.SetRegister(7, value);
        r.Run(Enc.Str(7, 6));
    }

    private static void Op(Rig r, int crm, int op2, uint value)
    {
        r.Cpu.SetRegister(8, value);
        r.Run(Enc.Mcr(8, 7, crm, op2));
    }

    /// <summary>Set/way operand (DDI 0198E 2.3.8): way in bits 31:30, set from bit 5.</summary>
    private static uint SetWay(uint set, uint way) => (way << 30) | (set << 5);

    [Fact]
    public void AStaleLineIsReadUntilInvalidated()
    {
        using var r = WriteBack();
        Poke(r, Data, 1);
        Assert.Equal(1u, Load(r, Data));
        Poke(r, Data, 2);
        Assert.Equal(1u, Load(r, Data));                 // the line still holds 1
        Op(r, 6, 1, Data);                               // invalidate D line by MVA
        Assert.Equal(2u, Load(r, Data));
    }

    [Fact]
    public void ADirtyLineIsWrittenBackOnEviction()
    {
        using var r = WriteBack();
        Poke(r, Data, 1);
        Load(r, Data);                                   // allocated in way 0 (round-robin from 0)
        Store(r, Data, 0x55);                            // a write-back hit: memory keeps 1
        Assert.Equal(1u, r.M.ReadMemory32(Data));
        for (uint i = 1; i <= 3; i++) Load(r, Data + i * 0x1000);   // ways 1-3 of set 0
        Assert.Equal(1u, r.M.ReadMemory32(Data));
        Assert.Equal(0, r.Cpu.WriteBacks);
        Load(r, Data + 4 * 0x1000);                      // the fifth line of the set replaces way 0
        Assert.Equal(0x55u, r.M.ReadMemory32(Data));
        Assert.Equal(1, r.Cpu.WriteBacks);               // one half line was dirty
        Assert.Equal(5, r.Cpu.DCacheLineFills);
    }

    [Fact]
    public void CleanByMvaWritesBackAndKeepsTheLine()
    {
        using var r = WriteBack();
        Load(r, Data);
        Store(r, Data + 4, 7);
        Op(r, 10, 1, Data);                              // clean D line by MVA
        Assert.Equal(7u, r.M.ReadMemory32(Data + 4));
        Poke(r, Data + 4, 9);
        Assert.Equal(7u, Load(r, Data + 4));             // still cached
        Op(r, 10, 1, Data);                              // clean again: the line is clean, nothing written
        Assert.Equal(9u, r.M.ReadMemory32(Data + 4));
    }

    [Fact]
    public void CleanAndInvalidateByMvaWritesBackAndDropsTheLine()
    {
        using var r = WriteBack();
        Load(r, Data);
        Store(r, Data + 8, 7);
        Op(r, 14, 1, Data);
        Assert.Equal(7u, r.M.ReadMemory32(Data + 8));
        Poke(r, Data + 8, 9);
        Assert.Equal(9u, Load(r, Data + 8));
    }

    [Fact]
    public void SetWayOperationsNameTheLineBySetAndWay()
    {
        using var r = WriteBack();
        Load(r, Data);                                   // set 0, way 0
        Load(r, Data + 0x1020);                          // set 1, way 1 (the counter moved on)
        Store(r, Data, 3);
        Store(r, Data + 0x1020, 4);
        Op(r, 10, 2, SetWay(0, 0));                      // clean set 0 way 0
        Assert.Equal(3u, r.M.ReadMemory32(Data));
        Assert.NotEqual(4u, r.M.ReadMemory32(Data + 0x1020));
        Op(r, 10, 2, SetWay(1, 0));                      // set 1 way 0 holds nothing: no effect
        Assert.NotEqual(4u, r.M.ReadMemory32(Data + 0x1020));
        Op(r, 14, 2, SetWay(1, 1));                      // clean and invalidate set 1 way 1
        Assert.Equal(4u, r.M.ReadMemory32(Data + 0x1020));
        Poke(r, Data + 0x1020, 5);
        Assert.Equal(5u, Load(r, Data + 0x1020));
        Poke(r, Data, 6);
        Op(r, 6, 2, SetWay(0, 0));                       // invalidate set 0 way 0
        Assert.Equal(6u, Load(r, Data));
    }

    [Fact]
    public void InvalidateWholeDCacheDiscardsDirtyData()
    {
        using var r = WriteBack();
        Poke(r, Data, 1);
        Load(r, Data);
        Store(r, Data, 2);
        Op(r, 6, 0, 0);
        Assert.Equal(1u, Load(r, Data));                 // the dirty 2 is lost, as on the chip
        Assert.Equal(0, r.Cpu.WriteBacks);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void TestAndCleanCleansOneLinePerCallUntilZ(bool invalidate)
    {
        using var r = WriteBack();
        for (uint i = 0; i < 3; i++) { Load(r, Data + i * 0x100); Store(r, Data + i * 0x100, 10 + i); }
        int calls = 0;
        uint op = Enc.Mrc(15, 7, invalidate ? 14 : 10, 3);   // MRC p15, 0, APSR_nzcv, c7, c1x, 3
        while (true)
        {
            calls++;
            r.Run(op);
            if ((r.Cpu.Cpsr & Psr.Z) != 0) break;
            Assert.True(calls < 10);
        }
        Assert.Equal(4, calls);                          // three dirty lines, then Z
        for (uint i = 0; i < 3; i++) Assert.Equal(10 + i, r.M.ReadMemory32(Data + i * 0x100));
        Poke(r, Data, 99);
        Assert.Equal(invalidate ? 99u : 10u, Load(r, Data));   // the second form invalidated the whole cache
    }

    [Fact]
    public void SelfModifyingCodeNeedsCleanDAndInvalidateI()
    {
        using var r = WriteBack();
        const uint At = 0xA100;                          // a line of its own, far from the test's code
        r.M.Write32(At, Enc.MovImm(0, 1), Enc.B(0));    // MOV r0, #1; then a branch to itself
        uint Execute()
        {
            r.Cpu.SetRegister(15, At);
            r.Cpu.Step();
            return r.Cpu.GetRegister(0);
        }
        Assert.Equal(1u, Execute());                     // the line is in the I-cache now
        Load(r, At);                                     // and in the D-cache (the program reads its code)
        Store(r, At, Enc.MovImm(0, 2));                  // the new instruction: in the D-cache only
        Assert.Equal(1u, Execute());                     // the I-cache still holds the old one
        Op(r, 5, 1, At);                                 // invalidate I line alone: memory still old
        Assert.Equal(1u, Execute());
        Op(r, 10, 1, At);                                // clean D line
        Assert.Equal(1u, Execute());                     // ... the I line refilled before is still the old one
        Op(r, 10, 4, 0);                                 // drain write buffer
        Op(r, 5, 1, At);                                 // invalidate I line
        Assert.Equal(2u, Execute());
    }

    [Fact]
    public void InvalidateWholeICacheAndBoth()
    {
        using var r = WriteBack();
        const uint At = 0xA200;
        r.M.Write32(At, Enc.MovImm(0, 1));
        uint Execute() { r.Cpu.SetRegister(15, At); r.Cpu.Step(); return r.Cpu.GetRegister(0); }
        Assert.Equal(1u, Execute());
        Poke(r, At, Enc.MovImm(0, 3));
        Assert.Equal(1u, Execute());
        Op(r, 5, 0, 0);                                  // invalidate the whole I-cache
        r.PrefetchCode(r.NextCode, 0x100);
        Assert.Equal(3u, Execute());
        Poke(r, At, Enc.MovImm(0, 4));
        Op(r, 7, 0, 0);                                  // invalidate both caches
        r.PrefetchCode(r.NextCode, 0x100);
        Assert.Equal(4u, Execute());
    }

    [Fact]
    public void InvalidateILineBySetWay()
    {
        using var r = WriteBack();
        const uint At = 0xA300;                          // I-cache: 32 KiB, 256 sets: set (0xA300 >> 5) & 255 = 0x18
        r.M.Write32(At, Enc.MovImm(0, 1));
        uint Execute() { r.Cpu.SetRegister(15, At); r.Cpu.Step(); return r.Cpu.GetRegister(0); }
        long fills = r.Cpu.ICacheLineFills;
        Assert.Equal(1u, Execute());
        Assert.Equal(fills + 1, r.Cpu.ICacheLineFills);
        Poke(r, At, Enc.MovImm(0, 5));
        for (uint way = 0; way < 4; way++) Op(r, 5, 2, SetWay(0x18, way));
        Assert.Equal(5u, Execute());
    }

    [Fact]
    public void PrefetchILineFillsItOnce()
    {
        using var r = WriteBack();
        const uint At = 0xA400;
        r.M.Write32(At, Enc.MovImm(0, 1));
        long fills = r.Cpu.ICacheLineFills;
        Op(r, 13, 1, At);
        Assert.Equal(fills + 1, r.Cpu.ICacheLineFills);
        Op(r, 13, 1, At);                                // present: no second fill
        Assert.Equal(fills + 1, r.Cpu.ICacheLineFills);
        long misses = r.Cpu.ICacheMisses;
        r.Cpu.SetRegister(15, At);
        r.Cpu.Step();
        Assert.Equal(misses, r.Cpu.ICacheMisses);
    }

    [Fact]
    public void ALockedWayIsNeverReplaced()
    {
        using var r = WriteBack();
        Poke(r, Data, 1);
        Load(r, Data);                                   // way 0
        r.Cpu.SetRegister(8, 1);
        r.Run(Enc.Mcr(8, 9, 0));                         // D-cache lockdown: way 0 closed to fills
        r.Run(Enc.Mrc(9, 9, 0));
        Assert.Equal(1u, r.Cpu.GetRegister(9));
        for (uint i = 1; i <= 8; i++) Load(r, Data + i * 0x1000);
        Poke(r, Data, 2);
        Assert.Equal(1u, Load(r, Data));                 // still cached: way 0 kept it
    }

    [Fact]
    public void RandomReplacementFollowsTheDocumentedLfsr()
    {
        // CR.RR: victims from the 16-bit LFSR x^16 + x^14 + x^13 + x^11 + 1 seeded 0xACE1, stepped per fill, way = low 2 bits.
        using var r = WriteBack(control: Cr.M | Cr.C | Cr.I | Cr.RR);
        var ways = new List<int>();
        uint lfsr = 0xACE1;
        for (int i = 0; i < 8; i++)
        {
            uint bit = (lfsr ^ (lfsr >> 2) ^ (lfsr >> 3) ^ (lfsr >> 5)) & 1;
            lfsr = (lfsr >> 1) | (bit << 15);
            ways.Add((int)(lfsr & 3));
        }
        // Fill set 0 with eight lines, each made dirty at once: a line another fill evicts is written
        // back, the last line filled into each way stays dirty in the cache with memory unchanged.
        long fillsBefore = r.Cpu.DCacheLineFills;
        for (uint i = 0; i < 8; i++) { Poke(r, Data + i * 0x1000, i); Load(r, Data + i * 0x1000); Store(r, Data + i * 0x1000, 100 + i); }
        Assert.Equal(fillsBefore + 8, r.Cpu.DCacheLineFills);
        var survivor = new Dictionary<int, uint>();
        for (int i = 0; i < 8; i++) survivor[ways[i]] = (uint)i;
        for (uint i = 0; i < 8; i++)
            Assert.Equal(survivor.ContainsValue(i) ? i : 100 + i, r.M.ReadMemory32(Data + i * 0x1000));
        Assert.NotEqual(new[] { 0, 1, 2, 3, 0, 1, 2, 3 }, ways);   // not the round-robin order
    }

    [Fact]
    public void WriteThroughPagesUpdateLineAndMemory()
    {
        using var r = new Rig();
        r.L1(0, Rig.Section(0, c: true, b: false));
        r.EnableMmu();
        r.PrefetchCode(r.NextCode, 0x400);
        Load(r, Data);
        Store(r, Data, 0x77);
        Assert.Equal(0x77u, r.M.ReadMemory32(Data));     // through the write buffer to memory
        Poke(r, Data, 0x88);
        Assert.Equal(0x77u, Load(r, Data));              // and the line took it too
    }

    [Fact]
    public void CacheStateSurvivesACheckpoint()
    {
        using var a = WriteBack();
        Poke(a, Data, 1);
        Load(a, Data);
        Store(a, Data, 2);                               // dirty
        var stream = new MemoryStream();
        a.Cpu.SaveState(new SocSim.Core.State.StateWriter(stream));
        using var b = WriteBack();
        b.M.Bus.DebugWrite32(Data, 1);
        stream.Position = 0;
        b.Cpu.LoadState(new SocSim.Core.State.StateReader(stream));
        Assert.Equal(2u, Load(b, Data));                 // the dirty line came along
        Assert.Equal(1u, b.M.ReadMemory32(Data));
    }
}

/// <summary>
/// The memory system's timing (DDI 0198E chapter 4 and 6): line fills as WRAP8 bursts with the
/// critical word first, write-backs after the fill, the write buffer, CLK:HCLK, page-table walks.
/// RAM here: read N 2 wait states, read S 0, write N 1, write S 0, so in HCLKs a nonsequential read
/// is 3, a sequential one 1, a nonsequential write 2, a sequential one 1 (AccessCost.Clocks: 1 + waits).
/// Every transfer starts at an HCLK edge: e(t) = t rounded up to a multiple of the ratio.
/// </summary>
public sealed class CacheTimingTests
{
    private static readonly WaitStates Ram = new(2, 0, 1, 0);
    private const uint Data = 0x9000;

    private static long Edge(long t, int ratio) => (t + ratio - 1) / ratio * ratio;

    private static Rig Cached(int ratio, WaitStates? waits = null)
    {
        var r = new Rig(waits ?? Ram, ratio);
        r.MapRamFlat();
        r.EnableMmu();
        r.PrefetchCode(r.NextCode, 0x800);
        r.Cpu.SetRegister(4, Data);
        r.Cpu.SetRegister(6, Data + 0x100);
        r.Run(Enc.Ldr(3, 6));                            // the data page in the TLB (another line)
        Settle(r);
        return r;
    }

    /// <summary>Enough NOPs (hits) for every fill, write-back and buffered write to be over.</summary>
    private static void Settle(Rig r) => r.Run(Enumerable.Repeat(Enc.Nop, 64).ToArray());

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void AReadMissWaitsForTheCriticalWordOnly(int ratio)
    {
        using var r = Cached(ratio);
        long t0 = r.M.Scheduler.Cycles;
        long got = r.Cycles(Enc.Ldr(3, 4));
        // The burst starts at e(t0); the first (critical) word is nonsequential: 3 HCLKs; then the LDR's issue cycle.
        Assert.Equal(Edge(t0, ratio) - t0 + 3 * ratio + 1, got);
        Assert.Equal(1, r.Cpu.DCacheMisses - 1);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void TheOtherWordsArriveInBurstOrder(int ratio)
    {
        using var r = Cached(ratio);
        long t0 = r.M.Scheduler.Cycles;
        // LDR r3, [r4]; LDR r5, [r4, #28]: word 7 is the burst's last (wrapping from word 0): it
        // arrives 3 + 7 HCLKs after the start; the second LDR waits for it, then issues.
        long got = r.Cycles(Enc.Ldr(3, 4), Enc.Ldr(5, 4, 28));
        Assert.Equal(Edge(t0, ratio) - t0 + 10 * ratio + 1, got);
        // A word that has arrived costs nothing more: word 1 arrives at 3 + 1 HCLKs, the LDR after
        // the first at 3 HCLKs + 1 cycle (ratio 1: just in time).
        using var q = Cached(1);
        Assert.Equal(3 + 1 + 1, q.Cycles(Enc.Ldr(3, 4), Enc.Ldr(5, 4, 4)));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void ADirtyVictimDrainsAfterTheFill(int ratio)
    {
        using var r = Cached(ratio);
        // The five pages in the TLB first (through lines of set 8), so that no walk is timed below.
        for (uint i = 0; i <= 4; i++) { r.Cpu.SetRegister(6, Data + i * 0x1000 + 0x100); r.Run(Enc.Ldr(3, 6)); }
        r.Cpu.SetRegister(6, Data);
        r.Cpu.SetRegister(7, 0x1234);
        r.Run(Enc.Ldr(3, 6), Enc.Str(7, 6));             // the first line of set 0, made dirty
        for (uint i = 1; i <= 3; i++) { r.Cpu.SetRegister(6, Data + i * 0x1000); r.Run(Enc.Ldr(3, 6)); }
        Settle(r);
        r.Cpu.SetRegister(4, Data + 4 * 0x1000);
        long t0 = r.M.Scheduler.Cycles;
        // The fifth line of set 0 evicts the dirty one (round-robin): the LDR still waits only for its critical word
        // (the victim waits in the write-back buffer) ...
        long load = r.Cycles(Enc.Ldr(3, 4));
        long e = Edge(t0, ratio);
        Assert.Equal(e - t0 + 3 * ratio + 1, load);
        Assert.Equal(1, r.Cpu.WriteBacks);
        // ... and a drain then waits for the fill's end (e + 10 HCLKs) and the half line's write-back
        // (a nonsequential write, 2 HCLKs, and three sequential, 1 each: 5), then the MCR's 2 cycles.
        long drain = r.Cycles(Enc.Mcr(0, 7, 10, 4));
        Assert.Equal(e + 15 * ratio - (t0 + load) + 2, drain);
    }

    /// <summary>The data at VA 0x0010_9000 through a section of its own onto RAM at 0, with C and B as given.</summary>
    internal static Rig Mapped(bool c, bool b, WaitStates waits)
    {
        var r = new Rig(waits, 1);
        r.MapRamFlat();
        r.L1(0x0010_0000, Rig.Section(0, c: c, b: b));
        r.EnableMmu();
        r.PrefetchCode(r.NextCode, 0x800);
        r.Cpu.SetRegister(4, 0x0010_9000);
        r.Cpu.SetRegister(0, 0x42);
        r.Run(Enc.Str(0, 4, 0x100));                     // the section in the TLB
        Settle(r);
        return r;
    }

    internal static readonly uint[] EightStores = Enumerable.Range(0, 8).Select(i => Enc.Str(0, 4, i * 8)).ToArray();

    [Fact]
    public void BufferedStoresStallOnlyWhenTheWriteBufferIsFull()
    {
        // Writes of 4 HCLKs each (write N 3 wait states), ratio 1. Store k enters the buffer at a(k) and
        // drains after the one before: ends at 4, 8, 12, 16 after a(1) = 0. Stores 1-5 issue at 0-4 (at 4
        // the first has drained); store 6 at 5 finds four addresses waiting and stalls to 8, store 7
        // to 12, store 8 to 16: the eight take 17 cycles.
        using var r = Mapped(c: false, b: true, new WaitStates(2, 0, 3, 0));
        Assert.Equal(17, r.Cycles(EightStores));
        Assert.Equal(0x42u, r.M.ReadMemory32(Data));
    }

    [Fact]
    public void NonbufferedStoresWaitForEachTransfer()
    {
        // NCNB: each store waits for its own write (4 HCLKs) and issues: 5 cycles each.
        using var r = Mapped(c: false, b: false, new WaitStates(2, 0, 3, 0));
        Assert.Equal(8 * 5, r.Cycles(EightStores));
    }

    [Fact]
    public void SequentialBufferedWordsShareOneAddressAndDrainAsABurst()
    {
        using var r = Mapped(c: false, b: true, new WaitStates(2, 0, 3, 0));
        // STMIA r4, {r0-r7}: 8 issue cycles; its words enter the buffer as one address and drain as
        // one burst: 4 HCLKs for the first, 1 for each of the other seven, from the STM's end.
        Assert.Equal(8, r.Cycles(0xE88400FF));
        // The drain waits for that burst (4 + 7 from the STM's end), then the MCR's 2 cycles.
        Assert.Equal(4 + 7 + 2, r.Cycles(Enc.Mcr(0, 7, 10, 4)));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void UncachedFetchesTakeHclks(int ratio)
    {
        // MMU and caches off: a fetch is a single nonsequential AHB read (3 HCLKs) from an HCLK edge, then the NOP's cycle.
        using var r = new Rig(Ram, ratio);
        long t0 = r.M.Scheduler.Cycles;
        Assert.Equal(Edge(t0, ratio) - t0 + 3 * ratio + 1, r.Cycles(Enc.Nop));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void ATlbMissWalksOverTheDataSide(int ratio)
    {
        using var r = new Rig(Ram, ratio);
        r.MapRamFlat();
        r.L1(0x0020_0000, Rig.Section(0));               // NCNB, not yet in the TLB
        r.EnableMmu();
        r.PrefetchCode(r.NextCode, 0x800);
        Settle(r);
        r.Cpu.SetRegister(4, 0x0020_9000);
        long t0 = r.M.Scheduler.Cycles, walks = r.Cpu.TlbMisses;
        // The first-level descriptor (a section: one read of 3 HCLKs from e(t0)), then the data read
        // (3 HCLKs, on the edge the walk ended), then the LDR's cycle.
        Assert.Equal(Edge(t0, ratio) - t0 + 6 * ratio + 1, r.Cycles(Enc.Ldr(3, 4)));
        Assert.Equal(walks + 1, r.Cpu.TlbMisses);
    }
}
