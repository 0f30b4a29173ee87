using SocSim.Core;
using SocSim.Core.Devices;
using SocSim.Core.State;

namespace SocSim.Peripherals;

/// <summary>
/// ARM PrimeCell SP810 system controller (TRM DDI 0254), as the Versatile/PB has it at 0x101E0000:
/// the system mode control, the timer clock-enable selects (TimerEnXSel: each SP804 counter from the
/// 32.768 kHz REFCLK or the 1 MHz TIMCLK), the peripheral clock enables and the identification.
/// </summary>
/// <remarks>
/// Choices (each tested):
/// <list type="bullet">
/// <item>SCCTRL's reset value is a board parameter; the default is NORMAL mode with every
/// TimerEnXSel set to TIMCLK, what the Versatile boot monitor leaves and what QEMU's <c>-kernel</c>
/// (whose SP804 always counts at 1 MHz) and the kernel's device tree (timclk = 24 MHz / 24) assume.
/// ModeStatus [6:3] reports the mode ModeCtrl [2:0] asks for at once (the transition states of the
/// TRM's mode state machine take crystal and PLL settling times the board does not model).</item>
/// <item>The select bits drive the outputs TIMEREN0SEL-TIMEREN3SEL (1: TIMCLK), which a board wires to
/// the SP804s' TIMCLKSEL1/2 inputs: a counter whose select is low counts REFCLK (32.768 kHz). Linux
/// (arch/arm/mach-versatile, <c>versatile_init_early</c>) sets all four to TIMCLK with a read-modify-write
/// of SCCTRL before it starts its timers, so its boot is the same from either reset value; firmware that
/// leaves them clear counts 30.5 times slower than under QEMU, whose SP804 always counts 1 MHz.</item>
/// <item>Writing SCSYSSTAT requests a reset of the whole system (the SP810's software reset).</item>
/// </list>
/// </remarks>
public sealed class Sp810SysCtrl : IBusDevice, IDeviceModel, IStateful
{
    public static DeviceType Type { get; } = Declare();

    private static DeviceType Declare()
    {
        var b = DeviceType.Define<Sp810SysCtrl>("sp810", "ARM PrimeCell system controller (SP810)")
            .Window(PrimeCell.Window)
            .Parameter("scctrl", (long)DefaultScCtrl, "SCCTRL after reset (default: NORMAL mode, every timer on TIMCLK)")
            .Parameter("sysId", 0L, "SCSYSID0-3: the system identification the board ties off");
        for (int n = 0; n < 4; n++)
        {
            int k = n;
            // High after reset with the default SCCTRL (every TimerEnXSel set).
            b.Output($"TIMEREN{k}SEL", s => s._timerSel[k], $"SCCTRL.TimerEn{k}Sel: timer {k} counts TIMCLK (1) or REFCLK (0)", resetHigh: true);
        }
        b.Signals((d, s) =>
        {
            for (int n = 0; n < 4; n++) s.Line($"TIMEREN{n}SEL", d._timerSel[n]);
        });
        return b.Build(c => new Sp810SysCtrl(c.Name, (uint)c.Parameter<long>("scctrl"), (uint)c.Parameter<long>("sysId"), c.Warn, c.RequestSystemReset));
    }

    public const uint SCCTRL = 0x000, SCSYSSTAT = 0x004, SCIMCTRL = 0x008, SCIMSTAT = 0x00C, SCXTALCTRL = 0x010;
    public const uint SCPLLCTRL = 0x014, SCPLLFCTRL = 0x018, SCPERCTRL0 = 0x01C, SCPERCTRL1 = 0x020;
    public const uint SCPEREN = 0x024, SCPERDIS = 0x028, SCPERCLKEN = 0x02C, SCPERSTAT = 0x030;
    public const uint SCSYSID0 = 0xEE0, SCITCR = 0xF00, SCCNTSTEP = 0xF18;

    /// <summary>SCCTRL.TimerEnXSel bit of timer <paramref name="n"/> (0-3).</summary>
    public static int TimerSelShift(int n) => 15 + 2 * n;
    public const uint ModeNormal = 0b100;
    public const uint DefaultScCtrl = ModeNormal | (1u << 15) | (1u << 17) | (1u << 19) | (1u << 21);

    private static ReadOnlySpan<byte> PeriphId => [0x10, 0x18, 0x04, 0x00];

