using SocSim.Core;

namespace SocSim.CortexM.Tests;

/// <summary>
/// The block engine's specialised paths (data processing, plain instructions, loads and stores to RAM; the
/// prefetch model's sequential step) against the interpreter in lockstep, as <see cref="BlockEngineTests"/>
/// compares the engine, on what those tests do not vary: RAM with wait states under the code and the data
/// (so every specialised load and store and every fetch costs more than a cycle), the Cortex-M0 profile
/// (its own load/store timing), CCR.UNALIGN_TRP (an unaligned access must leave the path and fault), and the
/// accesses the path must refuse (a device, a bit-band alias, an armed DWT data comparator).
/// </summary>
public sealed class BlockSpecialisationTests
{
    /// <summary>A core on 128 KiB of RAM at 0 and 64 KiB at 0x2000_0000 with <paramref name="waits"/>, a device at 0x4000_0000, vectors as <see cref="TestCore"/>'s.</summary>
    private sealed class WaitCore : IDisposable
    {
        public readonly Scheduler Scheduler = Scheduler.CycleBased();
        public readonly Bus Bus;
        public readonly MemoryRegion Ram, Sram;
        public readonly CortexMCpu Cpu;
        public readonly CountingDevice Device = new();

        public WaitCore(WaitStates waits, CortexMProfile profile, bool blocks, bool debug = false)
        {
            Bus = new Bus(Scheduler);
            Ram = new MemoryRegion("ram", 0, 0x2_0000, RegionKind.Ram, 32, waits);
            Bus.AddRegion(Ram);
            Sram = new MemoryRegion("sram", 0x2000_0000, 0x1_0000, RegionKind.Ram, 32, waits);     // under the bit-band aliases at 0x22000000
            Bus.AddRegion(Sram);
            Bus.AddDevice("count", 0x4000_0000, 0x1000, Device, new WaitStates(1, 1, 1, 1));
            Cpu = new CortexMCpu(Bus, profile);
            if (debug)
            {
                // The SCS (SysTick, NVIC) and, on ARMv7-M, the DWT (CYCCNT), as the boards map them.
                Bus.AddDevice("scs", SystemControlSpace.Base, SystemControlSpace.Size, new SystemControlSpace(Cpu), WaitStates.Zero);
                if (profile != CortexMProfile.V6M)
                    Bus.AddDevice("dwt", DataWatchpointTrace.Base, DataWatchpointTrace.Size, new DataWatchpointTrace(Cpu), WaitStates.Zero);
            }
            Bus.DebugWrite32(0, TestCore.Stack);
            Bus.DebugWrite32(4, TestCore.Code | 1);
            for (uint n = 2; n < 16 + Cpu.InterruptLines; n++) Bus.DebugWrite32(4 * n, (TestCore.Handlers + 0x10 * n) | 1);
            if (blocks) Cpu.SetEngine(ExecutionEngine.Translate);
        }

        public void Dispose() { Bus.Dispose(); Ram.Dispose(); Sram.Dispose(); }
    }

    /// <summary>A register that counts its reads and returns the count; a write sets it.</summary>
    private sealed class CountingDevice : IBusDevice
    {
        private uint _n;
        public uint Read(uint address, int size, AccessFlags flags, ref bool abort) => ++_n;
        public void Write(uint address, int size, uint value, AccessFlags flags, ref bool abort) => _n = value;
    }

    private sealed class Pair : IDisposable
    {
        public readonly WaitCore Interp, Blocks;

        public Pair(WaitStates waits, CortexMProfile profile = CortexMProfile.V7M, bool debug = false)
        {
            Interp = new WaitCore(waits, profile, false, debug);
            Blocks = new WaitCore(waits, profile, true, debug);
        }

        public IEnumerable<WaitCore> Both => [Interp, Blocks];

        /// <summary>Both cores from reset with <paramref name="code"/> at TestCore.Code (<paramref name="setUp"/> then, on each core).</summary>
        public void Load(byte[] code, Action<WaitCore>? setUp = null)
        {
            foreach (var t in Both)
            {
                t.Bus.DebugWrite(TestCore.Code, code);
                t.Cpu.Reset();
                setUp?.Invoke(t);
            }
        }

