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

    /// <summary>The block translator when the engine is <see cref="ExecutionEngine.Translate"/>, else null.</summary>
    public BlockTranslator? Translator => _translator;

    public ExecutionEngine Engine => _translator != null ? ExecutionEngine.Translate : ExecutionEngine.Interpret;

    /// <summary>
    /// Selects the engine; <paramref name="threshold"/> is the translator's compile threshold (null: its
    /// default); <paramref name="background"/> whether it compiles on a worker thread (see <see cref="BlockTranslator"/>).
    /// </summary>
    public void SetEngine(ExecutionEngine engine, int? threshold = null, bool background = true)
    {
        if (_translator != null) _bus.MappingChanged -= _translator.Flush;
        _translator = engine == ExecutionEngine.Translate ? new BlockTranslator(this, threshold ?? BlockTranslator.DefaultThreshold, background) : null;
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
        if (!canResume) return false;
        // A store the interpreter made (part of an STM on the fast path, a remapped vector write) may
        // have changed the region's code: compared as at an entry.
        bool go = !_intPending && !_abt0 && !_abt1 && !_stop && !_sleeping && _s.NextEventCycle >= limit && _s.Cycles < limit
            && _hook == null && _bus.Observer == null && (_cpsr & (Psr.T | Psr.ModeMask)) == state && _region!.MemoryMatches();
        if (go) _translator.Resumes++;
        return go;
    }

    /// <summary>The region the run loop is running (for <see cref="StepFromRegion"/>).</summary>
    private Region? _region;

    /// <summary>Called after every translated block (differential testing); null costs one branch per block.</summary>
    public Action<ArmCpu>? BlockExited { get; set; }

    /// <summary>
    /// The run loop of the translating engine: the interpreter's loop, except that at an instruction
    /// boundary where nobody watches (no hook, no bus observer), no interrupt or prefetch abort is
    /// pending and a translated region starts, the region runs in place of single steps. It runs its
    /// basic blocks only while their worst case fits before the next event or the stop limit, so no
    /// instruction starts at or after it; when the next block does not fit, this loop steps up to the
    /// limit, so that every event is still handled at the instruction boundary where the interpreter
    /// handles it.
    /// </summary>
    private bool RunTranslated(long cycleLimit)
    {
        var s = _s;
        var t = _translator!;
        _stop = false;
        while (!_stop && s.Cycles < cycleLimit)
        {
            long end = Math.Min(s.NextEventCycle, cycleLimit);
            // As Run: idle until an event raises nIRQ or nFIQ.
            if (_sleeping && StayIdle(end)) continue;
            while (s.Cycles < end && s.Cycles < s.NextEventCycle)
            {
                if (_hook == null && !_intPending && !_abt0 && !_abt1 && _bus.Observer == null)
                {
                    // Key: address | Thumb bit. ARM code at a non-word-aligned R15 is left to the interpreter.
                    uint key = (_cpsr & Psr.T) != 0 ? (_r[15] - 4) | 1 : _r[15] - 8;
                    if ((_cpsr & Psr.T) != 0 || (key & 3) == 0)
                    {
                        var b = t.Lookup(key);
                        if (b != null && b.Region!.Ready && (b.Seq < 0 || b.Seq == (int)(_fetchSeq & AccessFlags.Seq)))
                        {
                            var region = b.Region!;
                            if (b.Matches(_op0, _op1) && region.MemoryMatches())
                            {
                                long limit = Math.Min(end, s.NextEventCycle);
                                long i0 = _instructions;
                                _region = region;
                                if (region.Jitted) region.Code(this, limit, b.Entry);
                                else t.RunFirst(b, this, limit);
                                t.TranslatedInstructions += _instructions - i0;
                                t.BlockRuns++;
                                BlockExited?.Invoke(this);
                                if (_instructions != i0) continue;
                                // The block's worst case does not fit before the limit: the interpreter
                                // steps up to it (entering again at every step would cost more).
                                while (s.Cycles < end && s.Cycles < s.NextEventCycle) Step();
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
            }
            s.RunDue();
        }
        return _stop;
    }
}
