using SocSim.Core;
using SocSim.Core.State;

namespace SocSim.Peripherals;

/// <summary>
/// The LPC2106 memory accelerator module (User Manual, "Memory Accelerator Module (MAM)") in front of
/// the on-chip flash, with the vector remapping of MEMMAP. Part of the system control block, whose
/// MAMCR and MAMTIM registers set it; it serves and times every CPU access to the flash region.
/// </summary>
/// <remarks>
/// The flash is read 128 bits (one line: four ARM or eight Thumb instructions) at a time; a flash read
/// takes MAMTIM CCLK cycles (MAMTIM = 0 is reserved and is taken as 1, with a warning). The MAM holds
/// three line buffers: the prefetch buffer and the branch trail buffer for instructions, the data
/// buffer for data. Timing model, per the manual's operation description and its "MAM responses to
/// program accesses" and "to data accesses" tables:
/// <list type="bullet">
/// <item>MAMCR = 0 (off): every access is a flash read: MAMTIM cycles.</item>
/// <item>Instruction fetch, MAMCR = 1 or 2: a line held in the prefetch or branch trail buffer is
/// served in 1 cycle, except a non-sequential fetch in mode 1, which "mimics the timing of a flash
/// read" (table note 2): MAMTIM cycles. A line being prefetched is served when the prefetch completes
/// (the CPU waits only the rest of it, at least 1 cycle). Otherwise the line is read from flash
/// (MAMTIM cycles); a non-sequential miss fills the branch trail buffer, a sequential miss the
/// prefetch buffer.</item>
/// <item>Prefetch: after every instruction fetch from line L the MAM starts reading line L+1 as soon
/// as the flash is free (at once after a buffer hit, at the end of the read after a miss), unless
/// L+1 is already buffered or being prefetched. A prefetched line is taken into the prefetch buffer
/// only when the CPU asks for it; a fetch from another line discards it ("Operation").</item>
/// <item>Data reads: mode 0 and 1 read the flash (MAMTIM cycles) every time ("all data operations
/// cause a flash read"); mode 2 serves a line held in the data buffer in 1 cycle, else reads the flash
/// into the data buffer. A data read from flash aborts a prefetch in progress ("unless aborted by a
/// data access"). Writes to flash (the region is ROM; programming goes through the boot ROM's IAP,
/// not modelled) do nothing and cost the region's table cost.</item>
/// <item>Changing MAMCR or MAMTIM invalidates the three buffers and any prefetch (a choice: the manual
/// says to change MAMTIM only with the MAM off).</item>
/// <item>MEMMAP (the 64 bytes of exception vectors at 0x00-0x3F): 0 boot loader mode maps them from
/// the boot block (the top 8 KiB of the flash, offset 0x1E000), 1 user flash mode leaves them, 2 user
/// RAM mode maps them from the SRAM at 0x40000000, which costs 1 cycle (SRAM has no wait states) and
/// does not touch the MAM buffers.</item>
/// </list>
/// </remarks>
public sealed unsafe class Lpc2106Mam : ITimedMemory, IStateful
{
    private const int LineShift = 4;
    /// <summary>The boot block is the top 8 KiB of the 128 KiB flash.</summary>
    public const uint BootBlockOffset = 0x1E000;
    public const uint VectorAreaSize = 0x40;

    private readonly string _name;
    private readonly Scheduler _s;
    private readonly Action<string> _warn;
    private MemoryRegion? _flash, _sram;
    private Bus? _bus;
    private uint _memoryMap = 1;

    private uint _mode, _timing = 7;
    private long _prefetchLine = -1, _trailLine = -1, _dataLine = -1;
    // The line being prefetched (or prefetched and latched by the flash), and the cycle its read ends.
    private long _pendingLine = -1, _pendingDone;
    // The cycle the flash finishes its current read.
    private long _flashFree;

    public Lpc2106Mam(string name, Scheduler scheduler, Action<string> warn)
    {
        _name = name;
        _s = scheduler;
        _warn = warn;
    }

