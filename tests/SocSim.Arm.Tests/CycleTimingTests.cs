using SocSim.Core;

namespace SocSim.Arm.Tests;

/// <summary>
/// Per-instruction cycle counts against the TRM's classes (DDI 0210C chapter 6, /work/shared/arm7tdmi-timing.md),
/// in both states. An instruction owns the cycles it announces (TRM counting convention): everything
/// after its own opcode fetch up to and including the next instruction's opcode fetch. Each test
/// records the bus with an <see cref="IBusObserver"/> and asserts both the N/S/I sequence of that
/// window and its exact length in <see cref="Scheduler.Cycles"/>.
/// Memory: 0x0000-0xFFFF on a 32-bit bus with N = 1+2, S = 1+1 clocks; 0x10000-0x1FFFF on a 16-bit
/// bus with the same wait states, so a halfword costs N = 3 / S = 2 there and a word N = 5 / S = 4.
/// </summary>
public sealed class CycleTimingTests
{
    private static readonly WaitStates Waits = new(ReadN: 2, ReadS: 1, WriteN: 2, WriteS: 1);
    private const int N = 3, S = 2, I = 1;            // 32-bit region, any size
    private const int N16 = 3, S16 = 2;               // 16-bit region, halfword
    private const int N16W = 5, S16W = 4;             // 16-bit region, word (N+S, S+S)

    private const uint ArmCode = 0x100, ThumbCode = ThumbTestMachine.Ram16Base + 0x100, Data = 0x2000, Target = 0x400;

    private sealed class Recorder : IBusObserver
    {
        public readonly List<BusCycle> Cycles = new();
        public void OnBusCycle(in BusCycle cycle) => Cycles.Add(cycle);
    }

    private readonly record struct Timing(string Seq, long Cycles, List<BusCycle> Window);

    private static ThumbTestMachine NewMachine() => new(Waits, Waits);

    /// <summary>Runs <paramref name="prologue"/> instructions, then measures the next one.</summary>
    private static Timing Measure(ThumbTestMachine m, int prologue = 1)
    {
        m.Step(prologue);
        var rec = new Recorder();
        m.Bus.Subscribe(rec);
        long before = m.Scheduler.Cycles;
        m.Cpu.Step();
        int split = rec.Cycles.Count;
        m.Cpu.Step();
        m.Bus.Subscribe(null);
        var all = rec.Cycles;
        // Every clock the scheduler counted was seen by the observer.
        Assert.Equal(m.Scheduler.Cycles - before, all.Sum(c => (long)c.Clocks));
        Assert.True(all[0].IsOpcodeFetch, "the measured instruction starts with its opcode fetch");
        Assert.True(all[split].IsOpcodeFetch, "the next instruction starts with its opcode fetch");
        var window = all.Skip(1).Take(split - 1).Append(all[split]).ToList();
        long start = all[0].Cycle + all[0].Clocks, end = all[split].Cycle + all[split].Clocks;
        Assert.Equal(end - start, window.Sum(c => (long)c.Clocks));
        return new Timing(string.Join(" ", window.Select(c => c.Kind)), end - start, window);
    }

    private static Timing Arm(uint instr, Action<ThumbTestMachine>? setup = null, uint flags = 0)
    {
        using var m = NewMachine();
        m.Write32(ArmCode, A.Nop, instr, A.Nop, A.Nop);
        m.Write32(Target, A.Nop, A.Nop, A.Nop);
        m.Start(ArmCode, thumb: false, flags: flags);
        setup?.Invoke(m);
        return Measure(m);
    }

    private static Timing Thumb(ushort[] instr, Action<ThumbTestMachine>? setup = null, uint flags = 0, int prologue = 1)
    {
        using var m = NewMachine();
        m.Write16(ThumbCode, [T.Nop, .. instr, T.Nop, T.Nop]);
        m.Write16(ThumbCode + 0x300, T.Nop, T.Nop, T.Nop);
        m.Start(ThumbCode, thumb: true, flags: flags);
        setup?.Invoke(m);
        return Measure(m, prologue);
    }

