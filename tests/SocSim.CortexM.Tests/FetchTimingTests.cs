using SocSim.Core;

namespace SocSim.CortexM.Tests;

/// <summary>
/// Instruction fetch on slow memory (Cortex-M3 TRM DDI 0337I 1.2.1, 18.3; docs/cortex-m.md "Fetch"): the prefetch
/// unit fetches 32-bit words into a three-word buffer, each sequential word costing 1 + w cycles (w wait states),
/// starting when the previous word arrived and a buffer entry is free (an instruction has started in the word two
/// before it); an instruction waits only for words that have not arrived. A taken branch costs 1 + P with
/// P = 1 + w (the target word's fetch); the stream restarts from the target word at the branch's end (E below).
/// Every loop is entered by a branch, measured from its first instruction to the instruction after it, so n
/// iterations cost n * iteration - (1 + w): the last conditional branch falls through (1 instead of 2 + w).
/// </summary>
public sealed class FetchTimingTests
{
    /// <summary>A region in the code space (I-Code/D-Code on the M3) with the slow region's wait states.</summary>
    internal const uint SlowCode = 0x0800_0000;

    internal static long LoopCycles(string body, int n, int w, uint at, CortexMProfile profile = CortexMProfile.V7M, Action<CortexMCpu>? setup = null) =>
        LoopCycles(body, n, new WaitStates(w, w, w, w), at, profile, setup);

    /// <summary>The loop's cycles with both slow regions at <paramref name="ws"/>; <paramref name="pad"/> goes between
    /// the loop's word alignment and its first instruction (a halfword moves it off the word boundary).</summary>
    internal static long LoopCycles(string body, int n, WaitStates ws, uint at, CortexMProfile profile = CortexMProfile.V7M, Action<CortexMCpu>? setup = null, string pad = "")
    {
        using var t = new TestCore(profile, slow: ws);
        t.Bus.AddRegion(new MemoryRegion("slowcode", SlowCode, 0x1_0000, RegionKind.Ram, 32, ws));
        setup?.Invoke(t.Cpu);
        string program = $"movs r3, #{n}\nb 1f\n.align 2\n{pad}\n1:\n{body}\ndone: bkpt #0\n.ltorg";
        t.Load(program, at);
        t.Bus.DebugWrite32(4, at | 1);
        t.Reset();
        t.Cpu.SetRegister(1, 0x7FFF_FFFF);
        t.Cpu.SetRegister(2, 1);
        t.Cpu.SetRegister(4, TestCore.Slow + 0x8000);
        t.Cpu.Step(); t.Cpu.Step();            // MOVS, B: the loop's first instruction is next
        long c0 = t.Cpu.Cycles, s0 = t.Scheduler.Cycles;
        uint loop = t.Cpu.PC;
        uint done = loop + (uint)Asm.Assemble("1:\n" + body).Length;    // (".align 2" would pad an odd number of halfwords)
        while (t.Cpu.PC != done) { uint pc = t.Cpu.PC; Assert.True(t.Cpu.Step() != 0, $"0 cycles at 0x{pc:x}: {t.Cpu.State} {t.Cpu.Fault}"); }
        Assert.Equal(t.Cpu.Cycles - c0, t.Scheduler.Cycles - s0);
        return t.Cpu.Cycles - c0;
    }

    // Four 16-bit instructions in two words. E: ADDS, E+1: EORS (same word); SUBS at E+2 needs the second word,
    // fetched from E, arriving at E + 1 + w: it waits max(0, w - 1); BNE taken 1 + P = 2 + w.
    // Iteration 5 + w + max(0, w - 1): 5 on zero-wait memory (the table's figures), 6 with 1 wait state, 8 with 2.
    internal const string Short = "adds r0, r0, r1\neors r0, r1\nsubs r3, #1\nbne 1b";

    // Four 32-bit instructions in four words: each word after the first is fetched one after another from E, so the
    // instruction in word k waits until E + k(1 + w); BNE.W taken 1 + P = 2 + w. Iteration 5 + 4w: 5, 9, 13.
    internal const string Wide = "add.w r0, r0, r1\neor.w r0, r0, r1\nsubs.w r3, r3, #1\nbne.w 1b";

