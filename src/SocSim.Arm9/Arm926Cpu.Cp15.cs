using SocSim.Arm;

namespace SocSim.Arm9;

/// <summary>CP15 c1, the control register (DDI 0198E 2.3.5).</summary>
public static class Cr
{
    public const uint M = 1u << 0;
    public const uint A = 1u << 1;
    public const uint C = 1u << 2;
    public const uint B = 1u << 7;
    public const uint S = 1u << 8;
    public const uint R = 1u << 9;
    public const uint I = 1u << 12;
    public const uint V = 1u << 13;
    public const uint RR = 1u << 14;
    public const uint L4 = 1u << 15;
    /// <summary>Bits that read as one: W, P, D, L (6:3) and 16, 18 (DDI 0198E table 2-10).</summary>
    public const uint Sbo = 0x0005_0078;
    /// <summary>Bits a write changes: M, A, C, S, R, I, V, RR, L4. B (big-endian) is not modelled and reads 0.</summary>
    public const uint Writable = M | A | C | S | R | I | V | RR | L4;
}

public sealed unsafe partial class Arm926Cpu
{
    /// <summary>Main ID register (DDI 0198E 2.3.2): ARM, variant 0, ARMv5TEJ, part 0x926, revision 5.</summary>
    public const uint MainId = 0x4106_9265;

    /// <summary>
    /// Cache type (DDI 0198E 2.3.3): write-back, cleaned by register 7 operations, format C lockdown,
    /// separate caches; each 4-way with 8-word lines, of the board's sizes (the Versatile/PB926EJ-S's
    /// by default: 32 KiB I-cache, 16 KiB D-cache, 0x1D152192).
    /// </summary>
    public uint CacheType => (0b1110u << 25) | (1u << 24) | (SizeField(_dc) << 12) | SizeField(_ic);

    // size (bits 9:6), associativity 0b010 = 4-way (5:3), M = 0, line length 0b10 = 8 words (1:0).
    private static uint SizeField(Arm926Cache c) => (c.SizeField << 6) | (0b010 << 3) | 0b10;

    private uint _control, _ttb, _dacr, _dfsr, _ifsr, _far, _fcsePid, _contextId;
    private uint _tlbLockdown;

    /// <summary>CP15 c1.</summary>
    public uint Control => _control;
    public uint Ttb => _ttb;
    public uint Dacr => _dacr;
    public uint DataFsr => _dfsr;
    public uint PrefetchFsr => _ifsr;
    public uint Far => _far;

    /// <summary>CP15's reset values (DDI 0198E 2.3): MMU, caches and alignment checks off, low vectors (VINITHI low), the TLB and caches invalid.</summary>
    private void ResetCp15()
    {
        _control = Cr.Sbo;
        _ttb = _dacr = _dfsr = _ifsr = _far = _fcsePid = _contextId = 0;
        _tlbLockdown = 0;
        _oldPidFetches = 0;
        ResetCaches();
        Array.Clear(_tlb);
        Array.Clear(_tlbNextWay);
        ControlChanged();
    }

    private void ControlChanged()
    {
        bool a = (_control & Cr.A) != 0;
        _alignMask4 = a ? 3u : 0;
        _alignMask2 = a ? 1u : 0;
        _fcseOffset = (_control & Cr.M) != 0 ? _fcsePid : 0;
        FlushSoftTlb();
    }

