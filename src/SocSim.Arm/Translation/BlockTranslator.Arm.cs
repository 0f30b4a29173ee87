using System.Diagnostics;
using System.Numerics;
using System.Reflection;
using System.Reflection.Emit;
using SocSim.Core;

namespace SocSim.Arm.Translation;

/// <summary>The ARM-state emitters of <see cref="BlockTranslator"/> (ARM ARM A3, TRM 4).</summary>
public sealed unsafe partial class BlockTranslator
{
    private sealed partial class Emitter
    {
        private Result EmitArm(uint op, int k)
        {
            uint cond = op >> 28;
            if (cond == 0xF) return Result.No;
            uint hi = (op >> 20) & 0xFF, lo = (op >> 4) & 0xF;
            switch (hi >> 5)
            {
                case 0:
                    if (lo == 0b1001)
                    {
                        // MUL/MLA; R15 as an operand or destination is left to the interpreter.
                        if ((hi & 0xFC) == 0x00 && ((op >> 16) & 15) != 15 && ((op >> 12) & 15) != 15 && ((op >> 8) & 15) != 15 && (op & 15) != 15)
                            return Conditional(cond, k, () => ArmMultiply(op));
                        if ((hi & 0xF8) == 0x08) return ArmMulLong(op, k, cond);
                        return Result.No;
                    }
                    if ((lo & 0b1001) == 0b1001) return ArmHalfword(op, k, cond);
                    if ((hi & 0x19) == 0x10)
                    {
                        if (hi == 0x12 && lo == 0b0001) return ArmBx(op, k, cond);
                        return ArmPsr(op, k, cond);
                    }
                    return ArmDataProc(op, k, cond);
                case 1:
                    if ((hi & 0x1B) == 0x12) return ArmPsr(op, k, cond);
                    if ((hi & 0x1B) == 0x10) return Result.No;
                    return ArmDataProc(op, k, cond);
                case 2: return ArmSingle(op, k, cond);
                case 3: return (lo & 1) != 0 ? Result.No : ArmSingle(op, k, cond);
                case 4: return ArmBlock(op, k, cond);
                case 5: return ArmBranch(op, k, cond);
                default: return Result.No;
            }
        }

        /// <summary>
        /// A non-branch instruction under a condition: the fetch happens either way (a failed condition
        /// costs 1S, TRM 6.3), the body only when it passes. A body that is a store makes the next fetch
        /// N on one path only: the local <c>fseq</c> then carries it.
        /// </summary>
        private Result Conditional(uint cond, int k, Func<bool> body)
        {
            Fetch();
            if (cond == 0xE) { body(); return Result.Ok; }
            var skip = _il.DefineLabel();
            CondTest(cond);
            _il.Emit(OpCodes.Brfalse, skip);
            body();
            Seq after = _seq;
            if (after == Seq.S) { _il.MarkLabel(skip); return Result.Ok; }
            // The body left the next fetch N: record it in fseq on both paths.
            Ldc(0); St(_fseq);
            var done = _il.DefineLabel();
            _il.Emit(OpCodes.Br, done);
            _il.MarkLabel(skip);
            Ldc(1); St(_fseq);
            _il.MarkLabel(done);
            _seq = Seq.Dynamic;
            return Result.Ok;
        }

