using SocSim.Core;
using SocSim.Core.Devices;
using SocSim.Core.State;

namespace SocSim.Peripherals.Stm32;

/// <summary>
/// STM32F10x general-purpose timer TIM2-TIM5 (RM0008 §15): the 16-bit counter with its prescaler,
/// up, down and centre-aligned counting, auto-reload with preload (ARPE), one-pulse mode, four
/// capture/compare channels in output compare (frozen, active, inactive, toggle, forced, PWM 1 and 2)
/// and input capture, the update and compare interrupts, and the channel outputs on pins. Clocked by
/// TIMxCLK (the RCC's ×2 when the APB1 prescaler is not 1). Nothing ticks: the counter is computed
/// from the clock's edge count, and the next update or compare match is a scheduled event.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item>Counting (§15.3.2): the prescaler divides TIMxCLK by PSC + 1; PSC is preloaded and takes
/// effect at the next update event (UEV), as do ARR when ARPE is set and CCRx when OCxPE is set. Up:
/// 0..ARR, overflow UEV then 0. Down: ARR..0, underflow UEV then ARR. Centre-aligned (CMS ≠ 0): 0 up to
/// ARR (overflow UEV at ARR), down to 0 (underflow UEV at 0). ARR = 0 blocks the counter. CEN starts
/// counting with the next prescaled tick (PSC + 1 clocks after the enabling write's clock edge).</item>
/// <item>UG (EGR) reinitialises the counter (0, or ARR when down-counting) and the prescaler and loads the
/// shadow registers; UIF is set unless URS. UDIS blocks UEV (the counter still wraps). OPM clears CEN at
/// the UEV.</item>
/// <item>Output compare (§15.3.9): CCxIF is set when the counter reaches CCRx (in every counting
/// direction); OCxREF follows OCxM; the output pin CHx is OCxREF XOR CCxP while CCxE, else low (choice:
/// the pad then belongs to the GPIO, whose AF input sees 0). PWM mode 1: active while CNT &lt; CCRx
/// counting up, inactive while CNT &gt; CCRx counting down; PWM 2 the opposite.</item>
/// <item>Input capture (§15.3.5, CCMRx): CCxS = 01 captures on TIx, 10 on the pair's other input (CC1 on
/// TI2, CC2 on TI1, CC3 on TI4, CC4 on TI3, each through its own input's filter), 11 on TRC (the ITRx TS
/// selects, or every TI1F_ED edge). At the edge CCxP selects (0 rising, 1 falling), while CCxE, every
/// 1, 2, 4 or 8 such edges (ICxPSC; the count restarts when CCxE is cleared) CCRx takes CNT and CCxIF is
/// set (CCxOF when it already was).</item>
/// <item>Input filter (ICxF, RM0008 §15.4.7's table): TIx is sampled at f_SAMPLING = f_CK_INT (ICxF 1-3,
/// N = 2, 4, 8) or f_DTS / 2..32 (4-15, N = 5, 6 or 8), f_DTS = f_CK_INT / 1, 2, 4 by CR1.CKD; the
/// filtered TIxF takes a new level at the Nth consecutive sample that sees it. Choices (the manual does
/// not give the sampling clock's phase): the sampling clock ticks at the CK_INT edges that are multiples
/// of its divider, counted from the clock's start; a change at an edge is seen by the samples after it.
/// ICxF = 0 passes TIx at once (no resynchronisation delay, as below). The filtered inputs feed capture
/// and the slave mode controller alike (TI1F_ED, TI1FP1, TI2FP2, the encoder).</item>
/// <item>Slave mode controller (§15.3.14-15.3.16, SMCR): the trigger input TRGI is TS's choice of ITR0-3
/// (other timers' TRGO, wired per RM0008's "TIMx internal trigger connection" table by the board),
/// TI1F_ED (each edge of TI1), TI1FP1 (TI1 XOR CC1P), TI2FP2 (TI2 XOR CC2P) or ETRF (ETR XOR ETP,
/// divided by ETPS: one active edge every 2^ETPS rising edges of ETRP, counted from the ECE/SMS
/// write or the last reset). SMS 100 reset mode: a TRGI rising edge reinitialises the counter and
/// prescaler as UG does; 101 gated mode: the counter counts TIMxCLK while TRGI is high (prescaler
/// phase kept across the gate); 110 trigger mode: a TRGI rising edge sets CEN; 111 external clock
/// mode 1: each TRGI rising edge (each edge for TI1F_ED) is a prescaler clock. ECE (external clock
/// mode 2): each ETRF active edge is a prescaler clock, combinable with reset, gated and trigger modes.
/// Encoder modes (SMS 001/010/011, Table 87): TI2FP2, TI1FP1 or both edges count up or down by the
/// other input's level, ARR wrapping with an update event; DIR reads the direction. TIF (SR bit 6) is
/// set at every trigger edge in reset, trigger and external clock mode 1, and at both gate edges.
/// Choices (the manual does not give the cycle count of the input resynchroniser): an input or
/// trigger edge acts at the tick it arrives, with no resynchronisation delay; the ETR filter (ETF) is
/// not modelled (warned); MSM has no effect, since a trigger already reaches master and slaves in the
/// same tick.</item>
/// <item>External clocks count through a second path: edges step the counter one prescaler clock at a
/// time (the prescaler then counts edges), while TIMxCLK counting stays the computed, event-driven
/// path above. TI1S (CR2) makes TI1 the XOR of the CH1-CH3 inputs.</item>
/// <item>Master mode (CR2.MMS, §15.4.2): TRGO is a pulse one TIMxCLK cycle long on UG or a reset-mode
/// trigger (000), on each update event (010) or when CC1IF is to be set (011); the counter enable
/// CEN AND the gate (001, choice: the counter's actual enable); OC1REF-OC4REF (100-111).</item>
/// <item>DMA is registers only: a DMA enable is warned.</item>
/// </list>
/// </remarks>
public sealed class Stm32GpTimer : IBusDevice, IDeviceModel, IStateful
{
    public const uint CR1 = 0x00, CR2 = 0x04, SMCR = 0x08, DIER = 0x0C, SR = 0x10, EGR = 0x14, CCMR1 = 0x18, CCMR2 = 0x1C;
    public const uint CCER = 0x20, CNT = 0x24, PSC = 0x28, ARR = 0x2C, CCR1 = 0x34, CCR2 = 0x38, CCR3 = 0x3C, CCR4 = 0x40, DCR = 0x48, DMAR = 0x4C;
    public const uint CEN = 1u << 0, UDIS = 1u << 1, URS = 1u << 2, OPM = 1u << 3, DIR = 1u << 4, ARPE = 1u << 7;
    public const uint UIF = 1u << 0, UIE = 1u << 0, UG = 1u << 0, TIF = 1u << 6, TIE = 1u << 6, TG = 1u << 6;
    public const uint TI1S = 1u << 7, ECE = 1u << 14, ETP = 1u << 15;
    /// <summary>SMCR.SMS values (§15.4.3).</summary>
    public const int SmsEncoder1 = 1, SmsEncoder2 = 2, SmsEncoder3 = 3, SmsReset = 4, SmsGated = 5, SmsTrigger = 6, SmsExternal1 = 7;
    /// <summary>SMCR.TS values (§15.4.3).</summary>
    public const int TsTi1FEd = 4, TsTi1Fp1 = 5, TsTi2Fp2 = 6, TsEtrf = 7;
    public static uint CCxIF(int ch) => 1u << (ch + 1);
    public static uint CCxOF(int ch) => 1u << (ch + 9);

