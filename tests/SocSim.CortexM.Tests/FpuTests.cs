using SocSim.Core;
using SocSim.Core.State;

namespace SocSim.CortexM.Tests;

/// <summary>
/// The Cortex-M4F's FPU: access control (CPACR, NOCP), the FP system registers, extended exception frames with
/// lazy and immediate stacking and their cycles, the FPU timing table (DDI 0439B table 7-1), checkpoints, and
/// the rounding cases a double-then-single computation would get wrong without the sign of its error.
/// </summary>
public sealed class FpuTests
{
    private const string Fpu = ".fpu fpv4-sp-d16\n";
    private const uint CpacrFull = 0x00F0_0000;

    private static TestCore M4F(string code)
    {
        var t = new TestCore(CortexMProfile.V7EM, fpu: true).Load(Fpu + code, cpu: "cortex-m4").Reset();
        t.Cpu.Cpacr = CpacrFull;
        return t;
    }

    [Fact]
    public void WithCpacrClosed_AnFpInstructionIsNocp_AndPrivilegedOnlyRefusesThreadUnprivileged()
    {
        using var t = new TestCore(CortexMProfile.V7EM, fpu: true).Load(Fpu + "vadd.f32 s0, s1, s2", cpu: "cortex-m4").Reset();
        t.Cpu.Shcsr = 1u << 18;
        t.Cpu.Step();
        Assert.Equal((uint)CortexMCpu.ExcUsageFault, t.Cpu.Ipsr);
        Assert.Equal(1u << 19, t.Cpu.Cfsr);

        using var u = new TestCore(CortexMProfile.V7EM, fpu: true).Load(Fpu + "vadd.f32 s0, s1, s2\nvadd.f32 s0, s1, s2", cpu: "cortex-m4").Reset();
        u.Cpu.Shcsr = 1u << 18;
        u.Cpu.Cpacr = 0x0050_0000;      // CP10/CP11 privileged access only
        u.Cpu.Step();
        Assert.Equal(0u, u.Cpu.Ipsr);
        u.Cpu.Control = 1;              // nPRIV
        u.Cpu.Step();
        Assert.Equal((uint)CortexMCpu.ExcUsageFault, u.Cpu.Ipsr);
        Assert.Equal(1u << 19, u.Cpu.Cfsr);
    }

    [Fact]
    public void WithTheFpuOn_ADoublePrecisionOperationIsUndefinstr_AndWithoutAnFpuCpacrReadsZero()
    {
        using var t = new TestCore(CortexMProfile.V7EM, fpu: true).Load(".inst.w 0xee300b01", cpu: "cortex-m4").Reset();   // vadd.f64
        t.Cpu.Cpacr = CpacrFull;
        t.Cpu.Shcsr = 1u << 18;
        t.Cpu.Step();
        Assert.Equal(1u << 16, t.Cpu.Cfsr);                 // UNDEFINSTR
        using var m4 = new TestCore(CortexMProfile.V7EM);
        m4.Cpu.Cpacr = CpacrFull;
        Assert.Equal(0u, m4.Cpu.Cpacr);
        Assert.Equal(0u, m4.Cpu.Fpccr);
    }

    [Fact]
    public void TheSystemControlSpaceHoldsTheFpRegisters()
    {
        using var t = new TestCore(CortexMProfile.V7EM, fpu: true);
        t.Cpu.Reset();
        var scs = new SystemControlSpace(t.Cpu);
        t.Bus.AddDevice("scs", SystemControlSpace.Base, SystemControlSpace.Size, scs, WaitStates.Zero);
        Assert.Equal(0xC000_0000u, t.Bus.Read32(0xE000_EF34, AccessFlags.None));        // FPCCR: ASPEN, LSPEN
        Assert.Equal(CortexMCpu.Mvfr0, t.Bus.Read32(0xE000_EF40, AccessFlags.None));
        Assert.Equal(CortexMCpu.Mvfr1, t.Bus.Read32(0xE000_EF44, AccessFlags.None));
        t.Bus.Write32(0xE000_ED88, 0xFFFF_FFFF, AccessFlags.None);
        Assert.Equal(CpacrFull, t.Bus.Read32(0xE000_ED88, AccessFlags.None));
        t.Bus.Write32(0xE000_EF3C, 0xFFFF_FFFF, AccessFlags.None);
        Assert.Equal(0x07C0_0000u, t.Bus.Read32(0xE000_EF3C, AccessFlags.None));        // FPDSCR: AHP DN FZ RMode
        t.Bus.Write32(0xE000_EF38, 0x2000_1234, AccessFlags.None);
        Assert.Equal(0x2000_1230u, t.Bus.Read32(0xE000_EF38, AccessFlags.None));        // FPCAR: bits 31:3
    }