    /// <summary>
    /// MRC p15: the register, or false for an access the ARM926EJ-S does not define (the instruction
    /// is then UNDEFINED). <paramref name="flags"/>: for the test-and-clean operations read to R15, the
    /// value whose bits 31:28 become NZCV.
    /// </summary>
    private bool Cp15Read(uint crn, uint op1, uint crm, uint op2, out uint value)
    {
        value = 0;
        if (op1 != 0) return false;
        switch (crn)
        {
            case 0:
                value = op2 switch { 1 => CacheType, 2 => 0, _ => MainId };
                return crm == 0;
            case 1: value = _control; return true;
            case 2: value = _ttb; return true;
            case 3: value = _dacr; return true;
            case 5: value = op2 == 1 ? _ifsr : _dfsr; return op2 <= 1;
            case 6: value = _far; return true;
            case 7:
                // Test and clean (c7 c10 3), test, clean and invalidate (c7 c14 3), DDI 0198E 2.3.8.
                if ((crm == 10 || crm == 14) && op2 == 3) { value = TestAndClean(crm == 14); return true; }
                return false;
            case 9:
                if (crm == 0) { value = op2 == 1 ? _ic.Lockdown : _dc.Lockdown; return op2 <= 1; }
                // TCM region registers (c9 c1 0/1): no TCM, size 0 (the cache type's TCM status reads 0).
                if (crm == 1) { value = 0; return op2 <= 1; }
                return false;
            case 10: value = _tlbLockdown; return true;
            case 13: value = op2 == 1 ? _contextId : _fcsePid; return op2 <= 1;
            default: return false;
        }
    }

    /// <summary>MCR p15 (DDI 0198E 2.3). False for an encoding the core does not define (UNDEFINED).</summary>
    private bool Cp15Write(uint crn, uint op1, uint crm, uint op2, uint value)
    {
        if (op1 != 0) return false;
        switch (crn)
        {
            case 1:
                _control = (value & Cr.Writable) | Cr.Sbo;
                ControlChanged();
                return true;
            case 2: _ttb = value & 0xFFFF_C000; FlushSoftTlb(); return true;
            case 3: _dacr = value; FlushSoftTlb(); return true;
            case 5: if (op2 == 1) _ifsr = value & 0xFF; else _dfsr = value & 0x1FF; return op2 <= 1;
            case 6: _far = value; return true;
            case 7: return CacheOperation(crm, op2, value);
            case 8:
                // TLB operations: the main TLB is unified, so the I and D forms act on it too.
                if (crm is not (5 or 6 or 7)) return false;
                // By entry: the operand is taken as the MVA, no FCSE relocation (DDI 0198D 2.3.13).
                if (op2 == 0) InvalidateTlb();
                else if (op2 == 1) InvalidateTlbEntry(value);
                else return false;
                return true;
            case 9:
                if (crm == 0 && op2 <= 1)
                {
                    // Format C (DDI 0198E 2.3.10): L bits 3:0, a set bit closes that way to fills.
                    if (op2 == 1) _ic.Lockdown = value & 0xF; else _dc.Lockdown = value & 0xF;
                    return true;
                }
                return crm == 1 && op2 <= 1;
            case 10:
                _tlbLockdown = value & ((7u << 26) | 1);
                return crm == 0;
            case 13:
                // FCSE PID (op2 0): bits 31:25, the rest SBZ and read as 0 (chosen: the TRM says
                // UNPREDICTABLE). Context ID (op2 1): all 32 bits, for trace tools (the ETMPROCID
                // pins); it relocates nothing and tags no TLB entry (ARMv5). Both reset to 0.
                if (op2 == 0)
                {
                    uint old = _fcseOffset;
                    _fcsePid = value & 0xFE00_0000;
                    ControlChanged();
                    ClearMemos();
                    FcsePidWritten(old);
                    return true;
                }
                if (op2 == 1) { _contextId = value; return true; }
                return false;
            case 15:
                // Test and debug registers (DDI 0198E 2.3.17): accepted, no effect modelled.
                return true;
            default: return false;
        }
    }

    /// <summary>
    /// Register 7 (DDI 0198E table 2-21): wait for interrupt stops the core until nIRQ or nFIQ; the
    /// cache, prefetch and write-buffer operations act on the caches (Arm926Cpu.Caches.cs).
    /// </summary>
    private bool CacheOperation(uint crm, uint op2, uint value)
    {
        if (crm == 0 && op2 == 4)
        {
            // Wait for interrupt: the core stops until an interrupt request, masked or not.
            Sleep();
            return true;
        }
        return CacheMaintenance(crm, op2, value);
    }
}
