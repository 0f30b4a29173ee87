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
    /// <summary>Words the buffer holds (1.2.1: "three-word" prefetch buffer).</summary>
    public const int FetchBufferWords = 3;

    private bool _fValid;            // the stream's state below describes the current instruction stream
    private uint _fHead;             // the last word the prefetch unit has fetched
    private long _fReady;            // the core cycle at which that word arrived
    private readonly uint[] _fUseWord = new uint[4];
    private readonly long[] _fUseAt = new long[4];   // the cycle at which an instruction first used a word (its predecessor's entry is then free)
    private bool _fRestart;          // a taken branch refilled: the stream restarts at _fRestartHead at the branch's end
    private uint _fRestartHead;

    /// <summary>
    /// The cycles the instruction at <paramref name="pc"/> of <paramref name="size"/> bytes waits for its fetch when it
    /// is ready to start at core cycle <paramref name="now"/> (0 on zero-wait memory).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int FetchStall(uint pc, int size, long now)
    {
        uint first = pc & ~3u, last = (pc + (uint)size - 1) & ~3u;
        if (_fValid && last <= _fHead && _fHead - first <= 4 * FetchBufferWords)
        {
            NoteUse(first, now);
            return _stepStall = _fReady > now ? (int)(_fReady - now) : 0;
        }
        return _stepStall = FetchStallSlow(first, last, now);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private int FetchStallSlow(uint first, uint last, long now)
    {
        if (!_fValid || first - (_fHead - 4 * FetchBufferWords) > 4 * (FetchBufferWords + 1))    // first outside [head - 12, head + 4]
        {
            // Not the stream the unit was fetching: fetch the word now (its 1 is in the instruction's own figure).
            // A 32-bit instruction across two words waits for the second word's wait states too (the exception
            // figures include the refill on zero-wait memory, as P does).
            _fValid = true;
            _fHead = last;
            _fReady = now + WordCost(first, false) - 1 + (last != first ? WordCost(last, true) - 1 : 0);
        }
        NoteUse(first, now);
        for (uint w = _fHead + 4; w <= last && w != 0; w += 4)
        {
            long start = Math.Max(_fReady, FreeAt(w));
            _fReady = start + WordCost(w, true);
            _fHead = w;
        }
        if (last != first) NoteUse(last, now);
        return _fReady > now ? (int)(_fReady - now) : 0;
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
        uint prior = w - 4 * (FetchBufferWords - 1);
        int i = (int)(prior >> 2) & 3;
        return _fUseWord[i] == prior ? _fUseAt[i] : long.MinValue;
    }

    /// <summary>After a taken branch's step: the stream goes on from the refilled target at the branch's end.</summary>
    private void RestartFetch(long end)
    {
        _fRestart = false;
        _fValid = true;
        _fHead = _fRestartHead;
        _fReady = end;
        Array.Fill(_fUseAt, -1);
    }

    private void InvalidateFetch() { _fValid = false; _fRestart = false; _slowWord = 1; Array.Fill(_fUseAt, -1); }
}
