using SocSim.Arm.Translation;
using SocSim.Core;
using SocSim.Core.Cores;

namespace SocSim.Arm;

public sealed unsafe partial class ArmCpu
{
    private BlockTranslator? _translator;
    // The memory controller whose timing translated code calls (BlockTranslator.Timing.cs); it reaches
    // the controller through this field, typed by the concrete sealed class in its IL.
    internal ITimedMemory? _timedMemory;

    /// <summary>
    /// Counts what may have written RAM that holds a translated region's code while the core runs (issue
    /// 21): a region's store whose host bytes overlap [<see cref="_codeLo"/>, <see cref="_codeHi"/>), the
    /// host span of every RAM region's code; every call from a region into the core that can reach a device
    /// or the interpreter (<see cref="StepFromRegion"/>, <see cref="RegionDevice"/>,
    /// <see cref="RegionDeviceWrite"/>, a refill of <see cref="RefillFromRegion"/> off the bus's page table,
    /// the exit helpers);
    /// and everything the run loop does other than running regions (a step, an interrupt entry, an
    /// event, a watch's action). A RAM region that matched memory is not compared again while this
    /// count, the translator's epoch (every run of the core, every flush) and the bus's untracked writes
    /// (loaders, debuggers) stay the same (<see cref="Region.Unchanged"/>): nothing else writes memory
    /// while the core runs (a board has one core; devices run in events and accesses, both counted). The
    /// host span makes it exact for aliases too (two addresses of one byte). Another bus master writing
    /// RAM outside those would have to count here too.
    /// </summary>
    internal int _codeWrites;
    internal byte* _codeLo, _codeHi;

    /// <summary>The block translator when the engine is <see cref="ExecutionEngine.Translate"/>, else null.</summary>
    public BlockTranslator? Translator => _translator;

    public ExecutionEngine Engine => _translator != null ? ExecutionEngine.Translate : ExecutionEngine.Interpret;

    /// <summary>
    /// Selects the engine; <paramref name="threshold"/> is the translator's compile threshold (null: its
    /// default); <paramref name="background"/> whether it compiles on a worker thread (see <see cref="BlockTranslator"/>);
    /// <paramref name="holdOff"/> the instructions executed before it compiles anything (<see cref="BlockTranslator.HoldOff"/>).
    /// </summary>
    public void SetEngine(ExecutionEngine engine, int? threshold = null, bool background = true, long holdOff = 0)
    {
        if (_translator != null) _bus.MappingChanged -= _translator.Flush;
        _translator = engine == ExecutionEngine.Translate ? new BlockTranslator(this, threshold ?? BlockTranslator.DefaultThreshold, background, holdOff) : null;
    }

    /// <summary>
    /// A region reached an instruction whose access leaves the fast path (or one it leaves to the
    /// interpreter): the interpreter executes it. Returns whether the region may go on at the next
    /// boundary (only where it has a place to go on, <paramref name="canResume"/>: after an access off
    /// the fast path), as the run loop would enter it there with the same <paramref name="limit"/>: no
    /// interrupt or abort pending, no event due before the limit (the access may have scheduled one),
    /// no stop or idle request, nobody watching, the same mode and state.
    /// </summary>
    private bool StepFromRegion(long limit, bool canResume)
    {
        // The run loop counts every instruction of the call as translated: not this one.
        _translator!.SteppedAtExits++;
        _translator.TranslatedInstructions--;
        _translator.Fallback.AtExit(_op0, (_cpsr & Psr.T) != 0);
        uint state = _cpsr & (Psr.T | Psr.ModeMask);
        Step();
        _codeWrites++;
        if (!canResume) return false;
        // A store the interpreter made (part of an STM on the fast path, a remapped vector write) may
        // have changed the region's code: compared as at an entry.
        bool go = !_intPending && !_abt0 && !_abt1 && !_stop && !_sleeping && _s.NextEventCycle >= limit && _s.Cycles < limit
            && _hook == null && _bus.Observer == null && (_cpsr & (Psr.T | Psr.ModeMask)) == state && _region!.Unchanged(_translator.Epoch, _bus.UntrackedWrites, _codeWrites);
        if (go) _translator.Resumes++;
        return go;
    }

    /// <summary>
    /// What a region's device access (<see cref="RegionDevice"/>, <see cref="RegionDeviceWrite"/>) left the
    /// region to do: 0 go on, 1 leave after the instruction (the access raised something), 2 leave after
    /// it through <see cref="DataAbortFromRegion"/> (the access aborted).
    /// </summary>
    internal int _regionExit;

    /// <summary>Where a region's device read leaves its value, at the offset the page fast path reads it from (see <see cref="RegionDevice"/>).</summary>
    private readonly byte[] _deviceScratch = GC.AllocateArray<byte>((int)Bus.PageMask + 1, pinned: true);

