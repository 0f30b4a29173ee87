using SocSim.Core;

namespace SocSim.CortexM.Tests;

/// <summary>
/// The block engine (<see cref="ExecutionEngine.Translate"/>) against the interpreter in lockstep: two cores
/// with the same program and state, one per engine, compared after every run slice on registers, xPSR,
/// memory, cycles and instructions. Programs are the Unicorn harness's random Thumb-2 sequences
/// (<see cref="UnicornComparisonTests.Make"/>) laid end to end, with code in zero-wait and in slow RAM
/// (prefetch stalls); an interrupt arriving at every cycle of a block's run; and code that rewrites itself.
/// </summary>
public sealed class BlockEngineTests
{
    private const uint Data = UnicornComparisonTests.DataAddr;

    private sealed class Pair : IDisposable
    {
        public readonly TestCore Interp = new(), Blocks = new();

        public Pair() => Blocks.Cpu.SetEngine(ExecutionEngine.Translate);

        public IEnumerable<TestCore> Both => [Interp, Blocks];

        public void Dispose() { Interp.Dispose(); Blocks.Dispose(); }

        // The data window and stack (the cases' stores, exception frames) and the slow RAM's data.
        public void AssertSame(string what) =>
            EngineLockstep.AssertSame(what, Interp.Cpu, Interp.Scheduler, Interp.Bus, Blocks.Cpu, Blocks.Scheduler, Blocks.Bus,
                (0x7000u, 0x9000u), (TestCore.Slow + 0x1000, TestCore.Slow + 0x1010));
    }

    public static TheoryData<int, bool> Seeds()
    {
        var d = new TheoryData<int, bool>();
        for (int s = 1; s <= 24; s++) d.Add(s, s % 2 == 0);
        return d;
    }

    /// <summary>
    /// Random sequences: each case's code, its registers, flags and data, run by both engines in slices of
    /// random length (events in between), compared after every slice. Code in slow RAM in half the seeds.
    /// </summary>
    [Theory]
    [MemberData(nameof(Seeds))]
    public void RandomSequencesMatchTheInterpreter(int seed, bool slowCode)
    {
        var g = new UnicornComparisonTests.Gen(seed * 7919);
        string[] classes = [.. UnicornComparisonTests.Classes.Where(c => c != "msr")];
        using var p = new Pair();
        uint codeBase = slowCode ? TestCore.Slow : UnicornComparisonTests.CodeAddr;
        for (int round = 0; round < 25; round++)
        {
            var c = UnicornComparisonTests.Make(g, classes[g.Next(classes.Length)]);
            // The case again and again: the second pass runs from blocks built in the first.
            var code = new List<byte>(c.Code);
            int end = code.Count;
            // b back to the start (encoding T4 of B: 32-bit, any distance in range).
            int offset = -(end + 4);
            uint imm = (uint)offset >> 1;
            uint s = (imm >> 23) & 1, j1 = ~((imm >> 22) ^ s) & 1, j2 = ~((imm >> 21) ^ s) & 1;
            ushort hw1 = (ushort)(0xF000 | s << 10 | ((imm >> 11) & 0x3FF));
            ushort hw2 = (ushort)(0x9000 | j1 << 13 | j2 << 11 | (imm & 0x7FF));
            code.AddRange([(byte)hw1, (byte)(hw1 >> 8), (byte)hw2, (byte)(hw2 >> 8)]);
            foreach (var t in p.Both)
            {
                var bytes = code.ToArray();
                // Branch cases were generated to start at CodeAddr; their targets are PC-relative, so they move with the code.
                t.Bus.DebugWrite(codeBase, bytes);
                t.Bus.DebugWrite(Data, c.Data);
                t.Cpu.Reset();
                for (int r = 0; r < 15; r++) if (r != 13) t.Cpu.SetRegister(r, c.Regs[r]);
                t.Cpu.SetRegister(13, c.Regs[13]);
                t.Cpu.Apsr = c.Flags;
                t.Cpu.PC = codeBase;
            }
            for (int slice = 0; slice < 6; slice++)
            {
                long to = p.Interp.Scheduler.Cycles + g.Next(1, 40);
                foreach (var t in p.Both) t.Cpu.RunTo(to);
                p.AssertSame($"seed {seed} round {round} ({c.Class}: {string.Join(" ", c.Ops)}) slice {slice}");
            }
        }
        Assert.True(p.Blocks.Cpu.BlockInstructions > 0, "the block engine never ran a block");
        Assert.Equal(0, p.Interp.Cpu.BlockInstructions);
    }

    private const string Loop = """
            movs r0, #0
            movs r1, #0
            ldr r2, =0x20001000
        1:  adds r0, #1
            add r1, r0, r1, lsl #1
            ldr r3, [r2]
            str r1, [r2, #4]
            eor r1, r1, r3
            ubfx r4, r1, #3, #7
            mul r4, r4, r0
            cmp r0, #50
            bne 1b
            b .
            .ltorg
        """;

