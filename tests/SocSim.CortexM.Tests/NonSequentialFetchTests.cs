using SocSim.Core;

namespace SocSim.CortexM.Tests;

/// <summary>
/// A taken branch's refill on memory whose non-sequential and sequential reads differ (a region's readN and readS):
/// P fetches the target word non-sequentially (Cortex-M3 TRM DDI 0337I 18.3 "Branches", Cortex-M4 TRM DDI 0439B
/// 3.3.1: P, the pipeline refill, with the wait states of the target's fetch), the words after it are sequential
/// (docs/cortex-m.md "Fetch"). Each figure below is derived by hand from the table's rows (ADDS, EORS, SUBS 1;
/// B&lt;c&gt; taken 1 + P) and the region's wait states: N = readN, S = readS, a non-sequential word costs 1 + N, a
/// sequential one 1 + S. Every loop runs 10 times, entered by a branch and measured from its first instruction to
/// the one after it: 10 iterations less the last branch's P (it falls through: 1). Each on the System bus
/// (0x20000000) and in the code region (0x08000000, I-Code on the M3/M4); the Cortex-M0's one bus alike.
/// </summary>
public sealed class NonSequentialFetchTests
{
    public static TheoryData<int, int, uint> Cases()
    {
        var d = new TheoryData<int, int, uint>();
        foreach (uint at in new[] { TestCore.Slow, FetchTimingTests.SlowCode })
            foreach (var (n, s) in new[] { (0, 0), (3, 0), (0, 3), (3, 1), (1, 2), (4, 2) })
                d.Add(n, s, at);
        return d;
    }

    private static WaitStates Ws(int n, int s) => new(n, s, n, s);

    // M3/M4, four 16-bit instructions in two words. The BNE ends at E with the target word arrived (P = 1 + N); the
    // second word is fetched sequentially from E, arriving at E + 1 + S. ADDS E, EORS E + 1, SUBS at
    // E + max(2, 1 + S), BNE 1 + P = 2 + N: iteration 4 + N + max(1, S).
    [Theory]
    [MemberData(nameof(Cases))]
    public void SixteenBitLoopPaysTheTargetsNonSequentialWaitStates(int n, int s, uint at)
    {
        long expected = 10L * (4 + n + Math.Max(1, s)) - (1 + n);
        Assert.Equal(expected, FetchTimingTests.LoopCycles(FetchTimingTests.Short, 10, Ws(n, s), at));
        Assert.Equal(expected, FetchTimingTests.LoopCycles(FetchTimingTests.Short, 10, Ws(n, s), at, CortexMProfile.V7EM));
    }

    // M3/M4, four 32-bit instructions in four words: the words after the target each 1 + S, one after another
    // from E; the instruction in word k starts at E + k(1 + S); BNE.W 1 + P = 2 + N: iteration 5 + N + 3S.
    [Theory]
    [MemberData(nameof(Cases))]
    public void ThirtyTwoBitLoopFetchesTheTargetNonSequentiallyAndTheRestSequentially(int n, int s, uint at)
    {
        long expected = 10L * (5 + n + 3 * s) - (1 + n);
        Assert.Equal(expected, FetchTimingTests.LoopCycles(FetchTimingTests.Wide, 10, Ws(n, s), at));
        Assert.Equal(expected, FetchTimingTests.LoopCycles(FetchTimingTests.Wide, 10, Ws(n, s), at, CortexMProfile.V7EM));
    }

    // M3/M4, a 32-bit target that is not word aligned (at A + 2, across words A and A + 4): P = 1 + 1 + N + S (18.3:
    // one more cycle for the second fetch; the first word non-sequential, the second sequential), the stream
    // restarting at A + 4. ADD.W E; EOR.W (A + 6, needs A + 8, fetched from E: E + 1 + S) at E + 1 + S; SUBS
    // (A + 10) E + 2 + S; BNE (A + 12, fetched when A + 8 arrived: E + 2 + 2S) at max(E + 3 + S, E + 2 + 2S),
    // then 1 + P = 3 + N + S: iteration max(3 + S, 2 + 2S) + 3 + N + S; the last BNE falls through (2 + N + S less).
    private const string Unaligned = "add.w r0, r0, r1\neor.w r0, r0, r1\nsubs r3, #1\nbne 1b";

    [Theory]
    [MemberData(nameof(Cases))]
    public void AnUnalignedThirtyTwoBitTargetPaysANonSequentialAndASequentialFetch(int n, int s, uint at)
    {
        long expected = 10L * (Math.Max(3 + s, 2 + 2 * s) + 3 + n + s) - (2 + n + s);
        Assert.Equal(expected, FetchTimingTests.LoopCycles(Unaligned, 10, Ws(n, s), at, pad: "nop"));
        Assert.Equal(expected, FetchTimingTests.LoopCycles(Unaligned, 10, Ws(n, s), at, CortexMProfile.V7EM, pad: "nop"));
    }

