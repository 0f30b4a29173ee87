using Xunit.Sdk;

namespace SocSim.Debug.Tests;

/// <summary>
/// Reverse execution (bs, bc) on every core, with their interrupts running: the ARM7TDMI of versatilepb and
/// the ARM926EJ-S of versatilepb-arm926 (timer_irq.elf's SP804 interrupts through the VIC), the Cortex-M3 of
/// mps2-an385 and the Cortex-M4F of mps2-an386 (FreeRTOS's MPS2 blinky, SysTick and PendSV), and the
/// Cortex-M0 of mps2-an383 and the M3 (SysTick waking a WFI loop). Going back lands on exactly the
/// registers, cycle and instruction count the forward run had at each point, and going forward again
/// repeats it (issues 18 and 20: "everything SocSim does for the ARM7TDMI works for this core", reverse
/// debugging included), wherever the history's checkpoints are (<see cref="Bc_FindsEveryHit_WhereverTheCheckpointsAre"/>).
/// </summary>
public sealed class ReverseOnEveryCoreTests
{
    public static TheoryData<string, string, string, int> Cores => new()
    {
        { Paths.BoardFile("versatilepb"), Paths.Elf("timer_irq.elf"), "irq_handler", 4 },
        { Paths.BoardFile("versatilepb-arm926"), Paths.Elf("timer_irq.elf"), "irq_handler", 4 },
        { Paths.BoardFile("mps2-an385"), Paths.Mps2Blinky, "xPortSysTickHandler", 2 },
        { Paths.BoardFile("mps2-an386"), Paths.Mps2Blinky, "xPortSysTickHandler", 2 },
        { Paths.BoardFile("mps2-an383"), "systick_wfi", "systick", 2 },
        { Paths.BoardFile("mps2-an385"), "systick_wfi", "systick", 2 },
    };

    private static string Elf(string elf) => elf == "systick_wfi" ? ThumbFirmware.SysTickWfi : elf;

    [Theory(Timeout = Deadline.Ms)]
    [MemberData(nameof(Cores))]
    public async Task StepAndContinueBack_ReturnToTheForwardRunsStates(string board, string elf, string symbol, int kind)
    {
        await Task.Yield();
        Scenario(board, Elf(elf), symbol, kind);
    }

