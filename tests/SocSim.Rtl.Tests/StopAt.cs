using SocSim.Arm;
using SocSim.Core.Cores;

namespace SocSim.Rtl.Tests;

/// <summary>Stops the run before the instruction at <see cref="Pc"/> and records where.</summary>
internal sealed class StopAt(uint pc) : IExecutionHook
{
    public uint Pc { get; } = pc;
    public long Cycle { get; private set; } = -1;
    public long Instructions { get; private set; } = -1;

    public bool BeforeInstruction(ICore cpu, uint pc, uint opcode)
    {
        if (pc != Pc || Cycle >= 0) return false;
        Cycle = cpu.Cycles;
        Instructions = cpu.Instructions;
        return true;
    }

    public void AfterInstruction(ICore cpu) { }
}
