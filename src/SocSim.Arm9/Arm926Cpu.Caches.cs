using System.Globalization;
using System.Runtime.CompilerServices;
using SocSim.Core;
using SocSim.Core.State;

namespace SocSim.Arm9;

/// <summary>
/// The ARM926EJ-S's memory system beyond the MMU (DDI 0198E chapters 4, 6 and 7): the I and D
/// caches with their contents, the write buffer (16 words, 4 addresses), the write-back buffer
/// (one line, 8 words), and the two AHB interfaces at HCLK = CLK / <see cref="ClkPerHclk"/>.
/// </summary>
/// <remarks>
/// Time: the core runs on CLK; an AHB transfer starts at an HCLK edge (a multiple of the ratio in
/// core cycles) and its bus clocks (the board's wait states) each last one HCLK. The I side (fills,
/// uncached fetches) and the D side (fills, uncached reads, NCNB writes, the write buffer, the
/// write-back buffer, page-table walks) each keep the cycle their interface is free again; the two
/// do not contend (the bus matrix behind them is not modelled). Choices where DDI 0198E is silent
/// are listed in boards/README.md (ARM926EJ-S section).
/// </remarks>
public sealed unsafe partial class Arm926Cpu
{
    private Arm926Cache _ic = null!, _dc = null!;
    private int _ratio = 1;

    /// <summary>CLK:HCLK, the core cycles per AHB clock (a board setting, <c>cpu.parameters.clkPerHclk</c>).</summary>
    public int ClkPerHclk => _ratio;
    public int ICacheKiB => _ic.SizeKiB;
    public int DCacheKiB => _dc.SizeKiB;

    // Write attributes of a page for the soft TLB (DDI 0198E table 4-1 and 4.x).
    private const byte WNcnb = 0, WBuffered = 1, WThrough = 2, WBack = 3;

    // The last line each cache served: a hit there needs no tag search. Cleared whenever any line
    // changes (fill, invalidate, lockdown, FCSE PID), so it always names a valid line.
    private uint _iMemoVa = 1, _dMemoVa = 1;
    private byte* _iMemoData, _dMemoData;
    private int _dMemoLine;

    // The line fill in progress on each side: its line, when each word arrives, when it ends.
    private int _iFillLine = -1, _dFillLine = -1;
    private long _iFillEnd, _dFillEnd;
    private readonly long[] _iArrive = new long[8], _dArrive = new long[8];

    // AHB interfaces: the core cycle each is free again; the write-back buffer's last drain.
    private long _iAhbFree, _dAhbFree, _wbbEnd;

    // The write buffer: up to 4 address entries (a run of sequential words shares one), 16 words.
    private const int WbAddresses = 4, WbWords = 16;
    private readonly long[] _wbEnd = new long[WbAddresses];
    private readonly int[] _wbWords = new int[WbAddresses];
    private readonly uint[] _wbNext = new uint[WbAddresses];
    private int _wbHead, _wbCount, _wbTotal;

    private long _iHits, _iMisses, _dHits, _dMisses, _iFills, _dFills, _writeBacks;

    public long ICacheHits => _iHits;
    public long ICacheMisses => _iMisses;
    public long DCacheHits => _dHits;
    public long DCacheMisses => _dMisses;
    public long ICacheLineFills => _iFills;
    public long DCacheLineFills => _dFills;
    /// <summary>Dirty half lines written back (by eviction or a clean operation).</summary>
    public long WriteBacks => _writeBacks;

    private void CreateCaches(int icacheKiB, int dcacheKiB, int clkPerHclk)
    {
        CheckCacheSize("icacheKiB", icacheKiB);
        CheckCacheSize("dcacheKiB", dcacheKiB);
        if (clkPerHclk is < 1 or > 16) throw new ArgumentOutOfRangeException(nameof(clkPerHclk), $"clkPerHclk must be 1 to 16 core clocks per HCLK, not {clkPerHclk}");
        _ic = new Arm926Cache(icacheKiB);
        _dc = new Arm926Cache(dcacheKiB);
        _ratio = clkPerHclk;
    }

    /// <summary>DDI 0198E 1.x: each cache is 4 KiB to 128 KiB, a power of two.</summary>
    private static void CheckCacheSize(string name, int kib)
    {
        if (kib is < 4 or > 128 || (kib & (kib - 1)) != 0)
            throw new ArgumentOutOfRangeException(name, $"{name} must be 4, 8, 16, 32, 64 or 128 (KiB, DDI 0198E), not {kib}");
    }