        /// <summary>
        /// Both cores run to the same random points (1 to <paramref name="longest"/> - 1 cycles apart, from
        /// <paramref name="seed"/>) and are compared at each, while <paramref name="going"/> holds, for at most
        /// <paramref name="slices"/> slices; <paramref name="after"/> checks more after each.
        /// </summary>
        public void RunInSlices(int seed, int slices, int longest, Func<bool> going, Action? after = null)
        {
            var g = new Random(seed);
            for (int slice = 0; slice < slices && going(); slice++)
            {
                long to = Interp.Scheduler.Cycles + g.Next(1, longest);
                foreach (var t in Both) t.Cpu.RunTo(to);
                AssertSame($"slice {slice}");
                after?.Invoke();
            }
        }

        /// <summary>
        /// Both cores from reset with <paramref name="code"/> and IRQ 0's <paramref name="handler"/>, the line enabled
        /// (<paramref name="setUp"/> then, on each core), nIRQ raised at cycle <paramref name="at"/> for 3 cycles, run to
        /// cycle <paramref name="until"/>.
        /// </summary>
        public void RunWithPulse(byte[] code, byte[] handler, long at, long until, Action<WaitCore>? setUp = null)
        {
            foreach (var t in Both)
            {
                t.Bus.DebugWrite(TestCore.Code, code);
                t.Bus.DebugWrite(TestCore.Handlers + 0x10 * 16, handler);
                t.Cpu.Reset();
                t.Cpu.SetInterruptEnabled(0, true);
                setUp?.Invoke(t);
                var core = t.Cpu;
                var ev = t.Scheduler.CreateEvent("irq", EventPriority.Peripheral, _ => core.SetInterruptLine(0, true));
                var off = t.Scheduler.CreateEvent("irq-off", EventPriority.Peripheral, _ => core.SetInterruptLine(0, false));
                t.Scheduler.Schedule(ev, t.Scheduler.TimeOfCycle(at));
                t.Scheduler.Schedule(off, t.Scheduler.TimeOfCycle(at + 3));
                ((Core.Cores.ICore)core).Run(until);
            }
        }

        public void Dispose() { Interp.Dispose(); Blocks.Dispose(); }

        public void AssertSame(string what) =>
            EngineLockstep.AssertSame(what, Interp.Cpu, Interp.Scheduler, Interp.Bus, Blocks.Cpu, Blocks.Scheduler, Blocks.Bus,
                (0x7000u, 0x9000u), (0x2000_0000u, 0x2000_0010u));
    }

    public static TheoryData<int, int, bool> Cases()
    {
        // seed, RAM wait states (read N = S, write N = S), CCR.UNALIGN_TRP
        var d = new TheoryData<int, int, bool>();
        for (int s = 1; s <= 12; s++) d.Add(s, s % 3, s % 4 == 0);
        return d;
    }

    /// <summary>
    /// The Unicorn harness's random sequences (each repeated by a branch back, so the second pass runs from
    /// blocks), in RAM with 0 to 2 wait states, run in slices of random length and compared after each.
    /// </summary>
    [Theory]
    [MemberData(nameof(Cases))]
    public void RandomSequencesOnWaitStateRamMatchTheInterpreter(int seed, int waits, bool unalignedTrap)
    {
        RunRandom(seed, new WaitStates(waits, waits, waits, waits), CortexMProfile.V7M,
            [.. UnicornComparisonTests.Classes.Where(c => c != "msr")], unalignedTrap);
    }

    /// <summary>The same on the Cortex-M0 profile (its 2-cycle loads and stores, no pipelining) with its instruction classes.</summary>
    [Theory]
    [InlineData(1, 0)]
    [InlineData(2, 1)]
    [InlineData(3, 2)]
    public void RandomSequencesOnTheM0MatchTheInterpreter(int seed, int waits)
    {
        RunRandom(seed, new WaitStates(waits, waits, waits, waits), CortexMProfile.V6M,
            [.. UnicornComparisonTests.V6MClasses.Where(c => c != "v6m.msr")], false);
    }