    public uint Mode => _mode;
    public uint Timing => _timing;
    /// <summary>
    /// MEMMAP's vector mapping. A change drops every translation (<see cref="Bus.NotifyMappingChanged"/>):
    /// translated code executes only the flash's own bytes, from <see cref="DirectFrom"/> up.
    /// </summary>
    public uint MemoryMap
    {
        get => _memoryMap;
        set
        {
            if (value == _memoryMap) return;
            _memoryMap = value;
            _bus?.NotifyMappingChanged();
        }
    }
    /// <summary>Flash reads so far (demand reads and prefetches), for tests and profiles.</summary>
    public long FlashReads { get; private set; }

    public void Attach(Bus bus, string flashRegion, string sramRegion)
    {
        if (bus.FindRegion(flashRegion) == null)
            throw new ArgumentException($"{_name}: no memory region named '{flashRegion}' for the MAM (set parameters.flash)");
        _sram = bus.FindRegion(sramRegion);
        _bus = bus;
        _flash = bus.SetController(flashRegion, this);
    }

    public void Reset()
    {
        _mode = 0;
        _timing = 7;
        MemoryMap = 1;
        Invalidate();
    }

    /// <summary>
    /// MAMCR, MAMTIM, the three line buffers, the line being prefetched and when its read ends, when
    /// the flash is free, and the flash read count. <see cref="MemoryMap"/> is not saved here: it is
    /// the system control block's MEMMAP, which sets it again after loading.
    /// </summary>
    public void SaveState(StateWriter w)
    {
        w.Write(_mode);
        w.Write(_timing);
        w.Write(_prefetchLine); w.Write(_trailLine); w.Write(_dataLine);
        w.Write(_pendingLine); w.Write(_pendingDone);
        w.Write(_flashFree);
        w.Write(FlashReads);
    }

    public void LoadState(StateReader r)
    {
        _mode = r.ReadUInt();
        _timing = r.ReadUInt();
        _prefetchLine = r.ReadLong(); _trailLine = r.ReadLong(); _dataLine = r.ReadLong();
        _pendingLine = r.ReadLong(); _pendingDone = r.ReadLong();
        _flashFree = r.ReadLong();
        FlashReads = r.ReadLong();
    }

    public void SetMode(uint mode)
    {
        _mode = mode == 3 ? _mode : mode;
        if (mode == 3) _warn($"{_name}: MAMCR = 3 is reserved (User Manual, MAMCR); the mode is left at {_mode}");
        Invalidate();
    }

    public void SetTiming(uint timing)
    {
        if (timing == 0) _warn($"{_name}: MAMTIM = 0 is reserved (User Manual, MAMTIM); taken as 1 cycle");
        _timing = timing;
        Invalidate();
    }

    private void Invalidate()
    {
        _prefetchLine = _trailLine = _dataLine = _pendingLine = -1;
        _flashFree = 0;
    }

    private int FlashCycles => _timing == 0 ? 1 : (int)_timing;

    public uint Read(uint address, int size, AccessFlags flags, ref bool abort, out int clocks)
    {
        // The interpreter's reads: the same timing code translated code calls, now = the cycle count.
        clocks = Clocks(address, size, flags, _s.Cycles);
        var flash = _flash!;
        uint off = address - flash.Base;
        if (off < VectorAreaSize && _memoryMap != 1)
        {
            if (_memoryMap == 2 && _sram != null) return _sram.Read(_sram.Base + off, size, flags, ref abort);
            off += BootBlockOffset;
        }
        return flash.Read(flash.Base + off, size, flags, ref abort);
    }

    /// <summary>The cost of a CPU read at <paramref name="address"/> starting at cycle <paramref name="now"/>, advancing the buffers and the prefetch (the interpreter's <see cref="Read"/> and translated code both time reads here).</summary>
    public int Clocks(uint address, int size, AccessFlags flags, long now)
    {
        uint off = address - _flash!.Base;
        if (off < VectorAreaSize && _memoryMap != 1)
        {
            // User RAM mode: the vectors come from the SRAM, no wait states, the MAM untouched.
            if (_memoryMap == 2 && _sram != null) return 1;
            off += BootBlockOffset;
        }
        return (flags & AccessFlags.Code) != 0 ? Fetch(off >> LineShift, (flags & AccessFlags.Seq) != 0, now) : Data(off >> LineShift, now);
    }