        /// <summary>Operand 2 of a data-processing instruction onto the stack; its shifter carry into <c>_c</c> when <paramref name="carry"/>.</summary>
        private void ArmOperand2(uint op, bool carry, uint pcForRm)
        {
            if ((op & (1u << 25)) != 0)
            {
                int rot = (int)((op >> 7) & 0x1E);
                uint imm = BitOperations.RotateRight(op & 0xFF, rot);
                if (carry)
                {
                    if (rot == 0) { Ld(_fc); } else Ldc(imm >> 31);
                    St(_c);
                }
                Ldc(imm);
                return;
            }
            int type = (int)((op >> 5) & 3);
            int rm = (int)(op & 15);
            if ((op & 0x10) == 0)
            {
                int amount = (int)((op >> 7) & 31);
                if (carry) { LdReg(rm, pcForRm); Ldc(type); Ldc(amount); Ld(_fc); Call(MShiftImmC); St(_c); }
                if (type == 0 && amount == 0) { LdReg(rm, pcForRm); return; }
                LdReg(rm, pcForRm); Ldc(type); Ldc(amount); Ld(_fc); Call(MShiftImmV);
                return;
            }
            // Register-specified shift: amount = Rs[7:0], read while the fetch happens (TRM 4.5.5).
            int rs = (int)((op >> 8) & 15);
            LdReg(rs, _pc); Ldc(0xFF); Emit(OpCodes.And); St(_b);
            if (carry) { LdReg(rm, pcForRm); Ldc(type); Ld(_b); Ld(_fc); Call(MShiftRegC); St(_c); }
            LdReg(rm, pcForRm); Ldc(type); Ld(_b); Call(MShiftRegV);
        }

        private Result ArmDataProc(uint op, int k, uint cond)
        {
            int rd = (int)((op >> 12) & 15), rn = (int)((op >> 16) & 15);
            uint opc = (op >> 21) & 15;
            bool s = (op & (1u << 20)) != 0;
            bool regShift = (op & (1u << 25)) == 0 && (op & 0x10) != 0;
            bool writes = opc < 8 || opc >= 12;
            if (rd == 15) return ArmAluPc(op, k, cond);   // computed branches, exception returns
            if (!writes && !s) return Result.No;
            bool logical = opc is 0 or 1 or 8 or 9 or 12 or 13 or 14 or 15;
            // R15 as Rn/Rm: address + 8, or + 12 with a register-specified shift (read after the fetch).
            uint pcv = regShift ? _pc + 4 : _pc;
            return Conditional(cond, k, () =>
            {
                ArmOperand2(op, s && logical, pcv);
                St(_a);   // operand 2
                if (regShift) AddCycles(1);
                if (opc != 13 && opc != 15) { LdReg(rn, pcv); St(_b); }
                EmitAlu(opc, s, rd, writes);
                return true;
            });
        }

        /// <summary>ALU on _b (Rn) and _a (operand 2), shifter carry in _c; result to Rd when it writes, flags when S.</summary>
        private void EmitAlu(uint opc, bool s, int rd, bool writes)
        {
            switch (opc)
            {
                case 0x0: case 0x8: Ld(_b); Ld(_a); Emit(OpCodes.And); break;
                case 0x1: case 0x9: Ld(_b); Ld(_a); Emit(OpCodes.Xor); break;
                case 0xC: Ld(_b); Ld(_a); Emit(OpCodes.Or); break;
                case 0xD: Ld(_a); break;
                case 0xE: Ld(_b); Ld(_a); Emit(OpCodes.Not); Emit(OpCodes.And); break;
                case 0xF: Ld(_a); Emit(OpCodes.Not); break;
                default:
                    {
                        // Arithmetic: (x, y, carry-in) for Add or Sub.
                        bool sub = opc is 0x2 or 0x3 or 0x6 or 0x7 or 0xA;
                        bool rev = opc is 0x3 or 0x7;
                        var x = rev ? _a : _b; var y = rev ? _b : _a;
                        void Cin()
                        {
                            if (opc is 0x5 or 0x6 or 0x7) { Ld(_fc); }
                            else Ldc(sub ? 1 : 0);
                        }
                        Ld(x); Ld(y); Cin(); Call(sub ? MSubC : MAddC);
                        St(_v);
                        if (s) { Ld(x); Ld(y); Cin(); SetArith(sub); }
                        if (writes) { Ld(_v); StReg(rd); }
                        return;
                    }
            }
            St(_v);
            if (s) { Ld(_v); Ld(_c); SetLogic(); }
            if (writes) { Ld(_v); StReg(rd); }
        }

