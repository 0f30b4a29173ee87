using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using SocSim.Core;
using SocSim.Core.Cores;

[module: SkipLocalsInit]

namespace SocSim.Arm;

/// <summary>
/// ARM7TDMI core (ARMv4T). The three-stage pipeline is explicit: <see cref="_op0"/> holds the word in
/// the decode stage (executed next) and <see cref="_op1"/> the word in the fetch stage. During the
/// first cycle of every instruction the core fetches at R15, which therefore reads as the executing
/// instruction's address + 8 (ARM) or + 4 (Thumb); a write to R15 refills both stages.
/// Every bus access goes through <see cref="Bus"/>, which charges the region's wait states, so the
/// cycle count of each instruction falls out of the accesses it makes (TRM DDI 0210C chapter 6).
/// </summary>
public sealed unsafe partial class ArmCpu : ICore, ICoreModel
{
    /// <summary>
    /// What the ARM7TDMI is to a board: one core cycle per MCLK period (the board clock <c>cpu.clock</c>
    /// names, so the core's cycles are the scheduler's), the nIRQ and nFIQ inputs (TRM 3.1), GDB's
    /// classic ARM numbering (r0-r12, sp, lr, pc as 0-15 and cpsr as 25: 16-24 were the FPA registers
    /// an ARM7TDMI does not have), and the pins, pipeline and registers it traces (<see cref="ArmCpuSignals"/>).
    /// </summary>
    public static CoreType Type { get; } = Declare();

    private static CoreType Declare()
    {
        var t = CoreType.Define<ArmCpu>("arm7tdmi", "ARM7TDMI (ARMv4T): three-stage pipeline, ARM and Thumb, N/S/I/C bus cycles")
            .Clock("MCLK", "one core cycle per MCLK period; every bus cycle is one or more MCLK cycles (TRM 3.1)")
            .Input("nIRQ", c => c.SetIrq, c => c.IrqAsserted, "interrupt request, active low (TRM 2.8.7)")
            .Input("nFIQ", c => c.SetFiq, c => c.FiqAsserted, "fast interrupt request, active low (TRM 2.8.6)")
            .Gdb("armv4t", "org.gnu.gdb.arm.core");
        for (int i = 0; i < 13; i++) t.Register("r" + i, 32, i, gdbType: "uint32");
        t.Register("r13", 32, 13, "sp", "data_ptr")
         .Register("r14", 32, 14, "lr")
         .Register("r15", 32, 15, "pc", "code_ptr")
         .Register("cpsr", 32, CpsrGdbRegnum)
         .Signals((cpu, registry, options) => new ArmCpuSignals(cpu, registry, options));
        return t.Build(c =>
        {
            var cpu = new ArmCpu(c.Bus);
            cpu.SetEngine(c.Engine, c.TranslationThreshold, c.TranslateInBackground, c.TranslationHoldOff);
            return cpu;
        });
    }

    /// <summary>GDB's number for the CPSR in the classic ARM numbering.</summary>
    public const int CpsrGdbRegnum = 25;

    /// <summary>Index of the CPSR in <see cref="CoreType.Registers"/> (after r0-r15).</summary>
    public const int CpsrIndex = 16;

    // Native register file: R[0..15] current view, then banked copies and SPSRs.
    private const int HiBank = 16;      // r8..r12: [0] every mode but FIQ, [1] FIQ  (2 x 5)
    private const int SpLrBank = 26;    // r13, r14 per bank (6 x 2)
    private const int SpsrBank = 38;    // SPSR per bank (6), index 0 unused
    private uint* _r;

    private uint _cpsr;
    private int _bank;                  // 0 usr/sys, 1 fiq, 2 svc, 3 abt, 4 irq, 5 und
    private readonly Bus _bus;
    private readonly Scheduler _s;

    // Pipeline: decode-stage and fetch-stage words, with the abort flag each fetch returned.
    private uint _op0, _op1;
    private bool _abt0, _abt1;
    /// <summary>Whether the next opcode fetch is sequential: the previous cycle announces it (TRM 3.1).</summary>
    private AccessFlags _fetchSeq;