    public static DeviceType Type { get; } = DeviceType.Define<Stm32GpTimer>("stm32f1_gptim",
            "STM32F10x general-purpose timer TIM2-5 (RM0008 §15): prescaler, up/down/centre counting, ARR preload, 4 channels compare/PWM/capture, interrupts, outputs")
        .Window(0x400)
        .Output("INT", t => t.Interrupt, "the timer's global interrupt (NVIC: TIM2 28, TIM3 29, TIM4 30)")
        .Output("CH1", t => t._ch[0], "channel 1 output OC1 (wire to the GPIO's AF input)")
        .Output("CH2", t => t._ch[1], "channel 2 output OC2")
        .Output("CH3", t => t._ch[2], "channel 3 output OC3")
        .Output("CH4", t => t._ch[3], "channel 4 output OC4")
        .Input("TI1", (t, l) => t.ConnectInput(0, l), "channel 1 input TI1 (wire from the GPIO pad)")
        .Input("TI2", (t, l) => t.ConnectInput(1, l), "channel 2 input TI2")
        .Input("TI3", (t, l) => t.ConnectInput(2, l), "channel 3 input TI3")
        .Input("TI4", (t, l) => t.ConnectInput(3, l), "channel 4 input TI4")
        .Input("ETR", (t, l) => t.ConnectEtr(l), "external trigger input ETR (wire from the GPIO pad of TIMx_ETR)")
        .Input("ITR0", (t, l) => t.ConnectItr(0, l), "internal trigger 0 (another timer's TRGO, RM0008 TIMx internal trigger connection table)")
        .Input("ITR1", (t, l) => t.ConnectItr(1, l), "internal trigger 1")
        .Input("ITR2", (t, l) => t.ConnectItr(2, l), "internal trigger 2")
        .Input("ITR3", (t, l) => t.ConnectItr(3, l), "internal trigger 3")
        .Output("TRGO", t => t.Trgo, "trigger output TRGO selected by CR2.MMS (wire to other timers' ITRx)")
        .Input("CLKEN", (t, l) => t.ConnectClockEnable(l), "the RCC's clock enable (rcc.TIM2EN...): while low the timer's clock is stopped; unwired, it runs")
        .Signals((t, b) =>
        {
            b.Line("INT", t.Interrupt);
            b.Line("TRGO", t.Trgo);
            for (int i = 0; i < 4; i++) b.Line("CH" + (i + 1), t._ch[i]);
            b.Sampled("CNT", 16, () => t.Counter, t._clk);
        })
        .Build(c => new Stm32GpTimer(c.Name, c.Scheduler, c.Clock, c.Warn));

