using SocSim.Core;
using SocSim.Core.Devices;
using SocSim.Core.State;

namespace SocSim.Peripherals;

/// <summary>
/// Timer0 / Timer1 of the NXP LPC2104/2105/2106 (user manual, chapter "Timer0 and Timer1"): a 32-bit
/// timer counter TC with a 32-bit prescaler (PR/PC), four match registers MR0-MR3 with interrupt /
/// reset / stop actions (MCR) and external match outputs MATn.0-3 (EMR), four capture registers
/// CR0-CR3 loaded from the CAPn.0-3 pins (CCR), and the interrupt register IR.
/// Nothing ticks: TC and PC are computed from the number of PCLK edges since a reference edge, and
/// the next match is a scheduled event at its exact PCLK edge. PCLK edges are counted by the clock
/// domain across frequency changes (VPBDIV, the PLL), so the count never drifts; on a change the
/// pending event is moved to the new time of its edge.
/// </summary>
/// <remarks>
/// Timing, PCLK edge by PCLK edge (a register access at a tick sees the edges at or before that tick;
/// its write takes effect for the edges after it):
/// <list type="bullet">
/// <item>Prescaler ("Prescale Register", "Prescale Counter register"): PC increments on every PCLK edge
/// while TCR[0] = 1; on the edge after PC = PR, PC becomes 0 and TC increments. TC therefore moves
/// every PR+1 PCLK edges. A PC above PR (a write of PC or PR) counts on through 0xFFFFFFFF to PR.</item>
/// <item>Match ("Match Registers", "Example timer operation", figure "A timer cycle in which PR=2, MRx=6,
/// and both interrupt and reset on match are enabled"): a match is TC taking the value MRn as it
/// counts (an increment, the wrap to 0, or the reset-to-0 of a reset on match). Its interrupt flag,
/// stop and EMR action take effect "in the next clock after the timer reached the match value": the
/// PCLK edge after the edge where TC became MRn. Choice: a TC value written by software or an MRn
/// written equal to the TC already held is not a match (the figure shows matches only from counting);
/// a channel with none of interrupt, stop or an EMR action costs no event.</item>
/// <item>Reset on match (same figure): "At the end of the timer cycle where the match occurs, the timer
/// count is reset": the prescaled edge that would take TC from MRn to MRn+1 takes it to 0 instead, so
/// MRn is held for a full PR+1 PCLK cycles and the period is exactly (MRn+1)·(PR+1) PCLK cycles (the
/// FreeRTOS tick: MR0 with interrupt and reset). The reset compares TC with MRn at that edge, whatever
/// brought TC there. With MRn = 0 and reset, TC stays 0 and each reset-to-0 is a match, every PR+1 cycles.</item>
/// <item>Stop on match (figure "... both interrupt and stop on match are enabled"): on the edge after TC
/// reached MRn, TCR[0] is cleared and the counters do not move on that edge (TC holds MRn, PC holds 0).
/// Stop wins over a reset on match due on the same edge (PR = 0): TC stays at MRn.</item>
/// <item>Counter reset ("Timer Control Register"): with TCR[1] = 1, "the Timer Counter and the Prescale
/// Counter are synchronously reset on the next positive edge of PCLK" and stay 0 until TCR[1] is
/// cleared; counting resumes from 0 on the edges after the clearing write.</item>
/// <item>Capture ("Capture Control Register"): an edge on CAPn.m selected by CCR loads CRm with TC as it
/// is at that tick (the last PCLK edge at or before it); the input synchroniser's delay is not modelled.</item>
/// <item>IR match flags are set only for channels with MRnI; capture flags only with CAPnI (the IR is
/// the interrupt register). INT is the OR of the eight IR flags.</item>
/// </list>
/// <para><b>Counter mode</b> (parameter <c>part</c> = <c>01</c>: CTCR at offset 0x70, UM10275 §14.7.3 Table 157,
/// reset 0; on the legacy part offset 0x70 is reserved). CTCR[1:0] = 01, 10, 11 count rising, falling or both
/// edges of the CAP input CTCR[3:2] selects (CAPn.0-3; CAPn.3 only on Timer1: 11 on Timer0 is warned and
/// counts nothing). "The CAP input ... is sampled on every rising edge of the PCLK clock. After comparing two
/// consecutive samples ... the Timer Counter register will be incremented": a pin edge at tick t is seen by
/// the first PCLK edge after t (a sample taken at t sees the level just before t, as the UARTs' receivers
/// do), and on that edge the count happens: PC increments, or after PC = PR becomes 0 while TC increments
/// (Table 157: the selected edges "increment Timer's Prescale Counter (PC), or clear PC and increment TC"),
/// with match, reset, stop and EMR actions as in timer mode (the effect on the PCLK edge after). Two
/// changes between samples (a pulse shorter than a PCLK, which the manual forbids) are no edge. The first
/// sample after a CTCR write is the reference (a write does not count). A capture channel programmed in
/// CCR on the counted input (the manual: "must be programmed as 000") is warned and still captures. The
/// sampling is one event per pin change, never a tick per PCLK.</para>
/// </remarks>
public sealed class Lpc2000Timer : Lpc2000Counter, IDeviceModel, IStateful
{
    /// <summary>
    /// LPC2106 Timer0/Timer1: a 16 KiB APB slot, clocked by PCLK. The counter TC is sampled after
    /// each instruction and stamped at a PCLK edge.
    /// </summary>
    public static DeviceType Type { get; } = DeviceType.Define<Lpc2000Timer>("lpc_timer", "NXP LPC2000 32-bit timer/counter with match and capture (LPC2106 Timer0/Timer1)")
        .Window(0x4000)
        .Output("INT", t => t.Int, "interrupt request: OR of the IR flags (to the VIC)")
        .Output("MAT0", t => t.Mat(0), "external match output MATn.0 (EMR.EM0)")
        .Output("MAT1", t => t.Mat(1), "external match output MATn.1 (EMR.EM1)")
        .Output("MAT2", t => t.Mat(2), "external match output MATn.2 (EMR.EM2)")
        .Output("MAT3", t => t.Mat(3), "external match output MATn.3 (EMR.EM3)")
        .Input("CAP0", (t, l) => t.ConnectCapture(0, l), "capture input CAPn.0 (loads CR0)")
        .Input("CAP1", (t, l) => t.ConnectCapture(1, l), "capture input CAPn.1 (loads CR1)")
        .Input("CAP2", (t, l) => t.ConnectCapture(2, l), "capture input CAPn.2 (loads CR2)")
        .Input("CAP3", (t, l) => t.ConnectCapture(3, l), "capture input CAPn.3 (loads CR3)")
        .Signals((t, s) =>
        {
            s.Line("INT", t.Int);
            for (int i = 0; i < 4; i++) s.Line("MAT" + i, t.Mat(i));
            s.Sampled("TC", 32, () => t.Tc, t.Pclk); // stamped at the PCLK edge that moved it
        })
        .Parameter("part", "legacy", Lpc2106Part.Describe("the Count Control Register CTCR at offset 0x70: counter mode on CAP edges (UM10275 §14.7.3)"))
        .Parameter("channel3Pins", true, "Timer1 (true) has CAPn.3 and MATn.3; on Timer0 (false) IR[7], CCR[11:9], EMR[3] and EMR[11:10] are reserved (UM10275 Tables 155, 159, 160)")
        .Build(c => new Lpc2000Timer(c.Name, c.Scheduler, c.Clock, c.Warn, c.Parameter<bool>("channel3Pins"), Lpc2106Part.Is01(c)));

