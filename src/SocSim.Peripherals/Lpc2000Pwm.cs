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
public sealed class Lpc2000Pwm : Lpc2000Counter, IDeviceModel, IStateful
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
                s.Sampled("TC", 32, () => p.Tc, p.Pclk);
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

    private readonly IrqLine[] _out = new IrqLine[6];
    private readonly uint[] _shadow = new uint[Channels];
    private readonly bool[] _ff = new bool[6];

    private uint _pcr, _ler;

    // With _resetPending the first prescaled update after the reference goes to the reset value
    // instead of RefTc + 1 (a reset on match).
    private bool _resetPending;

    public Lpc2000Pwm(string name, Scheduler scheduler, ClockDomain pclk, Action<string>? warn = null)
        : base(name, scheduler, pclk, warn, Channels, irFlags: 0x70F, tcrMask: CounterEnable | CounterReset | PwmEnable)
    {
        for (int i = 0; i < 6; i++) _out[i] = new IrqLine(name + ".PWM" + (i + 1));
    }

    /// <summary>Pin PWM<paramref name="n"/> (1-6).</summary>
    public IrqLine Pwm(int n) => _out[n - 1];

    private bool PwmMode => (Tcr & PwmEnable) != 0;
    private uint ResetValue => PwmMode ? 1u : 0u;

    /// <summary>Every register 0 (Table 164), outputs low.</summary>
    public void Reset()
    {
        ResetCounter();
        _pcr = _ler = 0;
        Array.Clear(_shadow);
        Array.Clear(_ff);
        _resetPending = false;
        UpdateOutputs();
    }

    /// <summary>The registers, shadows, flip-flops, the counting reference, the pending arrival and effect, the event and the output levels.</summary>
    public void SaveState(StateWriter w)
    {
        w.Write(Ir); w.Write(Tcr); w.Write(Pr); w.Write(Mcr); w.Write(_pcr); w.Write(_ler);
        w.Write(Mr);
        w.Write(_shadow);
        foreach (bool f in _ff) w.Write(f);
        w.Write(RefEdge); w.Write(RefTc); w.Write(RefPc); w.Write(_resetPending); w.Write(ResetEdge);
        w.Write(ArrivalEdge); w.Write(ArrivalMask); w.Write(EffectEdge); w.Write(EffectMask);
        Events.SaveState(w);
        w.Write(Int.Level);
        foreach (var o in _out) w.Write(o.Level);
    }

    public void LoadState(StateReader r)
    {
        Ir = r.ReadUInt(); Tcr = r.ReadUInt(); Pr = r.ReadUInt(); Mcr = r.ReadUInt(); _pcr = r.ReadUInt(); _ler = r.ReadUInt();
        r.ReadUIntArray(Channels).CopyTo(Mr, 0);
        r.ReadUIntArray(Channels).CopyTo(_shadow, 0);
        for (int i = 0; i < 6; i++) _ff[i] = r.ReadBool();
        RefEdge = r.ReadLong(); RefTc = r.ReadUInt(); RefPc = r.ReadUInt(); _resetPending = r.ReadBool(); ResetEdge = r.ReadLong();
        ArrivalEdge = r.ReadLong(); ArrivalMask = r.ReadInt(); EffectEdge = r.ReadLong(); EffectMask = r.ReadInt();
        Events.LoadState(r);
        Int.Restore(r.ReadBool());
        foreach (var o in _out) o.Restore(r.ReadBool());
    }

    private static int Channel(uint off) => off switch
    {
        MR0 or MR1 or MR2 or MR3 => (int)((off - MR0) >> 2),
        MR4 or MR5 or MR6 => 4 + (int)((off - MR4) >> 2),
        _ => -1,
    };

    protected override bool ReadRegister(uint off, out uint value)
    {
        switch (off)
        {
            case PCR: value = _pcr; return true;
            case LER: value = _ler; return true;
        }
        int ch = Channel(off);
        value = ch < 0 ? 0 : _shadow[ch];
        return ch >= 0;
    }

    protected override WriteResult WriteRegister(uint off, uint value, long cur)
    {
        switch (off)
        {
            case PCR: _pcr = value & 0x7E7C; UpdateOutputs(); return WriteResult.Rearm;
            case LER: _ler = value & 0x7F; return WriteResult.Done;
        }
        int ch = Channel(off);
        if (ch < 0) return WriteResult.Reserved;
        Rebase(cur);
        _shadow[ch] = value;
        if (!PwmMode) Mr[ch] = value;
        return WriteResult.Rearm;
    }

    protected override void CounterResetReleased()
    {
        RefTc = RefPc = 0;
        _resetPending = false;
    }

    protected override void TcWritten() => _resetPending = false;

    protected override void Counted() => _resetPending = false;

    /// <summary>The value PWMTC takes at the first prescaled update after the reference.</summary>
    private uint Base => _resetPending ? ResetValue : RefTc + 1;

    /// <summary>PWMTC counts on from <see cref="Base"/>: each reset on match is an event (<see cref="Arrived"/>) that rebases.</summary>
    protected override uint TcAfter(long n) => (uint)(Base + (n - 1));

    /// <summary>A channel whose match an event must carry out: an MCR action, a flip-flop input, or Match 0's shadow transfer in PWM mode; rule 2: in PWM mode a 0 in MR1-6 acts with Match 0, never by itself.</summary>
    protected override bool Active(int i) =>
        (((Mcr >> (3 * i)) & 7) != 0 || (_pcr & (0x7Eu << EnaShift)) != 0 || (i == 0 && PwmMode))
        && !(PwmMode && i != 0 && Mr[i] == 0);

    protected override long FirstUpdateReaching(int i, long nMin)
    {
        long n = (long)(uint)(Mr[i] - Base) + 1;
        if (n < nMin) n += 1L << 32;
        return n < nMin ? -1 : n;
    }

    protected override void Arrived(long a)
    {
        bool reset = false;
        for (int i = 0; i < Channels; i++)
            if ((ArrivalMask & (1 << i)) != 0 && (Mcr & (MR0R << (3 * i))) != 0) reset = true;
        Rebase(a);
        if (reset) _resetPending = true;
    }

    protected override void ApplyEffect(long e)
    {
        int mask = EffectMask;
        if ((mask & 1) != 0 && PwmMode && _ler != 0)
        {
            // §15.5.9: at a Match 0 event the released shadows become the match registers; LER clears.
            for (int i = 0; i < Channels; i++)
                if ((_ler & (1u << i)) != 0) Mr[i] = _shadow[i];
            _ler = 0;
        }
        // Rule 2: in PWM mode a match value of 0 matches with Match 0.
        if ((mask & 1) != 0 && PwmMode)
            for (int i = 1; i < Channels; i++)
                if (Mr[i] == 0) mask |= 1 << i;
        bool stop = ApplyMcr(mask);
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
            StopAt(e);
            _resetPending = false;
        }
        else
        {
            FindArrival(e - 1); // new match values after a shadow transfer; an arrival on this edge is still due
        }
    }

    protected override void UpdatePins()
    {
        for (int i = 0; i < 6; i++) _out[i].Set(_ff[i] && (_pcr & (1u << (EnaShift + 1 + i))) != 0);
    }
}
