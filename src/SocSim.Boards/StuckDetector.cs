using System.Globalization;
using System.IO.Hashing;
using SocSim.Arm;
using SocSim.Core;
using SocSim.CortexM;

namespace SocSim;

/// <summary>
/// Tells a run that can never end from one that is merely long, and says why a program went astray.
/// <para>
/// Warnings: the first time an access at an address aborts (nothing mapped there, or a device refused
/// it) and the core takes the abort, one warning names the instruction (pc), the access (kind, size,
/// address) and the nearest region of the board. Once per address.
/// </para>
/// <para>
/// A core is stuck, and <see cref="Machine.Run"/> stops with <see cref="StopReason.Stuck"/>, when one
/// of these holds (docs/stuck-detection.md gives the reasoning):
/// <list type="number">
/// <item>Exception loop: the same exception is taken <see cref="Repeats"/> times in a row (no other
/// exception between) from the same instruction with the same registers (r0-r15 of the interrupted
/// mode, SPSR, the handler's r13), with no device access served and no system reset in between; it
/// goes on so until every SoC event that was pending at the <see cref="Repeats"/>-th entry has run,
/// and RAM is then identical at two consecutive entries.</item>
/// <item>Spin: a branch to itself (ARM <c>B .</c>, Thumb <c>B .</c> or a conditional one whose
/// condition holds) with IRQ and FIQ masked in the CPSR, found at two checks (every
/// <see cref="CheckPeriod"/> cycles) with no exception or reset between them, the second after every
/// SoC event pending at the first has run (a watchdog reset would have come by then).</item>
/// </list>
/// Neither rule fires on a core that sleeps (PCON idle), on <c>B .</c> with an interrupt enabled, or on
/// an idle task that yields again and again between timer ticks (the tick's interrupt breaks the run of
/// identical entries). Nothing is added per instruction: rule 1 runs at exception entries, rule 2 between
/// slices of <see cref="CheckPeriod"/> cycles of the run loop (which end at an instruction boundary as
/// event slices do, so the results are unchanged).
/// </para>
/// </summary>
public sealed class StuckDetector
{
    /// <summary>Identical exception entries in a row before rule 1 looks further.</summary>
    public const int Repeats = 16;
    /// <summary>CPU cycles between two checks of rule 2.</summary>
    public const long CheckPeriod = 1 << 20;

    private readonly Machine _m;
    private readonly Action<string> _warn;
    private readonly HashSet<uint> _warnedAddresses = new();

    // The last aborted data access (the bus reports it before the core takes the abort).
    private uint _abortAddress;
    private int _abortSize;
    private AccessFlags _abortFlags;
    private bool _abortPending;

    // Rule 1.
    private const int KeyLength = 21;
    private uint[] _last = new uint[KeyLength], _current = new uint[KeyLength];
    private bool _haveLast;
    private int _streak;
    private long _devicesAtLast;
    private int _resetsAtLast;
    private long _waitUntil = -1;
    private UInt128? _ramHash;
    private long _exceptions;

    // Rule 2.
    private bool _spinning;
    private uint _spinPc;
    private long _spinExceptions, _spinUntil;
    private int _spinResets;

    // Cortex-M: rule 1 watches exception entries only while a slice looks like a loop (below).
    private readonly CortexMCpu? _cm;
    private bool _cmWatching;
    private long _cmExcCycles, _cmDevices;
    private int _cmResets;

    internal StuckDetector(Machine machine, Action<string> warn)
    {
        _m = machine;
        _warn = warn;
        machine.Bus.AccessAborted = OnAccessAborted;
        // The rules read the ARM7TDMI's exceptions, CPSR and pipeline; another core has no stuck rules yet.
        if (machine.Core is ArmCpu cpu) cpu.ExceptionEntered += OnException;
        // The Cortex-M core runs instruction by instruction while anyone listens for its exception entries,
        // so rule 1 listens only after a slice of CheckPeriod cycles spent in exceptions with no device
        // access and no reset (see WatchCortexM).
        _cm = machine.Core as CortexMCpu;
        if (_cm != null) _cm.BusErrorTaken = OnCortexMBusError;
    }

    /// <summary>
    /// Whether a stuck core stops the run: <see cref="MachineOptions.StopWhenStuck"/> at first; a debugger
    /// turns it off (it can change what the core does). The abort warnings are given either way.
    /// </summary>
    public bool Enabled { get; set; }

    /// <summary>What the detector saw, once it found the core stuck (the run's <see cref="RunResult.Fault"/>); null otherwise.</summary>
    public string? Verdict { get; private set; }

