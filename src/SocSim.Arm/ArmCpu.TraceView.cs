using SocSim.Core.Cores;

namespace SocSim.Arm;

/// <summary>
/// The ARM exception model as the instruction-level tools name it, shared by the ARM7TDMI and the ARM926EJ-S:
/// each vector's pseudo-function and the address its handler returns to (ARM ARM A2.6: R14 of the exception
/// mode minus 0 for SWI and undefined, 4 for a prefetch abort, IRQ and FIQ, 8 for a data abort).
/// </summary>
public static class ArmExceptionSteps
{
    public const uint NoReturn = 0xFFFF_FFFF;

    /// <summary>The exception entered at vector <paramref name="offset"/> (0x00-0x1C) with R14 = <paramref name="lr"/>.</summary>
    public static ExceptionStep AtVector(uint offset, uint lr) => offset switch
    {
        Vectors.Swi => new("[swi]", "SWI", lr, false),
        Vectors.Undefined => new("[undef]", "undefined instruction", lr, false),
        Vectors.PrefetchAbort => new("[pabt]", "prefetch abort", lr - 4, false),
        Vectors.DataAbort => new("[dabt]", "data abort", lr - 8, false),
        Vectors.Irq => new("[irq]", "IRQ", lr - 4, false),
        Vectors.Fiq => new("[fiq]", "FIQ", lr - 4, false),
        _ => new("[exception]", "exception", NoReturn, false),
    };

    /// <summary>
    /// An ARM core's step: an instruction that changed the mode and left pc on a vector other than IRQ/FIQ took
    /// its own exception (SWI, undefined, an abort); a step with no instruction was an IRQ/FIQ entry (TRM 2.8),
    /// <paramref name="fiq"/> telling which.
    /// </summary>
    public static ExceptionStep Classify(uint modeBefore, uint cpsr, uint pc, uint vectorBase, uint lr, bool executed, bool fiq)
    {
        if (!executed) return fiq ? AtVector(Vectors.Fiq, lr) : AtVector(Vectors.Irq, lr);
        uint offset = pc - vectorBase;
        if ((cpsr & Psr.ModeMask) != modeBefore && offset < 0x20 && offset != Vectors.Irq && offset != Vectors.Fiq) return AtVector(offset, lr);
        return ExceptionStep.None;
    }

    /// <summary>Whether an ARM-state instruction with <paramref name="opcode"/> executes under <paramref name="cpsr"/> (condition 0xF: never on ARMv4T, unconditional space on ARMv5).</summary>
    public static bool ConditionPasses(uint opcode, bool thumb, uint cpsr, bool v5)
    {
        if (!thumb) return (opcode >> 28) == 0xE || (v5 && (opcode >> 28) == 0xF) || ArmCpu.ConditionPassed(opcode >> 28, cpsr);
        // Thumb format 16: conditional branch (condition 1110 is undefined, 1111 is SWI).
        if ((opcode & 0xF000) == 0xD000 && ((opcode >> 8) & 0xF) < 0xE) return ArmCpu.ConditionPassed((opcode >> 8) & 0xF, cpsr);
        return true;
    }

    /// <summary>The disassembly of an ARM or Thumb instruction; <paramref name="nextHalf"/> is the halfword after a Thumb one (the second half of a BL pair).</summary>
    public static string Disassemble(uint opcode, uint pc, bool thumb, uint nextHalf)
    {
        if (!thumb) return Disassembler.Arm(opcode, pc);
        // BL is two instructions; the first half names the target with the second half still in the pipeline.
        if ((opcode & 0xF800) == 0xF000 && (nextHalf & 0xF800) == 0xF800) return Disassembler.ThumbBl((ushort)opcode, (ushort)nextHalf, pc);
        if ((opcode & 0xF800) == 0xF800) return "(bl, second half)";
        return Disassembler.Thumb((ushort)opcode, pc);
    }

    /// <summary>In an exception mode: not User or System, the modes an RTOS runs its tasks in.</summary>
    public static bool InException(uint cpsr) => (cpsr & Psr.ModeMask) is not (0x10 or 0x1F);

    public static string ModeName(uint cpsr) => (cpsr & Psr.ModeMask) switch
    {
        0x10 => "usr", 0x11 => "fiq", 0x12 => "irq", 0x13 => "svc", 0x17 => "abt", 0x1B => "und", 0x1F => "sys", _ => "???",
    };
}

public sealed unsafe partial class ArmCpu : ICoreTraceView
{
    string ICoreTraceView.ModeName => ArmExceptionSteps.ModeName(_cpsr);
    bool ICoreTraceView.InException => ArmExceptionSteps.InException(_cpsr);
    string ICoreTraceView.StatusName => "cpsr";
    uint ICoreTraceView.Status => _cpsr;
    int ICoreTraceView.InstructionSize(uint pc, uint opcode) => Thumb ? 2 : 4;
    bool ICoreTraceView.ConditionPasses(uint pc, uint opcode) => ArmExceptionSteps.ConditionPasses(opcode, Thumb, _cpsr, v5: false);
    string ICoreTraceView.Disassemble(uint pc, uint opcode) => ArmExceptionSteps.Disassemble(opcode, pc, Thumb, Pipeline.Fetch);
    UInt128 ICoreTraceView.ExceptionState => _cpsr & Psr.ModeMask;
    ExceptionStep ICoreTraceView.Classify(UInt128 stateBefore, bool executed) =>
        ArmExceptionSteps.Classify((uint)stateBefore, _cpsr, Pc, 0, GetRegister(14), executed, Mode == CpuMode.Fiq);
    long ICoreTraceView.SleepCycles => 0;
}
