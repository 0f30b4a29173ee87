using SocSim.Core;
using SocSim.Core.State;

namespace SocSim.Peripherals.Tests;

/// <summary>
/// The MAM's translated fetch entries (<see cref="Lpc2106Mam.FetchClocksAt"/>, <see cref="Lpc2106Mam.FetchClocks"/>,
/// with the same-line, line-crossing and streamed-last shortcuts), a branch's refill (N then S) included,
/// in lockstep with the interpreter's entry (<see cref="Lpc2106Mam.Clocks"/>): one seeded stream of sequential runs, branches to every place in a line (ARM and Thumb),
/// data reads, waits that let prefetches end or not, marks and rollbacks, and MAMCR/MAMTIM rewritten,
/// at every mode and MAMTIM. After every call the cost and the saved state (both banks' buffers, the
/// prefetch under way and its end, the data latch, the read count) must be the same, and every cost
/// and read count the same as the per-fetch model's with the shortcuts off.
/// </summary>
public sealed class Lpc2106MamStateLockstepTests
{
    private static byte[] State(Lpc2106Mam m)
    {
        using var ms = new MemoryStream();
        m.SaveState(new StateWriter(ms));
        return ms.ToArray();
    }

    [Theory]
    [MemberData(nameof(Lpc2106MamShortcutTests.EveryModeAndTiming), MemberType = typeof(Lpc2106MamShortcutTests))]
    public void TranslatedEntriesLeaveTheInterpretersState(uint mode, uint timing)
    {
        foreach (int size in new[] { 4, 2 })
            Run(mode, timing, size, seed: (int)(mode * 16 + timing) * 2 + size, changes: false);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void TranslatedEntriesWithMamcrAndMamtimRewritten(int seed)
    {
        foreach (int size in new[] { 4, 2 }) Run(2, 3, size, seed * 10 + size, changes: true);
    }

    private static void Run(uint mode, uint timing, int size, int seed, bool changes)
    {
        using var fullRig = new Lpc2106MamRig(shortcut: false);
        using var interpRig = new Lpc2106MamRig(shortcut: true);
        using var fastRig = new Lpc2106MamRig(shortcut: true);
        Lpc2106Mam full = fullRig.Mam, interp = interpRig.Mam, fast = fastRig.Mam;
        var all = new[] { full, interp, fast };
        var rnd = new Random(seed);
        foreach (var m in all) { m.SetTiming(timing); m.SetMode(mode); }
        const uint Base = 0x1000, Window = 0x100;   // 16 lines: branches often land in buffered or prefetching lines
        uint pc = Base;
        long now = 0;
        bool seq = false;
        int refills = 0, hits = 0;
        var offsets = new HashSet<uint>();
        for (int i = 0; i < 20_000; i++)
        {
            int pick = rnd.Next(100);
            if (changes && pick == 0)
            {
                uint t = (uint)rnd.Next(1, 8), md = (uint)rnd.Next(3);
                foreach (var m in all) { if (t % 2 == 0) m.SetTiming(t); else m.SetMode(md); }
                continue;
            }
            if (pick < 8)
            {
                uint a = Base + (uint)rnd.Next((int)Window / 4) * 4;
                int e = full.Clocks(a, 4, AccessFlags.None, now);
                Same(e, interp.Clocks(a, 4, AccessFlags.None, now), fast.Clocks(a, 4, AccessFlags.None, now), full, interp, fast, i, "data", a);
                now += 1 + rnd.Next(3);
                continue;
            }
            bool mark = rnd.Next(8) == 0;
            if (mark) foreach (var m in all) m.Mark();
            if (pick < 30)
            {
                // A branch: N fetch of the target at any place in its line, then S of the next instruction (the last place's S enters the next line).
                uint target = Base + (uint)rnd.Next((int)(Window / (uint)size) - 2) * (uint)size;
                int n = full.Clocks(target, size, AccessFlags.Code, now);
                int e = n + full.Clocks(target + (uint)size, size, AccessFlags.Code | AccessFlags.Seq, now + n);
                int ni = interp.Clocks(target, size, AccessFlags.Code, now);
                int gi = ni + interp.Clocks(target + (uint)size, size, AccessFlags.Code | AccessFlags.Seq, now + ni);
                int g;
                if (rnd.Next(2) == 0) { int gn = fast.FetchClocksAt(target - fast.Region.Base, size, false, now); g = gn + fast.FetchClocksAt(target + (uint)size - fast.Region.Base, size, true, now + gn); }
                else { int gn = fast.FetchClocks(target, size, false, now); g = gn + fast.FetchClocks(target + (uint)size, size, true, now + gn); }
                Same(e, gi, g, full, interp, fast, i, "refill", target);
                refills++;
                offsets.Add(target & 15);
                pc = target + 2 * (uint)size;
                seq = true;
                if (mark && rnd.Next(2) == 0) { foreach (var m in all) m.Rollback(); Same(e, e, e, full, interp, fast, i, "rollback", target); }
                now += e + rnd.Next(4) switch { 0 => 0, 1 => 1, 2 => rnd.Next(2, 5), _ => rnd.Next(5, 12) };
                continue;
            }
            if (pick < 40)
            {
                // A non-sequential fetch alone (a region's entry, the interpreter's block head).
                pc = Base + (uint)rnd.Next((int)(Window / (uint)size)) * (uint)size;
                seq = false;
            }
            var flags = AccessFlags.Code | (seq ? AccessFlags.Seq : 0);
            int expected = full.Clocks(pc, size, flags, now);
            int gotI = interp.Clocks(pc, size, flags, now);
            int got = rnd.Next(2) == 0 ? fast.FetchClocksAt(pc - fast.Region.Base, size, seq, now) : fast.FetchClocks(pc, size, seq, now);
            if (!seq && mode != 0 && got == (mode == 1 ? Math.Max(1u, timing) : 1)) hits++;
            Same(expected, gotI, got, full, interp, fast, i, seq ? "S fetch" : "N fetch", pc);
            if (mark && rnd.Next(2) == 0) { foreach (var m in all) m.Rollback(); continue; }
            now += expected + rnd.Next(4) switch { 0 => 0, 1 => 1, 2 => rnd.Next(2, 5), _ => rnd.Next(5, 12) };
            pc += (uint)size;
            if (pc >= Base + Window) { pc = Base; seq = false; }
            else seq = true;
        }
        Assert.True(refills > 3000, $"{refills} refills");
        Assert.Equal(16 / size, offsets.Count);
        Assert.True(mode == 0 || changes || hits > 100, $"{hits} non-sequential hits");
    }

    private static void Same(int expected, int gotInterp, int got, Lpc2106Mam full, Lpc2106Mam interp, Lpc2106Mam fast, int i, string what, uint address)
    {
        string at = $"access #{i} ({what} at 0x{address:X})";
        Assert.True(expected == gotInterp, $"{at}: the interpreter's entry {gotInterp} clocks, the per-fetch model {expected}");
        Assert.True(gotInterp == got, $"{at}: {got} clocks, the interpreter's entry {gotInterp}");
        Assert.True(full.FlashReads == fast.FlashReads, $"{at}: {fast.FlashReads} flash reads, the per-fetch model {full.FlashReads}");
        Assert.True(State(interp).AsSpan().SequenceEqual(State(fast)), $"{at}: the saved state differs from the interpreter's entry's");
    }
}
