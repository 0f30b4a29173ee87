using SocSim.Arm;
using SocSim.Core.Cores;

namespace SocSim.Arm9;

/// <summary>The instruction-level tools' view: as the ARM7TDMI's (<see cref="ArmExceptionSteps"/>), with the high vectors (CP15 c1.V), ARMv5's unconditional space and the ARMv5TE disassembler (<see cref="Arm926Disassembler"/>).</summary>
public sealed unsafe partial class Arm926Cpu : ICoreTraceView
{
    string ICoreTraceView.ModeName => ArmExceptionSteps.ModeName(_cpsr);
    bool ICoreTraceView.InException => ArmExceptionSteps.InException(_cpsr);
    string ICoreTraceView.StatusName => "cpsr";
    uint ICoreTraceView.Status => _cpsr;
    int ICoreTraceView.InstructionSize(uint pc, uint opcode) => Thumb ? 2 : 4;
    bool ICoreTraceView.ConditionPasses(uint pc, uint opcode) => ArmExceptionSteps.ConditionPasses(opcode, Thumb, _cpsr, v5: true);
    string ICoreTraceView.Disassemble(uint pc, uint opcode) => Arm926Disassembler.Disassemble(opcode, pc, Thumb, Thumb ? PeekHalf(pc + 2) : 0);
    UInt128 ICoreTraceView.ExceptionState => _cpsr & Psr.ModeMask;
    // A prefetch abort replaces its instruction as an interrupt does (no instruction counted): named by the vector taken.
    ExceptionStep ICoreTraceView.Classify(UInt128 stateBefore, bool executed) => !executed
        ? (_pc - Vector(0) < 0x20 ? ArmExceptionSteps.AtVector(_pc - Vector(0), GetRegister(14)) : ExceptionStep.None)
        : ArmExceptionSteps.Classify((uint)stateBefore, _cpsr, _pc, Vector(0), GetRegister(14), executed, false);
    long ICoreTraceView.SleepCycles => 0;

    private uint PeekHalf(uint va) => DebugTranslate(va, out uint pa) ? (uint)_bus.DebugRead8(pa) | ((uint)_bus.DebugRead8(pa + 1) << 8) : 0;
}
