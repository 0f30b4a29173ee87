using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using SocSim.Arm;
using SocSim.Core;
using SocSim.Core.Cores;

[module: SkipLocalsInit]

namespace SocSim.Arm9;

/// <summary>
/// ARM926EJ-S (ARMv5TEJ): the ARM9EJ-S integer core with CP15, the ARMv5 MMU and the Harvard memory
/// system (DDI 0198E, DDI 0222B). A core of its own beside <see cref="ArmCpu"/> rather than a
/// profile of it: the five-stage pipeline is timed from the ARM9EJ-S cycle tables (an instruction's
/// cycles are its issue cycles plus interlocks, and its memory accesses reach the AHB only on a
/// cache miss or to uncacheable space), where the ARM7TDMI's cycles fall out of its bus accesses one
/// by one, so the two cores share the architecture's definitions (<see cref="Psr"/>,
/// <see cref="CpuMode"/>, the disassembler) and not their execution code; the ARM7TDMI's hot path is
/// not touched at all. See docs/cores.md.
/// </summary>
/// <remarks>
/// Execution model: <see cref="_pc"/> is the address of the instruction that executes next; while
/// it executes R15 reads as its address + 8 (ARM) or + 4 (Thumb), and a write to the PC sets
/// <see cref="_next"/>. The core's cycles are the scheduler's (the board's <c>cpu.clock</c> is CLK);
/// AHB transfers cost the bus's clocks (CLK:HCLK = 1:1, see boards/README.md).
/// </remarks>
public sealed unsafe partial class Arm926Cpu : ICore, ICoreModel, IVirtualMemory, ICoreStatistics
{
    /// <summary>
    /// The ARM926EJ-S to a board: CLK, nIRQ and nFIQ (DDI 0198E 9.1), GDB's classic ARM numbering
    /// as the ARM7TDMI's, architecture armv5te.
    /// </summary>
    public static CoreType Type { get; } = Declare();

    private static CoreType Declare()
    {
        var t = CoreType.Define<Arm926Cpu>("arm926ejs", "ARM926EJ-S (ARMv5TEJ): five-stage pipeline timed from the ARM9EJ-S tables, ARM and Thumb, CP15, ARMv5 MMU and TLB")
            .Clock("CLK", "one core cycle per CLK period; AHB transfers take the bus's clocks at HCLK = CLK / clkPerHclk")
            .Parameter(ICacheParameter, 32, "I-cache size in KiB (4 to 128, a power of two; DDI 0198E): the Versatile/PB926EJ-S's 32")
            .Parameter(DCacheParameter, 16, "D-cache size in KiB (4 to 128, a power of two): the Versatile/PB926EJ-S's 16")
            .Parameter(RatioParameter, 3, "CLK:HCLK, core clocks per AHB clock (1 to 16): the Versatile/PB926EJ-S's 3 (210 MHz core, 70 MHz AHB)")
            .Input("nIRQ", c => c.SetIrq, c => c.IrqAsserted, "interrupt request, active low (DDI 0198E 9.1)")
            .Input("nFIQ", c => c.SetFiq, c => c.FiqAsserted, "fast interrupt request, active low (DDI 0198E 9.1)")
            .Gdb("armv5te", "org.gnu.gdb.arm.core");
        for (int i = 0; i < 13; i++) t.Register("r" + i, 32, i, gdbType: "uint32");
        t.Register("r13", 32, 13, "sp", "data_ptr")
         .Register("r14", 32, 14, "lr")
         .Register("r15", 32, 15, "pc", "code_ptr")
         .Register("cpsr", 32, ArmCpu.CpsrGdbRegnum);
        t.Signals((cpu, registry, _) => new Arm926CpuSignals(cpu, registry));
        return t.Build(c => new Arm926Cpu(c.Bus, (int)c.Parameter(ICacheParameter, 32L), (int)c.Parameter(DCacheParameter, 16L), (int)c.Parameter(RatioParameter, 3L)));
    }

    public const string ICacheParameter = "icacheKiB", DCacheParameter = "dcacheKiB", RatioParameter = "clkPerHclk";

