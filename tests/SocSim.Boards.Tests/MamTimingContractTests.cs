using SocSim.Core;
using SocSim.Peripherals;
using Xunit;

namespace SocSim.Boards.Tests;

/// <summary>
/// The MAM's side of <see cref="ITimedMemory"/>: the interpreter's timed <c>Read</c> and the
/// <c>Clocks(address, size, flags, now)</c> translated code calls are one model; Mark/Rollback undo
/// calls exactly; no access costs more than <see cref="Lpc2106Mam.MaxClocks"/>, however many
/// prefetches were abandoned; the data latch in each mode.
/// </summary>
public sealed class MamTimingContractTests
{
    private static Machine Lpc() =>
        Machine.Create(BoardLoader.Load([Path.Combine(TestFiles.BoardsDir, "lpc2106.json")], []), new MachineOptions { Warnings = TextWriter.Null });

    private static Lpc2106Mam Mam(Machine m) => m.Device<Lpc2106SystemControl>("scb").Mam;

    /// <summary>A random mix of fetches (N/S) and data reads over a few lines, as (address, flags, cycles to the next access).</summary>
    private static List<(uint, AccessFlags, int)> Accesses(int seed, int n)
    {
        var rnd = new Random(seed);
        var list = new List<(uint, AccessFlags, int)>();
        uint pc = 0x100;
        for (int i = 0; i < n; i++)
        {
            int r = rnd.Next(10);
            if (r < 6) { list.Add((pc, AccessFlags.Code | AccessFlags.Seq, 1 + rnd.Next(3))); pc += 4; }
            else if (r < 8) { pc = 0x100 + (uint)rnd.Next(64) * 4; list.Add((pc, AccessFlags.Code, 1 + rnd.Next(3))); pc += 4; }
            else list.Add((0x40 + (uint)rnd.Next(512) * 4, AccessFlags.None, 1 + rnd.Next(4)));
        }
        return list;
    }

    [Theory]
    [InlineData(0u, 1u, 1)]
    [InlineData(1u, 3u, 2)]
    [InlineData(2u, 4u, 3)]
    [InlineData(2u, 7u, 4)]
    public void ReadAndClocksAreOneModel(uint mode, uint timing, int seed)
    {
        using var a = Lpc();
        using var b = Lpc();
        foreach (var m in new[] { a, b }) { Mam(m).SetTiming(timing); Mam(m).SetMode(mode); }
        long now = 1000;
        foreach (var (addr, flags, gap) in Accesses(seed, 2000))
        {
            a.Scheduler.Cycles = now;
            bool abort = false;
            Mam(a).Read(addr, 4, flags, ref abort, out int ca);
            int cb = Mam(b).Clocks(addr, 4, flags, now);
            Assert.Equal(ca, cb);
            Assert.Equal(Mam(a).FlashReads, Mam(b).FlashReads);
            now += ca + gap;
        }
    }

    [Fact]
    public void RollbackUndoesEveryCallSinceMark()
    {
        using var a = Lpc();
        using var b = Lpc();
        foreach (var m in new[] { a, b }) { Mam(m).SetTiming(3); Mam(m).SetMode(2); }
        var acc = Accesses(7, 3000);
        long now = 0;
        for (int i = 0; i < acc.Count; i++)
        {
            var (addr, flags, gap) = acc[i];
            if (i % 3 == 0)
            {
                // b makes two extra accesses and undoes them.
                Mam(b).Mark();
                Mam(b).Clocks(0x1000, 4, AccessFlags.Code, now);
                Mam(b).Clocks(0x2000, 4, AccessFlags.None, now + 7);
                Mam(b).Rollback();
            }
            int ca = Mam(a).Clocks(addr, 4, flags, now);
            Assert.Equal(ca, Mam(b).Clocks(addr, 4, flags, now));
            Assert.Equal(Mam(a).FlashReads, Mam(b).FlashReads);
            now += ca + gap;
        }
    }