    private static void RunRandom(int seed, WaitStates waits, CortexMProfile profile, string[] classes, bool unalignedTrap)
    {
        var g = new UnicornComparisonTests.Gen(seed * 104729);
        using var p = new Pair(waits, profile);
        foreach (var t in p.Both) t.Cpu.UnalignedTrap = unalignedTrap;
        for (int round = 0; round < 30; round++)
        {
            var c = UnicornComparisonTests.Make(g, classes[g.Next(classes.Length)]);
            var code = new List<byte>(c.Code);
            // b back to the start: 16-bit encoding T2 (the M0 has no 32-bit B), the case is short.
            int offset = -(code.Count + 4);
            ushort b = (ushort)(0xE000 | ((offset >> 1) & 0x7FF));
            code.AddRange([(byte)b, (byte)(b >> 8)]);
            foreach (var t in p.Both)
            {
                t.Bus.DebugWrite(UnicornComparisonTests.CodeAddr, code.ToArray());
                t.Bus.DebugWrite(UnicornComparisonTests.DataAddr, c.Data);
                t.Cpu.Reset();
                t.Cpu.UnalignedTrap = unalignedTrap;
                for (int r = 0; r < 15; r++) t.Cpu.SetRegister(r, c.Regs[r]);
                t.Cpu.Apsr = c.Flags;
                t.Cpu.PC = UnicornComparisonTests.CodeAddr;
            }
            for (int slice = 0; slice < 6; slice++)
            {
                long to = p.Interp.Scheduler.Cycles + g.Next(1, 60);
                foreach (var t in p.Both) t.Cpu.RunTo(to);
                p.AssertSame($"seed {seed} round {round} ({c.Class}: {string.Join(" ", c.Ops)}) slice {slice}");
            }
        }
        Assert.True(p.Blocks.Cpu.SpecialisedInstructions > 0, "no instruction took a specialised path");
        Assert.Equal(0, p.Interp.Cpu.BlockInstructions);
    }

    private const string Loop = """
            movs r0, #0
            movs r1, #0
            ldr r2, =0x8000
            ldr r5, =0x40000000
        1:  adds r0, #1
            add r1, r0, r1, lsl #1
            ldr r3, [r2]
            str r1, [r2, #4]
            ldrb r4, [r2, #5]
            eor r1, r1, r3
            ldr r6, [r5]
            strh r4, [r2, #8]
            ubfx r4, r1, #3, #7
            mul r4, r4, r0
            ldrsh r7, [r2, #8]
            cmp r0, #40
            bne 1b
            b .
            .ltorg
        """;

    /// <summary>
    /// An external interrupt at every cycle of the first 500 of a loop of specialised loads, stores and ALU
    /// instructions (and a device read, which leaves the path) in RAM with 2 wait states: the handler is entered
    /// at the same boundary, with the same cycles, by both engines.
    /// </summary>
    [Fact]
    public void InterruptAtEveryCycleOnWaitStateRamMatchesTheInterpreter()
    {
        for (long at = 1; at <= 500; at++)
        {
            using var p = new Pair(new WaitStates(2, 1, 2, 1));
            p.RunWithPulse(Asm.Assemble(Loop), Asm.Assemble("add r8, r8, #1\nmov r9, lr\nldr r10, [sp, #24]\nbx lr"), at, at + 400);
            p.AssertSame($"interrupt at cycle {at}");
            Assert.Equal(1u, p.Blocks.Cpu.GetRegister(8));
            Assert.True(p.Blocks.Cpu.SpecialisedInstructions > 0, "no instruction took a specialised path");
        }
    }

