using SocSim.Core;
using SocSim.Core.Devices;

namespace SocSim.Peripherals;

/// <summary>
/// The counter block shared by the LPC2104/2105/2106 timers and PWM (UM10275 §14 and §15: "The PWM is
/// based on the standard Timer block and inherits all of its features"): IR, TCR, TC, PR, PC, MCR and
/// the match registers, counted lazily from PCLK edges, with the next match as one scheduled event.
/// </summary>
/// <remarks>
/// Nothing ticks: TC and PC held <see cref="RefTc"/>/<see cref="RefPc"/> just after PCLK edge
/// <see cref="RefEdge"/>; while counting, PC increments on every edge after it and, on the edge after
/// PC = PR, becomes 0 while TC takes its next value (UM10275 "Prescale Counter register"). What that
/// next value is (the wrap, a reset on match, the PWM's reset to 1) is the device's:
/// <see cref="TcAfter"/>. A match is TC counting into MRn; its effects come on the PCLK edge after
/// (figure "A timer cycle in which PR=2, MRx=6 ..."), so the one event serves two edges: the arrival
/// and the pending effect of the previous arrival. PCLK edges keep their numbers across a frequency
/// change: events due under the old rate run first, then the pending one moves to its edge's new time.
/// </remarks>
public abstract class Lpc2000Counter : IBusDevice
{
    // The common block's offsets and bits; each device lists its own register map (as its table does),
    // these being the same values under the same names.
    private const uint IR = 0x00, TCR = 0x04, TC = 0x08, PR = 0x0C, PC = 0x10, MCR = 0x14;
    private const uint CounterEnable = 1u << 0, CounterReset = 1u << 1;
    private const uint MR0I = 1u << 0, MR0S = 1u << 2;

    private readonly Scheduler _s;
    private readonly Action<string> _warn;
    private readonly DeviceEvents _events;
    private readonly DeviceEvent _edge;
    // The IR bits that are interrupt flags; the TCR and MCR bits that exist.
    private readonly uint _irFlags, _tcrMask, _mcrMask;

    protected readonly ClockDomain Pclk;
    protected readonly uint[] Mr;
    protected uint Ir, Tcr, Pr, Mcr;
    protected long RefEdge;
    protected uint RefTc, RefPc;
    /// <summary>With TCR[1] set: the edge from which TC and PC read 0.</summary>
    protected long ResetEdge;
    /// <summary>The next match: the edge where TC takes the value of the channels in <see cref="ArrivalMask"/> (-1: none).</summary>
    protected long ArrivalEdge = -1;
    protected int ArrivalMask;
    /// <summary>The value of the channels in <see cref="ArrivalMask"/> when the arrival was found.</summary>
    protected uint ArrivalValue;
    /// <summary>The pending effect of the last arrival, due on the edge after it (-1: none).</summary>
    protected long EffectEdge = -1;
    protected int EffectMask;

    protected Lpc2000Counter(string name, Scheduler scheduler, ClockDomain pclk, Action<string>? warn, int channels, uint irFlags, uint tcrMask)
    {
        Name = name;
        _s = scheduler;
        Pclk = pclk;
        _warn = warn ?? (_ => { });
        _irFlags = irFlags;
        _tcrMask = tcrMask;
        _mcrMask = (1u << (3 * channels)) - 1;
        Mr = new uint[channels];
        _events = new DeviceEvents(scheduler);
        _edge = _events.Create(name + ".match", OnEdge);
        Int = new IrqLine(name + ".INT");
        pclk.Changing += (_, tick) => _events.CatchUp(tick);
        pclk.Changed += (_, _) => Arm();
        RefEdge = CurrentEdge;
    }

    public string Name { get; }
    /// <summary>Interrupt request to the VIC: any IR flag set.</summary>
    public IrqLine Int { get; }

    /// <summary>TC at <see cref="Scheduler.Now"/>.</summary>
    public uint Tc { get { State(CurrentEdge, out uint tc, out _); return tc; } }

    protected long CurrentEdge => Pclk.EdgesAt(_s.Now);
    protected bool Counting => (Tcr & (CounterEnable | CounterReset)) == CounterEnable;
    /// <summary>False in a counter mode (the timers' CTCR, part 01): PC and TC move on <see cref="CountOne"/>, not on PCLK edges.</summary>
    protected virtual bool CountsPclk => true;
    private protected DeviceEvents Events => _events;
    protected Scheduler Scheduler => _s;

    /// <summary>The common part of an external reset: IR, TCR, PR, MCR, the match registers and the counters 0, no match pending.</summary>
    protected void ResetCounter()
    {
        _edge.Cancel();
        Ir = Tcr = Pr = Mcr = 0;
        Array.Clear(Mr);
        RefEdge = CurrentEdge;
        RefTc = RefPc = 0;
        ArrivalEdge = EffectEdge = -1;
    }

