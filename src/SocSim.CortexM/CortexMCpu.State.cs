using SocSim.Core.State;

namespace SocSim.CortexM;

public sealed partial class CortexMCpu
{
    private const int StateVersion = 8; // 4: the DWT and ITM follow the SCS in a board core's state; 5: 128-exception bit sets; 6: the FPU; 7: IT folding and ACTLR; 8: fetch arrivals and the shared bus

    /// <summary>
    /// The whole core for a checkpoint: R0-R15, the banked stack pointer, xPSR, the masks and CONTROL, the
    /// exclusive monitor, the event register, VTOR, active, pending and enabled exceptions and their priorities, the fault status
    /// registers, the run state, the pipelining memory of the previous instruction, the prefetch unit's stream and the counts.
    /// </summary>
    public void SaveState(StateWriter w)
    {
        w.Write(StateVersion);
        for (int i = 0; i < 15; i++) w.Write(_r[i]);
        w.Write(_pc);
        w.Write(_otherSp);
        w.Write(Xpsr);
        w.Write(_primask); w.Write(_faultmask); w.Write(_basepri); w.Write(_spsel); w.Write(_npriv);
        w.Write(_monitor); w.Write(_monitorAddr); w.Write(_event);
        w.Write(_vtor); WriteBits(w, _active); WriteBits(w, _pending); WriteBits(w, _enabled); w.WriteBytes(_priority);
        w.Write(_cfsr); w.Write(_hfsr); w.Write(_bfar); w.Write(_shcsr); w.Write(DivideByZeroTrap);
        w.Write((int)State); w.WriteNullable(Fault);
        w.Write(_lastLoad); w.Write(_lastDpRd);
        w.Write(_cycles); w.Write(_instructions);
        w.Write(_mmfar); w.Write(_prigroup); w.Write(Scr); w.Write(UnalignedTrap); w.Write(_sleepOnExitReturn);
        w.Write(_lateWindowStart); w.Write(_lateExc); w.Write(_resetRequested); w.Write(_sleepWfe); w.Write(_resetVtor);
        foreach (long c in _pendCycle) w.Write(c);
        w.Write(_ge); w.Write(_cpiCycles); w.Write(_lsuCycles); w.Write(_excCycles); w.Write(_sleepCycles); w.Write(_demcr);
        w.Write(_comp); w.Write(_compMask); w.Write(_compFunction); w.Write(_haltedAtBkpt); w.Write(_resumingFromWatch);
        w.Write(_mpuCtrl); w.Write(_mpuRnr); w.Write(_rbar); w.Write(_rasr); w.Write(BitBanding);
        w.Write(_fValid); w.Write(_fHead); w.Write(_fReady); w.Write(((ReadOnlySpan<uint>)_fUseWord).ToArray());
        foreach (long c in _fUseAt) w.Write(c);
        w.Write(_folded); w.Write(_foldAt); w.Write(_actlr);
        foreach (long a in _fArrive) w.Write(a);
        w.Write(_dataBusFreeAt);
        w.Write(HasFpu);
        if (HasFpu)
        {
            for (int i = 0; i < 32; i++) w.Write(_fp[i]);
            w.Write(_fpscr); w.Write(_cpacr); w.Write(_fpccr); w.Write(_fpcar); w.Write(_fpdscr); w.Write(_fpca);
        }
    }

    private static void WriteBits(StateWriter w, UInt128 bits) { w.Write((ulong)bits); w.Write((ulong)(bits >> 64)); }

    private static UInt128 ReadBits(StateReader r) { ulong lo = r.ReadULong(); return (UInt128)r.ReadULong() << 64 | lo; }