    // The Cortex-M0 (DDI 0432C table 3-1: B<c> taken 3 = 1 + P, P = 2 on zero-wait memory; one bus, a two-word
    // fetch buffer). P's target fetch is non-sequential: BNE 1 + 2 + N. Short: the second word, fetched from E
    // (its entry is free once the first word is in use), arrives at E + 1 + S: iteration 6 + N + max(0, S - 1).
    [Theory]
    [MemberData(nameof(Cases))]
    public void OnTheCortexM0TheRefillPaysTheTargetsNonSequentialWaitStates(int n, int s, uint at)
    {
        long expected = 10L * (6 + n + Math.Max(0, s - 1)) - (2 + n);
        Assert.Equal(expected, FetchTimingTests.LoopCycles(FetchTimingTests.Short, 10, Ws(n, s), at, CortexMProfile.V6M));
    }

    // The Cortex-M0, six ADDS/SUBS and a BNE in four words (m = max(1, S)): each word after the target is fetched
    // when the instruction before it starts using the word before (two entries), arriving 1 + S later; the pairs in
    // words A + 4 and A + 8 start at E + 1 + m and E + 2 + 2m, the BNE in A + 12 at E + 3 + 3m, then 1 + P = 3 + N:
    // iteration 6 + 3m + N (9 on zero-wait memory: six 1s and B<c> taken 3).
    private const string SevenHalfwords = "adds r0, #1\nadds r0, #1\nadds r0, #1\nadds r0, #1\nadds r0, #1\nsubs r3, #1\nbne 1b";

    [Theory]
    [MemberData(nameof(Cases))]
    public void OnTheCortexM0EachSequentialWordCostsReadS(int n, int s, uint at)
    {
        long expected = 10L * (6 + 3 * Math.Max(1, s) + n) - (2 + n);
        Assert.Equal(expected, FetchTimingTests.LoopCycles(SevenHalfwords, 10, Ws(n, s), at, CortexMProfile.V6M));
    }
}

/// <summary>
/// The refill's wait states are the target region's even when the code before came off the fast path (a memory
/// controller's region, like the STM32's flash): a loop in SRAM (readN 3, readS 0) called twice from controlled
/// code. Its taken BNE costs 1 + P, P = 1 + 3 (the target word's non-sequential read), on every pass of both
/// calls. Before the fix the fetch path kept the SRAM page cached with the flash word's costs, so the second
/// call's refills took the flash's 1 (stm32f103's flash_cycles `sram` row ignored readN).
/// </summary>
public sealed class RefillAfterControlledCodeTests
{
    private sealed class PassThrough(MemoryRegion region) : IMemoryController
    {
        public uint Read(uint address, int size, AccessFlags flags, ref bool abort, out int clocks)
        {
            clocks = 1;
            return region.Read(address, size, flags, ref abort);
        }

        public void Write(uint address, int size, uint value, AccessFlags flags, ref bool abort) => region.Write(address, size, value, flags, ref abort);
    }

    [Theory]
    [InlineData(CortexMProfile.V7M, 3, 0)]
    [InlineData(CortexMProfile.V7M, 2, 1)]
    [InlineData(CortexMProfile.V6M, 3, 0)]
    public void TheTargetRegionsReadNTimesEveryRefill(CortexMProfile profile, int n, int s)
    {
        using var t = new TestCore(profile, slow: new WaitStates(n, s, n, s));
        t.Load("ldr r5, =0x20000001\nmovs r3, #5\nblx r5\nmovs r3, #5\nblx r5\nbkpt #0\n.ltorg", cpu: "cortex-m0");
        t.Load("b 1f\n.align 2\n1: adds r0, r0, r1\neors r0, r1\nsubs r3, #1\nbne 1b\nbx lr", TestCore.Slow, "cortex-m0");
        t.Bus.SetController("ram", new PassThrough(t.Ram));
        t.Reset();
        uint bne = TestCore.Slow + 4 + 6;
        var taken = new List<int>();
        while (t.Cpu.State == CoreState.Running)
        {
            uint pc = t.Cpu.PC;
            int c = t.Cpu.Step();
            if (pc == bne && t.Cpu.PC != bne + 2) taken.Add(c);
        }
        Assert.Equal(CoreState.Halted, t.Cpu.State);
        int refill = profile == CortexMProfile.V6M ? CortexM0Timing.Refill : 1;
        Assert.Equal(Enumerable.Repeat(1 + refill + n, 8), taken);
    }
}
