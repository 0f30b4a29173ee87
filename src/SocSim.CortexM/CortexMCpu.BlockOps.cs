using System.Numerics;
using System.Runtime.CompilerServices;
using SocSim.Core;

namespace SocSim.CortexM;

/// <summary>
/// The block engine's specialised paths (<see cref="RunBlock"/>): instructions that cannot branch, fault or
/// reach a device are run without the interpreter's per-step scaffolding around <see cref="Execute"/> (the
/// IT test and the fault handler of <see cref="ExecuteOne"/>, the end-of-step checks for pending exceptions,
/// the PC and the bus's mapping, which such an instruction cannot change), but with its own operation, fetch
/// model and step tail (<see cref="FinishStep"/>), so their registers, memory, cycles and counts stay the
/// interpreter's. Which path an instruction takes is decided once, when its block is decoded
/// (<see cref="Specialise"/>); a load or store takes its path only when its address is known, at each
/// execution: an aligned access to a RAM/ROM page (the bus's fast path: no device, no memory controller, no
/// abort), not a bit-band alias, no DWT data comparator armed. Anything else, and every instruction inside an
/// IT block, is run as the interpreter runs it. The lockstep tests (tests/SocSim.CortexM.Tests,
/// BlockEngineTests and BlockSpecialisationTests) compare both engines slice by slice.
/// </summary>
public sealed unsafe partial class CortexMCpu
{
    /// <summary>How a block runs one instruction.</summary>
    private enum BlockOp : byte
    {
        /// <summary>As the interpreter: <see cref="ExecuteOne"/> and every check after it.</summary>
        Generic,
        /// <summary>A data-processing instruction (AND..RSB, Rd not the PC): <see cref="DataProcessing"/>.</summary>
        DataProcessing,
        /// <summary>An instruction of <see cref="Execute"/> that neither branches, faults nor accesses memory.</summary>
        Plain,
        /// <summary>LDR/LDRB/LDRH/LDRSB/LDRSH/STR/STRB/STRH to a RAM/ROM page (checked at each execution), Rd not the PC:
        /// the page read or written directly (<see cref="DirectLoadStore"/>).</summary>
        Memory,
        /// <summary>LDM/STM (PUSH, and POP without the PC) whose words all lie on one RAM/ROM page (checked at each
        /// execution): <see cref="DirectMultiple"/>.</summary>
        Multiple,
        // Branches: always a block's last instruction (EndsBlock); the step ends with FinishStep's refill.
        /// <summary>B, BL, CBZ/CBNZ outside an IT block: <see cref="ImmediateBranch"/>.</summary>
        Branch,
        /// <summary>BX Rm (not the PC) to a target that is not an exception return (checked at each execution).</summary>
        BranchReg,
        /// <summary>LDM/POP with the PC whose words all lie on one RAM/ROM page and whose loaded PC is not an exception
        /// return (checked at each execution): <see cref="DirectMultiple"/>, then <see cref="BxWritePc"/> and the refill.</summary>
        PopPc,
        // The commonest data-processing forms, inline: an immediate (one that leaves C alone for the logical
        // ones) or an unshifted register, no PC and no SP operand. Flags as the entry's SetFlags says.
        AddImm, SubImm, CmpImm, MovImm, AddReg, SubReg, CmpReg, MovReg, AndImm, AndReg, OrrImm, OrrReg, EorImm, EorReg,
    }