    /// <summary>
    /// A load or store of a translated region whose address has no page (a device register, a ROM write,
    /// unmapped space), made from the region instead of the interpreter: <paramref name="cycles"/> is the
    /// region's cycle count at the data cycle's start, where the interpreter's core is when it accesses
    /// the bus, so the device catches up to the same cycle. A read goes through the bus now (the
    /// interpreter's Read8/16/32 with its flags: the device, its wait states, an abort) and its value is
    /// left in a scratch page at the offset the region's page fast path reads, which the region then
    /// reads as from RAM (rotation, sign extension as for memory); a write only gets the scratch page,
    /// the region stores the value there and <see cref="RegionDeviceWrite"/> makes the access at the
    /// instruction's end. <paramref name="size"/> is 1, 2 or 4 bytes, or 0 for ARM LDRSH (a byte at
    /// an odd address, TRM 4.10). Null: the interpreter executes the instruction (memory behind a
    /// controller, whose cost is its model's, not the bus's table the region charges). The scheduler's
    /// cycle count is left after the access (the region's exits write their own back; a read's abort
    /// exit goes on from it).
    /// </summary>
    internal byte* RegionDevice(uint address, int size, bool read, long cycles, long limit)
    {
        if (_bus.FindMapping(address)?.Controller != null) return null;
        if (size == 0) size = (address & 1) != 0 ? 1 : 2;
        fixed (byte* scratch = _deviceScratch)
        {
            if (!read) return scratch;
            _s.Cycles = cycles;
            int flushes = _translator!.Flushes;
            switch (size)
            {
                case 4: *(uint*)(scratch + (address & (Bus.PageMask & ~3u))) = _bus.Read32(address, AccessFlags.None); break;
                case 2: *(ushort*)(scratch + (address & (Bus.PageMask & ~1u))) = (ushort)_bus.Read16(address, AccessFlags.None); break;
                default: scratch[address & Bus.PageMask] = (byte)_bus.Read8(address, AccessFlags.None); break;
            }
            _codeWrites++;
            _regionExit = AfterRegionDevice(limit, flushes);
            return scratch;
        }
    }

    /// <summary>The write a region stored into the scratch page (see <see cref="RegionDevice"/>), made through the bus at <paramref name="cycles"/>, the data cycle's start.</summary>
    internal void RegionDeviceWrite(uint address, int size, long cycles, long limit)
    {
        fixed (byte* scratch = _deviceScratch)
        {
            _s.Cycles = cycles;
            int flushes = _translator!.Flushes;
            switch (size)
            {
                case 4: _bus.Write32(address, *(uint*)(scratch + (address & (Bus.PageMask & ~3u))), AccessFlags.None); break;
                case 2: _bus.Write16(address, *(ushort*)(scratch + (address & (Bus.PageMask & ~1u))), AccessFlags.None); break;
                default: _bus.Write8(address, scratch[address & Bus.PageMask], AccessFlags.None); break;
            }
            _codeWrites++;
            _regionExit = AfterRegionDevice(limit, flushes);
        }
    }

    /// <summary>
    /// After a region's device access: 2 when it aborted (the flag taken, as the interpreter's loads and
    /// stores take it), 1 when the region must leave after the instruction because the run loop would
    /// not enter it at the next boundary with the same limit (as <see cref="StepFromRegion"/> decides:
    /// an interrupt now pending, an event due before the limit, a stop, idle or wake request, a hook or
    /// bus observer, a changed memory map or changed code under the region), else 0: it goes on.
    /// </summary>
    private int AfterRegionDevice(long limit, int flushes)
    {
        var t = _translator!;
        t.DeviceAccesses++;
        if (_bus.Aborted)
        {
            _bus.Aborted = false;
            t.DeviceExits++;
            return 2;
        }
        if (_intPending || _stop || _sleeping || _s.NextEventCycle < limit || _hook != null || _bus.Observer != null
            || t.Flushes != flushes || !_region!.Unchanged(t.Epoch, _bus.UntrackedWrites, _codeWrites))
        {
            t.DeviceExits++;
            return 1;
        }
        return 0;
    }

