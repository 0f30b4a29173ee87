using System.Numerics;
using System.Reflection;
using System.Reflection.Emit;
using System.Runtime.CompilerServices;
using SocSim.Core;

namespace SocSim.Arm.Translation
{
    /// <summary>
    /// The system instructions of <see cref="BlockTranslator"/>: PSR transfers (TRM 4.6), long multiplies
    /// (TRM 4.8), writes to R15 by the ALU and by LDR (computed branches) and exception returns (ALU
    /// with S and LDM with R15 and S). What changes the mode, the interrupt masks or the state (an MSR
    /// of the control field, an exception return) ends the region after the instruction and calls the
    /// interpreter's own code for its effect: the banked registers the region keeps in locals and the
    /// pending interrupts it does not check change with it.
    /// </summary>
    public sealed unsafe partial class BlockTranslator
    {
        private static readonly MethodInfo MMsr = CpuMethod("Msr"), MReturnFromRegion = CpuMethod(nameof(ArmCpu.ReturnFromRegion)),
            MSpsrInRegion = CpuMethod(nameof(ArmCpu.SpsrInRegion)), MResumeAfterMsr = CpuMethod(nameof(ArmCpu.ResumeAfterMsr)), MRegionDevice = CpuMethod(nameof(ArmCpu.RegionDevice)),
            MRegionDeviceWrite = CpuMethod(nameof(ArmCpu.RegionDeviceWrite)), MDataAbortFromRegion = CpuMethod(nameof(ArmCpu.DataAbortFromRegion));
        private static readonly FieldInfo FRegionExit = Field(nameof(ArmCpu._regionExit));

        private static MethodInfo SysOp(string name) =>
            typeof(TranslationSystemOps).GetMethod(name, BindingFlags.Public | BindingFlags.Static) ?? throw new MissingMethodException(nameof(TranslationSystemOps), name);

        private static MethodInfo CpuMethod(string name) =>
            typeof(ArmCpu).GetMethod(name, BindingFlags.NonPublic | BindingFlags.Instance) ?? throw new MissingMethodException(nameof(ArmCpu), name);

        private static readonly MethodInfo MLongCycles = SysOp(nameof(TranslationSystemOps.LongCycles)), MMulLong = SysOp(nameof(TranslationSystemOps.MulLong)),
            MPack = SysOp(nameof(TranslationSystemOps.Pack)),
            MBoothCarry = typeof(BoothMultiplier).GetMethod(nameof(BoothMultiplier.Carry))!;

        private sealed partial class Emitter
        {
            private LocalBuilder? _res64, _acc64;

            /// <summary>
            /// MRS, MSR (TRM 4.6; the space of TST/TEQ/CMP/CMN without S, as the interpreter decodes it).
            /// MRS and an MSR of the SPSR or of the CPSR's flags only go on in the region; an MSR that can
            /// write the CPSR's control, extension or status byte ends it after the instruction, through
            /// the interpreter's Msr (its User-mode mask, bank switch and pending-interrupt update).
            /// </summary>
            private Result ArmPsr(uint op, int k, uint cond)
            {
                bool imm = (op & (1u << 25)) != 0;
                bool spsr = (op & (1u << 22)) != 0;
                if (!imm && (op & (1u << 21)) == 0)
                {
                    // MRS: 1S.
                    int rd = (int)((op >> 12) & 15);
                    if (rd == 15) return Result.No;
                    return Conditional(cond, k, () =>
                    {
                        if (spsr) { _il.Emit(OpCodes.Ldarg_0); LdPackedCpsr(); _il.Emit(OpCodes.Call, MSpsrInRegion); }
                        else LdPackedCpsr();
                        StReg(rd);
                        return true;
                    });
                }
                // MSR: the operand is read before the cycle-1 fetch (R15 = address + 8).
                void Operand()
                {
                    if (imm) Ldc(BitOperations.RotateRight(op & 0xFF, (int)((op >> 7) & 0x1E)));
                    else LdReg((int)(op & 15), _pc);
                }
                bool controlFields = (op & 0x0007_0000) != 0;
                if (spsr || !controlFields)
                {
                    return Conditional(cond, k, () =>
                    {
                        if (spsr)
                        {
                            _il.Emit(OpCodes.Ldarg_0); Ldc(op); Operand(); _il.Emit(OpCodes.Call, MMsr);
                        }
                        else if ((op & (1u << 19)) != 0)
                        {
                            Ld(_cpsr); Ldc(0x00FF_FFFFu); Emit(OpCodes.And); Operand(); Ldc(0xFF00_0000u); Emit(OpCodes.And); Emit(OpCodes.Or); StUnpackedCpsr();
                        }
                        return true;
                    });
                }
                Fetch();
                if (cond != 0xE) ElseFallThrough(cond, k);
                Operand(); St(_v);
                // The region goes on at instruction k+1 after the interpreter's Msr when the run loop would
                // enter a region there (ArmCpu.ResumeAfterMsr): the next instruction is emitted after it.
                _resumes.Add((_base, k, null, Seq.S));
                ExitThenCall(k, MMsr, op, _resumes.Count - 1);
                return Result.Ok;
            }