    /// <summary>
    /// The Cortex-M3 case, and the M0's WFI one, under many checkpoint placements (the history's test hook):
    /// at every stop, at single hits (a checkpoint at a breakpoint stop once hid that hit from bc: the core
    /// carried its "resume past the hook's stop" mark in the checkpoint), at slice ends of several phases
    /// (mid-sleep ones in the WFI case), and none.
    /// </summary>
    [Theory(Timeout = Deadline.Ms)]
    [InlineData("mps2-an385", "blinky", "xPortSysTickHandler")]
    [InlineData("mps2-an383", "systick_wfi", "systick")]
    public async Task Bc_FindsEveryHit_WhereverTheCheckpointsAre(string board, string elf, string symbol)
    {
        await Task.Yield();
        elf = elf == "blinky" ? Paths.Mps2Blinky : Elf(elf);
        var failures = new List<string>();
        foreach (var (name, slice, placement) in Placements())
        {
            try { Scenario(Paths.BoardFile(board), elf, symbol, 2, slice, placement()); }
            catch (XunitException e) { failures.Add($"{name}: {e.Message.Split('\n')[0]}"); }
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    /// <summary>Placements: a name, the stub's slice and a fresh predicate (some count the frontier advances they are asked about).</summary>
    private static IEnumerable<(string, long, Func<Func<HistoryPosition, bool>>)> Placements()
    {
        const long StopsOnly = 1L << 40;   // the forward run ends its slices only at the stops: 3 hits, then 30 steps
        yield return ("no forward checkpoint", StopsOnly, () => _ => false);
        yield return ("at every stop", StopsOnly, () => _ => true);
        foreach (int[] calls in new[] { [0], [1], [2], [0, 1], [1, 2], new[] { 0, 2, 5 } })
            yield return ($"at the stops {string.Join(",", calls)}", StopsOnly, () => { int n = 0; return _ => calls.Contains(n++); });
        foreach (long slice in new long[] { 997, 5003, 12_289, 20_000 })
            yield return ($"at every slice end, slices of {slice}", slice, () => _ => true);
        foreach (long interval in new long[] { 7_001, 15_013, 26_000 })
            yield return ($"every {interval} cycles, slices of 1009", 1009, () =>
            {
                long last = 0;
                return p =>
                {
                    if (p.Cycles - last < interval) return false;
                    last = p.Cycles;
                    return true;
                };
            });
    }

    private static void Scenario(string board, string elf, string symbol, int kind, long slice = 20_000, Func<HistoryPosition, bool>? placement = null)
    {
        Assert.True(File.Exists(elf), $"missing {elf}");
        using var stub = new InProcessStub(elf: elf, board: board, sliceCycles: slice, historyPlacement: placement);
        Assert.Contains(";ReverseStep+;ReverseContinue+", stub.Exchange("qSupported:swbreak+"));
        uint at = stub.Machine.Symbol(symbol) & ~1u;
        Assert.Equal("OK", stub.Exchange($"Z0,{at:x},{kind}"));

        // Forward: three entries of the interrupt handler, then 30 single steps inside it.
        var hits = new List<(string G, long Cycles, long Instructions)>();
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal("T05thread:1;", stub.Exchange("c"));
            hits.Add((stub.Exchange("g"), stub.Machine.Scheduler.Cycles, stub.Machine.Core.Instructions));
        }
        Assert.True(hits[1].Cycles > hits[0].Cycles && hits[2].Cycles > hits[1].Cycles);
        string Hits() => string.Join(",", hits.Select(h => h.Cycles + "/" + h.Instructions));
        string Now() => $"cycle {stub.Machine.Scheduler.Cycles}/{stub.Machine.Core.Instructions}";
        var steps = new List<(string G, long Cycles)>();
        for (int i = 0; i < 30; i++)
        {
            Assert.Equal("T05thread:1;", stub.Exchange("s"));
            steps.Add((stub.Exchange("g"), stub.Machine.Scheduler.Cycles));
        }
        Assert.True(steps.Select(s => s.G).Distinct().Count() > 10, "the steps should change the registers");

        // Back over the steps, one by one, to the last hit.
        for (int i = steps.Count - 2; i >= 0; i--)
        {
            Assert.Equal("T05thread:1;", stub.Exchange("bs"));
            Assert.True(steps[i].G == stub.Exchange("g") && steps[i].Cycles == stub.Machine.Scheduler.Cycles, $"bs to step {i}: at {Now()}, the forward run at cycle {steps[i].Cycles}");
        }
        Assert.Equal("T05thread:1;", stub.Exchange("bs"));
        Assert.True(hits[2].G == stub.Exchange("g") && hits[2].Cycles == stub.Machine.Scheduler.Cycles, $"bs to hit 2: at {Now()}; hits at {Hits()}");

        // Continue back: the two earlier entries, then the start of the history.
        for (int i = 1; i >= 0; i--)
        {
            string reply = stub.Exchange("bc");
            Assert.True(reply == "T05thread:1;", $"bc to hit {i}: {reply} at {Now()}; hits at {Hits()}");
            Assert.True(hits[i].G == stub.Exchange("g") && hits[i].Cycles == stub.Machine.Scheduler.Cycles && hits[i].Instructions == stub.Machine.Core.Instructions,
                $"bc to hit {i}: at {Now()}; hits at {Hits()}");
        }
        Assert.Equal("T05replaylog:begin;thread:1;", stub.Exchange("bc"));
        Assert.Equal(0, stub.Machine.Core.Instructions);

        // Forward again: the same entries at the same cycles with the same registers.
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal("T05thread:1;", stub.Exchange("c"));
            Assert.True(hits[i].G == stub.Exchange("g") && hits[i].Cycles == stub.Machine.Scheduler.Cycles, $"c to hit {i} again: at {Now()}; hits at {Hits()}");
        }
    }
}