    private readonly string _name;
    private readonly Scheduler _s;
    private readonly ClockDomain _clk;
    private readonly Action<string> _warn;
    private readonly DeviceEvents _events;
    private readonly DeviceEvent _next, _trgoEnd;
    private readonly IrqLine[] _ch = new IrqLine[4];
    private readonly bool[] _ocref = new bool[4];
    private readonly bool[] _inputLevel = new bool[4];
    // TIxF, the filtered inputs; the filter events that will set them; the capture prescalers' edge counts.
    private readonly bool[] _tiF = new bool[4];
    private readonly DeviceEvent[] _filter = new DeviceEvent[4];
    private readonly int[] _icCount = new int[4];
    private bool _trcWarned;
    private readonly bool[] _itrLevel = new bool[4];
    private bool _etrLevel;
    // The RCC clock enable: while off, TIMxCLK does not reach the timer (RM0008 §7.3.8).
    private bool _clockOn = true;
    // External clock path: edges counted toward the next prescaled tick; ETRP rising edges toward the next ETRF edge.
    private long _extPhase;
    private int _etrCount;

    private uint _cr1, _cr2, _smcr, _dier, _sr, _ccmr1, _ccmr2, _ccer, _dcr;
    private uint _psc, _pscActive, _arr, _arrActive;
    private readonly uint[] _ccr = new uint[4], _ccrActive = new uint[4];
    // The counter at clock edge _anchorEdge: value, direction, and clocks already counted toward its next tick.
    private long _anchorEdge;
    private uint _anchorCnt;
    private bool _anchorDown;
    private long _anchorPhase;

    public Stm32GpTimer(string name, Scheduler scheduler, ClockDomain clock, Action<string> warn)
    {
        _name = name;
        _s = scheduler;
        _clk = clock;
        _warn = warn;
        _events = new DeviceEvents(scheduler);
        _next = _events.Create(name + ".next", OnNext);
        Trgo = new IrqLine(name + ".TRGO");
        _trgoEnd = _events.Create(name + ".trgoEnd", _ => Trgo.Set(false));
        Interrupt = new IrqLine(name + ".INT");
        for (int i = 0; i < 4; i++) _ch[i] = new IrqLine($"{name}.CH{i + 1}");
        for (int i = 0; i < 4; i++)
        {
            int ch = i;
            _filter[i] = _events.Create($"{name}.filter{i + 1}", _ => OnInput(() => _tiF[ch] = RawTi(ch)));
        }
        _clk.Changing += (_, tick) => { _events.CatchUp(tick); Reanchor(_clk.EdgesAt(tick)); };
        _clk.Changed += (_, _) => Schedule();
        Reset();
    }

    public string Name => _name;
    public IrqLine Interrupt { get; }
    public IrqLine Trgo { get; }
    public IrqLine Channel(int ch) => _ch[ch];
    /// <summary>The prescaler in effect (PSC as of the last update event).</summary>
    public uint ActivePrescaler => _pscActive;
    public uint ActiveAutoReload => _arrActive;

    public void Reset()
    {
        _next.Cancel();
        _trgoEnd.Cancel();
        _extPhase = 0;
        _etrCount = 0;
        _cr1 = _cr2 = _smcr = _dier = _sr = _ccmr1 = _ccmr2 = _ccer = _dcr = 0;
        _psc = _pscActive = 0;
        _arr = _arrActive = 0xFFFF;
        Array.Clear(_ccr); Array.Clear(_ccrActive); Array.Clear(_ocref); Array.Clear(_icCount);
        foreach (var f in _filter) f.Cancel();
        for (int i = 0; i < 4; i++) _tiF[i] = RawTi(i);
        _anchorEdge = _clk.EdgesAt(_s.EventTime);
        _anchorCnt = 0;
        _anchorDown = false;
        _anchorPhase = 0;
        UpdateOutputs();
        Trgo.Set(false);
        Interrupt.Set(false);
    }

    /// <summary>The internal-clock path counts: enabled, ARR not 0, no external clock, the gate (gated mode) open.</summary>
    private bool Running => _clockOn && (_cr1 & CEN) != 0 && _arrActive != 0 && !ExternalClock && (Sms != SmsGated || TrgiLevel);
    private int Sms => (int)(_smcr & 7);
    private int Ts => (int)((_smcr >> 4) & 7);
    private int Mms => (int)((_cr2 >> 4) & 7);
    private bool Encoder => Sms is >= SmsEncoder1 and <= SmsEncoder3;
    private bool ExternalClock => Sms == SmsExternal1 || Encoder || (_smcr & ECE) != 0;
    private bool Centre => ((_cr1 >> 5) & 3) != 0 && !Encoder;
    private long Divider => _pscActive + 1L;

    // ---- the lazily computed counter ----

    /// <summary>Counter ticks from the anchor to clock edge <paramref name="edge"/>.</summary>
    private long TicksAt(long edge) => Running ? Math.Max(0, (edge - _anchorEdge + _anchorPhase) / Divider) : 0;

    /// <summary>The clock edge of counter tick <paramref name="k"/> after the anchor.</summary>
    private long EdgeOfTick(long k) => _anchorEdge + k * Divider - _anchorPhase;