    public uint Read(uint address, int size, AccessFlags flags, ref bool abort)
    {
        _events.CatchUp();
        uint off = address & 0x3FFC;
        uint v;
        switch (off)
        {
            case IR: v = Ir; break;
            case TCR: v = Tcr; break;
            case TC: State(CurrentEdge, out v, out _); break;
            case PR: v = Pr; break;
            case PC: State(CurrentEdge, out _, out v); break;
            case MCR: v = Mcr; break;
            default:
                if (!ReadRegister(off, out v))
                {
                    _warn($"{Name}: read of reserved offset 0x{off:X3}");
                    return 0;
                }
                break;
        }
        return PrimeCell.NarrowRead(v, address, size);
    }

    public void Write(uint address, int size, uint value, AccessFlags flags, ref bool abort)
    {
        _events.CatchUp();
        uint off = address & 0x3FFC;
        value = PrimeCell.NarrowWrite(value, address, size);
        long cur = CurrentEdge;
        switch (off)
        {
            case IR:
                // "Writing a logic one to the corresponding IR bit will reset the interrupt."
                Ir &= ~(value & _irFlags);
                UpdateOutputs();
                return;
            case TCR:
            {
                Rebase(cur);
                uint old = Tcr;
                Tcr = value & _tcrMask;
                if ((Tcr & CounterReset) != 0 && (old & CounterReset) == 0) ResetEdge = cur + 1;
                if ((old & CounterReset) != 0 && (Tcr & CounterReset) == 0) CounterResetReleased();
                break;
            }
            case TC: Rebase(cur); RefTc = value; TcWritten(); break;
            case PR: Rebase(cur); Pr = value; break;
            case PC: Rebase(cur); RefPc = value; break;
            case MCR: Rebase(cur); Mcr = value & _mcrMask; break;
            default:
                switch (WriteRegister(off, value, cur))
                {
                    case WriteResult.Reserved:
                        _warn($"{Name}: write to reserved offset 0x{off:X3} ignored");
                        return;
                    case WriteResult.Done:
                        return;
                }
                break;
        }
        FindArrival(cur);
        Arm();
    }

    protected enum WriteResult
    {
        /// <summary>Not a register of this device.</summary>
        Reserved,
        /// <summary>Written; the next match cannot have changed.</summary>
        Done,
        /// <summary>Written; the next match is looked for again.</summary>
        Rearm,
    }

    /// <summary>A register beyond the common block; false for a reserved offset.</summary>
    protected abstract bool ReadRegister(uint off, out uint value);
    /// <summary>A write to a register beyond the common block (the counters are caught up to edge <paramref name="cur"/>).</summary>
    protected abstract WriteResult WriteRegister(uint off, uint value, long cur);
    /// <summary>TCR[1] cleared by a write (the counters were rebased at the write's edge).</summary>
    protected virtual void CounterResetReleased() { }
    /// <summary>TC written by software.</summary>
    protected virtual void TcWritten() { }

    /// <summary>TC and PC as they are just after PCLK edge <paramref name="e"/> (not before the reference edge).</summary>
    protected void State(long e, out uint tc, out uint pc)
    {
        if ((Tcr & CounterReset) != 0 && e >= ResetEdge) { tc = 0; pc = 0; return; }
        long n = Updates(e, out pc);
        tc = n == 0 ? RefTc : TcAfter(n);
    }

    /// <summary>The prescaled TC updates on the edges after the reference up to <paramref name="e"/>, and PC after <paramref name="e"/>.</summary>
    protected long Updates(long e, out uint pc)
    {
        if (!Counting || !CountsPclk || e <= RefEdge) { pc = RefPc; return 0; }
        long k = e - RefEdge;
        long d0 = (uint)(Pr - RefPc); // edges before the first TC update is one more than this
        if (k <= d0) { pc = RefPc + (uint)k; return 0; }
        long p = (long)Pr + 1;
        long j = k - d0 - 1; // edges since the first TC update
        pc = (uint)(j % p);
        return j / p + 1;
    }

    /// <summary>TC after <paramref name="n"/> ≥ 1 prescaled updates from the reference.</summary>
    protected abstract uint TcAfter(long n);

    /// <summary>Takes TC and PC as they are after edge <paramref name="e"/> as the new reference, before a change of the counting rules.</summary>
    protected void Rebase(long e)
    {
        State(e, out uint tc, out uint pc);
        if (Updates(e, out _) > 0) Counted();
        RefEdge = e;
        RefTc = tc;
        RefPc = pc;
    }

    /// <summary>TC moved on between the old reference and the new one (<see cref="Rebase"/>).</summary>
    protected virtual void Counted() { }