    /// <summary>
    /// Mark and Rollback as translated code uses them, through the fetch path it calls (FetchClocksAt,
    /// with its same-line, line-crossing and streamed-last shortcuts), in every mode: b marks, makes 0-3
    /// extra fetches and data reads (none: a mark left pending; sequential fetches in the current line:
    /// shortcuts that change nothing; others that do), rolls back (sometimes marking twice first,
    /// sometimes rolling back twice); a, which makes none of them, and b then agree on every cost and flash read count.
    /// (The existing test above goes through Clocks only; the shortcuts are reached only from translated code.)
    /// </summary>
    [Theory]
    [InlineData(0u, 2u, 11)]
    [InlineData(1u, 3u, 12)]
    [InlineData(2u, 3u, 13)]
    [InlineData(2u, 7u, 14)]
    public void RollbackUndoesEveryFetchSinceMarkOnTheTranslatedPath(uint mode, uint timing, int seed)
    {
        using var a = Lpc();
        using var b = Lpc();
        foreach (var m in new[] { a, b }) { Mam(m).SetTiming(timing); Mam(m).SetMode(mode); }
        var rnd = new Random(seed);
        var acc = Accesses(seed, 4000);
        long now = 0;
        uint lastCode = 0x100;
        int Access(Lpc2106Mam mam, uint addr, AccessFlags flags, long at) =>
            (flags & AccessFlags.Code) != 0 ? mam.FetchClocksAt(addr, 4, (flags & AccessFlags.Seq) != 0, at) : mam.Clocks(addr, 4, flags, at);
        for (int i = 0; i < acc.Count; i++)
        {
            var (addr, flags, gap) = acc[i];
            if (rnd.Next(3) == 0)
            {
                var mb = Mam(b);
                mb.Mark();
                if (rnd.Next(4) == 0) mb.Mark();
                int extra = rnd.Next(4);
                for (int j = 0; j < extra; j++)
                {
                    switch (rnd.Next(3))
                    {
                        case 0: Access(mb, (lastCode & ~0xFu) + (uint)rnd.Next(4) * 4, AccessFlags.Code | AccessFlags.Seq, now + j); break;
                        case 1: Access(mb, 0x100 + (uint)rnd.Next(64) * 4, AccessFlags.Code | (rnd.Next(2) == 0 ? AccessFlags.Seq : 0), now + j); break;
                        default: Access(mb, 0x40 + (uint)rnd.Next(512) * 4, AccessFlags.None, now + j); break;
                    }
                }
                mb.Rollback();
                if (rnd.Next(4) == 0) mb.Rollback();
            }
            int ca = Access(Mam(a), addr, flags, now);
            Assert.Equal(ca, Access(Mam(b), addr, flags, now));
            Assert.Equal(Mam(a).FlashReads, Mam(b).FlashReads);
            if ((flags & AccessFlags.Code) != 0) lastCode = addr;
            now += ca + gap;
        }
    }

    /// <summary>
    /// Prefetches started and abandoned over and over do not push the flash's busy time out (UM10275
    /// §4.2: a bank "begins to fetch" the next line when a line delivers its last instruction; a new
    /// read in a bank abandons the prefetch there). Bank 0 holds line 0x10 (0x100) in its branch trail
    /// buffer and line 0x28 (0x280) in its prefetch buffer; fetching their last words in turn starts
    /// line 0x12, then line 0x2A (abandoning 0x12), 400 times. The line prefetched last is then asked
    /// for at once: it waits MAMTIM, its own read, not the 400 before it.
    /// </summary>
    [Fact]
    public void AbandonedPrefetchesDoNotPileUp()
    {
        using var m = Lpc();
        var mam = Mam(m);
        mam.SetTiming(4);
        mam.SetMode(2);
        long now = 0;
        now += mam.Clocks(0x260, 4, AccessFlags.Code, now);                      // miss: line 0x26 and 0x27
        now += mam.Clocks(0x26C, 4, AccessFlags.Code | AccessFlags.Seq, now);    // last word: bank 0 starts 0x28
        Assert.Equal(4, mam.Clocks(0x280, 4, AccessFlags.Code | AccessFlags.Seq, now));   // waits its read: 4
        now += 4;
        now += mam.Clocks(0x100, 4, AccessFlags.Code, now);                      // miss: line 0x10 (and 0x11)
        for (int i = 0; i < 200; i++)
        {
            Assert.Equal(1, mam.Clocks(0x10C, 4, AccessFlags.Code, now++));      // hit; starts 0x12
            Assert.Equal(1, mam.Clocks(0x28C, 4, AccessFlags.Code, now++));      // hit; starts 0x2A
        }
        Assert.Equal(4, mam.Clocks(0x2A0, 4, AccessFlags.Code | AccessFlags.Seq, now));
        Assert.Equal(7, mam.MaxClocks);
    }