    /// <summary>
    /// At the start of a run: a run after one that ended stuck looks afresh (the host may have changed
    /// the machine). Otherwise what was seen carries over, so that a run made of many short runs (the
    /// progress line's slices) is checked as one.
    /// </summary>
    internal void Restart()
    {
        if (Verdict == null) return;
        Verdict = null;
        _haveLast = false;
        _streak = 0;
        _spinning = false;
    }

    /// <summary>The cycle limit of the run loop's next slice: <paramref name="maxCycles"/> when nothing is to be checked.</summary>
    internal long SliceEnd(long maxCycles)
    {
        if (!Enabled || _m.Core is not (ArmCpu or CortexMCpu) || _m.Core.Sleeping) return maxCycles;
        if (_nextCheck <= _m.Scheduler.Cycles) _nextCheck = _m.Scheduler.Cycles + CheckPeriod;
        return _nextCheck < maxCycles ? _nextCheck : maxCycles;
    }

    private long _nextCheck;

    private void OnAccessAborted(uint address, int size, AccessFlags flags)
    {
        if ((flags & AccessFlags.Code) != 0) return;
        _abortAddress = address;
        _abortSize = size;
        _abortFlags = flags;
        _abortPending = true;
    }

    private void OnException(uint vector)
    {
        _exceptions++;
        if (_cm == null && vector is Vectors.DataAbort or Vectors.PrefetchAbort) WarnAbort(vector, _m.Cpu);
        if (!Enabled || Verdict != null) return;

        if (_cm != null) CaptureCortexM(_current, vector, _cm);
        else Capture(_current, vector, _m.Cpu);
        bool hadLast = _haveLast;
        bool same = _haveLast && SameKey(_current, _last)
            && _m.Bus.DeviceAccesses == _devicesAtLast && _m.SystemResets.Count == _resetsAtLast;
        (_last, _current) = (_current, _last);
        _haveLast = true;
        _devicesAtLast = _m.Bus.DeviceAccesses;
        _resetsAtLast = _m.SystemResets.Count;
        if (!same) { StartStreak(); if (hadLast) StopWatchingCortexM(); return; }
        if (++_streak < Repeats) return;
        if (_waitUntil < 0) { _waitUntil = LatestPendingEvent(); return; }
        if (_m.Scheduler.Now < _waitUntil) return;
        CompareRam(vector);
    }

    /// <summary>
    /// Two keys equal. (A loop, not MemoryExtensions.SequenceEqual, and the rule's rare end in
    /// <see cref="CompareRam"/>: <see cref="OnException"/>, which runs at every exception, is then
    /// precompiled with the assembly instead of starting in the JIT's tier 0.)
    /// </summary>
    private static bool SameKey(uint[] a, uint[] b)
    {
        for (int i = 0; i < a.Length; i++)
            if (a[i] != b[i]) return false;
        return true;
    }

    /// <summary>Rule 1's end, once the same entry repeated and every pending event ran: RAM unchanged between two such entries declares the loop.</summary>
    private void CompareRam(uint vector)
    {
        var hash = RamHash();
        if (_ramHash == null) { _ramHash = hash; return; }
        if (hash != _ramHash) { StartStreak(); StopWatchingCortexM(); return; }
        uint spsr = _last[2];
        string name = _cm != null ? CortexMExceptionName((int)vector) : ExceptionName(vector);
        uint from = _cm != null ? _last[1] : ExceptionPc(vector, _last[1], spsr);
        Declare(string.Create(CultureInfo.InvariantCulture,
            $"{name} taken {_streak} times in a row from pc=0x{from:X8} with the same registers and memory, no device access, and nothing pending that could change them"));
    }

    private void StartStreak()
    {
        _streak = 1;
        _waitUntil = -1;
        _ramHash = null;
    }

