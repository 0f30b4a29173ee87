using SocSim.Core;
using SocSim.Core.Devices;
using SocSim.Core.State;

namespace SocSim.Peripherals;

/// <summary>
/// The MPS2 FPGA system control and I/O block of the AN383/AN385/AN386 images (the application notes' "FPGA
/// system control and I/O" registers, at 0x40028000 as QEMU's mps2-an385 maps them): LED0 (the two user
/// LEDs), BUTTON (the two user push buttons, input pins), CLK1HZ and CLK100HZ (free-running up counters of
/// seconds and hundredths since reset, writable), the prescaled counter (PSCNTR counts PCLK down from PRESCALE;
/// COUNTER increments each time PSCNTR reloads), and MISC (control bits of the board's SPI and CLCD
/// interfaces: stored, those interfaces are not modelled). Counted lazily.
/// </summary>
/// <remarks>
/// Choices: CLK1HZ and CLK100HZ count whole periods of simulated time since reset or their last write (a write
/// sets the count at the write's time). PSCNTR decrements on every PCLK edge; the edge after it reaches 0 it
/// reloads PRESCALE and COUNTER increments (PRESCALE = 0: COUNTER increments on every edge once PSCNTR is 0).
/// </remarks>
public sealed class Mps2FpgaIo : IBusDevice, IDeviceModel, IStateful
{
    public static DeviceType Type { get; } = DeviceType.Define<Mps2FpgaIo>("mps2_fpgaio",
            "ARM MPS2 FPGA system control and I/O (AN385): LEDs, buttons, 1 Hz and 100 Hz counters, prescaled counter, MISC")
        .Window(PrimeCell.Window)
        .Output("LED0", f => f.Led0, "user LED 0 (LED0 bit 0)")
        .Output("LED1", f => f.Led1, "user LED 1 (LED0 bit 1)")
        .Input("BUTTON0", (f, line) => line.Subscribe(v => f.SetButton(0, v)), "user push button 0 (BUTTON bit 0, 1 = pressed)")
        .Input("BUTTON1", (f, line) => line.Subscribe(v => f.SetButton(1, v)), "user push button 1 (BUTTON bit 1)")
        .Signals((f, s) =>
        {
            s.Line("LED0", f.Led0);
            s.Line("LED1", f.Led1);
            s.Sampled("COUNTER", 32, () => f.Read(COUNTER), f._clk);
        })
        .Build(c => new Mps2FpgaIo(c.Name, c.Scheduler, c.Clock));

    public const uint LED0 = 0x00, BUTTON = 0x08, CLK1HZ = 0x10, CLK100HZ = 0x14, COUNTER = 0x18, PRESCALE = 0x1C, PSCNTR = 0x20, MISC = 0x4C;

    private readonly Scheduler _s;
    private readonly long _clk;
    private uint _led, _buttons, _prescale, _misc;
    private uint _clk1Base, _clk100Base;
    private long _clk1Tick, _clk100Tick;          // the tick at which CLK1HZ / CLK100HZ held their base value
    private uint _pscntrBase, _counterBase;
    private long _psEdge;                         // the PCLK edge after which PSCNTR / COUNTER held their bases

    public Mps2FpgaIo(string name, Scheduler scheduler, ClockDomain pclk)
    {
        Name = name;
        _s = scheduler;
        _clk = pclk.PeriodTicks;
        Led0 = new IrqLine(name + ".LED0");
        Led1 = new IrqLine(name + ".LED1");
        Reset();
    }

    public string Name { get; }
    public IrqLine Led0 { get; }
    public IrqLine Led1 { get; }

    public void Reset()
    {
        _led = _prescale = _misc = 0;
        long now = _s.Now;
        _clk1Base = _clk100Base = 0;
        _clk1Tick = _clk100Tick = now;
        _pscntrBase = _counterBase = 0;
        _psEdge = now / _clk;
        Led0.Set(false);
        Led1.Set(false);
    }

    private void SetButton(int n, bool pressed)
    {
        if (pressed) _buttons |= 1u << n; else _buttons &= ~(1u << n);
    }

    private uint Periods(uint count, long since, long hz) => count + (uint)((Int128)(_s.Now - since) * hz / _s.TicksPerSecond);

    /// <summary>PSCNTR and COUNTER at the present PCLK edge.</summary>
    private (uint Pscntr, uint Counter) Prescaled()
    {
        long k = _s.Now / _clk - _psEdge;
        if (k < _pscntrBase) return ((uint)(_pscntrBase - k), _counterBase);
        if (_prescale == 0) return (0, (uint)(_counterBase + (k - _pscntrBase)));
        long y = k - _pscntrBase + _prescale;
        return ((uint)(_prescale - y % (_prescale + 1L)), (uint)(_counterBase + y / (_prescale + 1L)));
    }

    private void RebasePrescaled(uint? pscntr = null, uint? counter = null)
    {
        var (p, c) = Prescaled();
        _pscntrBase = pscntr ?? p;
        _counterBase = counter ?? c;
        _psEdge = _s.Now / _clk;
    }

    private uint Read(uint off) => off switch
    {
        LED0 => _led,
        BUTTON => _buttons,
        CLK1HZ => Periods(_clk1Base, _clk1Tick, 1),
        CLK100HZ => Periods(_clk100Base, _clk100Tick, 100),
        COUNTER => Prescaled().Counter,
        PRESCALE => _prescale,
        PSCNTR => Prescaled().Pscntr,
        MISC => _misc,
        _ => 0,
    };

    public uint Read(uint address, int size, AccessFlags flags, ref bool abort) =>
        PrimeCell.NarrowRead(Read(PrimeCell.Offset(address)), address, size);

    public void Write(uint address, int size, uint value, AccessFlags flags, ref bool abort)
    {
        uint off = PrimeCell.Offset(address);
        value = PrimeCell.NarrowWrite(value, address, size);
        switch (off)
        {
            case LED0:
                _led = value & 3;
                Led0.Set((_led & 1) != 0);
                Led1.Set((_led & 2) != 0);
                break;
            case CLK1HZ: _clk1Base = value; _clk1Tick = _s.Now; break;
            case CLK100HZ: _clk100Base = value; _clk100Tick = _s.Now; break;
            case COUNTER: RebasePrescaled(counter: value); break;
            case PRESCALE: RebasePrescaled(); _prescale = value; break;
            case PSCNTR: RebasePrescaled(pscntr: value); break;
            case MISC: _misc = value; break;
        }
    }

    public void SaveState(StateWriter w)
    {
        w.Write(_led); w.Write(_buttons); w.Write(_prescale); w.Write(_misc);
        w.Write(_clk1Base); w.Write(_clk1Tick); w.Write(_clk100Base); w.Write(_clk100Tick);
        w.Write(_pscntrBase); w.Write(_counterBase); w.Write(_psEdge);
    }

    public void LoadState(StateReader r)
    {
        _led = r.ReadUInt(); _buttons = r.ReadUInt(); _prescale = r.ReadUInt(); _misc = r.ReadUInt();
        _clk1Base = r.ReadUInt(); _clk1Tick = r.ReadLong(); _clk100Base = r.ReadUInt(); _clk100Tick = r.ReadLong();
        _pscntrBase = r.ReadUInt(); _counterBase = r.ReadUInt(); _psEdge = r.ReadLong();
        Led0.Restore((_led & 1) != 0);
        Led1.Restore((_led & 2) != 0);
    }
}
