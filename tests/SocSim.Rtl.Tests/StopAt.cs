using SocSim.Arm;

namespace SocSim.Rtl.Tests;

/// <summary>Stops the run before the instruction at <see cref="Pc"/> and records where.</summary>
internal sealed class StopAt(uint pc) : IExecutionHook
{
    public uint Pc { get; } = pc;
    public long Cycle { get; private set; } = -1;
    public long Instructions { get; private set; } = -1;

    public bool BeforeInstruction(ArmCpu cpu, uint pc, uint opcode)
    {
        if (pc != Pc || Cycle >= 0) return false;
        Cycle = cpu.Scheduler.Cycles;
        Instructions = cpu.Instructions;
        return true;
    }

    public void AfterInstruction(ArmCpu cpu) { }
}
