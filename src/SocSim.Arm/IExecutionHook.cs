namespace SocSim.Arm;

/// <summary>
/// Sees every instruction the core executes, for breakpoints, run-until, tracing and profiling.
/// Installed on <see cref="ArmCpu.Hook"/>; when none is installed the core pays one predictable
/// branch per instruction.
/// </summary>
public interface IExecutionHook
{
    /// <summary>
    /// Before the instruction at <paramref name="pc"/> executes (its opcode in the execute stage).
    /// Return true to stop the run before it executes; when the run resumes, that instruction executes
    /// without being offered again.
    /// </summary>
    bool BeforeInstruction(ArmCpu cpu, uint pc, uint opcode);

    /// <summary>After the instruction (or the exception entry that replaced it) completed.</summary>
    void AfterInstruction(ArmCpu cpu);
}