    public const int CpsrIndex = 16;

    /// <summary>CPSR.Q, the sticky saturation flag (ARMv5TE).</summary>
    public const uint PsrQ = 1u << 27;

    // Register file as the ARM7TDMI's: R[0..15] current view, banked copies, SPSRs.
    private const int HiBank = 16;
    private const int SpLrBank = 26;
    private const int SpsrBank = 38;
    private const int RegisterFileWords = 44;
    private uint* _r;

    private uint _cpsr;
    private int _bank;
    private readonly Bus _bus;
    private readonly Scheduler _s;

    private uint _pc;           // address of the instruction that executes next
    private uint _next;         // where execution goes after the current instruction
    private bool _irqLine, _fiqLine, _intPending;
    private bool _stop;
    // The VCD's memory-system levels (cpu.icache_fill ...), only while one is traced: the slow paths test it for null.
    private Arm926CpuSignals? _memoryTrace;
    internal Arm926CpuSignals? MemoryTrace { get => _memoryTrace; set => _memoryTrace = value; }
    private long _instructions;

    public Arm926Cpu(Bus bus, int icacheKiB = 32, int dcacheKiB = 16, int clkPerHclk = 1)
    {
        _bus = bus;
        _s = bus.Scheduler;
        CreateCaches(icacheKiB, dcacheKiB, clkPerHclk);
        _r = (uint*)NativeMemory.AllocZeroed(64, sizeof(uint));
        AllocateMemorySystem();
        bus.MappingChanged += FlushSoftTlb;
        Reset();
    }

    public Bus Bus => _bus;
    public Scheduler Scheduler => _s;
    public long Instructions => _instructions;
    public long Cycles => _s.Cycles;
    public uint Cpsr => _cpsr;
    public CpuMode Mode => (CpuMode)(_cpsr & Psr.ModeMask);
    public bool Thumb => (_cpsr & Psr.T) != 0;
    public bool StopRequested => _stop;
    public uint Pc => _pc;
    public string? Fault { get; private set; }

    /// <summary>Reset (DDI 0198E 2.x, ARM ARM A2.6.1): SVC, IRQ and FIQ masked, ARM state, CP15 at its reset values, from the reset vector.</summary>
    public void Reset()
    {
        ResetCp15();
        ResetCommon(Vector(0));
    }

    public void ResetTo(uint entry)
    {
        ResetCp15();
        ResetCommon(entry);
    }

    private void ResetCommon(uint entry)
    {
        _sleeping = false;
        SetCpsrRaw((uint)CpuMode.Supervisor | Psr.I | Psr.F | ((entry & 1) != 0 ? Psr.T : 0));
        _pc = entry & ~1u;
        _lockMask = 0;
        _stop = false;
        Fault = null;
    }

    // ---- run ----

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Step()
    {
        if (_hook != null) { StepHooked(); return; }
        if (_intPending && TakeInterrupt()) return;
        if ((_cpsr & Psr.T) == 0) StepArm();
        else StepThumb();
    }

    private IExecutionHook? _hook;
    private long _hookResumeAt = -1;
    private uint _hookResumePc;

    public IExecutionHook? Hook { get => _hook; set => _hook = value; }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void StepHooked()
    {
        var hook = _hook!;
        if (!(_intPending && TakeInterrupt()))
        {
            uint pc = _pc;
            bool resuming = _instructions == _hookResumeAt && pc == _hookResumePc;
            if (!resuming && hook.BeforeInstruction(this, pc, PeekOpcode(pc)))
            {
                _hookResumeAt = _instructions;
                _hookResumePc = pc;
                RequestStop();
                return;
            }
            _hookResumeAt = -1;
            if ((_cpsr & Psr.T) == 0) StepArm();
            else StepThumb();
        }
        hook.AfterInstruction(this);
    }

