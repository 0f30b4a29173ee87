using System.Runtime.CompilerServices;

namespace SocSim.CortexM;

/// <summary>
/// The prefetch unit (Cortex-M3 TRM DDI 0337I 1.2.1 "Prefetch Unit", 18.3): instructions are fetched as 32-bit
/// words ahead of execution into a three-word buffer, so a word's wait states stall the core only when execution
/// catches up with the fetches. Each sequential word costs the region's sequential read (1 + wait states),
/// issued as soon as the previous one completes and a buffer entry is free. A taken branch restarts the stream:
/// its target's fetch is part of P (<see cref="RefillCycles"/>) and the next word is fetched from the branch's end.
/// Any other discontinuity (exception entry and return, a debugger's PC) restarts it with the target word's
/// wait states as a stall. On zero-wait memory no instruction ever waits (every word arrives one cycle after the
/// previous, and every instruction that needs a new word starts at least a cycle after the one that needed the
/// previous word), so the table's figures hold unchanged.
/// </summary>
public sealed partial class CortexMCpu
{
    /// <summary>Words the Cortex-M3/M4's buffer holds (1.2.1: "three-word" prefetch buffer).</summary>
    public const int FetchBufferWords = 3;
    /// <summary>
    /// Words an ARMv6-M core holds (docs/cortex-m.md "Cortex-M0 timing", Fetch): the word its instruction
    /// executes from and the one word its fetch stage has fetched ahead (chosen: DDI 0432C gives no buffer depth;
    /// the M0 fetches a 32-bit word, two 16-bit instructions, at a time, and no more than its pipeline holds).
    /// </summary>
    public const int V6MFetchBufferWords = 2;

    private readonly int _fetchWords;   // FetchBufferWords or V6MFetchBufferWords

    private bool _fValid;            // the stream's state below describes the current instruction stream
    private uint _fHead;             // the last word the prefetch unit has fetched
    private long _fReady;            // the core cycle at which that word arrived
    // Per word, by (word >> 2) & 3, held inline in the core (no array object, no bounds check: every index is masked
    // to 0-3; the block engine reads them at each instruction):
    private FetchSlots<long> _fArrive;   // each word's arrival: words before the head that one-bus lookahead (DataAccessBegins) fetched past
    private FetchSlots<uint> _fUseWord;
    private FetchSlots<long> _fUseAt;    // the cycle at which an instruction first used a word (its predecessor's entry is then free)
    private bool _fRestart;          // a taken branch refilled: the stream restarts at _fRestartHead at the branch's end
    private uint _fRestartHead;