    [Fact]
    public void TheFirstFpInstructionSetsFpca_AndLoadsTheFpscrControlsFromFpdscr()
    {
        using var t = M4F("vadd.f32 s0, s1, s2\nvmrs r0, fpscr\nmrs r1, control");
        t.Cpu.Fpdscr = 0x03C0_0000;     // DN FZ RMode=RZ
        t.Cpu.Fpscr = 0x0000_0010;
        for (int k = 0; k < 3; k++) t.Cpu.Step();
        Assert.Equal(0x03C0_0010u, t.Cpu.GetRegister(0));
        Assert.Equal(4u, t.Cpu.GetRegister(1));
    }

    /// <summary>
    /// An interrupt with CONTROL.FPCA set: the 0x68-byte extended frame is reserved (EXC_RETURN 0xFFFFFFE9,
    /// FPCAR = frame + 0x20, LSPACT) in the usual 12 cycles; the handler's first FP instruction writes S0-S15 and
    /// the FPSCR there (17 cycles more); the return reads them back (10 + 17).
    /// </summary>
    [Fact]
    public void LazyStacking_PreservesOnTheHandlersFirstFpInstruction_AndTheReturnRestores()
    {
        using var t = M4F("vmov s0, r0\nvmov s15, r1\nvmsr fpscr, r2\nnop\nnop");
        t.Handler(16, Fpu + "vmov.f32 s0, #1.0\nvmov s15, r3\nbx lr", cpu: "cortex-m4");
        t.Cpu.SetRegister(0, 0x1234_5678); t.Cpu.SetRegister(1, 0x9ABC_DEF0); t.Cpu.SetRegister(2, 0x0040_0000); t.Cpu.SetRegister(3, 7);
        for (int k = 0; k < 3; k++) t.Cpu.Step();
        Assert.True(t.Cpu.Fpca);
        t.Cpu.SetInterruptEnabled(0, true);
        t.Cpu.SetPending(16);
        uint sp = t.Cpu.GetRegister(13);
        Assert.Equal(CortexMCpu.EntryCycles, t.Cpu.Step());
        uint frame = sp - 0x68;
        Assert.Equal(frame, t.Cpu.GetRegister(13));
        Assert.Equal(0xFFFF_FFE9u, t.Cpu.GetRegister(14));
        Assert.Equal(frame + 0x20, t.Cpu.Fpcar);
        Assert.Equal(CortexMCpu.FpccrLspact, t.Cpu.Fpccr & CortexMCpu.FpccrLspact);
        Assert.False(t.Cpu.Fpca);
        Assert.Equal(0u, t.Bus.DebugRead32(frame + 0x20));          // nothing written yet
        Assert.Equal(1 + CortexMCpu.FpStackWords, t.Cpu.Step());    // vmov.f32 s0, #1.0 preserves first
        Assert.Equal(0u, t.Cpu.Fpccr & CortexMCpu.FpccrLspact);
        Assert.Equal(0x1234_5678u, t.Bus.DebugRead32(frame + 0x20));
        Assert.Equal(0x9ABC_DEF0u, t.Bus.DebugRead32(frame + 0x20 + 15 * 4));
        Assert.Equal(0x0040_0000u, t.Bus.DebugRead32(frame + 0x60));
        Assert.True(t.Cpu.Fpca);
        t.Cpu.Step();
        Assert.Equal(1 + CortexMCpu.ReturnCycles + CortexMCpu.FpStackWords, t.Cpu.Step());    // bx lr
        Assert.Equal(sp, t.Cpu.GetRegister(13));
        Assert.Equal(0x1234_5678u, t.Cpu.GetS(0));
        Assert.Equal(0x9ABC_DEF0u, t.Cpu.GetS(15));
        Assert.Equal(0x0040_0000u, t.Cpu.Fpscr);
        Assert.True(t.Cpu.Fpca);
    }