        private bool ArmMultiply(uint op)
        {
            int rd = (int)((op >> 16) & 15), rn = (int)((op >> 12) & 15), rs = (int)((op >> 8) & 15), rm = (int)(op & 15);
            bool acc = (op & (1u << 21)) != 0, s = (op & (1u << 20)) != 0;
            // (Checked by the caller's decode: R15 operands are unpredictable; we refuse them below.)
            LdReg(rs, 0); St(_b);
            LdReg(rm, 0); St(_a);
            if (acc) { LdReg(rn, 0); St(_c); }
            Ld(_cyc); Ld(_b); Call(MMulCycles); if (acc) { Ldc(1); Emit(OpCodes.Add); } Emit(OpCodes.Conv_I8); Emit(OpCodes.Add); St(_cyc);
            Ld(_a); Ld(_b); Emit(OpCodes.Mul); if (acc) { Ld(_c); Emit(OpCodes.Add); } St(_v);
            if (s)
            {
                Ld(_v); Ld(_a); Ld(_b); if (acc) Ld(_c); else Ldc(0); Ldc(acc ? 1 : 0); SetMul();
            }
            Ld(_v); StReg(rd);
            return true;
        }

        /// <summary>
        /// A conditional branch: when <paramref name="cond"/> fails, goes on with instruction k+1 (chained
        /// when it is in the region, else an exit there with a sequential fetch); the code emitted next
        /// is the taken path.
        /// </summary>
        private void ElseFallThrough(uint cond, int k)
        {
            var taken = _il.DefineLabel();
            CondTest(cond);
            _il.Emit(OpCodes.Brtrue, taken);
            if (!TryChain(Addr(k + 1), k + 1, refill: false)) EmitExit(k + 1, Seq.S);
            _il.MarkLabel(taken);
        }

        private Result ArmBranch(uint op, int k, uint cond)
        {
            uint target = _pc + (uint)(((int)(op << 8)) >> 6);
            bool link = (op & (1u << 24)) != 0;
            Fetch();
            if (cond != 0xE) ElseFallThrough(cond, k);
            if (link) { Ldc(_pc - 4); StReg(14); }
            EmitBranch(k + 1, target);
            return Result.End;
        }

        private Result ArmBx(uint op, int k, uint cond)
        {
            int rm = (int)(op & 15);
            if (rm == 15) return Result.No;
            Fetch();
            if (cond != 0xE) ElseFallThrough(cond, k);
            // Bit 0 selects Thumb state (TRM 4.3); Refill clears it from the address in Thumb state.
            Ld(Reg(rm)); St(_a);
            Ld(_cpsr); Ld(_a); Ldc(1); Emit(OpCodes.And); Ldc(5); Emit(OpCodes.Shl); Emit(OpCodes.Or); St(_cpsr);
            Ld(_a); Ldc(~1u); Emit(OpCodes.And);
            EmitRefillExit(k + 1);
            return Result.End;
        }

        /// <summary>LDR/STR/LDRB/STRB with immediate or shifted-register offset (TRM 4.9), not T forms, no R15 writes.</summary>
        private Result ArmSingle(uint op, int k, uint cond)
        {
            int rn = (int)((op >> 16) & 15), rd = (int)((op >> 12) & 15);
            bool pre = (op & (1u << 24)) != 0, up = (op & (1u << 23)) != 0, b = (op & (1u << 22)) != 0;
            bool w = (op & (1u << 21)) != 0, load = (op & (1u << 20)) != 0;
            bool writeback = !pre || w;
            if (!pre && w) return Result.No;                 // LDRT/STRT: User-mode access
            if (writeback && rn == 15) return Result.No;
            if (load && rd == 15) return ArmLoadPc(op, k, cond);
            bool reg = (op & (1u << 25)) != 0;
            if (reg && (op & 15) == 15) return Result.No;
            return Conditional(cond, k, () =>
            {
                SingleOffset(op);
                TransferAddress(rn, up, pre);
                if (load)
                {
                    SingleLoad(b, k, writeback ? rn : -1);
                    if (writeback) { Ld(_c); StReg(rn); }
                    Ld(_v); StReg(rd);
                    DeviceEnd(k, 0);
                }
                else
                {
                    PageCheck(read: false, k, b ? 1 : 4);
                    Access(read: false, b ? 0 : 2, seq: false);
                    Ld(_p); Ld(_addr); LdReg(rd, _pc + 4); Call(b ? MSt8 : MSt32);
                    if (writeback) { Ld(_c); StReg(rn); }
                    StoreEnd(k, b ? 1u : 4u);
                }
                return true;
            });
        }

