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
/// <item>MAPR (remaps): stored and read back (SWJ_CFG is write-only, reads 0); the board's wiring follows
/// the default (not remapped) pins, so setting a remap bit warns once naming it.</item>
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

    public Stm32AfioExti(string name, Action<string> warn)
    {
        _name = name;
        _warn = warn;
        _outputs = OutputLines.Select(o => new IrqLine($"{name}.{o.Name}")).ToArray();
        Reset();
    }

    public string Name => _name;
    public IrqLine Output(string name) => _outputs[Array.FindIndex(OutputLines, o => o.Name == name)];

    public void Reset()
    {
        _evcr = _mapr = _mapr2 = _imr = _emr = _rtsr = _ftsr = _swier = _pr = 0;
        Array.Clear(_exticr);
        UpdateOutputs();
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
    }

    private int SelectedPort(int line) => (int)((_exticr[line >> 2] >> (4 * (line & 3))) & 0xF);

    private void ConnectPin(int port, int pin, IrqLine line)
    {
        _pins[port, pin] = line;
        line.Subscribe(level => { if (SelectedPort(pin) == port) Edge(pin, level); });
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
                _mapr = value & 0x071F_FFFF;
                uint remaps = _mapr & 0x001F_FFFF & ~_remapWarned;
                for (int i = 0; i < RemapNames.Length; i++)
                    if ((remaps >> i & 1) != 0)
                        _warn($"{_name}: AFIO_MAPR.{RemapNames[i]} remaps pins: not modelled, the board's wiring keeps the default pins (RM0008 §9.3)");
                _remapWarned |= remaps;
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