    // Register offsets (user manual, "Timer0 and Timer1", register map: T0IR = 0xE0004000, T1IR = 0xE0008000).
    public const uint IR = 0x00;
    public const uint TCR = 0x04;
    public const uint TC = 0x08;
    public const uint PR = 0x0C;
    public const uint PC = 0x10;
    public const uint MCR = 0x14;
    public const uint MR0 = 0x18;
    public const uint MR1 = 0x1C;
    public const uint MR2 = 0x20;
    public const uint MR3 = 0x24;
    public const uint CCR = 0x28;
    public const uint CR0 = 0x2C;
    public const uint CR1 = 0x30;
    public const uint CR2 = 0x34;
    public const uint CR3 = 0x38;
    public const uint EMR = 0x3C;
    /// <summary>Count Control Register (part 01 only).</summary>
    public const uint CTCR = 0x70;

    // TCR bits.
    public const uint CounterEnable = 1u << 0;
    public const uint CounterReset = 1u << 1;
    // MCR bits of channel n: MRnI at 3n, MRnR at 3n+1, MRnS at 3n+2.
    public const uint MR0I = 1u << 0;
    public const uint MR0R = 1u << 1;
    public const uint MR0S = 1u << 2;
    // CCR bits of channel n: CAPnRE at 3n, CAPnFE at 3n+1, CAPnI at 3n+2.
    public const uint CAP0RE = 1u << 0;
    public const uint CAP0FE = 1u << 1;
    public const uint CAP0I = 1u << 2;
    // EMR: EMn at bit n, EMCn at bits [5+2n:4+2n]: 00 nothing, 01 clear, 10 set, 11 toggle.
    public const int EmcShift = 4;

