namespace SocSim.CortexM;

/// <summary>
/// Pending exceptions (the NVIC's and SCB's pend bits as an API; the memory-mapped NVIC/SCB registers come
/// with the board work): NMI, PendSV, SysTick and external interrupts 0 to <see cref="InterruptLines"/> - 1
/// (exceptions 16 and up; at most 112 on ARMv7-M here, 32 on ARMv6-M, B3.4.1 of DDI 0419). An enabled
/// pending exception is taken before the next instruction when its priority is higher (numerically lower)
/// than the execution priority (B1.5.4); ties go to the lower exception number. On exception return a
/// pending exception that can preempt the priority being returned to is tail-chained (B1.5.12): the frame
/// stays on the stack and the new handler starts with the same EXC_RETURN. Preemption compares group
/// priorities (<see cref="Prigroup"/>). A WFI/WFE sleeper wakes for an exception that would preempt with
/// PRIMASK ignored. An exception that becomes pending during another's entry and preempts it arrives late
/// (<see cref="LateArrival"/>).
/// </summary>
public sealed partial class CortexMCpu
{
    /// <summary>Exceptions the core's bit sets hold (0-127): 16 system exceptions and up to 112 external interrupts.</summary>
    public const int MaxExceptions = 128;

    /// <summary>The NVIC's external interrupt lines (the chip's choice: <c>cpu.parameters.interrupts</c> on a board).</summary>
    public int InterruptLines { get; }

    /// <summary>The most external interrupts this model takes: ARMv6-M allows 32 (DDI 0419 B3.4.1); ARMv7-M 496, of which this model holds 112.</summary>
    public static int MaxInterruptLines(CortexMProfile profile) => profile == CortexMProfile.V6M ? 32 : MaxExceptions - 16;

    /// <summary>Without a board's value: 48 on ARMv7-M (the first MPS2 images'), 32 on ARMv6-M.</summary>
    public static int DefaultInterruptLines(CortexMProfile profile) => profile == CortexMProfile.V6M ? 32 : 48;

    private static UInt128 Bit(int n) => UInt128.One << n;
    private static readonly UInt128 AlwaysEnabled = Bit(ExcNmi) | Bit(ExcSvCall) | Bit(ExcPendSv) | Bit(ExcSysTick);
    private UInt128 _pending;
    private UInt128 _enabled = AlwaysEnabled;

    /// <summary>Sets exception <paramref name="exc"/> pending (2 NMI, 14 PendSV, 15 SysTick, 16 + n external interrupt n).</summary>
    public void SetPending(int exc)
    {
        CheckPendable(exc);
        UInt128 bit = Bit(exc);
        if ((_pending & bit) != 0) return;
        _pending |= bit;
        _pendCycle[exc] = _s.CycleAtOrAfter(_s.EventTime);
        // SCR.SEVONPEND (B1.5.18): a transition to pending, enabled or not, is a WFE wake-up event.
        if ((Scr & ScrSevOnPend) != 0) _event = true;
    }

    private readonly long[] _pendCycle = new long[MaxExceptions];

    public void ClearPending(int exc)
    {
        CheckPendable(exc);
        _pending &= ~Bit(exc);
    }

    public bool IsPending(int exc) => exc is >= 0 and < MaxExceptions && (_pending & Bit(exc)) != 0;
    public bool IsActive(int exc) => exc is >= 0 and < MaxExceptions && (_active & Bit(exc)) != 0;

    /// <summary>NVIC_ISER/ICER for external interrupt <paramref name="irq"/>.</summary>
    public void SetInterruptEnabled(int irq, bool enabled)
    {
        if (irq < 0 || irq >= InterruptLines) throw new ArgumentOutOfRangeException(nameof(irq), $"external interrupt {irq} is not 0-{InterruptLines - 1}");
        if (enabled) _enabled |= Bit(16 + irq); else _enabled &= ~Bit(16 + irq);
    }

    private void CheckPendable(int exc)
    {
        if (exc is not (ExcNmi or ExcPendSv or ExcSysTick or ExcSvCall) && (exc < 16 || exc >= 16 + InterruptLines))
            throw new ArgumentOutOfRangeException(nameof(exc), $"exception {exc} cannot be set pending (2, 11, 14, 15 or 16-{15 + InterruptLines})");
    }

    /// <summary>The highest-priority enabled pending exception and its priority, or -1.</summary>
    private int BestPending(out int priority)
    {
        priority = int.MaxValue;
        int best = -1;
        for (UInt128 c = _pending & _enabled; c != 0; c &= c - 1)
        {
            int n = (int)UInt128.TrailingZeroCount(c);
            int p = PriorityOf(n);
            if (p < priority) { priority = p; best = n; }
        }
        return best;
    }

    /// <summary>Takes the best pending exception if it preempts; returns its entry cycles, or 0.</summary>
    private int TakePending()
    {
        int exc = BestPending(out int p);
        if (exc < 0 || GroupPriority(p) >= ExecutionPriority) return 0;
        _pending &= ~Bit(exc);
        long start = _s.Cycles;
        int cycles = TakeException(exc, _pc);
        if (State == CoreState.Running && _ipsr == (uint)exc) { _lateWindowStart = start; _lateExc = exc; }
        return cycles;
    }

