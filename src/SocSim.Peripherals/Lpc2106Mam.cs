using System.Runtime.CompilerServices;
using SocSim.Core;
using SocSim.Core.State;

namespace SocSim.Peripherals;

/// <summary>
/// The LPC2106 memory accelerator module (UM10275 chapter 4) in front of the on-chip flash, with the
/// vector remapping of MEMMAP. Part of the system control block, whose MAMCR and MAMTIM registers set
/// it; it serves and times every CPU access to the flash region.
/// </summary>
/// <remarks>
/// The two-bank organisation of UM10275 §4.2-4.9, each rule tied to its sentence:
/// <list type="bullet">
/// <item>Lines and banks. The flash is read one 128-bit line (four ARM or eight Thumb instructions) at a
/// time (§4.2); "the flash is split into two banks, each capable of independent accesses" and during
/// sequential execution "one flash bank contains ... the current instruction ... the other bank ...
/// the next sequential code line" (§4.2): consecutive lines alternate banks, line L is in bank L mod 2.
/// A flash read takes MAMTIM CCLK cycles (§4.8; MAMTIM = 0 is reserved and taken as 1, with a warning).</item>
/// <item>Buffers. "Each of the two flash banks has its own prefetch buffer and branch trail buffer"
/// (§4.2, §4.3.2), and one data latch "shared by both flash banks" (§4.3.2).</item>
/// <item>A miss. An instruction fetch "not satisfied by either the prefetch buffer or branch trail buffer
/// for its bank, and for which a prefetch has not been initiated" loads the branch trail buffers of both
/// banks with "two 128-bit lines" (§4.2) in "one flash access cycle" (§4.2): line L into its bank's
/// and line L+1 into the other's, both reads starting at once and taking MAMTIM cycles; the CPU waits
/// MAMTIM. Line L+1 is not read when the other bank already holds it or is prefetching it (a choice:
/// §4.2 does not say; reading it again would only cost power).</item>
/// <item>Prefetch. "After a code line delivers its last instruction, the bank that contained it begins
/// to fetch the next line in that bank" (§4.2): when the fetch of a line's last word (ARM) or
/// halfword (Thumb) is delivered, its bank starts reading line L+2, as the sentence says, even when
/// one of its buffers holds that line (only a read of L+2 already under way goes on). "Each prefetch buffer captures one 128-bit line ... at the conclusion of a
/// prefetch cycle" (§4.2): the line replaces the prefetch buffer's when its read ends. A fetch of a
/// line under prefetch waits for the rest of the read (at least 1 cycle).</item>
/// <item>One read per bank. A bank "capable of independent accesses" (§4.2) does one read at a time.
/// Where UM10275 is silent (a bank asked for a read while it prefetches another line) we follow
/// UM10120 (LPC2131/2/4/6/8, one bank) §4.2, whose prefetch runs "unless aborted by a data access" and
/// whose prefetched line "is discarded" when "the core presents a different address": the speculative prefetch in that bank is abandoned and the new
/// read starts at once. A prefetch asked for while one runs in its bank replaces it the same way (the
/// bank "begins to fetch", §4.2). Every read therefore ends at most MAMTIM cycles after the access
/// that started it: the flash's busy time never piles up, and no access costs more than MAMTIM.</item>
/// <item>Modes (§4.4, Table 30). MAMCR = 0: every access is a flash read, MAMTIM cycles, no prefetch.
/// MAMCR = 1 and 2: a fetch from a line held in its bank's prefetch or branch trail buffer costs 1
/// cycle, except a non-sequential one in mode 1, which "mimics the timing of a flash read" (Table 30
/// note 2): MAMTIM cycles (or the rest of a prefetch under way, if longer).</item>
/// <item>Data reads (§4.2 "there is no prefetch function for data accesses", §4.3.2, Table 31). A read of
/// a line not in the data latch reads it from its bank into the latch: MAMTIM cycles, and a prefetch
/// in that bank is abandoned (UM10120 §4.2, as above). A read from the latched line costs 1 cycle in
/// mode 2 and MAMTIM in modes 0 and 1 ("uses latched data ... but mimics the timing of a flash read",
/// Table 31 note 1), without a flash read. Writes to flash (the region is ROM; programming goes
/// through the boot ROM's IAP, not modelled) do nothing and cost the region's table cost.</item>
/// <item>"Changing the MAM operating mode causes the MAM to invalidate all of the holding latches"
/// (§4.7); writing MAMTIM does too (a choice: §4.9 says to change MAMTIM only with the MAM off).</item>
/// <item>The same-line shortcut (a speed-up, not a rule): a sequential fetch from the line the previous
/// fetch read, not its last instruction, costs 1 cycle and changes nothing when that line stays in its
/// bank's buffers whatever the flash does meanwhile: it is in the branch trail buffer, or in the
/// prefetch buffer while the bank prefetches nothing (only a concluding prefetch replaces a buffer,
/// §4.2, and only the fetch of a line's last instruction starts one). The prefetches it does not
/// conclude are concluded by the next full access, whose "now" is later, with the same result.
/// The line-crossing shortcut extends it to the sequential fetch entering line L+1 after the fetch of
/// line L's last instruction, when L+1 then stays in its bank's buffers whatever the flash does until
/// that fetch: in the branch trail buffer, or in the prefetch buffer with no prefetch under way in that
/// bank (the full fetch of L's last instruction starts a prefetch only in L's bank). It costs 1 cycle
/// (a sequential hit, Table 30) and only makes L+1 the same-line shortcut's line. Data reads between
/// (a literal load) do not change it: they abandon a bank's prefetch but never replace a buffer.
/// The streamed-last shortcut takes the sequential fetch of that line's last instruction while its bank
/// prefetches nothing (straight-line code): a 1-cycle hit that starts the bank's prefetch of L+2 and
/// concludes the other bank, the full model's steps for that case without its others.
/// <see cref="SameLineShortcut"/> = false turns all three off (tests compare both).</item>
/// <item>MEMMAP (the 64 bytes of exception vectors at 0x00-0x3F): 0 boot loader mode maps them from
/// the boot block (the top 8 KiB of the flash, offset 0x1E000), 1 user flash mode leaves them, 2 user
/// RAM mode maps them from the SRAM at 0x40000000, which costs 1 cycle (SRAM has no wait states) and
/// does not touch the MAM buffers.</item>
/// </list>
/// </remarks>
public sealed unsafe class Lpc2106Mam : ITimedMemory, ITimedCodeFetch, IStateful
{
    private const int LineShift = 4;
    private const uint LineMask = (1u << LineShift) - 1;
    /// <summary>The largest MAMTIM (Table 34): no access costs more (see <see cref="MaxClocks"/>).</summary>
    private const int MaxTiming = 7;
    /// <summary>The boot block is the top 8 KiB of the 128 KiB flash.</summary>
    public const uint BootBlockOffset = 0x1E000;
    public const uint VectorAreaSize = 0x40;

