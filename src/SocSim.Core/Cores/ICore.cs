using SocSim.Core.State;

namespace SocSim.Core.Cores;

/// <summary>
/// Implemented by every core model: the model's own file declares, once, what the core is (see
/// <see cref="CoreType"/>). The board catalog discovers implementations by reflection, as it does
/// devices; the board schema's <c>cpu.type</c>, <c>socsim board types</c>, GDB's target description,
/// the VCD's <c>cpu</c> scope and <c>--regs</c> are derived from the declaration.
/// </summary>
public interface ICoreModel
{
    static abstract CoreType Type { get; }
}

/// <summary>
/// A processor core as the machine, the tools and the debugger see it. The interface is at the level
/// of a run slice: nothing here is called per instruction by the machine (a core's hot loop keeps
/// its concrete types); only an installed <see cref="Hook"/> is offered every instruction.
/// </summary>
public interface ICore : IDisposable
{
    /// <summary>The scheduler the core runs: "now" (<see cref="Scheduler.Now"/>, in ticks of the board's time base) is the scheduler's.</summary>
    Scheduler Scheduler { get; }

    /// <summary>
    /// The core's own clock cycles since the machine started (what a cycle limit, <c>--stats</c> and
    /// a cycle counter count). For a core clocked by the scheduler's CPU clock domain this is
    /// <see cref="Scheduler.Cycles"/>.
    /// </summary>
    long Cycles { get; }

    /// <summary>Instructions completed since the machine started.</summary>
    long Instructions { get; }

    /// <summary>Address of the instruction that executes next, as a debugger shows pc.</summary>
    uint Pc { get; }

    /// <summary>
    /// Runs until <see cref="Cycles"/> reaches <paramref name="cycleLimit"/> or a stop request,
    /// running scheduler events whenever their time is reached. Returns whether a stop was requested.
    /// </summary>
    bool Run(long cycleLimit);

    /// <summary>Executes one instruction (or one exception entry) to completion.</summary>
    void Step();

    /// <summary>The core's reset, from its reset vector.</summary>
    void Reset();

    /// <summary>The reset state but starting at <paramref name="entry"/>, as a loader starts an ELF at its entry point.</summary>
    void ResetTo(uint entry);

    /// <summary>Ends the current run at the next instruction boundary.</summary>
    void RequestStop();

    bool StopRequested { get; }

    /// <summary>
    /// Stops executing after the current instruction until an interrupt request reaches the core
    /// (whether or not it is masked), then calls <paramref name="onWake"/> and goes on (a power
    /// controller's idle mode).
    /// </summary>
    void Sleep(Action? onWake = null);

    /// <summary>True while the core waits for an interrupt request.</summary>
    bool Sleeping { get; }

    /// <summary>Set when the core cannot go on (what stopped it, one line); the run stops at once.</summary>
    string? Fault { get; }

    /// <summary>Breakpoints, tracers and profilers; null (the default) costs one branch per instruction.</summary>
    IExecutionHook? Hook { get; set; }

    /// <summary>Called after every exception entry with the vector, once the core fetches from it (probes that would otherwise watch every instruction).</summary>
    event Action<uint>? ExceptionEntered;

    /// <summary>Register <paramref name="index"/> of the declaration's <see cref="CoreType.Registers"/>, as a debugger shows it.</summary>
    uint ReadRegister(int index);

    /// <summary>
    /// Writes register <paramref name="index"/> of the declaration's <see cref="CoreType.Registers"/>
    /// as a debugger does: the core's time does not move (a pipeline refilled at a new pc costs nothing).
    /// </summary>
    void WriteRegister(int index, uint value);

    /// <summary>Writes the whole debug view at once, as GDB's <c>G</c> packet does (a new pc and state take effect together).</summary>
    void WriteRegisters(ReadOnlySpan<uint> values);

    /// <summary>
    /// A debugger wrote <paramref name="length"/> bytes at <paramref name="address"/> behind the core's
    /// back: what the core had already fetched from there is fetched again, without taking time.
    /// </summary>
    void DebugMemoryWritten(uint address, int length);

    /// <summary>The whole core for a checkpoint.</summary>
    void SaveState(StateWriter w);

    /// <summary>Restores what <see cref="SaveState"/> wrote.</summary>
    void LoadState(StateReader r);
}

/// <summary>
/// Sees every instruction the core executes, for breakpoints, run-until, tracing and profiling.
/// Installed on <see cref="ICore.Hook"/>; when none is installed the core pays one predictable
/// branch per instruction.
/// </summary>
public interface IExecutionHook
{
    /// <summary>
    /// Before the instruction at <paramref name="pc"/> executes (its opcode in the execute stage).
    /// Return true to stop the run before it executes; when the run resumes, that instruction executes
    /// without being offered again.
    /// </summary>
    bool BeforeInstruction(ICore cpu, uint pc, uint opcode);

    /// <summary>After the instruction (or the exception entry that replaced it) completed.</summary>
    void AfterInstruction(ICore cpu);
}
