using System.Numerics;
using System.Runtime.CompilerServices;
using SocSim.Arm;

namespace SocSim.Arm9;

public sealed unsafe partial class Arm926Cpu
{
    /// <summary>
    /// The registers a Thumb instruction reads early enough to wait for a value in flight, per format (ARM ARM
    /// A6), in the groups <paramref name="ports"/> names as for ARM (<see cref="ArmSources"/>): operands,
    /// and store data (STR/STRH/STRB's Rd; of STMIA and PUSH only the first register stored, DDI 0165B 8.x).
    /// </summary>
    private static uint ThumbSources(uint op, uint ports)
    {
        uint r0 = 1u << (int)(op & 7), r3 = 1u << (int)((op >> 3) & 7), r6 = 1u << (int)((op >> 6) & 7), r8 = 1u << (int)((op >> 8) & 7);
        const uint sp = 1u << 13, lr = 1u << 14;
        uint operands, store = 0;
        switch (op >> 11)
        {
            case 0: case 1: case 2: operands = r3; break;                                    // LSL/LSR/ASR #imm
            case 3: operands = r3 | ((op & 0x400) == 0 ? r6 : 0); break;                     // ADD/SUB register or #imm3
            case 4: operands = 0; break;                                                      // MOV #imm8
            case 5: case 6: case 7: operands = r8; break;                                    // CMP/ADD/SUB #imm8
            case 8:
                if ((op & 0x400) == 0)
                {
                    uint alu = (op >> 6) & 15;
                    operands = alu is 9 or 15 ? r3 : r0 | r3;                                 // NEG, MVN read Rm only
                }
                else
                {
                    uint rm = 1u << (int)((op >> 3) & 15), rd = 1u << (int)((op & 7) | ((op >> 4) & 8));
                    operands = ((op >> 8) & 3) switch { 2 => rm, 3 => rm, _ => rm | rd };       // MOV, BX/BLX: Rm; ADD, CMP: both
                }
                break;
            case 9: operands = 0; break;                                                      // LDR pc-relative
            case 10: case 11:                                                                 // register offset
                operands = r3 | r6;
                if ((op & 0x0E00) <= 0x0400) store = r0;                                      // STR, STRH, STRB
                break;
            case 12: case 14: case 16: operands = r3; store = r0; break;                     // STR/STRB/STRH #imm
            case 13: case 15: case 17: operands = r3; break;
            case 18: operands = sp; store = r8; break;                                        // STR Rd, [sp, #imm]
            case 19: operands = sp; break;
            case 20: operands = 0; break;                                                     // ADD Rd, pc, #imm
            case 21: operands = sp; break;
            case 22: case 23:
                if ((op & 0x0600) == 0x0400)                                                  // PUSH/POP
                {
                    operands = sp;
                    uint list = (op & 0xFF) | ((op & 0x100) != 0 ? lr : 0);
                    if ((op & 0x800) == 0) store = list & (0u - list);
                }
                else operands = (op & 0xFF00) == 0xB000 ? sp : 0;                             // ADD/SUB sp, #imm; BKPT
                break;
            case 24: { uint list = op & 0xFF; operands = r8; store = list & (0u - list); break; }   // STMIA
            case 25: operands = r8; break;                                                    // LDMIA
            case 29: case 31: operands = lr; break;                                           // BL/BLX suffix: the prefix's LR
            default: operands = 0; break;                                                     // B<cond>, SWI, B, BL prefix
        }
        return ((ports & PortOperands) != 0 ? operands : 0) | ((ports & PortStoreData) != 0 ? store : 0);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void StepThumb()
    {
        uint pc = _pc;
        uint op = Fetch16(pc);
        if (_pabort) { _pabort = false; PrefetchAbort(pc); return; }
        _instructions++;
        _r[15] = pc + 4;
        _next = pc + 2;
        if (_lockMask != 0) Interlock(ThumbSources(op, _lockPorts));
        ExecuteThumb(op);
        _pc = _next;
    }

    private void ExecuteThumb(uint op)
    {
        uint rd = op & 7, rs = (op >> 3) & 7;
        switch (op >> 11)
        {
            case 0: case 1: case 2:
            {
                // LSL/LSR/ASR #imm5
                uint v = ShiftImm(_r[rs], op >> 11, (int)((op >> 6) & 31), out uint c);
                _r[rd] = v;
                SetNZC(v, c);
                _s.Cycles += 1;
                return;
            }
            case 3:
            {
                uint operand = (op & 0x400) != 0 ? (op >> 6) & 7 : _r[(op >> 6) & 7];
                _r[rd] = (op & 0x200) != 0 ? Sub(_r[rs], operand, 1, true) : Add(_r[rs], operand, 0, true);
                _s.Cycles += 1;
                return;
            }
            case 4: { uint r = (op >> 8) & 7; _r[r] = op & 0xFF; SetNZ(op & 0xFF); _s.Cycles += 1; return; }
            case 5: Sub(_r[(op >> 8) & 7], op & 0xFF, 1, true); _s.Cycles += 1; return;
            case 6: { uint r = (op >> 8) & 7; _r[r] = Add(_r[r], op & 0xFF, 0, true); _s.Cycles += 1; return; }
            case 7: { uint r = (op >> 8) & 7; _r[r] = Sub(_r[r], op & 0xFF, 1, true); _s.Cycles += 1; return; }
            case 8:
                if ((op & 0x400) == 0) ThumbAlu(op);
                else ThumbHiRegister(op);
                return;
            case 9:
            {
                uint addr = ((_r[15]) & ~3u) + ((op & 0xFF) << 2);
                ThumbLoad((op >> 8) & 7, addr, 4, false);
                return;
            }
            case 10: case 11:
            {
                uint addr = _r[rs] + _r[(op >> 6) & 7];
                switch ((op >> 9) & 7)
                {
                    case 0: ThumbStore(rd, addr, 4); break;
                    case 1: ThumbStore(rd, addr, 2); break;
                    case 2: ThumbStore(rd, addr, 1); break;
                    case 3: ThumbLoad(rd, addr, 1, true); break;
                    case 4: ThumbLoad(rd, addr, 4, false); break;
                    case 5: ThumbLoad(rd, addr, 2, false); break;
                    case 6: ThumbLoad(rd, addr, 1, false); break;
                    default: ThumbLoad(rd, addr, 2, true); break;
                }
                return;
            }
            case 12: ThumbStore(rd, _r[rs] + ((op >> 4) & 0x7C), 4); return;
            case 13: ThumbLoad(rd, _r[rs] + ((op >> 4) & 0x7C), 4, false); return;
            case 14: ThumbStore(rd, _r[rs] + ((op >> 6) & 31), 1); return;
            case 15: ThumbLoad(rd, _r[rs] + ((op >> 6) & 31), 1, false); return;
            case 16: ThumbStore(rd, _r[rs] + ((op >> 5) & 0x3E), 2); return;
            case 17: ThumbLoad(rd, _r[rs] + ((op >> 5) & 0x3E), 2, false); return;
            case 18: ThumbStore((op >> 8) & 7, _r[13] + ((op & 0xFF) << 2), 4); return;
            case 19: ThumbLoad((op >> 8) & 7, _r[13] + ((op & 0xFF) << 2), 4, false); return;
            case 20: _r[(op >> 8) & 7] = (_r[15] & ~3u) + ((op & 0xFF) << 2); _s.Cycles += 1; return;
            case 21: _r[(op >> 8) & 7] = _r[13] + ((op & 0xFF) << 2); _s.Cycles += 1; return;
            case 22: case 23: ThumbMisc(op); return;
            case 24: ThumbBlock(op, false); return;
            case 25: ThumbBlock(op, true); return;
            case 26: case 27:
            {
                uint cond = (op >> 8) & 15;
                if (cond == 15) { SoftwareInterrupt(_pc + 2); return; }
                if (cond == 14) { Undefined(); return; }
                if (ArmCpu.ConditionPassed(cond, _cpsr))
                {
                    _next = _r[15] + (uint)((int)(sbyte)(op & 0xFF) << 1);
                    _s.Cycles += Timing.Branch;
                }
                else _s.Cycles += 1;
                return;
            }
            case 28:
                _next = _r[15] + (uint)(((int)(op << 21)) >> 20);
                _s.Cycles += Timing.Branch;
                return;
            case 29:
                // BLX suffix (ARMv5T): to ARM state, the target word-aligned; bit 0 set is UNDEFINED.
                if ((op & 1) != 0) { Undefined(); return; }
                {
                    uint target = (_r[14] + ((op & 0x7FF) << 1)) & ~3u;
                    _r[14] = (_pc + 2) | 1;
                    _cpsr &= ~Psr.T;
                    _next = target;
                    _s.Cycles += Timing.Branch;
                }
                return;
            case 30:
                // BL/BLX prefix: LR = PC + (offset << 12).
                _r[14] = _r[15] + (uint)(((int)(op << 21)) >> 9);
                _s.Cycles += 1;
                return;
            default:
            {
                uint target = _r[14] + ((op & 0x7FF) << 1);
                _r[14] = (_pc + 2) | 1;
                _next = target;
                _s.Cycles += Timing.Branch;
                return;
            }
        }
    }

    private void ThumbAlu(uint op)
    {
        uint rd = op & 7, rs = (op >> 3) & 7;
        uint a = _r[rd], b = _r[rs];
        _s.Cycles += 1;
        switch ((op >> 6) & 15)
        {
            case 0: SetNZ(_r[rd] = a & b); break;
            case 1: SetNZ(_r[rd] = a ^ b); break;
            case 2: { uint v = ShiftReg(a, 0, b & 0xFF, out uint c); _r[rd] = v; SetNZC(v, c); _s.Cycles += 1; break; }
            case 3: { uint v = ShiftReg(a, 1, b & 0xFF, out uint c); _r[rd] = v; SetNZC(v, c); _s.Cycles += 1; break; }
            case 4: { uint v = ShiftReg(a, 2, b & 0xFF, out uint c); _r[rd] = v; SetNZC(v, c); _s.Cycles += 1; break; }
            case 5: _r[rd] = Add(a, b, CarryIn, true); break;
            case 6: _r[rd] = Sub(a, b, CarryIn, true); break;
            case 7: { uint v = ShiftReg(a, 3, b & 0xFF, out uint c); _r[rd] = v; SetNZC(v, c); _s.Cycles += 1; break; }
            case 8: SetNZ(a & b); break;
            case 9: _r[rd] = Sub(0, b, 1, true); break;
            case 10: Sub(a, b, 1, true); break;
            case 11: Add(a, b, 0, true); break;
            case 12: SetNZ(_r[rd] = a | b); break;
            case 13:
                // MULS: N and Z; C unaffected on ARMv5 (ARM ARM A7.1.45). Flag-setting, so it takes
                // MULS's cycles and never interlocks what follows (DDI 0214B 9.9.1).
                SetNZ(_r[rd] = a * b);
                _s.Cycles += Timing.MulS - 1;
                break;
            case 14: SetNZ(_r[rd] = a & ~b); break;
            default: SetNZ(_r[rd] = ~b); break;
        }
    }

    private void ThumbHiRegister(uint op)
    {
        uint rd = (op & 7) | ((op >> 4) & 8), rm = (op >> 3) & 15;
        uint v = _r[rm];
        switch ((op >> 8) & 3)
        {
            case 0:
                if (rd == 15) { _next = (_r[15] + v) & ~1u; _s.Cycles += Timing.Branch; }
                else { _r[rd] += v; _s.Cycles += 1; }
                return;
            case 1: Sub(_r[rd], v, 1, true); _s.Cycles += 1; return;
            case 2:
                if (rd == 15) { _next = v & ~1u; _s.Cycles += Timing.Branch; }
                else { _r[rd] = v; _s.Cycles += 1; }
                return;
            default:
                // BX Rm; with H1 set, BLX Rm (ARMv5T).
                BranchExchange(v, (op & 0x80) != 0);
                if ((op & 0x80) != 0) _r[14] = (_pc + 2) | 1;
                return;
        }
    }

    private void ThumbLoad(uint rd, uint addr, int size, bool signed)
    {
        uint v = size switch
        {
            4 => BitOperations.RotateRight(Read32(addr), (int)(addr & 3) * 8),
            2 => signed ? (uint)(short)Read16(addr) : Read16(addr),
            _ => signed ? (uint)(sbyte)Read8(addr) : Read8(addr),
        };
        if (_dabort) { DataAbort(); return; }
        _r[rd] = v;
        _s.Cycles += Timing.Load;
        Lock(rd, size == 4 && (addr & 3) == 0 ? Timing.LoadLatency : Timing.LoadLatencyNarrow);
    }

    private void ThumbStore(uint rd, uint addr, int size)
    {
        uint v = _r[rd];
        switch (size)
        {
            case 4: Write32(addr, v); break;
            case 2: Write16(addr, v); break;
            default: Write8(addr, v); break;
        }
        if (_dabort) { DataAbort(); return; }
        _s.Cycles += Timing.Store;
    }

    private void ThumbMisc(uint op)
    {
        switch ((op >> 8) & 15)
        {
            case 0:
                _r[13] = (op & 0x80) != 0 ? _r[13] - ((op & 0x7F) << 2) : _r[13] + ((op & 0x7F) << 2);
                _s.Cycles += 1;
                return;
            case 4: case 5: ThumbPush(op); return;
            case 12: case 13: ThumbPop(op); return;
            case 14: Breakpoint(); return;
            default: Undefined(); return;
        }
    }

    private void ThumbPush(uint op)
    {
        uint list = (op & 0xFF) | ((op & 0x100) != 0 ? 1u << 14 : 0);
        int count = BitOperations.PopCount(list);
        uint addr = _r[13] - (uint)count * 4;
        _s.Cycles += Math.Max(count, Timing.BlockMinimum);
        if (!CheckBlockAlignment(addr, 3)) { DataAbort(); return; }
        uint a = addr & ~3u;
        for (int i = 0; i < 15; i++)
        {
            if ((list & (1u << i)) == 0) continue;
            Write32(a, _r[i]);
            a += 4;
        }
        if (_dabort) { DataAbort(); return; }
        _r[13] = addr;
    }

    private void ThumbPop(uint op)
    {
        uint list = (op & 0xFF) | ((op & 0x100) != 0 ? 1u << 15 : 0);
        int count = BitOperations.PopCount(list);
        uint addr = _r[13];
        _s.Cycles += Math.Max(count, Timing.BlockMinimum);
        if (!CheckBlockAlignment(addr, 3)) { DataAbort(); return; }
        uint a = addr & ~3u;
        for (int i = 0; i < 16; i++)
        {
            if ((list & (1u << i)) == 0) continue;
            _ldmValues[i] = Read32(a);
            a += 4;
        }
        if (_dabort) { DataAbort(); return; }
        _r[13] = addr + (uint)count * 4;
        int last = 0;
        for (int i = 0; i < 8; i++) if ((list & (1u << i)) != 0) { _r[i] = _ldmValues[i]; last = i; }
        if ((list & 0x8000) != 0) { _s.Cycles += Timing.BlockPcExtra; LoadPc(_ldmValues[15]); }
        else if (count > 0) Lock((uint)last, Timing.LoadLatency);
    }

    /// <summary>LDMIA/STMIA Rb!: the base is written back unless a load's list holds it (ARM ARM A7.1.27).</summary>
    private void ThumbBlock(uint op, bool load)
    {
        uint rb = (op >> 8) & 7, list = op & 0xFF;
        int count = BitOperations.PopCount(list);
        uint addr = _r[rb];
        _s.Cycles += Math.Max(count, Timing.BlockMinimum);
        if (!CheckBlockAlignment(addr, 3)) { DataAbort(); return; }
        uint a = addr & ~3u;
        for (int i = 0; i < 8; i++)
        {
            if ((list & (1u << i)) == 0) continue;
            if (load) _ldmValues[i] = Read32(a); else Write32(a, _r[i]);
            a += 4;
        }
        if (_dabort) { DataAbort(); return; }
        _r[rb] = addr + (uint)count * 4;
        if (load)
        {
            int last = 0;
            for (int i = 0; i < 8; i++) if ((list & (1u << i)) != 0) { _r[i] = _ldmValues[i]; last = i; }
            if (count > 0) Lock((uint)last, Timing.LoadLatency);
        }
    }
}
