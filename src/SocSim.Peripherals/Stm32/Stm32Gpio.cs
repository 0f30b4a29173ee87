using SocSim.Core;
using SocSim.Core.Devices;
using SocSim.Core.State;

namespace SocSim.Peripherals.Stm32;

/// <summary>
/// One STM32F10x general-purpose I/O port (RM0008 §9.2, GPIOA-GPIOG at 0x40010800 + 0x400·n): CRL, CRH,
/// IDR, ODR, BSRR, BRR and LCKR, and its 16 pads, each a line (<c>gpioc.PC12</c>) that peripherals and
/// traces see.
/// </summary>
/// <remarks>
/// The level of pad Pxn (recomputed when one of its inputs changes; nothing ticks), per its MODE/CNF
/// bits (RM0008 §9.1, Table 20):
/// <list type="bullet">
/// <item>General-purpose output push-pull: ODR bit n. Open-drain: 0 when ODR is 0, else released.</item>
/// <item>Alternate-function output push-pull: the level the peripheral drives on input <c>AF_Pxn</c>
/// (the board wires USART1.TX there); open-drain: that level pulls low only. With no peripheral wired,
/// the pin drives 0 (choice: the peripheral's output is inactive).</item>
/// <item>Input (analog, floating, pull-up/-down): the external level: the host's drive (<c>--pin</c>) or
/// the line wired to input <c>Pxn</c>; when nothing drives it, the pull the ODR bit selects in
/// pull-up/pull-down mode (§9.1.4: ODR 1 up, 0 down), and 1 for a floating or analog input (choice: as
/// the LPC2106's pads, a board pull-up, so that an undriven USART RX idles at mark).</item>
/// <item>A released open-drain pad shows its external level, 1 when undriven.</item>
/// <item>IDR reads the pad levels (analog inputs read 0, §9.1.5: "the Schmitt trigger input is
/// deactivated ... the IDR reads 0").</item>
/// </list>
/// BSRR sets (bits 0-15) and resets (16-31) ODR bits, the set winning (§9.2.5); BRR resets. LCKR's
/// sequence (write 1+bits, write 0+bits, write 1+bits, read, read 1) freezes the CRL/CRH fields of the
/// pins locked until the next reset (§9.2.7); a wrong sequence does not lock. Accesses are words
/// ("accessed as 32-bit words" §9.2); a narrower access follows <see cref="PrimeCell.NarrowWrite"/>.
/// </remarks>
public sealed class Stm32Gpio : IBusDevice, IDeviceModel, IStateful
{
    public const uint CRL = 0x00, CRH = 0x04, IDR = 0x08, ODR = 0x0C, BSRR = 0x10, BRR = 0x14, LCKR = 0x18;
    public const uint CrReset = 0x4444_4444;
    public const uint LCKK = 1u << 16;
    public const int PinCount = 16;

    public static DeviceType Type { get; } = DeviceType.Define<Stm32Gpio>("stm32f1_gpio",
            "STM32F10x GPIO port (RM0008 §9): CRL/CRH/IDR/ODR/BSRR/BRR/LCKR, 16 pads Pxn as lines")
        .Window(0x400)
        .Parameter("port", "A", "the port letter (A-G): the pads are named P<port><n>, e.g. PC12")
        .InstancePorts(p => Ports(Letter(p)),
            (g, name) => g.PinIndex(name, "") is int n and >= 0 ? g._pads[n] : null,
            (g, name, line) =>
            {
                if (g.PinIndex(name, "") is int n and >= 0) { g.ConnectExternal(n, line); return true; }
                if (g.PinIndex(name, "AF_") is int a and >= 0) { g.ConnectAlternate(a, line); return true; }
                return false;
            })
        .Signals((g, b) =>
        {
            for (int n = 0; n < PinCount; n++) b.Line(g._pinNames[n], g._pads[n]);
            b.Sampled("ODR", 16, () => g._odr, 0);
        })
        .Build(c => new Stm32Gpio(c.Name, Letter(c.Parameters), c.Warn));

    private static string Letter(IReadOnlyDictionary<string, object> p)
    {
        string port = p.TryGetValue("port", out var v) ? (string)v : "A";
        if (port.Length != 1 || port[0] < 'A' || port[0] > 'G') throw new ArgumentException($"port must be one letter A-G, not \"{port}\"");
        return port;
    }

    private static InstancePorts Ports(string port) => new(
        Enumerable.Range(0, PinCount).Select(n => $"P{port}{n}").ToList(),
        Enumerable.Range(0, PinCount).Select(n => $"P{port}{n}").Concat(Enumerable.Range(0, PinCount).Select(n => $"AF_P{port}{n}")).ToList());

    private readonly string _name;
    private readonly Action<string> _warn;
    private readonly string[] _pinNames;
    private readonly IrqLine[] _pads = new IrqLine[PinCount];
    private readonly IrqLine?[] _external = new IrqLine?[PinCount];
    private readonly IrqLine?[] _alternate = new IrqLine?[PinCount];

    private uint _crl, _crh, _odr, _lckr;
    private int _lockStep;
    private bool _locked;

    public Stm32Gpio(string name, string port, Action<string> warn)
    {
        _name = name;
        _warn = warn;
        Port = port;
        _pinNames = Enumerable.Range(0, PinCount).Select(n => $"P{port}{n}").ToArray();
        for (int n = 0; n < PinCount; n++) _pads[n] = new IrqLine($"{name}.{_pinNames[n]}");
        Reset();
    }

    public string Name => _name;
    public string Port { get; }
    /// <summary>The pad of pin <paramref name="n"/>.</summary>
    public IrqLine Pad(int n) => _pads[n];

