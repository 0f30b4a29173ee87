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
        /// <summary>LDR/LDRB/LDRH/LDRSB/LDRSH/STR/STRB/STRH to a RAM/ROM page (checked at each execution), Rd not the PC.</summary>
        Memory,
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
        >= Op.Ldr and <= Op.Strh => i.Rd != 15 && !(i.Rn == 15 && i.Wback) && !(i.Form == Form.Reg && i.Rm == 15) ? BlockOp.Memory : BlockOp.Generic,
        _ => BlockOp.Generic,
    };

    /// <summary>
    /// Runs the instruction at <paramref name="pc"/> by its specialised path and ends its step as the interpreter
    /// does; false (nothing done) when a load or store's address is not one the path serves.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool RunSpecialised(ref ThumbInst i, BlockOp op, bool setFlags, uint pc, long t0, int costS)
    {
        if (op == BlockOp.Memory)
        {
            // The address as LoadStore computes it.
            uint b = i.Rn == 15 ? (pc + 4) & ~3u : _r[i.Rn];
            uint off = i.Form == Form.Imm ? i.Imm : _r[i.Rm] << i.ShiftN;
            uint a = i.Index ? (i.Add ? b + off : b - off) : b;
            uint align = i.Op is Op.Ldr or Op.Str ? 3u : i.Op is Op.Ldrh or Op.Ldrsh or Op.Strh ? 1u : 0u;
            byte** pages = i.Op >= Op.Str ? _bus.WritePageTable : _bus.ReadPageTable;
            if ((a & align) != 0 || _watchData || pages[a >> Bus.PageShift] == null
                || BitBanding && (a - 0x2200_0000u < 0x0200_0000u || a - 0x4200_0000u < 0x0200_0000u))
                return false;
        }
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
            cycles = op == BlockOp.DataProcessing ? DataProcessing(ref i, pc, inIt: false) : LoadStore(ref i, pc, lastLoad, lastDp);
        }
        _instructions++;
        _blockInstructions++;
        FinishStep(t0, cycles, true, op == BlockOp.Memory);
        return true;
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