    private long _lateWindowStart = -1;   // the cycle the last asynchronous entry began, until its handler's first instruction
    private int _lateExc;

    /// <summary>
    /// Late arrival (DDI 0337I 5.5.2; B1.5.6 leaves it to the implementation): an exception that became pending
    /// after the entry (or the tail-chain, <see cref="TailChain"/>) of <see cref="_lateExc"/> began and before its handler's first instruction, and that
    /// preempts it, takes over the entry: the frame already pushed serves it (same EXC_RETURN), the first
    /// exception goes back to pending. The TRM gives no figure for its cost; chosen: the late handler starts at
    /// the later of the entry's end and its own arrival + <see cref="TailChainCycles"/> (a new vector fetch and
    /// refill, as a tail-chain does). Returns the cycles added, or -1 when there is no late arrival.
    /// </summary>
    private int LateArrival()
    {
        long start = _lateWindowStart;
        _lateWindowStart = -1;
        int exc = BestPending(out int p);
        if (exc < 0 || GroupPriority(p) >= ExecutionPriority) return -1;
        long arrived = _pendCycle[exc], end = _s.Cycles;
        if (arrived <= start || arrived >= end) return -1;
        _active &= ~Bit(_lateExc);
        _pending |= Bit(_lateExc);
        _pending &= ~Bit(exc);
        if (!EnterHandler(exc)) return 1;
        return (int)Math.Max(0, arrived + TailChainCycles - end);
    }

    /// <summary>Whether a sleeping core has a reason to wake: a pending exception that would preempt were PRIMASK clear.</summary>
    private bool WakeUpPending()
    {
        int exc = BestPending(out int p);
        if (exc < 0) return false;
        bool pm = _primask;
        _primask = false;
        bool wake = GroupPriority(p) < ExecutionPriority;
        _primask = pm;
        return wake;
    }

    /// <summary>
    /// Tail-chaining (B1.5.12): at an exception return, a pending exception that preempts what would resume. An
    /// exception arriving from the return's execution until the new handler's first instruction that preempts
    /// the tail-chained one takes the tail-chain over (B1.5.12, DDI 0337I 5.5.3-5.5.4), as a late arrival on an
    /// entry does (<see cref="LateArrival"/>, same cost rule: the later of the tail-chain's end and its arrival +
    /// <see cref="TailChainCycles"/>); the tail-chained exception is pending again.
    /// </summary>
    private bool TailChain(uint excReturn)
    {
        int exc = BestPending(out int p);
        if (exc < 0 || GroupPriority(p) >= ExecutionPriority) return false;
        _pending &= ~Bit(exc);
        _r[14] = excReturn;
        _fpca = false;
        long start = _s.Cycles;
        if (EnterHandler(exc) && _ipsr == (uint)exc) { _lateWindowStart = start; _lateExc = exc; }
        return true;
    }

    /// <summary>Cycles of a tail-chain (Cortex-M3 TRM DDI 0337I 5.5.3: 6 cycles on zero-wait memory), in place of the returning instruction's P.</summary>
    public const int TailChainCycles = 6;
    private int _extraCycles;
}

public sealed partial class CortexMCpu
{
    // ---- for the System Control Space registers ----

    public bool IsInterruptEnabled(int irq) => irq >= 0 && irq < InterruptLines && (_enabled & Bit(16 + irq)) != 0;

    /// <summary>The priority of exception <paramref name="n"/> (4 and up) as SHPR/NVIC_IPR read it.</summary>
    public byte GetPriority(int n) => n >= 4 && n < 16 + InterruptLines ? _priority[n] : (byte)0;

    /// <summary>ICSR.VECTPENDING: the highest-priority enabled pending exception, 0 when none.</summary>
    public int VectPending => Math.Max(0, BestPending(out _));

    /// <summary>ICSR.RETTOBASE: no active exception besides the one executing.</summary>
    public bool RetToBase => (_active & ~Bit((int)_ipsr)) == 0;

    /// <summary>Write-one-to-clear of CFSR and HFSR (B3.2.15, B3.2.16).</summary>
    public void ClearFaultStatus(uint cfsr, uint hfsr) { _cfsr &= ~cfsr; _hfsr &= ~hfsr; }

    /// <summary>SCR: SLEEPONEXIT (acts), SLEEPDEEP (stored: <see cref="CortexMCpu.DeepSleep"/> tells a board), SEVONPEND (acts).</summary>
    public uint Scr { get; set; }

    /// <summary>Whether the core sleeps with SCR.SLEEPDEEP set (the board's clocks may stop; the core's wake-up is the same).</summary>
    public bool DeepSleep => State == CoreState.Sleeping && (Scr & ScrSleepDeep) != 0;

    /// <summary>
    /// AIRCR.SYSRESETREQ (B3.2.6): the system resets after the instruction that wrote it. The core resets itself
    /// from the vector table it was last reset with at the next <see cref="Step"/> and raises <see cref="SystemReset"/>
    /// so the System Control Space and a board's devices reset with it.
    /// </summary>
    public void RequestSystemReset() => _resetRequested = true;

    /// <summary>Raised after a SYSRESETREQ reset the core.</summary>
    public event Action? SystemReset;

    private bool _resetRequested;

    /// <summary>The external event input (RXEV): sets the event register, waking a WFE (B1.5.18).</summary>
    public void SignalEvent() => _event = true;
}
