using System.Runtime.CompilerServices;
using SocSim.Arm.Translation;
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

    /// <summary>At a boundary where the instruction at <see cref="Pc"/> is about to execute: calls the watch's callback when it watches that address.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void CheckWatch()
    {
        uint pc = Pc;
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
