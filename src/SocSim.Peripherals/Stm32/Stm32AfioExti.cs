using SocSim.Core;
using SocSim.Core.Devices;
using SocSim.Core.State;

namespace SocSim.Peripherals.Stm32;

/// <summary>
/// The STM32F10x alternate-function I/O block (AFIO, RM0008 §9.4, at 0x40010000) and the external
/// interrupt/event controller (EXTI, §10.2, at 0x40010400) as one device with a 2 KiB window: AFIO's
/// EXTICR registers choose which port's pin n drives EXTI line n, so the two share the pads.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item>EXTI lines 0-15 follow pin n of the port EXTICR selects (inputs <c>PA0</c>..<c>PE15</c>, wired
/// from the GPIO pads); lines 16-18 (PVD, RTC alarm, USB wake-up) come from inputs <c>PVD</c>,
/// <c>RTCALARM</c>, <c>USBWAKEUP</c>. A rising edge with RTSR, or a falling one with FTSR, sets the line's
/// PR bit when IMR enables it (Figure 21: the edge goes through the interrupt mask to the pending
/// register); PR is written 1 to clear. SWIER: writing 1 over 0 sets PR (when IMR enables the line);
/// clearing PR clears SWIER (§10.3.5).</item>
/// <item>Outputs to the NVIC: EXTI0-EXTI4 (6-10), EXTI9_5 (23), EXTI15_10 (40), PVD (1), RTCAlarm (41),
/// USBWakeUp (42), each high while one of its PR bits is set. Events (EMR, EVCR) are registers only.</item>
/// <item>Pin routing (RM0008 §9.3.7-9.3.8, the TIM4-TIM2 and USART3-USART1 remapping tables): the
/// modelled peripherals' pins go through this block. A peripheral output (inputs <c>USART1_TX</c>,
/// <c>TIM2_CH1</c>...) drives output <c>AF_Pxn</c> of the pin MAPR's remap field selects for it (the
/// board wires each GPIO's <c>AF_Pxn</c> from there); a peripheral input (outputs <c>USART1_RX</c>,
/// <c>TIM2_TI1</c>, <c>TIM2_ETR</c>...) follows the pad MAPR selects. USART1_REMAP (TX/RX PA9/PA10 or
/// PB6/PB7), USART2_REMAP (TX/RX/CK PA2-PA4 or PD5-PD7), USART3_REMAP (PB10-PB12, partial PC10-PC12,
/// full PD8-PD10), TIM2_REMAP (CH1/ETR PA0 or PA15, CH2 PA1 or PB3, CH3/CH4 PA2/PA3 or PB10/PB11),
/// TIM3_REMAP (PA6/PA7/PB0/PB1, partial PB4/PB5/PB0/PB1, full PC6-PC9), TIM4_REMAP (PB6-PB9 or
/// PD12-PD15). A reserved field value (USART3_REMAP 10, TIM3_REMAP 01, "not used") connects the
/// signals to no pin and warns. CTS/RTS are not modelled (no flow control), so not routed.</item>
/// <item>Choice (the manual asks software to enable one function per pin, §9.1.4, and is silent on
/// what two do): a pin that two modelled outputs select shows the first in this order: USART TX/CK,
/// then timer channels (PA2 is USART2_TX, not TIM2_CH3, with both at their default pins).</item>
/// <item>MAPR's other remaps (SPI1, I2C1, TIM1, CAN, PD01, TIM5CH4, the ADC triggers) concern blocks
/// this board does not model: setting one warns once naming it. SWJ_CFG is write-only (reads 0) and has
/// no effect: the JTAG/SWD pins are plain GPIO in this model.</item>
/// </list>
/// </remarks>
public sealed class Stm32AfioExti : IBusDevice, IDeviceModel, IStateful
{
    // AFIO (offsets in the window) and EXTI (+0x400).
    public const uint EVCR = 0x00, MAPR = 0x04, EXTICR1 = 0x08, EXTICR2 = 0x0C, EXTICR3 = 0x10, EXTICR4 = 0x14, MAPR2 = 0x1C;
    public const uint IMR = 0x400, EMR = 0x404, RTSR = 0x408, FTSR = 0x40C, SWIER = 0x410, PR = 0x414;
    public const int Lines = 19;
    private const uint LineMask = (1u << Lines) - 1;
    private const string Ports = "ABCDE";

