using SocSim.Core;
using SocSim.Core.Devices;
using SocSim.Core.State;

namespace SocSim.Peripherals;

/// <summary>
/// The Versatile/PB's secondary interrupt controller (SIC) at 0x10003000 (ARM DUI 0224, "Secondary
/// interrupt controller"; the register behaviour as QEMU's hw/arm/versatilepb.c has it): 32 sources,
/// a software interrupt register, an enable mask, and one output, cascaded into the PL190's
/// VICINTSOURCE31. Like the VIC it is combinational: outputs change in the call that changes them.
/// </summary>
/// <remarks>
/// SIC_RAWSTAT is the source wires OR SIC_SOFTINT; SIC_STATUS is SIC_RAWSTAT AND SIC_ENABLE; the output
/// IRQ is high while SIC_STATUS is non-zero. SIC_PICENABLE selects sources 21-30 to pass straight to the
/// primary controller as well (outputs PIC21-PIC30, each the source's level while its bit is set); the
/// register keeps every bit written (Linux writes 0xFFD00000). Offsets the SIC does not decode (Linux's
/// FPGA IRQ driver writes 0x2C, an FIQ enable clear the SIC does not have) are ignored and reported once.
/// </remarks>
public sealed class VersatileSic : IBusDevice, IDeviceModel, IStateful
{
    public static DeviceType Type { get; } = Declare();

    private static DeviceType Declare()
    {
        var b = DeviceType.Define<VersatileSic>("versatile_sic", "ARM Versatile/PB secondary interrupt controller (SIC), cascaded into the primary VIC")
            .Window(PrimeCell.Window)
            .Output("IRQ", s => s.Irq, "SIC_STATUS non-zero (to VIC line 31)");
        for (int n = PassFirst; n <= PassLast; n++)
        {
            int k = n;
            b.Output($"PIC{k}", s => s.Pass(k), $"source {k} passed straight to the primary controller while SIC_PICENABLE[{k}] is set");
        }
        return b.NumberedInputs(SourceCount, (s, n, line) => s.ConnectSource(n, line), "the 32 secondary sources")
            .Signals((s, t) =>
            {
                t.Line("IRQ", s.Irq);
                t.Sampled("RAWSTAT", 32, () => s.RawStatus, 0);
            })
            .Build(c => new VersatileSic(c.Name, c.Warn));
    }

    public const uint SIC_STATUS = 0x00, SIC_RAWSTAT = 0x04, SIC_ENABLE = 0x08, SIC_ENSET = 0x08, SIC_ENCLR = 0x0C;
    public const uint SIC_SOFTINTSET = 0x10, SIC_SOFTINTCLR = 0x14, SIC_PICENABLE = 0x20, SIC_PICENSET = 0x20, SIC_PICENCLR = 0x24;
    public const int SourceCount = 32;
    /// <summary>The sources the SIC can pass straight to the primary controller.</summary>
    public const int PassFirst = 21, PassLast = 30;

    private readonly string _name;
    private readonly Action<string> _warn;
    private readonly IrqLine[] _inputs = new IrqLine[SourceCount];
    private readonly IrqLine[] _pass = new IrqLine[PassLast - PassFirst + 1];
    private uint _levels, _soft, _enable, _picEnable;

    public VersatileSic(string name, Action<string>? warn = null)
    {
        _name = name;
        _warn = warn ?? (_ => { });
        Irq = new IrqLine(name + ".IRQ");
        for (int n = 0; n < SourceCount; n++)
        {
            int bit = n;
            _inputs[n] = new IrqLine($"{name}.SIC{n}");
            _inputs[n].Subscribe(level => SetSource(bit, level));
        }
        for (int n = PassFirst; n <= PassLast; n++) _pass[n - PassFirst] = new IrqLine($"{name}.PIC{n}");
    }

    public IrqLine Irq { get; }

    /// <summary>Output PICn: source n passed to the primary controller (21 ≤ n ≤ 30).</summary>
    public IrqLine Pass(int n) => _pass[n - PassFirst];

    public IrqLine Input(int n) => _inputs[n];

    public void ConnectSource(int n, IrqLine line)
    {
        line.Subscribe(_inputs[n].Set);
        _inputs[n].Set(line.Level);
    }

    public uint RawStatus => _levels | _soft;
    public uint Status => RawStatus & _enable;

    public void Reset()
    {
        _soft = _enable = _picEnable = 0;
        Update();
    }

    private void SetSource(int n, bool level)
    {
        uint bit = 1u << n;
        _levels = level ? _levels | bit : _levels & ~bit;
        Update();
    }

    private void Update()
    {
        Irq.Set(Status != 0);
        for (int n = PassFirst; n <= PassLast; n++) _pass[n - PassFirst].Set((_levels & _picEnable & (1u << n)) != 0);
    }

    public uint Read(uint address, int size, AccessFlags flags, ref bool abort)
    {
        uint off = PrimeCell.Offset(address);
        uint v;
        switch (off)
        {
            case SIC_STATUS: v = Status; break;
            case SIC_RAWSTAT: v = RawStatus; break;
            case SIC_ENABLE: v = _enable; break;
            case SIC_SOFTINTSET: v = _soft; break;
            case SIC_PICENABLE: v = _picEnable; break;
            case SIC_ENCLR or SIC_SOFTINTCLR or SIC_PICENCLR: v = 0; break; // write-only
            default:
                _warn($"{_name}: read of offset 0x{off:X3}, which the SIC does not decode (reads 0)");
                v = 0;
                break;
        }
        return PrimeCell.NarrowRead(v, address, size);
    }

    public void Write(uint address, int size, uint value, AccessFlags flags, ref bool abort)
    {
        uint off = PrimeCell.Offset(address);
        value = PrimeCell.NarrowWrite(value, address, size);
        switch (off)
        {
            case SIC_ENSET: _enable |= value; break;
            case SIC_ENCLR: _enable &= ~value; break;
            case SIC_SOFTINTSET: _soft |= value; break;
            case SIC_SOFTINTCLR: _soft &= ~value; break;
            case SIC_PICENSET: _picEnable |= value; break;
            case SIC_PICENCLR: _picEnable &= ~value; break;
            case SIC_STATUS or SIC_RAWSTAT: return; // read-only
            default:
                _warn($"{_name}: write to offset 0x{off:X3}, which the SIC does not decode (ignored)");
                return;
        }
        Update();
    }

    /// <summary>The source levels, the registers and the output levels.</summary>
    public void SaveState(StateWriter w)
    {
        w.Write(_levels);
        w.Write(_soft);
        w.Write(_enable);
        w.Write(_picEnable);
    }

    public void LoadState(StateReader r)
    {
        _levels = r.ReadUInt();
        for (int n = 0; n < SourceCount; n++) _inputs[n].Restore((_levels & (1u << n)) != 0);
        _soft = r.ReadUInt();
        _enable = r.ReadUInt();
        _picEnable = r.ReadUInt();
        Irq.Restore(Status != 0);
        for (int n = PassFirst; n <= PassLast; n++) _pass[n - PassFirst].Restore((_levels & _picEnable & (1u << n)) != 0);
    }
}