    private readonly string _name;
    private readonly uint _resetScCtrl, _sysId;
    private readonly Action<string> _warn, _requestReset;
    private readonly IrqLine[] _timerSel = new IrqLine[4];
    private uint _scCtrl;
    private readonly uint[] _regs = new uint[0x40]; // SCIMCTRL..SCPERCTRL1 and the test registers, by word index of (offset & 0xFF)
    private uint _perClkEn;

    public Sp810SysCtrl(string name, uint resetScCtrl, uint sysId, Action<string> warn, Action<string> requestReset)
    {
        _name = name;
        _resetScCtrl = resetScCtrl;
        _sysId = sysId;
        _warn = warn;
        _requestReset = requestReset;
        for (int n = 0; n < 4; n++) _timerSel[n] = new IrqLine($"{name}.TIMEREN{n}SEL");
        Reset();
    }

    public IrqLine TimerSelect(int n) => _timerSel[n];

    public void Reset()
    {
        _scCtrl = _resetScCtrl & ~0x178u;
        Array.Clear(_regs);
        _perClkEn = 0xFFFFFFFF; // every peripheral clock runs after reset
        UpdateOutputs();
    }

    /// <summary>SCCTRL.ModeStatus for ModeCtrl: SLEEP 0000, DOZE 0001, SLOW 0010, NORMAL 0100 (TRM 3.3.1).</summary>
    private static uint ModeStatus(uint modeCtrl) => modeCtrl switch { 0 => 0b0000, 1 => 0b0001, 2 or 3 => 0b0010, _ => 0b0100 };

    private uint ReadScCtrl() => (_scCtrl & ~0x78u) | (ModeStatus(_scCtrl & 7) << 3);

    public uint Read(uint address, int size, AccessFlags flags, ref bool abort)
    {
        uint off = PrimeCell.Offset(address);
        uint v;
        switch (off)
        {
            case SCCTRL: v = ReadScCtrl(); break;
            case SCSYSSTAT: v = 0; break;
            case >= SCIMCTRL and <= SCPERCTRL1: v = _regs[off >> 2]; break;
            case SCPEREN or SCPERDIS: v = 0; break; // write-only
            case SCPERCLKEN or SCPERSTAT: v = _perClkEn; break;
            case >= SCSYSID0 and < SCSYSID0 + 16: v = (_sysId >> (int)(8 * ((off - SCSYSID0) >> 2))) & 0xFF; break;
            case >= SCITCR and <= SCCNTSTEP: v = _regs[0x20 + ((off - SCITCR) >> 2)]; break;
            case >= 0xFE0: v = PrimeCell.ReadId(off, PeriphId); break;
            default:
                _warn($"{_name}: read of offset 0x{off:X3}, which the SP810 does not decode (reads 0)");
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
            case SCCTRL:
                _scCtrl = value & ~0x178u; // ModeStatus and RemapStat are read-only
                UpdateOutputs();
                return;
            case SCSYSSTAT:
                _requestReset($"{_name}: SCSYSSTAT written (system controller software reset)");
                return;
            case >= SCIMCTRL and <= SCPERCTRL1: _regs[off >> 2] = value; return;
            case SCPEREN: _perClkEn |= value; return;
            case SCPERDIS: _perClkEn &= ~value; return;
            case SCPERCLKEN or SCPERSTAT or (>= SCSYSID0 and < SCSYSID0 + 16) or >= 0xFE0: return; // read-only
            case >= SCITCR and <= SCCNTSTEP: _regs[0x20 + ((off - SCITCR) >> 2)] = value; return;
        }
        _warn($"{_name}: write to offset 0x{off:X3}, which the SP810 does not decode (ignored)");
    }

    private void UpdateOutputs()
    {
        for (int n = 0; n < 4; n++) _timerSel[n].Set((_scCtrl & (1u << TimerSelShift(n))) != 0);
    }

    public void SaveState(StateWriter w)
    {
        w.Write(_scCtrl);
        w.Write(_regs);
        w.Write(_perClkEn);
    }

    public void LoadState(StateReader r)
    {
        _scCtrl = r.ReadUInt();
        r.ReadUIntArray(_regs.Length).CopyTo(_regs, 0);
        _perClkEn = r.ReadUInt();
        for (int n = 0; n < 4; n++) _timerSel[n].Restore((_scCtrl & (1u << TimerSelShift(n))) != 0);
    }
}
