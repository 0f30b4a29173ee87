using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using SocSim.Arm;
using SocSim.Core;

namespace SocSim.Arm9;

/// <summary>Fault status codes of the ARMv5 MMU (DDI 0198E table 3-9, ARM ARM B4.6).</summary>
public static class FaultStatus
{
    public const uint Alignment = 0b0001;
    public const uint ExternalTranslationL1 = 0b1100;
    public const uint ExternalTranslationL2 = 0b1110;
    public const uint TranslationSection = 0b0101;
    public const uint TranslationPage = 0b0111;
    public const uint DomainSection = 0b1001;
    public const uint DomainPage = 0b1011;
    public const uint PermissionSection = 0b1101;
    public const uint PermissionPage = 0b1111;
    public const uint ExternalSection = 0b1000;
    public const uint ExternalPage = 0b1010;
}

/// <summary>A main TLB entry: a section or a large, small or tiny page (DDI 0198E 3.2).</summary>
internal struct TlbEntry
{
    public bool Valid;
    /// <summary>1 section, 2 large page, 3 small page, 4 tiny page.</summary>
    public byte Kind;
    public byte Domain;
    /// <summary>C (bit 1) and B (bit 0) of the descriptor.</summary>
    public byte CB;
    /// <summary>Modified virtual base of the mapping.</summary>
    public uint Mva;
    /// <summary>Size - 1.</summary>
    public uint Mask;
    public uint Pa;
    /// <summary>AP: one field for sections and tiny pages, four subpage fields (ap3..ap0) for large and small pages.</summary>
    public byte Ap;
}

public sealed unsafe partial class Arm926Cpu
{
    // ---- the main TLB (DDI 0198E 3.2.1): 2 ways x 32 sets, and 8 lockdown entries ----
    // The TRM does not say which virtual address bits index the set-associative part: the set is
    // MVA[16:12] of the access that filled the entry (a section then occupies one entry per 4 KiB
    // index it is used through), and each set replaces round-robin. Documented in boards/README.md.

    private const int TlbSets = 32, TlbWays = 2, TlbLockdown = 8;
    private readonly TlbEntry[] _tlb = new TlbEntry[TlbSets * TlbWays + TlbLockdown];
    private readonly byte[] _tlbNextWay = new byte[TlbSets];

    /// <summary>Page-table walks since reset (TLB misses), for statistics.</summary>
    public long TlbMisses { get; private set; }

    // ---- the soft TLB: a host-side cache of translations the model TLB holds ----
    // Direct-mapped by virtual page, one table per access kind (fetch, read, write); a tag is the
    // virtual page | 2 (valid) | 1 when made in User mode. It holds only translations that passed
    // their checks, so a hit needs no domain or permission test; it is flushed whenever anything it
    // was derived from changes (the TLB, TTB, DACR, CR, FCSE PID, the bus map). Beside the physical
    // page it keeps the page's attribute: fetch and read 1 when cached, write one of WNcnb..WBack.

    private const int SoftEntries = 1024, SoftMask = SoftEntries - 1;
    private const int KindFetch = 0, KindRead = 1, KindWrite = 2;
    private uint* _stTag;
    private byte* _stAttr;
    private uint* _stPa;
    private uint _userTag;       // 1 in User mode

    private void AllocateMemorySystem()
    {
        _stTag = (uint*)NativeMemory.AllocZeroed(3 * SoftEntries, sizeof(uint));
        _stAttr = (byte*)NativeMemory.AllocZeroed(3 * SoftEntries, 1);
        _stPa = (uint*)NativeMemory.AllocZeroed(3 * SoftEntries, sizeof(uint));
    }

    private void FreeMemorySystem()
    {
        if (_stTag != null) { NativeMemory.Free(_stTag); NativeMemory.Free(_stAttr); NativeMemory.Free(_stPa); _stTag = null; }
        _ic?.Dispose();
        _dc?.Dispose();
    }

    private void FlushSoftTlb() => new Span<uint>(_stTag, 3 * SoftEntries).Clear();