    private const string MultipleLoop = """
            movs r0, #0
            ldr r2, =0x8100
            ldr r5, =0x40000000
            ldr r7, =0x8FF8
            ldr r8, =0x22000000
        1:  adds r0, #1
            push {r0-r3, lr}
            stmia r2!, {r0, r1, r3}
            ldmdb r2!, {r4, r6}
            pop {r1-r3}
            pop {r4, r6}
            stm r7, {r0-r3}
            ldm r7, {r3, r4, r6}
            ldm r5, {r3, r4}
            stm r8, {r0, r1}
            ldm r8, {r3, r4}
            stmia r2, {r2, r4}
            ldm r2, {r2, r3}
            stmdb sp, {r0, r1, r3}
            ldmdb sp, {r4, r6}
            cmp r0, #30
            bne 1b
            b .
            .ltorg
        """;

    /// <summary>
    /// LDM/STM (PUSH, POP without the PC, both directions, with and without write-back, the base in the list)
    /// on the specialised path, and those it must refuse inside the same blocks: words across a page boundary
    /// (0x8FF8-0x9007), a device's registers (its reads count), bit-band aliases (read-modify-writes). An external
    /// interrupt at every cycle of the first 250 (its entry stacks and its handler runs on the same stack), in RAM
    /// with 0 and 2 wait states and on the M0 (one bus for fetches and data): the same boundary, cycles, DWT
    /// counts, registers and memory as the interpreter.
    /// </summary>
    [Theory]
    [InlineData(0, CortexMProfile.V7M)]
    [InlineData(2, CortexMProfile.V7M)]
    [InlineData(1, CortexMProfile.V6M)]
    public void LoadStoreMultipleWithAnInterruptAtEveryCycleMatchesTheInterpreter(int waits, CortexMProfile profile)
    {
        // The M0 has no 32-bit LDM/STM nor the bit-band; its loop keeps the 16-bit forms.
        string source = profile == CortexMProfile.V6M
            ? """
                movs r0, #0
                ldr r2, =0x8100
                ldr r5, =0x40000000
                ldr r7, =0x8FF8
            1:  adds r0, #1
                push {r0-r3, lr}
                stmia r2!, {r0, r1, r3}
                pop {r1-r3}
                pop {r4, r6}
                stmia r7!, {r0-r3}
                subs r7, #16
                ldmia r7!, {r3, r4, r6}
                subs r7, #12
                ldmia r5!, {r3, r4}
                subs r5, #8
                stmia r2!, {r3, r4}
                subs r2, #8
                ldmia r2!, {r3, r4}
                subs r2, #8
                cmp r0, #30
                bne 1b
                b .
                .ltorg
            """
            : MultipleLoop;
        string cpu = profile == CortexMProfile.V6M ? "cortex-m0" : "cortex-m3";
        byte[] code = Asm.Assemble(source, cpu), handler = Asm.Assemble("push {r4, lr}\nadds r4, #1\nmov r9, r4\npop {r4, pc}", cpu);
        for (long at = 1; at <= 250; at++)
        {
            using var p = new Pair(new WaitStates(waits, waits, waits, waits), profile);
            p.RunWithPulse(code, handler, at, at + 500);
            p.AssertSame($"interrupt at cycle {at}");
            Assert.True(p.Blocks.Cpu.SpecialisedInstructions > 0, "no instruction took a specialised path");
        }
    }

    /// <summary>
    /// IT folding after specialised instructions: an IT folds onto the 16-bit instruction before it when that
    /// one went straight on (FinishStep reads the step's start address), so a specialised ADDS, CMP or MOV before
    /// an IT must leave the same fold state as the interpreter. Broken, the engines part at the first IT (its
    /// cycle and FOLDCNT differ).
    /// </summary>
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public void AnItAfterASpecialisedInstructionFoldsAsInTheInterpreter(int waits)
    {
        const string source = """
                movs r0, #0
                movs r1, #0
                movs r2, #0
            1:  adds r0, #1
                it eq
                addeq r1, r1, #1
                cmp r0, #7
                itt ne
                addne r2, r2, #2
                addne r2, r2, #1
                mov r3, r2
                ite hi
                movhi r4, #1
                movls r4, #2
                cmp r0, #40
                bne 1b
                b .
            """;
        using var p = new Pair(new WaitStates(waits, waits, waits, waits));
        p.Load(Asm.Assemble(source));
        p.RunInSlices(5, 400, 25, () => p.Interp.Cpu.GetRegister(0) < 40,
            () => Assert.Equal(p.Interp.Cpu.FoldedInstructions, p.Blocks.Cpu.FoldedInstructions));
        Assert.Equal(40u, p.Blocks.Cpu.GetRegister(0));
        Assert.True(p.Blocks.Cpu.SpecialisedInstructions > 0, "no instruction took a specialised path");
        if (waits == 0) Assert.True(p.Blocks.Cpu.FoldedInstructions > 0, "no IT folded");
    }