    private static Timing Thumb(ushort instr, Action<ThumbTestMachine>? setup = null, uint flags = 0) => Thumb([instr], setup, flags);

    private static void Expect(Timing t, string seq, long cycles)
    {
        Assert.Equal(seq, t.Seq);
        Assert.Equal(cycles, t.Cycles);
    }

    // ================= ARM state =================

    [Fact] public void Arm_DataProcessing_1S() => Expect(Arm(A.DpReg(0xD, false, 0, 0, 1)), "S", S);

    [Fact] public void Arm_DataProcessing_RegisterShift_1S1I() => Expect(Arm(A.DpRegShift(0x4, true, 0, 1, 2, 0, 3)), "I S", I + S);

    [Fact]
    public void Arm_DataProcessing_WritingPc_2S1N()
    {
        var t = Arm(A.DpReg(0xD, false, 15, 0, 1), m => m[1] = Target);
        Expect(t, "N S S", N + 2 * S);
        Assert.Equal([Target, Target + 4, Target + 8], t.Window.Select(c => c.Address));
    }

    [Fact] public void Arm_DataProcessing_RegisterShiftWritingPc_2S1N1I() =>
        Expect(Arm(A.DpRegShift(0xD, false, 15, 0, 1, 0, 2), m => { m[1] = Target; m[2] = 0; }), "I N S S", I + N + 2 * S);

    [Fact] public void Arm_Mrs_Msr_1S()
    {
        Expect(Arm(A.Mrs(0)), "S", S);
        Expect(Arm(A.MsrReg(0, 8), m => m[0] = 0xF000_0000), "S", S);
    }

    [Fact]
    public void Arm_Ldr_1S1N1I()
    {
        var t = Arm(A.LdrStrImm(true, false, 0, 1, 4), m => m[1] = Data);
        Expect(t, "N I S", N + I + S);
        Assert.Equal(Data + 4, t.Window[0].Address);
        Assert.False(t.Window[0].IsOpcodeFetch);
    }

    [Fact] public void Arm_Ldrb_Ldrh_Ldrsb_Ldrsh_1S1N1I()
    {
        Expect(Arm(A.LdrStrImm(true, true, 0, 1, 1), m => m[1] = Data), "N I S", N + I + S);
        Expect(Arm(A.HalfImm(true, 1, 0, 1, 2), m => m[1] = Data), "N I S", N + I + S);
        Expect(Arm(A.HalfImm(true, 2, 0, 1, 3), m => m[1] = Data), "N I S", N + I + S);
        Expect(Arm(A.HalfImm(true, 3, 0, 1, 2), m => m[1] = Data), "N I S", N + I + S);
    }

    [Fact]
    public void Arm_LdrPc_2S2N1I()
    {
        var t = Arm(A.LdrStrImm(true, false, 15, 1, 0), m => { m[1] = Data; m.Write32(Data, Target); });
        Expect(t, "N I N S S", 2 * N + I + 2 * S);
        Assert.Equal(Target, t.Window[2].Address);
    }

    [Fact]
    public void Arm_Str_2N()
    {
        var t = Arm(A.LdrStrImm(false, false, 0, 1, 0), m => m[1] = Data);
        Expect(t, "N N", 2 * N);
        Assert.True(t.Window[0].IsWrite);
        Assert.Equal(ArmCode + 16, t.Window[1].Address);    // the next instruction's fetch, announced non-sequential
    }

    [Fact] public void Arm_Strb_Strh_2N()
    {
        Expect(Arm(A.LdrStrImm(false, true, 0, 1, 0), m => m[1] = Data), "N N", 2 * N);
        Expect(Arm(A.HalfImm(false, 1, 0, 1, 0), m => m[1] = Data), "N N", 2 * N);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(8)]
    public void Arm_Ldm_nS1N1I(int n)
    {
        var t = Arm(A.Ldm(1, (1 << n) - 1 << 2), m => m[1] = Data);
        Expect(t, string.Join(" ", new[] { "N" }.Concat(Enumerable.Repeat("S", n - 1)).Append("I").Append("S")), n * S + N + I);
    }