    private readonly string _name;
    private readonly Scheduler _s;
    private readonly Action<string> _warn;
    private MemoryRegion? _flash, _sram, _bootAlias;
    private Bus? _bus;
    private uint _memoryMap = 1;

    private uint _mode, _timing = 7;

    /// <summary>One flash bank's buffers (§4.3.2): the lines its prefetch and branch trail buffers hold, the line it is prefetching and the cycle that read ends.</summary>
    private struct Bank
    {
        public long Prefetch, Trail, Pending, Done;
        public static Bank Empty => new() { Prefetch = -1, Trail = -1, Pending = -1 };
    }

    private Bank _bank0 = Bank.Empty, _bank1 = Bank.Empty;
    // The line in the data latch (§4.3.2), shared by both banks.
    private long _dataLine = -1;
    // The line a sequential fetch may take in 1 cycle without the full model (see the remarks), else -1.
    private long _stream = -1;
    // The line after the one whose last instruction the previous full fetch delivered, when a sequential
    // fetch entering it is a hit that changes nothing but _stream (see the remarks), else -1.
    private long _next = -1;
    private uint _flashBase;

    /// <summary>Line L is in bank L mod 2 (§4.2: the bank that does not hold the current line holds the next one).</summary>
    private ref Bank BankOf(long line) => ref (line & 1) == 0 ? ref _bank0 : ref _bank1;

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
    /// <summary>
    /// Whether a sequential fetch from the previous fetch's line takes the same-line shortcut (see the
    /// remarks; on by default). Off: every fetch runs the full per-fetch model; the timing is the same,
    /// which tests check by running both.
    /// </summary>
    public bool SameLineShortcut { get; set; } = true;

    /// <summary>Flash reads so far (demand reads and prefetches), for tests and profiles.</summary>
    public long FlashReads { get; private set; }

    /// <summary>The size of the boot block and of its alias at the top of the on-chip memory space (§2.2).</summary>
    public const uint BootBlockSize = 0x2000;

