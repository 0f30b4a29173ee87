namespace SocSim.Core.Cores;

/// <summary>
/// What one step did to a core's exception state, as the instruction-level tools name it.
/// <paramref name="Entered"/>: the pseudo-function of the exception entered ("[irq]", "[SysTick]"), null when
/// none was; <paramref name="Label"/> the trace's word for it ("IRQ", "exception 15"); <paramref name="ReturnAddress"/>
/// where the interrupted code resumes (0xFFFFFFFF: it does not). <paramref name="Returned"/>: the step completed an
/// exception return the core itself recognises (an M-profile EXC_RETURN; ARM cores return by writing pc, which the
/// tools see as a jump to the interrupted instruction). <paramref name="HandlerCalled"/>: the core went to the
/// handler's own address (an M-profile vector table holds handler addresses), so its first instruction is a
/// call of the handler function; false where the vector is code of its own (ARM's branch instructions).
/// </summary>
public readonly record struct ExceptionStep(string? Entered, string? Label, uint ReturnAddress, bool Returned, bool HandlerCalled = false)
{
    public static ExceptionStep None => default;
}

/// <summary>
/// A core as the instruction-level tools see it (<c>--profile</c>, <c>--trace-instr</c>, RTOS awareness): the
/// size, disassembly and condition of an instruction a hook is offered, the mode the trace prints, and what a
/// step did to the exception state. Implemented in each core's own file; called only while such a tool is
/// installed (nothing here is on a core's hot path).
/// </summary>
public interface ICoreTraceView
{
    /// <summary>In Thumb state now (the trace's S column: T, else A).</summary>
    bool Thumb { get; }

    /// <summary>The mode as three letters (ARM: usr fiq irq svc abt und sys; M-profile: thr, usr, hnd).</summary>
    string ModeName { get; }

    /// <summary>In an exception handler's mode (ARM: any mode but User and System; M-profile: Handler mode), not Thread code.</summary>
    bool InException { get; }

    /// <summary>The status register's name in the trace (cpsr, xpsr) and its value now.</summary>
    string StatusName { get; }
    uint Status { get; }

    /// <summary>General register <paramref name="n"/> (0-14) of the current mode.</summary>
    uint GetRegister(int n);

    /// <summary>Bytes of the instruction with <paramref name="opcode"/> (as the hook was offered it) at <paramref name="pc"/>.</summary>
    int InstructionSize(uint pc, uint opcode);

    /// <summary>Whether the instruction the hook is offered now will execute (false: condition failed, or skipped in an IT block).</summary>
    bool ConditionPasses(uint pc, uint opcode);

    /// <summary>The instruction's disassembly (objdump's syntax), for the instruction the hook is offered now.</summary>
    string Disassemble(uint pc, uint opcode);

    /// <summary>A value that changes whenever an exception is entered or returned from (ARM: CPSR's mode; M-profile: the active exceptions).</summary>
    UInt128 ExceptionState { get; }

    /// <summary>What the step just completed did, given <see cref="ExceptionState"/> before it and whether it executed an instruction.</summary>
    ExceptionStep Classify(UInt128 stateBefore, bool executed);

    /// <summary>Cycles the core has spent asleep (waiting for an interrupt) since it started, where it counts them (0 otherwise).</summary>
    long SleepCycles { get; }
}
