using SocSim.Core.Cores;

namespace SocSim.CortexM;

/// <summary>
/// The instruction-level tools' view of the Cortex-M: the mode is <c>thr</c> (privileged Thread), <c>usr</c>
/// (unprivileged Thread) or <c>hnd</c> (Handler); the state is always Thumb; an exception is entered when a step
/// makes an exception active that was not (an interrupt's own step, or SVC, a fault or a tail-chain inside an
/// instruction's), and returned from when a step deactivates one (EXC_RETURN, B1.5.8). The interrupted code resumes
/// at the ReturnAddress of the stacked frame (B1.5.6: at SP + 24 of the stack EXC_RETURN names, the same frame on a tail-chain).
/// </summary>
public sealed partial class CortexMCpu : ICoreTraceView, IFloatRegisterView
{
    private static readonly string[] FpRegisterNames = [.. Enumerable.Range(0, 32).Select(i => "s" + i), "fpscr"];

    /// <summary>S0-S31 and FPSCR on a core with the FPU (the M4F), none otherwise: <c>--regs</c> and the VCD list them after the integer registers.</summary>
    public IReadOnlyList<string> FloatRegisterNames => HasFpu ? FpRegisterNames : [];

    public uint ReadFloatRegister(int index) => index < 32 ? GetS(index) : Fpscr;

    private ThumbDisassembler? _traceDisassembler;
    private uint _traceDisassembledNext = 0xFFFF_FFFF;

    string ICoreTraceView.ModeName => HandlerMode ? "hnd" : _npriv ? "usr" : "thr";
    bool ICoreTraceView.InException => HandlerMode;
    string ICoreTraceView.StatusName => "xpsr";
    uint ICoreTraceView.Status => Xpsr;
    int ICoreTraceView.InstructionSize(uint pc, uint opcode) => opcode > 0xFFFF ? 4 : 2;

    bool ICoreTraceView.ConditionPasses(uint pc, uint opcode) => _it == 0 || ConditionPassed((uint)_it >> 4);

    string ICoreTraceView.Disassemble(uint pc, uint opcode)
    {
        // One disassembler follows IT blocks as execution does; a jump (or a first call) starts outside any block.
        var d = _traceDisassembler ??= new ThumbDisassembler();
        if (pc != _traceDisassembledNext || _it == 0) d.ResetIt();
        var inst = DecodeAt(pc);
        _traceDisassembledNext = pc + inst.Size;
        return d.Next(inst, pc);
    }

    UInt128 ICoreTraceView.ExceptionState => _active;

    ExceptionStep ICoreTraceView.Classify(UInt128 stateBefore, bool executed)
    {
        UInt128 entered = _active & ~stateBefore;
        bool returned = (stateBefore & ~_active) != 0;
        if (entered == 0 || _ipsr == 0) return new ExceptionStep(null, null, 0, returned);
        // The frame is on the stack EXC_RETURN names (bit 2: the process stack), as the return will unstack it.
        uint ret = _bus.DebugRead32(((_r[14] & 4) != 0 ? Psp : Msp) + 24);
        return new ExceptionStep(ExceptionName((int)_ipsr), $"exception {_ipsr}", ret & ~1u, returned, HandlerCalled: true);
    }

    long ICoreTraceView.SleepCycles => _sleepCycles;

    /// <summary>The pseudo-function of exception <paramref name="exc"/> in profiles ("[SysTick]", "[irq 3]").</summary>
    public static string ExceptionName(int exc) => exc switch
    {
        ExcNmi => "[NMI]",
        ExcHardFault => "[HardFault]",
        ExcMemManage => "[MemManage]",
        ExcBusFault => "[BusFault]",
        ExcUsageFault => "[UsageFault]",
        ExcSvCall => "[SVCall]",
        ExcDebugMonitor => "[DebugMonitor]",
        ExcPendSv => "[PendSV]",
        ExcSysTick => "[SysTick]",
        >= 16 => $"[irq {exc - 16}]",
        _ => $"[exception {exc}]",
    };
}
