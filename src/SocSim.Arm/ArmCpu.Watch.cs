using System.Runtime.CompilerServices;
using SocSim.Arm.Translation;
using SocSim.Core;
using SocSim.Core.Cores;

namespace SocSim.Arm;

/// <summary>
/// The address watch (<see cref="IAddressWatch"/>): checked at the boundaries the interpreter steps
/// (<see cref="Step"/> goes to its observed path while a watch or a hook is set: the same one branch
/// per instruction as before when neither is), and by the translating run loop, which does not enter
/// a region whose code covers a watched address but steps there (fallback kind <c>watch</c>), so a
/// region never runs over one. Setting a watch ends the running slice (as a stop request does): a
/// region that is running when a device access changes the set leaves after that access.
/// </summary>
public sealed unsafe partial class ArmCpu : IAddressWatch
{
    private uint[] _watched = [];
    private int _watchCount;
    private Action<uint>? _watchReached;
    /// <summary>A hook or a watch is set: <see cref="Step"/> takes its observed path.</summary>
    private bool _observed;

    public void SetWatch(ReadOnlySpan<uint> addresses, Action<uint> reached)
    {
        if (_watched.Length < addresses.Length) _watched = new uint[Math.Max(4, addresses.Length)];
        addresses.CopyTo(_watched);
        _watchCount = addresses.Length;
        _watchReached = reached;
        _observed = _hook != null || _watchCount != 0;
        if (_watchCount != 0) _s.NextEventCycle = 0;
    }

    /// <summary>
    /// The address whose watch the run loop already checked before entering the region that runs now
    /// (<see cref="EnterWatchedRegion"/>); <see cref="NoAddress"/> otherwise. That region reaches it only at its
    /// entry, so a check there while it runs (its first instruction stepped at an exit) is that same boundary's.
    /// </summary>
    private uint _watchChecked = NoAddress;

    /// <summary>Regions the translating run loop entered at a watched address after the watch's action (see <see cref="EnterWatchedRegion"/>) instead of stepping there.</summary>
    public long WatchedEntries { get; private set; }
    private const uint NoAddress = 0xFFFF_FFFF;

    /// <summary>At a boundary where the instruction at <see cref="Pc"/> is about to execute: calls the watch's callback when it watches that address.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void CheckWatch()
    {
        uint pc = Pc;
        if (pc == _watchChecked) return;
        for (int i = 0; i < _watchCount; i++)
        {
            if (_watched[i] != pc) continue;
            _watchReached!(pc);
            return;
        }
    }

    /// <summary>Whether <paramref name="region"/>'s code (the words it was compiled from) holds a watched address.</summary>
    private bool WatchCovers(Region region)
    {
        for (int i = 0; i < _watchCount; i++)
            if (region.Covers(_watched[i])) return true;
        return false;
    }

    /// <summary>
    /// Whether every watched address <paramref name="region"/>'s code holds is <paramref name="entry"/>, the
    /// instruction the run loop enters it at, and the code never reaches <paramref name="entry"/> from inside
    /// (<see cref="Region.EntryOnly"/>): then the watch matters only before the region's first instruction.
    /// </summary>
    private bool WatchOnlyAtEntry(Region region, uint entry)
    {
        for (int i = 0; i < _watchCount; i++)
        {
            uint a = _watched[i];
            if (a != entry ? region.Covers(a) : !region.IsEntryOnly(a)) return false;
        }
        return true;
    }

    /// <summary>
    /// The run loop at a boundary where it would enter <paramref name="region"/> at <paramref name="entry"/>
    /// (<paramref name="key"/>: address | Thumb bit) while watched addresses lie in its code. When the watch
    /// matters only at the entry (<see cref="WatchOnlyAtEntry"/>), the watch's action runs here, as
    /// <see cref="Step"/> runs it before this instruction, and true is returned when the loop may still
    /// enter the region as it checked before the action (the action may have set another watch, asked to
    /// stop, raised a line or ended the slice): the region then runs with <see cref="_watchChecked"/> set.
    /// Otherwise the instruction is stepped: the whole of Step, or, after the action, the rest of it.
    /// </summary>
    private bool EnterWatchedRegion(BlockTranslator t, Region region, BlockEntry b, uint key, long end)
    {
        uint entry = key & ~1u;
        if (!WatchOnlyAtEntry(region, entry))
        {
            t.Fallback.Count(FallbackClass.Watch);
            Step();
            _codeWrites++;
            return false;
        }
        CheckWatch();
        // The watch's action may have written memory (Region.Unchanged below compares it again).
        _codeWrites++;
        uint now = (_cpsr & Psr.T) != 0 ? (_r[15] - 4) | 1 : _r[15] - 8;
        if (now != key || (_watchCount != 0 && !WatchOnlyAtEntry(region, entry)) || _intPending || _abt0 || _abt1 || _stop || _sleeping
            || _hook != null || _bus.Observer != null || _s.Cycles >= Math.Min(end, _s.NextEventCycle)
            || !b.Matches(_op0, _op1) || (b.Seq >= 0 && b.Seq != (int)(_fetchSeq & AccessFlags.Seq)) || !region.Unchanged(t.Epoch, _bus.UntrackedWrites, _codeWrites))
        {
            t.Fallback.Count(FallbackClass.Watch);
            StepUnwatched();
            _codeWrites++;
            return false;
        }
        _watchChecked = entry;
        WatchedEntries++;
        return true;
    }

    /// <summary>The instruction at the boundary as <see cref="StepInstruction"/> after its watch check.</summary>
    private void StepUnwatched()
    {
        if ((_cpsr & Psr.T) == 0) StepArm();
        else StepThumb();
    }

    /// <summary><see cref="Step"/> while a hook or a watch is set.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void StepObserved()
    {
        if (_hook != null) { StepHooked(); return; }
        if (_intPending && TakeInterrupt()) return;
        StepInstruction();
    }

    /// <summary>The instruction at the boundary, without interrupt sampling; the watch checked first.</summary>
    private void StepInstruction()
    {
        if (_watchCount != 0) CheckWatch();
        if ((_cpsr & Psr.T) == 0) StepArm();
        else StepThumb();
    }
}