    /// <summary>The inline form of a data-processing instruction, or <see cref="BlockOp.DataProcessing"/>.</summary>
    private static BlockOp AluForm(in ThumbInst i)
    {
        bool imm = i.Form == Form.Imm && !(i.ImmCarry && i.Op is Op.Mov or Op.And or Op.Orr or Op.Eor);
        bool reg = i.Form == Form.Reg && i.ShiftN == 0 && i.ShiftType == Shift.Lsl && i.Rm is not (13 or 15);
        if (!(imm || reg) || i.Rd is 13 or 15 && i.Op != Op.Cmp || i.Op != Op.Mov && i.Rn is 13 or 15) return BlockOp.DataProcessing;
        return i.Op switch
        {
            Op.Add => imm ? BlockOp.AddImm : BlockOp.AddReg,
            Op.Sub => imm ? BlockOp.SubImm : BlockOp.SubReg,
            Op.Cmp => imm ? BlockOp.CmpImm : BlockOp.CmpReg,
            Op.Mov => imm ? BlockOp.MovImm : BlockOp.MovReg,
            Op.And => imm ? BlockOp.AndImm : BlockOp.AndReg,
            Op.Orr => imm ? BlockOp.OrrImm : BlockOp.OrrReg,
            Op.Eor => imm ? BlockOp.EorImm : BlockOp.EorReg,
            _ => BlockOp.DataProcessing,
        };
    }

    /// <summary>An inline data-processing form (<see cref="AluForm"/>) as <see cref="DataProcessing"/> executes it outside an IT block.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void RunAlu(ref ThumbInst i, BlockOp op, bool setFlags)
    {
        uint a = _r[i.Rn], b = op is BlockOp.AddImm or BlockOp.SubImm or BlockOp.CmpImm or BlockOp.MovImm or BlockOp.AndImm or BlockOp.OrrImm or BlockOp.EorImm ? i.Imm : _r[i.Rm];
        uint r;
        switch (op)
        {
            case BlockOp.AddImm: case BlockOp.AddReg:
                r = a + b;
                if (setFlags) { _c = r < a; _v = ((~(a ^ b) & (a ^ r)) >> 31) != 0; }
                break;
            case BlockOp.SubImm: case BlockOp.SubReg: case BlockOp.CmpImm: case BlockOp.CmpReg:
                r = a - b;
                if (setFlags) { _c = a >= b; _v = (((a ^ b) & (a ^ r)) >> 31) != 0; }
                break;
            case BlockOp.MovImm: case BlockOp.MovReg: r = b; break;
            case BlockOp.AndImm: case BlockOp.AndReg: r = a & b; break;
            case BlockOp.OrrImm: case BlockOp.OrrReg: r = a | b; break;
            default: r = a ^ b; break;
        }
        if (setFlags) { _n = (int)r < 0; _z = r == 0; }
        if (op is BlockOp.CmpImm or BlockOp.CmpReg) return;
        _r[i.Rd] = r;
        _lastDpRd = i.Rd;
    }

    /// <summary>The path an instruction takes in a block.</summary>
    private static BlockOp Specialise(in ThumbInst i) => i.Op switch
    {
        >= Op.And and <= Op.Rsb => i.Rd != 15 || i.Op is Op.Tst or Op.Teq or Op.Cmp or Op.Cmn ? AluForm(i) : BlockOp.Generic,
        Op.ShiftReg or Op.Movw or Op.Movt or Op.Adr or Op.Mul or Op.Mla or Op.Mls or Op.Umull or Op.Smull or Op.Umlal or Op.Smlal
            or Op.Ssat or Op.Usat or Op.Sbfx or Op.Ubfx or Op.Bfi or Op.Bfc or Op.Clz or Op.Rbit or Op.Rev or Op.Rev16 or Op.Revsh
            or Op.Sxtb or Op.Sxth or Op.Uxtb or Op.Uxth or Op.Nop or Op.Yield or Op.Pld or Op.Pli or Op.Dmb or Op.Dsb
            => i.Rd != 15 || i.Op is Op.Nop or Op.Yield or Op.Pld or Op.Pli or Op.Dmb or Op.Dsb ? BlockOp.Plain : BlockOp.Generic,
        // The DSP extension's one-destination operations (decoded only on ARMv7E-M; ExecuteDsp: registers, Q and GE only).
        >= Op.Parallel and <= Op.Usada8 => i.Rd != 15 ? BlockOp.Plain : BlockOp.Generic,
        >= Op.Ldr and <= Op.Strh => i.Rd != 15 && !(i.Rn == 15 && i.Wback) && !(i.Form == Form.Reg && i.Rm == 15) ? BlockOp.Memory : BlockOp.Generic,
        Op.Ldm or Op.Stm => (i.List & 0x8000) == 0 && i.List != 0 && i.Rn != 15 ? BlockOp.Multiple
            : i.Op == Op.Ldm && i.Rn != 15 ? BlockOp.PopPc : BlockOp.Generic,
        Op.B or Op.Bl or Op.Cbz or Op.Cbnz => BlockOp.Branch,
        Op.Bx => i.Rm != 15 ? BlockOp.BranchReg : BlockOp.Generic,
        _ => BlockOp.Generic,
    };

