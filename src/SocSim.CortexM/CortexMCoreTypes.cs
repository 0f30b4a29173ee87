using SocSim.Core;
using SocSim.Core.Cores;
using SocSim.Core.Signals;

namespace SocSim.CortexM;

/// <summary>A register of the debug view: R0-R15 by number, then the special registers.</summary>
internal enum CortexMRegister
{
    Xpsr = 16, Msp, Psp, Primask, Basepri, Faultmask, Control,
}

/// <summary>
/// The Cortex-M core types a board may name in <c>cpu.type</c>. They share one model (<see cref="CortexMCpu"/>);
/// each declares its profile, its inputs (NMI and the NVIC's external interrupt lines), its NVIC priority bits
/// as a board parameter, and GDB's M-profile view: <c>org.gnu.gdb.arm.m-profile</c> (r0-r12, sp, lr, pc, xpsr
/// as GDB numbers them, xpsr 25) and <c>org.gnu.gdb.arm.m-system</c> (msp, psp, then primask, basepri,
/// faultmask and control as plain registers), as QEMU's M-profile gdbstub describes them.
/// </summary>
public static class CortexMCoreTypes
{
    public const string PriorityBitsParameter = "priorityBits", SysTickCalibParameter = "sysTickCalib", InterruptsParameter = "interrupts",
        MultiplyCyclesParameter = "multiplyCycles";
    /// <summary>The board clock SysTick counts when SYST_CSR.CLKSOURCE = 0 (ARMv7-M B3.3.3's external reference clock).</summary>
    public const string ReferenceClock = "STCLK";
    private const string MProfileFeature = "org.gnu.gdb.arm.m-profile", MSystemFeature = "org.gnu.gdb.arm.m-system";
    /// <summary>GDB's numbers of xpsr (arm-m-profile.xml) and of the first m-system register.</summary>
    public const int XpsrGdbRegnum = 25, MspGdbRegnum = 26;

    internal static readonly CortexMRegister[] V7MRegisters = Registers(v6m: false);
    internal static readonly CortexMRegister[] V6MRegisters = Registers(v6m: true);

    // By loops and arrays, not LINQ or a List over the enum: every start-up declares every core type, and
    // each generic instantiation over a struct is a JIT compilation there.
    private static CortexMRegister[] Registers(bool v6m)
    {
        CortexMRegister[] system = v6m
            ? [CortexMRegister.Xpsr, CortexMRegister.Msp, CortexMRegister.Psp, CortexMRegister.Primask, CortexMRegister.Control]
            : [CortexMRegister.Xpsr, CortexMRegister.Msp, CortexMRegister.Psp, CortexMRegister.Primask, CortexMRegister.Basepri, CortexMRegister.Faultmask, CortexMRegister.Control];
        var regs = new CortexMRegister[16 + system.Length];
        for (int i = 0; i < 16; i++) regs[i] = (CortexMRegister)i;
        system.CopyTo(regs, 16);
        return regs;
    }

    public static CoreType M3 { get; } = Declare("cortex-m3",
        "Cortex-M3 (ARMv7-M r2p1, DDI 0337I): Thumb-2, NVIC with 1 to 112 external interrupts (cpu.parameters.interrupts, 48 by default), SysTick, the instruction timing of TRM table 18-1",
        CortexMProfile.V7M, 8);

    public static CoreType M4 { get; } = Declare("cortex-m4",
        "Cortex-M4 without the FPU (ARMv7E-M, DDI 0439B): the DSP extension (SIMD, saturating, MAC family, APSR.GE), CPUID r0p1; FP instructions are UsageFault NOCP; the integer timing is the M3's",
        CortexMProfile.V7EM, 8);

    public static CoreType M4F { get; } = Declare("cortex-m4f",
        "Cortex-M4F (ARMv7E-M with FPv4-SP, DDI 0439B): the DSP extension and the FPU (S0-S31, FPSCR, CPACR, lazy stacking, the FPU cycles of TRM table 7-1, org.gnu.gdb.arm.vfp); the integer timing is the M3's",
        CortexMProfile.V7EM, 8, fpu: true);

    public static CoreType M0 { get; } = Declare("cortex-m0",
        "Cortex-M0 (ARMv6-M, DDI 0432C): the ARMv6-M Thumb subset, every fault a HardFault, 2 priority bits, the instruction timing of TRM table 3-1 (MULS 1 or 32 cycles: cpu.parameters.multiplyCycles), exception entry and return 16 cycles",
        CortexMProfile.V6M, 2);