    /// <summary>
    /// One routed signal: a peripheral output (to an AF pad) or input (from a pad), the MAPR field that
    /// moves it (Shift; Width 0: not remappable) and its pin for each field value (null: a reserved value).
    /// </summary>
    private sealed record Route(string Signal, bool ToPad, int Shift, int Width, string?[] Pins);

    // The tables are built by loops, not LINQ over tuples and chars: every start-up declares every device
    // type, and each generic instantiation over a struct is a JIT compilation there.
    private static Route[] Remappable(string peripheral, int shift, int width, params (string Signal, bool ToPad, string?[] Pins)[] signals)
    {
        var routes = new Route[signals.Length];
        for (int i = 0; i < signals.Length; i++)
            routes[i] = new Route($"{peripheral}_{signals[i].Signal}", signals[i].ToPad, shift, width, signals[i].Pins);
        return routes;
    }

    /// <summary>RM0008 §9.3.7-9.3.8: the remapping tables of USART1-3 and TIM2-4 (CH1..CH4 out, TI1..TI4 in, one pin each).</summary>
    private static readonly Route[] Routes =
    [
        .. Remappable("USART1", 2, 1, ("TX", true, ["PA9", "PB6"]), ("RX", false, ["PA10", "PB7"]), ("CK", true, ["PA8", "PA8"])),
        .. Remappable("USART2", 3, 1, ("TX", true, ["PA2", "PD5"]), ("RX", false, ["PA3", "PD6"]), ("CK", true, ["PA4", "PD7"])),
        .. Remappable("USART3", 4, 2, ("TX", true, ["PB10", "PC10", null, "PD8"]), ("RX", false, ["PB11", "PC11", null, "PD9"]),
            ("CK", true, ["PB12", "PC12", null, "PD10"])),
        .. Timer("TIM2", 8, 2, ["PA0", "PA15", "PA0", "PA15"], ["PA1", "PB3", "PA1", "PB3"], ["PA2", "PA2", "PB10", "PB10"], ["PA3", "PA3", "PB11", "PB11"]),
        .. Remappable("TIM2", 8, 2, ("ETR", false, ["PA0", "PA15", "PA0", "PA15"])),
        .. Timer("TIM3", 10, 2, ["PA6", null, "PB4", "PC6"], ["PA7", null, "PB5", "PC7"], ["PB0", null, "PB0", "PC8"], ["PB1", null, "PB1", "PC9"]),
        .. Remappable("TIM3", 0, 0, ("ETR", false, ["PD2"])),
        .. Timer("TIM4", 12, 1, ["PB6", "PD12"], ["PB7", "PD13"], ["PB8", "PD14"], ["PB9", "PD15"]),
    ];

    private static Route[] Timer(string tim, int shift, int width, params string?[][] channels)
    {
        var routes = new List<Route>();
        for (int i = 0; i < 4; i++) routes.AddRange(Remappable(tim, shift, width, ($"CH{i + 1}", true, channels[i]), ($"TI{i + 1}", false, channels[i])));
        return routes.ToArray();
    }

    /// <summary>The pads that some routed output can drive: outputs AF_Pxn.</summary>
    private static readonly string[] AfPads = BuildAfPads();

    /// <summary>The distinct pins of the routed outputs, by port letter then pin number (each pad once: the order is total).</summary>
    private static string[] BuildAfPads()
    {
        var pads = new List<string>();
        foreach (var r in Routes)
            if (r.ToPad)
                foreach (var p in r.Pins)
                    if (p != null && !pads.Contains(p)) pads.Add(p);
        pads.Sort(static (a, b) => a[1] != b[1] ? a[1].CompareTo(b[1]) : int.Parse(a.AsSpan(2)).CompareTo(int.Parse(b.AsSpan(2))));
        return pads.ToArray();
    }

    /// <summary>The MAPR bits whose remap this block carries out (USART1-3, TIM2-4).</summary>
    private const uint RoutedRemaps = 0x0000_1F3C;

    private static readonly string[] RemapNames =
    [
        "SPI1_REMAP", "I2C1_REMAP", "USART1_REMAP", "USART2_REMAP", "USART3_REMAP[0]", "USART3_REMAP[1]", "TIM1_REMAP[0]", "TIM1_REMAP[1]",
        "TIM2_REMAP[0]", "TIM2_REMAP[1]", "TIM3_REMAP[0]", "TIM3_REMAP[1]", "TIM4_REMAP", "CAN_REMAP[0]", "CAN_REMAP[1]", "PD01_REMAP",
        "TIM5CH4_IREMAP", "ADC1_ETRGINJ_REMAP", "ADC1_ETRGREG_REMAP", "ADC2_ETRGINJ_REMAP", "ADC2_ETRGREG_REMAP",
    ];