    [Fact]
    public void Arm_LdmWithPc_nPlus1S2N1I()
    {
        // LDMIA r1, {r0, pc}: n = 2 -> 3S+2N+1I.
        var t = Arm(A.Ldm(1, 0x8001), m => { m[1] = Data; m.Write32(Data + 4, Target); });
        Expect(t, "N S I N S S", 3 * S + 2 * N + I);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(5)]
    public void Arm_Stm_nMinus1S2N(int n)
    {
        var t = Arm(A.Stm(1, (1 << n) - 1 << 2), m => m[1] = Data);
        Expect(t, string.Join(" ", new[] { "N" }.Concat(Enumerable.Repeat("S", n - 1)).Append("N")), (n - 1) * S + 2 * N);
    }

    [Fact]
    public void Arm_Swp_1S2N1I_Locked()
    {
        var t = Arm(A.Swp(0, 2, 1), m => m[1] = Data);
        Expect(t, "N N I S", 2 * N + I + S);
        Assert.True(t.Window[0].IsLocked && t.Window[1].IsLocked);
        Assert.True(t.Window[1].IsWrite);
        Expect(Arm(A.Swp(0, 2, 1, b: true), m => m[1] = Data), "N N I S", 2 * N + I + S);
    }

    [Fact] public void Arm_B_2S1N() => Expect(Arm(A.B((int)Target - (int)(ArmCode + 4) - 8)), "N S S", N + 2 * S);

    [Fact] public void Arm_Bl_2S1N() => Expect(Arm(A.B((int)Target - (int)(ArmCode + 4) - 8, link: true)), "N S S", N + 2 * S);

    [Fact] public void Arm_Bx_2S1N()
    {
        Expect(Arm(A.Bx(0), m => m[0] = Target), "N S S", N + 2 * S);
        // To Thumb: the refill and the next fetch are halfwords (32-bit region: same clocks).
        var t = Arm(A.Bx(0), m => m[0] = Target | 1);
        Expect(t, "N S S", N + 2 * S);
        Assert.Equal([Target, Target + 2, Target + 4], t.Window.Select(c => c.Address));
        Assert.All(t.Window, c => Assert.Equal(2, c.Size));
    }

    [Fact]
    public void Arm_Swi_2S1N()
    {
        var t = Arm(A.Swi(0x42));
        Expect(t, "N S S", N + 2 * S);
        Assert.Equal([Vectors.Swi, Vectors.Swi + 4, Vectors.Swi + 8], t.Window.Select(c => c.Address));
    }

    [Fact]
    public void Arm_Undefined_2S1I1N()
    {
        var t = Arm(A.Undefined);
        Expect(t, "I N S S", I + N + 2 * S);
        Assert.Equal(Vectors.Undefined, t.Window[1].Address);
        Expect(Arm(0xEE00_0A10), "I N S S", I + N + 2 * S);   // absent coprocessor (MCR)
    }

    [Fact] public void Arm_ConditionFalse_1S()
    {
        Expect(Arm(A.B(0x100) & 0x0FFF_FFFF, flags: 0), "S", S);                 // BEQ with Z clear
        Expect(Arm(A.Ldm(1, 0xFF) & 0x0FFF_FFFF | 0x1000_0000, m => m[1] = Data, flags: Psr.Z), "S", S);   // LDMNE
    }

    public static IEnumerable<object[]> MultiplierValues() =>
    [
        // Rs, m for MUL/MLA/SMULL/SMLAL (signed termination), m for UMULL/UMLAL (zeros only)
        [0x0000_0000u, 1, 1], [0x0000_00FFu, 1, 1], [0xFFFF_FF80u, 1, 4], [0x0000_0100u, 2, 2], [0xFFFF_8000u, 2, 4],
        [0x00FF_FFFFu, 3, 3], [0xFF80_0000u, 3, 4], [0x0100_0000u, 4, 4], [0x7FFF_FFFFu, 4, 4], [0x8000_0000u, 4, 4],
        [0xFFFF_FFFFu, 1, 4],
    ];