    /// <summary>
    /// Runs the instruction at <paramref name="pc"/> by its specialised path and ends its step as the interpreter
    /// does; false (nothing done) when a load or store's address is not one the path serves.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool RunSpecialised(ref ThumbInst i, BlockOp op, bool setFlags, uint pc, long t0, int costS)
    {
        byte* page = null;
        uint a = 0, offAddr = 0;
        if (op == BlockOp.Memory)
        {
            // The address as LoadStore computes it.
            uint b = i.Rn == 15 ? (pc + 4) & ~3u : _r[i.Rn];
            uint off = i.Form == Form.Imm ? i.Imm : _r[i.Rm] << i.ShiftN;
            offAddr = i.Add ? b + off : b - off;
            a = i.Index ? offAddr : b;
            uint align = i.Op is Op.Ldr or Op.Str ? 3u : i.Op is Op.Ldrh or Op.Ldrsh or Op.Strh ? 1u : 0u;
            byte** pages = i.Op >= Op.Str ? _bus.WritePageTable : _bus.ReadPageTable;
            if ((a & align) != 0 || _watchData || (page = pages[a >> Bus.PageShift]) == null || BitBanding && IsBitBandAlias(a))
                return false;
        }
        else if (op is BlockOp.Multiple or BlockOp.PopPc)
        {
            // The lowest address as LoadMultiple/StoreMultiple compute it; every word on its page (a page is
            // wholly inside or outside a bit-band alias region).
            uint n = 4u * (uint)BitOperations.PopCount(i.List);
            uint b = _r[i.Rn];
            a = i.Add ? b : b - n;
            byte** pages = i.Op == Op.Stm ? _bus.WritePageTable : _bus.ReadPageTable;
            if ((a & 3) != 0 || _watchData || ((a ^ (a + n - 1)) >> Bus.PageShift) != 0 || (page = pages[a >> Bus.PageShift]) == null
                || BitBanding && IsBitBandAlias(a))
                return false;
            // The PC's word (the highest): an EXC_RETURN in Handler mode is an exception return, the interpreter's.
            if (op == BlockOp.PopPc && HandlerMode && (*(uint*)(page + ((a + n - 4) & Bus.PageMask)) >> 28) == 0xF) return false;
        }
        else if (op == BlockOp.BranchReg && HandlerMode && (_r[i.Rm] >> 28) == 0xF) return false;
        _faultPc = pc;     // FinishStep's IT-folding rule reads it (the step went straight on from here)
        _s.Cycles += _stepStall = BlockFetchStall(pc, i.Size, _cycles, costS);
        int cycles;
        if (op >= BlockOp.AddImm)
        {
            _pc = pc + i.Size;
            _lastLoad = NoReg; _lastDpRd = NoReg;
            RunAlu(ref i, op, setFlags);
            cycles = 1;
        }
        else if (op == BlockOp.Plain) cycles = Execute(ref i, pc, inIt: false);
        else
        {
            // Execute's prologue, then its case.
            _pc = pc + i.Size;
            byte lastLoad = _lastLoad, lastDp = _lastDpRd;
            _lastLoad = NoReg; _lastDpRd = NoReg;
            cycles = op switch
            {
                BlockOp.DataProcessing => DataProcessing(ref i, pc, inIt: false),
                BlockOp.Memory => DirectLoadStore(ref i, page, a, offAddr, lastLoad, lastDp),
                BlockOp.Branch => ImmediateBranch(ref i, pc),
                BlockOp.BranchReg => BranchRegister(i.Rm),
                _ => DirectMultiple(ref i, page, a),
            };
        }
        _instructions++;
        _blockInstructions++;
        // A branch's step: its refill (FinishStep restarts the fetch stream), the rest straight on.
        if (op is BlockOp.Branch or BlockOp.BranchReg or BlockOp.PopPc) FinishStep(t0, cycles, true, op == BlockOp.PopPc);
        else FinishSpecialisedStep(t0, cycles, op is BlockOp.Memory or BlockOp.Multiple, pc, i.Size);
        return true;
    }