    /// <summary>The NVIC outputs and the PR bits each one ORs.</summary>
    private static readonly (string Name, uint Mask, string What)[] OutputLines =
    [
        ("EXTI0", 1u << 0, "EXTI line 0 (NVIC 6)"), ("EXTI1", 1u << 1, "EXTI line 1 (NVIC 7)"), ("EXTI2", 1u << 2, "EXTI line 2 (NVIC 8)"),
        ("EXTI3", 1u << 3, "EXTI line 3 (NVIC 9)"), ("EXTI4", 1u << 4, "EXTI line 4 (NVIC 10)"), ("EXTI9_5", 0x3E0, "EXTI lines 5-9 (NVIC 23)"),
        ("EXTI15_10", 0xFC00, "EXTI lines 10-15 (NVIC 40)"), ("PVD", 1u << 16, "EXTI line 16, PVD (NVIC 1)"),
        ("RTCAlarm", 1u << 17, "EXTI line 17, RTC alarm (NVIC 41)"), ("USBWakeUp", 1u << 18, "EXTI line 18, USB wake-up (NVIC 42)"),
    ];

    public static DeviceType Type { get; } = Declare();

    private static DeviceType Declare()
    {
        var b = DeviceType.Define<Stm32AfioExti>("stm32f1_afio_exti",
                "STM32F10x AFIO (RM0008 §9.4: EVCR, MAPR, EXTICR1-4) at +0x000 and EXTI (§10.2: IMR, EMR, RTSR, FTSR, SWIER, PR) at +0x400")
            .Window(0x800);
        for (int i = 0; i < OutputLines.Length; i++)
        {
            int n = i;
            b.Output(OutputLines[n].Name, d => d._outputs[n], OutputLines[n].What);
        }
        foreach (char port in Ports)
            for (int pin = 0; pin < 16; pin++)
            {
                int p = Ports.IndexOf(port), n = pin;
                b.Input($"P{port}{pin}", (d, l) => d.ConnectPin(p, n, l), pin == 0 && port == 'A' ? "the GPIO pads, for EXTI lines 0-15 (EXTICR selects the port)" : "");
            }
        b.Input("PVD", (d, l) => d.ConnectLine(16, l), "EXTI line 16: the PVD output");
        b.Input("RTCALARM", (d, l) => d.ConnectLine(17, l), "EXTI line 17: the RTC alarm");
        b.Input("USBWAKEUP", (d, l) => d.ConnectLine(18, l), "EXTI line 18: USB wake-up");
        for (int i = 0; i < Routes.Length; i++)
        {
            int n = i;
            if (Routes[n].ToPad) b.Input(Routes[n].Signal, (d, l) => d.ConnectPeripheralOutput(n, l), n == 0 ? "a peripheral's output, routed to the AF_Pxn output of the pin MAPR selects (RM0008 §9.3)" : "");
            // High after reset, as the pad it follows: a floating input reads 1 on these boards (an idle RX line, an undriven TIx).
            else b.Output(Routes[n].Signal, d => d._routed[n]!, n == 1 ? "a peripheral's input: the pad MAPR selects for it (RM0008 §9.3)" : "", resetHigh: true);
        }
        foreach (string pad in AfPads)
            b.Output("AF_" + pad, d => d._af[Array.IndexOf(AfPads, pad)], pad == AfPads[0] ? "the alternate-function level of the pad (wire to the GPIO's AF_Pxn input)" : "");
        b.Signals((d, s) => { for (int i = 0; i < OutputLines.Length; i++) s.Line(OutputLines[i].Name, d._outputs[i]); });
        return b.Build(c => new Stm32AfioExti(c.Name, c.Warn));
    }

