using SocSim.Core;
using SocSim.Core.Devices;
using SocSim.Core.State;

namespace SocSim.Peripherals;

/// <summary>
/// The PWM of the NXP LPC2104/2105/2106 (UM10275 chapter 15, 0xE0014000, VIC channel 8): the timer
/// block (PWMTC with its prescaler PWMPR/PWMPC, PWMTCR, PWMIR, PWMMCR) with seven match registers
/// PWMMR0-6, their shadow registers released by PWMLER, and six PWM flip-flops whose set and reset
/// inputs are the match events of Table 162 (single edge: set by Match 0, reset by Match n; double
/// edge, PWMSELn = 1: set by Match n-1, reset by Match n), each gated by PWMENAn onto pin PWMn.
/// </summary>
/// <remarks>
/// Nothing ticks: PWMTC and PWMPC are computed from the number of PCLK edges since a reference edge;
/// each match that does something is a scheduled event at its exact PCLK edge (one event per PWM edge).
/// <list type="bullet">
/// <item>Counting (§15.5.3-5.5): PWMPC counts PCLK edges while PWMTCR[0] = 1 and PWMTCR[1] = 0; on
/// the edge after PWMPC = PWMPR it becomes 0 and PWMTC increments. PWMTCR[1] resets both "on the next
/// positive edge of PCLK" and holds them at 0 until cleared.</item>
/// <item>Match: PWMTC taking the value MRn as it counts (an increment or a reset on match). As in
/// <see cref="Lpc2000Timer"/> (§14, figure "A timer cycle..."), its effects (the PWMIR flag, stop, the
/// flip-flops, the shadow transfer) come one PCLK edge later, and a reset on match replaces the
/// prescaled update that would take PWMTC from MRn to MRn + 1. The reset value is 0 in timer mode and
/// 1 in PWM mode (Table 166, PWMTCR[3]: "PWM mode is enabled (counter resets to 1)"), so with Match 0
/// resetting in PWM mode PWMTC runs 1..MR0 (Fig 55: 1 to 100 for MR0 = 100) and the PWM period is
/// MR0·(PWMPR+1) PCLK cycles; a single-edge output is high for MRn·(PWMPR+1) of them.</item>
/// <item>Shadow registers (§15.5.9): in PWM mode a write to PWMMRn goes to its shadow; at a Match 0
/// event the shadows whose PWMLER bit is set become the match registers and PWMLER reads 0 again. In
/// timer mode a write goes to both. Choice (the manual is silent): a read of PWMMRn returns the value
/// last written (the shadow), which is what the bus interface holds.</item>
/// <item>Flip-flop rules (§15.3.1, 3.2): rule 2 (a match value of 0 acts as a value equal to MR0; in
/// PWM mode PWMTC never counts into 0) and rule 4 (set and reset at once: reset wins) are modelled;
/// rule 5 needs nothing (a value above MR0 is never reached). Rule 3 (an old value equal to the PWM
/// rate used once more while values change) is not modelled: the new values apply from the Match 0
/// event that latches them. The flip-flops follow the matches whatever PWMTCR[3] and PWMENAn say;
/// PWMENAn = 0 holds the pin low (Fig 54: the enable gates Q).</item>
/// <item>PWMIR (Table 165): MR0-3 flags at bits 0-3, MR4-6 at bits 8-10, written 1 to clear. INT is
/// their OR. Reserved bits read 0.</item>
/// </list>
/// </remarks>
public sealed class Lpc2000Pwm : IBusDevice, IDeviceModel, IStateful
{
    public static DeviceType Type { get; } = Declare();

    private static DeviceType Declare()
    {
        var b = DeviceType.Define<Lpc2000Pwm>("lpc_pwm", "NXP LPC2000 PWM: timer with seven match registers, shadow latches and six PWM outputs (UM10275 chapter 15)")
            .Window(0x4000)
            .Output("INT", p => p.Int, "interrupt request: OR of the PWMIR flags (VIC channel 8)");
        for (int i = 1; i <= 6; i++)
        {
            int n = i;
            b.Output("PWM" + n, p => p._out[n - 1], $"PWM{n} output: its flip-flop gated by PWMENA{n} (Table 162)");
        }
        return b.Signals((p, s) =>
            {
                s.Line("INT", p.Int);
                for (int i = 0; i < 6; i++) s.Line("PWM" + (i + 1), p._out[i]);
                s.Sampled("TC", 32, () => p.Tc, p._pclk);
            })
            .Build(c => new Lpc2000Pwm(c.Name, c.Scheduler, c.Clock, c.Warn));
    }

