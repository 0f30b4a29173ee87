using SocSim.Core;

namespace SocSim.Peripherals.Tests;

/// <summary>
/// The MAM's same-line, line-crossing and streamed-last shortcuts and its translated fetch entries
/// (<see cref="Lpc2106Mam.FetchClocks"/>, <see cref="Lpc2106Mam.FetchClocksAt"/>)
/// against the full per-fetch model (<see cref="Lpc2106Mam.SameLineShortcut"/> off, every access through
/// <see cref="Lpc2106Mam.Clocks"/>): the same seeded stream of sequential runs, branches back into
/// lines being prefetched, literal reads, waits, marks and rollbacks, and MAMCR/MAMTIM rewritten
/// mid-stream, ARM and Thumb, at every mode and MAMTIM; every access must cost the same and leave
/// the same flash read count.
/// </summary>
public sealed class Lpc2106MamShortcutTests
{
    public static TheoryData<uint, uint> EveryModeAndTiming()
    {
        var d = new TheoryData<uint, uint>();
        for (uint mode = 0; mode <= 2; mode++)
            for (uint timing = 1; timing <= 7; timing++) d.Add(mode, timing);
        return d;
    }

    [Theory]
    [MemberData(nameof(EveryModeAndTiming))]
    public void ShortcutCostsWhatThePerFetchModelCosts(uint mode, uint timing)
    {
        foreach (int size in new[] { 4, 2 })
        {
            using var full = new Lpc2106MamRig(shortcut: false);
            using var fast = new Lpc2106MamRig(shortcut: true);
            Run(full.Mam, fast.Mam, mode, timing, size, seed: (int)(mode * 16 + timing) * 2 + size, changes: false);
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void ShortcutWithMamcrAndMamtimRewrittenMidStream(int seed)
    {
        foreach (int size in new[] { 4, 2 })
        {
            using var full = new Lpc2106MamRig(shortcut: false);
            using var fast = new Lpc2106MamRig(shortcut: true);
            Run(full.Mam, fast.Mam, 2, 3, size, seed * 10 + size, changes: true);
        }
    }

    /// <summary>
    /// Drives both models with one stream of accesses over a few lines (so lines are revisited while
    /// their bank prefetches another) and asserts each access's cost and the read count. The fast model
    /// takes its fetches through <see cref="Lpc2106Mam.FetchClocks"/> or <see cref="Lpc2106Mam.FetchClocksAt"/>
    /// (translated code, with the streamed-last shortcut for a line's last instruction) or
    /// <see cref="Lpc2106Mam.Clocks"/> (the interpreter) at random.
    /// </summary>
    private static void Run(Lpc2106Mam full, Lpc2106Mam fast, uint mode, uint timing, int size, int seed, bool changes)
    {
        var rnd = new Random(seed);
        foreach (var m in new[] { full, fast }) { m.SetTiming(timing); m.SetMode(mode); }
        const uint Window = 0x100;   // 16 lines: revisits are frequent
        uint pc = 0x1000;
        long now = 0;
        bool seq = false;
        int shortcutHits = 0;
        for (int i = 0; i < 30_000; i++)
        {
            int pick = rnd.Next(100);
            if (changes && pick == 0)
            {
                uint t = (uint)rnd.Next(1, 8), md = (uint)rnd.Next(3);
                if (rnd.Next(2) == 0) { full.SetTiming(t); fast.SetTiming(t); }
                else { full.SetMode(md); fast.SetMode(md); }
                continue;
            }
            if (pick < 8)
            {
                // A literal or table read: a data read of a line near the code.
                uint a = 0x1000 + (uint)rnd.Next((int)Window / 4) * 4;
                Same(full.Clocks(a, 4, AccessFlags.None, now), fast.Clocks(a, 4, AccessFlags.None, now), full, fast, i, "data", a);
                now += 1 + rnd.Next(3);
                continue;
            }
            if (pick < 16)
            {
                // A branch: the refill's first fetch is non-sequential, often back into a line just left.
                pc = 0x1000 + (uint)rnd.Next((int)Window / size) * (uint)size;
                seq = false;
            }
            bool mark = rnd.Next(10) == 0;
            if (mark) { full.Mark(); fast.Mark(); }
            int expected = full.Clocks(pc, size, AccessFlags.Code | (seq ? AccessFlags.Seq : 0), now);
            bool streamed = fast.SameLineShortcut && seq && ((pc + (uint)size) & 15) != 0;
            int got = rnd.Next(3) switch
            {
                0 => fast.FetchClocks(pc, size, seq, now),
                1 => fast.FetchClocksAt(pc - fast.Region.Base, size, seq, now),
                _ => fast.Clocks(pc, size, AccessFlags.Code | (seq ? AccessFlags.Seq : 0), now),
            };
            Same(expected, got, full, fast, i, seq ? "S fetch" : "N fetch", pc);
            if (streamed && got == 1) shortcutHits++;
            if (mark && rnd.Next(2) == 0)
            {
                // An exit before the instruction: the fetch is undone and made again.
                full.Rollback(); fast.Rollback();
                continue;
            }
            now += expected + rnd.Next(4) switch { 0 => 0, 1 => 1, 2 => rnd.Next(2, 5), _ => rnd.Next(5, 12) };
            pc += (uint)size;
            if (pc >= 0x1000 + Window) { pc = 0x1000; seq = false; }
            else seq = true;
        }
        Assert.True(mode == 0 || changes || shortcutHits > 1000, $"{shortcutHits} sequential same-line fetches of 1 cycle");
    }

    private static void Same(int expected, int got, Lpc2106Mam full, Lpc2106Mam fast, int i, string what, uint address)
    {
        Assert.True(expected == got, $"access #{i} ({what} at 0x{address:X}): {got} clocks, the per-fetch model {expected}");
        Assert.True(full.FlashReads == fast.FlashReads, $"access #{i} ({what} at 0x{address:X}): {fast.FlashReads} flash reads, the per-fetch model {full.FlashReads}");
    }
}
