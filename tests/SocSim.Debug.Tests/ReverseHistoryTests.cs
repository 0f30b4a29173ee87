using SocSim.Boards;

namespace SocSim.Debug.Tests;

/// <summary>
/// <see cref="ReverseHistory"/> where a step takes no cycle: on the Cortex-M3 of mps2-an385 an IT right
/// after a 16-bit instruction that went straight on folds (0 cycles, docs/cortex-m.md "IT folding"), so
/// the boundary before the IT and the one after it share a scheduler cycle. Stepping back and continuing
/// back must still land on each boundary, the one after the IT included.
/// </summary>
public sealed class ReverseHistoryTests
{
    // Two folded ITs (after the 16-bit CMPs), then a counting loop.
    private const string Source = """
            .syntax unified
            .cpu cortex-m3
            .thumb
            .text
            .word 0x20008000
            .word reset
            .thumb_func
            .global reset
        reset:
            movs r0, #1
            cmp r0, #1
            it eq
            moveq r1, #2
            adds r1, r1, #1
            cmp r1, #3
            ite eq
            moveq r2, #4
            movne r2, #5
        loop:
            adds r3, r3, #1
            b loop
        """;

    private const int Steps = 14;

    private sealed record State(long Cycles, long Instructions, uint Pc, uint R1, uint R2, uint R3);

    private static State Now(Machine m) =>
        new(m.Scheduler.Cycles, m.Core.Instructions, m.Core.Pc, m.Core.ReadRegister(1), m.Core.ReadRegister(2), m.Core.ReadRegister(3));

    /// <summary>The machine at its start, a history begun there, and the states of the first <see cref="Steps"/> boundaries after it (the history's frontier at the last).</summary>
    private static (Machine, ReverseHistory, List<State>) RunForward(string dir)
    {
        var m = Machine.Create([Path.Combine(Paths.RepoRoot, "boards", "mps2-an385.json")], [], new MachineOptions());
        m.LoadElf(ThumbFirmware.Build(dir, "fold", Source, "cortex-m3"));
        var h = new ReverseHistory(m, 64L << 20);
        h.Begin();
        var states = new List<State> { Now(m) };
        for (int i = 0; i < Steps; i++)
        {
            m.Core.Step();
            h.RanForward();
            states.Add(Now(m));
        }
        return (m, h, states);
    }

    private static void InTempDir(Action<string> test)
    {
        string dir = Path.Combine(Path.GetTempPath(), $"socsim-revfold-{Environment.ProcessId}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        try { test(dir); }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Fact(Timeout = Deadline.Ms)]
    public async Task StepBack_LandsOnEachBoundary_TwoOfThemAtOneCycle()
    {
        await Task.Yield();
        InTempDir(dir =>
        {
            var (m, h, states) = RunForward(dir);
            using var _ = m;
            // The premise: the two ITs folded, each giving two boundaries one cycle.
            int shared = Enumerable.Range(1, Steps).Count(i => states[i].Cycles == states[i - 1].Cycles);
            Assert.Equal(2, shared);
            for (int i = Steps - 1; i >= 0; i--)
            {
                Assert.True(h.StepBack(), $"step back to boundary {i}");
                Assert.Equal(states[i], Now(m));
            }
            Assert.False(h.StepBack());
            Assert.Equal(states[0], Now(m));
        });
    }

    [Fact(Timeout = Deadline.Ms)]
    public async Task ContinueBack_StopsAtABreakpointAfterAFoldedIt()
    {
        await Task.Yield();
        InTempDir(dir =>
        {
            var (m, h, states) = RunForward(dir);
            using var _ = m;
            // The instructions after the folded ITs (moveq r1 and moveq r2): their boundaries share the IT's cycle.
            var afterIt = Enumerable.Range(1, Steps).Where(i => states[i].Cycles == states[i - 1].Cycles).ToList();
            uint[] breakpoints = [states[afterIt[0]].Pc, states[afterIt[1]].Pc];
            foreach (int i in afterIt.AsEnumerable().Reverse())
            {
                var stop = h.ContinueBack(breakpoints, [], () => false);
                Assert.Equal(StopKind.Breakpoint, stop.Kind);
                Assert.Equal(new HistoryPosition(states[i].Cycles, states[i].Instructions), stop.Position);
                Assert.Equal(states[i], Now(m));
            }
            Assert.True(h.ContinueBack(breakpoints, [], () => false).AtHistoryStart);
            Assert.Equal(states[0], Now(m));
        });
    }
}