        /// <summary>The offset of LDR/STR onto the stack: a 12-bit immediate or Rm shifted by an immediate (TRM 4.9).</summary>
        private void SingleOffset(uint op)
        {
            if ((op & (1u << 25)) != 0) { Ld(Reg(op & 15)); Ldc((int)((op >> 5) & 3)); Ldc((int)((op >> 7) & 31)); Ld(_fc); Call(MShiftImmV); }
            else Ldc(op & 0xFFF);
        }

        /// <summary>The offset on the stack into _a, the base Rn into _b, the new base into _c, the address (pre- or post-indexed) into _addr.</summary>
        private void TransferAddress(int rn, bool up, bool pre)
        {
            St(_a);
            LdReg(rn, _pc); St(_b);
            Ld(_b); Ld(_a); Emit(up ? OpCodes.Add : OpCodes.Sub); St(_c);
            Ld(pre ? _c : _b); St(_addr);
        }

        /// <summary>LDR/LDRB from _addr into _v (a word rotated by the address's low bits, TRM 4.9.1), its data cycle and the I cycle of every load (TRM 6.4).</summary>
        private void SingleLoad(bool b, int k, int abortBase)
        {
            PageCheck(read: true, k, b ? 1 : 4, abortBase);
            Access(read: true, b ? 0 : 2, seq: false);
            Ld(_p); Ld(_addr); Call(b ? MLd8 : MLd32);
            if (!b) { Ld(_addr); Ldc(3); Emit(OpCodes.And); Ldc(3); Emit(OpCodes.Shl); Call(MRor); }
            St(_v);
            AddCycles(1);
        }

        /// <summary>LDRH/STRH/LDRSB/LDRSH (TRM 4.10), the same shape as LDR/STR.</summary>
        private Result ArmHalfword(uint op, int k, uint cond)
        {
            int rn = (int)((op >> 16) & 15), rd = (int)((op >> 12) & 15);
            bool pre = (op & (1u << 24)) != 0, up = (op & (1u << 23)) != 0;
            bool w = (op & (1u << 21)) != 0, load = (op & (1u << 20)) != 0;
            bool immForm = (op & (1u << 22)) != 0;
            uint sh = (op >> 5) & 3;
            bool writeback = !pre || w;
            if (writeback && rn == 15) return Result.No;
            if (load && rd == 15) return Result.No;
            if (!immForm && (op & 15) == 15) return Result.No;
            return Conditional(cond, k, () =>
            {
                if (immForm) Ldc(((op >> 4) & 0xF0) | (op & 0xF)); else Ld(Reg(op & 15));
                TransferAddress(rn, up, pre);
                if (load)
                {
                    PageCheck(read: true, k, sh == 1 ? 2 : sh == 2 ? 1 : 0, writeback ? rn : -1);
                    EmitHalfLoad(sh == 1 ? 2 : sh == 2 ? -1 : -3);
                    AddCycles(1);
                    if (writeback) { Ld(_c); StReg(rn); }
                    Ld(_v); StReg(rd);
                    DeviceEnd(k, 0);
                }
                else
                {
                    PageCheck(read: false, k, 2);
                    Access(read: false, 1, seq: false);
                    Ld(_p); Ld(_addr); LdReg(rd, _pc + 4); Call(MSt16);
                    if (writeback) { Ld(_c); StReg(rn); }
                    StoreEnd(k, 2);
                }
                return true;
            });
        }