    /// <summary>
    /// The cycles the instruction at <paramref name="pc"/> of <paramref name="size"/> bytes waits for its fetch when it
    /// is ready to start at core cycle <paramref name="now"/> (0 on zero-wait memory).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int FetchStall(uint pc, int size, long now)
    {
        _toScheduler = _s.Cycles - now;
        uint first = pc & ~3u, last = _fCurLast = (pc + (uint)size - 1) & ~3u;
        if (_fValid && last <= _fHead && _fHead - first <= 4u * (uint)_fetchWords)
        {
            NoteUse(first, now);
            long ready = last == _fHead ? _fReady : _fArrive[(int)(last >> 2) & 3];
            return _stepStall = ready > now ? (int)(ready - now) : 0;
        }
        return _stepStall = FetchStallSlow(first, last, now);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private int FetchStallSlow(uint first, uint last, long now)
    {
        if (!_fValid || first - (_fHead - 4u * (uint)_fetchWords) > 4u * (uint)(_fetchWords + 1))    // first outside [head - 4 * words, head + 4]
        {
            // Not the stream the unit was fetching: fetch the word now (its 1 is in the instruction's own figure).
            // A 32-bit instruction across two words waits for the second word's wait states too (the exception
            // figures include the refill on zero-wait memory, as P does).
            _fValid = true;
            SetHead(last, now + WordCost(first, false) - 1 + (last != first ? WordCost(last, true) - 1 : 0));
        }
        NoteUse(first, now);
        for (uint w = _fHead + 4; w <= last && w != 0; w += 4)
        {
            SetHead(w, Math.Max(Math.Max(_fReady, FreeAt(w)), _dataBusFreeAt) + WordCost(w, true));
        }
        if (last != first) NoteUse(last, now);
        return _fReady > now ? (int)(_fReady - now) : 0;
    }

    /// <summary>The stream's last fetched word is <paramref name="w"/>, arriving at core cycle <paramref name="ready"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void SetHead(uint w, long ready)
    {
        _fHead = w;
        _fReady = ready;
        _fArrive[(int)(w >> 2) & 3] = ready;
    }

    /// <summary>A word fetch's clocks: what the bus charged for it when it was read off the fast path (a memory
    /// controller times it by its own state), else the region's table cost.</summary>
    private int WordCost(uint w, bool seq) => w == _slowWord ? _slowWordCost : _bus.CostOf(w, 4, false, seq);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void NoteUse(uint word, long now)
    {
        int i = (int)(word >> 2) & 3;
        if (_fUseWord[i] != word || _fUseAt[i] < 0) { _fUseWord[i] = word; _fUseAt[i] = now; }
    }

    /// <summary>The cycle at which a buffer entry is free for word <paramref name="w"/>: when an instruction first used the
    /// word two before it (the word three before is then consumed).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private long FreeAt(uint w)
    {
        uint prior = w - 4u * (uint)(_fetchWords - 1);
        int i = (int)(prior >> 2) & 3;
        return _fUseWord[i] == prior ? _fUseAt[i] : long.MinValue;
    }

    /// <summary>After a taken branch's step: the stream goes on from the refilled target at the branch's end.</summary>
    private void RestartFetch(long end)
    {
        _fRestart = false;
        _fValid = true;
        SetHead(_fRestartHead, end);
        ((Span<long>)_fUseAt).Fill(-1);
    }

    /// <summary>
    /// Between instructions: the earliest scheduler cycle of any bus access the core reports from now on. Data
    /// accesses, stacking and a refill's fetch happen at or after the present cycle; the prefetch unit's next word
    /// is issued once the stream's last word has arrived (<see cref="FetchIssueAt"/>), which may be before the
    /// present cycle, though the bus read is made (and reported) when an instruction first needs it. The VCD's bus
    /// signals (CortexMSignals) hold the accesses reported until the floor passes them, so they follow cycle order.
    /// </summary>
    internal long BusReportFloor => _fValid ? Math.Min(_s.Cycles, _fReady + (_s.Cycles - _cycles)) : _s.Cycles;

    private void InvalidateFetch() { _fValid = false; _fRestart = false; _slowWord = 1; ((Span<long>)_fUseAt).Fill(-1); }

    // ---- fetches and data accesses on one bus ----

    private readonly bool _oneBus;              // ARMv6-M: a single AHB-Lite master interface for fetches and data
    private long _dataBusFreeAt = long.MinValue; // the core cycle the last data access on the fetch's bus ended
    private long _toScheduler;                  // scheduler cycles minus core cycles during the current step
    private uint _fCurLast;                     // the last word of the instruction under way
    private bool _dataOnFetchBus;               // the access under way shares the bus of the fetch stream

    /// <summary>
    /// Whether a data access to <paramref name="a"/> and the instruction stream share a bus. The Cortex-M0/M0+:
    /// always (DDI 0432C 2.1: one AHB-Lite interface), except the private peripheral bus (0xE0000000-0xE00FFFFF:
    /// the SCS is inside the core). The Cortex-M3/M4: when both are on the System bus (DDI 0337I / DDI 0439B,
    /// "Bus interfaces": 0x20000000-0xDFFFFFFF and 0xE0100000-0xFFFFFFFF), while I-Code and D-Code serve
    /// 0x00000000-0x1FFFFFFF apart.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool SharesFetchBus(uint a) => a - 0xE000_0000u >= 0x0010_0000u && (_oneBus || IsSystemBus(a) && IsSystemBus(_fHead));

    private static bool IsSystemBus(uint a) => a >= 0x2000_0000u && a - 0xE000_0000u >= 0x0010_0000u;

    /// <summary>
    /// Before a data access to <paramref name="a"/>: when it shares the fetch's bus, the fetches the prefetch unit
    /// issued before it hold the bus (an AHB-Lite transfer is not pre-empted), so the access waits for the one in
    /// flight; a fetch and a data access asking in the same cycle: the data first (DDI 0337I "System interface":
    /// data accesses before instruction and vector fetches; chosen alike for the M0's one bus). The fetches after
    /// it wait for its end (<see cref="_dataBusFreeAt"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void DataAccessBegins(uint a)
    {
        if (!(_dataOnFetchBus = _fValid && SharesFetchBus(a))) return;
        long t = _s.Cycles - _toScheduler;
        // A word has a buffer entry once the instruction under way uses the word (_fetchWords - 1) before it.
        for (uint w = _fHead + 4; w != 0 && w - _fCurLast <= 4u * (uint)(_fetchWords - 1); w = _fHead + 4)
        {
            long issue = Math.Max(Math.Max(_fReady, FreeAt(w)), _dataBusFreeAt);
            if (issue >= t) break;
            SetHead(w, issue + WordCost(w, true));
        }
        if (_fReady > t) _s.Cycles += _fReady - t;
    }

    /// <summary>After a data access that shared the fetch's bus: the next fetch waits for its end.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void DataAccessEnds()
    {
        if (_dataOnFetchBus) _dataBusFreeAt = _s.Cycles - _toScheduler;
    }
}

/// <summary>The prefetch model's four per-word slots (indexed by <c>(word &gt;&gt; 2) &amp; 3</c>), inline in the core.</summary>
[InlineArray(4)]
internal struct FetchSlots<T> { private T _e0; }
