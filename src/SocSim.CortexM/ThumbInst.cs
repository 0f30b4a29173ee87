namespace SocSim.CortexM;

/// <summary>The operation of one decoded Thumb instruction (ARMv7-M ARM DDI 0403E.b, chapter A7).</summary>
public enum Op : byte
{
    Undefined,
    // Data processing, two operands (Rn, op2) into Rd. Order matters: And..Rsb map onto the encodings' op fields.
    And, Eor, Orr, Orn, Bic, Mov, Mvn, Tst, Teq, Cmp, Cmn, Add, Adc, Sub, Sbc, Rsb,
    /// <summary>LSL/LSR/ASR/ROR Rd, Rn, Rm (shift by register): ShiftType says which.</summary>
    ShiftReg,
    Movw, Movt,
    /// <summary>ADR: Rd = Align(PC, 4) +/- Imm (Add says which).</summary>
    Adr,
    Mul, Mla, Mls, Umull, Smull, Umlal, Smlal, Sdiv, Udiv,
    Ssat, Usat, Sbfx, Ubfx, Bfi, Bfc, Clz, Rbit, Rev, Rev16, Revsh, Sxtb, Sxth, Uxtb, Uxth,
    B, Bl, Bx, Blx, Cbz, Cbnz, Tbb, Tbh, It,
    Ldr, Ldrb, Ldrh, Ldrsb, Ldrsh, Str, Strb, Strh, Ldrd, Strd,
    /// <summary>LDM/STM: Add set = increment after (IA), clear = decrement before (DB). PUSH/POP are these on SP.</summary>
    Ldm, Stm,
    Ldrex, Ldrexb, Ldrexh, Strex, Strexb, Strexh, Clrex,
    Mrs, Msr, Cps,
    Nop, Yield, Wfe, Wfi, Sev, Dmb, Dsb, Isb, Pld, Pli,
    Bkpt, Svc, Udf,
    /// <summary>The coprocessor space (A5.3.18: CDP, MCR/MRC, LDC/STC and the FP instructions on cp10/cp11): no coprocessor is present, UsageFault NOCP.</summary>
    Coprocessor,
    // FPv4-SP (ARMv7-M A6, A7.7.222 ff.; Cortex-M4F): executed only with the FPU present and CPACR granting CP10/CP11,
    // else UsageFault NOCP. Rd/Rn/Rm are S register numbers (D numbers where FpFlags.Double says so).
    /// <summary>A cp10/cp11 encoding FPv4-SP does not have (double-precision arithmetic, the T = 1 space): UNDEFINSTR, or NOCP when the FPU is off.</summary>
    VUndefined,
    /// <summary>VLDR/VSTR: Rd = Vd, Rn the base, Imm the byte offset, Add = U.</summary>
    Vldr, Vstr,
    /// <summary>VLDM/VSTM (VPUSH/VPOP): Rd = the first register, List = imm8 (words), Add = IA (else DB), Wback.</summary>
    Vldm, Vstm,
    /// <summary>VMOV between Rt (Rd) and Sn (Rn); FpFlags.ToCore for Sn to Rt.</summary>
    VmovCore,
    /// <summary>VMOV between Rt, Rt2 (Rd, Ra) and Sm, Sm+1 or Dm (Rm, FpFlags.Double); FpFlags.ToCore for the registers to Rt, Rt2.</summary>
    VmovCore2,
    /// <summary>VMOV.32 between Rt (Rd) and Dn[x] (Rn, Imm = x); FpFlags.ToCore for Dn[x] to Rt.</summary>
    VmovScalar,
    /// <summary>VMRS Rt (Rd; 15 = APSR_nzcv), VMSR (Rn): Imm = the special register (1 FPSCR).</summary>
    Vmrs, Vmsr,
    /// <summary>VMOV.F32 Sd, #imm: Imm = imm8 (VFPExpandImm).</summary>
    VmovImm,
    VmovReg, Vabs, Vneg, Vsqrt,
    Vadd, Vsub, Vmul, Vnmul, Vdiv, Vmla, Vmls, Vnmla, Vnmls, Vfma, Vfms, Vfnma, Vfnms,
    /// <summary>VCMP{E} Sd, Sm: FpFlags.WithZero compares with #0.0, FpFlags.E is VCMPE.</summary>
    Vcmp,
    /// <summary>VCVT{R}.S32/U32.F32: FpFlags.Signed, FpFlags.RoundZero (VCVT; VCVTR without it).</summary>
    VcvtToInt,
    /// <summary>VCVT.F32.S32/U32: FpFlags.Signed.</summary>
    VcvtFromInt,
    /// <summary>VCVT between F32 and fixed point in Sd: FpFlags.Signed, FpFlags.ToFixed; ShiftN = 16 or 32 (the size), Imm = fraction bits.</summary>
    VcvtFixed,
    /// <summary>VCVTB/VCVTT: FpFlags.ToHalf (F32 to F16, else F16 to F32), Imm = 1 for T (the top half).</summary>
    VcvtHalf,
    // The DSP extension (ARMv7E-M, Cortex-M4; A5.3.14-A5.3.18): UNDEFINED on the other profiles.
    /// <summary>Parallel add/subtract: Imm = the lane operation (hw1[6:4]: 0 ADD8 1 ADD16 2 ASX 4 SUB8 5 SUB16 6 SAX) | the prefix (hw2[6:4]: 0 S 1 Q 2 SH 4 U 5 UQ 6 UH) &lt;&lt; 4.</summary>
    Parallel,
    Qadd, Qdadd, Qsub, Qdsub, Sel,
    /// <summary>Extend and add (Rn) or extend two bytes (Rn = 15 for SXTB16/UXTB16); ShiftN = rotation.</summary>
    Sxtab, Uxtab, Sxtah, Uxtah, Sxtab16, Uxtab16, Sxtb16, Uxtb16,
    /// <summary>SMLA&lt;x&gt;&lt;y&gt; (SMUL&lt;x&gt;&lt;y&gt; when Ra = 15): Imm bit 1 = N (Rn's top half), bit 0 = M.</summary>
    Smlaxy,
    /// <summary>SMLAD{X}/SMUAD{X} and SMLSD{X}/SMUSD{X} (Ra = 15): Imm = X (Rm's halves swapped).</summary>
    Smlad, Smlsd,
    /// <summary>SMLAW&lt;y&gt;/SMULW&lt;y&gt; (Ra = 15): Imm = M.</summary>
    Smlawy,
    /// <summary>SMMLA{R}/SMMUL{R} (Ra = 15), SMMLS{R}: Imm = R (rounding).</summary>
    Smmla, Smmls,
    /// <summary>USADA8, USAD8 when Ra = 15.</summary>
    Usada8,
    /// <summary>SMLAL&lt;x&gt;&lt;y&gt; (Imm = N:M), SMLALD{X}/SMLSLD{X} (Imm = X), UMAAL: Rd = RdLo, Ra = RdHi.</summary>
    Smlalxy, Smlald, Smlsld, Umaal,
    /// <summary>SSAT16/USAT16: Imm = the saturation width as written (1-16 / 0-15), Rm the source.</summary>
    Ssat16, Usat16,
    /// <summary>PKHBT (ShiftType LSL) / PKHTB (ASR): Rd = Rn, Rm shifted by ShiftN.</summary>
    Pkh,
}

