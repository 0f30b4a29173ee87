using SocSim.Core;
using SocSim.Core.Devices;
using SocSim.Core.State;

namespace SocSim.Peripherals;

/// <summary>
/// The Versatile/PB's SBCon two-wire serial bus interface (ARM Versatile/PB926EJ-S user guide, "Serial bus
/// interface"; Linux's i2c-versatile drives it through i2c-algo-bit; QEMU: hw/i2c/arm_sbcon_i2c.c) with the
/// board's DS1338 real-time clock (<see cref="Ds1338Rtc"/>, address 0x68) on its bus.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item>0x000 read SB_CONTROL: bit 0 SCL, bit 1 SDA as the bus carries them; write SB_CONTROLS sets the
/// written bits of the controller's outputs; 0x004 write SB_CONTROLC clears them. Outputs are open drain:
/// each line is the AND of the controller's output and the RTC's.</item>
/// <item>The outputs reset to 0, both lines pulled low (choice: the user guide gives no reset value; Linux
/// writes SCL|SDA to SB_CONTROLS at probe). Other offsets read 0 and ignore writes.</item>
/// <item>A write that changes both lines applies SCL first, then SDA (choice: the bus protocol forbids the
/// simultaneous change, so the order only decides what a misbehaving master sees).</item>
/// </list>
/// </remarks>
public sealed class VersatileSbconI2c : IBusDevice, IDeviceModel, IStateful
{
    public static DeviceType Type { get; } = DeviceType.Define<VersatileSbconI2c>("versatile_sbcon_i2c",
            "Versatile/PB SBCon bit-banged I2C (SB_CONTROL/S/C) with the board's DS1338 RTC at address 0x68")
        .Window(PrimeCell.Window)
        .Parameter("rtcTime", Ds1338Rtc.DefaultTime, "the DS1338's date-time at power-up, yyyy-MM-ddTHH:mm:ss (2000-2099); it then counts simulated seconds")
        .Build(c => new VersatileSbconI2c(c.Name, c.Scheduler, c.Parameter<string>("rtcTime"), c.Warn));

    public const uint SB_CONTROL = 0x000, SB_CONTROLS = 0x000, SB_CONTROLC = 0x004;
    public const uint SCL = 1, SDA = 2;

    private readonly Ds1338Rtc _rtc;
    private uint _out;

    public VersatileSbconI2c(string name, Scheduler scheduler, string rtcTime, Action<string> warn)
    {
        Name = name;
        _rtc = new Ds1338Rtc(name, scheduler, rtcTime, warn);
    }

    public string Name { get; }
    public Ds1338Rtc Rtc => _rtc;

    private bool SclLine => (_out & SCL) != 0;
    private bool SdaLine => (_out & SDA) != 0 && _rtc.SdaOut;

    /// <summary>A SoC reset releases nothing: the controller's outputs return to 0; the RTC (a board part on its battery) keeps time.</summary>
    public void Reset() => Drive(0);

    public uint Read(uint address, int size, AccessFlags flags, ref bool abort) =>
        PrimeCell.Offset(address) == SB_CONTROL ? (SclLine ? SCL : 0) | (SdaLine ? SDA : 0) : 0;

    public void Write(uint address, int size, uint value, AccessFlags flags, ref bool abort)
    {
        switch (PrimeCell.Offset(address))
        {
            case SB_CONTROLS: Drive(_out | (value & 3)); break;
            case SB_CONTROLC: Drive(_out & ~value & 3); break;
        }
    }

    private void Drive(uint output)
    {
        bool scl0 = SclLine, sda0 = SdaLine;
        _out = (_out & SDA) | (output & SCL);
        bool scl1 = SclLine;
        if (scl1 != scl0) _rtc.OnScl(scl1, SdaLine);
        // The slave may have moved SDA as SCL fell: an edge seen while SCL is low is no START or STOP.
        sda0 = SdaLine;
        _out = output & 3;
        bool sda1 = SdaLine;
        if (sda1 != sda0) _rtc.OnSda(sda1, scl1);
    }

    public void SaveState(StateWriter w) { w.Write(_out); _rtc.SaveState(w); }

    public void LoadState(StateReader r) { _out = r.ReadUInt() & 3; _rtc.LoadState(r); }
}