    // Register offsets (Table 164).
    public const uint IR = 0x00, TCR = 0x04, TC = 0x08, PR = 0x0C, PC = 0x10, MCR = 0x14;
    public const uint MR0 = 0x18, MR1 = 0x1C, MR2 = 0x20, MR3 = 0x24, MR4 = 0x40, MR5 = 0x44, MR6 = 0x48;
    public const uint PCR = 0x4C, LER = 0x50;

    // PWMTCR bits (Table 166).
    public const uint CounterEnable = 1u << 0, CounterReset = 1u << 1, PwmEnable = 1u << 3;
    // PWMMCR bits of channel n: MRnI at 3n, MRnR at 3n+1, MRnS at 3n+2 (Table 167).
    public const uint MR0I = 1u << 0, MR0R = 1u << 1, MR0S = 1u << 2;
    // PWMPCR: PWMSELn at bit n (2-6), PWMENAn at bit n+8 (1-6) (Table 168).
    public const int EnaShift = 8;

    private const int Channels = 7;

    private readonly Scheduler _s;
    private readonly ClockDomain _pclk;
    private readonly Action<string> _warn;
    private readonly DeviceEvents _events;
    private readonly DeviceEvent _edge;
    private readonly IrqLine[] _out = new IrqLine[6];
    private readonly uint[] _mr = new uint[Channels];
    private readonly uint[] _shadow = new uint[Channels];
    private readonly bool[] _ff = new bool[6];

    private uint _ir, _tcr, _pr, _mcr, _pcr, _ler;

    // PWMTC and PWMPC held _refTc/_refPc just after PCLK edge _refEdge; with _resetPending the first
    // prescaled update after it goes to the reset value instead of _refTc + 1 (a reset on match).
    private long _refEdge;
    private uint _refTc, _refPc;
    private bool _resetPending;
    private long _resetEdge;

    // The next match arrival (the edge where PWMTC takes the value of the channels in _arrivalMask),
    // and the effect of the last one, due one edge later.
    private long _arrivalEdge = -1, _effectEdge = -1;
    private int _arrivalMask, _effectMask;

    public Lpc2000Pwm(string name, Scheduler scheduler, ClockDomain pclk, Action<string>? warn = null)
    {
        Name = name;
        _s = scheduler;
        _pclk = pclk;
        _warn = warn ?? (_ => { });
        _events = new DeviceEvents(scheduler);
        _edge = _events.Create(name + ".match", OnEdge);
        Int = new IrqLine(name + ".INT");
        for (int i = 0; i < 6; i++) _out[i] = new IrqLine(name + ".PWM" + (i + 1));
        pclk.Changing += (_, tick) => _events.CatchUp(tick);
        pclk.Changed += (_, _) => Arm();
        _refEdge = CurrentEdge;
    }

    public string Name { get; }
    /// <summary>Interrupt request to the VIC: any PWMIR flag set.</summary>
    public IrqLine Int { get; }
    /// <summary>Pin PWM<paramref name="n"/> (1-6).</summary>
    public IrqLine Pwm(int n) => _out[n - 1];

    /// <summary>PWMTC at <see cref="Scheduler.Now"/>.</summary>
    public uint Tc { get { State(CurrentEdge, out uint tc, out _); return tc; } }

    private long CurrentEdge => _pclk.EdgesAt(_s.Now);
    private bool Counting => (_tcr & (CounterEnable | CounterReset)) == CounterEnable;
    private bool PwmMode => (_tcr & PwmEnable) != 0;
    private uint ResetValue => PwmMode ? 1u : 0u;

    /// <summary>Every register 0 (Table 164), outputs low.</summary>
    public void Reset()
    {
        _edge.Cancel();
        _ir = _tcr = _pr = _mcr = _pcr = _ler = 0;
        Array.Clear(_mr);
        Array.Clear(_shadow);
        Array.Clear(_ff);
        _refEdge = CurrentEdge;
        _refTc = _refPc = 0;
        _resetPending = false;
        _arrivalEdge = _effectEdge = -1;
        UpdateOutputs();
    }

    /// <summary>The registers, shadows, flip-flops, the counting reference, the pending arrival and effect, the event and the output levels.</summary>
    public void SaveState(StateWriter w)
    {
        w.Write(_ir); w.Write(_tcr); w.Write(_pr); w.Write(_mcr); w.Write(_pcr); w.Write(_ler);
        w.Write(_mr);
        w.Write(_shadow);
        foreach (bool f in _ff) w.Write(f);
        w.Write(_refEdge); w.Write(_refTc); w.Write(_refPc); w.Write(_resetPending); w.Write(_resetEdge);
        w.Write(_arrivalEdge); w.Write(_arrivalMask); w.Write(_effectEdge); w.Write(_effectMask);
        _events.SaveState(w);
        w.Write(Int.Level);
        foreach (var o in _out) w.Write(o.Level);
    }

