using SocSim.Core;
using SocSim.Peripherals;
using Xunit;

namespace SocSim.Boards.Tests;

/// <summary>
/// The MAM's side of <see cref="ITimedMemory"/>: the interpreter's timed <c>Read</c> and the
/// <c>Clocks(address, size, flags, now)</c> translated code calls are one model; Mark/Rollback undo
/// calls exactly; and why <see cref="Lpc2106Mam.MaxClocks"/> states no bound.
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

    [Fact]
    public void WaitForThePrefetchedLineHasNoConstantBound()
    {
        // Line A (0x100) held in the prefetch buffer, line B (0x800) in the branch trail buffer:
        // alternating hits each book the flash for another prefetch, so the wait for the line
        // prefetched last grows with the number of alternations.
        using var m = Machine.Create(BoardLoader.Load([Path.Combine(TestFiles.BoardsDir, "lpc2106.json")], []), new MachineOptions { Warnings = TextWriter.Null });
        var mam = Mam(m);
        mam.SetTiming(4);
        mam.SetMode(2);
        long now = 0;
        now += mam.Clocks(0x0F0, 4, AccessFlags.Code, now);
        now += mam.Clocks(0x100, 4, AccessFlags.Code | AccessFlags.Seq, now) + 10;   // A via the prefetch
        now += mam.Clocks(0x800, 4, AccessFlags.Code, now) + 10;                     // B: a miss into the trail buffer
        for (int i = 0; i < 200; i++)
        {
            now += mam.Clocks(0x100, 4, AccessFlags.Code, now);
            now += mam.Clocks(0x800, 4, AccessFlags.Code, now);
        }
        int wait = mam.Clocks(0x810, 4, AccessFlags.Code | AccessFlags.Seq, now);
        Assert.True(wait > 100 * 4, $"waited {wait}");
        Assert.Equal(int.MaxValue, mam.MaxClocks);
    }
}