    /// <summary>The counter k ticks after the anchor, within the segment up to the next update event (which re-anchors).</summary>
    private uint CountAfter(long k) => _anchorDown ? (uint)(_anchorCnt - k) : (uint)(_anchorCnt + k);

    private uint CounterAt(long edge) => CountAfter(Math.Min(TicksAt(edge), TicksToUpdate()));

    public uint Counter => CounterAt(_clk.EdgesAt(_s.Now));

    /// <summary>Counter ticks from the anchor to the next update event (overflow or underflow).</summary>
    private long TicksToUpdate()
    {
        if (Centre) return _anchorDown ? _anchorCnt : Math.Max(0, (long)_arrActive - _anchorCnt);
        return _anchorDown ? _anchorCnt + 1L : Math.Max(0, (long)_arrActive - _anchorCnt) + 1;
    }

    /// <summary>Makes clock edge <paramref name="edge"/> the anchor, keeping the count and the prescaler's phase.</summary>
    private void Reanchor(long edge)
    {
        if (!Running) { _anchorEdge = edge; return; }
        long k = TicksAt(edge);
        _anchorCnt = CountAfter(k);
        long phase = (edge - _anchorEdge + _anchorPhase) - k * Divider;
        _anchorEdge = edge;
        _anchorPhase = phase;
    }

    /// <summary>Counter ticks from the anchor until the counter equals <paramref name="value"/> in the present segment, or -1.</summary>
    private long TicksToMatch(uint value, long limit)
    {
        long k = _anchorDown ? (long)_anchorCnt - value : (long)value - _anchorCnt;
        return k > 0 && k <= limit ? k : -1;
    }

    private void Schedule()
    {
        if (!Running) { _next.Cancel(); return; }
        long now = _clk.EdgesAt(_s.EventTime);
        long done = TicksAt(now);
        long update = TicksToUpdate();
        long best = update;
        // Centre-aligned: the update tick is itself where the counter reaches ARR or 0, a match there is handled with it.
        for (int i = 0; i < 4; i++)
        {
            if (!IsOutput(i)) continue;
            long k = TicksToMatch(_ccrActive[i], update);
            if (k > done && k < best) best = k;
        }
        if (best <= done) best = done + 1;
        _next.Arm(_clk.TimeOfEdge(EdgeOfTick(best)));
    }

    private void OnNext(long due)
    {
        long edge = _clk.EdgesAt(due);
        long k = TicksAt(edge);
        long update = TicksToUpdate();
        if (k >= update)
        {
            _anchorEdge = EdgeOfTick(update);
            _anchorPhase = 0;
            Wrap();
        }
        else
        {
            Reanchor(edge);
            CompareAt(_anchorCnt);
        }
        Schedule();
    }

    /// <summary>The counter reaches the end of its segment (overflow or underflow): the update event, the counter's next value and direction.</summary>
    private void Wrap()
    {
        bool down = _anchorDown;
        uint arr = _arrActive;
        if ((_cr1 & UDIS) == 0) UpdateEvent(setFlag: true);
        if (Centre)
        {
            // Overflow at ARR (then down), underflow at 0 (then up).
            _anchorCnt = down ? 0 : arr;
            _anchorDown = !down;
        }
        else _anchorCnt = down ? _arrActive : 0; // down-counting restarts from the (new) ARR
        if ((_cr1 & OPM) != 0 && (_cr1 & UDIS) == 0) _cr1 &= ~CEN;
        CompareAt(_anchorCnt);
    }

    /// <summary>The update event: shadow registers loaded, the prescaler's new ratio; UIF when asked; TRGO in update mode.</summary>
    private void UpdateEvent(bool setFlag)
    {
        if (Mms == 2) PulseTrgo();
        _pscActive = _psc;
        if ((_cr1 & ARPE) != 0) _arrActive = _arr;
        for (int i = 0; i < 4; i++)
            if (((CcmrOf(i) >> 3) & 1) != 0) _ccrActive[i] = _ccr[i];
        if (setFlag) _sr |= UIF;
        UpdateInterrupt();
    }

    /// <summary>The counter has just become <paramref name="cnt"/>: compare matches and PWM levels.</summary>
    private void CompareAt(uint cnt)
    {
        for (int i = 0; i < 4; i++)
        {
            if (!IsOutput(i)) continue;
            if (cnt == _ccrActive[i])
            {
                _sr |= CCxIF(i);
                if (i == 0 && Mms == 3) PulseTrgo();
                _ocref[i] = OcMode(i) switch
                {
                    1 => true,
                    2 => false,
                    3 => !_ocref[i],
                    _ => _ocref[i],
                };
            }
        }
        UpdateOutputs();
        UpdateInterrupt();
    }

    // ---- channels ----

    private uint CcmrOf(int ch) => ((ch < 2 ? _ccmr1 : _ccmr2) >> (8 * (ch & 1))) & 0xFF;
    private bool IsOutput(int ch) => (CcmrOf(ch) & 3) == 0;
    private int OcMode(int ch) => (int)((CcmrOf(ch) >> 4) & 7);