            /// <summary>
            /// Data processing with Rd = R15 (TRM 4.5.5): without S a computed branch (the refill exit, as BX);
            /// with S an exception return: the flags as the ALU sets them, then the interpreter restores
            /// the SPSR (when the mode has one) and refills from the result. TST/TEQ/CMP/CMN with Rd = R15
            /// stay with the interpreter.
            /// </summary>
            private Result ArmAluPc(uint op, int k, uint cond)
            {
                int rn = (int)((op >> 16) & 15);
                uint opc = (op >> 21) & 15;
                bool s = (op & (1u << 20)) != 0;
                bool regShift = (op & (1u << 25)) == 0 && (op & 0x10) != 0;
                bool writes = opc < 8 || opc >= 12;
                if (!writes) return Result.No;
                bool logical = opc is 0 or 1 or 12 or 13 or 14 or 15;
                uint pcv = regShift ? _pc + 4 : _pc;
                Fetch();
                if (cond != 0xE) ElseFallThrough(cond, k);
                ArmOperand2(op, s && logical, pcv);
                St(_a);
                if (regShift) AddCycles(1);
                if (opc != 13 && opc != 15) { LdReg(rn, pcv); St(_b); }
                EmitAlu(opc, s, 0, writes: false);
                if (!s)
                {
                    Ld(_v);
                    EmitRefillExit(k + 1);
                }
                else
                {
                    ExitThenCall(k, MReturnFromRegion, op);
                }
                return Result.End;
            }

            /// <summary>
            /// LDR/LDRB to R15 (TRM 4.9): the load as ArmSingle's, then the refill from the loaded word
            /// (ARMv4T: no interworking, the address as loaded, as the interpreter's Refill takes it).
            /// </summary>
            private Result ArmLoadPc(uint op, int k, uint cond)
            {
                int rn = (int)((op >> 16) & 15);
                bool pre = (op & (1u << 24)) != 0, up = (op & (1u << 23)) != 0, b = (op & (1u << 22)) != 0;
                bool w = (op & (1u << 21)) != 0;
                bool writeback = !pre || w;
                bool reg = (op & (1u << 25)) != 0;
                if (reg && (op & 15) == 15) return Result.No;
                Fetch();
                if (cond != 0xE) ElseFallThrough(cond, k);
                SingleOffset(op);
                TransferAddress(rn, up, pre);
                SingleLoad(b, k, writeback ? rn : -1);
                if (writeback) { Ld(_c); StReg(rn); }
                Ld(_v);
                EmitRefillExit(k + 1);
                return Result.End;
            }

            /// <summary>LDM with R15 and S (TRM 4.11.4): the loads as any LDM's, then the interpreter's exception return from the loaded R15.</summary>
            private Result ArmLdmReturn(uint op, int k)
            {
                int rn = (int)((op >> 16) & 15);
                bool pre = (op & (1u << 24)) != 0, up = (op & (1u << 23)) != 0, w = (op & (1u << 21)) != 0;
                uint list = op & 0xFFFF;
                Fetch();
                EmitMultiple(rn, list, up, pre, w, load: true, k, (uint)BitOperations.PopCount(list) * 4, exceptionReturn: true);
                return Result.End;
            }

            /// <summary>The end of an LDM that returns from an exception: R15's word is in _v.</summary>
            private void EmitLdmReturnExit(int k)
            {
                ExitThenCall(k, MReturnFromRegion, 0);
            }