    [Fact]
    public void AHandlerThatNeverUsesTheFpu_ReturnsWithoutReadingTheFpState()
    {
        using var t = M4F("vmov s0, r0\nnop\nnop");
        t.Handler(16, "nop\nbx lr", cpu: "cortex-m4");
        t.Cpu.SetRegister(0, 0x4242_4242);
        t.Cpu.Step();
        t.Cpu.SetInterruptEnabled(0, true);
        t.Cpu.SetPending(16);
        uint sp = t.Cpu.GetRegister(13);
        t.Cpu.Step();
        t.Cpu.SetS(0, 0x1111_1111);     // changed behind the frame's back: not restored, as no state was saved
        t.Cpu.Step();
        Assert.Equal(1 + CortexMCpu.ReturnCycles, t.Cpu.Step());
        Assert.Equal(0u, t.Cpu.Fpccr & CortexMCpu.FpccrLspact);
        Assert.Equal(0x1111_1111u, t.Cpu.GetS(0));
        Assert.Equal(sp, t.Cpu.GetRegister(13));
    }

    [Fact]
    public void WithoutLspen_TheEntryWritesTheFpStateAtOnce_AndAlignsTheExtendedFrame()
    {
        using var t = M4F("vmov s3, r0\nnop");
        t.Handler(16, "bx lr", cpu: "cortex-m4");
        t.Cpu.Fpccr = 0x8000_0000;      // ASPEN only
        t.Cpu.SetRegister(0, 0x3F80_0000);
        t.Cpu.Step();
        t.Cpu.SetRegister(13, 0x7FF4);  // 4 mod 8: the frame is aligned down and xPSR bit 9 set
        t.Cpu.SetInterruptEnabled(0, true);
        t.Cpu.SetPending(16);
        Assert.Equal(CortexMCpu.EntryCycles + CortexMCpu.FpStackWords, t.Cpu.Step());
        uint frame = (0x7FF4u - 0x68) & ~7u;
        Assert.Equal(frame, t.Cpu.GetRegister(13));
        Assert.Equal(0x3F80_0000u, t.Bus.DebugRead32(frame + 0x20 + 3 * 4));
        Assert.NotEqual(0u, t.Bus.DebugRead32(frame + 28) & (1u << 9));
        Assert.Equal(0u, t.Cpu.Fpccr & CortexMCpu.FpccrLspact);
        Assert.Equal(1 + CortexMCpu.ReturnCycles + CortexMCpu.FpStackWords, t.Cpu.Step());
        Assert.Equal(0x7FF4u, t.Cpu.GetRegister(13));
    }

    /// <summary>A tail-chained handler starts with FPCA clear too, and its EXC_RETURN keeps the extended frame's bit 4.</summary>
    [Fact]
    public void ATailChainedHandlerStartsWithFpcaClear_AndReturnsThroughTheExtendedFrame()
    {
        using var t = M4F("vmov s0, r0\nnop\nnop");
        t.Handler(16, Fpu + "vmov.f32 s0, #2.0\nbx lr", cpu: "cortex-m4");
        t.Handler(17, "mrs r1, control\nbx lr", cpu: "cortex-m4");
        t.Cpu.SetRegister(0, 0x3F80_0000);
        t.Cpu.Step();
        t.Cpu.SetInterruptEnabled(0, true); t.Cpu.SetInterruptEnabled(1, true);
        t.Cpu.SetPending(16);
        t.Cpu.Step();                   // entry to 16
        t.Cpu.SetPending(17);
        t.Cpu.Step();                   // vmov: preserves, FPCA set; 17 now pending at the same priority
        Assert.True(t.Cpu.Fpca);
        t.Cpu.Step();                   // bx lr: tail-chain to 17
        Assert.Equal(17u, t.Cpu.Ipsr);
        Assert.False(t.Cpu.Fpca);
        Assert.Equal(0xFFFF_FFE9u, t.Cpu.GetRegister(14));
        t.Cpu.Step();
        Assert.Equal(0u, t.Cpu.GetRegister(1));
        Assert.Equal(1 + CortexMCpu.ReturnCycles + CortexMCpu.FpStackWords, t.Cpu.Step());
        Assert.Equal(0x3F80_0000u, t.Cpu.GetS(0));     // the thread's S0, not the first handler's 2.0
        Assert.True(t.Cpu.Fpca);
    }