    private bool Ref(int ch, uint cnt, bool down)
    {
        int mode = OcMode(ch);
        uint ccr = _ccrActive[ch];
        return mode switch
        {
            4 => false,
            5 => true,
            6 => down ? !(cnt > ccr) : cnt < ccr,
            7 => down ? cnt > ccr : !(cnt < ccr),
            _ => _ocref[ch],
        };
    }

    private void UpdateOutputs()
    {
        uint cnt = Running ? CounterAt(_clk.EdgesAt(_s.EventTime)) : _anchorCnt;
        for (int i = 0; i < 4; i++)
        {
            if (IsOutput(i) && OcMode(i) >= 4) _ocref[i] = Ref(i, cnt, _anchorDown);
            bool enabled = ((_ccer >> (4 * i)) & 1) != 0;
            bool invert = ((_ccer >> (4 * i + 1)) & 1) != 0;
            _ch[i].Set(enabled && IsOutput(i) && (_ocref[i] ^ invert));
        }
        int mms = Mms;
        if (mms == 1) Trgo.Set((_cr1 & CEN) != 0 && (Sms != SmsGated || TrgiLevel));
        else if (mms >= 4) Trgo.Set(_ocref[mms - 4]);
    }

    /// <summary>A TRGO pulse (MMS reset, update, compare pulse): high for one TIMxCLK cycle.</summary>
    private void PulseTrgo()
    {
        Trgo.Set(true);
        _trgoEnd.Arm(_clk.TimeOfEdge(_clk.EdgeAtOrAfter(_s.EventTime) + 1));
    }

    private void ConnectInput(int ch, IrqLine line)
    {
        _inputLevel[ch] = line.Level;
        line.Subscribe(level => OnInput(() => _inputLevel[ch] = level));
    }

    private void ConnectItr(int n, IrqLine line)
    {
        _itrLevel[n] = line.Level;
        line.Subscribe(level => OnInput(() => _itrLevel[n] = level));
    }

    private void ConnectClockEnable(IrqLine line)
    {
        _clockOn = line.Level;
        line.Subscribe(ClockGate);
    }

    /// <summary>
    /// The RCC turns the timer's clock off or on: the counter and its prescaler stop where they are and
    /// resume from there, so the count is that of the clock edges while it ran.
    /// </summary>
    private void ClockGate(bool on)
    {
        if (on == _clockOn) return;
        _events.CatchUp(_s.EventTime);
        long edge = _clk.EdgesAt(_s.EventTime);
        Reanchor(edge);
        _clockOn = on;
        if (Running) _anchorEdge = edge; // the prescaler's phase is kept
        Schedule();
    }

    private void ConnectEtr(IrqLine line)
    {
        _etrLevel = line.Level;
        line.Subscribe(level => OnInput(() => _etrLevel = level));
    }

    private bool CapturesEnabled
    {
        get
        {
            for (int i = 0; i < 4; i++)
                if (!IsOutput(i) && ((_ccer >> (4 * i)) & 1) != 0) return true;
            return false;
        }
    }

    /// <summary>TIx after TI1S: TI1 is CH1 XOR CH2 XOR CH3 when TI1S (§15.4.2).</summary>
    private bool RawTi(int ch) => ch == 0 && (_cr2 & TI1S) != 0 ? _inputLevel[0] ^ _inputLevel[1] ^ _inputLevel[2] : _inputLevel[ch];

    /// <summary>TIxF: TIx after its filter.</summary>
    private bool Ti(int ch) => _tiF[ch];

    private static readonly int[] FilterSamples = [1, 2, 4, 8, 6, 8, 6, 8, 6, 8, 5, 6, 8, 5, 6, 8];
    private static readonly int[] FilterDivider = [1, 1, 1, 1, 2, 2, 4, 4, 8, 8, 16, 16, 16, 32, 32, 32];

    /// <summary>ICxF of channel <paramref name="ch"/>'s input (CCMRx bits 7:4 in input mode; 0 while the channel is an output).</summary>
    private int FilterOf(int ch) => IsOutput(ch) ? 0 : (int)(CcmrOf(ch) >> 4);

    /// <summary>f_CK_INT / f_DTS (CR1.CKD: 1, 2, 4; the reserved 11 taken as 4, warned).</summary>
    private long DtsDivider => ((_cr1 >> 8) & 3) switch { 0 => 1, 1 => 2, _ => 4 };

    /// <summary>Each filtered input follows its raw level: at once without a filter, else at the Nth sample that sees the new level.</summary>
    private void Refilter()
    {
        long edge = -1;
        for (int i = 0; i < 4; i++)
        {
            int f = FilterOf(i);
            bool raw = RawTi(i);
            if (f == 0 || raw == _tiF[i]) { _filter[i].Cancel(); if (f == 0) _tiF[i] = raw; continue; }
            if (_filter[i].IsArmed) continue;
            if (edge < 0) edge = _clk.EdgesAt(_s.EventTime);
            long d = f < 4 ? 1 : FilterDivider[f] * DtsDivider;
            long first = (edge / d + 1) * d;
            _filter[i].Arm(_clk.TimeOfEdge(first + (FilterSamples[f] - 1) * d));
        }
    }