            /// <summary>
            /// UMULL/UMLAL/SMULL/SMLAL (TRM 4.8): 1S + (m+1)I, or (m+2)I accumulating, m from Rs as the
            /// interpreter's early termination; N and Z from the 64-bit result, C from the Booth
            /// multiplier, V kept; RdLo written before RdHi. R15 anywhere stays with the interpreter.
            /// </summary>
            private Result ArmMulLong(uint op, int k, uint cond)
            {
                int rdHi = (int)((op >> 16) & 15), rdLo = (int)((op >> 12) & 15), rs = (int)((op >> 8) & 15), rm = (int)(op & 15);
                if (rdHi == 15 || rdLo == 15 || rs == 15 || rm == 15) return Result.No;
                bool signed = (op & (1u << 22)) != 0, acc = (op & (1u << 21)) != 0, s = (op & (1u << 20)) != 0;
                _res64 ??= _il.DeclareLocal(typeof(ulong));
                _acc64 ??= _il.DeclareLocal(typeof(ulong));
                return Conditional(cond, k, () =>
                {
                    Ld(Reg(rs)); St(_b);
                    Ld(Reg(rm)); St(_a);
                    Ld(_cyc); Ld(_b); Ldc(signed ? 1 : 0); Call(MLongCycles); if (acc) { Ldc(1); Emit(OpCodes.Add); } Emit(OpCodes.Conv_I8); Emit(OpCodes.Add); St(_cyc);
                    Ld(Reg(rdHi)); Ld(Reg(rdLo)); Call(MPack); St(_acc64);
                    Ld(_a); Ld(_b); Ldc(signed ? 1 : 0); Call(MMulLong);
                    if (acc) { Ld(_acc64); Emit(OpCodes.Add); }
                    St(_res64);
                    if (s)
                    {
                        // N and Z from the 64-bit result, C from the Booth multiplier (the interpreter's), V kept.
                        Ld(_a); Ld(_b); Ld(_acc64); Ldc(acc ? 1 : 0); Ldc(1); Ldc(signed ? 1 : 0); Ld(_fc); Call(MBoothCarry); St(_fc);
                        Ld(_res64); Ldc(63); Emit(OpCodes.Shr_Un); Emit(OpCodes.Conv_U4); St(_fn);
                        Ld(_res64); LdcL(0L); Emit(OpCodes.Ceq); St(_fz);
                    }
                    Ld(_res64); Emit(OpCodes.Conv_U4); StReg(rdLo);
                    Ld(_res64); Ldc(32); Emit(OpCodes.Shr_Un); Emit(OpCodes.Conv_U4); StReg(rdHi);
                    return true;
                });
            }

            /// <summary>
            /// Leaves the region after instruction k (its fetch done, the next one S), every register and
            /// the CPSR written back, then calls <paramref name="helper"/>(op, _v) on the core: the
            /// interpreter's code for what the instruction does to the mode, masks or pipeline.
            /// </summary>
            private void ExitThenCall(int k, MethodInfo helper, uint op, int resume = -1)
            {
                var label = _il.DefineLabel();
                _il.Emit(OpCodes.Br, label);
                DeferExitThenCall(label, k, helper, op, Seq.S, resume);
            }

            /// <summary>
            /// The exit of <see cref="ExitThenCall"/> at <paramref name="label"/>, the next fetch <paramref name="seq"/>:
            /// the boundary and <paramref name="op"/> into locals, then the shared exit tail, which writes
            /// everything back once for every exit of the region and calls the helper (EmitExitTails).
            /// <paramref name="resume"/>: the resume point (EmitResumes) the region may go on at after an
            /// MSR (ArmCpu.ResumeAfterMsr), -1: none, it returns.
            /// </summary>
            private void DeferExitThenCall(Label label, int k, MethodInfo helper, uint op, Seq seq, int resume = -1)
            {
                uint next = Addr(k + 1), w0 = Word(k + 1), w1 = Word(k + 2);
                int index = _callHelpers.IndexOf(helper);
                if (index < 0) { index = _callHelpers.Count; _callHelpers.Add(helper); }
                _exits.Add(() =>
                {
                    var il = _il;
                    il.MarkLabel(label);
                    CountExit(helper == MReturnFromRegion ? ExitKind.ExceptionReturn : helper == MMsr ? ExitKind.Msr : ExitKind.DataAbort);
                    Ldc(next); St(_xPc);
                    Ldc(w0); St(_xOp0);
                    Ldc(w1); St(_xOp1);
                    Ldc(seq == Seq.S ? 1 : 0); St(_fseq);
                    Ldc(op); St(_xArg);
                    Ldc(AfterCall + index); St(_after);
                    if (resume >= 0) { Ldc(resume); St(_resume); }
                    il.Emit(OpCodes.Br, _exitTail);
                });
            }