    private void ResetCaches()
    {
        _ic.Reset();
        _dc.Reset();
        ClearMemos();
        _iFillLine = _dFillLine = -1;
        _iFillEnd = _dFillEnd = _iAhbFree = _dAhbFree = _wbbEnd = 0;
        _wbHead = _wbCount = _wbTotal = 0;
    }

    private void ClearMemos()
    {
        _iMemoVa = _dMemoVa = 1;
        _iMemoData = _dMemoData = null;
    }

    private bool RandomReplacement => (_control & Cr.RR) != 0;

    /// <summary>The first core cycle at or after <paramref name="t"/> that is an HCLK edge.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private long HclkEdge(long t) => _ratio == 1 ? t : (t + _ratio - 1) / _ratio * _ratio;

    /// <summary>The core cycles the bus access just made cost (its HCLK clocks × the ratio); time is put back to <paramref name="before"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private long TakeCost(long before)
    {
        long c = (_s.Cycles - before) * _ratio;
        _s.Cycles = before;
        return c;
    }

    // ---- single AHB transfers the core waits for ----

    /// <summary>
    /// A read the core waits for on one AHB side: it starts at the first HCLK edge when that side is
    /// free (on the D side, after the write buffer and write-back buffer have drained: chosen, the TRM
    /// does not say whether a noncachable read may pass buffered writes) and the core resumes when it ends.
    /// </summary>
    private uint AhbRead(uint pa, int size, AccessFlags flags, ref long free)
    {
        long start = HclkEdge(Math.Max(_s.Cycles, free));
        _s.Cycles = start;
        uint v = size switch
        {
            4 => _bus.Read32(pa & ~3u, flags),
            2 => _bus.Read16(pa & ~1u, flags),
            _ => _bus.Read8(pa, flags),
        };
        _s.Cycles = start + TakeCost(start);
        free = _s.Cycles;
        return v;
    }

    /// <summary>A noncachable, nonbufferable write: after the buffers drain, the core waits for it (DDI 0198E 4.x NCNB).</summary>
    private void AhbWrite(uint pa, uint value, int size)
    {
        long start = HclkEdge(Math.Max(_s.Cycles, _dAhbFree));
        _s.Cycles = start;
        BusWriteRaw(pa, value, size, AccessFlags.None);
        _s.Cycles = start + TakeCost(start);
        _dAhbFree = _s.Cycles;
    }

    private void BusWriteRaw(uint pa, uint value, int size, AccessFlags flags)
    {
        switch (size)
        {
            case 4: _bus.Write32(pa & ~3u, value, flags); break;
            case 2: _bus.Write16(pa & ~1u, value & 0xFFFF, flags); break;
            default: _bus.Write8(pa, value & 0xFF, flags); break;
        }
    }

    // ---- the write buffer ----

    private void WbPop()
    {
        _wbTotal -= _wbWords[_wbHead];
        _wbHead = (_wbHead + 1) % WbAddresses;
        _wbCount--;
    }

    /// <summary>
    /// A buffered write (NCB, a write-through write, a write-back miss; DDI 0198E 4.x): the core
    /// stalls only while the buffer is full (4 addresses or 16 words); a word written to the address
    /// after the previous entry's last joins that entry as a sequential transfer. The buffer drains in
    /// order on the D side. The device sees the write at the cycle it enters the buffer (chosen: the
    /// model performs accesses at the core's time); the AHB is busy with it from its drain start.
    /// A buffered write that the slave answers with ERROR is not reported (it is imprecise on the chip).
    /// </summary>
    private void BufferedWrite(uint pa, uint value, int size)
    {
        long now = _s.Cycles;
        while (_wbCount > 0 && _wbEnd[_wbHead] <= now) WbPop();
        while (true)
        {
            int last = (_wbHead + _wbCount - 1) % WbAddresses;
            bool join = _wbCount > 0 && size == 4 && _wbNext[last] == pa && _wbEnd[last] == _dAhbFree;
            if (_wbTotal < WbWords && (join || _wbCount < WbAddresses))
            {
                long start = join ? _wbEnd[last] : HclkEdge(Math.Max(now, _dAhbFree));
                _s.Cycles = now;
                BusWriteRaw(pa, value, size, join ? AccessFlags.Seq : AccessFlags.None);
                _bus.Aborted = false;
                long end = start + TakeCost(now);
                if (join) { _wbEnd[last] = end; _wbWords[last]++; }
                else
                {
                    int slot = (_wbHead + _wbCount) % WbAddresses;
                    _wbEnd[slot] = end; _wbWords[slot] = 1; _wbCount++;
                    last = slot;
                }
                _wbNext[last] = pa + (uint)size;
                _wbTotal++;
                _dAhbFree = end;
                return;
            }
            long stalled = now;
            now = Math.Max(now, _wbEnd[_wbHead]);
            _memoryTrace?.WriteBufferFull(stalled, now);
            _s.Cycles = now;
            WbPop();
        }
    }