    /// <summary>
    /// <see cref="FinishStep"/> for an instruction a specialised path ran (executed, from <paramref name="pc"/>, going
    /// straight on): what FinishStep tests that such a step cannot have set is left out: no exception entry or
    /// return (<c>_stepExc</c> stays 0, so DWT EXCCNT gains nothing), no refill (<c>_fRestart</c>), not an IT
    /// (<c>_stepIt</c>), no FP store's extra cycles (<c>_extraCycles</c>: only VSTM/VPUSH set them).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void FinishSpecialisedStep(long t0, int cycles, bool lsu, uint pc, int size)
    {
        // Data accesses charged 1 + wait states each; the table counts their 1.
        long total = cycles + (_s.Cycles - t0 - _accesses);
        _s.Cycles = t0 + total;
        _cycles += total;
        _lastStepStall = _stepStall;
        _stepStall = 0;
        // IT folding (CortexMTiming.It): a 16-bit instruction that went straight on.
        _foldAt = size == 2 ? pc + 2 : 1;
        // Account: the cycles past the first go to the DWT's LSU or CPI count.
        if (total > 1) { if (lsu) _lsuCycles += total - 1; else _cpiCycles += total - 1; }
        if (_haltAfterStep) { _haltAfterStep = false; _haltedAtBkpt = false; State = CoreState.Halted; }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool IsBitBandAlias(uint a) => a - 0x2200_0000u < 0x0200_0000u || a - 0x4200_0000u < 0x0200_0000u;

    /// <summary>
    /// A data access of the specialised paths timed as <see cref="Load32"/> and the others time one that the
    /// bus serves from a page (no MPU in a block, no bit-band alias, no watchpoint, aligned: checked before):
    /// counted, ordered against the fetch stream when they share a bus, charged the page's cost for its kind
    /// (<see cref="Bus.CostOf"/>, non-sequential as the core's data accesses are). No bus observer is
    /// subscribed while blocks exist (<see cref="Bus.TryGetFetchPage"/> refuses then, and a subscription flushes them).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void TimeDirectAccess(uint a, int cost)
    {
        _accesses++;
        DataAccessBegins(a);
        _s.Cycles += cost;
        DataAccessEnds();
    }

    /// <summary><see cref="LoadStore"/> for an access <see cref="RunSpecialised"/> checked: the page at <paramref name="page"/> read or written directly.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int DirectLoadStore(ref ThumbInst i, byte* page, uint a, uint offAddr, byte lastLoad, byte lastDp)
    {
        int cycles = _m0 ? CortexM0Timing.LoadStore : AddressStall(2, i.Rn, i.Form == Form.Reg ? i.Rm : NoReg, lastLoad, lastDp);
        byte* p = page + (a & Bus.PageMask);
        bool store = i.Op >= Op.Str;
        int size = i.Op is Op.Ldr or Op.Str ? 4 : i.Op is Op.Ldrh or Op.Ldrsh or Op.Strh ? 2 : 1;
        TimeDirectAccess(a, _bus.CostOf(a, size, store, false));
        if (store)
        {
            uint v = _r[i.Rd];
            if (size == 4) *(uint*)p = v;
            else if (size == 2) *(ushort*)p = (ushort)v;
            else *p = (byte)v;
            if (i.Wback) _r[i.Rn] = offAddr;
            return cycles;
        }
        uint r = i.Op switch
        {
            Op.Ldr => *(uint*)p,
            Op.Ldrh => *(ushort*)p,
            Op.Ldrb => *p,
            Op.Ldrsh => (uint)*(short*)p,
            _ => (uint)*(sbyte*)p,
        };
        if (i.Wback) _r[i.Rn] = offAddr;
        _r[i.Rd] = i.Rd == 13 ? r & ~3u : r;
        _lastLoad = i.Rd;
        return cycles;
    }

    /// <summary>BX Rm as <see cref="Execute"/> runs it, for a target <see cref="RunSpecialised"/> checked is not an exception return.</summary>
    private int BranchRegister(int rm)
    {
        BxWritePc(_r[rm]);
        return Refill(1, true);
    }

    /// <summary>
    /// <see cref="LoadMultiple"/>/<see cref="StoreMultiple"/> for words <see cref="RunSpecialised"/> checked to lie on
    /// the page at <paramref name="page"/> from <paramref name="a"/>: nothing can fault, so a loaded register is written
    /// as its word is read; the base's write-back is lost to a loaded base as there. A loaded PC (checked not to be an
    /// exception return) is written last, as LoadMultiple writes it, with its refill (and the M0's extra cycle).
    /// </summary>
    private int DirectMultiple(ref ThumbInst i, byte* page, uint a)
    {
        uint list = i.List;
        int count = BitOperations.PopCount(list);
        uint b = _r[i.Rn];
        uint wb = i.Add ? b + 4u * (uint)count : b - 4u * (uint)count;
        uint* p = (uint*)(page + (a & Bus.PageMask));
        bool load = i.Op == Op.Ldm;
        int cost = _bus.CostOf(a, 4, !load, false);
        uint pcValue = 0;
        for (uint l = list; l != 0; l &= l - 1, a += 4, p++)
        {
            int r = BitOperations.TrailingZeroCount(l);
            TimeDirectAccess(a, cost);
            if (!load) *p = _r[r];
            else if (r == 15) pcValue = *p;
            else _r[r] = r == 13 ? *p & ~3u : *p;
        }
        if (i.Wback && !(load && (list & (1u << i.Rn)) != 0)) _r[i.Rn] = wb;
        if ((list & 0x8000) == 0) return 1 + count;
        // POP {..., PC} on the M0: 4 + N (LoadMultiple); not an exception return here.
        int extra = _m0 ? CortexM0Timing.PopPcExtra : 0;
        BxWritePc(pcValue);
        return 1 + count + RefillCycles(true) + extra;
    }

    /// <summary>
    /// <see cref="FetchStall"/> for an instruction of a block: the common case, an instruction that needs the
    /// word after the last one fetched, taken here as <see cref="FetchStallSlow"/> takes it (the word issued when
    /// the previous one has arrived and a buffer entry is free, at the block's page's sequential cost,
    /// <paramref name="costS"/>); everything else by the prefetch model itself.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int BlockFetchStall(uint pc, int size, long now, int costS)
    {
        uint first = pc & ~3u, last = _fCurLast = (pc + (uint)size - 1) & ~3u;
        if (_fValid && last == _fHead + 4 && first - (_fHead - 4u * (uint)_fetchWords) <= 4u * (uint)(_fetchWords + 1) && last != 0 && last != _slowWord)
        {
            _toScheduler = _s.Cycles - now;
            NoteUse(first, now);
            SetHead(last, Math.Max(Math.Max(_fReady, FreeAt(last)), _dataBusFreeAt) + costS);
            if (last != first) NoteUse(last, now);
            return _fReady > now ? (int)(_fReady - now) : 0;
        }
        return FetchStall(pc, size, now);
    }
}