    /// <summary>
    /// Loads and stores the specialised path must refuse, inside blocks: a device register (its reads count),
    /// bit-band aliases of the data (a read-modify-write), and every access while a DWT data comparator is
    /// armed on the data (the watchpoint must see each one, and its MATCHED flag and halts are the interpreter's).
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void AccessesThePathRefusesMatchTheInterpreter(bool watch)
    {
        const string source = """
                movs r0, #0
                ldr r2, =0x8000
                ldr r5, =0x40000000
                ldr r7, =0x22000000
            1:  adds r0, #1
                ldr r6, [r5]
                str r0, [r2]
                str r0, [r7, #4]
                ldr r3, [r7, #8]
                add r6, r6, r3
                str r6, [r2, #12]
                ldrb r4, [r2, #1]
                cmp r0, #60
                bne 1b
                b .
                .ltorg
            """;
        using var p = new Pair(new WaitStates(1, 1, 1, 1));
        p.Load(Asm.Assemble(source), t => { if (watch) t.Cpu.SetComparator(0, 0x800C, 0, 6); });
        p.RunInSlices(11, 200, 30, () => p.Interp.Cpu.GetRegister(0) < 60);
        Assert.Equal(60u, p.Blocks.Cpu.GetRegister(0));
        Assert.True(p.Blocks.Cpu.BlockInstructions > 300, $"{p.Blocks.Cpu.BlockInstructions} instructions ran in blocks");
        if (!watch) Assert.True(p.Blocks.Cpu.SpecialisedInstructions > 0, "no instruction took a specialised path");
    }

    private const string BranchLoop = """
            movs r0, #0
            movs r5, #0
            ldr r11, =0xE0001004
            ldr r1, =0xE000EDFC
            mov r2, #0x01000000
            str r2, [r1]
            ldr r1, =0xE0001000
            ldr r2, [r1]
            orr r2, r2, #1
            str r2, [r1]
            ldr r1, =0xE000E014
            ldr r2, =999
            str r2, [r1]
            ldr r1, =0xE000E010
            movs r2, #5
            str r2, [r1]
            ldr r12, =0x7000
        1:  adds r0, #1
            bl f
            cbz r3, 2f
            bl g
        2:  ldr r6, [r11]
            str r6, [r12, r0, lsl #2]
            tst r0, #1
            beq 3f
            b 4f
        3:  adds r5, #7
        4:  cmp r0, #30
            bne 1b
            b .
        f:  push {r4, lr}
            ands r3, r0, #3
            ldr r4, [r11]
            str r4, [r12, #0x100]
            pop {r4, pc}
        g:  cbnz r3, 5f
            bx lr
        5:  add r5, r5, r3
            ldr r1, =0xE000E018
            ldr r4, [r1]
            str r4, [r12, #0x104]
            bx lr
            .ltorg
        """;

    private const string BranchLoopM0 = """
            movs r0, #0
            movs r5, #0
            ldr r1, =0xE000E014
            ldr r2, =999
            str r2, [r1]
            ldr r1, =0xE000E010
            movs r2, #5
            str r2, [r1]
            ldr r7, =0x7000
        1:  adds r0, #1
            bl f
            cmp r3, #0
            beq 2f
            bl g
        2:  ldr r1, =0xE000E018
            ldr r6, [r1]
            lsls r2, r0, #2
            str r6, [r7, r2]
            lsrs r2, r0, #1
            bcc 3f
            b 4f
        3:  adds r5, #7
        4:  cmp r0, #30
            bne 1b
            b .
        f:  push {r4, lr}
            movs r3, #3
            ands r3, r0
            ldr r1, =0xE000E018
            ldr r4, [r1]
            str r4, [r7, #0x40]
            pop {r4, pc}
        g:  adds r5, r5, r3
            bx lr
            .ltorg
        """;