    /// <summary>
    /// Drops the soft TLB's slots that may hold translations of <paramref name="e"/> (a TLB entry
    /// replaced or invalidated): the slots of every 4 KiB page of its range, in the three tables.
    /// Slots of other entries that share them go too, which costs a soft miss (no simulated time:
    /// the model TLB still hits). With an FCSE PID the VA is not the MVA: everything goes.
    /// </summary>
    private void FlushSoftTlb(in TlbEntry e)
    {
        uint pages = (e.Mask >> 12) + 1;
        if (_fcsePid != 0 || pages >= SoftEntries) { FlushSoftTlb(); return; }
        uint first = (e.Mva >> 12) & SoftMask;
        for (int kind = 0; kind < 3; kind++)
        {
            uint* t = _stTag + kind * SoftEntries;
            uint n = Math.Min(pages, SoftEntries - first);
            new Span<uint>(t + first, (int)n).Clear();
            if (n < pages) new Span<uint>(t, (int)(pages - n)).Clear();
        }
    }

    // ---- data access state ----

    private bool _dabort;        // set by an access that aborted; the instruction takes the data abort
    private uint _alignMask4;    // 3 when CR.A checks word alignment, else 0
    private uint _alignMask2;

    /// <summary>
    /// FCSE relocation (DDI 0198D 2.3.13): a virtual address below 32 MiB gets the PID in bits 31:25,
    /// only while the MMU is on ("if the MMU is disabled, there is no FCSE address translation").
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private uint Mva(uint va) => (va >> 25) == 0 ? va | _fcseOffset : va;

    /// <summary>The FCSE PID as it relocates addresses now: the PID with CR.M set, else 0.</summary>
    private uint _fcseOffset;

    // ---- the FCSE PID write's fetch delay (DDI 0198D 2.3.13, "Performing a fast context switch") ----
    // The TRM: the two instructions after the MCR that writes the FCSE PID have already been fetched with
    // the old PID (they are in the fetch and decode stages when the MCR executes); the third is fetched with
    // the new one. The model fetches each instruction when it executes, so a PID write that changes the
    // relocation leaves the old one for the next two fetches if they are the sequential ones (MCR + 4, + 8).
    // A PC write, an exception or an interrupt in between discards what was prefetched: what replaces it is
    // fetched with the new PID. Data accesses use the new PID from the instruction after the MCR on (the
    // TRM's delay is for fetches only). The soft TLB was flushed by the write and these fetches do not fill
    // it, so they all reach FetchSlow: the hot path carries no test.
    private int _oldPidFetches;  // fetches still to make with the old relocation
    private uint _oldPidVa;      // the address the next of them has (a fetch elsewhere ends the delay)
    private uint _oldPidOffset;  // the old relocation

    /// <summary>A write of the FCSE PID changed the relocation from <paramref name="old"/>: the next two sequential fetches keep it.</summary>
    private void FcsePidWritten(uint old)
    {
        if (_fcseOffset == old) return;
        _oldPidFetches = 2;
        _oldPidVa = _pc + 4;
        _oldPidOffset = old;
    }

    /// <summary>An instruction the pipeline had fetched with the old PID before the write.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private uint FetchWithOldPid(uint va, int size)
    {
        _oldPidFetches--;
        _oldPidVa = va + (uint)size;
        uint now = _fcseOffset;
        _fcseOffset = _oldPidOffset;
        uint v = 0;
        if (Translate(va, KindFetch, out uint pa, out byte attr, out uint fsr, out _))
            v = attr != 0 ? CachedFetch(va, pa, size) : BusFetch(pa, size, va);
        else
        {
            _pabort = true;
            _ifsr = fsr;
        }
        _fcseOffset = now;
        // The fetch memo names the old PID's line by its VA.
        ClearMemos();
        return v;
    }

    // ---- fetch ----