        /// <summary>
        /// Load of kind 2 (LDRH: odd address rotates by 8), -1 (LDRSB), -3 (ARM LDRSH: odd address is a
        /// signed byte access), -2 (Thumb LDSH: odd address sign-extends the addressed byte of the halfword
        /// access) into _v, with its cost; _p holds the page.
        /// </summary>
        private void EmitHalfLoad(int kind)
        {
            switch (kind)
            {
                case 2:
                    Access(true, 1, false);
                    Ld(_p); Ld(_addr); Call(MLd16); Ld(_addr); Ldc(1); Emit(OpCodes.And); Ldc(3); Emit(OpCodes.Shl); Call(MRor); St(_v);
                    break;
                case -1:
                    Access(true, 0, false);
                    Ld(_p); Ld(_addr); Call(MLd8); Emit(OpCodes.Conv_I1); St(_v);
                    break;
                case -3:
                    {
                        var odd = _il.DefineLabel(); var done = _il.DefineLabel();
                        Ld(_addr); Ldc(1); Emit(OpCodes.And); _il.Emit(OpCodes.Brtrue, odd);
                        Access(true, 1, false);
                        Ld(_p); Ld(_addr); Call(MLd16); Emit(OpCodes.Conv_I2); St(_v);
                        _il.Emit(OpCodes.Br, done);
                        _il.MarkLabel(odd);
                        Access(true, 0, false);
                        Ld(_p); Ld(_addr); Call(MLd8); Emit(OpCodes.Conv_I1); St(_v);
                        _il.MarkLabel(done);
                        break;
                    }
                default:
                    {
                        Access(true, 1, false);
                        var odd = _il.DefineLabel(); var done = _il.DefineLabel();
                        Ld(_addr); Ldc(1); Emit(OpCodes.And); _il.Emit(OpCodes.Brtrue, odd);
                        Ld(_p); Ld(_addr); Call(MLd16); Emit(OpCodes.Conv_I2); St(_v);
                        _il.Emit(OpCodes.Br, done);
                        _il.MarkLabel(odd);
                        Ld(_p); Ld(_addr); Call(MLd16); Ldc(8); Emit(OpCodes.Shr_Un); Emit(OpCodes.Conv_I1); St(_v);
                        _il.MarkLabel(done);
                        break;
                    }
            }
        }

        /// <summary>
        /// _p = the fast-path page of _addr; without one, the device path (<see cref="DeviceAccess"/>):
        /// <paramref name="size"/> in bytes (0: ARM LDRSH, a byte at an odd address), <paramref name="abortBase"/>
        /// the base register a load writes back (-1: none).
        /// </summary>
        private void PageCheck(bool read, int k, int size, int abortBase = -1)
        {
            if (read && _timed != null) { TimedPageCheck(k, size, abortBase); return; }
            var ok = _il.DefineLabel();
            LdPtr(read ? _bus.ReadPageTable : _bus.WritePageTable); Ld(_addr); Call(MPage); St(_p);
            Ld(_p); _il.Emit(OpCodes.Brtrue, ok);
            DeviceAccess(read, k, size, abortBase);
            _il.MarkLabel(ok);
        }

        /// <summary>
        /// _p is null: the access at _addr leaves the page table (a device register, a ROM write,
        /// unmapped space). The core makes it from the region (ArmCpu.RegionDevice: a read now, at the
        /// data cycle's start, its value left where the page fast path that follows reads it; a write at
        /// the instruction's end, <see cref="DeviceEnd"/>), and the region goes on unless the access
        /// raised something. A read that aborts leaves at once for the data abort (base-updated model,
        /// TRM 2.8.6: the internal cycle, the base written back, Rd not); memory behind a controller
        /// leaves the instruction to the interpreter (<see cref="BailIfNull"/>).
        /// </summary>
        private void DeviceAccess(bool read, int k, int size, int abortBase)
        {
            _il.Emit(OpCodes.Ldarg_0); Ld(_addr); Ldc(size); Ldc(read ? 1 : 0); Ld(_cyc); _il.Emit(OpCodes.Ldarg_1); Call(MRegionDevice); St(_p);
            Ld(_p); BailIfNull(k);
            if (read)
            {
                var abort = _il.DefineLabel();
                _il.Emit(OpCodes.Ldarg_0); _il.Emit(OpCodes.Ldfld, FRegionExit); Ldc(2); _il.Emit(OpCodes.Beq, abort);
                var exit = _il.DefineLabel();
                DeferExitThenCall(exit, k, MDataAbortFromRegion, Addr(k), Seq.S);
                _exits.Add(() =>
                {
                    _il.MarkLabel(abort);
                    // The bus charged the access; then the internal cycle of every load.
                    _il.Emit(OpCodes.Ldarg_0); _il.Emit(OpCodes.Ldfld, FS); _il.Emit(OpCodes.Ldfld, FCycles); LdcL(1L); Emit(OpCodes.Add); St(_cyc);
                    if (abortBase >= 0) { Ld(_c); St(Reg(abortBase)); }
                    _il.Emit(OpCodes.Br, exit);
                });
            }
            Ldc(1); St(_dev); Ld(_cyc); St(_devCyc); Ld(_addr); St(_devAddr);
        }