    /// <summary>ICxPSC: a capture every 1, 2, 4 or 8 active edges.</summary>
    private int CapturePrescaler(int ch) => 1 << (int)((CcmrOf(ch) >> 2) & 3);

    /// <summary>The level channel <paramref name="ch"/> captures on, before its polarity (CCxS 01: TIxF, 10: the pair's other TIF, 11: TRC).</summary>
    private bool CaptureSource(int ch, ReadOnlySpan<bool> ti, bool trc) => (CcmrOf(ch) & 3) switch
    {
        1 => ti[ch],
        2 => ti[ch ^ 1],
        _ => trc,
    };

    /// <summary>TRC: the ITRx TS selects (TI1F_ED's edges are handled apart).</summary>
    private bool Trc => Ts < 4 && _itrLevel[Ts];
    private bool Polarity(int ch) => ((_ccer >> (4 * ch + 1)) & 1) != 0;
    private bool Tifp(int ch) => Ti(ch) ^ Polarity(ch);
    private bool Etrp => _etrLevel ^ ((_smcr & ETP) != 0);

    /// <summary>TRGI's level (TI1F_ED, a pulse source, reads as TI1).</summary>
    private bool TrgiLevel => Ts switch
    {
        < 4 => _itrLevel[Ts],
        TsTi1FEd => Ti(0),
        TsTi1Fp1 => Tifp(0),
        TsTi2Fp2 => Tifp(1),
        _ => Etrp,
    };

    /// <summary>An input pin or trigger changes: the counter is brought to this tick under the old levels, then every consequence of the edges.</summary>
    private void OnInput(Action apply)
    {
        if (!_clockOn || (Sms == 0 && (_smcr & ECE) == 0 && !CapturesEnabled))
        {
            // No clock, or no slave mode and no capture enabled: the edge has no effect (a channel's own output looped back through its pad).
            apply();
            Refilter();
            return;
        }
        _events.CatchUp(_s.EventTime);
        long edge = _clk.EdgesAt(_s.EventTime);
        Reanchor(edge);
        bool wasRunning = Running;
        Span<bool> ti = stackalloc bool[4], tiNow = stackalloc bool[4];
        for (int i = 0; i < 4; i++) ti[i] = Ti(i);
        bool trgi = TrgiLevel, etrp = Etrp, trc = Trc;
        apply();
        Refilter();
        for (int i = 0; i < 4; i++) tiNow[i] = Ti(i);
        if (Running && !wasRunning) _anchorEdge = edge; // the gate opens: the prescaler's phase is kept
        for (int i = 0; i < 4; i++)
        {
            if (IsOutput(i) || ((_ccer >> (4 * i)) & 1) == 0) continue;
            if ((CcmrOf(i) & 3) == 3 && Ts > TsTi1FEd)
            {
                if (!_trcWarned) _warn($"{_name}: CC{i + 1}S = 11 captures on TRC, which needs SMCR.TS to select ITR0-3 or TI1F_ED (TS = {Ts}): no capture (RM0008 §15.4.7)");
                _trcWarned = true;
                continue;
            }
            bool now = CaptureSource(i, tiNow, Trc);
            bool edgeSeen = (CcmrOf(i) & 3) == 3 && Ts == TsTi1FEd
                ? tiNow[0] != ti[0]                                    // TRC = TI1F_ED: every edge of TI1F
                : now != CaptureSource(i, ti, trc) && now != Polarity(i);
            if (edgeSeen && ++_icCount[i] >= CapturePrescaler(i))
            {
                _icCount[i] = 0;
                Capture(i);
            }
        }
        for (int i = 0; i < 2; i++)
            if (Encoder && tiNow[i] != ti[i]) EncoderEdge(i);
        if (Etrp && !etrp && ++_etrCount >= 1 << (int)((_smcr >> 12) & 3))
        {
            // An ETRF active edge: external clock mode 2, and TRGI when TS selects ETRF.
            _etrCount = 0;
            if ((_smcr & ECE) != 0) ExternalClockEdge();
            if (Ts == TsEtrf) TriggerEdge(rising: true);
        }
        if (Ts != TsEtrf)
        {
            if (Ts == TsTi1FEd) { if (Ti(0) != ti[0]) TriggerEdge(rising: true); }
            else if (TrgiLevel != trgi) TriggerEdge(TrgiLevel);
        }
        UpdateOutputs();
        UpdateInterrupt();
        Schedule();
    }

    /// <summary>A TRGI edge: the slave mode's action (§15.3.14-15.3.16).</summary>
    private void TriggerEdge(bool rising)
    {
        switch (Sms)
        {
            case SmsReset when rising:
                _sr |= TIF;
                Reinitialise();
                if (Mms == 0) PulseTrgo();
                break;
            case SmsGated:
                _sr |= TIF;
                break;
            case SmsTrigger when rising:
                _sr |= TIF;
                if ((_cr1 & CEN) == 0) { _cr1 |= CEN; StartCounting(_clk.EdgesAt(_s.EventTime)); }
                break;
            case SmsExternal1 when rising:
                _sr |= TIF;
                ExternalClockEdge();
                break;
        }
    }