    /// <summary>
    /// An external interrupt raised by a scheduler event at every cycle of the first 400 of a loop run by
    /// blocks: the handler (which counts in r8 and reads the return state) is entered at the same boundary,
    /// with the same cycles, by both engines.
    /// </summary>
    [Fact]
    public void InterruptAtEveryCycleOfABlockMatchesTheInterpreter()
    {
        for (long at = 1; at <= 400; at++)
        {
            using var p = new Pair();
            foreach (var t in p.Both)
            {
                t.Load(Loop);
                // IRQ 0's handler: count, and lower the line (the line is level sensitive).
                t.Handler(16, "add r8, r8, #1\nmov r9, lr\nldr r10, [sp, #24]\nbx lr");
                t.Reset();
                t.Cpu.SetInterruptEnabled(0, true);
                var core = t.Cpu;
                var ev = t.Scheduler.CreateEvent("irq", EventPriority.Peripheral, _ => core.SetInterruptLine(0, true));
                var off = t.Scheduler.CreateEvent("irq-off", EventPriority.Peripheral, _ => core.SetInterruptLine(0, false));
                t.Scheduler.Schedule(ev, t.Scheduler.TimeOfCycle(at));
                t.Scheduler.Schedule(off, t.Scheduler.TimeOfCycle(at + 3));
                ((Core.Cores.ICore)core).Run(at + 200);
            }
            p.AssertSame($"interrupt at cycle {at}");
            Assert.Equal(1u, p.Blocks.Cpu.GetRegister(8));
        }
    }

    /// <summary>
    /// Code that rewrites an instruction of its own block on every pass (ADDS r0,#1 and ADDS r0,#2
    /// alternately, stored by an instruction before it in the same block): both engines execute what memory
    /// holds, and the sum is 3 per two passes (a block that kept its first decoding would sum 1 or 2 per pass).
    /// </summary>
    [Fact]
    public void SelfModifyingCodeIsSeenAsByTheInterpreter()
    {
        const string source = """
                movs r0, #0
                movs r5, #0
                movw r1, #0x3001
                movw r3, #0x3002
                adr r2, 2f
            1:  strh r1, [r2]
                eor r1, r1, r3
                eor r3, r3, r1
                eor r1, r1, r3
                nop
            2:  adds r0, #1
                adds r5, #1
                cmp r5, #200
                bne 1b
                b .
            """;
        using var p = new Pair();
        foreach (var t in p.Both) { t.Load(source); t.Reset(); }
        var g = new Random(5);
        while (p.Interp.Cpu.GetRegister(5) < 200)
        {
            long to = p.Interp.Scheduler.Cycles + g.Next(1, 80);
            foreach (var t in p.Both) t.Cpu.RunTo(to);
            p.AssertSame($"at cycle {to}");
        }
        Assert.Equal(300u, p.Blocks.Cpu.GetRegister(0));
        Assert.True(p.Blocks.Cpu.BlockInstructions > 1000, $"{p.Blocks.Cpu.BlockInstructions} instructions ran in blocks");
    }

    /// <summary>A device whose register write schedules an event <c>value</c> cycles later that raises IRQ 1 (and lowers it 2 cycles on).</summary>
    private sealed class DelayDevice : IBusDevice
    {
        private readonly Scheduler _s;
        private readonly Event _raise;

        public DelayDevice(Scheduler s, CortexMCpu cpu)
        {
            _s = s;
            var lower = s.CreateEvent("lower", EventPriority.Peripheral, _ => cpu.SetInterruptLine(1, false));
            _raise = s.CreateEvent("raise", EventPriority.Peripheral, _ => { cpu.SetInterruptLine(1, true); _s.Schedule(lower, _s.TimeOfCycle(_s.Cycles + 2)); });
        }

        public uint Read(uint address, int size, AccessFlags flags, ref bool abort) => 0;

        public void Write(uint address, int size, uint value, AccessFlags flags, ref bool abort)
        {
            _s.Cancel(_raise);
            _s.Schedule(_raise, _s.TimeOfCycle(_s.Cycles + value));
        }
    }

    /// <summary>
    /// A store inside a block that schedules an event sooner than the block's end (a device's timer started
    /// with 1 to 12 cycles): the interrupt is taken at the boundary where the interpreter takes it, every time.
    /// </summary>
    [Fact]
    public void EventScheduledInsideABlockStopsItInTime()
    {
        const string source = """
                ldr r2, =0x40000000
                movs r0, #0
                movs r6, #1
            1:  str r6, [r2]
                adds r0, #1
                add r1, r0, r0, lsl #2
                eor r1, r1, r0
                add r6, r6, #1
                and r6, r6, #7
                add r6, r6, #1
                mul r7, r1, r6
                adds r7, r7, r0
                cmp r0, #100
                bne 1b
                b .
                .ltorg
            """;
        using var p = new Pair();
        foreach (var t in p.Both)
        {
            t.Bus.AddDevice("delay", 0x4000_0000, 0x1000, new DelayDevice(t.Scheduler, t.Cpu), WaitStates.Zero);
            t.Load(source);
            t.Handler(17, "add r8, r8, #1\nbx lr");
            t.Reset();
            t.Cpu.SetInterruptEnabled(1, true);
            ((Core.Cores.ICore)t.Cpu).Run(8000);
        }
        p.AssertSame("end");
        Assert.Equal(100u, p.Blocks.Cpu.GetRegister(0));
        Assert.True(p.Blocks.Cpu.GetRegister(8) >= 50, $"the handler ran {p.Blocks.Cpu.GetRegister(8)} times");
        Assert.True(p.Blocks.Cpu.BlockInstructions > 500, $"{p.Blocks.Cpu.BlockInstructions} instructions ran in blocks");
    }

    /// <summary>A bare core interprets unless asked; a board's core follows <see cref="Core.Cores.CoreContext.Engine"/>.</summary>
    [Fact]
    public void EngineIsSelectable()
    {
        using var t = new TestCore();
        Assert.Equal(ExecutionEngine.Interpret, t.Cpu.Engine);
        t.Cpu.SetEngine(ExecutionEngine.Translate);
        Assert.Equal(ExecutionEngine.Translate, t.Cpu.Engine);
        t.Cpu.SetEngine(ExecutionEngine.Interpret);
        Assert.Equal(ExecutionEngine.Interpret, t.Cpu.Engine);
    }
}