    /// <summary>Called by the run loop whenever the core returns to it: rule 2, once the check's slice is over.</summary>
    internal void AtSliceEnd()
    {
        if (!Enabled || Verdict != null || _m.Scheduler.Cycles < _nextCheck) return;
        if (_cm != null) { AtSliceEndCortexM(_cm); return; }
        if (_m.Core is not ArmCpu cpu) return;
        _nextCheck = _m.Scheduler.Cycles + CheckPeriod;
        if (cpu.Sleeping || (cpu.Cpsr & (Psr.I | Psr.F)) != (Psr.I | Psr.F) || !BranchesToItself(cpu))
        {
            _spinning = false;
            return;
        }
        uint pc = cpu.Pc;
        if (!_spinning || _spinPc != pc || _spinExceptions != _exceptions || _spinResets != _m.SystemResets.Count)
        {
            _spinning = true;
            _spinPc = pc;
            _spinExceptions = _exceptions;
            _spinResets = _m.SystemResets.Count;
            _spinUntil = LatestPendingEvent();
            return;
        }
        if (_m.Scheduler.Now < _spinUntil) return;
        Declare(string.Create(CultureInfo.InvariantCulture,
            $"a branch to itself at pc=0x{pc:X8} with IRQ and FIQ masked (cpsr=0x{cpu.Cpsr:X8}), and nothing pending that could reset the core"));
    }

    private void Declare(string what)
    {
        Verdict = string.Create(CultureInfo.InvariantCulture, $"stuck at cycle {_m.Scheduler.Cycles}: {what}");
        _m.Core.RequestStop();
    }

    /// <summary>Whether the instruction about to execute branches to itself (and its condition holds: the flags cannot change in the loop).</summary>
    private static bool BranchesToItself(ArmCpu cpu)
    {
        uint op = cpu.Pipeline.Decode;
        if (!cpu.Thumb) return (op & 0x0FFF_FFFF) == 0x0AFF_FFFE && ArmCpu.ConditionPassed(op >> 28, cpu.Cpsr);
        op &= 0xFFFF;
        if (op == 0xE7FE) return true;
        uint cond = (op >> 8) & 15;
        return (op & 0xF0FF) == 0xD0FE && cond < 14 && ArmCpu.ConditionPassed(cond, cpu.Cpsr);
    }

    /// <summary>The tick by which every SoC event pending now has run (now, when none is).</summary>
    private long LatestPendingEvent()
    {
        long latest = _m.Scheduler.Now;
        foreach (var e in _m.Scheduler.PendingEvents())
            if (!e.Transient && e.Time > latest) latest = e.Time;
        return latest;
    }

    /// <summary>
    /// A 128-bit XXH3 digest of every RAM region (System.IO.Hashing): the rule only compares RAM at two entries,
    /// so a non-cryptographic hash serves, and a run no longer loads System.Security.Cryptography and OpenSSL for it.
    /// </summary>
    private unsafe UInt128 RamHash()
    {
        var h = new XxHash128();
        foreach (var mapping in _m.Bus.Mappings)
            if (mapping.Region is { Kind: RegionKind.Ram } r)
                h.Append(new ReadOnlySpan<byte>(r.Data, checked((int)r.Size)));
        return h.GetCurrentHashAsUInt128();
    }

    /// <summary>
    /// Rule 1 and rule 2 on a Cortex-M core. Rule 2: the instruction about to execute branches to itself and
    /// nothing can preempt it (<see cref="CortexMMask"/>), at two checks, as on the ARM7. Rule 1 listens to
    /// exception entries from a check that follows a slice with exception cycles (ExceptionCycles grew by
    /// at least <see cref="Repeats"/> entries' worth), no device access and no reset, until a slice breaks that.
    /// </summary>
    private void AtSliceEndCortexM(CortexMCpu cpu)
    {
        _nextCheck = _m.Scheduler.Cycles + CheckPeriod;
        WatchCortexM(cpu);
        if (Verdict != null) return;
        string? mask = cpu.State == CoreState.Running ? CortexMMask(cpu) : null;
        if (mask == null || !CortexMBranchesToItself(cpu))
        {
            _spinning = false;
            return;
        }
        uint pc = cpu.Pc;
        if (!_spinning || _spinPc != pc || _spinExceptions != cpu.ExceptionCycles || _spinResets != _m.SystemResets.Count)
        {
            _spinning = true;
            _spinPc = pc;
            _spinExceptions = cpu.ExceptionCycles;
            _spinResets = _m.SystemResets.Count;
            _spinUntil = LatestPendingEvent();
            return;
        }
        if (_m.Scheduler.Now < _spinUntil) return;
        Declare(string.Create(CultureInfo.InvariantCulture,
            $"a branch to itself at pc=0x{pc:X8} with {mask}, and nothing pending that could reset the core"));
    }

    private void WatchCortexM(CortexMCpu cpu)
    {
        bool loopy = cpu.ExceptionCycles - _cmExcCycles >= Repeats * CortexMCpu.EntryCycles
            && _m.Bus.DeviceAccesses == _cmDevices && _m.SystemResets.Count == _cmResets;
        _cmExcCycles = cpu.ExceptionCycles;
        _cmDevices = _m.Bus.DeviceAccesses;
        _cmResets = _m.SystemResets.Count;
        if (!loopy) StopWatchingCortexM();
        else if (!_cmWatching)
        {
            _cmWatching = true;
            _haveLast = false;
            cpu.ExceptionEntered += OnException;
        }
    }