    private bool _pabort;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private uint Fetch32(uint va)
    {
        uint k = (va >> 12) & SoftMask;
        if (_stTag[k] == ((va & ~0xFFFu) | 2 | _userTag))
        {
            if (_stAttr[k] != 0)
            {
                if ((va & ~31u) == _iMemoVa && _s.Cycles >= _iFillEnd) { _iHits++; return *(uint*)(_iMemoData + (va & 0x1C)); }
                return CachedFetch(va, _stPa[k] | (va & 0xFFF), 4);
            }
            return BusFetch(_stPa[k] | (va & 0xFFF), 4, va);
        }
        return FetchSlow(va, 4);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private uint Fetch16(uint va)
    {
        uint k = (va >> 12) & SoftMask;
        if (_stTag[k] == ((va & ~0xFFFu) | 2 | _userTag))
        {
            if (_stAttr[k] != 0)
            {
                if ((va & ~31u) == _iMemoVa && _s.Cycles >= _iFillEnd) { _iHits++; return *(ushort*)(_iMemoData + (va & 0x1E)); }
                return CachedFetch(va, _stPa[k] | (va & 0xFFF), 2);
            }
            return BusFetch(_stPa[k] | (va & 0xFFF), 2, va);
        }
        return FetchSlow(va, 2);
    }

    /// <summary>An uncached fetch: a single AHB read on the I side (DDI 0198E 4.x).</summary>
    private uint BusFetch(uint pa, int size, uint va)
    {
        uint v = AhbRead(pa, size, AccessFlags.Code, ref _iAhbFree);
        if (_bus.Aborted) { _bus.Aborted = false; ExternalPrefetchAbort(va); }
        return v;
    }

    /// <summary>An AHB slave answered ERROR to a fetch or an I line fill: a prefetch abort, IFSR as <see cref="ExternalAbortStatus"/>.</summary>
    private void ExternalPrefetchAbort(uint va)
    {
        _pabort = true;
        _ifsr = ExternalAbortStatus(va);
    }

    /// <summary>
    /// The FSR of an external abort (an AHB ERROR response) on an access to <paramref name="va"/>: 0b1000
    /// when a section maps it, 0b1010 when a page does, with the mapping's domain in bits 7:4 (DDI 0198E
    /// table 3-9's lowest-priority row, "External abort", domain valid; ARM ARM B4.6 "external abort on
    /// non-linefetch"). A line fill's abort is reported the same way: the ARM926EJ-S's table has no
    /// linefetch rows, so ARM ARM's 0b0100/0b0110 are never produced. With the MMU off there is no
    /// descriptor: chosen, the section code with domain 0 (the flat map behaves as 1 MiB sections).
    /// The mapping is the main TLB's entry (the access just translated through it, so it is present).
    /// </summary>
    private uint ExternalAbortStatus(uint va)
    {
        if ((_control & Cr.M) == 0) return FaultStatus.ExternalSection;
        ref TlbEntry e = ref LookupTlb(Mva(va), out bool hit);
        if (!hit) return FaultStatus.ExternalPage;
        return (uint)(e.Domain << 4) | (e.Kind == 1 ? FaultStatus.ExternalSection : FaultStatus.ExternalPage);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private uint FetchSlow(uint va, int size)
    {
        if (_oldPidFetches != 0)
        {
            if (va == _oldPidVa) return FetchWithOldPid(va, size);
            _oldPidFetches = 0;
        }
        if (!Translate(va, KindFetch, out uint pa, out byte attr, out uint fsr, out bool fine))
        {
            _pabort = true;
            _ifsr = fsr;
            return 0;
        }
        if (fine) Fill(KindFetch, va, pa, attr);
        return attr != 0 ? CachedFetch(va, pa, size) : BusFetch(pa, size, va);
    }

    private void Fill(int kind, uint va, uint pa, byte attr)
    {
        uint k = (uint)kind * SoftEntries + ((va >> 12) & SoftMask);
        _stTag[k] = (va & ~0xFFFu) | 2 | _userTag;
        _stAttr[k] = attr;
        _stPa[k] = pa & ~0xFFFu;
    }

    // ---- data reads ----

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private uint Read32(uint va)
    {
        uint k = SoftEntries + ((va >> 12) & SoftMask);
        if (_stTag[k] == ((va & ~0xFFFu) | 2 | _userTag) && (va & _alignMask4) == 0)
        {
            if (_stAttr[k] != 0)
            {
                if ((va & ~31u) == _dMemoVa && _s.Cycles >= _dFillEnd) { _dHits++; return *(uint*)(_dMemoData + (va & 0x1C)); }
                return CachedRead(va, _stPa[k] | (va & 0xFFF), 4);
            }
            return BusRead(_stPa[k] | (va & 0xFFF), 4, va);
        }
        return ReadSlow(va, 4);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private uint Read16(uint va)
    {
        uint k = SoftEntries + ((va >> 12) & SoftMask);
        if (_stTag[k] == ((va & ~0xFFFu) | 2 | _userTag) && (va & _alignMask2) == 0)
        {
            if (_stAttr[k] != 0)
            {
                if ((va & ~31u) == _dMemoVa && _s.Cycles >= _dFillEnd) { _dHits++; return *(ushort*)(_dMemoData + (va & 0x1E)); }
                return CachedRead(va, _stPa[k] | (va & 0xFFF), 2);
            }
            return BusRead(_stPa[k] | (va & 0xFFF), 2, va);
        }
        return ReadSlow(va, 2);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private uint Read8(uint va)
    {
        uint k = SoftEntries + ((va >> 12) & SoftMask);
        if (_stTag[k] == ((va & ~0xFFFu) | 2 | _userTag))
        {
            if (_stAttr[k] != 0)
            {
                if ((va & ~31u) == _dMemoVa && _s.Cycles >= _dFillEnd) { _dHits++; return _dMemoData[va & 0x1F]; }
                return CachedRead(va, _stPa[k] | (va & 0xFFF), 1);
            }
            return BusRead(_stPa[k] | (va & 0xFFF), 1, va);
        }
        return ReadSlow(va, 1);
    }

    /// <summary>A noncachable read: a single AHB read on the D side, after the buffers drain.</summary>
    private uint BusRead(uint pa, int size, uint va)
    {
        uint v = AhbRead(pa, size, AccessFlags.None, ref _dAhbFree);
        if (_bus.Aborted) { _bus.Aborted = false; ExternalDataAbort(va); }
        return v;
    }

    /// <summary>An AHB slave answered ERROR: a precise external data abort, DFSR as <see cref="ExternalAbortStatus"/>.</summary>
    private void ExternalDataAbort(uint va)
    {
        if (_dabort) return;
        _dabort = true;
        _dfsr = ExternalAbortStatus(va);
        _far = Mva(va);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private uint ReadSlow(uint va, int size)
    {
        if (!CheckAlignment(va, size)) return 0;
        if (!Translate(va, KindRead, out uint pa, out byte attr, out uint fsr, out bool fine)) { DataFault(va, fsr); return 0; }
        if (fine) Fill(KindRead, va, pa, attr);
        return attr != 0 ? CachedRead(va, pa, size) : BusRead(pa, size, va);
    }

    // ---- data writes ----

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Write32(uint va, uint value)
    {
        uint k = 2 * SoftEntries + ((va >> 12) & SoftMask);
        if (_stTag[k] == ((va & ~0xFFFu) | 2 | _userTag) && (va & _alignMask4) == 0)
        {
            byte attr = _stAttr[k];
            if (attr == WBack && (va & ~31u) == _dMemoVa && _s.Cycles >= _dFillEnd)
            {
                _dHits++;
                *(uint*)(_dMemoData + (va & 0x1C)) = value;
                _dc.Dirty[_dMemoLine] |= (byte)(1 << (int)((va >> 4) & 1));
                return;
            }
            DataWrite(va, _stPa[k] | (va & 0xFFF), attr, value, 4);
            return;
        }
        WriteSlow(va, value, 4);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Write16(uint va, uint value)
    {
        uint k = 2 * SoftEntries + ((va >> 12) & SoftMask);
        if (_stTag[k] == ((va & ~0xFFFu) | 2 | _userTag) && (va & _alignMask2) == 0)
        {
            DataWrite(va, _stPa[k] | (va & 0xFFF), _stAttr[k], value, 2);
            return;
        }
        WriteSlow(va, value, 2);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Write8(uint va, uint value)
    {
        uint k = 2 * SoftEntries + ((va >> 12) & SoftMask);
        if (_stTag[k] == ((va & ~0xFFFu) | 2 | _userTag))
        {
            DataWrite(va, _stPa[k] | (va & 0xFFF), _stAttr[k], value, 1);
            return;
        }
        WriteSlow(va, value, 1);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void WriteSlow(uint va, uint value, int size)
    {
        if (!CheckAlignment(va, size)) return;
        if (!Translate(va, KindWrite, out uint pa, out byte attr, out uint fsr, out bool fine)) { DataFault(va, fsr); return; }
        if (fine) Fill(KindWrite, va, pa, attr);
        DataWrite(va, pa, attr, value, size);
    }

    private bool CheckAlignment(uint va, int size)
    {
        if ((_control & Cr.A) == 0 || (va & (uint)(size - 1)) == 0) return true;
        DataFault(va, FaultStatus.Alignment);
        return false;
    }

    /// <summary>A data access faulted: DFSR and FAR take the first fault of the instruction (DDI 0198E 3.6.1).</summary>
    private void DataFault(uint va, uint fsr)
    {
        if (_dabort) return;
        _dabort = true;
        _dfsr = fsr;
        _far = Mva(va);
    }

    /// <summary>Alignment check for LDM/STM and LDRD/STRD: their addresses are word (doubleword) aligned when CR.A is set.</summary>
    private bool CheckBlockAlignment(uint va, uint mask)
    {
        if ((_control & Cr.A) == 0 || (va & mask) == 0) return true;
        DataFault(va, FaultStatus.Alignment);
        return false;
    }

    // ---- translation (ARM ARM B4, DDI 0198E chapter 3) ----

    /// <summary>
    /// Translates <paramref name="va"/> for an access of <paramref name="kind"/> in the current mode.
    /// <paramref name="attr"/>: for a fetch or read 1 when a cache serves it (I: CR.I, and C with the
    /// MMU on; D: CR.C and C, MMU on), else 0; for a write WNcnb, WBuffered, WThrough or WBack
    /// (DDI 0198E table 4-1; with CR.C clear the C bit is ignored and B alone makes a write buffered,
    /// chosen; with the MMU off every data access is NCNB).
    /// <paramref name="fine"/>: whether the 4 KiB virtual page has one translation and one permission
    /// (not a tiny page nor a small page whose subpages differ), so the soft TLB may hold it.
    /// </summary>
    private bool Translate(uint va, int kind, out uint pa, out byte attr, out uint fsr, out bool fine)
    {
        fsr = 0;
        if ((_control & Cr.M) == 0)
        {
            pa = va;
            fine = true;
            attr = (byte)(kind == KindFetch && (_control & Cr.I) != 0 ? 1 : 0);
            return true;
        }
        uint mva = Mva(va);
        ref TlbEntry e = ref LookupTlb(mva, out bool hit);
        if (!hit)
        {
            e = ref Walk(mva, out fsr);
            if (fsr != 0) { pa = 0; attr = 0; fine = false; return false; }
        }
        bool section = e.Kind == 1;
        uint dom = (_dacr >> (e.Domain * 2)) & 3;
        if (dom == 0 || dom == 2)
        {
            // 0b10 is reserved (ARM ARM B4.4: UNPREDICTABLE): treated as no access.
            fsr = (uint)(e.Domain << 4) | (section ? FaultStatus.DomainSection : FaultStatus.DomainPage);
            pa = 0; attr = 0; fine = false;
            return false;
        }
        uint ap = e.Kind switch
        {
            2 => (uint)(e.Ap >> (int)(((mva >> 14) & 3) * 2)) & 3,
            3 => (uint)(e.Ap >> (int)(((mva >> 10) & 3) * 2)) & 3,
            _ => e.Ap & 3u,
        };
        if (dom == 1 && !Permitted(ap, _userTag != 0, kind == KindWrite))
        {
            fsr = (uint)(e.Domain << 4) | (section ? FaultStatus.PermissionSection : FaultStatus.PermissionPage);
            pa = 0; attr = 0; fine = false;
            return false;
        }
        pa = e.Pa | (mva & e.Mask);
        bool c = (e.CB & 2) != 0, b = (e.CB & 1) != 0;
        bool dc = c && (_control & Cr.C) != 0;
        attr = kind switch
        {
            KindFetch => (byte)(c && (_control & Cr.I) != 0 ? 1 : 0),
            KindRead => (byte)(dc ? 1 : 0),
            _ => dc ? (b ? WBack : WThrough) : b ? WBuffered : WNcnb,
        };
        fine = e.Kind == 1 || e.Kind == 2 || (e.Kind == 3 && (e.Ap == 0 || e.Ap == 0x55 || e.Ap == 0xAA || e.Ap == 0xFF));
        return true;
    }

    /// <summary>AP with CR.S and CR.R (ARM ARM B4.4.1 table B4-1). AP 00 with S and R both set is reserved: no access.</summary>
    private bool Permitted(uint ap, bool user, bool write) => ap switch
    {
        0 => (_control & (Cr.S | Cr.R)) switch
        {
            Cr.S => !user && !write,
            Cr.R => !write,
            _ => false,
        },
        1 => !user,
        2 => !user || !write,
        _ => true,
    };

    private ref TlbEntry LookupTlb(uint mva, out bool hit)
    {
        for (int i = TlbSets * TlbWays; i < _tlb.Length; i++)
            if (_tlb[i].Valid && ((mva ^ _tlb[i].Mva) & ~_tlb[i].Mask) == 0) { hit = true; return ref _tlb[i]; }
        int set = (int)((mva >> 12) & (TlbSets - 1));
        for (int w = 0; w < TlbWays; w++)
        {
            ref TlbEntry e = ref _tlb[set * TlbWays + w];
            if (e.Valid && ((mva ^ e.Mva) & ~e.Mask) == 0) { hit = true; return ref e; }
        }
        hit = false;
        return ref _tlb[0];
    }

    /// <summary>
    /// Page-table walk (ARM ARM B4.7): the first-level descriptor, then a coarse or fine second-level
    /// descriptor, read from physical memory over the D-side AHB (the walk does not go through the
    /// D-cache, DDI 0198E 3.2.2), each read a single transfer timed as a noncachable read: it waits
    /// for the write buffer to drain and costs the memory's nonsequential access in HCLKs. The result is written into the TLB: the lockdown entry the TLB lockdown
    /// register's victim names when its P bit is set, else the set's round-robin way.
    /// </summary>
    private ref TlbEntry Walk(uint mva, out uint fsr)
    {
        if (_memoryTrace == null) return ref WalkTables(mva, out fsr);
        long start = _s.Cycles;
        ref TlbEntry e = ref WalkTables(mva, out fsr);
        _memoryTrace.TlbWalk(start, _s.Cycles);
        return ref e;
    }

    private ref TlbEntry WalkTables(uint mva, out uint fsr)
    {
        TlbMisses++;
        fsr = 0;
        uint l1Addr = (_ttb & 0xFFFF_C000) | ((mva >> 18) & 0x3FFC);
        uint l1 = AhbRead(l1Addr, 4, AccessFlags.None, ref _dAhbFree);
        if (_bus.Aborted) { _bus.Aborted = false; fsr = FaultStatus.ExternalTranslationL1; return ref _tlb[0]; }
        var e = new TlbEntry { Valid = true, Domain = (byte)((l1 >> 5) & 15) };
        switch (l1 & 3)
        {
            case 0:
                fsr = FaultStatus.TranslationSection;
                return ref _tlb[0];
            case 2:
                e.Kind = 1; e.Mask = 0xF_FFFF; e.Mva = mva & ~e.Mask; e.Pa = l1 & 0xFFF0_0000;
                e.Ap = (byte)((l1 >> 10) & 3); e.CB = (byte)((l1 >> 2) & 3);
                break;
            default:
            {
                bool coarse = (l1 & 3) == 1;
                uint l2Addr = coarse ? (l1 & 0xFFFF_FC00) | ((mva >> 10) & 0x3FC) : (l1 & 0xFFFF_F000) | ((mva >> 8) & 0xFFC);
                uint l2 = AhbRead(l2Addr, 4, AccessFlags.None, ref _dAhbFree);
                if (_bus.Aborted) { _bus.Aborted = false; fsr = (uint)(e.Domain << 4) | FaultStatus.ExternalTranslationL2; return ref _tlb[0]; }
                e.CB = (byte)((l2 >> 2) & 3);
                switch (l2 & 3)
                {
                    case 1:
                        e.Kind = 2; e.Mask = 0xFFFF; e.Pa = l2 & 0xFFFF_0000; e.Ap = (byte)(l2 >> 4);
                        break;
                    case 2:
                        e.Kind = 3; e.Mask = 0xFFF; e.Pa = l2 & 0xFFFF_F000; e.Ap = (byte)(l2 >> 4);
                        break;
                    case 3 when !coarse:
                        e.Kind = 4; e.Mask = 0x3FF; e.Pa = l2 & 0xFFFF_FC00; e.Ap = (byte)((l2 >> 4) & 3);
                        break;
                    default:
                        // Type 0 is a fault; type 3 in a coarse table is not a tiny page (ARM ARM B4.7.7
                        // defines tiny pages in fine tables only): a translation fault too.
                        fsr = (uint)(e.Domain << 4) | FaultStatus.TranslationPage;
                        return ref _tlb[0];
                }
                e.Mva = mva & ~e.Mask;
                break;
            }
        }
        int index;
        if ((_tlbLockdown & 1) != 0)
        {
            int victim = (int)((_tlbLockdown >> 26) & 7);
            index = TlbSets * TlbWays + victim;
            _tlbLockdown = (_tlbLockdown & ~(7u << 26)) | ((uint)((victim + 1) & 7) << 26);
        }
        else
        {
            int set = (int)((mva >> 12) & (TlbSets - 1));
            index = set * TlbWays + _tlbNextWay[set];
            _tlbNextWay[set] = (byte)((_tlbNextWay[set] + 1) % TlbWays);
        }
        // The soft TLB may hold translations of the entry replaced here.
        if (_tlb[index].Valid) FlushSoftTlb(_tlb[index]);
        _tlb[index] = e;
        return ref _tlb[index];
    }

    /// <summary>Invalidate the whole TLB (c8 c7 0 and the I/D forms): the lockdown entries stay (DDI 0198E 2.3.9).</summary>
    private void InvalidateTlb()
    {
        for (int i = 0; i < TlbSets * TlbWays; i++) _tlb[i].Valid = false;
        FlushSoftTlb();
    }

    /// <summary>Invalidate the entries holding <paramref name="mva"/>, lockdown entries included (DDI 0198E 2.3.9).</summary>
    private void InvalidateTlbEntry(uint mva)
    {
        for (int i = 0; i < _tlb.Length; i++)
            if (_tlb[i].Valid && ((mva ^ _tlb[i].Mva) & ~_tlb[i].Mask) == 0) { _tlb[i].Valid = false; FlushSoftTlb(_tlb[i]); }
    }

    /// <summary>
    /// The physical address <paramref name="va"/> maps to as a data read in the current mode would see
    /// it, without time, TLB fill or fault (debugger, <c>--break</c> on virtual addresses). False when it faults.
    /// </summary>
    public bool DebugTranslate(uint va, out uint pa)
    {
        pa = va;
        if ((_control & Cr.M) == 0) return true;
        uint mva = Mva(va);
        uint l1 = _bus.DebugRead32((_ttb & 0xFFFF_C000) | ((mva >> 18) & 0x3FFC));
        switch (l1 & 3)
        {
            case 2: pa = (l1 & 0xFFF0_0000) | (mva & 0xF_FFFF); return true;
            case 1:
            case 3:
            {
                bool coarse = (l1 & 3) == 1;
                uint l2 = _bus.DebugRead32(coarse ? (l1 & 0xFFFF_FC00) | ((mva >> 10) & 0x3FC) : (l1 & 0xFFFF_F000) | ((mva >> 8) & 0xFFC));
                switch (l2 & 3)
                {
                    case 1: pa = (l2 & 0xFFFF_0000) | (mva & 0xFFFF); return true;
                    case 2: pa = (l2 & 0xFFFF_F000) | (mva & 0xFFF); return true;
                    case 3 when !coarse: pa = (l2 & 0xFFFF_FC00) | (mva & 0x3FF); return true;
                    default: return false;
                }
            }
            default: return false;
        }
    }

    public IEnumerable<string> DescribeTlb() => TlbEntries().Select(e =>
        $"{(e.Index >= TlbSets * TlbWays ? "lockdown" : "set " + e.Index / TlbWays + " way " + e.Index % TlbWays)}: {e.Kind} va 0x{e.Mva:x8} size 0x{e.Size:x} pa 0x{e.Pa:x8} domain {e.Domain} ap 0x{e.Ap:x2} cb {e.CB}");

    /// <summary>The valid TLB entries, for the debugger's <c>monitor tlb</c> and tests: (index, kind, domain, MVA, size, PA, AP, CB).</summary>
    public IEnumerable<(int Index, string Kind, int Domain, uint Mva, uint Size, uint Pa, int Ap, int CB)> TlbEntries()
    {
        for (int i = 0; i < _tlb.Length; i++)
        {
            var e = _tlb[i];
            if (!e.Valid) continue;
            string kind = e.Kind switch { 1 => "section", 2 => "large", 3 => "small", _ => "tiny" };
            yield return (i, kind, e.Domain, e.Mva, e.Mask + 1, e.Pa, e.Ap, e.CB);
        }
    }
}