    [Fact]
    public void WithoutAnFpu_AnExcReturnWithBit4ClearIsInvpc()
    {
        using var t = new TestCore(CortexMProfile.V7EM).Load("nop", cpu: "cortex-m4").Reset();
        t.Handler(16, "ldr r0, =0xFFFFFFE9\nbx r0", cpu: "cortex-m4");
        t.Cpu.Shcsr = 1u << 18;
        t.Cpu.SetInterruptEnabled(0, true);
        t.Cpu.SetPending(16);
        for (int k = 0; k < 3; k++) t.Cpu.Step();
        Assert.Equal(1u << 18, t.Cpu.Cfsr);                 // INVPC
    }

    public static IEnumerable<object[]> TimingRows() => new (string Code, int Cycles)[]
    {
        ("vabs.f32 s0, s1", 1), ("vadd.f32 s0, s1, s2", 1), ("vsub.f32 s0, s1, s2", 1), ("vcmp.f32 s0, s1", 1), ("vcmpe.f32 s0, #0.0", 1),
        ("vcvt.s32.f32 s0, s1", 1), ("vcvt.f32.u32 s0, s1", 1), ("vcvt.s16.f32 s0, s0, #4", 1), ("vcvtb.f16.f32 s0, s1", 1),
        ("vdiv.f32 s0, s1, s2", 14), ("vsqrt.f32 s0, s1", 14),
        ("vldm r0, {s0-s3}", 5), ("vldm r0, {d0-d1}", 5), ("vldr s0, [r0]", 2), ("vldr d0, [r0]", 3),
        ("vmov.f32 s0, #1.0", 1), ("vmov.f32 s0, s1", 1), ("vmov s0, r1", 1), ("vmov r1, s0", 1), ("vmov s0, s1, r1, r2", 2), ("vmov r1, r2, d0", 2),
        ("vmrs r1, fpscr", 1), ("vmsr fpscr, r1", 1),
        ("vmul.f32 s0, s1, s2", 1), ("vmla.f32 s0, s1, s2", 3), ("vmls.f32 s0, s1, s2", 3), ("vnmla.f32 s0, s1, s2", 3), ("vnmls.f32 s0, s1, s2", 3),
        ("vfma.f32 s0, s1, s2", 3), ("vfms.f32 s0, s1, s2", 3), ("vfnma.f32 s0, s1, s2", 3), ("vfnms.f32 s0, s1, s2", 3),
        ("vneg.f32 s0, s1", 1), ("vnmul.f32 s0, s1, s2", 1),
        ("vpop {s0-s2}", 4), ("vpop {d0-d2}", 7), ("vpush {s0-s2}", 4), ("vpush {d0-d2}", 7),
        ("vstm r0, {s0-s1}", 3), ("vstm r0, {d0}", 3), ("vstr s0, [r0]", 2), ("vstr d0, [r0]", 3),
    }.Select(r => new object[] { r.Code, r.Cycles });

    /// <summary>One row of the Cortex-M4 TRM's FPU table 7-1 each, on zero-wait memory and with one wait state.</summary>
    [Theory]
    [MemberData(nameof(TimingRows))]
    public void EachInstructionTakesTheTrmCycles(string code, int cycles)
    {
        using var t = M4F("vmov s0, r0\n" + code);
        t.Cpu.SetRegister(0, 0x4000); t.Cpu.SetRegister(13, 0x7000);
        t.Cpu.Step();
        Assert.Equal(cycles, t.Cpu.Step());
        bool memory = code.StartsWith("vld") || code.StartsWith("vst") || code.StartsWith("vpu") || code.StartsWith("vpo");
        if (!memory) return;
        // On memory with one wait state per access each access adds one cycle (the code stays in zero-wait RAM).
        using var s = M4F("vmov s0, r3\n" + code);
        s.Cpu.SetRegister(0, TestCore.Slow + 0x100); s.Cpu.SetRegister(13, TestCore.Slow + 0x800);
        s.Cpu.Step();
        long before = s.Cpu.Cycles;
        int words = code.Contains("{d") || code.Contains(" d") ? 2 * Count(code) : Count(code);
        Assert.Equal(cycles + 2 * words, s.Cpu.Step());
        Assert.Equal(before + cycles + 2 * words, s.Cpu.Cycles);
    }