    private readonly string _name;
    private readonly Action<string> _warn;
    private readonly IrqLine[] _outputs;
    private readonly IrqLine?[,] _pins = new IrqLine?[Ports.Length, 16];
    private readonly IrqLine?[] _special = new IrqLine?[Lines];
    private uint _evcr, _mapr, _mapr2, _imr, _emr, _rtsr, _ftsr, _swier, _pr;
    private readonly uint[] _exticr = new uint[4];
    private uint _remapWarned;
    // Routing: the peripheral output lines connected (ToPad routes), the input lines driven (others), the AF pad lines.
    private readonly IrqLine?[] _peripheralOutputs = new IrqLine?[Routes.Length];
    private readonly IrqLine?[] _routed = new IrqLine?[Routes.Length];
    private readonly IrqLine[] _af;
    // For each pad (port × 16 + pin): the input routes it now drives; for each AF pad: the output route it now shows (-1: none).
    private readonly List<int>[] _padInputs = Enumerable.Range(0, Ports.Length * 16).Select(_ => new List<int>()).ToArray();
    private readonly int[] _afSource = new int[AfPads.Length];

    public Stm32AfioExti(string name, Action<string> warn)
    {
        _name = name;
        _warn = warn;
        _outputs = OutputLines.Select(o => new IrqLine($"{name}.{o.Name}")).ToArray();
        for (int i = 0; i < Routes.Length; i++)
            if (!Routes[i].ToPad) _routed[i] = new IrqLine($"{name}.{Routes[i].Signal}");
        _af = AfPads.Select(p => new IrqLine($"{name}.AF_{p}")).ToArray();
        Reset();
    }

    public string Name => _name;
    public IrqLine Output(string name) => _outputs[Array.FindIndex(OutputLines, o => o.Name == name)];

    public void Reset()
    {
        _evcr = _mapr = _mapr2 = _imr = _emr = _rtsr = _ftsr = _swier = _pr = 0;
        Array.Clear(_exticr);
        UpdateOutputs();
        Reroute();
    }

    public void SaveState(StateWriter w)
    {
        foreach (uint v in new[] { _evcr, _mapr, _mapr2, _imr, _emr, _rtsr, _ftsr, _swier, _pr }) w.Write(v);
        foreach (uint v in _exticr) w.Write(v);
        foreach (var o in _outputs) w.Write(o.Level);
    }

    public void LoadState(StateReader r)
    {
        _evcr = r.ReadUInt(); _mapr = r.ReadUInt(); _mapr2 = r.ReadUInt(); _imr = r.ReadUInt(); _emr = r.ReadUInt();
        _rtsr = r.ReadUInt(); _ftsr = r.ReadUInt(); _swier = r.ReadUInt(); _pr = r.ReadUInt();
        for (int i = 0; i < 4; i++) _exticr[i] = r.ReadUInt();
        foreach (var o in _outputs) o.Restore(r.ReadBool());
        Reroute(restore: true);
    }

    private int SelectedPort(int line) => (int)((_exticr[line >> 2] >> (4 * (line & 3))) & 0xF);

    private void ConnectPin(int port, int pin, IrqLine line)
    {
        _pins[port, pin] = line;
        var inputs = _padInputs[port * 16 + pin];
        line.Subscribe(level =>
        {
            foreach (int r in inputs) _routed[r]!.Set(level);
            if (SelectedPort(pin) == port) Edge(pin, level);
        });
        foreach (int r in inputs) _routed[r]!.Set(line.Level);
    }

    private void ConnectPeripheralOutput(int route, IrqLine line)
    {
        _peripheralOutputs[route] = line;
        line.Subscribe(_ => { for (int i = 0; i < _af.Length; i++) if (_afSource[i] == route) _af[i].Set(line.Level); });
        Reroute();
    }

    /// <summary>The pin route <paramref name="r"/> takes under the present MAPR (null: a reserved remap value, no pin).</summary>
    private string? PinOf(Route r) => r.Pins[r.Width == 0 ? 0 : (int)((_mapr >> r.Shift) & ((1u << r.Width) - 1))];

    private static int PadIndex(string pad) => Ports.IndexOf(pad[1]) * 16 + int.Parse(pad.AsSpan(2));

    /// <summary>Routes every signal to the pin MAPR selects, and sets the lines to their new sources' levels (silently when restoring a checkpoint).</summary>
    private void Reroute(bool restore = false)
    {
        foreach (var l in _padInputs) l.Clear();
        Array.Fill(_afSource, -1);
        for (int i = 0; i < Routes.Length; i++)
        {
            if (PinOf(Routes[i]) is not string pad) continue;
            if (!Routes[i].ToPad) _padInputs[PadIndex(pad)].Add(i);
            else if (_afSource[Array.IndexOf(AfPads, pad)] < 0) _afSource[Array.IndexOf(AfPads, pad)] = i;
        }
        for (int i = 0; i < Routes.Length; i++)
        {
            if (Routes[i].ToPad) continue;
            bool level = PinOf(Routes[i]) is string pad && _pins[PadIndex(pad) / 16, PadIndex(pad) % 16] is { } p ? p.Level : true;
            if (restore) _routed[i]!.Restore(level); else _routed[i]!.Set(level);
        }
        for (int i = 0; i < _af.Length; i++)
        {
            bool level = _afSource[i] >= 0 && (_peripheralOutputs[_afSource[i]]?.Level ?? false);
            if (restore) _af[i].Restore(level); else _af[i].Set(level);
        }
    }