    public static CoreType M0Plus { get; } = Declare("cortex-m0plus",
        "Cortex-M0+ (ARMv6-M, DDI 0484C): the Cortex-M0's architecture with its two-stage pipeline's timing (TRM table 3-1: taken branches 2, BL 3, POP {PC} 3 + N, MRS/MSR/barriers 3), exception entry and return 15 cycles, CPUID r0p1",
        CortexMProfile.V6M, 2, m0Plus: true);

    private static CoreType Declare(string name, string description, CortexMProfile profile, int defaultBits, bool fpu = false, bool m0Plus = false)
    {
        bool v6m = profile == CortexMProfile.V6M;
        var regs = v6m ? V6MRegisters : V7MRegisters;
        var t = CoreType.Define<CortexMCpu>(name, description)
            .Clock("HCLK", "one core cycle per HCLK period (FCLK and HCLK run together); SysTick counts it")
            .MProfile()
            .Parameter(PriorityBitsParameter, defaultBits, v6m
                ? "implemented bits of each NVIC priority field: ARMv6-M has 2 (B3.4.6), whatever is set"
                : "implemented bits of each NVIC priority field and BASEPRI, 3 to 8 (the Cortex-M3/M4 TRMs: 3 to 8, chosen by the chip)")
            .Parameter(SysTickCalibParameter, -1,
                "SYST_CALIB as the chip wires it (B3.3.6); -1: derived, NOREF when the board has no STCLK clock, else TENMS = STCLK's edges in 10 ms - 1. SysTick counts the board clock STCLK when CLKSOURCE = 0; without one CLKSOURCE reads 1")
            .Input("NMI", c => c.SetNmiLine, c => c.NmiLine, "non-maskable interrupt, edge triggered (exception 2)", CortexMCpu.ExcNmi);
        if (v6m)
            t.Parameter(MultiplyCyclesParameter, CortexM0Timing.MultiplyFast,
                "MULS's cycles: 1 with the fast multiplier, 32 with the small one (DDI 0432C table 3-1, the chip's configuration option)");
        int lines = CortexMCpu.MaxInterruptLines(profile);
        t.Parameter(InterruptsParameter, CortexMCpu.DefaultInterruptLines(profile),
            $"the NVIC's external interrupt lines, 1 to {lines} (the chip's choice: 60 on the STM32F103, RM0008 §10.1); inputs irqN at and above it cannot be wired");
        for (int i = 0; i < lines; i++)
        {
            int n = i;
            t.Input("irq" + n, c => n < c.InterruptLines ? level => c.SetInterruptLine(n, level)
                : throw new ArgumentException($"cpu input irq{n}: this core has {c.InterruptLines} external interrupts (cpu.parameters.{InterruptsParameter})"),
                c => c.InterruptLine(n), n == 0
                ? $"the NVIC's external interrupt lines (INTISR[n], exception 16 + n), level sensitive: a rising level sets the interrupt pending, and a line still high at the handler's return sets it pending again"
                : "", (uint)(16 + n));
        }
        t.Gdb(v6m ? "armv6-m" : "armv7", MProfileFeature);
        for (int i = 0; i < 13; i++) t.Register("r" + i, 32, i, gdbType: "uint32");
        t.Register("r13", 32, 13, "sp", "data_ptr")
         .Register("r14", 32, 14, "lr")
         .Register("r15", 32, 15, "pc", "code_ptr")
         .Register("xpsr", 32, XpsrGdbRegnum);
        int regnum = MspGdbRegnum;
        for (int i = 17; i < regs.Length; i++)
            t.Register(regs[i].ToString().ToLowerInvariant(), 32, regnum++, gdbType: regs[i] is CortexMRegister.Msp or CortexMRegister.Psp ? "data_ptr" : "uint32", gdbFeature: MSystemFeature);
        t.Signals((cpu, registry, options) => new CortexMSignals(cpu, registry, options));
        return t.Build(c => CortexMCpu.ForBoard(c, profile, regs, fpu, m0Plus));
    }
}

/// <summary>The Cortex-M3/M4F/M0 as a board names it in <c>cpu.type</c> (the model is <see cref="CortexMCpu"/>).</summary>
public sealed class CortexM4Core : ICoreModel
{
    private CortexM4Core() { }
    public static CoreType Type => CortexMCoreTypes.M4;
}