    /// <summary>The opcode at <paramref name="pc"/> as the core would fetch it, for hooks and traces (no time, no abort).</summary>
    public uint PeekOpcode(uint pc)
    {
        // An instruction prefetched with the old FCSE PID is the one the core executes.
        uint now = _fcseOffset;
        if (_oldPidFetches != 0 && pc == _oldPidVa) _fcseOffset = _oldPidOffset;
        bool mapped = DebugTranslate(pc, out uint pa);
        _fcseOffset = now;
        if (!mapped) return 0;
        return Thumb ? (uint)_bus.DebugRead8(pa) | ((uint)_bus.DebugRead8(pa + 1) << 8) : _bus.DebugRead32(pa & ~3u);
    }

    public bool Run(long cycleLimit)
    {
        var s = _s;
        _stop = false;
        while (!_stop && s.Cycles < cycleLimit)
        {
            long end = Math.Min(s.NextEventCycle, cycleLimit);
            if (_sleeping && StayIdle(end)) continue;
            while (s.Cycles < end && s.Cycles < s.NextEventCycle) Step();
            s.RunDue();
        }
        return _stop;
    }

    private bool _sleeping;
    private Action? _onWake;

    private bool StayIdle(long end)
    {
        if (!_irqLine && !_fiqLine)
        {
            if (_s.NextEventCycle == long.MaxValue) { Fault = "the core waits for an interrupt and no event or interrupt can ever wake it"; RequestStop(); return true; }
            _s.AdvanceCyclesTo(end);
            _s.RunDue();
            return true;
        }
        _sleeping = false;
        var wake = _onWake;
        _onWake = null;
        wake?.Invoke();
        return false;
    }

    public bool Sleeping => _sleeping;

    public void Sleep(Action? onWake = null)
    {
        _sleeping = true;
        _onWake = onWake;
        _s.NextEventCycle = 0;
    }

    public void RequestStop()
    {
        _stop = true;
        _s.NextEventCycle = 0;
    }

    // ---- interrupts and exceptions ----

    public void SetIrq(bool asserted) { _irqLine = asserted; UpdatePending(); }
    public void SetFiq(bool asserted) { _fiqLine = asserted; UpdatePending(); }
    public bool IrqAsserted => _irqLine;
    public bool FiqAsserted => _fiqLine;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void UpdatePending() =>
        _intPending = (_fiqLine && (_cpsr & Psr.F) == 0) || (_irqLine && (_cpsr & Psr.I) == 0);

    /// <summary>
    /// IRQ/FIQ entry at an instruction boundary: R14 = the address of the instruction not executed + 4
    /// in both states (ARM ARM A2.6.8). Entry takes 3 cycles, as a branch (DDI 0222B 8.x: exceptions
    /// refill the pipeline as a branch does).
    /// </summary>
    private bool TakeInterrupt()
    {
        uint lr = _pc + 4;
        if (_fiqLine && (_cpsr & Psr.F) == 0) { EnterException(CpuMode.Fiq, 0x1C, lr, true); return true; }
        if (_irqLine && (_cpsr & Psr.I) == 0) { EnterException(CpuMode.Irq, 0x18, lr, false); return true; }
        return false;
    }

    public event Action<uint>? ExceptionEntered;

    /// <summary>The exception vector at <paramref name="offset"/>: at 0xFFFF0000 when CP15 c1.V is set (DDI 0198E 2.3.5).</summary>
    private uint Vector(uint offset) => (_control & Cr.V) != 0 ? 0xFFFF_0000u + offset : offset;

    private void EnterException(CpuMode mode, uint offset, uint lr, bool disableFiq)
    {
        uint old = _cpsr;
        uint cpsr = (old & ~(Psr.ModeMask | Psr.T)) | (uint)mode | Psr.I;
        if (disableFiq) cpsr |= Psr.F;
        SetCpsrRaw(cpsr);
        _r[SpsrBank + _bank] = old;
        _r[14] = lr;
        uint vector = Vector(offset);
        _pc = _next = vector;
        _s.Cycles += Timing.Exception;
        _lockMask = 0;
        _oldPidFetches = 0;
        ExceptionEntered?.Invoke(vector);
    }