    /// <summary>
    /// Serves <paramref name="flashRegion"/>, and <paramref name="bootAliasRegion"/> (empty: none) as the
    /// boot block's alias: "the entire Boot Block is mapped to the top of the on-chip memory space"
    /// (UM10275 §2.2, Fig 5: 0x7FFFE000-0x7FFFFFFF), the same flash bytes through the same MAM.
    /// </summary>
    public void Attach(Bus bus, string flashRegion, string sramRegion, string bootAliasRegion = "")
    {
        if (bus.FindRegion(flashRegion) == null)
            throw new ArgumentException($"{_name}: no memory region named '{flashRegion}' for the MAM (set parameters.flash)");
        _sram = bus.FindRegion(sramRegion);
        _bus = bus;
        _flash = bus.SetController(flashRegion, this);
        _flashBase = _flash.Base;
        if (bootAliasRegion.Length == 0) return;
        var alias = bus.FindRegion(bootAliasRegion)
            ?? throw new ArgumentException($"{_name}: no memory region named '{bootAliasRegion}' for the boot block alias (parameters.bootBlock)");
        if (alias.Size != BootBlockSize)
            throw new ArgumentException($"{_name}: the boot block alias '{bootAliasRegion}' must be 8KiB (0x{BootBlockSize:X} bytes), not 0x{alias.Size:X}");
        _bootAlias = bus.SetController(bootAliasRegion, this);
    }

    /// <summary>The flash offset a CPU address reads: the boot block for its alias, the vector remap of MEMMAP, else the flash's own.</summary>
    private uint FlashOffset(uint address, out bool sramVector)
    {
        sramVector = false;
        if (_bootAlias != null && _bootAlias.Contains(address)) return BootBlockOffset + (address - _bootAlias.Base);
        uint off = address - _flash!.Base;
        if (off < VectorAreaSize && _memoryMap != 1)
        {
            // User RAM mode: the vectors come from the SRAM.
            if (_memoryMap == 2 && _sram != null) { sramVector = true; return off; }
            off += BootBlockOffset;
        }
        return off;
    }

    public void Reset()
    {
        _mode = 0;
        _timing = 7;
        MemoryMap = 1;
        Invalidate();
    }

    /// <summary>
    /// MAMCR, MAMTIM, each bank's prefetch and branch trail buffers with the line it is prefetching and
    /// when that read ends, the data latch, and the flash read count. <see cref="MemoryMap"/> is not saved here: it is
    /// the system control block's MEMMAP, which sets it again after loading.
    /// </summary>
    public void SaveState(StateWriter w)
    {
        w.Write(_mode);
        w.Write(_timing);
        foreach (var b in new[] { _bank0, _bank1 })
        {
            w.Write(b.Prefetch); w.Write(b.Trail); w.Write(b.Pending); w.Write(b.Done);
        }
        w.Write(_dataLine);
        w.Write(FlashReads);
    }

    public void LoadState(StateReader r)
    {
        _mode = r.ReadUInt();
        _timing = r.ReadUInt();
        _bank0 = ReadBank(r);
        _bank1 = ReadBank(r);
        _dataLine = r.ReadLong();
        FlashReads = r.ReadLong();
        _stream = _next = -1;
    }