/// <inheritdoc cref="CortexM4Core"/>
public sealed class CortexM4FCore : ICoreModel
{
    private CortexM4FCore() { }
    public static CoreType Type => CortexMCoreTypes.M4F;
}

/// <inheritdoc cref="CortexM4Core"/>
public sealed class CortexM0Core : ICoreModel
{
    private CortexM0Core() { }
    public static CoreType Type => CortexMCoreTypes.M0;
}

/// <inheritdoc cref="CortexM4Core"/>
public sealed class CortexM0PlusCore : ICoreModel
{
    private CortexM0PlusCore() { }
    public static CoreType Type => CortexMCoreTypes.M0Plus;
}

/// <summary>
/// The core's traced signals: in scope <c>cpu</c> its bus as AHB-Lite shows it (HADDR, HWRITE, HSIZE, HTRANS's
/// fetch/data kind as <c>fetch</c>, HRDATA/HWDATA as <c>data</c>), the NMI and irqN inputs, and the registers
/// after each instruction (r0-r15, xpsr, msp, psp, control, primask, basepri, faultmask; s0-s31 and fpscr on the
/// M4F) with <c>exception</c>,
/// the active exception number (IPSR, 0 in Thread mode), and in <c>cpu.pipe</c> the pipeline: <c>fetch</c> (each
/// fetched word's address at its bus cycle), <c>execute</c>/<c>opcode</c>/<c>T32</c> (the instruction from the cycle it
/// begins executing), <c>stall</c> (its fetch wait) and <c>exc</c> (exception entry, return or tail-chain cycles;
/// docs/waveforms.md).
/// <para>The core reports a prefetched word's bus read when an instruction first needs it, at the cycle the fetch
/// was issued, which can be before data accesses already reported (the fetch went on during a long instruction or a
/// load's wait states). A signal keeps the last value set, so the bus signals are set from the reported accesses
/// in cycle order: each access is held until <see cref="CortexMCpu.BusReportFloor"/> passes its cycle (after each
/// instruction), then set at its own cycle; those still held when tracing stops are set then.</para>
/// </summary>
internal sealed class CortexMSignals : ICoreSignals
{
    private readonly CortexMCpu _cpu;
    private readonly Scheduler _s;
    private readonly AhbBusSignals _bus;
    private readonly Signal _pc, _exception;
    private readonly Signal _nmi;
    private readonly Signal[] _irq;
    private readonly Signal[] _regs;
    private readonly Signal[] _fpRegs;
    private readonly List<BusCycle> _held = new();    // reported, not yet set: in cycle order (ties: as reported)
    private readonly Signal _fetch, _execute, _opcode, _t32, _stall, _exc;
    private uint _nextPc, _nextOpcode;                  // the instruction BeforeInstruction announced

    public CortexMSignals(CortexMCpu cpu, SignalRegistry r, CoreSignalOptions options)
    {
        _cpu = cpu;
        _s = cpu.Scheduler;
        const string c = "cpu";
        _bus = new AhbBusSignals(r, c);
        _nmi = r.Declare(c, "NMI", 1, initial: cpu.NmiLine ? 1UL : 0);
        _irq = new Signal[cpu.InterruptLines];
        for (int i = 0; i < _irq.Length; i++) _irq[i] = r.Declare(c, "irq" + i, 1, initial: cpu.InterruptLine(i) ? 1UL : 0);
        _pc = r.Declare(c, "pc", 32, SignalKind.Reg, cpu.Pc);
        _exception = r.Declare(c, "exception", 9, SignalKind.Reg, cpu.Ipsr);
        _regs = new Signal[cpu.DebugRegisters.Length];
        var names = CoreRegisterNames(cpu);
        for (int i = 0; i < _regs.Length; i++) _regs[i] = r.Declare(c, names[i], 32, SignalKind.Reg, cpu.ReadRegister(i));
        // On the M4F, s0-s31 and fpscr after the integer registers (none without the FPU: the M3's scope is unchanged).
        var fpNames = cpu.FloatRegisterNames;
        _fpRegs = new Signal[fpNames.Count];
        for (int i = 0; i < _fpRegs.Length; i++) _fpRegs[i] = r.Declare(c, fpNames[i], 32, SignalKind.Reg, cpu.ReadFloatRegister(i));
        const string pipe = "cpu.pipe";
        _fetch = r.Declare(pipe, "fetch", 32);
        _execute = r.Declare(pipe, "execute", 32, initial: cpu.Pc);
        _opcode = r.Declare(pipe, "opcode", 32);
        _t32 = r.Declare(pipe, "T32", 1);
        _stall = r.Declare(pipe, "stall", 1);
        _exc = r.Declare(pipe, "exc", 2);
    }