    private readonly IrqLine[] _mat = new IrqLine[4];
    private readonly uint[] _cr = new uint[4];

    private uint _ccr, _emr;
    // The bits Timer0 lacks (channel 3's capture flag and control, EM3 and EMC3) are 0 in its masks.
    private readonly uint _irMask, _ccrMask, _emrMask;
    // The match value of the pending effect: a channel whose MRn was rewritten since does not act.
    private uint _effectValue;
    // Counter mode (part 01): CTCR, each CAP input's level as last seen, the selected input's last
    // sample, and the sampling event (created on part 01 only: the legacy part's state is unchanged).
    private readonly bool _part01, _channel3;
    private readonly Action<string> _warnCtcr;
    private uint _ctcr;
    private readonly bool[] _capLevel = [true, true, true, true];
    private bool _capSampled = true;
    private readonly DeviceEvent? _capSample;

    /// <param name="part01">The LPC2106/01: CTCR and counter mode exist (see the class remarks).</param>
    public Lpc2000Timer(string name, Scheduler scheduler, ClockDomain pclk, Action<string>? warn = null, bool channel3Pins = true, bool part01 = false)
        : base(name, scheduler, pclk, warn, channels: 4, irFlags: 0xFF, tcrMask: CounterEnable | CounterReset)
    {
        _part01 = part01;
        _channel3 = channel3Pins;
        _warnCtcr = warn ?? (_ => { });
        if (part01) _capSample = Events.Create(name + ".capSample", OnCapSample);
        _irMask = channel3Pins ? 0xFFu : 0x7Fu;
        _ccrMask = channel3Pins ? 0xFFFu : 0x1FFu;
        _emrMask = channel3Pins ? 0xFFFu : 0x3F7u;
        for (int i = 0; i < 4; i++) _mat[i] = new IrqLine(name + ".MAT" + i);
    }

    /// <summary>External match output MATn.<paramref name="n"/> (EMR bit EMn).</summary>
    public IrqLine Mat(int n) => _mat[n];

    /// <summary>External reset: every register 0 (user manual register map: all reset values 0), outputs low.</summary>
    public void Reset()
    {
        ResetCounter();
        _ccr = _emr = _ctcr = 0;
        _capSample?.Cancel();
        Array.Clear(_cr);
        UpdateOutputs();
    }

    /// <summary>
    /// The registers (IR, TCR, PR, MCR, MR0-3, CCR, CR0-3, EMR), the lazily counted TC/PC reference and
    /// the counter-reset edge, the next match arrival and the pending match effect, the due tick of the
    /// match event and the INT and MAT0-3 levels. The capture inputs act on edges and latch no level.
    /// </summary>
    public void SaveState(StateWriter w)
    {
        w.Write(Ir); w.Write(Tcr); w.Write(Pr); w.Write(Mcr); w.Write(_ccr); w.Write(_emr);
        w.Write(Mr);
        w.Write(_cr);
        w.Write(RefEdge); w.Write(RefTc); w.Write(RefPc);
        w.Write(ResetEdge);
        w.Write(ArrivalEdge); w.Write(ArrivalMask); w.Write(ArrivalValue);
        w.Write(EffectEdge); w.Write(EffectMask); w.Write(_effectValue);
        Events.SaveState(w);
        w.Write(Int.Level);
        foreach (var m in _mat) w.Write(m.Level);
        if (!_part01) return; // the legacy part's state is as it always was
        w.Write(_ctcr); w.Write(_capSampled);
        foreach (bool l in _capLevel) w.Write(l);
    }