    // UDIV (12 cycles: 0x7FFFFFFF / 1 by the divide rule) lets the unit fetch ahead, but only three words: with
    // w = 2 (3 cycles a word) words L+4 and L+8 arrive at E+3 and E+6; L+12's entry frees when the ADD.W in L+4
    // starts (E+12), so it arrives at E+15, L+16 at E+18, L+20 at E+21. ADD.W at E+12, E+13, then waits to E+15,
    // to E+18; SUBS waits to E+21; BNE at E+22, 1 + P = 4: iteration 26 (unbounded fetching would give 21).
    // w = 1: L+12 arrives at E+14, L+16 at E+16, L+20 at E+18: ADD.W at E+12, 13, 14, 16, SUBS at 18, BNE 19 + 3:
    // iteration 22. Zero-wait: 12 + 4 + 1 + 2 = 19.
    private const string Buffered = "udiv r0, r1, r2\nadd.w r0, r0, r1\nadd.w r0, r0, r1\nadd.w r0, r0, r1\nadd.w r0, r0, r1\nsubs r3, #1\nbne 1b";

    [Theory]
    [InlineData(0, 5)]
    [InlineData(1, 6)]
    [InlineData(2, 8)]
    public void SixteenBitLoop(int w, int iteration) => Assert.Equal(10L * iteration - (1 + w), LoopCycles(Short, 10, w, TestCore.Slow));

    [Theory]
    [InlineData(0, 5)]
    [InlineData(1, 9)]
    [InlineData(2, 13)]
    public void ThirtyTwoBitLoopIsFetchBound(int w, int iteration) => Assert.Equal(10L * iteration - (1 + w), LoopCycles(Wide, 10, w, TestCore.Slow));

    [Theory]
    [InlineData(0, 19)]
    [InlineData(1, 22)]
    [InlineData(2, 26)]
    public void TheBufferHoldsThreeWords(int w, int iteration) => Assert.Equal(10L * iteration - (1 + w), LoopCycles(Buffered, 10, w, TestCore.Slow));

    // Two neighbouring loads from the slow region (data at Slow + 0x8000): LDR 2 + w, the pipelined LDR 1 + w
    // (18.3), SUBS 1, BNE 1 + P. From zero-wait code (I-Code, the data on the System bus): iteration 6 + 2w.
    // From the slow region itself, fetches and data share the System bus (docs/cortex-m.md "Buses"): LDR1's
    // data holds it over [E, E + 1 + w) (a data request wins a tie); the second word's fetch issues at E + 1 + w
    // and holds it to E + 2 + 2w, so LDR2 (asking at E + 2 + w) waits w; SUBS at E + 4 + 3w, BNE 1 + P with
    // P = 1 + w: 6 + 4w (6 + 3w if fetches and data did not contend).
    private const string Loads = "ldr r0, [r4]\nldr r2, [r4, #4]\nsubs r3, #1\nbne 1b";

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public void NeighbouringLoadsPipelineAndChargeTheirWaitStates(int w)
    {
        Assert.Equal(10L * (6 + 2 * w) - 1, LoopCycles(Loads, 10, w, TestCore.Code));
        Assert.Equal(10L * (6 + 4 * w) - (1 + w), LoopCycles(Loads, 10, w, TestCore.Slow));
    }

    // The Cortex-M0 (one AHB-Lite bus for fetches and data; docs/cortex-m.md "Cortex-M0 timing", Fetch), the
    // same loop: LDR 2 + w each (no pipelining), SUBS 1, BNE 1 + P with P = 2 + the target's wait states.
    // From zero-wait code: LDR1's data holds the bus over [E, E + 1 + w); the second word (zero-wait) is fetched
    // after it, at E + 1 + w, arriving before LDR2 asks (E + 2 + w): no wait; iteration 8 + 2w.
    // From the slow region: that fetch holds the bus to E + 2 + 2w, so LDR2 waits w: iteration 8 + 4w (one cycle
    // less per wait state would mean the fetch and the data went in parallel). The same from slow memory in the
    // code space (0x08000000): 8 + 4w on the M0's one bus, where the M3's I-Code would fetch beside the System
    // bus's data (8 + 3w).
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public void OnTheCortexM0FetchesAndDataShareOneBus(int w)
    {
        Assert.Equal(10L * (8 + 2 * w) - 2, LoopCycles(Loads, 10, w, TestCore.Code, CortexMProfile.V6M));
        Assert.Equal(10L * (8 + 4 * w) - (2 + w), LoopCycles(Loads, 10, w, TestCore.Slow, CortexMProfile.V6M));
        Assert.Equal(10L * (8 + 4 * w) - (2 + w), LoopCycles(Loads, 10, w, SlowCode, CortexMProfile.V6M));
    }