    /// <summary>
    /// The branch paths (B, B&lt;c&gt;, BL, CBZ/CBNZ, BX LR, POP {..., PC}: a block's last instruction, its refill
    /// taken as <see cref="CortexMCpu"/>'s <c>ImmediateBranch</c>/<c>RefillCycles</c> take it) with an external
    /// interrupt at every cycle of the first 250, in RAM with 0 and 2 wait states and on the M0: the handler
    /// calls a subroutine (BL, and BX LR in Handler mode, which the path takes) and returns by POP {..., PC} or
    /// BX with an EXC_RETURN (which the paths must refuse: the interpreter's exception return, whose M0 POP timing
    /// differs and whose unstacking may fault into an entry the ExceptionEntered probe, subscribed here, must see). The loop reads
    /// DWT CYCCNT and SysTick's current value between the branches (device reads, mid-block) and stores them:
    /// the same boundary, cycles, DWT counts, registers and memory as the interpreter.
    /// </summary>
    [Theory]
    [InlineData(0, CortexMProfile.V7M, true)]
    [InlineData(0, CortexMProfile.V7M, false)]
    [InlineData(2, CortexMProfile.V7M, true)]
    [InlineData(1, CortexMProfile.V7M, false)]
    [InlineData(0, CortexMProfile.V6M, true)]
    [InlineData(1, CortexMProfile.V6M, false)]
    public void BranchesWithAnInterruptAtEveryCycleMatchTheInterpreter(int waits, CortexMProfile profile, bool popPc)
    {
        bool m0 = profile == CortexMProfile.V6M;
        string cpu = m0 ? "cortex-m0" : "cortex-m3";
        byte[] code = Asm.Assemble(m0 ? BranchLoopM0 : BranchLoop, cpu);
        string ret = popPc ? "pop {r4, pc}" : "pop {r4}\npop {r3}\nbx r3";
        byte[] handler = Asm.Assemble($"push {{r4, lr}}\nbl 1f\nmov r4, r9\nadds r4, #1\nmov r9, r4\n{ret}\n1: mov r10, r9\nbx lr", cpu);
        List<(uint, long)> entriesInterp = [], entriesBlocks = [];
        long returnsGeneric = 0, branchesGeneric = 0, blockInstructions = 0;
        for (long at = 1; at <= 250; at++)
        {
            using var p = new Pair(new WaitStates(waits, waits, waits, waits), profile, debug: true);
            p.RunWithPulse(code, handler, at, at + 600, t =>
            {
                var sched = t.Scheduler;
                var entries = t == p.Interp ? entriesInterp : entriesBlocks;
                entries.Clear();
                // The probe --stats uses (ExceptionEntered): every entry at its cycle.
                t.Cpu.ExceptionEntered += n => entries.Add((n, sched.Cycles));
            });
            p.AssertSame($"interrupt at cycle {at}");
            Assert.Equal(entriesInterp, entriesBlocks);
            Assert.Single(entriesBlocks);
            Assert.True(p.Blocks.Cpu.GetRegister(9) == 1, $"interrupt at cycle {at}: the handler ran {p.Blocks.Cpu.GetRegister(9)} times, r10={p.Blocks.Cpu.GetRegister(10)} pc={p.Blocks.Cpu.PC:X}");
            var b = p.Blocks.Cpu;
            returnsGeneric += b.BlockGeneric(popPc ? Op.Ldm : Op.Bx);
            branchesGeneric += b.BlockGeneric(Op.B) + b.BlockGeneric(Op.Bl) + b.BlockGeneric(Op.Cbz) + b.BlockGeneric(Op.Cbnz);
            blockInstructions += b.BlockInstructions;
        }
        Assert.True(blockInstructions > 250 * 100, $"{blockInstructions} instructions ran in blocks");
        Assert.Equal(0, branchesGeneric);
        // The handler's return (POP {r4, pc} or BX r3 with an EXC_RETURN) ran in a block, refused by the path.
        Assert.True(returnsGeneric > 0, "no exception return reached the branch paths in a block (they must refuse it)");
    }

