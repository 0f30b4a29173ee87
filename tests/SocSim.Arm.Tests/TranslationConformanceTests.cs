using SocSim.Arm.Conformance;
using SocSim.Arm.Translation;
using SocSim.Core;
using SocSim.Tests;
using Xunit;
using Xunit.Abstractions;

namespace SocSim.Arm.Tests;

/// <summary>
/// The conformance data's instructions, translated at threshold 0, against the interpreter. `socsim
/// conformance` serves memory from a recording device, which the translator never translates; here each
/// case gets RAM instead: 4 KiB pages at its code page(s), filled with opcodes[4] and opcodes[0..3] at
/// the base address, and at every page its data transactions touch, holding the data the recorded reads
/// returned. Both cores start from the case's initial state; the comparison is the whole state (39 words
/// of the data's layout), cycles, instructions and every RAM byte: after the instruction under test
/// (the run loop's limit one cycle ahead, so the region stops at the next boundary), then again after
/// running on for 40 more cycles through whatever the following words are. The bus is not observed
/// (an observer sends both engines to the interpreter); stores are compared through RAM and their
/// timing through cycles.
///
/// Every case of each file (all 38,000; SOCSIM_CONFORMANCE_STRIDE=N runs every N-th, for a quicker
/// local run), with wait states that vary from case to case.
/// </summary>
public sealed class TranslationConformanceTests(ITestOutputHelper output)
{
    private static int Stride =>
        int.TryParse(Environment.GetEnvironmentVariable("SOCSIM_CONFORMANCE_STRIDE"), out int s) && s > 0 ? s : 1;

    public static IEnumerable<object[]> Files() =>
        ConformanceSuite.Files(RepoPaths.ConformanceDirectory).Select(f => new object[] { Path.GetFileName(f) });

    private sealed class Side : IDisposable
    {
        public readonly Scheduler Scheduler = Scheduler.CycleBased();
        public readonly Bus Bus;
        public readonly List<MemoryRegion> Pages = new();
        public readonly ArmCpu Cpu;

        public Side(ConformanceTest t, WaitStates waits, bool translate)
        {
            Bus = new Bus(Scheduler);
            var pages = new SortedSet<uint>();
            for (uint a = t.BaseAddress; a != t.BaseAddress + 20; a += 4) pages.Add(a & ~Bus.PageMask);
            foreach (var tx in t.Transactions)
                if (tx.Kind != Transaction.KindFetch) pages.Add(tx.Address & ~Bus.PageMask);
            foreach (uint p in pages)
            {
                var r = new MemoryRegion($"p{p:X8}", p, Bus.PageMask + 1, RegionKind.Ram, 32, waits);
                Bus.AddRegion(r);
                Pages.Add(r);
            }
            foreach (uint p in pages)
                for (uint a = p; a != p + Bus.PageMask + 1; a += 4) Bus.DebugWrite32(a, t.Opcodes[4]);
            for (uint k = 0; k < 4; k++) Bus.DebugWrite32(t.BaseAddress + 4 * k, t.Opcodes[k]);
            foreach (var tx in t.Transactions)
            {
                if (tx.Kind != Transaction.KindRead) continue;
                if (tx.Size == 4) Bus.DebugWrite32(tx.Address & ~3u, tx.Data);
                else if (tx.Size == 2) { Bus.DebugWrite8(tx.Address & ~1u, (byte)tx.Data); Bus.DebugWrite8((tx.Address & ~1u) + 1, (byte)(tx.Data >> 8)); }
                else Bus.DebugWrite8(tx.Address, (byte)tx.Data);
            }
            Cpu = new ArmCpu(Bus);
            if (translate) Cpu.SetEngine(ExecutionEngine.Translate, 0);
            var i = t.Initial;
            Cpu.LoadState(i.AsSpan(0, 16), i.AsSpan(16, 7), i.AsSpan(23, 2), i.AsSpan(25, 2), i.AsSpan(27, 2), i.AsSpan(29, 2),
                i[31], i.AsSpan(32, 5), i[37], i[38], nextFetchSequential: false);
        }

        public void Dispose()
        {
            Cpu.Dispose();
            Bus.Dispose();
            foreach (var p in Pages) p.Dispose();
        }
    }

    private static string? Compare(Side a, Side b)
    {
        if (a.Scheduler.Cycles != b.Scheduler.Cycles) return $"cycles {a.Scheduler.Cycles} != {b.Scheduler.Cycles}";
        if (a.Cpu.Instructions != b.Cpu.Instructions) return $"instructions {a.Cpu.Instructions} != {b.Cpu.Instructions}";
        var x = ConformanceRunner.SaveState(a.Cpu);
        var y = ConformanceRunner.SaveState(b.Cpu);
        for (int k = 0; k < x.Length; k++)
            if (x[k] != y[k]) return $"{ConformanceRunner.StateName(k)} {x[k]:x8} != {y[k]:x8}";
        if (a.Cpu.Fault != b.Cpu.Fault) return $"fault '{a.Cpu.Fault}' != '{b.Cpu.Fault}'";
        for (int p = 0; p < a.Pages.Count; p++)
            if (!a.Pages[p].AsSpan().SequenceEqual(b.Pages[p].AsSpan())) return $"RAM of page 0x{a.Pages[p].Base:X8} differs";
        return null;
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void SampledCasesRunTranslatedAsInterpreted(string file)
    {
        var tests = ConformanceTest.ReadFile(Path.Combine(RepoPaths.ConformanceDirectory, file));
        WaitStates[] waits = [new(0, 0, 0, 0), new(2, 0, 1, 0), new(1, 1, 3, 2)];
        var failures = new List<string>();
        int cases = 0;
        long translated = 0, total = 0;
        for (int n = 0; n < tests.Count; n += Stride)
        {
            var t = tests[n];
            var w = waits[n % waits.Length];
            using var interp = new Side(t, w, translate: false);
            using var trans = new Side(t, w, translate: true);
            cases++;
            foreach (long ahead in new long[] { 1, 40 })
            {
                interp.Cpu.Run(interp.Scheduler.Cycles + ahead);
                trans.Cpu.Run(trans.Scheduler.Cycles + ahead);
                if (Compare(interp, trans) is { } diff)
                {
                    failures.Add($"{t.Id} (op {t.Opcodes[0]:x8}, +{ahead} cycles): {diff}");
                    break;
                }
            }
            translated += trans.Cpu.Translator!.TranslatedInstructions;
            total += trans.Cpu.Instructions;
        }
        output.WriteLine($"{file}: {cases} cases, {total} instructions, {100.0 * translated / Math.Max(1, total):F1}% translated");
        Assert.True(failures.Count == 0, $"{failures.Count} of {cases} differ:\n" + string.Join("\n", failures.Take(10)));
    }
}