    private static string Is(int n, string tail = "S") => string.Join(" ", Enumerable.Repeat("I", n).Append(tail));

    [Theory]
    [MemberData(nameof(MultiplierValues))]
    public void Arm_Multiply_EarlyTermination(uint rs, int mSigned, int mUnsigned)
    {
        void Set(ThumbTestMachine m) { m[1] = 0x1234_5678; m[2] = rs; m[3] = 5; m[4] = 6; }
        Expect(Arm(A.Mul(0, 1, 2), Set), Is(mSigned), S + mSigned * I);
        Expect(Arm(A.Mla(0, 1, 2, 3), Set), Is(mSigned + 1), S + (mSigned + 1) * I);
        Expect(Arm(A.MulLong(true, false, 3, 4, 1, 2), Set), Is(mSigned + 1), S + (mSigned + 1) * I);
        Expect(Arm(A.MulLong(true, true, 3, 4, 1, 2), Set), Is(mSigned + 2), S + (mSigned + 2) * I);
        Expect(Arm(A.MulLong(false, false, 3, 4, 1, 2), Set), Is(mUnsigned + 1), S + (mUnsigned + 1) * I);
        Expect(Arm(A.MulLong(false, true, 3, 4, 1, 2), Set), Is(mUnsigned + 2), S + (mUnsigned + 2) * I);
    }

    [Fact]
    public void Arm_FetchFrom16BitBus_CostsTwoHalfwordAccesses()
    {
        using var m = NewMachine();
        m.Write32(ThumbCode, A.Nop, A.Nop, A.Nop, A.Nop);
        m.Start(ThumbCode, thumb: false);
        Expect(Measure(m), "S", S16W);
    }

    [Fact]
    public void Arm_WordLoadFrom16BitBus_NThenS()
    {
        var t = Arm(A.LdrStrImm(true, false, 0, 1, 0), m => m[1] = ThumbTestMachine.Ram16Base + 0x800);
        Expect(t, "N I S", N16W + I + S);
    }

    [Fact]
    public void Arm_InterruptEntry_2S1N()
    {
        using var m = NewMachine();
        m.Write32(ArmCode, A.Nop, A.Nop, A.Nop);
        m.Start(ArmCode, thumb: false, irqFiqDisabled: false);
        m.Step();
        m.Cpu.SetIrq(true);
        // The entry's first cycle fetches (discarded) like any instruction; it then owns N S S.
        var t = Measure(m, prologue: 0);
        Expect(t, "N S S", N + 2 * S);
        Assert.Equal(Vectors.Irq, t.Window[0].Address);
    }

    // ================= Thumb state (code on the 16-bit bus, data on the 32-bit bus) =================

    [Fact]
    public void Thumb_Fetches_AreHalfwords_Sequential_By2()
    {
        var t = Thumb(T.MovImm(0, 1));
        Expect(t, "S", S16);
        Assert.Equal(2, t.Window[0].Size);
        Assert.Equal(ThumbCode + 2 + 4 + 2, t.Window[0].Address);   // next fetch: next instruction's address + 4
    }

    [Fact] public void Thumb_DataProcessing_1S()
    {
        Expect(Thumb(T.Lsl(0, 1, 3)), "S", S16);
        Expect(Thumb(T.AddReg(0, 1, 2)), "S", S16);
        Expect(Thumb(T.Alu(0x5, 0, 1)), "S", S16);      // ADC
        Expect(Thumb(T.AddHi(8, 1)), "S", S16);
        Expect(Thumb(T.AddPc(0, 4)), "S", S16);
        Expect(Thumb(T.AddSp(4, true)), "S", S16);
    }