    private static Bank ReadBank(StateReader r) =>
        new() { Prefetch = r.ReadLong(), Trail = r.ReadLong(), Pending = r.ReadLong(), Done = r.ReadLong() };

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
        _bank0 = _bank1 = Bank.Empty;
        _dataLine = -1;
        _stream = _next = -1;
    }

    private int FlashCycles => _timing == 0 ? 1 : (int)_timing;

    public uint Read(uint address, int size, AccessFlags flags, ref bool abort, out int clocks)
    {
        // The interpreter's reads: the same timing code translated code calls, now = the cycle count.
        uint off = FlashOffset(address, out bool sramVector);
        if (sramVector)
        {
            clocks = 1;
            return _sram!.Read(_sram.Base + off, size, flags, ref abort);
        }
        clocks = FlashClocks(off, size, flags, _s.Cycles);
        return _flash!.Read(_flash.Base + off, size, flags, ref abort);
    }

    /// <summary>The cost of a CPU read at <paramref name="address"/> starting at cycle <paramref name="now"/>, advancing the buffers and the prefetch (the interpreter's <see cref="Read"/> and translated code both time reads here).</summary>
    public int Clocks(uint address, int size, AccessFlags flags, long now)
    {
        uint off = FlashOffset(address, out bool sramVector);
        // User RAM mode: the vectors come from the SRAM, no wait states, the MAM untouched.
        return sramVector ? 1 : FlashClocks(off, size, flags, now);
    }

    /// <summary>The cost of a CPU read of the flash at offset <paramref name="off"/> (see <see cref="Clocks"/>).</summary>
    private int FlashClocks(uint off, int size, AccessFlags flags, long now)
    {
        if ((flags & AccessFlags.Code) == 0) return Data(off >> LineShift, now);
        // The fetch of a line's last instruction: its last word (ARM) or halfword (Thumb).
        return Fetch(off >> LineShift, (flags & AccessFlags.Seq) != 0, ((off + (uint)size) & LineMask) == 0, now);
    }

    public MemoryRegion Region => _flash!;

    /// <summary>The flash's own bytes start at its base in user flash mode (MEMMAP = 1), after the 64 remapped vector bytes otherwise.</summary>
    public uint DirectFrom => _memoryMap == 1 ? _flash!.Base : _flash!.Base + VectorAreaSize;

    /// <summary>
    /// Every access costs at most MAMTIM (at most 7): a hit 1 or MAMTIM, a miss or a flash data read
    /// MAMTIM, and the wait for a line under prefetch the rest of a read that started no earlier than
    /// the previous access was delivered (a prefetch starts when a line's last instruction is delivered,
    /// and a new read in a bank abandons the prefetch there instead of queuing behind it).
    /// </summary>
    public int MaxClocks => MaxTiming;

    // The state Mark saved (translated code rolls an instruction's fetch back when it leaves that
    // instruction to the interpreter).
    private Bank _mBank0, _mBank1;
    private long _mData, _mReads, _mStream, _mNext;

    public void Mark()
    {
        _mBank0 = _bank0; _mBank1 = _bank1;
        _mData = _dataLine; _mReads = FlashReads; _mStream = _stream; _mNext = _next;
    }

    public void Rollback()
    {
        _bank0 = _mBank0; _bank1 = _mBank1;
        _dataLine = _mData; FlashReads = _mReads; _stream = _mStream; _next = _mNext;
    }

    /// <summary>
    /// A translated fetch from the flash's own bytes (from <see cref="DirectFrom"/>, where the address
    /// is its flash offset plus the base): <see cref="Clocks"/> without the address decoding
    /// (<see cref="FetchClocksAt"/> at the address's offset).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int FetchClocks(uint address, int size, bool seq, long now) => FetchClocksAt(address - _flashBase, size, seq, now);

    /// <summary>
    /// A translated fetch at flash offset <paramref name="offset"/> (in the flash's own bytes): the
    /// same-line, line-crossing and streamed-last shortcuts in line, so a compile-time offset, size and
    /// kind fold them to one or two comparisons (the line-crossing one only for a line's first
    /// instruction, the streamed-last one only for its last), else the full model.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int FetchClocksAt(uint offset, int size, bool seq, long now)
    {
        long line = offset >> LineShift;
        bool last = ((offset + (uint)size) & LineMask) == 0;
        if (seq)
        {
            if (!last)
            {
                if (line == _stream) return 1;
                if ((offset & LineMask) == 0 && line == _next) { _stream = line; return 1; }
            }
            else if (line == _stream && BankOf(line).Pending < 0) return StreamedLast(line, now);
        }
        return Fetch(line, seq, last, now);
    }

    /// <summary>
    /// The streamed-last shortcut (a speed-up, not a rule): the sequential fetch of the last instruction
    /// of the same-line shortcut's line while its bank prefetches nothing. What <see cref="Fetch"/> does
    /// then, without its general cases: the line is in its bank's buffers (the shortcut's condition), so
    /// a sequential hit of 1 cycle (Table 30) whose bank has nothing to conclude; the bank starts
    /// prefetching line + 2 when the instruction is delivered (§4.2); the other bank concludes at
    /// <paramref name="now"/> as the full model concludes it, and the line-crossing condition is taken as there.
    /// </summary>
    private int StreamedLast(long line, long now)
    {
        ref var bank = ref BankOf(line);
        // Its bank prefetches nothing (the shortcut's condition): the prefetch starts when the 1-cycle hit delivers.
        Prefetch(ref bank, line + 2, now + 1);
        // The line stays in the buffers until the next prefetch only from the branch trail buffer (the prefetch buffer takes line + 2).
        _stream = line == bank.Trail ? line : -1;
        ref var other = ref BankOf(line + 1);
        Conclude(ref other, now);
        _next = Buffered(other, line + 1) ? line + 1 : -1;
        return 1;
    }

    public void Write(uint address, int size, uint value, AccessFlags flags, ref bool abort)
    {
        uint off = FlashOffset(address, out bool sramVector);
        if (sramVector) _sram!.Write(_sram.Base + off, size, value, flags, ref abort);
    }

    /// <summary>A prefetch whose read has ended by <paramref name="now"/> is in its bank's prefetch buffer ("captures ... at the conclusion of a prefetch cycle", §4.2).</summary>
    /// <remarks>Inlined: called twice by every full fetch and data read (the JIT left it a call).</remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Conclude(ref Bank b, long now)
    {
        if (b.Pending >= 0 && b.Done <= now)
        {
            b.Prefetch = b.Pending;
            b.Pending = -1;
        }
    }

    private int Fetch(long line, bool seq, bool last, long now)
    {
        // The same-line and line-crossing shortcuts (see the remarks): _stream and _next are -1 in mode 0.
        if (seq && !last && (line == _stream || line == _next))
        {
            _stream = line;
            return 1;
        }
        int t = FlashCycles;
        if (_mode == 0)
        {
            // §4.4 mode 0: every request is a flash read, no prefetches.
            FlashReads++;
            return t;
        }
        Conclude(ref _bank0, now);
        Conclude(ref _bank1, now);
        ref var bank = ref BankOf(line);
        // Table 30: a non-sequential fetch in mode 1 "initiates a fetch" even from the latches (note 2: it mimics the flash read's timing).
        int floor = !seq && _mode == 1 ? t : 1;
        int cost;
        if (line == bank.Prefetch || line == bank.Trail) cost = floor;
        else if (line == bank.Pending)
        {
            // Under prefetch: the CPU waits for the rest of the read, then the prefetch buffer has it.
            cost = Math.Max(floor, (int)(bank.Done - now));
            bank.Prefetch = line;
            bank.Pending = -1;
        }
        else
        {
            // A miss (§4.2): both branch trail buffers load in one flash access, this line in its bank and
            // the next line in the other bank (unless that bank holds it or is prefetching it); a
            // prefetch under way in a bank that reads is abandoned.
            FlashReads++;
            cost = t;
            bank.Pending = -1;
            bank.Trail = line;
            ref var other = ref BankOf(line + 1);
            if (line + 1 != other.Prefetch && line + 1 != other.Trail && line + 1 != other.Pending)
            {
                FlashReads++;
                other.Pending = -1;
                other.Trail = line + 1;
            }
        }
        // §4.2: "after a code line delivers its last instruction, the bank that contained it begins to fetch the next line in that bank".
        if (last) Prefetch(ref bank, line + 2, now + cost);
        // The line stays in its bank's buffers until this bank's next prefetch (the shortcut's condition).
        _stream = SameLineShortcut && (bank.Pending < 0 || line == bank.Trail) ? line : -1;
        // The line-crossing shortcut (see the remarks): line + 1 stays in the other bank's buffers until the next fetch.
        _next = -1;
        if (last && SameLineShortcut)
        {
            if (Buffered(BankOf(line + 1), line + 1)) _next = line + 1;
        }
        return cost;
    }

    /// <summary>Whether <paramref name="line"/> stays in <paramref name="bank"/>'s buffers until that bank's next fetch: its branch trail buffer, or its prefetch buffer while no prefetch replaces it (the line-crossing shortcut's condition).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool Buffered(in Bank bank, long line) => line == bank.Trail || (bank.Pending < 0 && line == bank.Prefetch);

    /// <summary>Bank <paramref name="bank"/> starts reading <paramref name="line"/> at <paramref name="start"/>, abandoning a prefetch of another line under way there; a read of that line under way goes on.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Prefetch(ref Bank bank, long line, long start)
    {
        if (line == bank.Pending) return;
        FlashReads++;
        bank.Pending = line;
        bank.Done = start + FlashCycles;
    }

    private int Data(long line, long now)
    {
        int t = FlashCycles;
        if (_mode != 0)
        {
            Conclude(ref _bank0, now);
            Conclude(ref _bank1, now);
            // Table 31: the data latch serves in mode 2; in mode 1 its data is used with a flash read's timing (note 1).
            if (line == _dataLine) return _mode == 2 ? 1 : t;
            // A flash read of 4 words into the data latch (§4.3.2); the bank's prefetch under way is abandoned.
            BankOf(line).Pending = -1;
            _dataLine = line;
        }
        FlashReads++;
        return t;
    }
}