    private static int BankOf(uint mode) => mode switch
    {
        0x11 => 1,
        0x13 => 2,
        0x17 => 3,
        0x12 => 4,
        0x1B => 5,
        _ => 0,
    };

    /// <summary>Writes the CPSR, switching register banks when the mode changes.</summary>
    private void SetCpsrRaw(uint value)
    {
        // M[4] reads as one: the ARM926EJ-S has no 26-bit modes.
        value |= 0x10;
        int nb = BankOf(value & Psr.ModeMask);
        if (nb != _bank) SwitchBank(_bank, nb);
        _cpsr = value;
        bool user = (value & Psr.ModeMask) == (uint)CpuMode.User;
        _bus.Privileged = !user;
        _userTag = user ? 1u : 0u;
        UpdatePending();
    }

    private void SwitchBank(int from, int to)
    {
        uint* r = _r;
        if ((from == 1) != (to == 1))
        {
            int fromHi = HiBank + (from == 1 ? 5 : 0), toHi = HiBank + (to == 1 ? 5 : 0);
            for (int i = 0; i < 5; i++) { r[fromHi + i] = r[8 + i]; r[8 + i] = r[toHi + i]; }
        }
        r[SpLrBank + 2 * from] = r[13];
        r[SpLrBank + 2 * from + 1] = r[14];
        r[13] = r[SpLrBank + 2 * to];
        r[14] = r[SpLrBank + 2 * to + 1];
        _bank = to;
    }

    private bool HasSpsr => _bank != 0;

    private uint Spsr
    {
        get => _bank != 0 ? _r[SpsrBank + _bank] : _cpsr;
        set { if (_bank != 0) _r[SpsrBank + _bank] = value; }
    }

    private uint GetUserRegister(int n)
    {
        if (n < 8 || n == 15) return _r[n];
        if (n <= 12) return _bank == 1 ? _r[HiBank + n - 8] : _r[n];
        return _bank == 0 ? _r[n] : _r[SpLrBank + n - 13];
    }

    private void SetUserRegister(int n, uint value)
    {
        if (n < 8 || n == 15) { _r[n] = value; return; }
        if (n <= 12) { if (_bank == 1) _r[HiBank + n - 8] = value; else _r[n] = value; return; }
        if (_bank == 0) _r[n] = value; else _r[SpLrBank + n - 13] = value;
    }

    /// <summary>Register of the current mode (R15: the next instruction's address).</summary>
    public uint GetRegister(int n) => (n & 15) == 15 ? _pc : _r[n & 15];

    public void SetRegister(int n, uint value)
    {
        // A debugger's PC write refills the pipeline: nothing fetched with an old FCSE PID survives it.
        if ((n & 15) == 15) { _pc = value & (Thumb ? ~1u : ~3u); _oldPidFetches = 0; }
        else _r[n & 15] = value;
    }

    public void SetCpsr(uint value) => SetCpsrRaw(value);

    public uint GetSpsr(CpuMode mode) { int b = BankOf((uint)mode); return b != 0 ? _r[SpsrBank + b] : 0; }

    public uint ReadRegister(int index) => index switch
    {
        >= 0 and < 15 => _r[index],
        15 => _pc,
        CpsrIndex => _cpsr,
        _ => throw new ArgumentOutOfRangeException(nameof(index)),
    };

    public void WriteRegister(int index, uint value)
    {
        switch (index)
        {
            case >= 0 and < 15: _r[index] = value; break;
            case 15: _pc = value; _oldPidFetches = 0; break;
            case CpsrIndex: SetCpsrRaw(value); break;
            default: throw new ArgumentOutOfRangeException(nameof(index));
        }
    }

    public void WriteRegisters(ReadOnlySpan<uint> values)
    {
        for (int i = 0; i < 15; i++) _r[i] = values[i];
        SetCpsrRaw(values[CpsrIndex]);
        _pc = values[15];
        _oldPidFetches = 0;
    }

    public void Dispose()
    {
        if (_r != null) { NativeMemory.Free(_r); _r = null; }
        FreeMemorySystem();
    }
}