    private static int Count(string code)
    {
        int open = code.IndexOf('{');
        if (open < 0) return 1;
        var list = code[(open + 1)..code.IndexOf('}')].Split('-');
        return list.Length == 1 ? 1 : int.Parse(list[1][1..]) - int.Parse(list[0][1..]) + 1;
    }

    [Fact]
    public void ACheckpointCarriesTheFpuState()
    {
        using var a = M4F("vmov s0, r0\nnop");
        a.Cpu.SetS(31, 0xDEAD_BEEF); a.Cpu.Fpscr = 0x8340_0091; a.Cpu.Fpdscr = 0x0200_0000; a.Cpu.Fpcar = 0x7000;
        a.Cpu.Step();
        var ms = new MemoryStream();
        a.Cpu.SaveState(new StateWriter(ms));
        using var b = new TestCore(CortexMProfile.V7EM, fpu: true);
        b.Cpu.LoadState(new StateReader(new MemoryStream(ms.ToArray())));
        Assert.Equal(0xDEAD_BEEFu, b.Cpu.GetS(31));
        Assert.Equal(a.Cpu.Fpscr, b.Cpu.Fpscr);
        Assert.Equal(CpacrFull, b.Cpu.Cpacr);
        Assert.Equal(0x0200_0000u, b.Cpu.Fpdscr);
        Assert.Equal(0x7000u, b.Cpu.Fpcar);
        Assert.True(b.Cpu.Fpca);
        using var noFpu = new TestCore(CortexMProfile.V7EM);
        var e = Assert.Throws<StateException>(() => noFpu.Cpu.LoadState(new StateReader(new MemoryStream(ms.ToArray()))));
        Assert.Equal("Cortex-M core state has an FPU, this core has none", e.Message);
    }

    /// <summary>
    /// 2^30 + 2^-30: the double nearest the exact sum is 2^30 itself, so rounding that double up would give 2^30;
    /// the error's sign (TwoSum) says the exact sum is above it: round up gives the next single, with IXC.
    /// </summary>
    [Theory]
    [InlineData(0u, 0x4E80_0000u)]
    [InlineData(1u, 0x4E80_0001u)]
    [InlineData(2u, 0x4E80_0000u)]
    [InlineData(3u, 0x4E80_0000u)]
    public void ASumBeyondTheDoublesPrecisionRoundsByItsErrorsSign(uint mode, uint expected)
    {
        uint fpscr = mode << 22;
        Assert.Equal(expected, VfpArithmetic.Add(0x4E80_0000, 0x3080_0000, false, ref fpscr));
        Assert.Equal(VfpArithmetic.Ixc, fpscr & 0x9F);
        fpscr = mode << 22;
        Assert.Equal(expected, VfpArithmetic.MulAdd(0x4E80_0000, 0x3880_0000, 0x3780_0000, ref fpscr));   // 2^30 + 2^-14 * 2^-16
        // And below: 2^30 - 2^-30 rounds down only towards zero or minus infinity.
        fpscr = mode << 22;
        Assert.Equal(mode is 2 or 3 ? 0x4E7F_FFFFu : 0x4E80_0000u, VfpArithmetic.Add(0x4E80_0000, 0xB080_0000, false, ref fpscr));
    }

    [Fact]
    public void UnderflowIsDetectedBeforeRounding_AndFlushToZeroSetsUfcNotIxc()
    {
        // The largest denormal times (1 + 2^-23) is just below the smallest normal and rounds up to it: UFC and IXC.
        uint fpscr = 0;
        Assert.Equal(0x0080_0000u, VfpArithmetic.Mul(0x007F_FFFF, 0x3F80_0001, ref fpscr));
        Assert.Equal(VfpArithmetic.Ufc | VfpArithmetic.Ixc, fpscr);
        fpscr = VfpArithmetic.FpscrFz;
        Assert.Equal(0u, VfpArithmetic.Mul(0x0080_0000, 0x3F00_0000, ref fpscr));     // 2^-127 flushed
        Assert.Equal(VfpArithmetic.FpscrFz | VfpArithmetic.Ufc, fpscr);
        fpscr = VfpArithmetic.FpscrFz;
        Assert.Equal(0x3F80_0000u, VfpArithmetic.Add(0x3F80_0000, 0x0000_0001, false, ref fpscr));   // denormal input flushed: IDC
        Assert.Equal(VfpArithmetic.FpscrFz | VfpArithmetic.Idc, fpscr);
    }
}