    [Theory]
    [InlineData(0x2)]
    [InlineData(0x3)]
    [InlineData(0x4)]
    [InlineData(0x7)]
    public void Thumb_ShiftByRegister_1S1I(int op) => Expect(Thumb(T.Alu(op, 0, 1), m => m[1] = 4), "I S", I + S16);

    [Theory]
    [MemberData(nameof(MultiplierValues))]
    public void Thumb_Mul_EarlyTerminationOnRd(uint rd, int mSigned, int mUnsigned)
    {
        _ = mUnsigned;
        // MUL Rd, Rs = MULS Rd, Rs, Rd: Rd is the ARM Rs, the multiplier.
        Expect(Thumb(T.Alu(0xD, 0, 1), m => { m[0] = rd; m[1] = 0x1234_5678; }), Is(mSigned), S16 + mSigned * I);
    }

    [Fact]
    public void Thumb_HiRegisterMovAddToPc_2S1N()
    {
        uint target = ThumbCode + 0x300;
        Expect(Thumb(T.MovHi(15, 0), m => m[0] = target), "N S S", N16 + 2 * S16);
        Expect(Thumb(T.AddHi(15, 0), m => m[0] = target - (ThumbCode + 2 + 4)), "N S S", N16 + 2 * S16);
    }

    [Fact]
    public void Thumb_Bx_2S1N()
    {
        Expect(Thumb(T.Bx(0), m => m[0] = (ThumbCode + 0x300) | 1), "N S S", N16 + 2 * S16);
        // To ARM state at a word address of the 32-bit region: word fetches there.
        var t = Thumb(T.Bx(0), m => m[0] = Target);
        Expect(t, "N S S", N + 2 * S);
        Assert.All(t.Window, c => Assert.Equal(4, c.Size));
    }

    [Fact]
    public void Thumb_Loads_1S1N1I()
    {
        void Set(ThumbTestMachine m) { m[1] = Data; m[2] = 4; m[13] = Data; }
        Expect(Thumb(T.LdrImm(0, 1, 1), Set), "N I S", N + I + S16);
        Expect(Thumb(T.LdrReg(0, 1, 2), Set), "N I S", N + I + S16);
        Expect(Thumb(T.LdrbImm(0, 1, 1), Set), "N I S", N + I + S16);
        Expect(Thumb(T.LdrhImm(0, 1, 1), Set), "N I S", N + I + S16);
        Expect(Thumb(T.LdsbReg(0, 1, 2), Set), "N I S", N + I + S16);
        Expect(Thumb(T.LdshReg(0, 1, 2), Set), "N I S", N + I + S16);
        Expect(Thumb(T.LdrSp(0, 1), Set), "N I S", N + I + S16);
    }

    [Fact]
    public void Thumb_PcRelativeLoad_WordFrom16BitCodeRegion()
    {
        var t = Thumb(T.LdrPc(0, 2));
        Expect(t, "N I S", N16W + I + S16);
        Assert.Equal(((ThumbCode + 2 + 4) & ~3u) + 8, t.Window[0].Address);
    }

    [Fact]
    public void Thumb_Stores_2N()
    {
        void Set(ThumbTestMachine m) { m[1] = Data; m[2] = 4; m[13] = Data; }
        foreach (var op in new[] { T.StrImm(0, 1, 1), T.StrReg(0, 1, 2), T.StrbImm(0, 1, 1), T.StrhImm(0, 1, 1), T.StrhReg(0, 1, 2), T.StrSp(0, 1) })
        {
            var t = Thumb(op, Set);
            Expect(t, "N N", N + N16);
            Assert.True(t.Window[0].IsWrite);
        }
    }