    /// <summary>No access costs more than <see cref="Lpc2106Mam.MaxClocks"/> (7, the largest MAMTIM), accesses back to back or apart, in every mode and timing.</summary>
    [Fact]
    public void NoAccessCostsMoreThanMaxClocks()
    {
        using var m = Lpc();
        var mam = Mam(m);
        int worst = 0;
        foreach (uint timing in new uint[] { 1, 3, 4, 7 })
            foreach (uint mode in new uint[] { 0, 1, 2 })
            {
                mam.SetTiming(timing); mam.SetMode(mode);
                long now = 0;
                foreach (var (addr, flags, gap) in Accesses((int)(timing * 3 + mode), 5000))
                {
                    int c = mam.Clocks(addr, 4, flags, now);
                    Assert.InRange(c, 1, (int)timing);
                    worst = Math.Max(worst, c);
                    now += c + (gap - 1);
                }
            }
        Assert.Equal(mam.MaxClocks, worst);
    }

    /// <summary>
    /// Data reads (UM10275 §4.3.2, Table 31) at MAMTIM = 3: the one data latch holds the last line read.
    /// Mode 2 serves a read from the latched line in 1 cycle and reads the flash (3) for another line,
    /// which then replaces it; mode 1 and mode 0 take 3 every time (the latch's data "with the timing
    /// of a flash read", note 1). Instruction fetches do not touch the data latch, and a data read does
    /// not fill an instruction buffer (§4.3.2: code and data "are treated separately").
    /// </summary>
    [Theory]
    [InlineData(0u, new[] { 3, 3, 3, 3, 3, 3 }, 6)]
    [InlineData(1u, new[] { 3, 3, 3, 3, 3, 3 }, 3)]
    [InlineData(2u, new[] { 3, 1, 3, 1, 1, 3 }, 3)]
    public void DataLatch_ByMode(uint mode, int[] expected, int flashReads)
    {
        using var m = Lpc();
        var mam = Mam(m);
        mam.SetTiming(3);
        mam.SetMode(mode);
        long now = 100;
        var got = new List<int>();
        long before = mam.FlashReads;
        void D(uint a) { int c = mam.Clocks(a, 4, AccessFlags.None, now); got.Add(c); now += c + 1; }
        D(0x400);          // the latch is empty: a flash read
        D(0x408);          // the same line
        D(0x410);          // the next line (the other bank): a flash read, replaces the latch
        D(0x41C);          // the same line
        D(0x410);
        // A fetch from line 0x40 (data line 0x400): an instruction miss, the data latch untouched.
        now += mam.Clocks(0x400, 4, AccessFlags.Code, now) + 1;
        D(0x404);          // line 0x40 is not in the data latch: a flash read
        Assert.Equal(expected, got);
        // Flash reads: mode 0 every access (6 data, 1 fetch); modes 1 and 2 the three data reads of a
        // line not latched, and the fetch miss's two lines (one per bank).
        Assert.Equal(flashReads + (mode == 0 ? 1 : 2), mam.FlashReads - before);
    }
}