    private static string[] CoreRegisterNames(CortexMCpu cpu) =>
        cpu.DebugRegisters.Select(x => (int)x < 16 ? "r" + (int)x : x.ToString().ToLowerInvariant()).ToArray();

    public Signal? Input(string name) =>
        name == "NMI" ? _nmi
        : name.StartsWith("irq", StringComparison.Ordinal) && int.TryParse(name.AsSpan(3), out int n) && n >= 0 && n < _irq.Length ? _irq[n]
        : null;

    public (bool Bus, bool Hook) Attach(long now)
    {
        Registers(now);
        bool bus = _bus.Enabled || _fetch.Enabled;
        // The bus signals need the step's end too: the held accesses are released there.
        bool hook = bus || _regs.Concat(_fpRegs).Append(_pc).Append(_exception)
            .Concat(new[] { _execute, _opcode, _t32, _stall, _exc }).Any(x => x.Enabled);
        return (bus, hook);
    }

    public void OnBusCycle(in BusCycle c)
    {
        if (c.Kind is not (CycleKind.N or CycleKind.S)) return;
        int i = _held.Count;
        while (i > 0 && _held[i - 1].Cycle > c.Cycle) i--;
        _held.Insert(i, c);
    }

    /// <summary>Sets the bus signals from the held accesses before cycle <paramref name="floor"/>, in cycle order.</summary>
    private void Release(long floor)
    {
        int n = 0;
        for (; n < _held.Count && _held[n].Cycle < floor; n++)
        {
            _bus.OnBusCycle(_held[n], _s);
            if (_held[n].IsOpcodeFetch) _fetch.Set(_s.TimeOfCycle(_held[n].Cycle), _held[n].Address);
        }
        _held.RemoveRange(0, n);
    }

    public void Detach() => Release(long.MaxValue);

    public void BeforeInstruction(long now, uint pc, uint opcode)
    {
        _pc.Set(now, pc);
        _nextPc = pc;
        _nextOpcode = opcode;
    }

    public void AfterInstruction(long now)
    {
        Pipeline(_cpu.LastStep);
        Registers(now);
    }

    /// <summary>
    /// The step's pipeline signals at the cycles the core's timing gives: <c>stall</c> high from the step's start
    /// for the cycles it waited for its fetch; <c>execute</c>/<c>opcode</c>/<c>T32</c> change when the instruction
    /// begins executing (the cycle DWT CYCCNT reads in it) and hold until the next one does; <c>exc</c> is the
    /// phase of the step's closing exception cycles (the cycles DWT EXCCNT counts).
    /// </summary>
    private void Pipeline(StepView step)
    {
        long start = step.Start, end = _s.Cycles;
        _stall.Set(_s.TimeOfCycle(start), step.Stall > 0);
        if (step.Stall > 0) _stall.Set(_s.TimeOfCycle(start + step.Stall), false);
        if (step.Executed)
        {
            long t = _s.TimeOfCycle(start + step.Stall);
            _execute.Set(t, _nextPc);
            _opcode.Set(t, _nextOpcode);
            _t32.Set(t, _nextOpcode > 0xFFFF);
        }
        long excAt = end - step.ExceptionCycles;
        if (step.ExceptionCycles == 0 || excAt > start) _exc.Set(_s.TimeOfCycle(start), 0);
        if (step.ExceptionCycles > 0) _exc.Set(_s.TimeOfCycle(excAt), (ulong)step.Phase);
    }

    private void Registers(long now)
    {
        for (int i = 0; i < _regs.Length; i++) _regs[i].Set(now, _cpu.ReadRegister(i));
        for (int i = 0; i < _fpRegs.Length; i++) _fpRegs[i].Set(now, _cpu.ReadFloatRegister(i));
        _pc.Set(now, _cpu.Pc);
        _exception.Set(now, _cpu.Ipsr);
        if (_held.Count != 0) Release(_cpu.BusReportFloor);
    }
}