    /// <summary>
    /// POPs with the PC the path must refuse (their words across a page boundary; on a device, whose read counts)
    /// and a BX to an address with bit 0 clear (the path's: EPSR.T cleared, then the interpreter's INVSTATE
    /// UsageFault, escalated to HardFault): both engines alike, slice by slice.
    /// </summary>
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public void PopPcAndBxThePathRefusesOrFaultsMatchTheInterpreter(int waits)
    {
        const string source = """
                movs r0, #0
                ldr r7, =0x8FFC
                adr r1, 2f
                adds r1, #1
                ldr r5, =0x40000000
            1:  adds r0, #1
                str r1, [r7]
                str r1, [r7, #4]
                mov r8, r7
                ldmia r8!, {r2, pc}
            2:  adr r3, 3f
                str r3, [r5]
                mov r8, r5
                ldmia r8!, {pc}
            3:  cmp r0, #20
                bne 1b
                adr r1, 4f
                bx r1
                nop
            4:  b .
                .ltorg
            """;
        using var p = new Pair(new WaitStates(waits, waits, waits, waits));
        p.Load(Asm.Assemble(source));
        p.RunInSlices(7, 300, 30, () => p.Interp.Cpu.State == CoreState.Running && p.Interp.Scheduler.Cycles < 5000);
        Assert.True(p.Blocks.Cpu.BlockRefused > 0, "no POP was refused");
    }

    /// <summary>
    /// The DSP extension's one-destination operations (SIMD add/subtract with GE, saturating Q forms, SEL, the
    /// 16-bit MACs that set Q, extend-and-add) on the plain path on the Cortex-M4 profile, in RAM with 0 and 1 wait
    /// states, an external interrupt at every cycle of the first 200: the same registers, APSR (Q, GE), cycles and
    /// memory as the interpreter.
    /// </summary>
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public void DspOperationsWithAnInterruptAtEveryCycleMatchTheInterpreter(int waits)
    {
        const string source = """
                movs r0, #0
                ldr r1, =0x7FFF8001
                ldr r2, =0x00FF7F80
                ldr r7, =0x8000
            1:  adds r0, #1
                sadd16 r3, r1, r2
                uqsub8 r4, r2, r1
                sel r5, r3, r4
                qadd r6, r1, r1
                smlabb r8, r1, r2, r6
                smlad r9, r1, r2, r8
                smmla r10, r1, r2, r9
                uxtab r11, r10, r2, ror #8
                usada8 r12, r1, r2, r11
                str r12, [r7, r0, lsl #2]
                mrs r3, apsr
                str r3, [r7, #0x100]
                add r1, r1, r12
                cmp r0, #30
                bne 1b
                b .
                .ltorg
            """;
        byte[] code = Asm.Assemble(source, "cortex-m4"), handler = Asm.Assemble("adds r8, #1\nbx lr", "cortex-m4");
        long dspGeneric = 0;
        for (long at = 1; at <= 200; at++)
        {
            using var p = new Pair(new WaitStates(waits, waits, waits, waits), CortexMProfile.V7EM);
            p.RunWithPulse(code, handler, at, at + 500);
            p.AssertSame($"interrupt at cycle {at}");
            Assert.Equal(p.Interp.Cpu.Ge, p.Blocks.Cpu.Ge);
            for (var op = Op.Parallel; op <= Op.Usada8; op++) dspGeneric += p.Blocks.Cpu.BlockGeneric(op);
        }
        Assert.Equal(0, dspGeneric);
    }
}