        /// <summary>
        /// The end of a load or store (instruction k) that may have taken the device path: a store's write
        /// of <paramref name="writeSize"/> bytes is made now, at its data cycle's start (0: a load); then
        /// the region goes on, or leaves after the instruction when the access raised something (an
        /// interrupt, an event before the limit, ...: ArmCpu.AfterRegionDevice) or aborted. RAM accesses
        /// pay one test of a local.
        /// </summary>
        private void DeviceEnd(int k, int writeSize)
        {
            var end = _il.DefineLabel(); var cont = _il.DefineLabel();
            Ld(_dev); _il.Emit(OpCodes.Brtrue, end);
            _il.MarkLabel(cont);
            var leave = _il.DefineLabel(); var abort = _il.DefineLabel();
            DeferExit(leave, k + 1, _seq, beforeInstruction: false);
            DeferExitThenCall(abort, k, MDataAbortFromRegion, Addr(k), _seq);
            _exits.Add(() =>
            {
                _il.MarkLabel(end);
                Ldc(0); St(_dev);
                if (writeSize != 0) { _il.Emit(OpCodes.Ldarg_0); Ld(_devAddr); Ldc(writeSize); Ld(_devCyc); _il.Emit(OpCodes.Ldarg_1); Call(MRegionDeviceWrite); }
                _il.Emit(OpCodes.Ldarg_0); _il.Emit(OpCodes.Ldfld, FRegionExit);
                _il.Emit(OpCodes.Switch, new[] { cont, leave, abort });
                _il.Emit(OpCodes.Br, cont);
            });
        }

        /// <summary>Adds the clocks of one data access at _addr (kind = log2 size, seq, write) from the bus's cost table.</summary>
        private void Access(bool read, int log2Size, bool seq, LocalBuilder? address = null)
        {
            if (read && _timed != null) { TimedAccess(log2Size, seq, address ?? _addr); return; }
            int kind = (read ? 0 : 8) | (seq ? 4 : 0) | log2Size;
            Ld(_cyc); LdPtr(_bus.PageTimingTable); LdPtr(_bus.CostTable); Ld(address ?? _addr); Ldc(kind); Call(MCost); Emit(OpCodes.Add); St(_cyc);
        }

        /// <summary>
        /// After a store: the next fetch is N (the write was the last access, TRM 6.5). A store into the
        /// words this block compiled (its instructions and the two prefetched words) ends the block after
        /// this instruction: the words already fetched stay in the pipeline, as on the chip; the
        /// interpreter fetches the rest from the changed memory.
        /// </summary>
        private void StoreEnd(int k, uint size, LocalBuilder? address = null)
        {
            _seq = Seq.N;
            if (address == null) DeviceEnd(k, (int)size);
            // The store's host bytes, as St32/St16/St8 wrote them.
            StHost(_p, address ?? _addr, 0, _host);
            var leave = _il.DefineLabel();
            CodeWriteCheck(size, () => { Ld(address ?? _addr); Ldc(size); Ld(_spanLo); Ld(_spanHi); Call(MOverlaps); }, leave);
            DeferExit(leave, k + 1, Seq.N, beforeInstruction: false);
        }