    /// <summary>Restores what <see cref="SaveState"/> wrote (the decode cache needs nothing: it checks encodings).</summary>
    public void LoadState(StateReader r)
    {
        int v = r.ReadInt();
        if (v != StateVersion) throw new StateException($"Cortex-M core state version {v}, this build reads {StateVersion}");
        for (int i = 0; i < 15; i++) _r[i] = r.ReadUInt();
        _pc = r.ReadUInt();
        _otherSp = r.ReadUInt();
        uint xpsr = r.ReadUInt();
        _primask = r.ReadBool(); _faultmask = r.ReadBool(); _basepri = r.ReadUInt(); _spsel = r.ReadBool(); _npriv = r.ReadBool();
        Xpsr = xpsr;
        _monitor = r.ReadBool(); _monitorAddr = r.ReadUInt(); _event = r.ReadBool();
        _vtor = r.ReadUInt(); _active = ReadBits(r); _pending = ReadBits(r); _enabled = ReadBits(r) | AlwaysEnabled;
        byte[] prio = r.ReadBytes();
        if (prio.Length != _priority.Length) throw new StateException($"Cortex-M core state has {prio.Length} priorities, this build {_priority.Length}");
        prio.CopyTo(_priority, 0);
        _cfsr = r.ReadUInt(); _hfsr = r.ReadUInt(); _bfar = r.ReadUInt(); _shcsr = r.ReadUInt(); DivideByZeroTrap = r.ReadBool();
        int state = r.ReadInt();
        if (state is < 0 or > (int)CoreState.Lockup) throw new StateException($"Cortex-M core state has run state {state}");
        State = (CoreState)state; Fault = r.ReadNullableString();
        _lastLoad = r.ReadByte(); _lastDpRd = r.ReadByte();
        _cycles = r.ReadLong(); _instructions = r.ReadLong();
        _mmfar = r.ReadUInt(); _prigroup = r.ReadInt() & 7; Scr = r.ReadUInt(); UnalignedTrap = r.ReadBool(); _sleepOnExitReturn = r.ReadUInt();
        _lateWindowStart = r.ReadLong(); _lateExc = r.ReadInt(); _resetRequested = r.ReadBool(); _sleepWfe = r.ReadBool(); _resetVtor = r.ReadUInt();
        for (int i = 0; i < _pendCycle.Length; i++) _pendCycle[i] = r.ReadLong();
        _ge = r.ReadUInt() & 15; _cpiCycles = r.ReadLong(); _lsuCycles = r.ReadLong(); _excCycles = r.ReadLong(); _sleepCycles = r.ReadLong(); _demcr = r.ReadUInt();
        uint[] comp = r.ReadUIntArray(), mask = r.ReadUIntArray(), function = r.ReadUIntArray();
        if (comp.Length != Comparators || mask.Length != Comparators || function.Length != Comparators) throw new StateException($"Cortex-M core state has {comp.Length} DWT comparators, this build {Comparators}");
        for (int n = 0; n < Comparators; n++) { _compFunction[n] = function[n] & (1u << 24); SetComparator(n, comp[n], mask[n], function[n]); }
        _haltedAtBkpt = r.ReadBool(); _resumingFromWatch = r.ReadBool();
        MpuCtrl = r.ReadUInt(); MpuRnr = r.ReadUInt();
        r.ReadUIntArray(MpuRegions).CopyTo(_rbar, 0); r.ReadUIntArray(MpuRegions).CopyTo(_rasr, 0);
        BitBanding = r.ReadBool();
        _fValid = r.ReadBool(); _fHead = r.ReadUInt(); _fReady = r.ReadLong(); r.ReadUIntArray(4).CopyTo((Span<uint>)_fUseWord);
        for (int i = 0; i < 4; i++) _fUseAt[i] = r.ReadLong();
        _folded = r.ReadLong(); _foldAt = r.ReadUInt(); Actlr = r.ReadUInt();
        for (int i = 0; i < 4; i++) _fArrive[i] = r.ReadLong();
        _dataBusFreeAt = r.ReadLong();
        bool fpu = r.ReadBool();
        if (fpu != HasFpu) throw new StateException($"Cortex-M core state {(fpu ? "has" : "lacks")} an FPU, this core {(HasFpu ? "has one" : "has none")}");
        if (fpu)
        {
            for (int i = 0; i < 32; i++) _fp[i] = r.ReadUInt();
            Fpscr = r.ReadUInt(); Cpacr = r.ReadUInt(); Fpccr = r.ReadUInt(); Fpcar = r.ReadUInt(); Fpdscr = r.ReadUInt(); _fpca = r.ReadBool();
        }
        _fRestart = false;
        _fetchPageBase = 1;
    }
}