    /// <summary>
    /// The refill at a region's branch exit (a computed branch, a branch out of the region's page): the
    /// interpreter's <see cref="Refill"/>, except when both words lie in the own bytes of the memory
    /// controller the translator times (<see cref="_timedMemory"/>, the LPC2106 MAM's flash) and it offers
    /// <see cref="ITimedCodeFetch"/>: then the N and S fetches are timed by its <c>FetchClocks</c> and read
    /// from its bytes, as the bus's slow path would through the controller's <c>Read</c> (same clocks by
    /// that interface's contract, the same bytes, no abort there) without the slow path's mapping search,
    /// the interface call and the controller's address decoding. Only with no bus observer (none watches
    /// while a region runs).
    /// </summary>
    internal void RefillFromRegion(uint target)
    {
        if (_timedMemory != null && _bus.Observer == null)
        {
            var t = _translator!;
            if (_refillFlushes != t.Flushes || !ReferenceEquals(_refillTimed, _timedMemory))
            {
                _refillTimed = _timedMemory;
                _refillFetch = _timedMemory as ITimedCodeFetch;
                _refillMapping = null;
                _refillFlash = _timedMemory.Region;
                _refillFrom = _timedMemory.DirectFrom;
                _refillFlushes = t.Flushes;
            }
            uint step = (_cpsr & Psr.T) != 0 ? 2u : 4u;
            uint a = step == 2 ? target & ~1u : target;
            var flash = _refillFlash!;
            if (_refillFetch is { } fetch && (a & (step - 1)) == 0 && a >= _refillFrom && (ulong)a + 2 * step <= flash.End
                && InControllerMapping(a))
            {
                byte* p = flash.Data + (a - flash.Base);
                _s.Cycles += fetch.FetchClocks(a, (int)step, false, _s.Cycles);
                _s.Cycles += fetch.FetchClocks(a + step, (int)step, true, _s.Cycles);
                _op0 = step == 2 ? *(ushort*)p : *(uint*)p;
                _op1 = step == 2 ? *(ushort*)(p + 2) : *(uint*)(p + 4);
                _abt0 = _abt1 = false;
                _r[15] = a + 2 * step;
                _fetchSeq = AccessFlags.Seq;
                _translator!.FastRefills++;
                return;
            }
        }
        // Two fetches through the bus's page table (RAM, ROM) write nothing; one off it (a device, memory
        // behind a controller) may have done anything.
        byte** pages = _bus.ReadPageTable;
        bool pageTable = pages[target >> Bus.PageShift] != null && pages[(target + 4) >> Bus.PageShift] != null;
        Refill(target);
        if (!pageTable) _codeWrites++;
    }

    /// <summary>
    /// The timed controller's code-fetch entry, its region, where its own bytes start
    /// (<see cref="ITimedMemory.DirectFrom"/>) and the mapping of its window last refilled from, for
    /// <see cref="RefillFromRegion"/> (read once, not through the interface at every refill): valid while
    /// the controller is <see cref="_refillTimed"/> and the translator's flush count is
    /// <see cref="_refillFlushes"/> (a mapping change flushes it, and ITimedMemory's contract announces
    /// every change of DirectFrom as one).
    /// </summary>
    private ITimedMemory? _refillTimed;
    private ITimedCodeFetch? _refillFetch;
    private MemoryRegion? _refillFlash;
    private uint _refillFrom;
    private Bus.Mapping? _refillMapping;
    private int _refillFlushes = -1;

    /// <summary>Whether <paramref name="a"/> lies in a mapping of the timed controller (the last one found, else the bus's search).</summary>
    private bool InControllerMapping(uint a)
    {
        // Reference tests (is null): a record's == calls its Equals.
        var m = _refillMapping;
        if (m is not null && a - m.Base < m.Size) return true;
        m = _bus.FindMapping(a);
        if (m is null || !ReferenceEquals(m.Controller, _timedMemory)) return false;
        _refillMapping = m;
        return true;
    }

    /// <summary>A region's load or store at <paramref name="address"/> aborted: the data abort the interpreter takes at the instruction's end (base-updated model), the region's state written back.</summary>
    internal void DataAbortFromRegion(uint address, uint unused) => DataAbort(address);

    /// <summary>
    /// The run loop's interrupt sampling at a boundary where an interrupt may be pending and nobody
    /// watches: what <see cref="Step"/> does first (<see cref="TakeInterrupt"/>, TRM 2.8.7), without
    /// stepping an instruction when it takes nothing. Returns true when the boundary is done: an entry
    /// was made (the loop then enters the region at the vector, if any), or an MSR unmasked a line that
    /// is asserted, whose entry comes after the next instruction (the mask decides one boundary late,
    /// see TakeInterrupt): that instruction is stepped without sampling, as Step would. False: nothing
    /// pending any more (the boundary after an MSR that changed I or F with no line asserted), the
    /// loop goes on at the same boundary and may enter a region there.
    /// </summary>
    private bool SampleInterrupts(BlockTranslator t)
    {
        _codeWrites++;
        if (TakeInterrupt())
        {
            t.InterruptEntries++;
            return true;
        }
        if (!_intPending) return false;
        t.Fallback.Count(FallbackClass.Unmasked);
        StepInstruction();
        return true;
    }