    public MemoryRegion Region => _flash!;

    /// <summary>The flash's own bytes start at its base in user flash mode (MEMMAP = 1), after the 64 remapped vector bytes otherwise.</summary>
    public uint DirectFrom => _memoryMap == 1 ? _flash!.Base : _flash!.Base + VectorAreaSize;

    /// <summary>
    /// No constant bound exists for this model. A miss or a demand read costs MAMTIM (at most 7); a
    /// buffer hit 1 or MAMTIM; but a fetch of the line being prefetched waits until that prefetch ends,
    /// and a prefetch starts only when the flash is free (<c>_flashFree</c>), which every prefetch
    /// started after a buffer hit pushes MAMTIM cycles further even when a later hit discards it. Code
    /// alternating between two buffered lines that are not adjacent (a call and its return, each line
    /// a hit) thus pushes <c>_flashFree</c> ahead by up to MAMTIM - 1 cycles per fetch, without limit,
    /// until a miss or a data read resets it; the next fetch of the pending line then waits all of it.
    /// </summary>
    public int MaxClocks => int.MaxValue;

    // The state Mark saved (translated code rolls an instruction's fetch back when it leaves that
    // instruction to the interpreter).
    private long _mPrefetch, _mTrail, _mData, _mPending, _mPendingDone, _mFlashFree, _mReads;

    public void Mark()
    {
        _mPrefetch = _prefetchLine; _mTrail = _trailLine; _mData = _dataLine;
        _mPending = _pendingLine; _mPendingDone = _pendingDone;
        _mFlashFree = _flashFree; _mReads = FlashReads;
    }

    public void Rollback()
    {
        _prefetchLine = _mPrefetch; _trailLine = _mTrail; _dataLine = _mData;
        _pendingLine = _mPending; _pendingDone = _mPendingDone;
        _flashFree = _mFlashFree; FlashReads = _mReads;
    }

    public void Write(uint address, int size, uint value, AccessFlags flags, ref bool abort)
    {
        var flash = _flash!;
        uint off = address - flash.Base;
        if (off < VectorAreaSize && _memoryMap == 2 && _sram != null)
            _sram.Write(_sram.Base + off, size, value, flags, ref abort);
    }

    private int Fetch(long line, bool seq, long now)
    {
        int t = FlashCycles;
        if (_mode == 0)
        {
            FlashReads++;
            return t;
        }
        int cost;
        if (line == _prefetchLine || line == _trailLine)
        {
            cost = !seq && _mode == 1 ? t : 1;
            StartPrefetch(line + 1, now);
        }
        else if (line == _pendingLine)
        {
            // The prefetch of this line is done or under way: wait for its end.
            cost = (int)Math.Max(1, _pendingDone - now);
            _prefetchLine = line;
            _pendingLine = -1;
            StartPrefetch(line + 1, now + cost);
        }
        else
        {
            // A miss: the line is read now; a prefetch of another line is discarded.
            FlashReads++;
            cost = t;
            _pendingLine = -1;
            if (seq) _prefetchLine = line; else _trailLine = line;
            _flashFree = now + t;
            StartPrefetch(line + 1, now + t);
        }
        return cost;
    }

    private void StartPrefetch(long line, long earliest)
    {
        if (line == _prefetchLine || line == _trailLine || line == _pendingLine) return;
        long start = Math.Max(earliest, _flashFree);
        FlashReads++;
        _pendingLine = line;
        _pendingDone = start + FlashCycles;
        _flashFree = _pendingDone;
    }

    private int Data(long line, long now)
    {
        if (_mode == 2 && line == _dataLine) return 1;
        // A flash read for data: a prefetch in progress is aborted.
        FlashReads++;
        if (_pendingLine >= 0 && _pendingDone > now) _pendingLine = -1;
        if (_mode == 2) _dataLine = line;
        int t = FlashCycles;
        _flashFree = now + t;
        return t;
    }
}