/// <summary>Whether a data-processing instruction updates the flags.</summary>
public enum SetFlags : byte
{
    Never,
    Always,
    /// <summary>16-bit encodings that set the flags outside an IT block and not inside one (A6.3.3? A7.3.1).</summary>
    OutsideIt,
}

/// <summary>Operand form of a data-processing or load/store instruction.</summary>
public enum Form : byte
{
    /// <summary>Op2 is <see cref="ThumbInst.Imm"/>.</summary>
    Imm,
    /// <summary>Op2 is Rm shifted by the immediate ShiftType/ShiftN (DecodeImmShift applied).</summary>
    Reg,
}

public enum Shift : byte { Lsl, Lsr, Asr, Ror, Rrx }

/// <summary>Options of an FPv4-SP instruction (<see cref="ThumbInst.Fp"/>).</summary>
[Flags]
public enum FpFlags : byte
{
    None = 0,
    /// <summary>The registers are D registers (VLDR/VSTR/VLDM/VSTM .64, VMOV Rt, Rt2, Dm).</summary>
    Double = 1,
    /// <summary>VLDM/VSTM with an odd imm8 and D registers (FLDMX/FSTMX).</summary>
    X = 2,
    /// <summary>VMOV towards the core registers.</summary>
    ToCore = 4,
    /// <summary>VCMPE: quiet NaNs raise Invalid Operation too.</summary>
    E = 8,
    /// <summary>VCMP with #0.0.</summary>
    WithZero = 16,
    Signed = 32,
    /// <summary>VCVT to an integer rounds towards zero (VCVTR uses FPSCR.RMode).</summary>
    RoundZero = 64,
    /// <summary>VCVT to fixed point; VCVTB/T to half precision.</summary>
    ToFixed = 128,
    ToHalf = 128,
}

/// <summary>
/// One Thumb instruction decoded once: the interpreter executes it and the disassembler prints it, so
/// the encoding tables are read in one place (<see cref="ThumbDecoder"/>).
/// </summary>
public struct ThumbInst
{
    public Op Op;
    public Form Form;
    public SetFlags S;
    public Shift ShiftType;
    public byte ShiftN;
    public byte Rd, Rn, Rm, Ra;
    /// <summary>Branch condition (B&lt;c&gt;), 14 (AL) otherwise; the IT mask for IT (Imm holds firstcond).</summary>
    public byte Cond;
    /// <summary>2 or 4 bytes.</summary>
    public byte Size;
    /// <summary>Load/store: pre-index (P), add offset (U), write back (W). DP immediates: ImmCarry = the modified immediate sets C.</summary>
    public bool Index, Add, Wback, ImmCarry;
    /// <summary>Load/store: the unprivileged (LDRT/STRT) form. Shown by the disassembler; the MPU checks it as unprivileged (A7.7).</summary>
    public bool Unpriv;
    /// <summary>The encoding is 16-bit or a wide (.w) form of something with a 16-bit encoding (for the disassembler).</summary>
    public bool Wide;
    public uint Imm;
    /// <summary>Register list of LDM/STM/PUSH/POP; SYSm of MRS/MSR; mask of MSR.</summary>
    public ushort List;
    /// <summary>Raw encoding (hw1 &lt;&lt; 16 | hw2 for 32-bit), for the disassembler and the decode cache.</summary>
    public uint Raw;
    /// <summary>The encoding is UNPREDICTABLE in the ARM ARM; the core executes it as documented in docs/cortex-m.md.</summary>
    public bool Unpredictable;
    /// <summary>FPv4-SP options.</summary>
    public FpFlags Fp;
}