        /// <summary>
        /// After a store whose host bytes start at _host (and, when <see cref="_host2"/> is set by the
        /// caller, <paramref name="size"/> bytes from there too): when they overlap the host span of the RAM
        /// regions' code (ArmCpu._codeLo, _codeHi) the store is counted in ArmCpu._codeWrites (every RAM
        /// region then compares its memory at its next entry, Region.Unchanged), and the region leaves
        /// through <paramref name="leave"/> when <paramref name="ownWords"/> pushes true (a store into its
        /// own words). Off the span (every data store) one comparison that is not taken. The bytes of the
        /// region's own words are in the span, so this leaves where the check of its own words alone did.
        /// </summary>
        private void CodeWriteCheck(uint size, Action ownWords, Label leave, bool twoRanges = false)
        {
            var hit = _il.DefineLabel(); var done = _il.DefineLabel();
            SpanHit(_host, size, hit);
            if (twoRanges) SpanHit(_host2, size, hit);
            _il.MarkLabel(done);
            _exits.Add(() =>
            {
                _il.MarkLabel(hit);
                CountCodeWrite();
                ownWords();
                _il.Emit(OpCodes.Brtrue, leave);
                _il.Emit(OpCodes.Br, done);
            });
        }

        /// <summary>Stores <paramref name="page"/> + (<paramref name="address"/> &amp; Bus.PageMask) + <paramref name="offset"/> in <paramref name="host"/>: the host address of a guest access on the page fast path.</summary>
        private void StHost(LocalBuilder page, LocalBuilder address, int offset, LocalBuilder host)
        {
            Ld(page); Ld(address); Ldc(Bus.PageMask); Emit(OpCodes.And); Emit(OpCodes.Conv_U); Emit(OpCodes.Add);
            if (offset != 0) { Ldc(offset); Emit(OpCodes.Conv_I); Emit(OpCodes.Add); }
            St(host);
        }

        /// <summary>Branches to <paramref name="hit"/> when [host, host + size) overlaps [ArmCpu._codeLo, ArmCpu._codeHi).</summary>
        private void SpanHit(LocalBuilder host, uint size, Label hit)
        {
            var miss = _il.DefineLabel();
            Ld(host); _il.Emit(OpCodes.Ldarg_0); _il.Emit(OpCodes.Ldfld, FCodeHi); _il.Emit(OpCodes.Bge_Un, miss);
            Ld(host); Ldc(size); Emit(OpCodes.Conv_U); Emit(OpCodes.Add); _il.Emit(OpCodes.Ldarg_0); _il.Emit(OpCodes.Ldfld, FCodeLo); _il.Emit(OpCodes.Bgt_Un, hit);
            _il.MarkLabel(miss);
        }

        /// <summary>ArmCpu._codeWrites + 1: something may have written a RAM region's code.</summary>
        private void CountCodeWrite()
        {
            _il.Emit(OpCodes.Ldarg_0); _il.Emit(OpCodes.Dup); _il.Emit(OpCodes.Ldfld, FCodeWrites); Ldc(1); Emit(OpCodes.Add); _il.Emit(OpCodes.Stfld, FCodeWrites);
        }

        /// <summary>LDM/STM without S (TRM 4.11); an LDM that loads R15 ends the block with the refill.</summary>
        private Result ArmBlock(uint op, int k, uint cond)
        {
            int rn = (int)((op >> 16) & 15);
            bool pre = (op & (1u << 24)) != 0, up = (op & (1u << 23)) != 0, s = (op & (1u << 22)) != 0;
            bool w = (op & (1u << 21)) != 0, load = (op & (1u << 20)) != 0;
            uint list = op & 0xFFFF;
            if (s && load && (list & 0x8000) != 0 && rn != 15 && cond == 0xE) return ArmLdmReturn(op, k);
            if (s || rn == 15 || list == 0) return Result.No;
            if (load && (list & 0x8000) != 0 && cond != 0xE) return Result.No;
            int count = BitOperations.PopCount(list);
            uint bytes = (uint)count * 4;
            bool loadsPc = load && (list & 0x8000) != 0;
            if (loadsPc)
            {
                Fetch();
                EmitMultiple(rn, list, up, pre, w, load, k, bytes);
                return Result.End;
            }
            return Conditional(cond, k, () => { EmitMultiple(rn, list, up, pre, w, load, k, bytes); return true; });
        }