    public void LoadState(StateReader r)
    {
        Ir = r.ReadUInt(); Tcr = r.ReadUInt(); Pr = r.ReadUInt(); Mcr = r.ReadUInt(); _ccr = r.ReadUInt(); _emr = r.ReadUInt();
        r.ReadUIntArray(4).CopyTo(Mr, 0);
        r.ReadUIntArray(4).CopyTo(_cr, 0);
        RefEdge = r.ReadLong(); RefTc = r.ReadUInt(); RefPc = r.ReadUInt();
        ResetEdge = r.ReadLong();
        ArrivalEdge = r.ReadLong(); ArrivalMask = r.ReadInt(); ArrivalValue = r.ReadUInt();
        EffectEdge = r.ReadLong(); EffectMask = r.ReadInt(); _effectValue = r.ReadUInt();
        Events.LoadState(r);
        Int.Restore(r.ReadBool());
        foreach (var m in _mat) m.Restore(r.ReadBool());
        if (!_part01) return;
        _ctcr = r.ReadUInt(); _capSampled = r.ReadBool();
        for (int i = 0; i < _capLevel.Length; i++) _capLevel[i] = r.ReadBool();
    }

    /// <summary>Connects capture input CAPn.<paramref name="n"/>.</summary>
    public void ConnectCapture(int n, IrqLine line)
    {
        _capLevel[n] = line.Level;
        line.Subscribe(level => OnCapture(n, level));
    }

    protected override bool ReadRegister(uint off, out uint value)
    {
        switch (off)
        {
            case MR0: case MR1: case MR2: case MR3: value = Mr[(off - MR0) >> 2]; return true;
            case CCR: value = _ccr; return true;
            case CR0: case CR1: case CR2: case CR3: value = _cr[(off - CR0) >> 2]; return true;
            case EMR: value = _emr; return true;
            case CTCR when _part01: value = _ctcr; return true;
            default: value = 0; return false;
        }
    }

    protected override WriteResult WriteRegister(uint off, uint value, long cur)
    {
        switch (off)
        {
            case MR0: case MR1: case MR2: case MR3: Rebase(cur); Mr[(off - MR0) >> 2] = value; return WriteResult.Rearm;
            case CCR: _ccr = value & _ccrMask; CheckCountedCapture(); return WriteResult.Done;
            case CR0: case CR1: case CR2: case CR3: return WriteResult.Done; // read-only
            case EMR:
                // §14.7.11: "Bits EM3:0 can be written only when Timer is disabled"; once it is enabled
                // they change only by the EMC actions. "Disabled" is TCR[0] (Counter Enable) = 0: the
                // section's "(bit 1 in Timer Control Register is 0)" counts bits from 1.
                uint em = (Tcr & CounterEnable) == 0 ? value & 0xF : _emr & 0xF;
                _emr = ((value & ~0xFu) | em) & _emrMask;
                UpdateOutputs();
                return WriteResult.Rearm;
            case CTCR when _part01:
                Rebase(cur);
                _ctcr = value & 0xF;
                _capSampled = _capLevel[CountInput];
                _capSample!.Cancel();
                if (CountsPclk) return WriteResult.Rearm;
                if (CountInput == 3 && !_channel3)
                    _warnCtcr($"{Name}: CTCR = 0x{_ctcr:X} counts CAPn.3, which this timer does not have (UM10275 Table 157): it counts nothing");
                CheckCountedCapture();
                return WriteResult.Rearm;
            default: return WriteResult.Reserved;
        }
    }

    protected override bool CountsPclk => (_ctcr & 3) == 0;
    private int CountInput => (int)(_ctcr >> 2) & 3;

