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
    /// <summary>Load/store: the unprivileged (LDRT/STRT) form. Shown by the disassembler; executed like the normal form in privileged code.</summary>
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
}