    /// <summary>Encoder interface (§15.3.12 Table 87): an edge of TI1FP1 (ch 0) or TI2FP2 (ch 1) counts up or down by the other's level.</summary>
    private void EncoderEdge(int ch)
    {
        int sms = Sms;
        if (ch == 0 ? sms == SmsEncoder1 : sms == SmsEncoder2) return;
        bool rising = Tifp(ch), other = Tifp(1 - ch);
        // TI1 edges: up when rising with TI2FP2 low or falling with it high; TI2 edges: up when rising with TI1FP1 high or falling with it low.
        bool up = ch == 0 ? rising != other : rising == other;
        _anchorDown = !up;
        ExternalClockEdge();
    }

    /// <summary>One edge of the external clock (or encoder): a prescaler clock; every PSC + 1 of them the counter steps.</summary>
    private void ExternalClockEdge()
    {
        if ((_cr1 & CEN) == 0 || _arrActive == 0) return;
        if (++_extPhase < Divider) return;
        _extPhase = 0;
        if (TicksToUpdate() <= 1) Wrap();
        else
        {
            _anchorCnt = CountAfter(1);
            CompareAt(_anchorCnt);
        }
    }

    private void Capture(int ch)
    {
        if ((_sr & CCxIF(ch)) != 0) _sr |= CCxOF(ch);
        if (ch == 0 && Mms == 3) PulseTrgo();
        _ccr[ch] = _ccrActive[ch] = CounterAt(_clk.EdgesAt(_s.EventTime));
        _sr |= CCxIF(ch);
        UpdateInterrupt();
    }

    private void UpdateInterrupt() => Interrupt.Set((_sr & _dier & 0x5F) != 0);

    /// <summary>The counter starts from CEN (a CR1 write or a trigger-mode edge): the first prescaled tick PSC + 1 clocks later.</summary>
    private void StartCounting(long edge)
    {
        _anchorEdge = edge;
        _anchorPhase = 0;
        _extPhase = 0;
    }

    // ---- registers ----

    public uint Read(uint address, int size, AccessFlags flags, ref bool abort)
    {
        _events.CatchUp();
        uint off = address & 0x3FC;
        uint v = off switch
        {
            CR1 => Centre || Encoder ? (_cr1 & ~DIR) | (_anchorDown ? DIR : 0) : _cr1,
            CR2 => _cr2,
            SMCR => _smcr,
            DIER => _dier,
            SR => _sr,
            EGR => 0,
            CCMR1 => _ccmr1,
            CCMR2 => _ccmr2,
            CCER => _ccer,
            CNT => Counter,
            PSC => _psc,
            ARR => _arr,
            CCR1 or CCR2 or CCR3 or CCR4 => _ccr[(off - CCR1) / 4],
            DCR => _dcr,
            DMAR => 0,
            _ => Reserved(off, "read"),
        };
        return PrimeCell.NarrowRead(v, address, size);
    }

    public void Write(uint address, int size, uint value, AccessFlags flags, ref bool abort)
    {
        _events.CatchUp();
        uint off = address & 0x3FC;
        value = PrimeCell.NarrowWrite(value, address, size);
        long edge = _clk.EdgesAt(_s.Now);
        Reanchor(edge);
        bool wasRunning = Running;
        bool wasEnabled = (_cr1 & CEN) != 0;
        switch (off)
        {
            case CR1:
                _cr1 = value & 0x3FF;
                if (!Centre && !Encoder) _anchorDown = (_cr1 & DIR) != 0;
                if ((_cr1 & CEN) != 0 && !wasEnabled) StartCounting(edge);
                break;
            case CR2:
                _cr2 = value & 0xF8;
                if (Mms is 0 or 2 or 3) Trgo.Set(_trgoEnd.IsArmed && Trgo.Level);
                break;
            case SMCR:
                uint oldSmcr = _smcr;
                _smcr = value & 0xFFF7;
                if (((_smcr ^ oldSmcr) & (ECE | 0x3077)) != 0) _etrCount = 0;
                if ((_smcr & 0x0F00) != 0 && (oldSmcr & 0x0F00) != (_smcr & 0x0F00))
                    _warn($"{_name}: SMCR.ETF = {(_smcr >> 8) & 0xF}: the external trigger filter is not modelled (every ETR edge counts)");
                break;
            case DIER:
                _dier = value & 0x5F5F;
                if ((_dier & 0x5F00) != 0) _warn($"{_name}: DIER = 0x{_dier:X4}: DMA requests are not modelled");
                break;
            case SR: _sr &= value | ~0x1E5Fu; break; // rc_w0
            case EGR: Generate(value & 0x5F); break;
            case CCMR1: _ccmr1 = value & 0xFFFF; CheckInputs(); break;
            case CCMR2: _ccmr2 = value & 0xFFFF; CheckInputs(); break;
            case CCER:
                _ccer = value & 0x3333;
                for (int i = 0; i < 4; i++)
                    if (((_ccer >> (4 * i)) & 1) == 0) _icCount[i] = 0; // the input prescaler restarts (§15.4.7 ICxPSC)
                break;
            case CNT: _anchorCnt = value & 0xFFFF; break;
            case PSC: _psc = value & 0xFFFF; break;
            case ARR:
                _arr = value & 0xFFFF;
                if ((_cr1 & ARPE) == 0) _arrActive = _arr;
                break;
            case CCR1 or CCR2 or CCR3 or CCR4:
                int ch = (int)(off - CCR1) / 4;
                if (IsOutput(ch))
                {
                    _ccr[ch] = value & 0xFFFF;
                    if (((CcmrOf(ch) >> 3) & 1) == 0) _ccrActive[ch] = _ccr[ch];
                }
                break;
            case DCR: _dcr = value & 0x1F1F; break;
            case DMAR: break;
            default: Reserved(off, "write"); break;
        }
        if (Running && !wasRunning && off != CR1) { _anchorEdge = edge; _anchorPhase = 0; }
        if (off is CCMR1 or CCMR2 or CR1 or CR2) Refilter();
        UpdateOutputs();
        UpdateInterrupt();
        Schedule();
    }