    /// <summary>Two different entries (or RAM that changed) refute the loop: the core runs unobserved again until a later slice looks like one.</summary>
    private void StopWatchingCortexM()
    {
        if (_cm == null || !_cmWatching) return;
        _cmWatching = false;
        _cm.ExceptionEntered -= OnException;
    }

    /// <summary>
    /// What keeps every interrupt out (ARMv7-M B1.5.4, execution priority), or null when one could preempt:
    /// FAULTMASK, PRIMASK, or an execution priority (BASEPRI's, or the active handler's) at or above the
    /// group priority of SysTick and of every enabled external interrupt. NMI can always preempt; it comes
    /// from a device, so the wait for every pending event (as on the ARM7) covers it.
    /// </summary>
    private static string? CortexMMask(CortexMCpu cpu)
    {
        if (cpu.Faultmask) return "FAULTMASK set";
        if (cpu.Primask) return "PRIMASK set";
        int ep = cpu.ExecutionPriority;
        int group(int p) => p & ~((2 << cpu.Prigroup) - 1);
        if (group(cpu.GetPriority(15)) < ep) return null;
        for (int irq = 0; irq < cpu.InterruptLines; irq++)
            if (cpu.IsInterruptEnabled(irq) && group(cpu.GetPriority(16 + irq)) < ep) return null;
        return cpu.HandlerMode
            ? string.Create(CultureInfo.InvariantCulture, $"every interrupt masked by the execution priority ({ep}) of {CortexMExceptionName((int)cpu.Ipsr)}'s handler")
            : string.Create(CultureInfo.InvariantCulture, $"BASEPRI=0x{cpu.Basepri:X2} masking SysTick and every enabled interrupt");
    }

    /// <summary>Thumb <c>B .</c> (T2 0xE7FE, T4 <c>B.W .</c>) or a T1 conditional one whose condition holds.</summary>
    private bool CortexMBranchesToItself(CortexMCpu cpu)
    {
        uint pc = cpu.Pc;
        uint hw1 = (uint)(_m.Bus.DebugRead8(pc) | _m.Bus.DebugRead8(pc + 1) << 8);
        if (hw1 == 0xE7FE) return true;
        if (hw1 == 0xF7FF) return (_m.Bus.DebugRead8(pc + 2) | _m.Bus.DebugRead8(pc + 3) << 8) == 0xBFFE;
        uint cond = (hw1 >> 8) & 15;
        return (hw1 & 0xF0FF) == 0xD0FE && cond < 14 && ArmCpu.ConditionPassed(cond, cpu.Apsr);
    }

    /// <summary>
    /// A Cortex-M exception's key: its number, the stacked return address, xPSR and LR (the frame, B1.5.6),
    /// r0-r12, MSP, PSP, EXC_RETURN and the masks.
    /// </summary>
    private void CaptureCortexM(uint[] key, uint exception, CortexMCpu cpu)
    {
        uint lr = cpu.GetRegister(14);
        uint frame = (lr & 4) != 0 ? cpu.Psp : cpu.Msp;
        key[0] = exception;
        key[1] = _m.Bus.DebugRead32(frame + 24);
        key[2] = _m.Bus.DebugRead32(frame + 28);
        for (int i = 0; i <= 12; i++) key[3 + i] = cpu.GetRegister(i);
        key[16] = cpu.Msp;
        key[17] = cpu.Psp;
        key[18] = lr;
        key[19] = _m.Bus.DebugRead32(frame + 20);
        key[20] = (cpu.Primask ? 1u : 0) | (cpu.Faultmask ? 2u : 0) | cpu.Basepri << 8 | cpu.Control << 16;
    }

    private static string CortexMExceptionName(int n) => n switch
    {
        CortexMCpu.ExcNmi => "NMI",
        CortexMCpu.ExcHardFault => "HardFault",
        CortexMCpu.ExcMemManage => "MemManage",
        CortexMCpu.ExcBusFault => "BusFault",
        CortexMCpu.ExcUsageFault => "UsageFault",
        11 => "SVCall",
        12 => "DebugMonitor",
        14 => "PendSV",
        15 => "SysTick",
        >= 16 => string.Create(CultureInfo.InvariantCulture, $"IRQ {n - 16}"),
        _ => string.Create(CultureInfo.InvariantCulture, $"exception {n}"),
    };