    // The Cortex-M0's fetch buffer: two words (the one executing and one fetched ahead). MULS with the small
    // multiplier (32 cycles) at A, then six ADDS, SUBS and BNE in words A..A+16, run from the slow region (a word
    // costs 1 + w). During MULS the unit fetches A+4 only (A+8's entry frees when an instruction starts in A+4,
    // at E+33). w = 2: A+8 issues at E+33, arrives E+36: ADDS at A+8 waits 1 (E+35 -> E+36); A+12 issues at
    // E+36, arrives E+39: the ADDS at A+12 waits 1; A+16 at E+42: BNE waits 1, then 1 + P = 1 + 2 + 2:
    // iteration 47 (a three-word buffer would have fetched A+8 during MULS: 44). w = 1: A+8 at E+35, A+12 at
    // E+37, A+16 at E+39, each just in time: 42 + 1 (BNE's P). w = 0: 32 + 6 + 1 + 3 = 42.
    private const string Multiply = "muls r0, r1, r0\nadds r0, #1\nadds r0, #1\nadds r0, #1\nadds r0, #1\nadds r0, #1\nadds r0, #1\nsubs r3, #1\nbne 1b";

    [Theory]
    [InlineData(0, 42)]
    [InlineData(1, 43)]
    [InlineData(2, 47)]
    public void TheCortexM0FetchesOneWordAhead(int w, int iteration) =>
        Assert.Equal(10L * iteration - (2 + w), LoopCycles(Multiply, 10, w, TestCore.Slow, CortexMProfile.V6M, c => c.MultiplyCycles = 32));

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void ZeroWaitCodeIsUnchangedBesideSlowMemory(int w)
    {
        // The same loops in the zero-wait RAM while a slow region exists: the table's figures.
        Assert.Equal(10L * 5 - 1, LoopCycles(Short, 10, w, TestCore.Code));
        Assert.Equal(10L * 5 - 1, LoopCycles(Wide, 10, w, TestCore.Code));
        Assert.Equal(10L * 19 - 1, LoopCycles(Buffered, 10, w, TestCore.Code));
    }
}

/// <summary>
/// Code behind a memory controller (like a flash interface with a prefetch buffer): a code read costs 4 clocks
/// non-sequential and 1 sequential, data 4. The core fetches each word once, sequential when it follows the
/// previous word, and the controller's own clocks time the prefetch unit and P.
/// </summary>
public sealed class ControllerFetchTimingTests
{
    private sealed class FlashLike(MemoryRegion region) : IMemoryController
    {
        public readonly List<(uint Address, bool Seq)> CodeReads = new();

        public uint Read(uint address, int size, AccessFlags flags, ref bool abort, out int clocks)
        {
            bool seq = (flags & AccessFlags.Seq) != 0;
            if ((flags & AccessFlags.Code) != 0) CodeReads.Add((address, seq));
            clocks = (flags & AccessFlags.Code) != 0 && seq ? 1 : 4;
            return region.Read(address, size, flags, ref abort);
        }

        public void Write(uint address, int size, uint value, AccessFlags flags, ref bool abort) { }
    }