    private void Generate(uint egr)
    {
        if ((egr & UG) != 0)
        {
            Reinitialise();
            if (Mms == 0) PulseTrgo();
        }
        if ((egr & TG) != 0) _sr |= TIF; // TG sets TIF only (§15.4.6)
        for (int i = 0; i < 4; i++)
        {
            if ((egr & CCxIF(i)) == 0) continue;
            if (IsOutput(i)) _sr |= CCxIF(i);
            else Capture(i);
        }
    }

    /// <summary>UG or a reset-mode trigger: the counter and the prescaler reinitialised; the update event unless UDIS (the counter is reinitialised anyway).</summary>
    private void Reinitialise()
    {
        _anchorEdge = _clk.EdgesAt(_s.EventTime);
        _anchorPhase = 0;
        _extPhase = 0;
        if ((_cr1 & UDIS) == 0) UpdateEvent(setFlag: (_cr1 & URS) == 0);
        _anchorCnt = !Centre && !Encoder && (_cr1 & DIR) != 0 ? _arrActive : 0;
        if (Centre) _anchorDown = false;
    }

    private void CheckInputs()
    {
        if (((_cr1 >> 8) & 3) == 3 && FilterOf(0) + FilterOf(1) + FilterOf(2) + FilterOf(3) != 0)
            _warn($"{_name}: CR1.CKD = 11 is reserved (RM0008 §15.4.1): the input filters take t_DTS = 4 × t_CK_INT");
    }

    private uint Reserved(uint off, string what) => Stm32Reserved.Access(_warn, _name, "timer", off, what);

    // ---- checkpoints ----

    public void SaveState(StateWriter w)
    {
        foreach (uint v in new[] { _cr1, _cr2, _smcr, _dier, _sr, _ccmr1, _ccmr2, _ccer, _dcr, _psc, _pscActive, _arr, _arrActive }) w.Write(v);
        for (int i = 0; i < 4; i++) { w.Write(_ccr[i]); w.Write(_ccrActive[i]); w.Write(_ocref[i]); w.Write(_inputLevel[i]); w.Write(_ch[i].Level); }
        w.Write(_anchorEdge); w.Write(_anchorCnt); w.Write(_anchorDown); w.Write(_anchorPhase);
        for (int i = 0; i < 4; i++) w.Write(_itrLevel[i]);
        w.Write(_etrLevel); w.Write(_extPhase); w.Write(_etrCount); w.Write(Trgo.Level);
        w.Write(Interrupt.Level);
        w.Write(_clockOn);
        for (int i = 0; i < 4; i++) { w.Write(_tiF[i]); w.Write(_icCount[i]); }
        _events.SaveState(w);
    }

    public void LoadState(StateReader r)
    {
        _cr1 = r.ReadUInt(); _cr2 = r.ReadUInt(); _smcr = r.ReadUInt(); _dier = r.ReadUInt(); _sr = r.ReadUInt();
        _ccmr1 = r.ReadUInt(); _ccmr2 = r.ReadUInt(); _ccer = r.ReadUInt(); _dcr = r.ReadUInt();
        _psc = r.ReadUInt(); _pscActive = r.ReadUInt(); _arr = r.ReadUInt(); _arrActive = r.ReadUInt();
        for (int i = 0; i < 4; i++)
        {
            _ccr[i] = r.ReadUInt(); _ccrActive[i] = r.ReadUInt(); _ocref[i] = r.ReadBool(); _inputLevel[i] = r.ReadBool(); _ch[i].Restore(r.ReadBool());
        }
        _anchorEdge = r.ReadLong(); _anchorCnt = r.ReadUInt(); _anchorDown = r.ReadBool(); _anchorPhase = r.ReadLong();
        for (int i = 0; i < 4; i++) _itrLevel[i] = r.ReadBool();
        _etrLevel = r.ReadBool(); _extPhase = r.ReadLong(); _etrCount = r.ReadInt(); Trgo.Restore(r.ReadBool());
        Interrupt.Restore(r.ReadBool());
        _clockOn = r.ReadBool();
        for (int i = 0; i < 4; i++) { _tiF[i] = r.ReadBool(); _icCount[i] = r.ReadInt(); }
        _events.LoadState(r);
    }
}
