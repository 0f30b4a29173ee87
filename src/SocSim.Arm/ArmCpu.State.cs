using SocSim.Core;
using SocSim.Core.State;

namespace SocSim.Arm;

public sealed unsafe partial class ArmCpu
{
    private const int RegisterFileWords = 44;   // R0..R15, r8..r12 ×2, r13/r14 ×6, SPSR ×6

    /// <summary>
    /// The whole core for a checkpoint: the register file with every bank and SPSR, CPSR, both pipeline
    /// words with the abort flag each fetch returned, whether the next fetch is sequential, the nIRQ
    /// and nFIQ levels, the interrupt mask an MSR left for the next boundary, the instruction count, the idle state and a fault.
    /// </summary>
    public void SaveState(StateWriter w)
    {
        w.Write(RegisterFileWords);
        for (int i = 0; i < RegisterFileWords; i++) w.Write(_r[i]);
        w.Write(_cpsr);
        w.Write(_op0);
        w.Write(_op1);
        w.Write(_abt0);
        w.Write(_abt1);
        w.Write((int)_fetchSeq);
        w.Write(_irqLine);
        w.Write(_fiqLine);
        w.Write(_maskAfterMsr);
        w.Write(_instructions);
        w.Write(_sleeping);
        w.WriteNullable(Fault);
    }

    /// <summary>
    /// Restores what <see cref="SaveState"/> wrote. An idle core's wake-up action belongs to the device
    /// that put it to sleep, which asks again when it is restored (after the core). Translated blocks
    /// stay: each checks its code words on entry. A debugger's resume-once marker is cleared.
    /// </summary>
    public void LoadState(StateReader r)
    {
        int n = r.ReadInt();
        if (n != RegisterFileWords) throw new StateException($"the core's register file has {n} words in the state, {RegisterFileWords} here");
        for (int i = 0; i < RegisterFileWords; i++) _r[i] = r.ReadUInt();
        uint cpsr = r.ReadUInt();
        _cpsr = cpsr;
        _bank = BankOf(cpsr & Psr.ModeMask);
        _op0 = r.ReadUInt();
        _op1 = r.ReadUInt();
        _abt0 = r.ReadBool();
        _abt1 = r.ReadBool();
        _fetchSeq = (AccessFlags)r.ReadInt();
        _irqLine = r.ReadBool();
        _fiqLine = r.ReadBool();
        _maskAfterMsr = r.ReadUInt();
        _instructions = r.ReadLong();
        _sleeping = r.ReadBool();
        _onWake = null;
        Fault = r.ReadNullableString();
        UpdatePending();
        _stop = false;
        _hookResumeAt = -1;
        InvalidateFetchCache();
    }
}