    [Fact]
    public void Thumb_PushPop()
    {
        void Set(ThumbTestMachine m) { m[13] = Data + 0x100; m.Write32(Data + 0x100, 1, 2, ThumbCode + 0x300); }
        Expect(Thumb(T.Push(0x03, true), Set), "N S S N", N + 2 * S + N16);                 // (n-1)S+2N, n = 3
        Expect(Thumb(T.Pop(0x03, false), Set), "N S I S", N + S + I + S16);                 // nS+1N+1I, n = 2
        Expect(Thumb(T.Pop(0x03, true), Set), "N S S I N S S", N + 2 * S + I + N16 + 2 * S16);   // (n+1)S+2N+1I
    }

    [Fact]
    public void Thumb_LdmiaStmia()
    {
        void Set(ThumbTestMachine m) { m[1] = Data; }
        Expect(Thumb(T.Ldmia(1, 0x0D), Set), "N S S I S", N + 2 * S + I + S16);
        Expect(Thumb(T.Stmia(1, 0x0D), Set), "N S S N", N + 2 * S + N16);
        Expect(Thumb(T.Stmia(1, 0x01), Set), "N N", N + N16);
    }

    [Fact]
    public void Thumb_Branches_2S1N()
    {
        Expect(Thumb(T.B(0x300 - 2 - 4)), "N S S", N16 + 2 * S16);
        Expect(Thumb(T.BCond(0, 0x40), flags: Psr.Z), "N S S", N16 + 2 * S16);
        Expect(Thumb(T.BCond(0, 0x40), flags: 0), "S", S16);    // not taken: 1S
    }

    [Fact]
    public void Thumb_BlPair_3S1N()
    {
        var bl = T.Bl(0x300 - 2 - 4);
        Expect(Thumb(bl), "S", S16);                             // first half: 1S
        var second = Thumb(bl, prologue: 2);
        Expect(second, "N S S", N16 + 2 * S16);                  // second half: 2S+1N
        Assert.Equal(ThumbCode + 0x300, second.Window[0].Address);
    }

    [Fact]
    public void Thumb_Swi_2S1N_VectorFetchedInArmState()
    {
        var t = Thumb(T.Swi(1));
        Expect(t, "N S S", N + 2 * S);
        Assert.Equal([Vectors.Swi, Vectors.Swi + 4, Vectors.Swi + 8], t.Window.Select(c => c.Address));
        Assert.All(t.Window, c => Assert.Equal(4, c.Size));
    }

    [Fact]
    public void Thumb_Undefined_2S1I1N()
    {
        Expect(Thumb(0xDE00), "I N S S", I + N + 2 * S);
        Expect(Thumb(0xE800), "I N S S", I + N + 2 * S);
    }

    [Fact]
    public void Thumb_InterruptEntry_2S1N()
    {
        using var m = NewMachine();
        m.Write16(ThumbCode, T.Nop, T.Nop, T.Nop);
        m.Start(ThumbCode, thumb: true, irqFiqDisabled: false);
        m.Step();
        m.Cpu.SetIrq(true);
        var t = Measure(m, prologue: 0);
        Expect(t, "N S S", N + 2 * S);
        Assert.Equal(Vectors.Irq, t.Window[0].Address);
    }

    [Fact]
    public void Thumb_SameProgram_FasterOn16BitBusThanArm()
    {
        // Eight data-processing instructions: ARM words on the 16-bit bus cost 4 clocks each, Thumb 2.
        using var arm = NewMachine();
        arm.Write32(ThumbCode, Enumerable.Repeat(A.Nop, 12).ToArray());
        arm.Start(ThumbCode, thumb: false);
        long a0 = arm.Scheduler.Cycles; arm.Step(8); long armCycles = arm.Scheduler.Cycles - a0;
        using var th = NewMachine();
        th.Write16(ThumbCode, Enumerable.Repeat(T.Nop, 12).ToArray());
        th.Start(ThumbCode, thumb: true);
        long t0 = th.Scheduler.Cycles; th.Step(8); long thumbCycles = th.Scheduler.Cycles - t0;
        Assert.Equal(8 * S16W, armCycles);
        Assert.Equal(8 * S16, thumbCycles);
    }
}