    /// <summary>Drain write buffer (c7 c10 4, DDI 0198E 2.3.8): the core waits until the write buffer and the write-back buffer are empty.</summary>
    private void DrainWriteBuffer()
    {
        if (_s.Cycles < _dAhbFree) _s.Cycles = _dAhbFree;
        _wbHead = _wbCount = _wbTotal = 0;
    }

    // ---- line fills and write-backs ----

    /// <summary>
    /// Writes the dirty halves of <paramref name="line"/> to memory (each half a 4-word burst,
    /// DDI 0198E 4.x: the two dirty bits let a clean half stay unwritten) and returns the AHB clocks
    /// it takes, in core cycles; memory holds the data at once, the caller places the drain in time.
    /// </summary>
    private long WriteBackData(int line)
    {
        byte dirty = _dc.Dirty[line];
        long cost = 0;
        uint pa = _dc.Pa[line];
        byte* d = _dc.LineData(line);
        for (int half = 0; half < 2; half++)
        {
            if ((dirty & (1 << half)) == 0) continue;
            for (int w = 0; w < 4; w++)
            {
                long before = _s.Cycles;
                uint at = pa + (uint)(half * 16 + w * 4);
                _bus.Write32(at, *(uint*)(d + half * 16 + w * 4), w == 0 ? AccessFlags.None : AccessFlags.Seq);
                _bus.Aborted = false;
                cost += TakeCost(before);
            }
            _writeBacks++;
        }
        _dc.Dirty[line] = 0;
        return cost;
    }

    /// <summary>A clean operation's write-back: through the write-back buffer, which takes a line once its previous one has drained.</summary>
    private void CleanLine(int line)
    {
        if ((_dc.Tag[line] & 1) == 0 || _dc.Dirty[line] == 0) return;
        if (_s.Cycles < _wbbEnd) _s.Cycles = _wbbEnd;
        long cost = WriteBackData(line);
        long start = HclkEdge(Math.Max(_s.Cycles, _dAhbFree));
        _dAhbFree = _wbbEnd = start + cost;
        _memoryTrace?.WriteBack(start, _wbbEnd);
    }

    /// <summary>
    /// Fills a line of <paramref name="cache"/> for <paramref name="mva"/> (physical <paramref name="pa"/>):
    /// an 8-word wrapping AHB burst (WRAP8, one nonsequential then seven sequential transfers)
    /// starting with the word asked for (critical word first, DDI 0198E 4.x). The core resumes when
    /// that word arrives; the other words arrive in burst order, and an access to the cache before
    /// the fill ends waits for its word (same line) or for the end of the fill (another line: no
    /// hit under miss, chosen). A dirty victim goes to the write-back buffer and drains after the fill.
    /// Returns the line, or -1 when no line may be allocated (every way locked) or the burst aborted
    /// (then <paramref name="aborted"/>).
    /// </summary>
    private int FillLine(bool data, uint mva, uint pa, out bool aborted)
    {
        aborted = false;
        var cache = data ? _dc : _ic;
        int line = cache.Victim(mva, RandomReplacement);
        if (line < 0) return -1;
        ClearMemos();
        long wbCost = 0;
        if (data && (cache.Tag[line] & 1) != 0 && cache.Dirty[line] != 0)
        {
            if (_s.Cycles < _wbbEnd) _s.Cycles = _wbbEnd;
            wbCost = WriteBackData(line);
        }
        ref long free = ref data ? ref _dAhbFree : ref _iAhbFree;
        long[] arrive = data ? _dArrive : _iArrive;
        long start = HclkEdge(Math.Max(_s.Cycles, free));
        _s.Cycles = start;
        uint linePa = pa & ~31u;
        int first = (int)((pa >> 2) & 7);
        byte* d = cache.LineData(line);
        long t = start;
        var flags = data ? AccessFlags.None : AccessFlags.Code;
        for (int i = 0; i < 8; i++)
        {
            int w = (first + i) & 7;
            *(uint*)(d + w * 4) = _bus.Read32(linePa + (uint)(w * 4), i == 0 ? flags : flags | AccessFlags.Seq);
            if (_bus.Aborted) { _bus.Aborted = false; aborted = true; }
            t += TakeCost(start);
            arrive[w] = t;
        }
        free = t + wbCost;
        if (data) { _dFillLine = line; _dFillEnd = t; _dFills++; if (wbCost != 0) _wbbEnd = free; }
        else { _iFillLine = line; _iFillEnd = t; _iFills++; }
        if (_memoryTrace != null)
        {
            _memoryTrace.LineFill(data, start, t);
            if (wbCost != 0) _memoryTrace.WriteBack(t, free);
        }
        _s.Cycles = arrive[first];
        if (aborted)
        {
            cache.Tag[line] = 0;
            return -1;
        }
        cache.Tag[line] = (mva & ~31u) | 1;
        cache.Pa[line] = linePa;
        cache.Dirty[line] = 0;
        return line;
    }