    /// <summary>Table 157: the counted input's three CCR bits "must be programmed as 000".</summary>
    private void CheckCountedCapture()
    {
        if (!CountsPclk && ((_ccr >> (3 * CountInput)) & 7) != 0)
            _warnCtcr($"{Name}: CCR programs a capture on CAPn.{CountInput}, the input CTCR counts: the manual asks its 3 CCR bits to be 000 (UM10275 Table 157); it still captures");
    }

    /// <summary>The PCLK edge after a change of the counted input: compare the sample with the last (Table 157).</summary>
    private void OnCapSample(long due)
    {
        if (CountsPclk) return;
        bool level = _capLevel[CountInput];
        if (level == _capSampled) return;
        _capSampled = level;
        uint mode = _ctcr & 3;
        if (mode == 3 || (mode == 1) == level)
            CountOne(Pclk.EdgesAt(due));
    }

    /// <summary>TC after <paramref name="n"/> updates from the reference value, with resets on match and the 32-bit wrap.</summary>
    protected override uint TcAfter(long n)
    {
        long v = RefTc;
        long top = ResetTop(v);
        if (n <= top - v) return (uint)(v + n);
        long n0 = n - (top - v) - 1; // updates since TC became 0
        return (uint)(n0 % (ResetTop(0) + 1));
    }

    /// <summary>The value at or above <paramref name="v"/> from which the next update goes to 0: the least MRn with MRnR, else 0xFFFFFFFF (the wrap).</summary>
    private long ResetTop(long v)
    {
        long top = 0xFFFFFFFFL;
        for (int i = 0; i < 4; i++)
            if ((Mcr & (MR0R << (3 * i))) != 0 && Mr[i] >= v && Mr[i] < top) top = Mr[i];
        return top;
    }

    /// <summary>A channel whose match does something an event must carry out: interrupt, stop or an EMR action.</summary>
    protected override bool Active(int i) => ((Mcr >> (3 * i)) & 5) != 0 || ((_emr >> (EmcShift + 2 * i)) & 3) != 0;

    protected override long FirstUpdateReaching(int i, long nMin)
    {
        uint m = Mr[i];
        long v = RefTc;
        long top = ResetTop(v);
        if (m > v && m <= top && m - v >= nMin) return m - v;
        long top0 = ResetTop(0);
        if (m > top0) return -1; // never reached once TC has been back to 0
        long cycle = top0 + 1;
        long n = top - v + 1 + m; // TC becomes 0 after update top-v+1, then m updates later
        if (n < nMin) n += (nMin - n + cycle - 1) / cycle * cycle;
        return n;
    }

    protected override void Arrived(long a) => _effectValue = ArrivalValue;

    protected override void ApplyEffect(long e)
    {
        int mask = 0;
        for (int i = 0; i < 4; i++)
            if ((EffectMask & (1 << i)) != 0 && Mr[i] == _effectValue) mask |= 1 << i;
        bool stop = ApplyMcr(mask);
        for (int i = 0; i < 4; i++)
        {
            if ((mask & (1 << i)) == 0) continue;
            switch ((_emr >> (EmcShift + 2 * i)) & 3)
            {
                case 1: _emr &= ~(1u << i); break;
                case 2: _emr |= 1u << i; break;
                case 3: _emr ^= 1u << i; break;
            }
        }
        if (stop) StopAt(e);
    }

    private void OnCapture(int n, bool level)
    {
        long t = Scheduler.EventTime;
        Events.CatchUp(t);
        _capLevel[n] = level;
        // Counter mode: the next PCLK edge samples the counted input (one event however many changes before it).
        if (_capSample != null && !CountsPclk && n == CountInput && !_capSample.IsArmed)
            _capSample.Arm(Pclk.TimeOfEdge(Pclk.EdgesAt(t) + 1));
        uint c = _ccr >> (3 * n);
        if ((c & (level ? CAP0RE : CAP0FE)) == 0) return;
        State(Pclk.EdgesAt(t), out uint tc, out _);
        _cr[n] = tc;
        if ((c & CAP0I) != 0)
        {
            Ir |= (1u << (4 + n)) & _irMask;
            UpdateOutputs();
        }
    }

    protected override void UpdatePins()
    {
        for (int i = 0; i < 4; i++) _mat[i].Set((_emr & (1u << i)) != 0);
    }
}
