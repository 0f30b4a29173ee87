using SocSim.Core.State;

namespace SocSim.Arm9;

public sealed unsafe partial class Arm926Cpu
{
    private const int StateVersion = 4;

    /// <summary>
    /// The whole core for a checkpoint: the register file, CPSR, pc, the interrupt lines, counts, the
    /// idle state, CP15, the main TLB (its entries decide which walks happen later, so they are
    /// state), the caches with their contents and the buffers' timing. The soft TLB is derived and rebuilt.
    /// </summary>
    public void SaveState(StateWriter w)
    {
        w.Write(StateVersion);
        for (int i = 0; i < RegisterFileWords; i++) w.Write(_r[i]);
        w.Write(_cpsr);
        w.Write(_pc);
        w.Write(_irqLine);
        w.Write(_fiqLine);
        w.Write(_instructions);
        w.Write(_sleeping);
        w.Write(_lockMask);
        w.Write(_lockUntil);
        w.Write(_lockPorts);
        foreach (uint v in (ReadOnlySpan<uint>)[_control, _ttb, _dacr, _dfsr, _ifsr, _far, _fcsePid, _contextId, _tlbLockdown]) w.Write(v);
        w.Write(_oldPidFetches);
        w.Write(_oldPidVa);
        w.Write(_oldPidOffset);
        w.Write(TlbMisses);
        foreach (var e in _tlb)
        {
            w.Write(e.Valid);
            w.Write(e.Kind); w.Write(e.Domain); w.Write(e.CB); w.Write(e.Ap);
            w.Write(e.Mva); w.Write(e.Mask); w.Write(e.Pa);
        }
        foreach (var b in _tlbNextWay) w.Write(b);
        SaveCaches(w);
        w.WriteNullable(Fault);
    }

    public void LoadState(StateReader r)
    {
        int version = r.ReadInt();
        if (version != StateVersion) throw new StateException($"the ARM926EJ-S state is version {version}, this build reads {StateVersion}");
        for (int i = 0; i < RegisterFileWords; i++) _r[i] = r.ReadUInt();
        _cpsr = r.ReadUInt();
        _bank = BankOf(_cpsr & 0x1F);
        _userTag = (_cpsr & 0x1F) == 0x10 ? 1u : 0u;
        _bus.Privileged = _userTag == 0;
        _pc = r.ReadUInt();
        _irqLine = r.ReadBool();
        _fiqLine = r.ReadBool();
        _instructions = r.ReadLong();
        _sleeping = r.ReadBool();
        _onWake = null;
        _lockMask = r.ReadUInt();
        _lockUntil = r.ReadLong();
        _lockPorts = r.ReadUInt();
        _control = r.ReadUInt(); _ttb = r.ReadUInt(); _dacr = r.ReadUInt(); _dfsr = r.ReadUInt(); _ifsr = r.ReadUInt();
        _far = r.ReadUInt(); _fcsePid = r.ReadUInt(); _contextId = r.ReadUInt();
        _tlbLockdown = r.ReadUInt();
        _oldPidFetches = r.ReadInt();
        _oldPidVa = r.ReadUInt();
        _oldPidOffset = r.ReadUInt();
        TlbMisses = r.ReadLong();
        for (int i = 0; i < _tlb.Length; i++)
        {
            ref var e = ref _tlb[i];
            e.Valid = r.ReadBool();
            e.Kind = r.ReadByte(); e.Domain = r.ReadByte(); e.CB = r.ReadByte(); e.Ap = r.ReadByte();
            e.Mva = r.ReadUInt(); e.Mask = r.ReadUInt(); e.Pa = r.ReadUInt();
        }
        for (int i = 0; i < _tlbNextWay.Length; i++) _tlbNextWay[i] = r.ReadByte();
        LoadCaches(r);
        Fault = r.ReadNullableString();
        ControlChanged();
        UpdatePending();
        _stop = false;
        _dabort = _pabort = false;
        _hookResumeAt = -1;
    }
}