    public void LoadState(StateReader r)
    {
        _ir = r.ReadUInt(); _tcr = r.ReadUInt(); _pr = r.ReadUInt(); _mcr = r.ReadUInt(); _pcr = r.ReadUInt(); _ler = r.ReadUInt();
        r.ReadUIntArray(Channels).CopyTo(_mr, 0);
        r.ReadUIntArray(Channels).CopyTo(_shadow, 0);
        for (int i = 0; i < 6; i++) _ff[i] = r.ReadBool();
        _refEdge = r.ReadLong(); _refTc = r.ReadUInt(); _refPc = r.ReadUInt(); _resetPending = r.ReadBool(); _resetEdge = r.ReadLong();
        _arrivalEdge = r.ReadLong(); _arrivalMask = r.ReadInt(); _effectEdge = r.ReadLong(); _effectMask = r.ReadInt();
        _events.LoadState(r);
        Int.Restore(r.ReadBool());
        foreach (var o in _out) o.Restore(r.ReadBool());
    }

    private static int Channel(uint off) => off switch
    {
        MR0 or MR1 or MR2 or MR3 => (int)((off - MR0) >> 2),
        MR4 or MR5 or MR6 => 4 + (int)((off - MR4) >> 2),
        _ => -1,
    };

    public uint Read(uint address, int size, AccessFlags flags, ref bool abort)
    {
        _events.CatchUp();
        uint off = address & 0x3FFC;
        uint v;
        switch (off)
        {
            case IR: v = _ir; break;
            case TCR: v = _tcr; break;
            case TC: { State(CurrentEdge, out v, out _); break; }
            case PR: v = _pr; break;
            case PC: { State(CurrentEdge, out _, out v); break; }
            case MCR: v = _mcr; break;
            case PCR: v = _pcr; break;
            case LER: v = _ler; break;
            default:
                int ch = Channel(off);
                if (ch < 0) { _warn($"{Name}: read of reserved offset 0x{off:X3}"); return 0; }
                v = _shadow[ch];
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
                _ir &= ~(value & 0x70F);
                UpdateOutputs();
                return;
            case TCR:
            {
                Rebase(cur);
                uint old = _tcr;
                _tcr = value & (CounterEnable | CounterReset | PwmEnable);
                if ((_tcr & CounterReset) != 0 && (old & CounterReset) == 0) _resetEdge = cur + 1;
                if ((old & CounterReset) != 0 && (_tcr & CounterReset) == 0) { _refTc = _refPc = 0; _resetPending = false; }
                break;
            }
            case TC: Rebase(cur); _refTc = value; _resetPending = false; break;
            case PR: Rebase(cur); _pr = value; break;
            case PC: Rebase(cur); _refPc = value; break;
            case MCR: Rebase(cur); _mcr = value & 0x1FFFFF; break;
            case PCR: _pcr = value & 0x7E7C; UpdateOutputs(); break;
            case LER: _ler = value & 0x7F; return;
            default:
                int ch = Channel(off);
                if (ch < 0) { _warn($"{Name}: write to reserved offset 0x{off:X3} ignored"); return; }
                Rebase(cur);
                _shadow[ch] = value;
                if (!PwmMode) _mr[ch] = value;
                break;
        }
        FindArrival(cur);
        Arm();
    }

    /// <summary>PWMTC and PWMPC just after PCLK edge <paramref name="e"/>.</summary>
    private void State(long e, out uint tc, out uint pc)
    {
        if ((_tcr & CounterReset) != 0 && e >= _resetEdge) { tc = 0; pc = 0; return; }
        long n = Updates(e, out pc);
        tc = n == 0 ? _refTc : (uint)(Base + (n - 1));
    }

    /// <summary>The value PWMTC takes at the first prescaled update after the reference.</summary>
    private uint Base => _resetPending ? ResetValue : _refTc + 1;

    /// <summary>The prescaled updates on the edges after the reference up to <paramref name="e"/>, and PWMPC after <paramref name="e"/>.</summary>
    private long Updates(long e, out uint pc)
    {
        if (!Counting || e <= _refEdge) { pc = _refPc; return 0; }
        long k = e - _refEdge;
        long d0 = (uint)(_pr - _refPc);
        if (k <= d0) { pc = _refPc + (uint)k; return 0; }
        long p = (long)_pr + 1;
        long j = k - d0 - 1;
        pc = (uint)(j % p);
        return j / p + 1;
    }

    private void Rebase(long e)
    {
        State(e, out uint tc, out uint pc);
        if (Updates(e, out _) > 0) _resetPending = false;
        _refEdge = e;
        _refTc = tc;
        _refPc = pc;
    }