    private void ConnectLine(int n, IrqLine line)
    {
        _special[n] = line;
        line.Subscribe(level => Edge(n, level));
    }

    private void Edge(int line, bool rising)
    {
        uint bit = 1u << line;
        if (((rising ? _rtsr : _ftsr) & bit & _imr) == 0) return;
        _pr |= bit;
        UpdateOutputs();
    }

    private void UpdateOutputs()
    {
        for (int i = 0; i < OutputLines.Length; i++) _outputs[i].Set((_pr & OutputLines[i].Mask) != 0);
    }

    public uint Read(uint address, int size, AccessFlags flags, ref bool abort)
    {
        uint off = address & 0x7FC;
        uint v = off switch
        {
            EVCR => _evcr,
            MAPR => _mapr & ~(7u << 24), // SWJ_CFG is write-only
            EXTICR1 or EXTICR2 or EXTICR3 or EXTICR4 => _exticr[(off - EXTICR1) / 4],
            MAPR2 => _mapr2,
            IMR => _imr,
            EMR => _emr,
            RTSR => _rtsr,
            FTSR => _ftsr,
            SWIER => _swier,
            PR => _pr,
            _ => Reserved(off, "read"),
        };
        return PrimeCell.NarrowRead(v, address, size);
    }

    public void Write(uint address, int size, uint value, AccessFlags flags, ref bool abort)
    {
        uint off = address & 0x7FC;
        value = PrimeCell.NarrowWrite(value, address, size);
        switch (off)
        {
            case EVCR: _evcr = value & 0xFF; break;
            case MAPR:
                uint oldMapr = _mapr;
                _mapr = value & 0x071F_FFFF;
                uint remaps = _mapr & 0x001F_FFFF & ~RoutedRemaps & ~_remapWarned;
                for (int i = 0; i < RemapNames.Length; i++)
                    if ((remaps >> i & 1) != 0)
                        _warn($"{_name}: AFIO_MAPR.{RemapNames[i]} remaps the pins of a block this board does not model: no effect (RM0008 §9.3)");
                _remapWarned |= remaps;
                if (((oldMapr ^ _mapr) & RoutedRemaps) != 0)
                {
                    foreach (var r in Routes)
                        if (r.Width != 0 && PinOf(r) == null && (oldMapr >> r.Shift & ((1u << r.Width) - 1)) != (_mapr >> r.Shift & ((1u << r.Width) - 1)))
                        {
                            _warn($"{_name}: AFIO_MAPR.{r.Signal[..r.Signal.IndexOf('_')]}_REMAP = {(_mapr >> r.Shift) & ((1u << r.Width) - 1)} is reserved (\"not used\", RM0008 §9.4.2): its signals reach no pin");
                            break;
                        }
                    Reroute();
                }
                break;
            case EXTICR1 or EXTICR2 or EXTICR3 or EXTICR4: _exticr[(off - EXTICR1) / 4] = value & 0xFFFF; break;
            case MAPR2: _mapr2 = value & 0x7E0; break;
            case IMR: _imr = value & LineMask; break;
            case EMR: _emr = value & LineMask; break;
            case RTSR: _rtsr = value & LineMask; break;
            case FTSR: _ftsr = value & LineMask; break;
            case SWIER:
                uint set = value & LineMask & ~_swier;
                _swier |= value & LineMask;
                _pr |= set & _imr;
                UpdateOutputs();
                break;
            case PR:
                _pr &= ~(value & LineMask);
                _swier &= ~(value & LineMask);
                UpdateOutputs();
                break;
            default: Reserved(off, "write"); break;
        }
    }

    private uint Reserved(uint off, string what) => Stm32Reserved.Access(_warn, _name, off < 0x400 ? "AFIO" : "EXTI", off & 0x3FF, what);
}