    /// <summary>The region the run loop is running (for <see cref="StepFromRegion"/>).</summary>
    private Region? _region;

    /// <summary>
    /// Called after every translated block (differential testing); null costs one branch per block. It must
    /// not write this core's memory: the run loop does not count it among the writers of code (see
    /// <see cref="_codeWrites"/>), so a region entered next is not compared with memory again.
    /// </summary>
    public Action<ArmCpu>? BlockExited { get; set; }

    /// <summary>
    /// The run loop of the translating engine: the interpreter's loop, except that at an instruction
    /// boundary where nobody watches (no hook, no bus observer), no interrupt or prefetch abort is
    /// pending and a translated region starts, the region runs in place of single steps. It checks the
    /// limit (the next event or the stop limit) before every instruction and leaves at the first
    /// boundary at or past it, the boundary where this loop stops the interpreter, so every event is
    /// handled where the interpreter handles it.
    /// </summary>
    private bool RunTranslated(long cycleLimit)
    {
        var s = _s;
        var t = _translator!;
        _stop = false;
        t.Epoch++;
        // Set only while a region entered after its watch's action runs; a region that threw left it set.
        _watchChecked = NoAddress;
        // The region that ran last, while nothing ran between it and the next boundary (its one-entry
        // cache of the next entry is tried before the translator's cache).
        Region? last = null;
        while (!_stop && s.Cycles < cycleLimit)
        {
            long end = Math.Min(s.NextEventCycle, cycleLimit);
            // The events of the last round (s.RunDue below) or of StayIdle.
            _codeWrites++;
            // As Run: idle until an event raises nIRQ or nFIQ.
            if (_sleeping && StayIdle(end)) continue;
            while (s.Cycles < end && s.Cycles < s.NextEventCycle)
            {
                if (_intPending && _hook == null && SampleInterrupts(t)) continue;
                if (_hook == null && !_intPending && !_abt0 && !_abt1 && _bus.Observer == null)
                {
                    // Key: address | Thumb bit. ARM code at a non-word-aligned R15 is left to the interpreter.
                    uint key = (_cpsr & Psr.T) != 0 ? (_r[15] - 4) | 1 : _r[15] - 8;
                    if ((_cpsr & Psr.T) != 0 || (key & 3) == 0)
                    {
                        BlockEntry? b;
                        if (last != null && last.NextKey == key && last.NextFlushes == t.Flushes && last.Next!.Region != null)
                        {
                            b = last.Next;
                            t.NextEntryHits++;
                        }
                        else
                        {
                            b = t.Lookup(key);
                            if (last != null && b != null) { last.Next = b; last.NextKey = key; last.NextFlushes = t.Flushes; }
                        }
                        last = null;
                        if (b != null && b.Region!.Ready && (b.Seq < 0 || b.Seq == (int)(_fetchSeq & AccessFlags.Seq)))
                        {
                            var region = b.Region!;
                            if (b.Matches(_op0, _op1) && region.Unchanged(t.Epoch, _bus.UntrackedWrites, _codeWrites))
                            {
                                // A watched address in the region's code: stepped (the watch checked at each step),
                                // unless the watch matters only at this entry (its action made here, see EnterWatchedRegion).
                                if (_watchCount != 0 && WatchCovers(region) && !EnterWatchedRegion(t, region, b, key, end)) continue;
                                long limit = Math.Min(end, s.NextEventCycle);
                                long i0 = _instructions;
                                _region = region;
                                if (region.Jitted) region.Code(limit, b.Entry);
                                else t.RunFirst(b, limit);
                                bool watchChecked = _watchChecked != NoAddress;
                                _watchChecked = NoAddress;
                                t.TranslatedInstructions += _instructions - i0;
                                t.BlockRuns++;
                                BlockExited?.Invoke(this);
                                if (_instructions != i0) { last = region; continue; }
                                // A region that ran nothing (kept for safety: with per-instruction checks
                                // a region entered before its limit runs its first instruction): stepped, the first
                                // without the watch check already made.
                                if (watchChecked) StepUnwatched();
                                while (s.Cycles < end && s.Cycles < s.NextEventCycle) Step();
                                _codeWrites++;
                                t.Fallback.AtLimit(_instructions - i0);
                                continue;
                            }
                            // Memory under the region changed (self-modifying code, a loader, a debugger):
                            // translate it again once hot. A stale pipeline alone just steps.
                            else if (b.Matches(_op0, _op1)) t.Invalidate(b);
                        }
                    }
                }
                t.Fallback.Outside(_op0, (_cpsr & Psr.T) != 0, _intPending);
                Step();
                _codeWrites++;
            }
            s.RunDue();
        }
        return _stop;
    }
}