    private int? PinIndex(string name, string prefix)
    {
        string p = prefix + "P" + Port;
        if (!name.StartsWith(p, StringComparison.OrdinalIgnoreCase) || !int.TryParse(name.AsSpan(p.Length), out int n) || n < 0 || n >= PinCount
            || name.Length != p.Length + (n < 10 ? 1 : 2)) return -1;
        return n;
    }

    public void Reset()
    {
        _crl = _crh = CrReset;
        _odr = 0;
        _lckr = 0;
        _lockStep = 0;
        _locked = false;
        UpdateAll();
    }

    public void SaveState(StateWriter w)
    {
        w.Write(_crl); w.Write(_crh); w.Write(_odr); w.Write(_lckr);
        w.Write(_lockStep); w.Write(_locked);
        foreach (var p in _pads) w.Write(p.Level);
    }

    public void LoadState(StateReader r)
    {
        _crl = r.ReadUInt(); _crh = r.ReadUInt(); _odr = r.ReadUInt(); _lckr = r.ReadUInt();
        _lockStep = r.ReadInt(); _locked = r.ReadBool();
        foreach (var p in _pads) p.Restore(r.ReadBool());
    }

    private void ConnectExternal(int n, IrqLine line)
    {
        _external[n] = line;
        line.Subscribe(_ => Update(n));
        Update(n);
    }

    private void ConnectAlternate(int n, IrqLine line)
    {
        _alternate[n] = line;
        line.Subscribe(_ => Update(n));
        Update(n);
    }

    /// <summary>MODE[1:0] and CNF[1:0] of pin <paramref name="n"/>: bits 0-1 MODE, 2-3 CNF.</summary>
    private uint Config(int n) => ((n < 8 ? _crl : _crh) >> (4 * (n & 7))) & 15;

    private bool External(int n, bool undriven) => _external[n]?.Level ?? undriven;

    private bool Level(int n)
    {
        uint cfg = Config(n), mode = cfg & 3, cnf = cfg >> 2;
        bool odr = ((_odr >> n) & 1) != 0;
        if (mode == 0)
            return cnf switch
            {
                2 => External(n, odr), // pull-up / pull-down per ODR
                _ => External(n, true),
            };
        bool drive = cnf < 2 ? odr : _alternate[n]?.Level ?? false;
        bool openDrain = (cnf & 1) != 0;
        return openDrain ? drive && External(n, true) : drive;
    }

    private void Update(int n) => _pads[n].Set(Level(n));

    private void UpdateAll()
    {
        for (int n = 0; n < PinCount; n++) Update(n);
    }

    private uint Idr()
    {
        uint v = 0;
        for (int n = 0; n < PinCount; n++)
        {
            uint cfg = Config(n);
            if (cfg == 0) continue; // analog input: the Schmitt trigger is off, IDR reads 0
            if (_pads[n].Level) v |= 1u << n;
        }
        return v;
    }

    public uint Read(uint address, int size, AccessFlags flags, ref bool abort)
    {
        uint off = address & 0x3FC;
        uint v;
        switch (off)
        {
            case CRL: v = _crl; break;
            case CRH: v = _crh; break;
            case IDR: v = Idr(); break;
            case ODR: v = _odr; break;
            case BSRR or BRR: v = 0; break; // write-only, read as 0
            case LCKR:
                v = _lckr | (_locked ? LCKK : 0);
                // The lock sequence's two reads: the first reads LCKK 0, the second 1 (§9.2.7).
                if (_lockStep == 3) _lockStep = 4;
                else if (_lockStep == 4) { _locked = true; _lockStep = 0; v |= LCKK; }
                break;
            default:
                _warn($"{_name}: read of reserved GPIO offset 0x{off:X2} ignored, reads 0");
                v = 0;
                break;
        }
        return PrimeCell.NarrowRead(v, address, size);
    }

    public void Write(uint address, int size, uint value, AccessFlags flags, ref bool abort)
    {
        uint off = address & 0x3FC;
        value = PrimeCell.NarrowWrite(value, address, size);
        if (off != LCKR) _lockStep = _lockStep == 4 ? 0 : _lockStep;
        switch (off)
        {
            case CRL: _crl = Locked(_crl, value, 0); UpdateAll(); break;
            case CRH: _crh = Locked(_crh, value, 8); UpdateAll(); break;
            case IDR: break; // read-only
            case ODR: _odr = value & 0xFFFF; UpdateAll(); break;
            case BSRR: _odr = (_odr & ~(value >> 16) | value) & 0xFFFF; UpdateAll(); break;
            case BRR: _odr &= ~value & 0xFFFF; UpdateAll(); break;
            case LCKR: WriteLckr(value); break;
            default: _warn($"{_name}: write to reserved GPIO offset 0x{off:X2} ignored"); break;
        }
    }

    /// <summary>The CRL/CRH value after a write, keeping the fields of the pins LCKR has locked.</summary>
    private uint Locked(uint old, uint value, int firstPin)
    {
        if (!_locked) return value;
        uint keep = 0;
        for (int i = 0; i < 8; i++)
            if (((_lckr >> (firstPin + i)) & 1) != 0) keep |= 15u << (4 * i);
        return (old & keep) | (value & ~keep);
    }

    private void WriteLckr(uint value)
    {
        if (_locked) return; // "the value of the port bits can no longer be modified until the next reset"
        bool k = (value & LCKK) != 0;
        uint bits = value & 0xFFFF;
        // §9.2.7: write 1 (with the bits), write 0 (same bits), write 1 (same bits), then read 0, read 1.
        _lockStep = (_lockStep, k) switch
        {
            (0, true) => 1,
            (1, false) when bits == _lckr => 2,
            (2, true) when bits == _lckr => 3,
            (_, true) => 1,
            _ => 0,
        };
        _lckr = bits;
    }
}