    /// <summary>The exception's key: vector, return address, SPSR, r0-r12, the interrupted mode's r13 and r14, the handler's r13.</summary>
    private static void Capture(uint[] key, uint vector, ArmCpu cpu)
    {
        var mode = cpu.Mode;
        uint spsr = cpu.GetSpsr(mode);
        var interrupted = (CpuMode)(spsr & Psr.ModeMask);
        key[0] = vector;
        key[1] = cpu.GetRegister(14);
        key[2] = spsr;
        cpu.GetBankedRegisters(interrupted, key.AsSpan(3, 15));
        key[18] = cpu.GetRegister(13);
        key[19] = (uint)mode;
        key[20] = 0;
    }

    private static string ExceptionName(uint vector) => vector switch
    {
        Vectors.Undefined => "undefined-instruction exception",
        Vectors.Swi => "SWI",
        Vectors.PrefetchAbort => "prefetch abort",
        Vectors.DataAbort => "data abort",
        Vectors.Irq => "IRQ",
        Vectors.Fiq => "FIQ",
        _ => string.Create(CultureInfo.InvariantCulture, $"exception at vector 0x{vector:X2}"),
    };

    /// <summary>The instruction an exception was taken from, from its return address (ARM7TDMI TRM 2.8, table 2-2).</summary>
    private static uint ExceptionPc(uint vector, uint lr, uint spsr) => vector switch
    {
        Vectors.DataAbort => lr - 8,
        Vectors.Swi or Vectors.Undefined => lr - ((spsr & Psr.T) != 0 ? 2u : 4u),
        _ => lr - 4,
    };

    private void WarnAbort(uint vector, ArmCpu cpu)
    {
        uint lr = cpu.GetRegister(14), spsr = cpu.GetSpsr(cpu.Mode);
        uint pc = ExceptionPc(vector, lr, spsr);
        uint address;
        string access;
        if (vector == Vectors.DataAbort)
        {
            if (!_abortPending) return;
            address = _abortAddress;
            access = DataAccess();
        }
        else
        {
            address = pc;
            access = string.Create(CultureInfo.InvariantCulture, $"{((spsr & Psr.T) != 0 ? 2 : 4)}-byte instruction fetch from");
        }
        _abortPending = false;
        WarnOnce(ExceptionName(vector), pc, access, address);
    }

    /// <summary>The Cortex-M's bus errors, as the ARM7TDMI's aborts: a data access (the bus's last refused one) or the instruction's fetch.</summary>
    private void OnCortexMBusError(FaultKind kind, uint pc)
    {
        uint address = pc;
        string access = "instruction fetch from";
        if (kind == FaultKind.PreciseBusErr)
        {
            if (!_abortPending) return;
            address = _abortAddress;
            access = DataAccess();
        }
        _abortPending = false;
        WarnOnce("BusFault", pc, access, address);
    }

    private string DataAccess() =>
        string.Create(CultureInfo.InvariantCulture, $"{_abortSize}-byte {((_abortFlags & AccessFlags.Write) != 0 ? "write to" : "read of")}");

    /// <summary>One warning per address: what was taken, at which instruction, the access and what the board has there.</summary>
    private void WarnOnce(string what, uint pc, string access, uint address)
    {
        if (!_warnedAddresses.Add(address)) return;
        _warn(string.Create(CultureInfo.InvariantCulture, $"{what} at pc=0x{pc:X8}: {access} 0x{address:X8}, {Where(address)}"));
    }

    /// <summary>What the board has at an address: the mapping that refused the access, or the nearest one.</summary>
    private string Where(uint address)
    {
        if (_m.Bus.FindMapping(address) is { } hit) return $"which {Describe(hit)} refused";
        Bus.Mapping? nearest = null;
        ulong best = ulong.MaxValue;
        foreach (var m in _m.Bus.Mappings)
        {
            ulong d = address < m.Base ? m.Base - (ulong)address : (ulong)address - (m.End - 1);
            if (d < best) { best = d; nearest = m; }
        }
        return nearest == null ? "where nothing is mapped (the board maps nothing)" : $"where nothing is mapped (nearest: {Describe(nearest)})";
    }

    private static string Describe(Bus.Mapping m) =>
        string.Create(CultureInfo.InvariantCulture, $"{(m.Region != null ? "memory" : "peripheral")} '{m.Name}' 0x{m.Base:X8}-0x{m.End - 1:X8}");
}