    private bool _irqLine, _fiqLine, _intPending;
    // After an MSR that changed I or F: the I and F bits from before it, with bit 0 set as a marker;
    // the next instruction boundary decides with them (see Msr). 0 otherwise.
    private uint _maskAfterMsr;
    private bool _stop;
    private long _instructions;

    public ArmCpu(Bus bus)
    {
        _bus = bus;
        _s = bus.Scheduler;
        _r = (uint*)NativeMemory.AllocZeroed(64, sizeof(uint));
        bus.MappingChanged += InvalidateFetchCache;
        Reset();
    }

    public Bus Bus => _bus;
    public Scheduler Scheduler => _s;
    public long Instructions => _instructions;
    /// <summary>The core's cycles: the scheduler's, whose CPU clock is MCLK.</summary>
    public long Cycles => _s.Cycles;
    public uint Cpsr => _cpsr;
    public CpuMode Mode => (CpuMode)(_cpsr & Psr.ModeMask);
    public bool Thumb => (_cpsr & Psr.T) != 0;
    public bool StopRequested => _stop;
    /// <summary>Words in the decode and fetch stages.</summary>
    public (uint Decode, uint Fetch) Pipeline => (_op0, _op1);

    /// <summary>Called for SWI instructions before the exception is taken; return true when handled (semihosting).</summary>
    public Func<ArmCpu, uint, bool>? SwiHook { get; set; }

    /// <summary>
    /// Address of the instruction that executes next, as a debugger shows pc: R15 less the pipeline
    /// offset. R15 itself is that plus 8 (ARM) or 4 (Thumb).
    /// </summary>
    public uint Pc => _r[15] - (Thumb ? 4u : 8u);

    // ---- reset, run ----

    /// <summary>Reset (TRM 2.11): SVC mode, IRQ and FIQ disabled, ARM state, fetch from address 0.</summary>
    public void Reset()
    {
        _sleeping = false;
        _maskAfterMsr = 0;
        SetCpsrRaw((uint)CpuMode.Supervisor | Psr.I | Psr.F);
        Refill(Vectors.Reset);
        _stop = false;
    }

    /// <summary>
    /// Reset state (SVC, IRQ and FIQ disabled) but starting at <paramref name="entry"/> instead of the
    /// reset vector, as a loader starts an ELF at its entry point; bit 0 selects Thumb state.
    /// </summary>
    public void ResetTo(uint entry)
    {
        _sleeping = false;
        _maskAfterMsr = 0;
        SetCpsrRaw((uint)CpuMode.Supervisor | Psr.I | Psr.F | ((entry & 1) != 0 ? Psr.T : 0));
        Refill(entry);
        _stop = false;
        Fault = null;
    }

    /// <summary>
    /// Set when the core cannot go on: an exception was taken and fetching its vector aborted (no
    /// memory at the vector table). The run stops at once.
    /// </summary>
    public string? Fault { get; private set; }

    /// <summary>Executes one instruction (or one exception entry) to completion.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Step()
    {
        if (_observed) { StepObserved(); return; }
        if (_intPending && TakeInterrupt()) return;
        if ((_cpsr & Psr.T) == 0) StepArm();
        else StepThumb();
    }

    private IExecutionHook? _hook;
    private long _hookResumeAt = -1;
    private uint _hookResumePc;