    /// <summary>A channel whose match an event must carry out: an MCR action, a flip-flop input, or Match 0's shadow transfer in PWM mode.</summary>
    private bool Active(int i) => ((_mcr >> (3 * i)) & 7) != 0 || (_pcr & (0x7Eu << EnaShift)) != 0 || (i == 0 && PwmMode);

    /// <summary>The first edge after <paramref name="after"/> where PWMTC counts into the value of an active channel.</summary>
    private void FindArrival(long after)
    {
        _arrivalEdge = -1;
        if (!Counting) return;
        long p = (long)_pr + 1;
        long first = _refEdge + (uint)(_pr - _refPc) + 1;
        long nMin = after < first ? 1 : (after - first) / p + 2;
        long best = long.MaxValue;
        int mask = 0;
        uint b = Base;
        for (int i = 0; i < Channels; i++)
        {
            if (!Active(i) || (PwmMode && i != 0 && _mr[i] == 0)) continue; // rule 2: a 0 acts with Match 0
            long n = (long)(uint)(_mr[i] - b) + 1;
            if (n < nMin) n += 1L << 32;
            if (n < nMin) continue;
            long edge = first + (n - 1) * p;
            if (edge < best) { best = edge; mask = 1 << i; }
            else if (edge == best) mask |= 1 << i;
        }
        if (mask == 0) return;
        _arrivalEdge = best;
        _arrivalMask = mask;
    }

    private void Arm()
    {
        long next = _effectEdge;
        if (_arrivalEdge >= 0 && (next < 0 || _arrivalEdge < next)) next = _arrivalEdge;
        long tick = next < 0 ? long.MaxValue : _pclk.TimeOfEdge(next);
        if (tick == long.MaxValue) _edge.Cancel();
        else _edge.Arm(tick);
    }

    private void OnEdge(long due)
    {
        long edge = _pclk.EdgesAt(due);
        if (_effectEdge >= 0 && _effectEdge <= edge) ApplyEffect();
        if (_arrivalEdge >= 0 && _arrivalEdge <= edge)
        {
            long a = _arrivalEdge;
            int mask = _arrivalMask;
            bool reset = false;
            for (int i = 0; i < Channels; i++)
                if ((mask & (1 << i)) != 0 && (_mcr & (MR0R << (3 * i))) != 0) reset = true;
            Rebase(a);
            if (reset) _resetPending = true;
            _effectEdge = a + 1;
            _effectMask = mask;
            FindArrival(a);
        }
        Arm();
    }

    /// <summary>The match actions, one PCLK edge after PWMTC reached the match value.</summary>
    private void ApplyEffect()
    {
        long e = _effectEdge;
        int mask = _effectMask;
        _effectEdge = -1;
        bool stop = false;
        if ((mask & 1) != 0 && PwmMode && _ler != 0)
        {
            // §15.5.9: at a Match 0 event the released shadows become the match registers; LER clears.
            for (int i = 0; i < Channels; i++)
                if ((_ler & (1u << i)) != 0) _mr[i] = _shadow[i];
            _ler = 0;
        }
        // Rule 2: in PWM mode a match value of 0 matches with Match 0.
        if ((mask & 1) != 0 && PwmMode)
            for (int i = 1; i < Channels; i++)
                if (_mr[i] == 0) mask |= 1 << i;
        for (int i = 0; i < Channels; i++)
        {
            if ((mask & (1 << i)) == 0) continue;
            uint c = _mcr >> (3 * i);
            if ((c & MR0I) != 0) _ir |= i < 4 ? 1u << i : 1u << (i + 4);
            if ((c & MR0S) != 0) stop = true;
        }
        // Table 162: flip-flop n (1-6) is reset by Match n, set by Match 0 (single edge) or Match n-1
        // (double edge, PWMSELn; PWM1 has none: Match 0 either way). Rule 4: reset wins.
        for (int n = 1; n <= 6; n++)
        {
            bool dbl = n > 1 && (_pcr & (1u << n)) != 0;
            bool set = (mask & (1 << (dbl ? n - 1 : 0))) != 0;
            bool clr = (mask & (1 << n)) != 0;
            if (clr) _ff[n - 1] = false;
            else if (set) _ff[n - 1] = true;
        }
        if (stop)
        {
            State(e - 1, out uint tc, out uint pc);
            _refEdge = e;
            _refTc = tc;
            _refPc = pc;
            _resetPending = false;
            _tcr &= ~CounterEnable;
            _arrivalEdge = -1;
        }
        else
        {
            FindArrival(e - 1); // new match values after a shadow transfer; an arrival on this edge is still due
        }
        UpdateOutputs();
    }

    private void UpdateOutputs()
    {
        Int.Set((_ir & 0x70F) != 0);
        for (int i = 0; i < 6; i++) _out[i].Set(_ff[i] && (_pcr & (1u << (EnaShift + 1 + i))) != 0);
    }
}