        /// <summary>
        /// The transfers of LDM/STM/PUSH/POP in the interpreter's order: the lowest register at the lowest
        /// address, the first access N and the rest S, the base written back at the end of the first
        /// transfer (so a stored base that is not first in the list is stored as its new value).
        /// </summary>
        private void EmitMultiple(int rn, uint list, bool up, bool pre, bool w, bool load, int k, uint bytes, bool exceptionReturn = false)
        {
            // Start address into _addr, new base into _c.
            LdReg(rn, 0); St(_b);
            if (up) { Ld(_b); if (pre) { Ldc(4); Emit(OpCodes.Add); } St(_addr); Ld(_b); Ldc(bytes); Emit(OpCodes.Add); St(_c); }
            else { Ld(_b); Ldc(bytes); Emit(OpCodes.Sub); if (!pre) { Ldc(4); Emit(OpCodes.Add); } St(_addr); Ld(_b); Ldc(bytes); Emit(OpCodes.Sub); St(_c); }
            // Both ends of the (at most 64-byte) range on the fast path: every word in it is then. A load
            // in timed code also reads the controller's direct bytes (BlockTranslator.Timing.cs).
            bool timedLoad = load && _timed != null;
            var a = _mAddr;
            if (timedLoad) TimedReadPage(_addr, _p);
            else { LdPtr(load ? _bus.ReadPageTable : _bus.WritePageTable); Ld(_addr); Call(MPage); St(_p); }
            Ld(_p); BailIfNull(k);
            // A store's first word's host bytes (the code-write check after the last word).
            if (!load) StHost(_p, _addr, 0, _host);
            if (timedLoad) { Ld(_addr); Ldc(bytes - 4); Emit(OpCodes.Add); St(a); TimedReadPage(a, _p2); }
            else { LdPtr(load ? _bus.ReadPageTable : _bus.WritePageTable); Ld(_addr); Ldc(bytes - 4); Emit(OpCodes.Add); Call(MPage); St(_p2); }
            Ld(_p2); BailIfNull(k);
            bool first = true;
            int off = 0;
            for (int i = 0; i < 16; i++)
            {
                if ((list & (1u << i)) == 0) continue;
                Ld(_addr); Ldc(off); Emit(OpCodes.Add); St(a);
                // The page of this word: _p or _p2 (compare page numbers).
                if (timedLoad) TimedReadPage(a, _p);
                else { LdPtr(load ? _bus.ReadPageTable : _bus.WritePageTable); Ld(a); Call(MPage); St(_p); }
                Access(load, 2, seq: !first, address: a);
                if (load)
                {
                    Ld(_p); Ld(a); Call(MLd32); St(_v);
                    if (first && w) { Ld(_c); StReg(rn); }
                    if (i == 15) { /* kept in _v until the refill */ }
                    else { Ld(_v); StReg(i); }
                }
                else
                {
                    Ld(_p); Ld(a); LdReg(i, _pc + 4); Call(MSt32);
                    if (first && w) { Ld(_c); StReg(rn); }
                }
                first = false;
                off += 4;
            }
            if (load)
            {
                AddCycles(1);
                if (exceptionReturn) EmitLdmReturnExit(k);
                else if ((list & 0x8000) != 0) { Ld(_v); EmitRefillExit(k + 1); }
            }
            else
            {
                _seq = Seq.N;
                // Host bytes [_host, +bytes) hold the part in the first word's page, [_host2, +bytes) with
                // _host2 = the last word's end - bytes the part in the last word's (one page: the same range).
                StHost(_p, a, 4 - (int)bytes, _host2);
                var label = _il.DefineLabel();
                CodeWriteCheck(bytes, () => { Ld(_addr); Ldc(bytes); Ld(_spanLo); Ld(_spanHi); Call(MOverlaps); }, label, twoRanges: true);
                DeferExit(label, k + 1, Seq.N, beforeInstruction: false);
            }
        }
    }
}