    [Fact]
    public void AControllerTimesTheFetchesWordByWord()
    {
        // Four 32-bit instructions in four words, entered by a branch. E: the B's end (1 + P, P = 1 + 3: the
        // target word non-sequential, 4 clocks). The words after it are sequential (1 clock each), fetched one a
        // cycle from E, so nothing waits: ADD.W E, EOR.W E+1, SUBS.W E+2, BNE.W E+3, taken 1 + P = 1 + 4 (the
        // target fetched non-sequentially again): E+8. Iteration 8; 10 iterations less the last branch's P (it
        // falls through: 1): 10 * 8 - 4 = 76.
        using var t = new TestCore(slow: WaitStates.Zero);
        var flash = new FlashLike(t.SlowRam);
        t.Bus.SetController("slow", flash);
        string body = "add.w r0, r0, r1\neor.w r0, r0, r1\nsubs.w r3, r3, #1\nbne.w 1b";
        t.Load("movs r3, #10\nb 1f\n.align 2\n1:\n" + body + "\nbkpt #0", TestCore.Slow);
        t.Bus.DebugWrite32(4, TestCore.Slow | 1);
        t.Reset();
        t.Cpu.Step();
        Assert.Equal(1 + 1 + 3, t.Cpu.Step());     // B: 1 + P with the target word's 4 clocks
        long c0 = t.Cpu.Cycles, s0 = t.Scheduler.Cycles;
        flash.CodeReads.Clear();
        while (t.Cpu.PC != TestCore.Slow + 4 + 16) t.Cpu.Step();
        Assert.Equal(76, t.Cpu.Cycles - c0);
        Assert.Equal(76, t.Scheduler.Cycles - s0);
        // One read per word: the loop's 4 words per iteration (the first word each time non-sequential, fetched
        // by the branch; the first iteration's by the B before the measurement).
        Assert.Equal(10 * 4 - 1, flash.CodeReads.Count);
        Assert.All(flash.CodeReads, r => Assert.Equal(r.Address != TestCore.Slow + 4, r.Seq));
    }
}

/// <summary>DWT CYCCNT read by firmware running from slow memory counts the fetch stalls as the core's count does.</summary>
public sealed class CyccntOnSlowCodeTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void FirmwareCyccntEqualsTheCoreCount(int w)
    {
        using var t = new TestCore(slow: new WaitStates(w, w, w, w));
        t.Bus.AddDevice("scs", SystemControlSpace.Base, SystemControlSpace.Size, new SystemControlSpace(t.Cpu), WaitStates.Zero);
        t.Bus.AddDevice("dwt", DataWatchpointTrace.Base, DataWatchpointTrace.Size, new DataWatchpointTrace(t.Cpu), WaitStates.Zero);
        t.Load("ldr r0, =0xE000EDFC\nldr r1, =0x01000000\nstr r1, [r0]\nldr r0, =0xE0001000\nmovs r1, #1\nstr r1, [r0]\n" +
               "first: ldr r5, [r0, #4]\nmovs r3, #10\nb 1f\n.align 2\n1: add.w r0, r0, #0\neor.w r1, r1, r1\nsubs.w r3, r3, #1\nbne.w 1b\n" +
               "second: ldr r6, [r0, #4]\nsubs r5, r6, r5\nbkpt #0\n.ltorg", TestCore.Slow);
        t.Bus.DebugWrite32(4, TestCore.Slow | 1);
        t.Reset();
        // CYCCNT is read when the LDR executes, after any wait for its fetch: its step's start plus the step's
        // cycles beyond the LDR's own 2 (a zero-wait DWT read, after a store or a branch: not pipelined).
        var startOfLdr = new List<long>();
        while (t.Cpu.State == CoreState.Running)
        {
            bool cyccntRead = t.Cpu.DecodeAt(t.Cpu.PC) is { Op: Op.Ldr, Rn: 0, Imm: 4 };
            long start = t.Cpu.Cycles;
            int cycles = t.Cpu.Step();
            if (cyccntRead) startOfLdr.Add(start + cycles - 2);
        }
        Assert.Equal(CoreState.Halted, t.Cpu.State);
        Assert.Equal(2, startOfLdr.Count);
        // The loop alone is 10 * (5 + 4w) - (1 + w) (FetchTimingTests); the rest is the LDR, MOVS and B with their stalls.
        Assert.True(startOfLdr[1] - startOfLdr[0] > 10 * (5 + 4 * w) - (1 + w));
        Assert.Equal((uint)(startOfLdr[1] - startOfLdr[0]), t.Cpu.GetRegister(5));
        Assert.Equal(t.Cpu.Cycles, t.Scheduler.Cycles);
    }
}