    /// <summary>Stop on match, carried out on effect edge <paramref name="e"/>: TCR[0] clears and the counters keep the values of the match edge.</summary>
    protected void StopAt(long e)
    {
        State(e - 1, out uint tc, out uint pc);
        RefEdge = e;
        RefTc = tc;
        RefPc = pc;
        Tcr &= ~CounterEnable;
        ArrivalEdge = -1;
    }

    /// <summary>A channel whose match does something an event must carry out.</summary>
    protected abstract bool Active(int i);

    /// <summary>The least update number n ≥ <paramref name="nMin"/> after which TC equals MR<paramref name="i"/>, or -1.</summary>
    protected abstract long FirstUpdateReaching(int i, long nMin);

    /// <summary>The first edge after <paramref name="after"/> where TC counts into the value of an active channel.</summary>
    protected void FindArrival(long after)
    {
        ArrivalEdge = -1;
        if (!Counting || !CountsPclk) return;
        long p = (long)Pr + 1;
        long first = RefEdge + (uint)(Pr - RefPc) + 1; // edge of the first TC update
        long nMin = after < first ? 1 : (after - first) / p + 2;
        long best = long.MaxValue;
        int mask = 0;
        for (int i = 0; i < Mr.Length; i++)
        {
            if (!Active(i)) continue;
            long n = FirstUpdateReaching(i, nMin);
            if (n < 0 || n - 1 > (long.MaxValue / 2 - first) / p) continue;
            long edge = first + (n - 1) * p;
            if (edge < best) { best = edge; mask = 1 << i; }
            else if (edge == best) mask |= 1 << i;
        }
        if (mask == 0) return;
        ArrivalEdge = best;
        ArrivalMask = mask;
        ArrivalValue = Mr[System.Numerics.BitOperations.TrailingZeroCount(mask)];
    }

    /// <summary>
    /// One count in a counter mode, on PCLK edge <paramref name="e"/> (at or after the present): as a PCLK
    /// edge in timer mode, PC increments, or after PC = PR becomes 0 while TC takes its next value; a TC
    /// that counts into an active channel's MRn arrives on <paramref name="e"/>, its effects on the edge after.
    /// </summary>
    protected void CountOne(long e)
    {
        if (!Counting) return;
        Rebase(e);
        if (RefPc != Pr) { RefPc++; return; }
        RefPc = 0;
        RefTc = TcAfter(1);
        Counted();
        int mask = 0;
        for (int i = 0; i < Mr.Length; i++)
            if (Active(i) && Mr[i] == RefTc) mask |= 1 << i;
        if (mask == 0) return;
        ArrivalEdge = e;
        ArrivalMask = mask;
        ArrivalValue = RefTc;
        Arm();
    }

    private void Arm()
    {
        long next = EffectEdge;
        if (ArrivalEdge >= 0 && (next < 0 || ArrivalEdge < next)) next = ArrivalEdge;
        long tick = next < 0 ? long.MaxValue : Pclk.TimeOfEdge(next);
        if (tick == long.MaxValue) _edge.Cancel();
        else _edge.Arm(tick);
    }

    private void OnEdge(long due)
    {
        long edge = Pclk.EdgesAt(due);
        if (EffectEdge >= 0 && EffectEdge <= edge)
        {
            long e = EffectEdge;
            EffectEdge = -1;
            ApplyEffect(e);
            UpdateOutputs();
        }
        if (ArrivalEdge >= 0 && ArrivalEdge <= edge)
        {
            long a = ArrivalEdge;
            Arrived(a);
            EffectEdge = a + 1;
            EffectMask = ArrivalMask;
            FindArrival(a);
        }
        Arm();
    }

    /// <summary>TC counted into the match value of the channels in <see cref="ArrivalMask"/> on edge <paramref name="a"/>.</summary>
    protected virtual void Arrived(long a) { }

    /// <summary>The match actions of <see cref="EffectMask"/> on edge <paramref name="e"/>, one PCLK edge after TC reached the match value.</summary>
    protected abstract void ApplyEffect(long e);

    /// <summary>
    /// The MCR actions of the matching channels in <paramref name="mask"/>: their IR flags (channel n at bit n,
    /// channels 4-6 of the PWM at bits 8-10, UM10275 Table 165) for MRnI; true if one has MRnS.
    /// </summary>
    protected bool ApplyMcr(int mask)
    {
        bool stop = false;
        for (int i = 0; i < Mr.Length; i++)
        {
            if ((mask & (1 << i)) == 0) continue;
            uint c = Mcr >> (3 * i);
            if ((c & MR0I) != 0) Ir |= i < 4 ? 1u << i : 1u << (i + 4);
            if ((c & MR0S) != 0) stop = true;
        }
        return stop;
    }

    /// <summary>INT from the IR flags, then the device's pins.</summary>
    protected void UpdateOutputs()
    {
        Int.Set((Ir & _irFlags) != 0);
        UpdatePins();
    }

    protected abstract void UpdatePins();
}
