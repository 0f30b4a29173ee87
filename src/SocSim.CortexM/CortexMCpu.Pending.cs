namespace SocSim.CortexM;

/// <summary>
/// Pending exceptions (the NVIC's and SCB's pend bits as an API; the memory-mapped NVIC/SCB registers come
/// with the board work): NMI, PendSV, SysTick and external interrupts 0-47 (exceptions 16-63). An enabled
/// pending exception is taken before the next instruction when its priority is higher (numerically lower)
/// than the execution priority (B1.5.4); ties go to the lower exception number. On exception return a
/// pending exception that can preempt the priority being returned to is tail-chained (B1.5.12): the frame
/// stays on the stack and the new handler starts with the same EXC_RETURN. PRIGROUP is 0 (every priority bit
/// is group priority). A WFI/WFE sleeper wakes for an exception that would preempt with PRIMASK ignored.
/// </summary>
public sealed partial class CortexMCpu
{
    public const int ExternalInterrupts = 48;
    private const ulong AlwaysEnabled = (1UL << ExcNmi) | (1UL << ExcSvCall) | (1UL << ExcPendSv) | (1UL << ExcSysTick);
    private ulong _pending;
    private ulong _enabled = AlwaysEnabled;

    /// <summary>Sets exception <paramref name="exc"/> pending (2 NMI, 14 PendSV, 15 SysTick, 16 + n external interrupt n).</summary>
    public void SetPending(int exc)
    {
        CheckPendable(exc);
        _pending |= 1UL << exc;
    }

    public void ClearPending(int exc)
    {
        CheckPendable(exc);
        _pending &= ~(1UL << exc);
    }

    public bool IsPending(int exc) => exc is >= 0 and < 64 && (_pending & (1UL << exc)) != 0;
    public bool IsActive(int exc) => exc is >= 0 and < 64 && (_active & (1UL << exc)) != 0;

    /// <summary>NVIC_ISER/ICER for external interrupt <paramref name="irq"/>.</summary>
    public void SetInterruptEnabled(int irq, bool enabled)
    {
        if (irq is < 0 or >= ExternalInterrupts) throw new ArgumentOutOfRangeException(nameof(irq), $"external interrupt {irq} is not 0-{ExternalInterrupts - 1}");
        if (enabled) _enabled |= 1UL << (16 + irq); else _enabled &= ~(1UL << (16 + irq));
    }

    private static void CheckPendable(int exc)
    {
        if (exc is not (ExcNmi or ExcPendSv or ExcSysTick or ExcSvCall) && exc is < 16 or >= 64)
            throw new ArgumentOutOfRangeException(nameof(exc), $"exception {exc} cannot be set pending (2, 11, 14, 15 or 16-63)");
    }

    /// <summary>The highest-priority enabled pending exception and its priority, or -1.</summary>
    private int BestPending(out int priority)
    {
        priority = int.MaxValue;
        int best = -1;
        for (ulong c = _pending & _enabled; c != 0; c &= c - 1)
        {
            int n = System.Numerics.BitOperations.TrailingZeroCount(c);
            int p = PriorityOf(n);
            if (p < priority) { priority = p; best = n; }
        }
        return best;
    }

    /// <summary>Takes the best pending exception if it preempts; returns its entry cycles, or 0.</summary>
    private int TakePending()
    {
        int exc = BestPending(out int p);
        if (exc < 0 || p >= ExecutionPriority) return 0;
        _pending &= ~(1UL << exc);
        return TakeException(exc, _pc);
    }

    /// <summary>Whether a sleeping core has a reason to wake: a pending exception that would preempt were PRIMASK clear.</summary>
    private bool WakeUpPending()
    {
        int exc = BestPending(out int p);
        if (exc < 0) return false;
        bool pm = _primask;
        _primask = false;
        bool wake = p < ExecutionPriority;
        _primask = pm;
        return wake;
    }

    /// <summary>Tail-chaining (B1.5.12): at an exception return, a pending exception that preempts what would resume.</summary>
    private bool TailChain(uint excReturn)
    {
        int exc = BestPending(out int p);
        if (exc < 0 || p >= ExecutionPriority) return false;
        _pending &= ~(1UL << exc);
        uint vector = _bus.DebugRead32(_vtor + 4u * (uint)exc);
        _ipsr = (uint)exc;
        _active |= 1UL << exc;
        _r[14] = excReturn;
        _t = (vector & 1) != 0;
        _pc = vector & ~1u;
        _extraCycles += TailChainCycles;
        return true;
    }

    /// <summary>Cycles of a tail-chain (Cortex-M3 TRM DDI 0337I 5.5.3: 6 cycles on zero-wait memory).</summary>
    public const int TailChainCycles = 6;
    private int _extraCycles;
}

public sealed partial class CortexMCpu
{
    // ---- for the System Control Space registers ----

    public bool IsInterruptEnabled(int irq) => irq is >= 0 and < ExternalInterrupts && (_enabled & (1UL << (16 + irq))) != 0;

    /// <summary>The priority of exception <paramref name="n"/> (4-63) as SHPR/NVIC_IPR read it.</summary>
    public byte GetPriority(int n) => n is >= 4 and < 64 ? _priority[n] : (byte)0;

    /// <summary>ICSR.VECTPENDING: the highest-priority enabled pending exception, 0 when none.</summary>
    public int VectPending => Math.Max(0, BestPending(out _));

    /// <summary>ICSR.RETTOBASE: no active exception besides the one executing.</summary>
    public bool RetToBase => (_active & ~(1UL << (int)_ipsr)) == 0;

    /// <summary>Write-one-to-clear of CFSR and HFSR (B3.2.15, B3.2.16).</summary>
    public void ClearFaultStatus(uint cfsr, uint hfsr) { _cfsr &= ~cfsr; _hfsr &= ~hfsr; }

    /// <summary>SCR.SLEEPONEXIT/SLEEPDEEP/SEVONPEND as written (stored; sleep-on-exit is not modelled yet).</summary>
    public uint Scr { get; set; }
}