    /// <summary>Breakpoints, tracers and profilers; null (the default) costs one branch per instruction.</summary>
    public IExecutionHook? Hook
    {
        get => _hook;
        set { _hook = value; _observed = value != null || _watchCount != 0; }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void StepHooked()
    {
        var hook = _hook!;
        if (!(_intPending && TakeInterrupt()))
        {
            // An instruction the hook stopped before runs without being offered again on resume.
            uint pc = Pc;
            bool resuming = _instructions == _hookResumeAt && pc == _hookResumePc;
            if (!resuming && _watchCount != 0) CheckWatch();
            if (!resuming && hook.BeforeInstruction(this, pc, _op0))
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

    /// <summary>Whether an ARM condition field passes for the given CPSR flags (Thumb conditional branches too).</summary>
    public static bool ConditionPassed(uint cond, uint cpsr) => ((CondTable[cond & 15] >> (int)(cpsr >> 28)) & 1) != 0;

    /// <summary>
    /// Runs until <paramref name="cycleLimit"/> or a stop request, running scheduler events whenever
    /// their time is reached. Returns whether a stop was requested.
    /// </summary>
    public bool Run(long cycleLimit)
    {
        if (_translator != null) return RunTranslated(cycleLimit);
        var s = _s;
        _stop = false;
        while (!_stop && s.Cycles < cycleLimit)
        {
            long end = Math.Min(s.NextEventCycle, cycleLimit);
            if (_sleeping && StayIdle(end)) continue;
            // One comparison per instruction. An event scheduled sooner (or a stop request) lowers
            // NextEventCycle, which ends the slice at once.
            while (s.Cycles < end && s.Cycles < s.NextEventCycle) Step();
            s.RunDue();
        }
        return _stop;
    }

    private bool _sleeping;
    private Action? _onWake;

    /// <summary>
    /// Idle (<see cref="Sleep"/>): no instruction runs; time passes to <paramref name="end"/>, the
    /// next event, which may raise the interrupt request that ends the idle state. Returns false once
    /// nIRQ or nFIQ is asserted (the core woke and executes again), true while it stays idle.
    /// </summary>
    private bool StayIdle(long end)
    {
        if (!_irqLine && !_fiqLine)
        {
            // Nothing scheduled at all (whatever the run's cycle limit): nothing can ever assert a line.
            if (_s.NextEventCycle == long.MaxValue) { Fault = "the core is idle and no event or interrupt can ever wake it"; RequestStop(); return true; }
            _s.AdvanceCyclesTo(end);
            _s.RunDue();
            return true;
        }
        Wake();
        return false;
    }

    /// <summary>
    /// Ends <see cref="Sleep"/> without an interrupt request (a power controller that resumes execution
    /// on its own), running the wake action; nothing when awake.
    /// </summary>
    public void Wake()
    {
        if (!_sleeping) return;
        _sleeping = false;
        var wake = _onWake;
        _onWake = null;
        wake?.Invoke();
        _s.NextEventCycle = 0;
    }

    /// <summary>True while the core waits for an interrupt request (a power-control idle mode).</summary>
    public bool Sleeping => _sleeping;

    /// <summary>
    /// Stops executing after the current instruction until nIRQ or nFIQ is asserted (whether or not the
    /// CPSR masks it), then calls <paramref name="onWake"/> and goes on: an interrupt that is not masked
    /// is taken at once, otherwise the instruction after the one that entered idle runs.
    /// </summary>
    public void Sleep(Action? onWake = null)
    {
        _sleeping = true;
        _onWake = onWake;
        _s.NextEventCycle = 0;
    }

    /// <summary>Ends the current run at the next instruction boundary.</summary>
    public void RequestStop()
    {
        _stop = true;
        _s.NextEventCycle = 0;
    }

    // ---- interrupts ----

    /// <summary>nIRQ input (true = asserted, i.e. the pin is low).</summary>
    public void SetIrq(bool asserted) { _irqLine = asserted; UpdatePending(); }
    /// <summary>nFIQ input (true = asserted).</summary>
    public void SetFiq(bool asserted) { _fiqLine = asserted; UpdatePending(); }
    public bool IrqAsserted => _irqLine;
    public bool FiqAsserted => _fiqLine;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void UpdatePending() =>
        _intPending = _maskAfterMsr != 0 || (_fiqLine && (_cpsr & Psr.F) == 0) || (_irqLine && (_cpsr & Psr.I) == 0);

    /// <summary>
    /// Interrupt entry in place of the instruction in the execute stage (TRM 2.8.7): its first cycle
    /// still fetches at R15 (discarded), then the vector is fetched N, vector+4 S: 2S+1N.
    /// R14 = address of the instruction that was not executed + 4, in both states.
    /// </summary>
    /// <remarks>
    /// The mask this boundary decides with is the CPSR's I and F bits while the previous instruction
    /// executed; only an MSR changes them without a pipeline refill, so after an MSR it is the mask
    /// from before it (<see cref="_maskAfterMsr"/>): an IRQ that arrives during the MSR that disables
    /// IRQs is still taken, with SPSR_irq.I set, as ARM describes for the ARM7TDMI (UM10275 §5.7.1,
    /// quoting ARM's FAQ "What happens if an interrupt occurs as it is being disabled?": "the core was
    /// committed to taking the interrupt exception before the I bit was set"). The same decision
    /// point makes an MSR that enables interrupts take a pending one after the next instruction (the
    /// next instruction entered decode with the old mask); ARM documents only the disabling case.
    /// </remarks>
    private bool TakeInterrupt()
    {
        uint mask = _cpsr;
        if (_maskAfterMsr != 0)
        {
            mask = _maskAfterMsr;
            _maskAfterMsr = 0;
            UpdatePending();
        }
        bool thumb = (_cpsr & Psr.T) != 0;
        uint lr = thumb ? _r[15] : _r[15] - 4;
        if (_fiqLine && (mask & Psr.F) == 0)
        {
            if (thumb) FetchThumb(); else FetchArm();
            EnterException(CpuMode.Fiq, Vectors.Fiq, lr, true);
            return true;
        }
        if (_irqLine && (mask & Psr.I) == 0)
        {
            if (thumb) FetchThumb(); else FetchArm();
            EnterException(CpuMode.Irq, Vectors.Irq, lr, false);
            return true;
        }
        return false;
    }

    /// <summary>
    /// Called after every exception entry, with the vector, once the pipeline is refilled from it (the
    /// cycle its first instruction starts): for probes that would otherwise watch every instruction.
    /// </summary>
    public event Action<uint>? ExceptionEntered;

    private void EnterException(CpuMode mode, uint vector, uint lr, bool disableFiq)
    {
        uint old = _cpsr;
        uint cpsr = (old & ~(Psr.ModeMask | Psr.T)) | (uint)mode | Psr.I;
        if (disableFiq) cpsr |= Psr.F;
        SetCpsrRaw(cpsr);
        _r[SpsrBank + _bank] = old;
        _r[14] = lr;
        Refill(vector);
        if (_abt0)
        {
            Fault = $"{mode} exception (return address 0x{lr:X8}): fetching its vector at 0x{vector:X8} aborted";
            RequestStop();
        }
        ExceptionEntered?.Invoke(vector);
    }

    // ---- pipeline ----

    // Fetch fast path: the RAM/ROM page the core is fetching from, with the clocks an N and an S
    // opcode fetch cost there. Fetching from it reads memory directly (so code that rewrites itself
    // is still seen) and charges the same cycles the bus would. The bus refuses the cache while an
    // observer is subscribed and tells us when its map or observer changes.
    private byte* _codePage;
    private uint _codeKey = 1;          // page base + fetch size (2 or 4); 1 when nothing is cached
    private int _codeCostN, _codeCostS;

    private void InvalidateFetchCache() => _codeKey = 1;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void FetchArm()
    {
        uint pc = _r[15];
        if ((pc & ~Bus.PageMask) + 4 == _codeKey)
        {
            _op1 = *(uint*)(_codePage + (pc & (Bus.PageMask & ~3u)));
            _s.Cycles += _fetchSeq != 0 ? _codeCostS : _codeCostN;
            _abt1 = false;
        }
        else FetchArmSlow(pc);
        _r[15] = pc + 4;
        _fetchSeq = AccessFlags.Seq;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void FetchArmSlow(uint pc)
    {
        _op1 = _bus.Read32(pc, _fetchSeq | AccessFlags.Code);
        _abt1 = TakeAbortFlag();
        CacheFetchPage(pc, 4);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void FetchThumb()
    {
        uint pc = _r[15];
        if ((pc & ~Bus.PageMask) + 2 == _codeKey)
        {
            _op1 = *(ushort*)(_codePage + (pc & (Bus.PageMask & ~1u)));
            _s.Cycles += _fetchSeq != 0 ? _codeCostS : _codeCostN;
            _abt1 = false;
        }
        else FetchThumbSlow(pc);
        _r[15] = pc + 2;
        _fetchSeq = AccessFlags.Seq;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void FetchThumbSlow(uint pc)
    {
        _op1 = _bus.Read16(pc, _fetchSeq | AccessFlags.Code);
        _abt1 = TakeAbortFlag();
        CacheFetchPage(pc, 2);
    }

    private void CacheFetchPage(uint pc, int size)
    {
        if (_bus.TryGetFetchPage(pc, size, out var page, out _codeCostN, out _codeCostS))
        {
            _codePage = page;
            _codeKey = (pc & ~Bus.PageMask) + (uint)size;
        }
        else _codeKey = 1;
    }

    /// <summary>Branch: refill decode and fetch stages from <paramref name="target"/> in the current state (N then S).</summary>
    private void Refill(uint target)
    {
        if ((_cpsr & Psr.T) != 0)
        {
            target &= ~1u;
            _r[15] = target;
            _op0 = _bus.Read16(target, AccessFlags.Code);
            _abt0 = TakeAbortFlag();
            _op1 = _bus.Read16(target + 2, AccessFlags.Code | AccessFlags.Seq);
            _abt1 = TakeAbortFlag();
            _r[15] = target + 4;
        }
        else
        {
            // ARM state drives the address as written: A[1:0] of a non-word-aligned R15 reach the
            // bus (memory ignores them for word fetches) and R15 keeps them.
            _r[15] = target;
            _op0 = _bus.Read32(target, AccessFlags.Code);
            _abt0 = TakeAbortFlag();
            _op1 = _bus.Read32(target + 4, AccessFlags.Code | AccessFlags.Seq);
            _abt1 = TakeAbortFlag();
            _r[15] = target + 8;
        }
        _fetchSeq = AccessFlags.Seq;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool TakeAbortFlag()
    {
        if (!_bus.Aborted) return false;
        _bus.Aborted = false;
        return true;
    }

    /// <summary>
    /// Prefetch abort (TRM 2.8.5): the aborted word reached the execute stage. Its first cycle fetches
    /// as any instruction's would; R14_abt = address of the aborted instruction + 4.
    /// </summary>
    private void PrefetchAbort()
    {
        bool thumb = (_cpsr & Psr.T) != 0;
        uint lr = thumb ? _r[15] : _r[15] - 4;
        if (thumb) FetchThumb(); else FetchArm();
        EnterException(CpuMode.Abort, Vectors.PrefetchAbort, lr, false);
    }

    /// <summary>Data abort after the aborting instruction completed (base-updated model): R14_abt = its address + 8.</summary>
    private void DataAbort(uint instrAddress)
    {
        EnterException(CpuMode.Abort, Vectors.DataAbort, instrAddress + 8, false);
    }

    // ---- registers, modes, banking ----

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int BankOf(uint mode) => mode < 32 ? ModeBanks[(int)mode] : 0;

    /// <summary>The register bank of each M[4:0]: FIQ 0x11 → 1, SVC 0x13 → 2, ABT 0x17 → 3, IRQ 0x12 → 4, UND 0x1B → 5, any other → 0 (User/System's).</summary>
    private static ReadOnlySpan<byte> ModeBanks =>
    [
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        0, 1, 4, 2, 0, 0, 0, 3, 0, 0, 0, 5, 0, 0, 0, 0,
    ];

    /// <summary>Writes the CPSR, switching register banks when the mode changes.</summary>
    private void SetCpsrRaw(uint value)
    {
        // M[4] is tied high: the ARM7TDMI has no 26-bit modes (TRM 2.7.2).
        value |= 0x10;
        int nb = BankOf(value & Psr.ModeMask);
        if (nb != _bank) SwitchBank(_bank, nb);
        _cpsr = value;
        _bus.Privileged = (value & Psr.ModeMask) != (uint)CpuMode.User;
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

    /// <summary>Whether the current mode has an SPSR (every mode but User and System).</summary>
    private bool HasSpsr => _bank != 0;

    private uint Spsr
    {
        get => _bank != 0 ? _r[SpsrBank + _bank] : _cpsr;
        set { if (_bank != 0) _r[SpsrBank + _bank] = value; }
    }

    /// <summary>Register of the current mode; R15 reads as the pipelined value (pc + 8 / + 4).</summary>
    public uint GetRegister(int n) => _r[n & 15];

    /// <summary>Sets a register of the current mode. Setting R15 refills the pipeline at that address.</summary>
    public void SetRegister(int n, uint value)
    {
        if ((n & 15) == 15) Refill(value);
        else _r[n & 15] = value;
    }

    /// <summary>The debug view (<see cref="CoreType.Registers"/>): r0-r14, pc (the next instruction), cpsr.</summary>
    public uint ReadRegister(int index) => index switch
    {
        >= 0 and < 15 => _r[index],
        15 => Pc,
        CpsrIndex => _cpsr,
        _ => throw new ArgumentOutOfRangeException(nameof(index)),
    };

    /// <summary>
    /// A debugger's write to the debug view. A new pc, or a CPSR that changes ARM/Thumb state, refills
    /// the pipeline at pc with the clock put back: while a debugger holds the core, time does not move.
    /// </summary>
    public void WriteRegister(int index, uint value)
    {
        switch (index)
        {
            case >= 0 and < 15: SetRegister(index, value); break;
            case 15: WriteCpsrAndPc(_cpsr, value); break;
            case CpsrIndex: WriteCpsrAndPc(value, Pc); break;
            default: throw new ArgumentOutOfRangeException(nameof(index));
        }
    }

    /// <summary>GDB's G packet: r0-r14, then pc and cpsr together (one refill when either moved).</summary>
    public void WriteRegisters(ReadOnlySpan<uint> values)
    {
        for (int i = 0; i < 15; i++) SetRegister(i, values[i]);
        WriteCpsrAndPc(values[CpsrIndex], values[15]);
    }

    /// <summary>The pipeline holds the words at pc and the next two instruction slots (pc + 8 covers both states): refilled when written.</summary>
    public void DebugMemoryWritten(uint address, int length)
    {
        uint pc = Pc, end = address + (uint)length;
        if (address < pc + 8 && end > pc) RefillKeepingTime(pc);
    }

    private void RefillKeepingTime(uint pc)
    {
        long cycles = _s.Cycles;
        SetRegister(15, pc);
        _s.Cycles = cycles;
    }

    private void WriteCpsrAndPc(uint cpsr, uint pc)
    {
        bool refill = pc != Pc || ((cpsr ^ _cpsr) & Psr.T) != 0;
        SetCpsrRaw(cpsr);
        if (refill) RefillKeepingTime(pc);
    }

    /// <summary>Sets the CPSR from outside (debugger, test harness), with bank switching.</summary>
    public void SetCpsr(uint value) => SetCpsrRaw(value);

    public uint GetSpsr(CpuMode mode) => BankOf((uint)mode) is var b && b != 0 ? (b == _bank ? _r[SpsrBank + b] : _r[SpsrBank + b]) : 0;
    public void SetSpsr(CpuMode mode, uint value) { int b = BankOf((uint)mode); if (b != 0) _r[SpsrBank + b] = value; }

    /// <summary>Register <paramref name="n"/> as seen in <paramref name="mode"/>, whatever the current mode.</summary>
    public uint GetBankedRegister(CpuMode mode, int n)
    {
        int b = BankOf((uint)mode);
        if (n < 8 || n == 15) return _r[n];
        if (n <= 12)
        {
            bool fiq = b == 1, curFiq = _bank == 1;
            return fiq == curFiq ? _r[n] : _r[HiBank + (fiq ? 5 : 0) + n - 8];
        }
        return b == _bank ? _r[n] : _r[SpLrBank + 2 * b + (n - 13)];
    }

    /// <summary>r0-r14 as seen in <paramref name="mode"/>, whatever the current mode, into <paramref name="destination"/>[0..14] (what <see cref="GetBankedRegister"/> gives for each, with one bank lookup).</summary>
    public void GetBankedRegisters(CpuMode mode, Span<uint> destination)
    {
        var d = destination[..15];
        int b = BankOf((uint)mode);
        new ReadOnlySpan<uint>(_r, 8).CopyTo(d);
        bool fiq = b == 1;
        new ReadOnlySpan<uint>(fiq == (_bank == 1) ? _r + 8 : _r + HiBank + (fiq ? 5 : 0), 5).CopyTo(d[8..]);
        new ReadOnlySpan<uint>(b == _bank ? _r + 13 : _r + SpLrBank + 2 * b, 2).CopyTo(d[13..]);
    }

    public void SetBankedRegister(CpuMode mode, int n, uint value)
    {
        int b = BankOf((uint)mode);
        if (n < 8) { _r[n] = value; return; }
        if (n == 15) { SetRegister(15, value); return; }
        if (n <= 12)
        {
            bool fiq = b == 1, curFiq = _bank == 1;
            if (fiq == curFiq) _r[n] = value; else _r[HiBank + (fiq ? 5 : 0) + n - 8] = value;
            return;
        }
        if (b == _bank) _r[n] = value; else _r[SpLrBank + 2 * b + (n - 13)] = value;
    }

    /// <summary>User-bank register for LDM/STM with the S bit (TRM 4.11.4).</summary>
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

    /// <summary>
    /// Loads a complete architectural state (test harnesses, snapshots): the user-bank registers, the
    /// banked copies, CPSR/SPSRs and the two pipeline words, with R15 as the pipelined value.
    /// </summary>
    public void LoadState(ReadOnlySpan<uint> user16, ReadOnlySpan<uint> fiq8to14, ReadOnlySpan<uint> svc, ReadOnlySpan<uint> abt,
        ReadOnlySpan<uint> irq, ReadOnlySpan<uint> und, uint cpsr, ReadOnlySpan<uint> spsrs, uint decode, uint fetch, bool nextFetchSequential)
    {
        // Enter the user bank first so the copies can be written straight into storage.
        SetCpsrRaw((cpsr & ~Psr.ModeMask) | (uint)CpuMode.System);
        for (int i = 0; i < 16; i++) _r[i] = user16[i];
        for (int i = 0; i < 5; i++) { _r[HiBank + i] = user16[8 + i]; _r[HiBank + 5 + i] = fiq8to14[i]; }
        _r[SpLrBank + 0] = user16[13]; _r[SpLrBank + 1] = user16[14];
        _r[SpLrBank + 2] = fiq8to14[5]; _r[SpLrBank + 3] = fiq8to14[6];
        _r[SpLrBank + 4] = svc[0]; _r[SpLrBank + 5] = svc[1];
        _r[SpLrBank + 6] = abt[0]; _r[SpLrBank + 7] = abt[1];
        _r[SpLrBank + 8] = irq[0]; _r[SpLrBank + 9] = irq[1];
        _r[SpLrBank + 10] = und[0]; _r[SpLrBank + 11] = und[1];
        for (int i = 0; i < 5; i++) _r[SpsrBank + 1 + i] = spsrs[i];
        SetCpsrRaw(cpsr);
        _op0 = decode; _op1 = fetch; _abt0 = _abt1 = false;
        _fetchSeq = nextFetchSequential ? AccessFlags.Seq : AccessFlags.None;
    }

    public void Dispose()
    {
        if (_r != null) { NativeMemory.Free(_r); _r = null; }
    }
}