            /// <summary>The helpers the region's exits call after the write-back, in the order of their index in <c>_after</c>.</summary>
            private readonly List<MethodInfo> _callHelpers = new();
        }
    }

    /// <summary>The long multiply's helpers for translated code, computing what ArmCpu.MultiplyLong computes.</summary>
    internal static class TranslationSystemOps
    {
        /// <summary>m + 1: the internal cycles of UMULL/SMULL (TRM 6.10), m from Rs 8 bits at a time (signed: all ones ends it too).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static int LongCycles(uint rs, bool signed) => ArmCpu.MultiplyCycles(rs, signed) + 1;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static ulong MulLong(uint rm, uint rs, bool signed) => signed ? (ulong)((long)(int)rm * (int)rs) : (ulong)rm * rs;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static ulong Pack(uint hi, uint lo) => ((ulong)hi << 32) | lo;
    }
}

namespace SocSim.Arm
{
    public sealed unsafe partial class ArmCpu
    {
        /// <summary>
        /// After a region's MSR of the CPSR's control field (the interpreter's <see cref="Msr"/> made, the
        /// region's state written back, the boundary after it in R15, the pipeline and the fetch kind):
        /// whether the region may go on at that boundary, as the run loop would enter a region there with
        /// the same <paramref name="limit"/>. The limit not reached (else an event runs at the boundary
        /// before its sampling, which must still see the MSR's old mask), the mode and state unchanged from <paramref name="cpsrBefore"/>
        /// (the region's registers are the current bank's), nobody watching, no stop or idle request, no
        /// event moved before the limit; and the boundary's interrupt sampling (the run loop's
        /// <see cref="SampleInterrupts"/>, <see cref="TakeInterrupt"/> with the masks from before the MSR,
        /// TRM 2.8.7 and its remarks) takes nothing and leaves nothing pending: then it is made here as
        /// TakeInterrupt makes it when it takes nothing (the MSR's old mask dropped), and the region goes
        /// on. Otherwise nothing is changed and the run loop samples at the boundary as before.
        /// </summary>
        internal bool ResumeAfterMsr(long limit, uint cpsrBefore)
        {
            if (((_cpsr ^ cpsrBefore) & (Psr.T | Psr.ModeMask)) != 0 || _hook != null || _bus.Observer != null || _stop || _sleeping
                || _abt0 || _abt1 || _s.NextEventCycle < limit || _s.Cycles >= limit)
                return false;
            if (_intPending)
            {
                uint mask = _maskAfterMsr != 0 ? _maskAfterMsr : _cpsr;
                if ((_fiqLine && (mask & Psr.F) == 0) || (_irqLine && (mask & Psr.I) == 0)) return false;
                if ((_fiqLine && (_cpsr & Psr.F) == 0) || (_irqLine && (_cpsr & Psr.I) == 0)) return false;
                _maskAfterMsr = 0;
                UpdatePending();
                if (_intPending) return false;
            }
            _translator!.MsrResumes++;
            return true;
        }

        /// <summary>A translated region's exception return (ALU with S to R15, LDM with R15 and S), its state written back: as the interpreter ends those instructions.</summary>
        internal void ReturnFromRegion(uint op, uint target)
        {
            if (HasSpsr) SetCpsrRaw(Spsr);
            RefillFromRegion(target);
        }

        /// <summary>The SPSR as MRS reads it, the region's CPSR (in a local) standing for the core's.</summary>
        internal uint SpsrInRegion(uint cpsr) => _bank != 0 ? _r[SpsrBank + _bank] : cpsr;
    }
}