    /// <summary>A hit while a fill is in progress waits for its word (the fill's line) or for the fill's end (another line).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void WaitForFill(int line, uint va, int fillLine, long fillEnd, long[] arrive)
    {
        if (_s.Cycles >= fillEnd) return;
        long until = line == fillLine ? arrive[(va >> 2) & 7] : fillEnd;
        if (_s.Cycles < until) _s.Cycles = until;
    }

    // ---- the core's cached accesses (the soft TLB's hit path calls these when the page is cacheable) ----

    [MethodImpl(MethodImplOptions.NoInlining)]
    private uint CachedFetch(uint va, uint pa, int size)
    {
        uint mva = Mva(va);
        int line = _ic.Lookup(mva);
        if (line >= 0)
        {
            _iHits++;
            WaitForFill(line, va, _iFillLine, _iFillEnd, _iArrive);
        }
        else
        {
            _iMisses++;
            line = FillLine(false, mva, pa, out bool aborted);
            if (aborted) { ExternalPrefetchAbort(va); return 0; }
            if (line < 0) return BusFetch(pa, size, va);
        }
        byte* d = _ic.LineData(line);
        _iMemoVa = va & ~31u;
        _iMemoData = d;
        return size == 4 ? *(uint*)(d + (va & 0x1C)) : *(ushort*)(d + (va & 0x1E));
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private uint CachedRead(uint va, uint pa, int size)
    {
        uint mva = Mva(va);
        int line = _dc.Lookup(mva);
        if (line >= 0)
        {
            _dHits++;
            WaitForFill(line, va, _dFillLine, _dFillEnd, _dArrive);
        }
        else
        {
            _dMisses++;
            line = FillLine(true, mva, pa, out bool aborted);
            if (aborted) { ExternalDataAbort(va); return 0; }
            if (line < 0) return BusRead(pa, size, va);
        }
        byte* d = SetDMemo(va, line);
        return size switch { 4 => *(uint*)(d + (va & 0x1C)), 2 => *(ushort*)(d + (va & 0x1E)), _ => d[va & 0x1F] };
    }

    private byte* SetDMemo(uint va, int line)
    {
        byte* d = _dc.LineData(line);
        _dMemoVa = va & ~31u;
        _dMemoData = d;
        _dMemoLine = line;
        return d;
    }

    /// <summary>
    /// A data write by the page's attribute (DDI 0198E table 4-1): NCNB straight to the AHB, the core
    /// waiting; NCB through the write buffer; write-through: a hit updates the line, and every write
    /// goes through the write buffer; write-back: a hit updates the line and marks its half dirty, a
    /// miss goes through the write buffer (the D-cache allocates on reads only).
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void DataWrite(uint va, uint pa, byte attr, uint value, int size)
    {
        switch (attr)
        {
            case WNcnb:
                AhbWrite(pa, value, size);
                if (_bus.Aborted) { _bus.Aborted = false; ExternalDataAbort(va); }
                return;
            case WBuffered:
                BufferedWrite(pa, value, size);
                return;
        }
        int line = _dc.Lookup(Mva(va));
        if (line >= 0)
        {
            _dHits++;
            WaitForFill(line, va, _dFillLine, _dFillEnd, _dArrive);
            byte* d = SetDMemo(va, line);
            switch (size)
            {
                case 4: *(uint*)(d + (va & 0x1C)) = value; break;
                case 2: *(ushort*)(d + (va & 0x1E)) = (ushort)value; break;
                default: d[va & 0x1F] = (byte)value; break;
            }
            if (attr == WBack) { _dc.Dirty[line] |= (byte)(1 << (int)((va >> 4) & 1)); return; }
        }
        else _dMisses++;
        BufferedWrite(pa, value, size);
    }

    // ---- CP15 c7 and c9 on the caches ----

    private void InvalidateLine(Arm926Cache cache, int line)
    {
        if (line < 0) return;
        cache.Tag[line] = 0;
        cache.Dirty[line] = 0;
        ClearMemos();
    }

    /// <summary>Register 7's cache operations (DDI 0198E table 2-21); false for an encoding that is not one.</summary>
    private bool CacheMaintenance(uint crm, uint op2, uint value)
    {
        switch (crm, op2)
        {
            case (5, 0): _ic.InvalidateAll(); ClearMemos(); return true;
            case (5, 1): InvalidateLine(_ic, _ic.Lookup(value)); return true;
            case (5, 2): InvalidateLine(_ic, _ic.LineOfSetWay(value)); return true;
            case (5, 4): return true;   // flush prefetch buffer: nothing is prefetched in this model
            case (5, 6): return true;   // flush branch target cache: the ARM926EJ-S has none
            case (6, 0): _dc.InvalidateAll(); ClearMemos(); return true;
            case (6, 1): InvalidateLine(_dc, _dc.Lookup(value)); return true;
            case (6, 2): InvalidateLine(_dc, _dc.LineOfSetWay(value)); return true;
            case (7, 0): _ic.InvalidateAll(); _dc.InvalidateAll(); ClearMemos(); return true;
            case (10, 1): { int l = _dc.Lookup(value); if (l >= 0) CleanLine(l); return true; }
            case (10, 2): CleanLine(_dc.LineOfSetWay(value)); return true;
            case (10, 4): DrainWriteBuffer(); return true;
            case (13, 1): PrefetchICacheLine(value); return true;
            case (14, 1): { int l = _dc.Lookup(value); if (l >= 0) { CleanLine(l); InvalidateLine(_dc, l); } return true; }
            case (14, 2): { int l = _dc.LineOfSetWay(value); CleanLine(l); InvalidateLine(_dc, l); return true; }
            default: return false;
        }
    }

    /// <summary>
    /// Prefetch ICache line (c7 c13 1): fills the line holding the MVA unless it is present. An MVA
    /// that does not translate, or that is not I-cacheable, fills nothing and does not abort (chosen:
    /// DDI 0198E 2.3.8 does not say).
    /// </summary>
    private void PrefetchICacheLine(uint mva)
    {
        if (_ic.Lookup(mva) >= 0) return;
        uint fsr = _ifsr;
        if (!Translate(mva, KindFetch, out uint pa, out byte attr, out _, out _) || attr == 0) { _ifsr = fsr; return; }
        _iMisses++;
        FillLine(false, mva, pa, out _);
    }

    /// <summary>
    /// Test and clean (MRC c7 c10 3) and test, clean and invalidate (MRC c7 c14 3), DDI 0198E 2.3.8:
    /// each cleans one dirty line and returns Z clear; when no line is dirty, Z is set, and the
    /// second form then invalidates the whole D-cache. The first dirty line in set/way order is taken.
    /// </summary>
    private uint TestAndClean(bool invalidate)
    {
        for (int i = 0; i < _dc.Lines; i++)
        {
            if ((_dc.Tag[i] & 1) == 0 || _dc.Dirty[i] == 0) continue;
            CleanLine(i);
            if (invalidate) InvalidateLine(_dc, i);
            return 0;
        }
        if (invalidate) { _dc.InvalidateAll(); ClearMemos(); }
        return SocSim.Arm.Psr.Z;
    }

    // ---- debug, statistics, state ----

    /// <summary>
    /// A debugger or loader changed memory: cache lines holding it take the new bytes (a D line keeps
    /// its dirty state), so the core sees what was written, as the debugger's own cache maintenance
    /// would make it on the chip.
    /// </summary>
    public void DebugMemoryWritten(uint address, int length)
    {
        foreach (var cache in (ReadOnlySpan<Arm926Cache>)[_ic, _dc])
            foreach (int l in cache.LinesOf(address, length))
            {
                byte* d = cache.LineData(l);
                for (int i = 0; i < Arm926Cache.LineBytes; i++) d[i] = _bus.DebugRead8(cache.Pa[l] + (uint)i);
            }
    }

    /// <summary>Cleans the whole D-cache without time (tests and debuggers reading memory after a run).</summary>
    public void DebugCleanDCache()
    {
        long now = _s.Cycles, writeBacks = _writeBacks;
        for (int i = 0; i < _dc.Lines; i++)
            if ((_dc.Tag[i] & 1) != 0 && _dc.Dirty[i] != 0) WriteBackData(i);
        _s.Cycles = now;
        _writeBacks = writeBacks;
    }

    /// <summary>The memory system's figures, a few lines for <c>socsim run --stats</c>.</summary>
    public IEnumerable<string> StatisticsLines()
    {
        static string Rate(long hits, long misses) => hits + misses == 0 ? "-" : (100.0 * hits / (hits + misses)).ToString("F2", CultureInfo.InvariantCulture) + "%";
        yield return string.Create(CultureInfo.InvariantCulture,
            $"icache: {_ic.SizeKiB}KiB hits={_iHits} misses={_iMisses} hit_rate={Rate(_iHits, _iMisses)} line_fills={_iFills}");
        yield return string.Create(CultureInfo.InvariantCulture,
            $"dcache: {_dc.SizeKiB}KiB hits={_dHits} misses={_dMisses} hit_rate={Rate(_dHits, _dMisses)} line_fills={_dFills} write_backs={_writeBacks}");
        yield return string.Create(CultureInfo.InvariantCulture, $"mmu: tlb_misses={TlbMisses} clk_per_hclk={_ratio}");
    }

    private void SaveCaches(StateWriter w)
    {
        _ic.Save(w);
        _dc.Save(w);
        foreach (long v in (ReadOnlySpan<long>)[_iHits, _iMisses, _dHits, _dMisses, _iFills, _dFills, _writeBacks,
                     _iFillEnd, _dFillEnd, _iAhbFree, _dAhbFree, _wbbEnd]) w.Write(v);
        w.Write(_iFillLine); w.Write(_dFillLine);
        for (int i = 0; i < 8; i++) { w.Write(_iArrive[i]); w.Write(_dArrive[i]); }
        w.Write(_wbHead); w.Write(_wbCount); w.Write(_wbTotal);
        for (int i = 0; i < WbAddresses; i++) { w.Write(_wbEnd[i]); w.Write(_wbWords[i]); w.Write(_wbNext[i]); }
    }

    private void LoadCaches(StateReader r)
    {
        _ic.Load(r, "I-cache");
        _dc.Load(r, "D-cache");
        _iHits = r.ReadLong(); _iMisses = r.ReadLong(); _dHits = r.ReadLong(); _dMisses = r.ReadLong();
        _iFills = r.ReadLong(); _dFills = r.ReadLong(); _writeBacks = r.ReadLong();
        _iFillEnd = r.ReadLong(); _dFillEnd = r.ReadLong(); _iAhbFree = r.ReadLong(); _dAhbFree = r.ReadLong(); _wbbEnd = r.ReadLong();
        _iFillLine = r.ReadInt(); _dFillLine = r.ReadInt();
        if (_iFillLine >= _ic.Lines || _dFillLine >= _dc.Lines) throw new StateException("the checkpoint's line fill names a line the caches do not have");
        for (int i = 0; i < 8; i++) { _iArrive[i] = r.ReadLong(); _dArrive[i] = r.ReadLong(); }
        _wbHead = r.ReadInt() & 3; _wbCount = r.ReadInt(); _wbTotal = r.ReadInt();
        if (_wbCount is < 0 or > WbAddresses || _wbTotal is < 0 or > WbWords) throw new StateException("the checkpoint's write buffer is not one this core can hold");
        for (int i = 0; i < WbAddresses; i++) { _wbEnd[i] = r.ReadLong(); _wbWords[i] = r.ReadInt(); _wbNext[i] = r.ReadUInt(); }
        ClearMemos();
    }
}
